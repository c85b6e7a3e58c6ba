#include "auth/token_exchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/log.h"
#include "core/url.h"

namespace auth {
namespace {

using core::Code;
using core::Status;
using nlohmann::json;

constexpr char kUnavailableText[] =
    "The Keycard zone is unavailable right now, so no Jira token could be obtained; retry later.";
constexpr char kBadAnswerText[] =
    "The Keycard zone sent an unusable token-exchange answer; retry later, and tell an "
    "administrator if it persists.";
// Enough of the zone's error_description to explain a denial, never a wall of text.
constexpr std::size_t kMaxDescription = 300;
// No cache entry is kept longer than this, whatever `expires_in` says.
constexpr std::chrono::seconds kMaxExpiresIn{366L * 24 * 3600};

// application/x-www-form-urlencoded (RFC 6749 Appendix B): space as '+', the rest %XX.
std::string FormEncode(std::string_view text) { return core::PercentEncode(text, true); }

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
bool IsScopeToken(std::string_view scope) {
  return !scope.empty() && std::all_of(scope.begin(), scope.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\';
  });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The zone's words may reach the client; keep them printable ASCII (RFC 6749 §5.2 allows no
// more) and short.
std::string SafeDescription(std::string_view text) {
  std::string out;
  for (const char ch : text.substr(0, kMaxDescription)) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c >= 0x20 && c <= 0x7e) ? ch : ' ';
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) {
    out.pop_back();
  }
  return out;
}

core::Secret BasicAuthorization(const std::string& client_id, const core::Secret& secret) {
  return core::Secret(
      "Basic " + core::Base64Encode(FormEncode(client_id) + ":" + FormEncode(secret.Reveal())));
}

// `text` (a zone's answer) without any credential the request sent, in every form it was sent
// in: as given, form-encoded, and the Basic credentials' base64.
std::string RedactSecrets(std::string text, const core::Secret& subject_token,
                          const std::string& client_id, const core::Secret& client_secret) {
  const std::string basic = BasicAuthorization(client_id, client_secret).Reveal().substr(6);
  for (const core::Secret& sent :
       {subject_token, core::Secret(FormEncode(subject_token.Reveal())), client_secret,
        core::Secret(FormEncode(client_secret.Reveal())), core::Secret(basic)}) {
    text = sent.RedactFrom(std::move(text));
  }
  return text;
}

std::string FormBody(const ExchangeRequest& request, const std::string& scope) {
  std::string body =
      fmt::format("grant_type={}&subject_token={}&subject_token_type={}&resource={}",
                  FormEncode(kTokenExchangeGrant), FormEncode(request.subject_token.Reveal()),
                  FormEncode(kAccessTokenType), FormEncode(request.resource));
  if (!scope.empty()) {
    body += "&scope=" + FormEncode(scope);
  }
  return body;
}

Status BadAnswer(std::string detail) {
  return {Code::kUnavailable, kBadAnswerText, std::move(detail)};
}

Status OptionalString(const json& doc, const char* name, std::optional<std::string>& out) {
  const auto it = doc.find(name);
  if (it == doc.end()) {
    return Status::Ok();
  }
  if (!it->is_string()) {
    return BadAnswer(fmt::format("answer member '{}' is not a string", name));
  }
  out = it->get<std::string>();
  return Status::Ok();
}

Status ReadExpiresIn(const json& doc, std::chrono::seconds& out) {
  const auto it = doc.find("expires_in");
  if (it == doc.end()) {
    return Status::Ok();
  }
  if (!it->is_number()) {
    return BadAnswer("answer member 'expires_in' is not a number");
  }
  const double seconds = it->get<double>();
  if (!std::isfinite(seconds) || seconds < 0) {
    return BadAnswer("answer member 'expires_in' is negative or not finite");
  }
  out = std::min(std::chrono::seconds(static_cast<std::int64_t>(
                     std::min(std::floor(seconds), static_cast<double>(kMaxExpiresIn.count())))),
                 kMaxExpiresIn);
  return Status::Ok();
}

core::Result<ExchangedToken> ParseSuccess(const json& doc, const core::Secret& subject) {
  std::optional<std::string> access_token;
  std::optional<std::string> token_type;
  std::optional<std::string> issued_token_type;
  ExchangedToken token;
  for (const auto& status :
       {OptionalString(doc, "access_token", access_token),
        OptionalString(doc, "token_type", token_type),
        OptionalString(doc, "issued_token_type", issued_token_type),
        OptionalString(doc, "scope", token.scope), ReadExpiresIn(doc, token.expires_in)}) {
    if (!status.ok()) {
      return status;
    }
  }

  if (!access_token || access_token->empty()) {
    return BadAnswer("answer has no access_token");
  }
  // The caller's Keycard token must never travel on to Atlassian (DESIGN.md §3).
  if (*access_token == subject.Reveal()) {
    return BadAnswer("answer's access_token is the subject token itself");
  }
  // RFC 8693 §2.2.1: token_type is case-insensitive; N_A marks a token that is not an OAuth
  // access token but is still sent as a bearer credential.
  if (token_type) {
    const std::string lowered = Lower(*token_type);
    if (lowered != "bearer" && lowered != "n_a") {
      return BadAnswer(fmt::format("answer's token_type '{}' is neither Bearer nor N_A",
                                   SafeDescription(*token_type)));
    }
    token.token_type = *token_type;
  }
  token.access_token = core::Secret(std::move(*access_token));
  token.issued_token_type = issued_token_type.value_or("");
  return token;
}

