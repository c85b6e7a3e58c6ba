// Project tools: list_projects, get_project, list_issue_types, get_create_fields,
// search_fields, list_priorities, list_statuses.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

Json ProjectSummary(const Json& project) {
  Json out = {{"id", ValueOr(project, "id", "")},
              {"key", ValueOr(project, "key", "")},
              {"name", ValueOr(project, "name", "")}};
  if (project.contains("projectTypeKey")) {
    out["projectTypeKey"] = project["projectTypeKey"];
  }
  return out;
}

core::Result<mcp::ToolResult> ListProjects(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  std::string query = StringArg(arguments, "query");
  int max_results = ValueOr(arguments, "max_results", 50);
  // The cursor carries the query and the page size, so `cursor` alone continues the listing; a
  // query given with it must be the same one.
  constexpr std::string_view kBinding = "list_projects";
  long long start_at = 0;
  if (const std::string cursor = StringArg(arguments, "cursor"); !cursor.empty()) {
    auto state = DecodeSiteCursor(client, context, arguments, ReadWork(), cursor, kBinding);
    if (!state.ok()) {
      return state.status();
    }
    const std::string cursor_query = ValueOr(*state, "q", "");
    if (arguments.contains("query") && query != cursor_query) {
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("The cursor continues the listing for query '{}'; drop "
                                      "`query` or start again without `cursor`.",
                                      cursor_query));
    }
    query = cursor_query;
    const auto cursor_start = CursorStart(*state);
    if (!cursor_start) {
      return ForeignCursor();
    }
    start_at = *cursor_start;
    if (!arguments.contains("max_results")) {
      max_results = CursorPageSize(*state, "m", max_results);
    }
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
  auto entries = PageEntries(*response, "values");
  if (!entries.ok()) {
    return entries.status().WithContext("Listing projects");
  }
  Json projects = Json::array();
  std::string text;
  const Json& values = **entries;
  // Never more than asked for, even when the server sends more; the rest comes by cursor.
  const bool truncated = values.size() > static_cast<std::size_t>(max_results);
  for (const auto& project : values) {
    if (projects.size() == static_cast<std::size_t>(max_results)) {
      break;
    }
    projects.push_back(ProjectSummary(project));
    text += fmt::format("\n{} · {}", PlainText(projects.back()["key"].get<std::string>()),
                        PlainText(projects.back()["name"].get<std::string>()));
  }
  const long long next = start_at + static_cast<long long>(projects.size());
  bool has_more = !ValueOr(body, "isLast", true);
  if (!body.contains("isLast") && body.contains("total")) {
    has_more = next < body["total"].get<long long>();
  }
  has_more = (has_more || truncated) && !projects.empty();

  Json structured = {{"projects", projects}, {"has_more", has_more}};
  std::string head = Count(projects.size(), "project");
  if (has_more) {
    structured["next_cursor"] =
        EncodeSiteCursor({{"s", next}, {"q", query}, {"m", max_results}}, kBinding, response->site);
    head += kMoreHint;
  }
  return mcp::ToolResult::Success(head + text, std::move(structured));
}

std::string ProjectKey(const Json& arguments) {
  return Encode(StringArg(arguments, "project_key"));
}

