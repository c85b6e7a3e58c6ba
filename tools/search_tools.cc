// Search tools: search_issues.
#include <fmt/format.h>

#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

std::vector<std::string> DefaultSearchFields() {
  return {"summary", "status", "assignee", "priority", "issuetype", "updated"};
}
// A reply stays below this many bytes of issues; the rest is reached through the cursor.
constexpr std::size_t kSearchBudget = std::size_t{48} * 1024;
constexpr std::size_t kSearchValueCap = 2000;

// A search cursor: the page token that produced the page ("" for the first), how many of that
// page's issues were already returned, and the page size asked for.
struct SearchPosition {
  std::string token;
  std::size_t offset = 0;
  int page_size = 0;
};

core::Result<mcp::ToolResult> SearchIssues(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  const std::string jql = StringArg(arguments, "jql");
  std::vector<std::string> fields = StringListArg(arguments, "fields");
  if (fields.empty()) {
    fields = DefaultSearchFields();
  }
  const int max_results = arguments.value("max_results", 20);
  const std::string binding = fmt::format("search_issues\n{}\n{}\n{}", jql, fmt::join(fields, ","),
                                          StringArg(arguments, "site"));

  SearchPosition position{.page_size = max_results};
  if (const std::string cursor = StringArg(arguments, "cursor"); !cursor.empty()) {
    auto state = DecodeCursor(cursor, binding);
    if (!state.ok()) {
      return state.status();
    }
    position.token = state->value("t", "");
    position.offset = state->value("o", std::size_t{0});
    position.page_size = state->value("m", max_results);
  }

  // Only /search/jql (the old /search answers 410); `fields` always explicit, since it returns
  // ids only without them. A POST that only reads: safe to re-send after a 429.
  Json body = {{"jql", jql}, {"fields", fields}, {"maxResults", position.page_size}};
  if (!position.token.empty()) {
    body["nextPageToken"] = position.token;
  }
  JiraRequest request = Request("POST", "/rest/api/3/search/jql", ReadWork(), arguments);
  request.body = std::move(body);
  request.idempotent = true;
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Searching issues");
  }

  const Json page = response->body.value("issues", Json::array());
  Json issues = Json::array();
  std::string text;
  std::size_t used = 0;
  std::size_t index = position.offset;
  bool truncated = false;
  for (; index < page.size() && issues.size() < static_cast<std::size_t>(max_results); ++index) {
    Json issue = FlattenIssue(page[index], fields);
    truncated = CapStrings(issue, kSearchValueCap) || truncated;
    const std::size_t size = issue.dump(-1, ' ', false, Json::error_handler_t::replace).size();
    if (!issues.empty() && used + size > kSearchBudget) {
      truncated = true;
      break;
    }
    used += size;
    text += "\n" + IssueLine(issue);
    issues.push_back(std::move(issue));
  }

  const std::string next_token = response->body.value("nextPageToken", "");
  const bool last_page = response->body.value("isLast", next_token.empty());
  Json structured = {{"issues", issues}, {"has_more", false}};
  if (index < page.size()) {
    structured["next_cursor"] =
        EncodeCursor({{"t", position.token}, {"o", index}, {"m", position.page_size}}, binding);
  } else if (!last_page && !next_token.empty()) {
    structured["next_cursor"] =
        EncodeCursor({{"t", next_token}, {"o", 0}, {"m", max_results}}, binding);
  }
  structured["has_more"] = structured.contains("next_cursor");
  if (truncated) {
    structured["truncated"] = true;
  }

  std::string head = issues.empty()
                         ? std::string("No issues match this JQL.")
                         : fmt::format("{} issue{}", issues.size(), issues.size() == 1 ? "" : "s");
  if (structured["has_more"].get<bool>()) {
    head += " (more: pass next_cursor as cursor)";
  }
  if (truncated) {
    head += " [truncated to fit the reply budget; long values were cut]";
  }
  return mcp::ToolResult::Success(head + text, std::move(structured));
}

}  // namespace

std::vector<JiraTool> SearchTools(const std::shared_ptr<JiraClient>& client) {
  std::vector<JiraTool> tools;
  tools.push_back({
      .info = {.name = "search_issues", .toolset = "search", .http_methods = {"POST"}},
      .title = "Search issues",
      .description = "Find issues by JQL; returns id, key and the fields asked for, paged.",
      .annotations = ReadOnly(),
      .scopes = ReadWork(),
      .handler =
          [client](const Json& arguments, const mcp::CallContext& context) {
            return SearchIssues(*client, arguments, context);
          },
  });
  return tools;
}

}  // namespace tools
