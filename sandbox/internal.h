// Internals shared by the sandbox's route files (zone.cc, jira_api.cc, agile.cc). Not a public
// header: only sandbox/*.cc include it.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/secret.h"
#include "sandbox/jwt.h"
#include "sandbox/state.h"

namespace sandbox {

struct Settings {
  std::string base_url;  // issuer, and the origin of every self URL
  std::string client_id;
  core::Secret client_secret;
  std::string demo_password;
  std::chrono::seconds token_lifetime{3600};
  const core::Clock* clock = nullptr;
  std::string state_file;  // empty: keep the state in memory only
};

// Everything a request handler may touch. `mutex` guards `state`, `codes` and `refresh_tokens`;
// handlers run with it held (the sandbox serves a handful of clients, so one lock is plenty).
struct ServerCore {
  ServerCore(Settings settings_in, SigningKey key_in, State state_in)
      : settings(std::move(settings_in)), key(std::move(key_in)), state(std::move(state_in)) {}

  Settings settings;
  SigningKey key;
  State state;
  std::mutex mutex;

  struct PendingCode {
    std::string account_id;
    std::string redirect_uri;
    std::string code_challenge;
    std::string scope;
    std::string resource;
    std::int64_t expires = 0;  // seconds
  };
  std::map<std::string, PendingCode> codes;
  struct RefreshGrant {
    std::string account_id;
    std::string scope;
    std::string resource;
  };
  std::map<std::string, RefreshGrant> refresh_tokens;

  std::int64_t NowSeconds() const;
  std::int64_t NowMillis() const;

  // A signed zone access token for `user`: aud = `audience` (the zone itself when empty).
  std::string IssueUserToken(const User& user, const std::string& audience,
                             const std::string& scope) const;

  // Writes the state file, when there is one (atomically: temp file, then rename).
  void Save() const;
};

// ---- HTTP helpers ----

void SendJson(httplib::Response& res, int status, const Json& body);
// A status with no body but Jira's JSON content type (as Jira answers 204s; see CASES.md C14).
void SendEmpty(httplib::Response& res, int status);
// Jira's error shape {"errorMessages":[...],"errors":{...}}.
void SendJiraError(httplib::Response& res, int status, const std::vector<std::string>& messages,
                   const Json& errors = Json::object());
// The space-separated words of an OAuth scope string ("read:jira-work write:jira-work").
std::set<std::string> ScopeWords(const std::string& text);
// All values of a query parameter, repeated or comma-separated, trimmed, empty ones dropped.
std::vector<std::string> ListParam(const httplib::Request& req, const std::string& name);
// A non-negative integer parameter; `fallback` when absent; nullopt-like -1 when malformed.
std::int64_t IntParam(const httplib::Request& req, const std::string& name, std::int64_t fallback);
std::string RandomToken(std::size_t bytes);

// ---- the Jira face ----

struct JiraCall {
  ServerCore& core;
  const httplib::Request& req;
  httplib::Response& res;
  const User& user;
  Site& site;
  std::string api;  // {base}/ex/jira/{cloudId}
  bool mutated = false;

  // Path capture `index` after the cloud id (1-based).
  std::string Param(std::size_t index) const { return req.matches[index + 1].str(); }
  // Parses the request body as a JSON object; on failure answers 400 and returns false.
  bool Body(Json& out);
};

using JiraHandler = std::function<void(JiraCall&)>;

// Registers `path_regex` (after /ex/jira/{cloudId}) behind the gateway checks: a valid,
// unexpired exchanged token (aud = the Jira resource) for a user of this site, carrying one of
// the space-separated scopes in `scope` (Jira Software's routes take its own scope or the
// platform's classic one). Mutating handlers set call.mutated so the state is saved.
void JiraRoute(httplib::Server& server, ServerCore& core, std::string_view method,
               const std::string& path_regex, const std::string& scope, JiraHandler handler);

// Token claims for a Bearer header value, checked as the Atlassian gateway would; nullopt-like
// empty object when the token is missing, bad, expired or not for the Jira resource.
Json VerifyJiraToken(ServerCore& core, const httplib::Request& req);

void RegisterZone(httplib::Server& server, ServerCore& core);
void RegisterJira(httplib::Server& server, ServerCore& core);
void RegisterAgile(httplib::Server& server, ServerCore& core);

// ---- renderers shared by the platform and Agile routes ----

struct FieldSelection {
  bool all = false;  // *all or *navigable
  std::set<std::string> include;
  std::set<std::string> exclude;
  bool Wants(const std::string& field) const {
    return !exclude.contains(field) && (all || include.contains(field));
  }
  bool Empty() const { return !all && include.empty(); }
};

// From ?fields= (or a JSON array): "*all", "*navigable", "-field", names or ids.
FieldSelection ParseFields(const std::vector<std::string>& fields, bool default_all);

Json AvatarUrls(const std::string& base, const std::string& kind, const std::string& id);
Json RenderUser(const JiraCall& call, const User& user);  // User (myself, user search)
Json RenderUserDetails(const JiraCall& call, const std::string& account_id);  // null if none
// IssueBean; `expand` may hold "names", "transitions", "changelog".
Json RenderIssue(const JiraCall& call, const Issue& issue, const FieldSelection& fields,
                 const std::vector<std::string>& expand);
Json RenderStatus(const JiraCall& call, const StatusDef& status);
Json RenderPriority(const JiraCall& call, const NamedDef& priority);
Json RenderResolution(const JiraCall& call, const NamedDef& resolution);
Json RenderIssueType(const JiraCall& call, const IssueTypeDef& type);
Json RenderProjectRef(const JiraCall& call, const Project& project);
Json RenderLinkedIssue(const JiraCall& call, const Issue& issue);
Json RenderLinkType(const JiraCall& call, const LinkTypeDef& type);
Json RenderComment(const JiraCall& call, const Issue& issue, const Comment& comment);
Json RenderWorklog(const JiraCall& call, const Issue& issue, const Worklog& worklog);
Json RenderTransition(const JiraCall& call, const TransitionDef& transition, bool with_fields);
Json RenderChangelog(const JiraCall& call, const History& history);
// Jira's duration text: "1w 2d 3h 30m" with 8-hour days and 5-day weeks.
std::string FormatDuration(std::int64_t seconds);

// Route groups of the platform API, registered by RegisterJira.
void RegisterIssueRoutes(httplib::Server& server, ServerCore& core);
void RegisterSearchRoutes(httplib::Server& server, ServerCore& core);

}  // namespace sandbox