core::Result<mcp::ToolResult> GetProject(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  auto response = client.Call(
      context,
      Request("GET", "/rest/api/3/project/" + ProjectKey(arguments), ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Reading the project");
  }
  const Json& body = response->body;
  Json project = ProjectSummary(body);
  for (const char* key : {"description", "lead", "issueTypes", "components", "versions"}) {
    if (body.contains(key)) {
      project[key] = CompactValue(body[key]);
    }
  }
  std::string text = fmt::format("{} · {}", PlainText(project["key"].get<std::string>()),
                                 PlainText(project["name"].get<std::string>()));
  for (const auto& [name, value] : project.items()) {
    if (name == "key" || name == "name" || name == "id") {
      continue;
    }
    // A project with no components or versions says "none"; an empty description is left out.
    if (const std::string shown = ValueText(value, 1000); !shown.empty()) {
      text += fmt::format("\n{}: {}", name, shown);
    }
  }
  return mcp::ToolResult::Success(std::move(text), std::move(project));
}

core::Result<Json> IssueTypes(JiraClient& client, const mcp::CallContext& context,
                              const Json& arguments) {
  auto response = client.Call(
      context, Request("GET",
                       fmt::format("/rest/api/3/issue/createmeta/{}/issuetypes?maxResults=100",
                                   ProjectKey(arguments)),
                       ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Reading the issue types");
  }
  const Json& body = response->body;
  const Json values = body.contains("issueTypes")
                          ? body["issueTypes"]
                          : body.value("createMetaIssueType", Json::array());
  Json types = Json::array();
  for (const auto& type : values) {
    types.push_back({{"id", ValueOr(type, "id", "")},
                     {"name", ValueOr(type, "name", "")},
                     {"subtask", ValueOr(type, "subtask", false)}});
  }
  return types;
}

core::Result<mcp::ToolResult> ListIssueTypes(JiraClient& client, const Json& arguments,
                                             const mcp::CallContext& context) {
  auto types = IssueTypes(client, context, arguments);
  if (!types.ok()) {
    return types.status();
  }
  std::string text = Count(types->size(), "issue type");
  for (const auto& type : *types) {
    text += fmt::format("\n{} · {}{}", PlainText(type["id"].get<std::string>()),
                        PlainText(type["name"].get<std::string>()),
                        type["subtask"].get<bool>() ? " (subtask)" : "");
  }
  return mcp::ToolResult::Success(std::move(text), {{"issue_types", *types}});
}

Json AllowedValues(const Json& field) {
  Json out = Json::array();
  for (const auto& value : field.value("allowedValues", Json::array())) {
    if (out.size() >= 25) {
      out.push_back("…");
      break;
    }
    // As Jira names it, to be passed back as is; the text escapes it.
    const Json compact = CompactValue(value);
    out.push_back(compact.is_string() ? Json(Utf8Prefix(compact.get<std::string>(), 200))
                                      : Json(ValueText(compact, 200)));
  }
  return out;
}

core::Result<mcp::ToolResult> GetCreateFields(JiraClient& client, const Json& arguments,
                                              const mcp::CallContext& context) {
  std::string type_id = StringArg(arguments, "issue_type");
  // As the caller named it, with the id it resolved to: "Bug (10003)".
  std::string shown_type = type_id;
  if (!std::all_of(type_id.begin(), type_id.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    auto types = IssueTypes(client, context, arguments);
    if (!types.ok()) {
      return types.status();
    }
    const std::string wanted = type_id;
    type_id.clear();
    for (const auto& type : *types) {
      if (Lower(type["name"].get<std::string>()) == Lower(wanted)) {
        type_id = type["id"].get<std::string>();
        shown_type = fmt::format("{} ({})", type["name"].get<std::string>(), type_id);
      }
    }
    if (type_id.empty()) {
      std::vector<std::string> names;
      for (const auto& type : *types) {
        names.push_back(PlainText(type["name"].get<std::string>()));
      }
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("The project has no issue type '{}'. Its types: {}.", wanted,
                                      fmt::join(names, ", ")));
    }
  }
  auto response = client.Call(
      context, Request("GET",
                       fmt::format("/rest/api/3/issue/createmeta/{}/issuetypes/{}?maxResults=200",
                                   ProjectKey(arguments), Encode(type_id)),
                       ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Reading the fields to create");
  }
  const Json& body = response->body;
  const Json values =
      body.contains("fields") ? body["fields"] : body.value("results", Json::array());
  Json fields = Json::array();
  std::string text;
  for (const auto& field : values) {
    Json summary = {{"id", field.value("fieldId", ValueOr(field, "key", ""))},
                    {"name", ValueOr(field, "name", "")},
                    {"mandatory", ValueOr(field, "required", false)},
                    {"schema_type", ValueOr(field.value("schema", Json::object()), "type", "")}};
    text += fmt::format("\n{} · {} ({}){}", PlainText(summary["id"].get<std::string>()),
                        PlainText(summary["name"].get<std::string>()),
                        PlainText(summary["schema_type"].get<std::string>()),
                        summary["mandatory"].get<bool>() ? " · required" : "");
    if (Json allowed = AllowedValues(field); !allowed.empty()) {
      std::vector<std::string> shown;
      for (const auto& value : allowed) {
        shown.push_back(value == "…" ? "…" : PlainText(value.get<std::string>()));
      }
      text += fmt::format(" · one of: {}", fmt::join(shown, ", "));
      summary["allowed"] = std::move(allowed);
    }
    fields.push_back(std::move(summary));
  }
  return mcp::ToolResult::Success(
      fmt::format("{} for issue type {}, the required ones marked", Count(fields.size(), "field"),
                  PlainText(shown_type)) +
          text,
      {{"issue_type_id", type_id}, {"fields", fields}});
}

// /field gives `custom`; /field/search does not, so a custom field is also known by its
// schema's `custom` key or its `customfield_` id.
bool IsCustomField(const Json& field) {
  if (auto custom = field.find("custom"); custom != field.end() && custom->is_boolean()) {
    return custom->get<bool>();
  }
  if (auto schema = field.find("schema");
      schema != field.end() && schema->is_object() && schema->contains("custom")) {
    return true;
  }
  return ValueOr(field, "id", "").starts_with("customfield_");
}

Json FieldSummary(const Json& field) {
  return {{"id", ValueOr(field, "id", "")},
          {"name", ValueOr(field, "name", "")},
          {"custom", IsCustomField(field)},
          {"schema_type", ValueOr(field.value("schema", Json::object()), "type", "")}};
}

// Fields found, and whether more than those match.
struct FoundFields {
  Json values = Json::array();
  bool more = false;
};

// /field/search (admins only), read on up to max_results: Jira may answer in smaller pages. A
// page that adds no field not seen (a startAt ignored) ends the reading; `total` stands in for a
// missing isLast. Errors keep Jira's code, so a caller can fall back on a refused first page.
core::Result<FoundFields> SearchFieldPages(JiraClient& client, const mcp::CallContext& context,
                                           const Json& arguments, const std::string& query,
                                           std::size_t max_results) {
  const auto page_path = [&](std::size_t start) {
    std::string path = fmt::format("/rest/api/3/field/search?startAt={}&maxResults={}", start,
                                   max_results - start);
    return query.empty() ? path : path + "&query=" + Encode(query);
  };
  FoundFields found;
  std::set<std::string> seen;
  while (true) {
    auto response =
        client.Call(context, Request("GET", page_path(found.values.size()), ReadWork(), arguments));
    if (!response.ok()) {
      return response.status().WithContext(
          found.values.empty() ? "Searching fields" : "Searching fields past the first page");
    }
    const Json& page = MemberOrNull(response->body, "values");
    std::size_t added = 0;
    bool past_max = false;  // Jira sent more than asked for
    for (const auto& field : page.is_array() ? page : Json::array()) {
      if (found.values.size() >= max_results) {
        past_max = true;
        break;
      }
      if (seen.insert(ValueOr(field, "id", "")).second) {
        found.values.push_back(field);
        ++added;
      }
    }
    const Json& last = MemberOrNull(response->body, "isLast");
    const Json& total = MemberOrNull(response->body, "total");
    found.more = past_max || last == false ||
                 (!last.is_boolean() && total.is_number_unsigned() &&
                  total.get<std::size_t>() > found.values.size());
    if (!found.more || added == 0 || found.values.size() >= max_results) {
      return found;
    }
  }
}

// /field, which every user may read, filtered here by name or id.
core::Result<FoundFields> FilterFieldList(JiraClient& client, const mcp::CallContext& context,
                                          const Json& arguments, const std::string& query,
                                          std::size_t max_results) {
  auto all = client.Call(context, Request("GET", "/rest/api/3/field", ReadWork(), arguments));
  if (!all.ok()) {
    return all.status().WithContext("Listing fields");
  }
  FoundFields found;
  for (const auto& field : all->body.is_array() ? all->body : Json::array()) {
    const bool match = field.is_object() &&
                       (query.empty() ||
                        Lower(ValueOr(field, "name", "")).find(Lower(query)) != std::string::npos ||
                        Lower(ValueOr(field, "id", "")).find(Lower(query)) != std::string::npos);
    if (match && found.values.size() < max_results) {
      found.values.push_back(field);
    } else if (match) {
      found.more = true;
    }
  }
  return found;
}

core::Result<mcp::ToolResult> SearchFields(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  const std::string query = StringArg(arguments, "query");
  const int max_results = ValueOr(arguments, "max_results", 50);
  const auto wanted = static_cast<std::size_t>(max_results);
  auto found = SearchFieldPages(client, context, arguments, query, wanted);
  if (!found.ok() && (found.status().code() == core::Code::kPermissionDenied ||
                      found.status().code() == core::Code::kNotFound)) {
    found = FilterFieldList(client, context, arguments, query, wanted);
  }
  if (!found.ok()) {
    return found.status();
  }
  const Json& values = found->values;
  const bool more = found->more;
  Json fields = Json::array();
  std::string text;
  for (const auto& field : values) {
    fields.push_back(FieldSummary(field));
    text += fmt::format("\n{} · {}", PlainText(fields.back()["id"].get<std::string>()),
                        PlainText(fields.back()["name"].get<std::string>()));
  }
  // No cursor: a narrower query finds the rest, as the list is for finding one field's id.
  const std::string head =
      Count(fields.size(), "field") +
      (!more ? ""
       : max_results >= 100
           ? " (more match: give a narrower query)"
           : " (more match: give a narrower query, or a larger max_results up to 100)");
  return mcp::ToolResult::Success(head + text, {{"fields", fields}, {"has_more", more}});
}

core::Result<mcp::ToolResult> ListPriorities(JiraClient& client, const Json& arguments,
                                             const mcp::CallContext& context) {
  // /priority/search wants manage:jira-configuration; the older /priority needs read only.
  auto response =
      client.Call(context, Request("GET", "/rest/api/3/priority", ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Listing priorities");
  }
  Json priorities = Json::array();
  std::string text;
  for (const auto& priority : response->body.is_array() ? response->body : Json::array()) {
    priorities.push_back(
        {{"id", ValueOr(priority, "id", "")}, {"name", ValueOr(priority, "name", "")}});
    text += "\n" + PlainText(priorities.back()["name"].get<std::string>());
  }
  return mcp::ToolResult::Success(Count(priorities.size(), "priority", "priorities") + text,
                                  {{"priorities", priorities}});
}

core::Result<mcp::ToolResult> ListStatuses(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  auto response = client.Call(
      context, Request("GET", fmt::format("/rest/api/3/project/{}/statuses", ProjectKey(arguments)),
                       ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Listing statuses");
  }
  Json types = Json::array();
  std::string text;
  for (const auto& type : response->body.is_array() ? response->body : Json::array()) {
    Json statuses = CompactValue(type.value("statuses", Json::array()));
    text +=
        fmt::format("\n{}: {}", PlainText(ValueOr(type, "name", "")), ValueText(statuses, 1000));
    types.push_back({{"issue_type", ValueOr(type, "name", "")}, {"statuses", statuses}});
  }
  return mcp::ToolResult::Success(fmt::format("Statuses by issue type") + text,
                                  {{"issue_types", types}});
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
  const auto read = [&client](std::string name, std::string title, std::string description,
                              ToolImpl impl) {
    return MakeTool({.name = std::move(name), .toolset = "projects", .http_methods = {"GET"}},
                    std::move(title), std::move(description), ReadOnly(), ReadWork(), client, impl);
  };
  tools.push_back(read("get_project", "Get project",
                       "A project's key, name, lead, issue types, components and versions.",
                       GetProject));
  tools.push_back(read("list_issue_types", "Issue types",
                       "Issue types you can create in a project.", ListIssueTypes));
  tools.push_back(read("get_create_fields", "Fields to create",
                       "Fields an issue type takes on create, required ones marked, with "
                       "allowed values.",
                       GetCreateFields));
  tools.push_back(read("search_fields", "Search fields",
                       "Find fields (custom ones too) by name; gives their ids.", SearchFields));
  tools.push_back(
      read("list_priorities", "Priorities", "The site's issue priorities.", ListPriorities));
  tools.push_back(
      read("list_statuses", "Statuses", "Statuses of a project by issue type.", ListStatuses));
  return tools;
}

}  // namespace tools