// Zones word missing consent many ways ("User consent is required.", "This application requires
// user consent", "User has not consented to the requested scopes"), under invalid_grant,
// interaction_required or a code of their own: any mention of consent counts. access_denied names
// the zone's policies, which may hold the word, so it counts only when it says consent is needed.
bool SaysConsentRequired(const std::string& error, const std::string& description) {
  const std::string lowered = Lower(description);
  if (error == "consent_required") {
    return true;
  }
  if (error == "access_denied") {
    return lowered.find("consent is required") != std::string::npos ||
           lowered.find("consent required") != std::string::npos;
  }
  return lowered.find("consent") != std::string::npos;
}

// RFC 6749 §5.2 error codes (and RFC 8693 §2.2.2's invalid_target) to what the user or an admin
// must do. `detail` keeps the zone's own words for the log.
Status MapOAuthError(const std::string& error, const std::string& description,
                     const ExchangeRequest& request, const std::string& scope) {
  const std::string detail = fmt::format("token endpoint answered error={} description=\"{}\"",
                                         SafeDescription(error), SafeDescription(description));
  if (SaysConsentRequired(error, description)) {
    return {Code::kFailedPrecondition,
            "You need to re-authorize this application in Keycard: its permissions changed, so "
            "your consent is required again. Sign in to Keycard again, approve the requested "
            "access, then retry.",
            detail};
  }
  if (error == "invalid_grant") {
    // The zone does not say which of these it was; its description, if any, may.
    const std::string reason = SafeDescription(description);
    return {
        Code::kUnauthenticated,
        fmt::format("Keycard rejected your sign-in token{}{}{}: it has expired, was "
                    "revoked, or is not a token of this zone. Sign in to Keycard again, then "
                    "retry.",
                    reason.empty() ? "" : " (the zone said: ", reason, reason.empty() ? "" : ")"),
        detail};
  }
  if (error == "invalid_target") {
    return {Code::kFailedPrecondition,
            fmt::format("Keycard will not issue a token for {}: it is not a dependency of this "
                        "application in the Keycard zone. An administrator must add Jira as a "
                        "dependency of the application.",
                        request.resource),
            detail};
  }
  if (error == "access_denied") {
    const std::string reason = SafeDescription(description);
    return {Code::kPermissionDenied,
            fmt::format("The Keycard zone's policy denied access to Jira{}{}. A Keycard zone "
                        "administrator decides this policy; ask them if you need this access.",
                        reason.empty() ? "" : ": ", reason),
            detail};
  }
  if (error == "invalid_client") {
    return {Code::kFailedPrecondition,
            "The Keycard zone rejected this server's client credentials (KEYCARD_CLIENT_ID / "
            "KEYCARD_CLIENT_SECRET). An administrator must correct them.",
            detail};
  }
  if (error == "invalid_scope") {
    return {Code::kPermissionDenied,
            fmt::format("The Keycard zone would not grant the Jira scopes this tool needs ({}). "
                        "An administrator must allow them for this application's Jira "
                        "dependency.",
                        scope.empty() ? "none requested" : scope),
            detail};
  }
  if (error == "unauthorized_client") {
    return {Code::kFailedPrecondition,
            "This server's Keycard application may not use token exchange. An administrator "
            "must allow the token-exchange grant for it.",
            detail};
  }
  return {Code::kFailedPrecondition,
          fmt::format("The Keycard zone refused the token exchange ({}). An administrator should "
                      "check this server's Keycard application settings.",
                      SafeDescription(error)),
          detail};
}

Status MapErrorAnswer(const core::HttpResponse& response, const json& doc,
                      const ExchangeRequest& request, const std::string& scope) {
  if (response.status >= 500 || response.status == 429) {
    return {Code::kUnavailable, kUnavailableText,
            fmt::format("token endpoint answered HTTP {}", response.status)};
  }
  const bool has_error = doc.is_object() && doc.contains("error") && doc["error"].is_string();
  if (has_error) {
    const auto description = doc.find("error_description");
    return MapOAuthError(
        doc["error"].get<std::string>(),
        description != doc.end() && description->is_string() ? description->get<std::string>() : "",
        request, scope);
  }
  // RFC 6749 §5.2 lets a failed client authentication answer a bare 401.
  if (response.status == 401) {
    return MapOAuthError("invalid_client", "", request, scope);
  }
  return BadAnswer(
      fmt::format("token endpoint answered HTTP {} without an OAuth error body", response.status));
}

