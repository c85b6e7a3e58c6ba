// The identity zone: RFC 8414 metadata, JWKS, authorization endpoint and token endpoint.
//
// Grants: `password` (a development grant limited to the sandbox's demo users and its one demo
// password; it stands in for the user signing in to Keycard), `authorization_code` with PKCE
// S256 and loopback redirect URIs only (approved at once for login_hint or alice, no prompt),
// `refresh_token` (rotated on use), and RFC 8693 token exchange for the Jira resource under a
// small policy whose errors use Keycard's codes.
#include <fmt/format.h>

#include <algorithm>

#include "core/base64.h"
#include "core/log.h"
#include "core/url.h"
#include "sandbox/internal.h"

namespace sandbox {
namespace {

constexpr std::string_view kTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
constexpr std::string_view kJwtTokenType = "urn:ietf:params:oauth:token-type:jwt";
constexpr std::int64_t kCodeLifetimeSeconds = 600;

std::shared_ptr<spdlog::logger> Log() { return core::GetLogger("sandbox"); }

// RFC 6749 §5.2.
void SendOAuthError(httplib::Response& res, int status, const std::string& error,
                    const std::string& description) {
  res.set_header("Cache-Control", "no-store");
  if (status == 401) {
    res.set_header("WWW-Authenticate", R"(Basic realm="sandbox")");
  }
  SendJson(res, status, {{"error", error}, {"error_description", description}});
}

void SendToken(httplib::Response& res, const Json& body) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
  SendJson(res, 200, body);
}

struct ClientAuth {
  bool presented = false;
  bool valid = false;
  std::string client_id;
};

// client_secret_basic (RFC 6749 §2.3.1) or client_secret_post.
ClientAuth AuthenticateClient(const ServerCore& core, const httplib::Request& req) {
  ClientAuth auth;
  std::string id;
  std::string secret;
  const std::string header = req.get_header_value("Authorization");
  if (header.rfind("Basic ", 0) == 0) {
    const auto decoded = core::Base64Decode(header.substr(6));
    auth.presented = true;
    if (!decoded) {
      return auth;
    }
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) {
      return auth;
    }
    id = decoded->substr(0, colon);
    secret = decoded->substr(colon + 1);
  } else if (req.has_param("client_secret")) {
    auth.presented = true;
    id = req.get_param_value("client_id");
    secret = req.get_param_value("client_secret");
  } else {
    auth.client_id = req.get_param_value("client_id");
    return auth;
  }
  auth.client_id = id;
  auth.valid = id == core.settings.client_id && secret == core.settings.client_secret.Reveal();
  return auth;
}

bool IsLoopbackRedirect(const std::string& uri) {
  auto url = core::ParseUrl(uri);
  return url.ok() && url->scheme == "http" &&
         (url->host == "127.0.0.1" || url->host == "localhost" || url->host == "[::1]") &&
         uri.find('#') == std::string::npos;
}

std::string Join(const std::set<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

Json Metadata(const ServerCore& core) {
  const std::string& base = core.settings.base_url;
  Json scopes = Json::array();
  for (const auto scope : kJiraScopes) {
    scopes.push_back(scope);
  }
  return {
      {"issuer", base},
      {"authorization_endpoint", base + "/oauth/2/authorize"},
      {"token_endpoint", base + "/oauth/2/token"},
      {"jwks_uri", base + "/.well-known/jwks.json"},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported",
       {"authorization_code", "refresh_token", "password", std::string(kTokenExchange)}},
      {"token_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "none"}},
      {"code_challenge_methods_supported", {"S256"}},
      {"scopes_supported", scopes},
  };
}

// ---- authorization endpoint ----

std::string WithQuery(const std::string& uri, const std::string& query) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + query;
}

