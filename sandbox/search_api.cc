// Search: /search/jql (GET and POST), /search/approximate-count, /jql/parse, and the retired
// /search that answers 410 as Jira Cloud does since 2025.
#include <fmt/format.h>

#include "core/base64.h"
#include "sandbox/internal.h"
#include "sandbox/search.h"

namespace sandbox {
namespace {

constexpr std::int64_t kDefaultPage = 50;
constexpr std::int64_t kMaxPageWithFields = 100;
constexpr std::int64_t kMaxPageIdsOnly = 5000;

constexpr const char* kUnbounded =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";
constexpr const char* kBadToken = "The provided next page token is invalid or expired.";

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (const char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  return hash;
}

// The token binds the offset to the query, so a token cannot be replayed with other JQL.
std::string PageToken(std::int64_t offset, const std::string& jql) {
  return core::Base64UrlEncode(fmt::format("{}:{:016x}", offset, Fnv1a(jql)));
}

bool ReadPageToken(const std::string& token, const std::string& jql, std::int64_t& offset) {
  const auto text = core::Base64UrlDecode(token);
  if (!text) {
    return false;
  }
  const auto colon = text->find(':');
  if (colon == std::string::npos || colon == 0 || colon > 9 ||
      text->substr(colon + 1) != fmt::format("{:016x}", Fnv1a(jql))) {
    return false;
  }
  offset = 0;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = (*text)[i];
    if (c < '0' || c > '9') {
      return false;
    }
    offset = offset * 10 + (c - '0');
  }
  return true;
}

struct SearchRequest {
  std::string jql;
  std::string next_page_token;
  std::int64_t max_results = kDefaultPage;
  std::vector<std::string> fields;
  std::vector<std::string> expand;
};

SearchContext ContextFor(const JiraCall& call) {
  return SearchContext{.state = call.core.state,
                       .site = call.site,
                       .current_account = call.user.account_id,
                       .now = call.core.NowMillis()};
}

// Parses and runs `jql`, answering 400 in Jira's words when it cannot.
bool Run(JiraCall& call, const std::string& jql, bool require_bound,
         std::vector<const Issue*>& matches) {
  auto query = jql::Parse(jql);
  if (!query.ok()) {
    SendJiraError(call.res, 400, {query.status().message()});
    return false;
  }
  if (require_bound && !query->where) {
    SendJiraError(call.res, 400, {kUnbounded});
    return false;
  }
  auto result = RunQuery(*query, ContextFor(call));
  if (!result.ok()) {
    SendJiraError(call.res, 400, {result.status().message()});
    return false;
  }
  matches = std::move(*result);
  return true;
}

void Search(JiraCall& call, const SearchRequest& request) {
  const FieldSelection fields = ParseFields(request.fields, false);
  const std::int64_t cap = fields.Empty() ? kMaxPageIdsOnly : kMaxPageWithFields;
  if (request.max_results < 0) {
    SendJiraError(call.res, 400, {"maxResults must be a non-negative integer."});
    return;
  }
  const std::int64_t page = std::min(request.max_results, cap);
  std::int64_t offset = 0;
  if (!request.next_page_token.empty() &&
      !ReadPageToken(request.next_page_token, request.jql, offset)) {
    SendJiraError(call.res, 400, {kBadToken});
    return;
  }
  std::vector<const Issue*> matches;
  if (!Run(call, request.jql, true, matches)) {
    return;
  }

  Json issues = Json::array();
  const auto total = static_cast<std::int64_t>(matches.size());
  const std::int64_t end = std::min(total, offset + page);
  for (std::int64_t i = offset; i < end; ++i) {
    const Issue& issue = *matches[static_cast<std::size_t>(i)];
    if (fields.Empty() && request.expand.empty()) {
      issues.push_back({{"id", issue.id}});
    } else {
      issues.push_back(RenderIssue(call, issue, fields, request.expand));
    }
  }
  Json body = {{"issues", issues}, {"isLast", end >= total}};
  if (end < total) {
    body["nextPageToken"] = PageToken(end, request.jql);
  }
  if (std::find(request.expand.begin(), request.expand.end(), "names") != request.expand.end()) {
    Json names = Json::object();
    for (const auto& field : Fields()) {
      if (fields.Wants(field.id)) {
        names[field.id] = field.name;
      }
    }
    body["names"] = names;
  }
  SendJson(call.res, 200, body);
}

void GetSearch(JiraCall& call) {
  SearchRequest request{.jql = call.req.get_param_value("jql"),
                        .next_page_token = call.req.get_param_value("nextPageToken"),
                        .max_results = IntParam(call.req, "maxResults", kDefaultPage),
                        .fields = ListParam(call.req, "fields"),
                        .expand = ListParam(call.req, "expand")};
  Search(call, request);
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (const char c : text + ",") {
    if (c == ',') {
      if (!item.empty()) {
        out.push_back(item);
      }
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  return out;
}

void PostSearch(JiraCall& call) {
  Json body;
  if (!call.Body(body)) {
    return;
  }
  SearchRequest request{.jql = body.value("jql", ""),
                        .next_page_token = body.value("nextPageToken", ""),
                        .max_results = body.value("maxResults", kDefaultPage),
                        .fields = body.value("fields", std::vector<std::string>{}),
                        .expand = SplitCommas(body.value("expand", ""))};
  Search(call, request);
}

void PostCount(JiraCall& call) {
  Json body;
  if (!call.Body(body)) {
    return;
  }
  std::vector<const Issue*> matches;
  if (Run(call, body.value("jql", ""), true, matches)) {
    SendJson(call.res, 200, {{"count", matches.size()}});
  }
}

void PostParse(JiraCall& call) {
  Json body;
  if (!call.Body(body)) {
    return;
  }
  const std::string validation =
      call.req.has_param("validation") ? call.req.get_param_value("validation") : "strict";
  if (validation != "strict" && validation != "warn" && validation != "none") {
    SendJiraError(call.res, 400, {"validation must be one of strict, warn or none."});
    return;
  }
  const Json queries = body.value("queries", Json());
  if (!queries.is_array() || queries.empty()) {
    SendJiraError(call.res, 400, {}, {{"queries", "You must provide at least one query."}});
    return;
  }
  Json parsed = Json::array();
  for (const auto& item : queries) {
    const std::string text = item.is_string() ? item.get<std::string>() : "";
    Json entry = {{"query", text}};
    auto query = jql::Parse(text);
    if (!query.ok()) {
      entry["errors"] = {query.status().message()};
    } else if (validation != "none") {
      const auto problems = Validate(*query, ContextFor(call));
      if (!problems.empty()) {
        entry[validation == "strict" ? "errors" : "warnings"] = problems;
      }
    }
    parsed.push_back(std::move(entry));
  }
  SendJson(call.res, 200, {{"queries", parsed}});
}

void Removed(JiraCall& call) {
  SendJiraError(call.res, 410,
                {"The requested API has been removed. Please migrate to the /rest/api/3/search/jql "
                 "API. A full migration guideline is available at "
                 "https://developer.atlassian.com/changelog/#CHANGE-2046"});
}

}  // namespace

void RegisterSearchRoutes(httplib::Server& server, ServerCore& core) {
  JiraRoute(server, core, "GET", "/rest/api/3/search/jql", "read:jira-work", GetSearch);
  JiraRoute(server, core, "POST", "/rest/api/3/search/jql", "read:jira-work", PostSearch);
  JiraRoute(server, core, "POST", "/rest/api/3/search/approximate-count", "read:jira-work",
            PostCount);
  JiraRoute(server, core, "POST", "/rest/api/3/jql/parse", "read:jira-work", PostParse);
  JiraRoute(server, core, "GET", "/rest/api/3/search", "read:jira-work", Removed);
  JiraRoute(server, core, "POST", "/rest/api/3/search", "read:jira-work", Removed);
}

}  // namespace sandbox
