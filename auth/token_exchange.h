// TokenExchangeClient: trades a Keycard subject token for a Jira-scoped access token at the
// zone's token endpoint (OAuth 2.0 Token Exchange, RFC 8693).
//
// Construction (the lead wires settings here):
//
//   auth::TokenExchangeClient exchange(http, zone,
//       {.client_id = settings.keycard_client_id,
//        .client_secret = core::Secret(settings.keycard_client_secret)});
//
// Each call POSTs an application/x-www-form-urlencoded body to the discovered `token_endpoint`
// (or the zone's `/oauth/2/token` fallback) with grant_type token-exchange, the subject token as
// an access_token-type token, `resource`, and `scope` (the requested scopes sorted, deduplicated
// and space-separated; omitted when there are none). The client authenticates with HTTP Basic,
// id and secret each form-urlencoded first (RFC 6749 §2.3.1). Nothing secret is ever logged: the
// subject token, the issued token and the client secret appear as fingerprints at most.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "auth/zone_metadata.h"
#include "core/http_client.h"
#include "core/secret.h"
#include "core/status.h"

namespace auth {

inline constexpr char kJiraResource[] = "https://api.atlassian.com/ex/jira";
inline constexpr char kTokenExchangeGrant[] = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr char kAccessTokenType[] = "urn:ietf:params:oauth:token-type:access_token";
// Assumed lifetime of an issued token whose answer has no `expires_in` (DESIGN.md §3).
inline constexpr std::chrono::seconds kDefaultExpiresIn{3600};

struct ExchangeRequest {
  core::Secret subject_token;
  std::string resource = kJiraResource;
  std::vector<std::string> scopes;
  // Polled while the request runs; when it turns true the call ends with kCancelled.
  const std::atomic<bool>* cancelled = nullptr;
};

struct ExchangedToken {
  core::Secret access_token;
  std::string token_type = "Bearer";  // as the zone spelled it: Bearer or N_A, any case
  std::chrono::seconds expires_in = kDefaultExpiresIn;
  std::string issued_token_type;     // empty when the zone did not say
  std::optional<std::string> scope;  // the granted scope, when the zone said
};

// The scope parameter for `scopes`: sorted, duplicates dropped, joined by single spaces.
std::string ScopeParameter(std::vector<std::string> scopes);

class TokenExchangeClient {
 public:
  struct Options {
    std::string client_id;       // KEYCARD_CLIENT_ID
    core::Secret client_secret;  // KEYCARD_CLIENT_SECRET or the contents of ..._SECRET_FILE
    std::chrono::milliseconds timeout{10000};  // per attempt
  };

  // `http` and `zone` must outlive this object.
  TokenExchangeClient(core::HttpClient& http, ZoneMetadataCache& zone, Options options);

  // Performs one exchange. The answer is parsed strictly: `access_token` must be a non-empty
  // string different from the subject token; `token_type`, when present, Bearer or N_A (any
  // case); `expires_in`, when present, a non-negative number (absent: kDefaultExpiresIn);
  // `issued_token_type` and `scope`, when present, strings.
  //
  // Errors, each with a client-safe message saying who must do what:
  //   kUnauthenticated    invalid_grant: the subject token expired or was revoked; sign in again.
  //                       (This is the only use of kUnauthenticated, so callers can tell that the
  //                       subject token itself was refused.)
  //   kFailedPrecondition consent_required, or any error whose description says consent is
  //                       required: the user must re-authorize the app (CASES C17);
  //                       invalid_target: an admin must add the resource as a dependency;
  //                       invalid_client (or a bare 401): the server's client credentials are
  //                       wrong, an admin must fix them; unauthorized_client and other codes:
  //                       an admin must check the app's configuration; missing client id or
  //                       secret; the zone URL unusable.
  //   kPermissionDenied   access_denied: zone policy denied it; carries the zone's
  //                       error_description and says an admin decides (CASES C18);
  //                       invalid_scope: an admin must allow the scopes.
  //   kInvalidArgument    a scope that is not a valid RFC 6749 §3.3 scope-token, or no subject.
  //   kUnavailable        transport failure, 5xx, 429, or an answer that is not a usable token
  //                       response: retry later.
  //   kCancelled          `request.cancelled` turned true.
  // Only transport failures and 5xx answers are retried, once, immediately; nothing else is.
  // Thread-safe.
  core::Result<ExchangedToken> Exchange(const ExchangeRequest& request);

 private:
  core::Result<core::HttpResponse> Post(const std::string& endpoint, const ExchangeRequest& request,
                                        const std::string& body);

  core::HttpClient& http_;
  ZoneMetadataCache& zone_;
  Options options_;
};

}  // namespace auth
