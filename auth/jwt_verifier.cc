#include "auth/jwt_verifier.h"

#include <fmt/format.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <utility>
#include <variant>

#include "auth/jwt_openssl.h"
#include "core/log.h"
#include "core/url.h"

namespace auth {
namespace {

enum class Alg { kRs256, kEs256, kPs256 };

// The only algorithms accepted (DESIGN.md §3). Everything else, "none" and the HMAC family
// above all, is refused before a key is even looked up: an HS256 token "signed" with our RSA
// public key bytes never reaches a verification routine.
constexpr std::pair<const char*, Alg> kAllowedAlgs[] = {
    {"RS256", Alg::kRs256}, {"ES256", Alg::kEs256}, {"PS256", Alg::kPs256}};

// NumericDates beyond this (in the 23rd century) would overflow system_clock's nanoseconds.
constexpr double kMaxNumericDate = 8'000'000'000.0;

// ES256 signatures are r || s, 32 bytes each (RFC 7518 §3.4).
constexpr std::size_t kEs256SignatureBytes = 64;
// PS256 uses a salt as long as its SHA-256 hash (RFC 7518 §3.5).
constexpr int kPs256SaltBytes = 32;

TokenFailure Fail(TokenError reason, std::string detail) { return {reason, std::move(detail)}; }

std::optional<TokenFailure> ReadAlg(const nlohmann::json& header, Alg* alg) {
  const auto it = header.find("alg");
  if (it == header.end() || !it->is_string()) {
    return Fail(TokenError::kAlgNotAllowed, "header has no alg string");
  }
  for (const auto& [name, value] : kAllowedAlgs) {
    if (*it == name) {
      *alg = value;
      return std::nullopt;
    }
  }
  return Fail(TokenError::kAlgNotAllowed, "alg=" + QuoteForLog(*it));
}

const char* AlgName(Alg alg) {
  for (const auto& [name, value] : kAllowedAlgs) {
    if (value == alg) {
      return name;
    }
  }
  return "?";
}

// RFC 7515 §4.1.11: a token whose `crit` lists extensions we do not implement (we implement
// none) must be refused.
std::optional<TokenFailure> CheckCritical(const nlohmann::json& header) {
  if (header.contains("crit")) {
    return Fail(TokenError::kCriticalHeader, "crit=" + QuoteForLog(header["crit"]));
  }
  return std::nullopt;
}

std::optional<TokenFailure> ReadKid(const nlohmann::json& header, std::string* kid) {
  const auto it = header.find("kid");
  if (it == header.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Fail(TokenError::kMissingKid, "header has no kid string");
  }
  *kid = it->get<std::string>();
  return std::nullopt;
}

std::optional<TokenFailure> CheckKeyFits(const Jwk& key, Alg alg) {
  const KeyType needed = alg == Alg::kEs256 ? KeyType::kEcP256 : KeyType::kRsa;
  if (key.type != needed) {
    return Fail(TokenError::kKeyMismatch,
                std::string("key kid=") + QuoteForLog(key.kid) + " cannot verify " + AlgName(alg));
  }
  if (!key.alg.empty() && key.alg != AlgName(alg)) {
    return Fail(TokenError::kKeyMismatch, "key kid=" + QuoteForLog(key.kid) +
                                              " is for alg=" + QuoteForLog(key.alg) +
                                              ", token uses " + AlgName(alg));
  }
  return std::nullopt;
}

// EVP wants an ECDSA signature DER-encoded (SEQUENCE of r and s); JWS sends r || s.
std::optional<std::string> EcdsaRawToDer(const std::string& raw) {
  if (raw.size() != kEs256SignatureBytes) {
    return std::nullopt;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  const int half = static_cast<int>(kEs256SignatureBytes / 2);
  ossl::Ptr<BIGNUM> r(BN_bin2bn(bytes, half, nullptr));
  ossl::Ptr<BIGNUM> s(BN_bin2bn(bytes + half, half, nullptr));
  const ossl::Ptr<ECDSA_SIG> signature(ECDSA_SIG_new());
  if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
    return std::nullopt;
  }
  // ECDSA_SIG_set0 took ownership of r and s.
  static_cast<void>(r.release());
  static_cast<void>(s.release());

  const int size = i2d_ECDSA_SIG(signature.get(), nullptr);
  if (size <= 0) {
    return std::nullopt;
  }
  std::string der(static_cast<std::size_t>(size), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(signature.get(), &out) != size) {
    return std::nullopt;
  }
  return der;
}

bool SetRsaPadding(EVP_PKEY_CTX* ctx, Alg alg) {
  if (alg == Alg::kRs256) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
  }
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, kPs256SaltBytes) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) == 1;
}

