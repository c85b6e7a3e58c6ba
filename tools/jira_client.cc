#include "tools/jira_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <future>
#include <optional>
#include <string_view>
#include <thread>

#include "core/log.h"
#include "core/memory.h"
#include "core/url.h"
#include "mcp/json_rpc.h"
#include "tools/adf.h"
#include "tools/fast_json.h"
#include "tools/json_escapes.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kMaxErrorText = 1500;
// How long a large answer waits for a place to be parsed in (core::AdmitLargeBuffer): well
// inside an MCP client's usual 60 s request timeout.
constexpr milliseconds kLargeAnswerWait{20000};
// How the answer to an over-large Jira answer starts; AnswerTooLarge looks for it.
constexpr std::string_view kTooLargePrefix = "Jira's answer was larger than the";
// How deep Jira's JSON may nest: the deepest rich text this server writes (two JSON levels per
// ADF node) inside the answer that carries it (an issue, its fields, a page of comments), so
// whatever it writes it can read back. The tools walk answers recursively: this bounds the stack.
constexpr int kMaxAnswerNesting = 512;
static_assert(kMaxAnswerNesting >= 2 * kMaxAdfDepth + 64);
// A wait longer than this is told as "more than a day": a Retry-After is clamped to one second
// past it while it is read, so no figure Jira sends can overflow once scaled to milliseconds.
constexpr seconds kLongestToldWait = std::chrono::hours(24);
// The longest real sleep. The client asks for at most max_retry_after plus the back-off; this
// keeps even a misconfigured one from overflowing steady_clock's time_point.
constexpr milliseconds kLongestSleep = std::chrono::hours(24);

std::shared_ptr<spdlog::logger> Log() {
  static const auto kLogger = core::GetLogger("jira");
  return kLogger;
}

bool IsJsonContentType(const std::optional<std::string>& content_type) {
  if (!content_type) {
    return true;  // no declared type: try JSON
  }
  const std::string type = Lower(*content_type);
  return type.find("json") != std::string::npos;
}

bool IsBlank(const std::string& body) {
  return std::all_of(body.begin(), body.end(),
                     [](unsigned char c) { return std::isspace(c) != 0; });
}

// Does the path part of `path` hold an empty segment or a dot segment, literal or
// percent-encoded ("..", "%2E%2E", ".%2e")? Such a path could address another endpoint once a
// server or proxy resolves it (F7), and no Jira endpoint this server calls has one.
bool HasEmptyOrDotSegment(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  if (path.empty() || path.front() != '/') {
    return true;
  }
  path.remove_prefix(1);
  while (true) {
    const std::size_t end = path.find('/');
    std::string segment = core::ToLower(path.substr(0, end));
    for (std::size_t at = segment.find("%2e"); at != std::string::npos; at = segment.find("%2e")) {
      segment.replace(at, 3, ".");
    }
    if (segment.empty() || segment == "." || segment == "..") {
      return true;
    }
    if (end == std::string_view::npos) {
      return false;
    }
    path.remove_prefix(end + 1);
  }
}

// A DELETE is not re-sent: when the first one landed and its answer was lost, the second would
// be told 404 and the agent that the item was never there.
bool DefaultIdempotent(const std::string& method) {
  return method == "GET" || method == "PUT" || method == "HEAD";
}

// Jira's `{errorMessages[], errors{}}`, the gateway's `{code, message}` and the odd
// `{errorMessage}` / `{error}` shapes, joined into one client-safe line.
std::string UpstreamMessage(const core::HttpResponse& response) {
  if (!IsJsonContentType(response.Header("Content-Type")) || IsBlank(response.body)) {
    return {};
  }
  if (!mcp::NestingWithin(response.body, kMaxAnswerNesting)) {
    return {};
  }
  const Json body = Json::parse(response.body, nullptr, false);
  if (!body.is_object()) {
    return {};
  }
  std::vector<std::string> parts;
  for (const auto& message : body.value("errorMessages", Json::array())) {
    if (message.is_string()) {
      parts.push_back(message.get<std::string>());
    }
  }
  const Json errors = body.value("errors", Json::object());
  for (const auto& [field, message] : errors.items()) {
    parts.push_back(fmt::format("{}: {}", field,
                                message.is_string() ? message.get<std::string>() : message.dump()));
  }
  for (const char* key : {"message", "errorMessage", "error"}) {
    if (body.contains(key) && body[key].is_string()) {
      parts.push_back(body[key].get<std::string>());
    }
  }
  std::string text = fmt::format("{}", fmt::join(parts, "; "));
  if (text.size() > kMaxErrorText) {
    text.resize(kMaxErrorText);
    text += "…";
  }
  return text;
}

