#include "auth/jwt.h"

#include <array>
#include <optional>
#include <utility>
#include <variant>

#include "core/base64.h"

namespace auth {
namespace {

// JWS uses base64url without padding (RFC 7515 §2); a '=' means the sender got it wrong.
std::optional<std::string> DecodePart(std::string_view part) {
  if (part.find('=') != std::string_view::npos) {
    return std::nullopt;
  }
  return core::Base64UrlDecode(part);
}

std::optional<nlohmann::json> ParseObject(const std::string& text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return std::nullopt;
  }
  return value;
}

// Splits at dots; more than three parts are reported as such without splitting further.
std::optional<std::array<std::string_view, 3>> SplitThree(std::string_view token) {
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{token.substr(0, first),
                                         token.substr(first + 1, second - first - 1),
                                         token.substr(second + 1)};
}

}  // namespace

const char* TokenErrorName(TokenError error) {
  switch (error) {
    case TokenError::kMissing:
      return "missing";
    case TokenError::kMalformed:
      return "malformed";
    case TokenError::kBadEncoding:
      return "bad_encoding";
    case TokenError::kBadHeader:
      return "bad_header";
    case TokenError::kBadClaims:
      return "bad_claims";
    case TokenError::kCriticalHeader:
      return "critical_header";
    case TokenError::kAlgNotAllowed:
      return "alg_not_allowed";
    case TokenError::kMissingKid:
      return "missing_kid";
    case TokenError::kUnknownKid:
      return "unknown_kid";
    case TokenError::kJwksUnavailable:
      return "jwks_unavailable";
    case TokenError::kKeyMismatch:
      return "key_mismatch";
    case TokenError::kBadSignature:
      return "bad_signature";
    case TokenError::kWrongIssuer:
      return "wrong_issuer";
    case TokenError::kMissingExpiry:
      return "missing_expiry";
    case TokenError::kExpired:
      return "expired";
    case TokenError::kNotYetValid:
      return "not_yet_valid";
    case TokenError::kMissingAudience:
      return "missing_audience";
    case TokenError::kWrongAudience:
      return "wrong_audience";
    case TokenError::kWrongResource:
      return "wrong_resource";
    case TokenError::kMissingSubject:
      return "missing_subject";
    case TokenError::kBadClaim:
      return "bad_claim";
  }
  return "unknown";
}

std::variant<Jws, TokenFailure> ParseJws(std::string_view token) {
  if (token.empty()) {
    return TokenFailure{TokenError::kMissing, "no token"};
  }

  if (token.size() > kMaxTokenBytes) {
    return TokenFailure{TokenError::kMalformed,
                        "token of " + std::to_string(token.size()) + " bytes is too long"};
  }

  const auto parts = SplitThree(token);
  if (!parts) {
    return TokenFailure{TokenError::kMalformed, "not three dot-separated parts"};
  }
  const auto [header_part, claims_part, signature_part] = *parts;
  if (header_part.empty() || claims_part.empty()) {
    return TokenFailure{TokenError::kMalformed, "empty header or claims part"};
  }

  const auto header_text = DecodePart(header_part);
  const auto claims_text = DecodePart(claims_part);
  auto signature = DecodePart(signature_part);
  if (!header_text || !claims_text || !signature) {
    return TokenFailure{TokenError::kBadEncoding, "a part is not unpadded base64url"};
  }

  auto header = ParseObject(*header_text);
  if (!header) {
    return TokenFailure{TokenError::kBadHeader, "header is not a JSON object"};
  }

  auto claims = ParseObject(*claims_text);
  if (!claims) {
    return TokenFailure{TokenError::kBadClaims, "claims are not a JSON object"};
  }

  return Jws{
      .header = std::move(*header),
      .claims = std::move(*claims),
      .signing_input = std::string(token.substr(0, header_part.size() + 1 + claims_part.size())),
      .signature = std::move(*signature)};
}

std::string QuoteForLog(const nlohmann::json& value, std::size_t max_chars) {
  // Replace invalid UTF-8 instead of throwing: the value came from the network.
  std::string text =
      value.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
  if (text.size() > max_chars) {
    text.resize(max_chars);
    text += "...";
  }
  return text;
}

}  // namespace auth