void Authorize(ServerCore& core, const httplib::Request& req, httplib::Response& res) {
  const std::string redirect_uri = req.get_param_value("redirect_uri");
  if (req.get_param_value("client_id") != core.settings.client_id) {
    SendOAuthError(res, 400, "invalid_client", "Unknown client_id.");
    return;
  }
  if (!IsLoopbackRedirect(redirect_uri)) {
    SendOAuthError(res, 400, "invalid_request",
                   "redirect_uri must be an http URL on 127.0.0.1, localhost or [::1].");
    return;
  }

  const std::string state = req.get_param_value("state");
  const auto fail = [&](const std::string& error, const std::string& description) {
    std::string query = "error=" + error + "&error_description=" + core::PercentEncode(description);
    if (!state.empty()) {
      query += "&state=" + core::PercentEncode(state);
    }
    res.set_redirect(WithQuery(redirect_uri, query), 302);
  };
  if (req.get_param_value("response_type") != "code") {
    fail("unsupported_response_type", "Only response_type=code is supported.");
    return;
  }
  const std::string challenge = req.get_param_value("code_challenge");
  if (challenge.empty() || req.get_param_value("code_challenge_method") != "S256") {
    fail("invalid_request", "PKCE with code_challenge_method=S256 is required.");
    return;
  }
  const std::string hint =
      req.has_param("login_hint") ? req.get_param_value("login_hint") : "alice";
  const User* user = core.state.FindUserByName(hint);
  if (user == nullptr) {
    fail("access_denied", fmt::format("No demo user '{}'.", hint));
    return;
  }

  const std::string code = RandomToken(24);
  core.codes[code] = ServerCore::PendingCode{.account_id = user->account_id,
                                             .redirect_uri = redirect_uri,
                                             .code_challenge = challenge,
                                             .scope = req.get_param_value("scope"),
                                             .resource = req.get_param_value("resource"),
                                             .expires = core.NowSeconds() + kCodeLifetimeSeconds};
  std::string query = "code=" + code;
  if (!state.empty()) {
    query += "&state=" + core::PercentEncode(state);
  }
  Log()->info("event=authorize_approved user={}", user->login);
  res.set_redirect(WithQuery(redirect_uri, query), 302);
}

// ---- token endpoint ----

Json UserTokenResponse(ServerCore& core, const User& user, const std::string& resource,
                       const std::string& scope, bool with_refresh) {
  Json body = {{"access_token", core.IssueUserToken(user, resource, scope)},
               {"token_type", "Bearer"},
               {"expires_in", core.settings.token_lifetime.count()}};
  if (!scope.empty()) {
    body["scope"] = scope;
  }
  if (with_refresh) {
    const std::string refresh = RandomToken(32);
    core.refresh_tokens[refresh] = {user.account_id, scope, resource};
    body["refresh_token"] = refresh;
  }
  return body;
}

void PasswordGrant(ServerCore& core, const httplib::Request& req, httplib::Response& res,
                   const ClientAuth& client) {
  if (client.presented && !client.valid) {
    SendOAuthError(res, 401, "invalid_client", "Client authentication failed.");
    return;
  }
  const User* user = core.state.FindUserByName(req.get_param_value("username"));
  if (user == nullptr || req.get_param_value("password") != core.settings.demo_password) {
    SendOAuthError(res, 400, "invalid_grant", "The username or password is incorrect.");
    return;
  }
  SendToken(res, UserTokenResponse(core, *user, req.get_param_value("resource"),
                                   req.get_param_value("scope"), false));
}

void CodeGrant(ServerCore& core, const httplib::Request& req, httplib::Response& res,
               const ClientAuth& client) {
  if ((client.presented && !client.valid) || client.client_id != core.settings.client_id) {
    SendOAuthError(res, 401, "invalid_client", "Client authentication failed.");
    return;
  }
  const auto it = core.codes.find(req.get_param_value("code"));
  if (it == core.codes.end()) {
    SendOAuthError(res, 400, "invalid_grant", "The authorization code is invalid or was used.");
    return;
  }
  const ServerCore::PendingCode pending = it->second;
  core.codes.erase(it);  // single use, even when the rest fails (RFC 6749 §4.1.2)
  if (pending.expires < core.NowSeconds()) {
    SendOAuthError(res, 400, "invalid_grant", "The authorization code has expired.");
    return;
  }
  if (req.get_param_value("redirect_uri") != pending.redirect_uri) {
    SendOAuthError(res, 400, "invalid_grant", "redirect_uri does not match the authorization.");
    return;
  }
  const std::string verifier = req.get_param_value("code_verifier");
  if (verifier.empty() || core::Base64UrlEncode(Sha256(verifier)) != pending.code_challenge) {
    SendOAuthError(res, 400, "invalid_grant", "PKCE verification failed.");
    return;
  }
  const User* user = core.state.FindUser(pending.account_id);
  if (user == nullptr) {
    SendOAuthError(res, 400, "invalid_grant", "The user no longer exists.");
    return;
  }
  SendToken(res, UserTokenResponse(core, *user, pending.resource, pending.scope, true));
}