std::optional<TokenFailure> CheckSignature(const Jws& jws, Alg alg, const Jwk& key) {
  std::optional<std::string> der;
  std::string_view signature = jws.signature;
  if (alg == Alg::kEs256) {
    der = EcdsaRawToDer(jws.signature);
    if (!der) {
      ossl::TakeErrors();
      return Fail(TokenError::kBadSignature, "ES256 signature is not 64 bytes of r || s");
    }
    signature = *der;
  }

  const ossl::Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), &pkey_ctx, "SHA256", nullptr, nullptr, key.key.get(),
                              nullptr) != 1 ||
      (alg != Alg::kEs256 && !SetRsaPadding(pkey_ctx, alg))) {
    return Fail(TokenError::kBadSignature, "cannot set up verification: " + ossl::TakeErrors());
  }

  const int verified = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size());
  if (verified != 1) {
    ossl::TakeErrors();
    return Fail(
        TokenError::kBadSignature,
        std::string(AlgName(alg)) + " signature does not verify with kid=" + QuoteForLog(key.kid));
  }
  return std::nullopt;
}

// Reads a NumericDate claim (RFC 7519 §2) into `*seconds`; leaves it empty when absent.
std::optional<TokenFailure> ReadNumericDate(const nlohmann::json& claims, const char* name,
                                            std::optional<double>* seconds) {
  const auto it = claims.find(name);
  if (it == claims.end()) {
    return std::nullopt;
  }
  if (!it->is_number()) {
    return Fail(TokenError::kBadClaim, std::string(name) + " is not a number");
  }
  const double value = it->get<double>();
  if (!std::isfinite(value) || value < 0 || value > kMaxNumericDate) {
    return Fail(TokenError::kBadClaim,
                std::string(name) + "=" + QuoteForLog(*it) + " is out of range");
  }
  *seconds = value;
  return std::nullopt;
}

// A claim that may be one string or an array of strings, as a list. False on any other type.
bool ReadStrings(const nlohmann::json& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    out->push_back(value.get<std::string>());
    return true;
  }
  if (!value.is_array()) {
    return false;
  }
  for (const auto& item : value) {
    if (!item.is_string()) {
      return false;
    }
    out->push_back(item.get<std::string>());
  }
  return true;
}

std::vector<std::string> SplitSpaces(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) {
      out.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return out;
}

// `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3) or, from some issuers, `scp`.
std::optional<TokenFailure> ReadScopes(const nlohmann::json& claims,
                                       std::vector<std::string>* scopes) {
  if (const auto scope = claims.find("scope"); scope != claims.end()) {
    if (!scope->is_string()) {
      return Fail(TokenError::kBadClaim, "scope is not a string");
    }
    *scopes = SplitSpaces(scope->get<std::string>());
    return std::nullopt;
  }
  const auto scp = claims.find("scp");
  if (scp == claims.end()) {
    return std::nullopt;
  }
  std::vector<std::string> listed;
  if (!ReadStrings(*scp, &listed)) {
    return Fail(TokenError::kBadClaim, "scp is not a string or array of strings");
  }
  for (const auto& item : listed) {
    for (auto& scope : SplitSpaces(item)) {
      scopes->push_back(std::move(scope));
    }
  }
  return std::nullopt;
}