std::string WithUpstream(const std::string& upstream) {
  return upstream.empty() ? std::string() : fmt::format(": {}", upstream);
}

// An HTTP-date (RFC 9110 §5.6.7) as a time: the IMF-fixdate form, and the two obsolete forms a
// recipient must also accept. nullopt for anything else. The process keeps the C locale, so
// strptime reads English day and month names.
std::optional<core::Clock::TimePoint> ParseHttpDate(const std::string& text) {
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::tm parts{};
    const char* end = ::strptime(text.c_str(), format, &parts);
    if (end != nullptr && *end == '\0') {
      const std::time_t when = ::timegm(&parts);
      if (when != static_cast<std::time_t>(-1)) {
        return std::chrono::system_clock::from_time_t(when);
      }
    }
  }
  return std::nullopt;
}

// Retry-After (RFC 9110 §10.2.3) as a delay from `now`: delay-seconds (1*DIGIT) or an HTTP-date
// (a date already past is no wait), clamped to kLongestToldWait + 1 s. Anything else (a sign, a
// unit) is nullopt: our own back-off applies.
std::optional<seconds> RetryAfter(const core::HttpResponse& response, core::Clock::TimePoint now) {
  const auto header = response.Header("Retry-After");
  if (!header) {
    return std::nullopt;
  }
  const std::string_view text = core::TrimOws(*header);
  if (text.empty()) {
    return std::nullopt;
  }
  const seconds::rep clamp = kLongestToldWait.count() + 1;
  if (text.front() < '0' || text.front() > '9') {
    const auto date = ParseHttpDate(std::string(text));
    if (!date) {
      return std::nullopt;
    }
    const auto delay = std::chrono::ceil<seconds>(*date - now);
    return seconds(std::clamp<seconds::rep>(delay.count(), 0, clamp));
  }
  seconds::rep value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    if (value <= kLongestToldWait.count()) {
      value = value * 10 + (c - '0');  // stops growing past the clamp: cannot overflow
    }
  }
  return seconds(std::min(value, clamp));
}

// What to tell about waiting, after the Retry-After Jira sent (none, zero, a figure, too long).
std::string WaitAdvice(const std::optional<seconds>& retry_after) {
  if (!retry_after) {
    return "Wait a minute, then call again.";
  }
  if (*retry_after == seconds(0)) {
    return "Try again shortly.";  // Retry-After: 0 asks for no particular wait
  }
  if (*retry_after > kLongestToldWait) {
    return "Jira asks to wait more than a day; call again after that.";
  }
  return fmt::format("Wait at least {} s, then call again.", retry_after->count());
}

// Only a read can be narrowed: a GET, or a POST that only reads (marked idempotent).
bool IsRead(const JiraRequest& request) {
  return request.method == "GET" || request.method == "HEAD" ||
         (request.method == "POST" && request.idempotent.value_or(false) && !request.writes);
}

core::Status AuthError(const std::string& upstream, const std::vector<std::string>& scopes) {
  if (Lower(upstream).find("scope") != std::string::npos) {
    return {core::Code::kUnauthenticated,
            fmt::format("Jira rejected the token because its scopes do not match this call{} "
                        "(needs {}). Re-authorize the Jira app so it is granted these scopes, or "
                        "ask the Keycard zone admin to allow them for this user.",
                        WithUpstream(upstream), fmt::join(scopes, ", "))};
  }
  return {core::Code::kUnauthenticated,
          EndSentence("Jira rejected the access token even after a fresh token exchange" +
                      WithUpstream(upstream)) +
              " Sign in again (renew the Keycard credential) or re-authorize the Jira app; if it "
              "persists, the app's access may have been revoked."};
}