void RefreshGrant(ServerCore& core, const httplib::Request& req, httplib::Response& res,
                  const ClientAuth& client) {
  if ((client.presented && !client.valid) || client.client_id != core.settings.client_id) {
    SendOAuthError(res, 401, "invalid_client", "Client authentication failed.");
    return;
  }
  const auto it = core.refresh_tokens.find(req.get_param_value("refresh_token"));
  if (it == core.refresh_tokens.end()) {
    SendOAuthError(res, 400, "invalid_grant", "The refresh token is invalid or expired.");
    return;
  }
  const ServerCore::RefreshGrant grant = it->second;
  core.refresh_tokens.erase(it);
  const User* user = core.state.FindUser(grant.account_id);
  if (user == nullptr) {
    SendOAuthError(res, 400, "invalid_grant", "The user no longer exists.");
    return;
  }
  SendToken(res, UserTokenResponse(core, *user, grant.resource, grant.scope, true));
}

// RFC 8693 §2.1: the subject must be a live zone user token, never a Jira token.
const User* CheckSubject(ServerCore& core, const std::string& token, std::int64_t& subject_exp) {
  auto claims = core.key.Verify(token);
  if (!claims.ok()) {
    Log()->warn("event=exchange_rejected reason=\"{}\"", claims.status().detail());
    return nullptr;
  }
  const Json& c = *claims;
  if (c.value("iss", "") != core.settings.base_url || !c.contains("exp") || !c["exp"].is_number() ||
      c["exp"].get<std::int64_t>() <= core.NowSeconds()) {
    Log()->warn("event=exchange_rejected reason=\"wrong issuer or expired\"");
    return nullptr;
  }
  const Json aud = c.value("aud", Json());
  if ((aud.is_string() && aud.get<std::string>() == kJiraResource) ||
      (aud.is_array() && std::find(aud.begin(), aud.end(), Json(kJiraResource)) != aud.end())) {
    Log()->warn("event=exchange_rejected reason=\"subject is already a Jira token\"");
    return nullptr;
  }
  subject_exp = c["exp"].get<std::int64_t>();
  return core.state.FindUser(c.value("sub", ""));
}

void TokenExchange(ServerCore& core, const httplib::Request& req, httplib::Response& res,
                   const ClientAuth& client) {
  if (!client.presented || !client.valid) {
    SendOAuthError(res, 401, "invalid_client", "Client authentication failed.");
    return;
  }
  const std::string subject_type = req.get_param_value("subject_token_type");
  if (!req.has_param("subject_token") ||
      (subject_type != kAccessTokenType && subject_type != kJwtTokenType)) {
    SendOAuthError(res, 400, "invalid_request",
                   "subject_token and a subject_token_type of access_token or jwt are required.");
    return;
  }
  std::int64_t subject_exp = 0;
  const User* user = CheckSubject(core, req.get_param_value("subject_token"), subject_exp);
  if (user == nullptr) {
    SendOAuthError(res, 400, "invalid_grant", "The subject token is invalid or expired.");
    return;
  }
  const std::string resource = req.get_param_value("resource");
  if (resource != kJiraResource) {
    SendOAuthError(res, 400, "invalid_target",
                   fmt::format("The resource '{}' is not registered in this zone.", resource));
    return;
  }
  if (!user->denied_by_policy.empty()) {
    SendOAuthError(res, 400, "access_denied",
                   fmt::format("Access denied by policy '{}': {} may not use {}.",
                               user->denied_by_policy, user->email, kJiraResource));
    return;
  }
  if (!user->consented) {
    SendOAuthError(res, 400, "consent_required", "User consent is required.");
    return;
  }

  std::set<std::string> scopes = ScopeWords(req.get_param_value("scope"));
  for (const auto& scope : scopes) {
    if (std::find(std::begin(kJiraScopes), std::end(kJiraScopes), scope) == std::end(kJiraScopes)) {
      SendOAuthError(res, 400, "invalid_scope",
                     fmt::format("The scope '{}' is not granted for {}.", scope, kJiraResource));
      return;
    }
  }
  if (scopes.empty()) {
    scopes.insert(std::begin(kJiraScopes), std::end(kJiraScopes));
  }

  const std::int64_t now = core.NowSeconds();
  const std::int64_t exp = std::min(now + core.settings.token_lifetime.count(), subject_exp);
  const std::string scope = Join(scopes);
  const Json claims = {{"iss", core.settings.base_url},
                       {"sub", user->account_id},
                       {"aud", kJiraResource},
                       {"iat", now},
                       {"nbf", now},
                       {"exp", exp},
                       {"jti", RandomToken(12)},
                       {"scope", scope},
                       {"client_id", client.client_id},
                       {"act", {{"sub", client.client_id}}}};
  Log()->info("event=exchange_granted user={} scope=\"{}\"", user->login, scope);
  SendToken(res, {{"access_token", core.key.Sign(claims, "at+jwt")},
                  {"issued_token_type", kAccessTokenType},
                  {"token_type", "Bearer"},
                  {"expires_in", exp - now},
                  {"scope", scope}});
}