std::optional<TokenFailure> ReadClientId(const nlohmann::json& claims,
                                         std::optional<std::string>* client_id) {
  for (const char* name : {"client_id", "azp"}) {
    const auto it = claims.find(name);
    if (it == claims.end()) {
      continue;
    }
    if (!it->is_string()) {
      return Fail(TokenError::kBadClaim, std::string(name) + " is not a string");
    }
    *client_id = it->get<std::string>();
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<TokenFailure> ReadSubject(const nlohmann::json& claims, std::string* subject) {
  const auto it = claims.find("sub");
  if (it == claims.end()) {
    return Fail(TokenError::kMissingSubject, "no sub");
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return Fail(TokenError::kMissingSubject, "sub is not a non-empty string");
  }
  *subject = it->get<std::string>();
  return std::nullopt;
}

std::chrono::system_clock::time_point FromNumericDate(double seconds) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::duration<double>(seconds)));
}

double ToSeconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

std::string JoinForLog(const std::vector<std::string>& items) {
  return QuoteForLog(nlohmann::json(items));
}

core::Status BadOption(std::string message) {
  return {core::Code::kInvalidArgument, std::move(message)};
}

// Resource URLs are compared as strings (RFC 8707), except that an origin without a path and the
// same origin with "/" are one URL (RFC 3986 §6.2.3: an empty http(s) path is "/"), so
// `--public-url https://mcp.example.com` accepts tokens for "https://mcp.example.com/".
bool SameResource(std::string_view a, std::string_view b) {
  if (a == b) {
    return true;
  }
  if (a.size() > b.size()) {
    std::swap(a, b);
  }
  const std::size_t scheme_end = a.find("://");
  return scheme_end != std::string_view::npos && b.size() == a.size() + 1 && b.back() == '/' &&
         b.starts_with(a) && a.find('/', scheme_end + 3) == std::string_view::npos &&
         a.find_first_of("?#", scheme_end + 3) == std::string_view::npos;
}

}  // namespace

core::Principal PrincipalOf(const VerifiedToken& token) {
  return core::Principal{
      .subject = token.subject, .token = token.raw, .token_expiry = token.expiry};
}

core::Result<std::unique_ptr<JwksVerifier>> JwksVerifier::Create(Options options,
                                                                 core::HttpClient& http,
                                                                 const core::Clock& clock) {
  if (options.issuer.empty() || options.resource_url.empty()) {
    return BadOption("JWT verification needs the zone issuer URL and this server's resource URL");
  }

  if (std::any_of(options.resource_aliases.begin(), options.resource_aliases.end(),
                  [](const std::string& alias) { return alias.empty(); })) {
    return BadOption("a resource URL alias is empty");
  }

  if (options.leeway < std::chrono::seconds(0) || options.leeway > kMaxLeeway) {
    return BadOption("the JWT time leeway must be between 0 and 300 seconds");
  }

  const auto issuer = core::ParseUrl(options.issuer);
  if (!issuer.ok()) {
    return issuer.status().WithContext("the zone issuer");
  }
  const auto jwks = core::ParseUrl(options.jwks.uri);
  if (!jwks.ok()) {
    return jwks.status().WithContext("the zone jwks_uri");
  }
  if (jwks->Origin() != issuer->Origin()) {
    return BadOption("the zone's jwks_uri " + options.jwks.uri + " is not on the issuer's origin " +
                     issuer->Origin());
  }

  return std::unique_ptr<JwksVerifier>(new JwksVerifier(std::move(options), http, clock));
}

namespace {

// What the caller is told of a refusal. The claims are checked after the signature, so a reason
// from them is told only to the token's holder; anything before that stays "invalid token".
const char* ClientReason(TokenError reason) {
  switch (reason) {
    case TokenError::kExpired:
      return "the token has expired: get a new one";
    case TokenError::kNotYetValid:
      return "the token is not valid yet: check the clocks";
    case TokenError::kMissingAudience:
    case TokenError::kWrongAudience:
    case TokenError::kWrongResource:
      return "the token is not for this server: ask the zone for one whose resource is this "
             "server's URL";
    default:
      return "invalid token";
  }
}

}  // namespace