// Whether a read can be asked for smaller: it names a page size or the fields it wants. One item
// with no field list (the current user, a site list) is as small as a read gets.
bool CanAskForLess(std::string_view path, std::string_view json_body) {
  return path.find("maxResults=") != std::string_view::npos ||
         path.find("fields=") != std::string_view::npos ||
         json_body.find("\"maxResults\"") != std::string_view::npos ||
         json_body.find("\"fields\"") != std::string_view::npos;
}

core::Status RateLimitSpent(const core::HttpResponse& response, const JiraRequest& request,
                            int tries, bool idempotent, core::Clock::TimePoint now) {
  const std::string wait = WaitAdvice(RetryAfter(response, now));
  if (!idempotent) {
    return {core::Code::kResourceExhausted,
            fmt::format("Jira's rate limit refused this write (HTTP 429); it was not applied and "
                        "was not re-sent automatically. {}",
                        wait)};
  }
  const std::string spent = fmt::format("Jira's rate limit budget is spent: {} {} answered 429.",
                                        Count(static_cast<std::size_t>(tries), "try", "tries"),
                                        tries == 1 ? "was" : "were");
  if (!IsRead(request)) {
    // A write cannot be made smaller; every try was refused, so nothing was applied.
    return {core::Code::kResourceExhausted,
            fmt::format("{} The change was not applied. {}", spent, wait)};
  }
  const bool less = CanAskForLess(request.path, request.body ? request.body->dump() : "");
  return {core::Code::kResourceExhausted,
          fmt::format("{} {}{}", spent, wait, less ? " Ask for fewer or smaller results." : "")};
}

core::Status ErrorFromResponse(const core::HttpResponse& response, const JiraRequest& request,
                               int tries, bool idempotent, core::Clock::TimePoint now) {
  const std::string upstream = UpstreamMessage(response);
  const std::string detail =
      fmt::format("{} {} answered {}", request.method,
                  request.path.substr(0, request.path.find('?')), response.status);
  const int status = response.status;
  if (status == 400 || status == 422) {
    return {core::Code::kInvalidArgument,
            EndSentence(fmt::format("Jira rejected the request (HTTP {}){}", status,
                                    WithUpstream(upstream))) +
                " Correct the arguments it names and try again.",
            detail};
  }
  if (status == 401) {
    auto error = AuthError(upstream, request.scopes);
    return {error.code(), error.message(), detail};
  }
  if (status == 403) {
    return {core::Code::kPermissionDenied,
            EndSentence("No permission in Jira for this (HTTP 403)" + WithUpstream(upstream)) +
                " The user lacks the Jira permission; ask a Jira admin, or choose a project or "
                "issue you can access.",
            detail};
  }
  if (status == 404) {
    return {core::Code::kNotFound,
            EndSentence("Not found in Jira, or not visible to you (HTTP 404)" +
                        WithUpstream(upstream)) +
                " Check the key or id; search to find it.",
            detail};
  }
  if (status == 409) {
    return {core::Code::kConflict,
            EndSentence("Jira reports a conflict with the current state (HTTP 409)" +
                        WithUpstream(upstream)) +
                " Read the item again and retry with current values.",
            detail};
  }
  if (status == 410) {
    return {core::Code::kFailedPrecondition,
            EndSentence("Jira says this API is gone (HTTP 410)" + WithUpstream(upstream)), detail};
  }
  if (status == 413) {
    return {
        core::Code::kInvalidArgument,
        EndSentence("Jira refused the request as too large (HTTP 413)" + WithUpstream(upstream)) +
            " Send less at once.",
        detail};
  }
  if (status == 414 || status == 431) {
    return {core::Code::kInvalidArgument,
            EndSentence(fmt::format("Jira refused the request's address or headers as too long "
                                    "(HTTP {}){}",
                                    status, WithUpstream(upstream))) +
                " Ask for fewer fields or issues at once, or shorten the JQL.",
            detail};
  }
  if (status == 429) {
    auto error = RateLimitSpent(response, request, tries, idempotent, now);
    return {error.code(), error.message(), detail};
  }
  if (status >= 500) {
    const std::string failing =
        EndSentence(fmt::format("Jira is failing (HTTP {}){}", status, WithUpstream(upstream)));
    const std::string tried =
        tries > 1 ? Count(static_cast<std::size_t>(tries), "try", "tries") + " were made" : "";
    if (IsRead(request)) {
      return {core::Code::kUnavailable,
              failing + fmt::format(" Try again later{}.", tried.empty() ? "" : "; " + tried),
              detail};
    }
    // A gateway can answer 5xx after Jira made the change: say to read it back, never only to
    // try again.
    return {core::Code::kUnavailable,
            failing + fmt::format(" The change may or may not have been made{}. Read it back "
                                  "(get_issue, list_comments, list_worklogs or search_issues) "
                                  "before trying again.",
                                  !tried.empty() ? " (" + tried + ")"
                                  : idempotent   ? ""
                                                 : ", and was not re-sent"),
            detail};
  }
  return {core::Code::kUnavailable,
          EndSentence(
              fmt::format("Jira answered an unexpected HTTP {}{}", status, WithUpstream(upstream))),
          detail};
}