void Token(ServerCore& core, const httplib::Request& req, httplib::Response& res) {
  const ClientAuth client = AuthenticateClient(core, req);
  const std::string grant = req.get_param_value("grant_type");
  if (grant == "password") {
    PasswordGrant(core, req, res, client);
  } else if (grant == "authorization_code") {
    CodeGrant(core, req, res, client);
  } else if (grant == "refresh_token") {
    RefreshGrant(core, req, res, client);
  } else if (grant == kTokenExchange) {
    TokenExchange(core, req, res, client);
  } else if (grant.empty()) {
    SendOAuthError(res, 400, "invalid_request", "grant_type is required.");
  } else {
    SendOAuthError(res, 400, "unsupported_grant_type",
                   fmt::format("The grant type '{}' is not supported.", grant));
  }
}

// Not part of any Jira spec: the sites the token's user can reach, with the token's scopes.
void AccessibleResources(ServerCore& core, const httplib::Request& req, httplib::Response& res) {
  const Json claims = VerifyJiraToken(core, req);
  const User* user = claims.empty() ? nullptr : core.state.FindUser(claims.value("sub", ""));
  if (user == nullptr) {
    SendJson(res, 401, {{"code", 401}, {"message", "Unauthorized"}});
    return;
  }
  Json scopes = Json::array();
  for (const auto& scope : ScopeWords(claims.value("scope", ""))) {
    scopes.push_back(scope);
  }
  Json sites = Json::array();
  for (const auto& cloud_id : user->sites) {
    const Site* site = core.state.FindSite(cloud_id);
    if (site == nullptr) {
      continue;
    }
    sites.push_back(
        {{"id", site->cloud_id},
         {"name", site->name},
         {"url", site->url},
         {"scopes", scopes},
         {"avatarUrl", core.settings.base_url + "/avatars/site/" + site->name + ".png"}});
  }
  SendJson(res, 200, sites);
}

}  // namespace

void RegisterZone(httplib::Server& server, ServerCore& core) {
  server.Get("/.well-known/oauth-authorization-server",
             [&core](const httplib::Request&, httplib::Response& res) {
               SendJson(res, 200, Metadata(core));
             });
  server.Get("/.well-known/jwks.json", [&core](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, {{"keys", {core.key.PublicJwk()}}});
  });
  server.Get("/oauth/2/authorize", [&core](const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard lock(core.mutex);
    Authorize(core, req, res);
  });
  server.Post("/oauth/2/token", [&core](const httplib::Request& req, httplib::Response& res) {
    const std::lock_guard lock(core.mutex);
    Token(core, req, res);
  });
  server.Get("/oauth/token/accessible-resources",
             [&core](const httplib::Request& req, httplib::Response& res) {
               const std::lock_guard lock(core.mutex);
               AccessibleResources(core, req, res);
             });
}

}  // namespace sandbox