JwksVerifier::JwksVerifier(Options options, core::HttpClient& http, const core::Clock& clock)
    : options_(std::move(options)), clock_(clock), jwks_(http, clock, options_.jwks) {}

core::Result<VerifiedToken> JwksVerifier::Verify(std::string_view token) {
  static const auto kLogger = core::GetLogger("auth");
  auto outcome = Check(token);
  if (auto* verified = std::get_if<VerifiedToken>(&outcome)) {
    if (kLogger->should_log(spdlog::level::debug)) {
      kLogger->debug("jwt accepted sub={} client_id={} scopes={}", QuoteForLog(verified->subject),
                     QuoteForLog(verified->client_id.value_or("")), JoinForLog(verified->scopes));
    }
    return std::move(*verified);
  }

  const auto& failure = std::get<TokenFailure>(outcome);
  const std::string fingerprint = core::Secret(std::string(token)).Fingerprint();
  kLogger->warn("jwt rejected reason={} token_fp={} detail={}", TokenErrorName(failure.reason),
                fingerprint, failure.detail);
  std::string detail =
      std::string("reason=") + TokenErrorName(failure.reason) + ": " + failure.detail;
  if (failure.reason == TokenError::kJwksUnavailable) {
    // The token may be fine: we could not check it. 503, not 401, or clients throw good tokens
    // away and send their users back to sign in during a zone outage.
    return core::Status(core::Code::kUnavailable, "the signing keys could not be fetched",
                        std::move(detail));
  }
  return core::Status(core::Code::kUnauthenticated, ClientReason(failure.reason),
                      std::move(detail));
}

std::variant<VerifiedToken, TokenFailure> JwksVerifier::Check(std::string_view token) {
  auto parsed = ParseJws(token);
  if (auto* failure = std::get_if<TokenFailure>(&parsed)) {
    return std::move(*failure);
  }
  const Jws& jws = std::get<Jws>(parsed);

  Alg alg = Alg::kRs256;
  if (auto failure = ReadAlg(jws.header, &alg)) {
    return *std::move(failure);
  }

  std::string kid;
  if (auto failure = ReadKid(jws.header, &kid)) {
    return *std::move(failure);
  }

  if (auto failure = CheckCritical(jws.header)) {
    return *std::move(failure);
  }

  auto key = jwks_.Find(kid);
  if (!key.ok()) {
    const TokenError reason = key.status().code() == core::Code::kNotFound
                                  ? TokenError::kUnknownKid
                                  : TokenError::kJwksUnavailable;
    return Fail(reason, "kid=" + QuoteForLog(kid) + ": " + key.status().detail());
  }

  if (auto failure = CheckKeyFits(*key, alg)) {
    return *std::move(failure);
  }

  if (auto failure = CheckSignature(jws, alg, *key)) {
    // The zone may have replaced the key and kept its kid: one look at a newer set.
    auto replacement = jwks_.FindReplacement(kid, *key);
    if (!replacement.ok() || CheckKeyFits(*replacement, alg) ||
        CheckSignature(jws, alg, *replacement)) {
      return *std::move(failure);
    }
  }

  if (auto failure = CheckIssuer(jws.claims)) {
    return *std::move(failure);
  }

  VerifiedToken verified;
  if (auto failure = CheckTimes(jws.claims, &verified.expiry)) {
    return *std::move(failure);
  }

  if (auto failure = CheckAudience(jws.claims, &verified.audience)) {
    return *std::move(failure);
  }

  if (auto failure = ReadSubject(jws.claims, &verified.subject)) {
    return *std::move(failure);
  }

  if (auto failure = ReadScopes(jws.claims, &verified.scopes)) {
    return *std::move(failure);
  }

  if (auto failure = ReadClientId(jws.claims, &verified.client_id)) {
    return *std::move(failure);
  }

  verified.raw = core::Secret(std::string(token));
  return verified;
}