core::Result<Json> ParseJsonBody(const core::HttpResponse& response,
                                 const std::vector<std::string>* keep_issue_fields = nullptr) {
  if (IsBlank(response.body)) {
    return Json();  // 204, or an empty 200/201: success without content
  }
  const auto content_type = response.Header("Content-Type");
  if (!IsJsonContentType(content_type)) {
    return core::Status(core::Code::kUnavailable,
                        fmt::format("Jira answered with {} where JSON was expected; the site may "
                                    "be down or a proxy may be in the way.",
                                    content_type.value_or("an unknown content type")),
                        response.body.substr(0, 200));
  }
  if (!mcp::NestingWithin(response.body, kMaxAnswerNesting)) {
    // The tools walk answers recursively (compacting values, ADF to markdown): a bound first.
    return core::Status(core::Code::kUnavailable,
                        fmt::format("Jira answered with JSON nested deeper than {} levels, which "
                                    "this server does not read; rich text or a custom field "
                                    "written by another client may hold it.",
                                    kMaxAnswerNesting));
  }
  Json body = ParseJsonFast(response.body, keep_issue_fields);
  if (body.is_discarded()) {
    // Jira may cut a string inside a surrogate pair; only a body that fails pays for the repair.
    if (auto repaired = ReplaceLoneSurrogates(response.body)) {
      body = ParseJsonFast(*repaired, keep_issue_fields);
    }
  }
  if (body.is_discarded()) {
    return core::Status(core::Code::kUnavailable,
                        "Jira answered with a body this server cannot read as JSON (cut off, "
                        "not UTF-8, or a number past a double's range).",
                        response.body.substr(0, 200));
  }
  return body;
}

// What the agent is told when no usable HTTP answer came: too large, too late, or none.
core::Status TransportFailure(const core::Status& sent, const core::HttpRequest& request,
                              bool read) {
  if (sent.code() == core::Code::kResourceExhausted) {
    return {core::Code::kResourceExhausted,
            fmt::format("{} {} this server reads.{}", kTooLargePrefix,
                        request.max_response_bytes % (1U << 20U) == 0
                            ? fmt::format("{} MiB", request.max_response_bytes >> 20U)
                            : Count(request.max_response_bytes, "byte"),
                        CanAskForLess(request.url, request.body)
                            ? " Ask for fewer results or fewer fields."
                            : ""),
            sent.message()};
  }
  const bool went_out =
      sent.code() == core::Code::kDeadlineExceeded || sent.code() == core::Code::kConnectionLost;
  const std::string what =
      sent.code() == core::Code::kDeadlineExceeded
          ? fmt::format("Jira did not answer within {} s",
                        std::chrono::duration_cast<std::chrono::seconds>(request.timeout).count())
          : std::string("The connection to Jira broke before a complete answer");
  if (went_out && !read) {
    // The write may have landed: a blind retry could create a second issue or comment, and a
    // repeated delete would be told the item is not there.
    return {core::Code::kUnavailable,
            what +
                ", so the change may or may not have been made. Read it back (get_issue, "
                "list_comments, list_worklogs or search_issues) before trying again.",
            sent.message()};
  }
  if (went_out) {
    return {core::Code::kUnavailable, what + "; try again later.", sent.message()};
  }
  return {core::Code::kUnavailable, "Jira could not be reached; try again later.", sent.message()};
}

