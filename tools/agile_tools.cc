// Agile tools (/rest/agile/1.0): list_boards, list_sprints, sprint_issues, backlog_issues,
// move_issues.
#include <fmt/format.h>

#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

// Jira Software's OAuth scopes, as its API documents them.
std::vector<std::string> ReadBoards() {
  return {"read:board-scope:jira-software", "read:project:jira"};
}
std::vector<std::string> ReadSprints() {
  return {"read:sprint:jira-software", "read:board-scope:jira-software", "read:issue-details:jira",
          "read:jql:jira"};
}
std::vector<std::string> WriteSprints() {
  return {"write:sprint:jira-software", "write:board-scope:jira-software", "read:jira-work"};
}

std::vector<std::string> DefaultAgileFields() {
  return {"summary", "status", "assignee", "priority", "issuetype"};
}

core::Result<mcp::ToolResult> ListBoards(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  const std::string project = StringArg(arguments, "project_key");
  const std::string name = StringArg(arguments, "name");
  auto page = ReadOffsetCursor(client, context, arguments, ReadBoards(),
                               fmt::format("list_boards\n{}\n{}", project, name), 50);
  if (!page.ok()) {
    return page.status();
  }
  std::string path = fmt::format("/rest/agile/1.0/board?startAt={}&maxResults={}", page->start_at,
                                 page->max_results);
  if (!project.empty()) {
    path += "&projectKeyOrId=" + Encode(project);
  }
  if (!name.empty()) {
    path += "&name=" + Encode(name);
  }
  auto response = client.Call(context, Request("GET", path, ReadBoards(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Listing boards");
  }
  auto entries = PageEntries(*response, "values");
  if (!entries.ok()) {
    return entries.status().WithContext("Listing boards");
  }
  const Json& values = **entries;
  Json boards = Json::array();
  std::string text;
  for (const auto& board : values) {
    Json summary = {{"id", ValueOr(board, "id", 0)},
                    {"name", ValueOr(board, "name", "")},
                    {"board_type", ValueOr(board, "type", "")}};
    const Json location = board.value("location", Json::object());
    if (location.contains("projectKey")) {
      summary["project_key"] = location["projectKey"];
    }
    text += fmt::format("\n{} · {} ({})", summary["id"].dump(),
                        PlainText(summary["name"].get<std::string>()),
                        PlainText(summary["board_type"].get<std::string>()));
    boards.push_back(std::move(summary));
  }
  std::string head = Count(boards.size(), "board");
  Json structured = {{"boards", boards}};
  AddOffsetCursor(*page, *response, values.size(), structured, head);
  return mcp::ToolResult::Success(head + text, std::move(structured));
}

core::Result<mcp::ToolResult> ListSprints(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  const long long board = arguments.value("board_id", 0LL);
  const std::string state = StringArg(arguments, "state", "active,future");
  auto page = ReadOffsetCursor(client, context, arguments, ReadSprints(),
                               fmt::format("list_sprints\n{}\n{}", board, state), 50);
  if (!page.ok()) {
    return page.status();
  }
  auto response = client.Call(
      context,
      Request("GET",
              fmt::format("/rest/agile/1.0/board/{}/sprint?startAt={}&maxResults={}&state={}",
                          board, page->start_at, page->max_results, Encode(state)),
              ReadSprints(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Listing sprints");
  }
  auto entries = PageEntries(*response, "values");
  if (!entries.ok()) {
    return entries.status().WithContext("Listing sprints");
  }
  const Json& values = **entries;
  Json sprints = Json::array();
  std::string text;
  for (const auto& sprint : values) {
    Json summary = {{"id", ValueOr(sprint, "id", 0)},
                    {"name", ValueOr(sprint, "name", "")},
                    {"state", ValueOr(sprint, "state", "")}};
    for (const char* key : {"startDate", "endDate", "goal"}) {
      if (sprint.contains(key)) {
        summary[key] = sprint[key];
      }
    }
    text += fmt::format("\n{} · {} ({})", summary["id"].dump(),
                        PlainText(summary["name"].get<std::string>()),
                        PlainText(summary["state"].get<std::string>()));
    sprints.push_back(std::move(summary));
  }
  std::string head = Count(sprints.size(), "sprint");
  Json structured = {{"sprints", sprints}};
  AddOffsetCursor(*page, *response, values.size(), structured, head);
  return mcp::ToolResult::Success(head + text, std::move(structured));
}

core::Result<mcp::ToolResult> AgileIssues(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context, const std::string& base,
                                          const std::string& what, const std::string& instead) {
  std::vector<std::string> fields = StringListArg(arguments, "fields");
  if (fields.empty()) {
    fields = DefaultAgileFields();
  }
  const std::string jql = StringArg(arguments, "jql");
  auto page = ReadOffsetCursor(client, context, arguments, ReadSprints(),
                               fmt::format("{}\n{}\n{}", base, jql, fmt::join(fields, ",")), 20);
  if (!page.ok()) {
    return page.status();
  }
  // No `fields` parameter: Jira Software's contract types it as an array of objects, which no
  // query string can carry (a contract checker refuses "summary,status"). Jira sends every
  // navigable field, comments included; the parser keeps the asked ones, and an answer past the
  // size cap is asked for again as a smaller page.
  const auto make = [&](const OffsetPage& at) {
    std::string path =
        fmt::format("{}?startAt={}&maxResults={}", base, at.start_at, at.max_results);
    if (!jql.empty()) {
      path += "&jql=" + Encode(jql);
    }
    JiraRequest request = Request("GET", path, ReadSprints(), arguments);
    if (!WantsAll(fields)) {
      request.keep_issue_fields = fields;
    }
    return request;
  };
  auto response = CallShrinkingPage(
      client, context, *page, make,
      fmt::format("Jira sends every field here, comments included: read it with {} and the "
                  "fields you need.",
                  instead));
  if (!response.ok()) {
    return response.status().WithContext("Listing " + what + " issues");
  }
  auto entries = PageEntries(*response, "issues");
  if (!entries.ok()) {
    return entries.status().WithContext("Listing " + what + " issues");
  }
  Json issues = Json::array();
  std::vector<std::string> lines;
  for (const auto& raw : **entries) {
    Json issue = FlattenIssue(raw, fields);
    CapStrings(issue, 2000);
    lines.push_back("\n" + IssueLine(issue));
    issues.push_back(std::move(issue));
  }
  return OffsetPageReply(*page, *response, "issues", what + " issue", std::move(issues),
                         std::move(lines));
}

core::Result<mcp::ToolResult> SprintIssues(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  return AgileIssues(
      client, arguments, context,
      fmt::format("/rest/agile/1.0/sprint/{}/issue", arguments.value("sprint_id", 0LL)), "sprint",
      fmt::format("search_issues (jql \"sprint = {}\")", arguments.value("sprint_id", 0LL)));
}

core::Result<mcp::ToolResult> BacklogIssues(JiraClient& client, const Json& arguments,
                                            const mcp::CallContext& context) {
  return AgileIssues(
      client, arguments, context,
      fmt::format("/rest/agile/1.0/board/{}/backlog", arguments.value("board_id", 0LL)), "backlog",
      "search_issues (jql \"sprint is EMPTY\" and the board's project)");
}

core::Result<mcp::ToolResult> MoveIssues(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  const std::vector<std::string> keys = StringListArg(arguments, "issue_keys");
  const bool to_sprint = arguments.contains("sprint_id");
  const long long sprint = arguments.value("sprint_id", 0LL);
  JiraRequest request = Request("POST",
                                to_sprint ? fmt::format("/rest/agile/1.0/sprint/{}/issue", sprint)
                                          : std::string("/rest/agile/1.0/backlog/issue"),
                                WriteSprints(), arguments);
  request.body = Json{{"issues", keys}};
  // Moving to a sprint or the backlog sets state: repeating it changes nothing more.
  request.idempotent = true;
  request.writes = true;
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Moving the issues");
  }

  // Read back through JQL which of the issues are where they were sent.
  const std::string where = to_sprint ? fmt::format("sprint = {}", sprint)
                                      : "(sprint is EMPTY OR sprint not in openSprints())";
  JiraRequest check = Request("POST", "/rest/api/3/search/jql", WriteSprints(), arguments);
  check.body = Json{{"jql", fmt::format("key in ({}) AND {}", fmt::join(keys, ","), where)},
                    {"fields", {"summary"}},
                    {"maxResults", keys.size()}};
  check.idempotent = true;
  auto found = client.Call(context, check);
  // An agent may give a key in lower case, or an issue id: Jira answers with the key.
  const Json& landed = found.ok() ? MemberOrNull(found->body, "issues") : Json();
  std::vector<std::string> missing;
  for (const auto& key : keys) {
    if (std::none_of(landed.begin(), landed.end(),
                     [&key](const Json& issue) { return NamesIssue(key, issue); })) {
      missing.push_back(key);
    }
  }
  // The issues moved, each once however many of the given keys and ids name it.
  const auto issues_named = static_cast<std::size_t>(
      std::count_if(landed.begin(), landed.end(), [&keys](const Json& issue) {
        return std::any_of(keys.begin(), keys.end(),
                           [&issue](const std::string& key) { return NamesIssue(key, issue); });
      }));
  const std::string target = to_sprint ? fmt::format("sprint {}", sprint) : "the backlog";
  const std::size_t moved = found.ok() ? issues_named : keys.size();
  std::string text = fmt::format("Moved {} to {}", Count(moved, "issue"), target);
  Json structured = {{"moved", moved}};
  if (!found.ok()) {
    structured["warnings"] = {"could not check where the issues are: " + found.status().message()};
  } else if (!missing.empty()) {
    structured["warnings"] = {
        fmt::format("not found in {} afterwards: {}", target, fmt::join(missing, ", "))};
    text = fmt::format("Moved {} of {} to {}; not found there afterwards: {}", moved,
                       Count(keys.size(), "issue"), target, fmt::join(missing, ", "));
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

}  // namespace

std::vector<JiraTool> AgileTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "list_boards", .toolset = "agile", .http_methods = {"GET"}}, "List boards",
               "Scrum and kanban boards, optionally of one project.", ReadOnly(), ReadBoards(),
               client, ListBoards),
      MakeTool({.name = "list_sprints", .toolset = "agile", .http_methods = {"GET"}},
               "List sprints", "Sprints of a board (default active and future).", ReadOnly(),
               ReadSprints(), client, ListSprints),
      MakeTool({.name = "sprint_issues", .toolset = "agile", .http_methods = {"GET"}},
               "Sprint issues", "Issues in a sprint, paged.", ReadOnly(), ReadSprints(), client,
               SprintIssues),
      MakeTool({.name = "backlog_issues", .toolset = "agile", .http_methods = {"GET"}},
               "Backlog issues", "Issues in a board's backlog, paged.", ReadOnly(), ReadSprints(),
               client, BacklogIssues),
      MakeTool(
          {.name = "move_issues", .toolset = "agile", .http_methods = {"POST"}, .writes = true},
          "Move issues", "Move issues to a sprint, or to the backlog without sprint_id.",
          Destructive(), WriteSprints(), client, MoveIssues),
  };
}

}  // namespace tools
