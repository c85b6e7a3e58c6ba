// JiraClient: every call this server makes to Jira Cloud, through the Atlassian API gateway.
//
// A call (1) gets a Jira-scoped token from the TokenBroker for the caller and the tool's scopes,
// (2) resolves the Jira site (cloudId) through `GET {base}/oauth/token/accessible-resources`,
// cached per subject, and (3) sends `{base}/ex/jira/{cloudId}{path}` with that token. The
// caller's own Keycard token never reaches Atlassian: only the exchanged token is sent.
//
// Failures come back as a Status whose message() an agent can act on: Jira's own
// `errorMessages`/`errors` and the gateway's `{"code":401,"message":...}` are carried into it,
// with the next step. The policy, on purpose per status:
//   401       the token is invalidated, exchanged again and the request sent once more; a second
//             401 is kUnauthenticated, telling "token rejected" from "scope does not match".
//   403       kPermissionDenied ("no permission"); 404 kNotFound ("not found or not visible").
//   409       kConflict; 410 kFailedPrecondition carrying Jira's message (a removed API).
//   429, 503  idempotent requests (GET, PUT, DELETE, or a read-only POST marked idempotent) are
//             retried after max(Retry-After, 0) plus a jittered exponential back-off, up to
//             max_attempts tries; then kResourceExhausted / kUnavailable saying the budget is
//             spent. A non-idempotent POST is never re-sent. Retry-After is read as
//             delay-seconds or an HTTP-date (from the clock); a wait over max_retry_after ends the
//             call at once, and one over a day is told as "more than a day". The waits of one
//             request add up to at most max_total_backoff.
//   no answer a deadline or a broken connection after a write went out is reported as "may or
//             may not have been made": read it back before trying again.
//   5xx       kUnavailable. A 2xx with an empty body (204 included) is success with a null body;
//             a 2xx whose body is not JSON where JSON was expected is kUnavailable.
// Cancellation: the CallContext's flag is passed to every HTTP request and interrupts back-off.
//
// Thread-safe: one JiraClient serves all concurrent tool calls.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "auth/token_broker.h"
#include "core/clock.h"
#include "core/http_client.h"
#include "core/status.h"
#include "mcp/tool.h"

namespace tools {

using Json = nlohmann::json;

// One entry of accessible-resources: a Jira site the token may reach.
struct JiraSite {
  std::string id;  // the cloudId
  std::string name;
  std::string url;  // https://<name>.atlassian.net
  std::vector<std::string> scopes;
};

struct JiraRequest {
  std::string method = "GET";
  // From "/rest/...", with any query already percent-encoded.
  std::string path;
  // Sent as application/json when set.
  std::optional<Json> body;
  // A non-JSON body (attachments): bytes and their content type; used when `body` is unset.
  std::string raw_body;
  std::string raw_content_type;
  core::HttpHeaders headers;
  // The calling tool's Jira scopes; the token exchange asks for exactly these.
  std::vector<std::string> scopes;
  // The tool's `site` argument (name, URL or cloudId); empty: the only or the configured site.
  std::string site;
  // May a 429/503 answer be re-sent? Unset: true for GET and PUT only. A POST that only reads
  // (JQL search, JQL parse, counts) sets it to true on purpose, and so does a POST that writes
  // what a repeat leaves as it is, which also sets `writes`.
  std::optional<bool> idempotent;
  // A POST marked idempotent that changes Jira (moving issues to a sprint): its failures say the
  // change may have been made, as for any other write.
  bool writes = false;
  // Return the body bytes as they are (downloads) instead of requiring JSON.
  bool raw_response = false;
  // Non-2xx statuses answered as an ok JiraResponse, for a tool that reads the body itself
  // (the bulk create answers 400 with per-item errors).
  std::vector<int> accepted_statuses;
  std::size_t max_response_bytes = 16U << 20;
  // Set: of each issue in the answer's `issues` array, only these members of `fields` are kept;
  // the rest is skipped while the answer is parsed, so heavy fields nobody asked for (comments
  // of every issue in a sprint, say) cost no memory beyond their text. For endpoints that take
  // no field list.
  std::optional<std::vector<std::string>> keep_issue_fields;
};

struct JiraResponse {
  int status = 0;
  Json body;        // null for an empty body or a raw response
  std::string raw;  // the bytes, for a raw response
  core::HttpHeaders headers;
  JiraSite site;  // the site the request went to
};

// Waits `delay` unless `cancelled` turns true first; returns false when cancelled.
using Sleeper =
    std::function<bool(std::chrono::milliseconds delay, const std::atomic<bool>* cancelled)>;

struct JiraClientOptions {
  std::string api_base_url = "https://api.atlassian.com";
  // The default site when several are accessible: name, URL or cloudId. Empty: none.
  std::string site;
  std::chrono::seconds site_cache_ttl{300};
  // For principals without a token of their own (stdio, HTTP with --auth none): names the local
  // user behind the current subject token, so that the site cache follows a token that changes
  // user. An error fails the call with it, before the token broker is asked: the broker would
  // read the same failing source again. Empty function: the principal's subject is the only key.
  std::function<core::Result<std::string>()> local_subject;
  std::chrono::milliseconds timeout{30000};
  // Tries of one idempotent request that Jira answers 429 or 503 (the first try included).
  int max_attempts = 4;
  // The jitter of the n-th retry is uniform in [0, min(max_backoff, base_backoff * 2^n)).
  std::chrono::milliseconds base_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  // A Retry-After longer than this is not waited out: the agent is told to come back later.
  std::chrono::milliseconds max_retry_after{20000};
  // All back-off of one request together stays within this, so that a call answers well inside
  // an MCP client's usual 60 s request timeout: a wait that would pass it ends the retries.
  std::chrono::milliseconds max_total_backoff{30000};
  // Seams for tests; null/empty: the system clock, a real interruptible sleep, a random seed.
  const core::Clock* clock = nullptr;
  Sleeper sleeper;
  std::optional<std::uint64_t> jitter_seed;
};

// Whether `status` is JiraClient's answer to a Jira answer over the request's
// max_response_bytes, which a smaller page may avoid.
bool AnswerTooLarge(const core::Status& status);

class JiraClient {
 public:
  JiraClient(std::shared_ptr<core::HttpClient> http, std::shared_ptr<auth::TokenBroker> broker,
             JiraClientOptions options);