bool Sleep(milliseconds delay, const std::atomic<bool>* cancelled) {
  const auto until =
      std::chrono::steady_clock::now() + std::clamp(delay, milliseconds(0), kLongestSleep);
  while (std::chrono::steady_clock::now() < until) {
    if (cancelled != nullptr && cancelled->load()) {
      return false;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        milliseconds(20), until - std::chrono::steady_clock::now()));
  }
  return cancelled == nullptr || !cancelled->load();
}

std::string NormalizeSiteUrl(std::string text) {
  text = Lower(std::move(text));
  for (const char* scheme : {"https://", "http://"}) {
    if (text.rfind(scheme, 0) == 0) {
      text.erase(0, std::string_view(scheme).size());
    }
  }
  while (!text.empty() && text.back() == '/') {
    text.pop_back();
  }
  return text;
}

bool SiteMatches(const JiraSite& site, const std::string& wanted) {
  // A cloudId is a UUID, which may be written in capitals; a name is matched as a word.
  const std::string lower = Lower(wanted);
  if (Lower(site.id) == lower || Lower(site.name) == lower) {
    return true;
  }
  return !site.url.empty() && NormalizeSiteUrl(site.url) == NormalizeSiteUrl(wanted);
}

std::string ListSites(const std::vector<JiraSite>& sites) {
  std::vector<std::string> items;
  items.reserve(sites.size());
  for (const auto& site : sites) {
    items.push_back(fmt::format("{} ({}, cloudId {})", site.name, site.url, site.id));
  }
  return fmt::format("{}", fmt::join(items, "; "));
}

core::Result<std::vector<JiraSite>> ParseSites(const Json& body) {
  if (!body.is_array()) {
    return core::Status(core::Code::kUnavailable,
                        "Atlassian's accessible-resources answer is not a list; try again later.");
  }
  std::vector<JiraSite> sites;
  for (const auto& item : body) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
      continue;
    }
    JiraSite site;
    site.id = item["id"].get<std::string>();
    site.name = ValueOr(item, "name", "");
    site.url = ValueOr(item, "url", "");
    bool jira = true;  // a site that lists no scopes is taken as it is
    for (const auto& scope : item.value("scopes", Json::array())) {
      if (scope.is_string()) {
        site.scopes.push_back(scope.get<std::string>());
      }
    }
    if (!site.scopes.empty()) {
      jira = std::any_of(site.scopes.begin(), site.scopes.end(), [](const std::string& scope) {
        return scope.find("jira") != std::string::npos;
      });
    }
    // The list holds every Atlassian product the app may reach (a Confluence site too), and may
    // name one site twice: a site is a Jira site once.
    const bool seen = std::any_of(sites.begin(), sites.end(),
                                  [&site](const JiraSite& known) { return known.id == site.id; });
    if (jira && !seen) {
      sites.push_back(std::move(site));
    }
  }
  return sites;
}

}  // namespace

JiraClient::JiraClient(std::shared_ptr<core::HttpClient> http,
                       std::shared_ptr<auth::TokenBroker> broker, JiraClientOptions options)
    : http_(std::move(http)),
      broker_(std::move(broker)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &core::SystemClock::Instance()),
      sleeper_(options_.sleeper ? options_.sleeper : Sleeper(Sleep)),
      random_(options_.jitter_seed.value_or(std::random_device{}())) {}

std::string JiraClient::BrowseUrl(const JiraSite& site, const std::string& key) {
  return core::JoinUrl(site.url, "browse/" + key);
}

