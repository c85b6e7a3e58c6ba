// Project tools: list_projects.
#include <fmt/format.h>

#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

Json ProjectSummary(const Json& project) {
  Json out = {{"id", project.value("id", "")},
              {"key", project.value("key", "")},
              {"name", project.value("name", "")}};
  if (project.contains("projectTypeKey")) {
    out["projectTypeKey"] = project["projectTypeKey"];
  }
  return out;
}

core::Result<mcp::ToolResult> ListProjects(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  std::string query = StringArg(arguments, "query");
  const int max_results = arguments.value("max_results", 50);
  // The cursor carries the query, so `cursor` alone continues the listing; a query given with
  // it must be the same one.
  constexpr std::string_view kBinding = "list_projects";
  long long start_at = 0;
  if (const std::string cursor = StringArg(arguments, "cursor"); !cursor.empty()) {
    auto state = DecodeCursor(cursor, kBinding);
    if (!state.ok()) {
      return state.status();
    }
    const std::string cursor_query = state->value("q", "");
    if (arguments.contains("query") && query != cursor_query) {
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("The cursor continues the listing for query '{}'; drop "
                                      "`query` or start again without `cursor`.",
                                      cursor_query));
    }
    query = cursor_query;
    start_at = state->value("s", 0LL);
  }

  std::string path =
      fmt::format("/rest/api/3/project/search?startAt={}&maxResults={}", start_at, max_results);
  if (!query.empty()) {
    path += "&query=" + Encode(query);
  }
  auto response = client.Call(context, Request("GET", path, ReadWork(), arguments));
  if (!response.ok()) {
    return response.status();
  }

  const Json& body = response->body;
  Json projects = Json::array();
  std::string text;
  const Json values = body.value("values", Json::array());
  // Never more than asked for, even when the server sends more; the rest comes by cursor.
  const bool truncated = values.size() > static_cast<std::size_t>(max_results);
  for (const auto& project : values) {
    if (projects.size() == static_cast<std::size_t>(max_results)) {
      break;
    }
    projects.push_back(ProjectSummary(project));
    text += fmt::format("\n{} · {}", projects.back()["key"].get<std::string>(),
                        projects.back()["name"].get<std::string>());
  }
  const long long next = start_at + static_cast<long long>(projects.size());
  bool has_more = !body.value("isLast", true);
  if (!body.contains("isLast") && body.contains("total")) {
    has_more = next < body["total"].get<long long>();
  }
  has_more = (has_more || truncated) && !projects.empty();

  Json structured = {{"projects", projects}, {"has_more", has_more}};
  std::string head = fmt::format("{} project{}", projects.size(), projects.size() == 1 ? "" : "s");
  if (has_more) {
    structured["next_cursor"] = EncodeCursor({{"s", next}, {"q", query}}, kBinding);
    head += " (more: pass next_cursor as cursor)";
  }
  return mcp::ToolResult::Success(head + text, std::move(structured));
}

}  // namespace

std::vector<JiraTool> ProjectTools(const std::shared_ptr<JiraClient>& client) {
  std::vector<JiraTool> tools;
  tools.push_back({
      .info = {.name = "list_projects", .toolset = "projects", .http_methods = {"GET"}},
      .title = "List projects",
      .description = "Projects visible to you, paged; query filters by key or name.",
      .annotations = ReadOnly(),
      .scopes = ReadWork(),
      .handler =
          [client](const Json& arguments, const mcp::CallContext& context) {
            return ListProjects(*client, arguments, context);
          },
  });
  return tools;
}

}  // namespace tools
