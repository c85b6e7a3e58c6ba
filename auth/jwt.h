// Compact JWS (RFC 7515 §7.1) parsing for bearer JWTs, and the reasons a token is refused.
//
// Parsing only splits and decodes; it trusts nothing it reads. Signature, issuer, time and
// audience checks belong to the verifier (auth/jwt_verifier.h).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace auth {

// Why a bearer token was refused: one value per failure, for code, tests and logs. A client is
// never told which one; it only sees "invalid token".
enum class TokenError {
  kMissing,          // no token at all
  kMalformed,        // not three non-empty dot-separated parts, or too long
  kBadEncoding,      // a part is not unpadded base64url
  kBadHeader,        // the header is not a JSON object
  kBadClaims,        // the claims are not a JSON object
  kCriticalHeader,   // a `crit` header names extensions this server does not implement
  kAlgNotAllowed,    // `alg` missing or outside RS256, ES256, PS256
  kMissingKid,       // no `kid` in the header
  kUnknownKid,       // no key with that `kid`, even after a refetch (or refetch rate-limited)
  kJwksUnavailable,  // the key set could not be fetched
  kKeyMismatch,      // the key's type or declared `alg` does not fit the token's `alg`
  kBadSignature,     // the signature does not verify
  kWrongIssuer,      // `iss` missing or not exactly the configured issuer
  kMissingExpiry,    // no `exp`
  kExpired,          // `exp` (plus leeway) has passed
  kNotYetValid,      // `nbf` (minus leeway) lies in the future
  kMissingAudience,  // no `aud`, or an empty one
  kWrongAudience,    // `aud` names neither this server nor (with `resource`) the zone
  kWrongResource,    // `aud` is the zone but `resource` is missing or names another server
  kMissingSubject,   // no non-empty `sub`
  kBadClaim,         // a registered claim has the wrong JSON type or an impossible value
};

// Stable snake_case name of a reason ("alg_not_allowed"), for logs.
const char* TokenErrorName(TokenError error);

// A refusal: the reason and a log-only detail. The detail may quote claim values (escaped and
// shortened) but never the token or any of its parts.
struct TokenFailure {
  TokenError reason;
  std::string detail;
};

// A decoded compact JWS. Nothing in it has been checked beyond its shape.
struct Jws {
  nlohmann::json header;      // a JSON object
  nlohmann::json claims;      // a JSON object
  std::string signing_input;  // the first two parts and the dot between them, as sent
  std::string signature;      // the decoded signature bytes (empty for "alg": "none" tokens)
};

// Longer tokens are refused before any decoding, so a client cannot make us parse megabytes.
inline constexpr std::size_t kMaxTokenBytes = std::size_t{64} * 1024;

// Splits `token` into header, claims and signature and decodes them. Fails with kMissing (empty),
// kMalformed (part count, empty header or claims, over kMaxTokenBytes), kBadEncoding (a part is
// not canonical unpadded base64url), kBadHeader or kBadClaims (not a JSON object).
std::variant<Jws, TokenFailure> ParseJws(std::string_view token);

// `value` as JSON text, cut to `max_chars` with "..." appended: safe to put in a log line, since
// JSON escaping leaves no control characters.
std::string QuoteForLog(const nlohmann::json& value, std::size_t max_chars = 80);

}  // namespace auth