milliseconds JiraClient::Jitter(int retry) {
  const auto ceiling = std::min<long long>(
      options_.max_backoff.count(), options_.base_backoff.count() * (1LL << std::min(retry, 20)));
  if (ceiling <= 0) {
    return milliseconds(0);
  }
  std::lock_guard lock(mutex_);
  std::uniform_int_distribution<long long> pick(0, ceiling - 1);
  return milliseconds(pick(random_));
}

core::Result<JiraClient::Sent> JiraClient::SendWithBackoff(const mcp::CallContext& context,
                                                           core::HttpRequest& http_request,
                                                           bool idempotent, bool read) {
  milliseconds waited{0};
  for (int attempt = 1;; ++attempt) {
    if (context.cancelled()) {
      return core::Status(core::Code::kCancelled, "The call was cancelled.");
    }
    auto sent = http_->Send(http_request);
    if (!sent.ok()) {
      if (sent.status().code() == core::Code::kCancelled || context.cancelled()) {
        return core::Status(core::Code::kCancelled, "The call was cancelled.");
      }
      Log()->warn("jira transport_error request_id={} method={} detail=\"{}\"",
                  context.request_id(), http_request.method, sent.status().message());
      return TransportFailure(sent.status(), http_request, read);
    }
    const int status = sent->status;
    const bool retryable = status == 429 || status == 503;
    if (!retryable || !idempotent || attempt >= options_.max_attempts) {
      return Sent{std::move(*sent), attempt};
    }
    const auto retry_after = RetryAfter(*sent, clock_->Now());
    if (retry_after && *retry_after > options_.max_retry_after) {
      return Sent{std::move(*sent), attempt};  // not worth waiting out inside one tool call
    }
    const milliseconds delay = retry_after.value_or(seconds(0)) + Jitter(attempt - 1);
    if (waited + delay > options_.max_total_backoff) {
      return Sent{std::move(*sent), attempt};  // the budget of this call is spent
    }
    waited += delay;
    Log()->info("jira backoff request_id={} status={} attempt={} delay_ms={}", context.request_id(),
                status, attempt, delay.count());
    if (!sleeper_(delay, context.cancel_flag())) {
      return core::Status(core::Code::kCancelled, "The call was cancelled.");
    }
  }
}

core::Result<JiraClient::Sent> JiraClient::Exchange(const mcp::CallContext& context,
                                                    const std::vector<std::string>& scopes,
                                                    core::HttpRequest http_request, bool idempotent,
                                                    bool read) {
  http_request.cancelled = context.cancel_flag();
  http_request.timeout = options_.timeout;
  for (int auth_try = 0;; ++auth_try) {
    auto token = broker_->AccessToken(context.principal(), scopes, context.cancel_flag());
    if (!token.ok()) {
      return token.status();
    }
    http_request.authorization = core::Secret("Bearer " + token->Reveal());

    auto response = SendWithBackoff(context, http_request, idempotent, read);
    if (response.ok() && response->response.status >= 300) {
      // An error answer that echoes the token it was sent must not carry it any further.
      response->response.body = token->RedactFrom(std::move(response->response.body));
    }
    if (!response.ok() || response->response.status != 401 || auth_try > 0) {
      return response;
    }
    // An exchanged token can be revoked or expire early; exchange once more (C9).
    Log()->info("jira token_rejected request_id={} action=reexchange", context.request_id());
    broker_->Invalidate(context.principal(), scopes);
  }
}

core::Result<std::vector<JiraSite>> JiraClient::FetchSites(const mcp::CallContext& context,
                                                           const std::vector<std::string>& scopes) {
  core::HttpRequest http_request;
  http_request.url = core::JoinUrl(options_.api_base_url, "oauth/token/accessible-resources");
  http_request.headers.emplace_back("Accept", "application/json");
  auto response = Exchange(context, scopes, http_request, true, true);
  if (!response.ok()) {
    return response.status();
  }
  if (response->response.status < 200 || response->response.status > 299) {
    JiraRequest described{.path = "/oauth/token/accessible-resources", .scopes = scopes};
    return ErrorFromResponse(response->response, described, response->tries, true, clock_->Now())
        .WithContext("Listing the accessible Jira sites");
  }
  auto body = ParseJsonBody(response->response);
  if (!body.ok()) {
    return core::Status(
        body.status().code(),
        "Listing the accessible Jira sites: " + body.status().message() + " Try again later.",
        body.status().detail());
  }
  return ParseSites(*body);
}