std::optional<TokenFailure> JwksVerifier::CheckIssuer(const nlohmann::json& claims) const {
  const auto it = claims.find("iss");
  if (it == claims.end()) {
    return Fail(TokenError::kWrongIssuer, "no iss");
  }
  // Exact comparison: no normalisation of case, trailing slash or default port.
  if (!it->is_string() || it->get_ref<const std::string&>() != options_.issuer) {
    return Fail(TokenError::kWrongIssuer, "iss=" + QuoteForLog(*it));
  }
  return std::nullopt;
}

std::optional<TokenFailure> JwksVerifier::CheckTimes(
    const nlohmann::json& claims, std::chrono::system_clock::time_point* expiry) const {
  std::optional<double> exp;
  std::optional<double> nbf;
  if (auto failure = ReadNumericDate(claims, "exp", &exp)) {
    return failure;
  }
  if (auto failure = ReadNumericDate(claims, "nbf", &nbf)) {
    return failure;
  }
  if (!exp) {
    return Fail(TokenError::kMissingExpiry, "no exp");
  }

  const double now = ToSeconds(clock_.Now());
  const auto leeway = static_cast<double>(options_.leeway.count());
  const std::string when = fmt::format(" now={:.0f} leeway={}s", now, options_.leeway.count());
  // RFC 7519 §4.1.4: the token is valid only before exp.
  if (now >= *exp + leeway) {
    return Fail(TokenError::kExpired, fmt::format("exp={:.0f}", *exp) + when);
  }
  // RFC 7519 §4.1.5: and not before nbf.
  if (nbf && now < *nbf - leeway) {
    return Fail(TokenError::kNotYetValid, fmt::format("nbf={:.0f}", *nbf) + when);
  }
  *expiry = FromNumericDate(*exp);
  return std::nullopt;
}

std::optional<TokenFailure> JwksVerifier::CheckAudience(const nlohmann::json& claims,
                                                        std::vector<std::string>* audience) const {
  const auto aud = claims.find("aud");
  if (aud == claims.end()) {
    return Fail(TokenError::kMissingAudience, "no aud");
  }
  std::vector<std::string>& audiences = *audience;
  if (!ReadStrings(*aud, &audiences)) {
    return Fail(TokenError::kBadClaim, "aud is not a string or array of strings");
  }
  if (audiences.empty()) {
    return Fail(TokenError::kMissingAudience, "aud is an empty array");
  }

  if (NamesUs(audiences)) {
    return std::nullopt;
  }

  // A zone may issue a token for itself and name the protected resource in `resource`
  // (RFC 8707); it is ours only when that names this server.
  if (std::find(audiences.begin(), audiences.end(), options_.issuer) == audiences.end()) {
    return Fail(TokenError::kWrongAudience, "aud=" + JoinForLog(audiences));
  }
  const auto resource = claims.find("resource");
  if (resource == claims.end()) {
    return Fail(TokenError::kWrongResource, "aud is the zone but there is no resource claim");
  }
  std::vector<std::string> resources;
  if (!ReadStrings(*resource, &resources)) {
    return Fail(TokenError::kBadClaim, "resource is not a string or array of strings");
  }
  if (!NamesUs(resources)) {
    return Fail(TokenError::kWrongResource,
                "aud is the zone and resource=" + JoinForLog(resources));
  }
  return std::nullopt;
}

bool JwksVerifier::NamesUs(const std::vector<std::string>& urls) const {
  return std::any_of(urls.begin(), urls.end(), [this](const std::string& url) {
    return SameResource(url, options_.resource_url) ||
           std::any_of(options_.resource_aliases.begin(), options_.resource_aliases.end(),
                       [&url](const std::string& alias) { return SameResource(url, alias); });
  });
}

}  // namespace auth