Status CheckRequest(const ExchangeRequest& request, const TokenExchangeClient::Options& options) {
  if (options.client_id.empty() || options.client_secret.empty()) {
    return {Code::kFailedPrecondition,
            "This server has no Keycard client credentials; an administrator must set "
            "KEYCARD_CLIENT_ID and KEYCARD_CLIENT_SECRET (or KEYCARD_CLIENT_SECRET_FILE)."};
  }
  if (request.subject_token.empty()) {
    return {Code::kInvalidArgument, "No Keycard token was given to exchange; sign in first."};
  }
  if (request.resource.empty()) {
    return {Code::kInvalidArgument, "No resource was named for the token exchange."};
  }
  for (const auto& scope : request.scopes) {
    if (!IsScopeToken(scope)) {
      return {Code::kInvalidArgument,
              fmt::format("'{}' is not a valid OAuth scope.", SafeDescription(scope))};
    }
  }
  return Status::Ok();
}

bool IsTransient(const core::Result<core::HttpResponse>& response) {
  if (!response.ok()) {
    const Code code = response.status().code();
    // The exchange changes nothing at the zone: re-sending it after a broken connection is safe.
    return code == Code::kUnavailable || code == Code::kDeadlineExceeded ||
           code == Code::kConnectionLost;
  }
  return response->status >= 500;
}

}  // namespace

std::string ScopeParameter(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  return fmt::format("{}", fmt::join(scopes, " "));
}

TokenExchangeClient::TokenExchangeClient(core::HttpClient& http, ZoneMetadataCache& zone,
                                         Options options)
    : http_(http), zone_(zone), options_(std::move(options)) {}

core::Result<core::HttpResponse> TokenExchangeClient::Post(const std::string& endpoint,
                                                           const ExchangeRequest& request,
                                                           const std::string& body) {
  return http_.Send(
      {.method = "POST",
       .url = endpoint,
       .headers = {{"Accept", "application/json"}},
       .authorization = BasicAuthorization(options_.client_id, options_.client_secret),
       .body = body,
       .content_type = "application/x-www-form-urlencoded",
       .timeout = options_.timeout,
       .max_response_bytes = 1U << 20,
       .cancelled = request.cancelled});
}

core::Result<ExchangedToken> TokenExchangeClient::Exchange(const ExchangeRequest& request) {
  auto log = core::GetLogger("auth");
  if (auto status = CheckRequest(request, options_); !status.ok()) {
    return status;
  }
  const auto metadata = zone_.Get();
  if (!metadata.ok()) {
    return metadata.status();
  }

  const std::string scope = ScopeParameter(request.scopes);
  const std::string body = FormBody(request, scope);
  log->debug("token_exchange start endpoint={} resource={} scope=\"{}\" subject_fp={}",
             metadata->token_endpoint, request.resource, scope,
             request.subject_token.Fingerprint());

  auto response = Post(metadata->token_endpoint, request, body);
  if (IsTransient(response) && (request.cancelled == nullptr || !request.cancelled->load())) {
    log->warn(
        "token_exchange retry endpoint={} reason=\"{}\"", metadata->token_endpoint,
        response.ok() ? fmt::format("HTTP {}", response->status) : response.status().message());
    response = Post(metadata->token_endpoint, request, body);
  }

  if (!response.ok()) {
    const Code code = response.status().code();
    log->warn("token_exchange failed endpoint={} code={} reason=\"{}\"", metadata->token_endpoint,
              core::CodeName(code), response.status().message());
    if (code == Code::kCancelled) {
      return Status(Code::kCancelled, "The request was cancelled.");
    }
    return Status(Code::kUnavailable, kUnavailableText, response.status().message());
  }

  const json doc = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  const bool success = response->status >= 200 && response->status < 300;
  if (!success || (doc.is_object() && doc.contains("error") && !doc.contains("access_token"))) {
    // The error text is logged and may reach the user: none of what was sent comes back in it.
    const json error_doc = json::parse(RedactSecrets(response->body, request.subject_token,
                                                     options_.client_id, options_.client_secret),
                                       nullptr, /*allow_exceptions=*/false);
    Status status = MapErrorAnswer(*response, error_doc, request, scope);
    log->warn("token_exchange rejected status={} code={} subject_fp={} {}", response->status,
              core::CodeName(status.code()), request.subject_token.Fingerprint(), status.detail());
    return status;
  }
  if (!doc.is_object()) {
    // The body is not logged: a half-broken answer may still hold a token.
    log->warn("token_exchange bad_answer status={} bytes={} reason=\"not a JSON object\"",
              response->status, response->body.size());
    return BadAnswer("answer is not a JSON object");
  }

  auto token = ParseSuccess(doc, request.subject_token);
  if (!token.ok()) {
    log->warn("token_exchange bad_answer status={} reason=\"{}\"", response->status,
              token.status().detail());
    return token;
  }
  log->debug("token_exchange ok resource={} token_type={} expires_in={} issued_fp={} scope=\"{}\"",
             request.resource, token->token_type, token->expires_in.count(),
             token->access_token.Fingerprint(), token->scope.value_or(""));
  return token;
}

}  // namespace auth