core::Result<std::vector<JiraSite>> JiraClient::Sites(const mcp::CallContext& context,
                                                      const std::vector<std::string>& scopes) {
  // A principal without a token of its own (stdio) is whoever the subject token source names.
  std::string subject = context.principal().subject;
  if (!context.principal().token.has_value() && options_.local_subject) {
    auto local = options_.local_subject();
    if (!local.ok()) {
      return local.status();
    }
    subject += "|" + *local;
  }
  // One fetch per subject at a time: calls that arrive while it runs wait for its answer.
  for (;;) {
    std::promise<SitesResult> promise;
    std::shared_future<SitesResult> pending;
    bool fetch = false;
    {
      std::lock_guard lock(mutex_);
      const auto it = sites_.find(subject);
      if (it != sites_.end() && clock_->Now() - it->second.fetched_at < options_.site_cache_ttl) {
        return it->second.sites;
      }
      if (const auto running = fetching_.find(subject); running != fetching_.end()) {
        pending = running->second;
      } else {
        fetch = true;
        pending = promise.get_future().share();
        fetching_.emplace(subject, pending);
      }
    }
    if (fetch) {
      auto sites = FetchSites(context, scopes);
      {
        std::lock_guard lock(mutex_);
        if (sites.ok()) {
          sites_[subject] = CachedSites{*sites, clock_->Now()};
        }
        fetching_.erase(subject);
      }
      promise.set_value(sites);
      return sites;
    }
    while (pending.wait_for(milliseconds(20)) != std::future_status::ready) {
      if (context.cancelled()) {
        return core::Status(core::Code::kCancelled, "The call was cancelled.");
      }
    }
    SitesResult shared = pending.get();
    if (shared.ok() || shared.status().code() != core::Code::kCancelled) {
      return shared;
    }
    // The call that fetched was cancelled, not this one: fetch again.
  }
}

core::Result<JiraSite> JiraClient::ResolveSite(const mcp::CallContext& context,
                                               const std::vector<std::string>& scopes,
                                               const std::string& site_argument) {
  auto sites = Sites(context, scopes);
  if (!sites.ok()) {
    return sites.status();
  }
  if (sites->empty()) {
    return core::Status(core::Code::kFailedPrecondition,
                        "No Jira site is authorized for this user. Re-authorize the Jira app and "
                        "select a site in Atlassian's consent screen, then try again.");
  }
  if (!site_argument.empty()) {
    for (const auto& site : *sites) {
      if (SiteMatches(site, site_argument)) {
        return site;
      }
    }
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("No accessible Jira site matches site '{}'. Accessible: {}. "
                                    "Pass one of these names, URLs or cloudIds as `site`.",
                                    site_argument, ListSites(*sites)));
  }
  // A configured site is never swapped silently for another, even the only one accessible: a
  // write would land where nobody chose.
  if (!options_.site.empty()) {
    for (const auto& site : *sites) {
      if (SiteMatches(site, options_.site)) {
        return site;
      }
    }
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("The configured Jira site '{}' (JIRA_SITE) is not among the "
                                    "accessible sites: {}. Pass one of them as `site`, or fix "
                                    "JIRA_SITE.",
                                    options_.site, ListSites(*sites)));
  }
  if (sites->size() == 1) {
    return sites->front();
  }
  return core::Status(core::Code::kInvalidArgument,
                      fmt::format("Several Jira sites are accessible: {}. Pass one as the `site` "
                                  "argument (name, URL or cloudId), or set JIRA_SITE "
                                  "(--jira-site) to choose a default.",
                                  ListSites(*sites)));
}