  // Sends `request` to the resolved site as the context's principal. An ok Result holds a 2xx
  // answer; every other outcome is a Status as described at the top of this file.
  core::Result<JiraResponse> Call(const mcp::CallContext& context, const JiraRequest& request);

  // The sites the caller's Jira token may reach (cached per subject, and per local_subject() for
  // a principal without a token, for site_cache_ttl). Calls of one subject that find no cached
  // list share one fetch, its failure included (a cancelled fetch is made again by a waiter).
  core::Result<std::vector<JiraSite>> Sites(const mcp::CallContext& context,
                                            const std::vector<std::string>& scopes);

  // Picks the site for `site_argument` (may be empty): one accessible site is used as it is;
  // of several, the argument, else the configured site, matched by name, URL or cloudId.
  // Errors: kFailedPrecondition when none is authorized (no request reaches /ex/jira/), or
  // kInvalidArgument listing the sites and how to choose.
  core::Result<JiraSite> ResolveSite(const mcp::CallContext& context,
                                     const std::vector<std::string>& scopes,
                                     const std::string& site_argument);

  // The human URL of an issue: {site.url}/browse/{key}.
  static std::string BrowseUrl(const JiraSite& site, const std::string& key);

 private:
  struct CachedSites {
    std::vector<JiraSite> sites;
    core::Clock::TimePoint fetched_at;
  };
  // A final HTTP answer and how many tries it took.
  struct Sent {
    core::HttpResponse response;
    int tries = 1;
  };

  // Adds the exchanged token; on a 401, invalidates it and sends once more with a fresh one.
  // `read`: the request changes nothing (a failure then needs no read-back).
  core::Result<Sent> Exchange(const mcp::CallContext& context,
                              const std::vector<std::string>& scopes,
                              core::HttpRequest http_request, bool idempotent, bool read);
  // Sends, re-sending an idempotent request answered 429/503 after a back-off.
  core::Result<Sent> SendWithBackoff(const mcp::CallContext& context,
                                     core::HttpRequest& http_request, bool idempotent, bool read);
  std::chrono::milliseconds Jitter(int retry);
  core::Result<std::vector<JiraSite>> FetchSites(const mcp::CallContext& context,
                                                 const std::vector<std::string>& scopes);

  std::shared_ptr<core::HttpClient> http_;
  std::shared_ptr<auth::TokenBroker> broker_;
  JiraClientOptions options_;
  const core::Clock* clock_;
  Sleeper sleeper_;

  using SitesResult = core::Result<std::vector<JiraSite>>;

  std::mutex mutex_;  // guards sites_, fetching_ and random_
  std::map<std::string, CachedSites> sites_;
  std::map<std::string, std::shared_future<SitesResult>> fetching_;  // by subject
  std::mt19937_64 random_;
};

}  // namespace tools
