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
  const std::string query = StringArg(arguments, "query");
  const int max_results = arguments.value("max_results", 50);
  const std::string binding =
      fmt::format("list_projects\n{}\n{}", query, StringArg(arguments, "site"));
  long long start_at = 0;
  if (const std::string cursor = StringArg(arguments, "cursor"); !cursor.empty()) {
    auto state = DecodeCursor(cursor, binding);
    if (!state.ok()) {
      return state.status();
    }
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
  for (const auto& project : body.value("values", Json::array())) {
    projects.push_back(ProjectSummary(project));
    text += fmt::format("\n{} · {}", projects.back()["key"].get<std::string>(),
                        projects.back()["name"].get<std::string>());
  }
  const long long next = start_at + static_cast<long long>(projects.size());
  bool has_more = !body.value("isLast", true);
  if (!body.contains("isLast") && body.contains("total")) {
    has_more = next < body["total"].get<long long>();
  }
  has_more = has_more && !projects.empty();

  Json structured = {{"projects", projects}, {"has_more", has_more}};
  std::string head = fmt::format("{} project{}", projects.size(), projects.size() == 1 ? "" : "s");
  if (has_more) {
    structured["next_cursor"] = EncodeCursor({{"s", next}}, binding);
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