core::Result<JiraResponse> JiraClient::Call(const mcp::CallContext& context,
                                            const JiraRequest& request) {
  if (context.cancelled()) {
    return core::Status(core::Code::kCancelled, "The call was cancelled.");
  }
  if (HasEmptyOrDotSegment(request.path)) {
    return core::Status(core::Code::kInvalidArgument,
                        "A key or id in the arguments is empty, '.' or '..'. Give the key or id "
                        "of the Jira item.",
                        "path=" + request.path);
  }
  auto site = ResolveSite(context, request.scopes, request.site);
  if (!site.ok()) {
    return site.status();
  }

  core::HttpRequest http_request;
  http_request.method = request.method;
  http_request.url =
      core::JoinUrl(options_.api_base_url, fmt::format("ex/jira/{}{}", site->id, request.path));
  http_request.headers = request.headers;
  http_request.headers.emplace_back("Accept", "application/json");
  http_request.max_response_bytes = request.max_response_bytes;
  if (request.body) {
    http_request.body = request.body->dump(-1, ' ', false, Json::error_handler_t::replace);
    http_request.content_type = "application/json";
  } else if (!request.raw_content_type.empty()) {
    http_request.body = request.raw_body;
    http_request.content_type = request.raw_content_type;
  }
  const bool idempotent = request.idempotent.value_or(DefaultIdempotent(request.method));

  const auto started = std::chrono::steady_clock::now();
  auto sent =
      Exchange(context, request.scopes, std::move(http_request), idempotent, IsRead(request));
  if (!sent.ok()) {
    return sent.status();
  }
  core::HttpResponse* response = &sent->response;
  const auto elapsed =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  const std::string path = request.path.substr(0, request.path.find('?'));
  Log()->debug("jira request_id={} method={} path={} status={} ms={}", context.request_id(),
               request.method, path, response->status, elapsed.count());

  const bool accepted =
      std::find(request.accepted_statuses.begin(), request.accepted_statuses.end(),
                response->status) != request.accepted_statuses.end();
  if ((response->status < 200 || response->status > 299) && !accepted) {
    auto error = ErrorFromResponse(*response, request, sent->tries, idempotent, clock_->Now());
    Log()->warn("jira upstream_error request_id={} method={} path={} status={} code={}",
                context.request_id(), request.method, path, response->status,
                core::CodeName(error.code()));
    return error;
  }

  // Parsed, a large answer takes many times its size: a few calls at once may hold one, and the
  // tool call ends by handing the memory back.
  if (!request.raw_response && response->body.size() >= core::kLargeBufferBytes &&
      !core::AdmitLargeBuffer(context.cancel_flag(), kLargeAnswerWait)) {
    if (context.cancelled()) {
      return core::Status(core::Code::kCancelled, "The call was cancelled.");
    }
    return core::Status(core::Code::kUnavailable,
                        fmt::format("The server is busy reading other large Jira answers ({} at "
                                    "once); try again in a minute, or ask for less.",
                                    core::kLargeBufferHolders));
  }
  core::NoteBuffer(response->body.size());
  JiraResponse out;
  out.status = response->status;
  out.site = *site;
  if (request.raw_response) {
    out.raw = std::move(response->body);
  } else {
    auto body =
        ParseJsonBody(*response, request.keep_issue_fields ? &*request.keep_issue_fields : nullptr);
    if (!body.ok()) {
      Log()->warn("jira bad_body request_id={} path={} status={}", context.request_id(), path,
                  response->status);
      // A read changed nothing to check: it may be tried again, or asked for other fields.
      if (IsRead(request)) {
        return core::Status(
            body.status().code(),
            body.status().message() +
                (CanAskForLess(request.path, request.body ? request.body->dump() : "")
                     ? " Try again; if it persists, ask for other fields or read it in Jira."
                     : " Try again; if it persists, read it in Jira."),
            body.status().detail());
      }
      // The write took effect: an agent told only that the call failed would repeat it.
      return core::Status(
          body.status().code(),
          fmt::format("Jira accepted the {} (HTTP {}), but its answer could not be read: {} "
                      "Check what the change did before repeating it.",
                      request.method, response->status, body.status().message()),
          body.status().detail());
    }
    out.body = std::move(*body);
  }
  out.headers = std::move(response->headers);
  return out;
}

bool AnswerTooLarge(const core::Status& status) {
  return status.code() == core::Code::kResourceExhausted &&
         status.message().starts_with(kTooLargePrefix);
}

}  // namespace tools
