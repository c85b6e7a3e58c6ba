// Bearer-token verification for the HTTP transport: local JWT checks against the zone's JWKS.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/jwks.h"
#include "auth/jwt.h"
#include "core/clock.h"
#include "core/http_client.h"
#include "core/principal.h"
#include "core/secret.h"
#include "core/status.h"

namespace auth {

// What a verified access token says about its caller.
struct VerifiedToken {
  std::string subject;              // `sub`
  std::vector<std::string> scopes;  // `scope` (space-separated) or else `scp` (array or string)
  std::chrono::system_clock::time_point expiry;  // `exp`
  std::vector<std::string> audience;             // `aud`, always as a list
  std::optional<std::string> client_id;          // `client_id`, or else `azp`
  core::Secret raw;                              // the token as received
};

// The caller as the rest of the server knows it: subject, token and its expiry.
core::Principal PrincipalOf(const VerifiedToken& token);

class TokenVerifier {
 public:
  virtual ~TokenVerifier() = default;

  // Verifies a bearer token (the value after "Bearer "). Every refusal is kUnauthenticated with
  // the client message "invalid token" (answer 401), except that a key set that could not be
  // fetched (kJwksUnavailable) is kUnavailable (answer 503: try again; the token may be good);
  // the detail, for logs only, starts with "reason=<TokenErrorName>". Thread-safe.
  virtual core::Result<VerifiedToken> Verify(std::string_view token) = 0;
};

// Verifies JWTs signed by the Keycard zone, in this order, stopping at the first failure:
// structure; `alg` in RS256, ES256, PS256 (never "none" or HS*); `kid` present; no `crit`
// (RFC 7515 §4.1.11: we implement no extensions); key lookup (refetching the JWKS on an unknown
// `kid`, rate-limited); key type and JWK `alg` fit the token's `alg`; signature; `iss` exactly
// the issuer; `exp` required and `nbf` optional, each with the leeway; audience; `sub`. Header
// members such as `jku`, `x5u` and `jwk` are ignored: keys come only from the configured
// jwks_uri.
//
// Audience (DESIGN.md §3): accepted when `aud` (string or array) holds the resource URL or an
// alias, or when `aud` holds the issuer and the `resource` claim (string or array) holds the
// resource URL or an alias. Nothing turns this check off.
class JwksVerifier final : public TokenVerifier {
 public:
  struct Options {
    std::string issuer;                         // the zone URL, compared with `iss` exactly
    std::string resource_url;                   // this server's resource, e.g. https://x/mcp
    std::vector<std::string> resource_aliases;  // other URLs this server answers as
    std::chrono::seconds leeway{60};            // at most kMaxLeeway
    JwksSource::Options jwks;                   // jwks.uri must share the issuer's origin
  };

  static constexpr std::chrono::seconds kMaxLeeway{300};

  // Errors (kInvalidArgument): empty issuer, resource URL or alias; an issuer or jwks_uri that is
  // not an http(s) URL; a jwks_uri on another origin than the issuer; a leeway that is negative
  // or over kMaxLeeway. `http` and `clock` must outlive the verifier. Fetches nothing yet: the
  // JWKS is fetched on the first Verify.
  static core::Result<std::unique_ptr<JwksVerifier>> Create(Options options, core::HttpClient& http,
                                                            const core::Clock& clock);

  // As TokenVerifier::Verify. Logs each refusal at warn ("jwt rejected reason=... token_fp=...")
  // and each acceptance at debug; never the token itself.
  core::Result<VerifiedToken> Verify(std::string_view token) override;

  // The same steps, answering the precise reason instead of a Status; logs nothing.
  std::variant<VerifiedToken, TokenFailure> Check(std::string_view token);

 private:
  JwksVerifier(Options options, core::HttpClient& http, const core::Clock& clock);

  std::optional<TokenFailure> CheckIssuer(const nlohmann::json& claims) const;
  // Each check fills in what it read when it passes.
  std::optional<TokenFailure> CheckTimes(const nlohmann::json& claims,
                                         std::chrono::system_clock::time_point* expiry) const;
  std::optional<TokenFailure> CheckAudience(const nlohmann::json& claims,
                                            std::vector<std::string>* audience) const;
  bool NamesUs(const std::vector<std::string>& urls) const;

  const Options options_;
  const core::Clock& clock_;
  JwksSource jwks_;
};

}  // namespace auth
