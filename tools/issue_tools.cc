// Issue tools: get_issue, create_issue.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "tools/adf.h"
#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

std::vector<std::string> DefaultIssueFields() {
  return {"summary", "status",  "issuetype", "priority", "assignee",   "reporter",
          "labels",  "created", "updated",   "parent",   "description"};
}
constexpr std::size_t kIssueValueCap = 20000;

std::string IssuePath(const std::string& key, const std::vector<std::string>& fields) {
  return fmt::format("/rest/api/3/issue/{}?fields={}", Encode(key),
                     Encode(fmt::format("{}", fmt::join(fields, ","))));
}

std::string IssueText(const Json& issue, const std::string& url) {
  std::string text = fmt::format("{}", issue.value("key", ""));
  if (issue.contains("summary")) {
    text += " · " + ValueText(issue["summary"], 1000);
  }
  if (!url.empty()) {
    text += "\n" + url;
  }
  std::string long_values;
  for (const auto& [name, value] : issue.items()) {
    if (name == "id" || name == "key" || name == "summary") {
      continue;
    }
    if (value.is_string() && value.get_ref<const std::string&>().find('\n') != std::string::npos) {
      long_values += fmt::format("\n\n{}:\n{}", name, value.get<std::string>());
    } else {
      text += fmt::format("\n{}: {}", name, ValueText(value, 2000));
    }
  }
  return text + long_values;
}

core::Result<mcp::ToolResult> GetIssue(JiraClient& client, const Json& arguments,
                                       const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  std::vector<std::string> fields = StringListArg(arguments, "fields");
  if (fields.empty()) {
    fields = DefaultIssueFields();
  }
  auto response =
      client.Call(context, Request("GET", IssuePath(key, fields), ReadWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Reading " + key);
  }
  Json issue = FlattenIssue(response->body, fields);
  const bool truncated = CapStrings(issue, kIssueValueCap);
  std::string text =
      IssueText(issue, JiraClient::BrowseUrl(response->site, issue.value("key", key)));
  if (truncated) {
    text += "\n[long values were truncated]";
  }
  return mcp::ToolResult::Success(std::move(text), std::move(issue));
}

// Builds the `fields` of a create request from the named arguments and the raw `fields`.
core::Result<Json> CreateFields(const Json& arguments) {
  Json fields = arguments.value("fields", Json::object());
  Json named = {{"project", {{"key", StringArg(arguments, "project_key")}}},
                {"issuetype", {{"name", StringArg(arguments, "issue_type")}}},
                {"summary", StringArg(arguments, "summary")}};
  if (arguments.contains("description") && arguments.contains("description_adf")) {
    return core::Status(core::Code::kInvalidArgument,
                        "Give either `description` (markdown) or `description_adf`, not both.");
  }
  for (const char* name : {"description", "description_adf"}) {
    if (arguments.contains(name)) {
      auto adf = RichText(arguments[name], name);
      if (!adf.ok()) {
        return adf.status();
      }
      named["description"] = std::move(*adf);
    }
  }
  if (arguments.contains("labels")) {
    named["labels"] = arguments["labels"];
  }
  if (arguments.contains("priority")) {
    named["priority"] = {{"name", StringArg(arguments, "priority")}};
  }
  for (const auto& [name, value] : named.items()) {
    if (fields.contains(name)) {
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("`fields.{}` repeats a named argument; give it once.", name));
    }
    fields[name] = value;
  }
  return fields;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Compares what was sent with what Jira stored; one warning per field that did not land.
std::vector<std::string> CheckCreated(const Json& sent, const Json& stored) {
  std::vector<std::string> warnings;
  const Json fields = stored.value("fields", Json::object());
  if (fields.value("summary", Json()) != sent["summary"]) {
    warnings.push_back(
        fmt::format("summary reads back as {}", fields.value("summary", Json()).dump()));
  }
  const std::string type = CompactValue(fields.value("issuetype", Json())).is_string()
                               ? CompactValue(fields["issuetype"]).get<std::string>()
                               : std::string();
  if (Lower(type) != Lower(sent["issuetype"].value("name", ""))) {
    warnings.push_back(fmt::format("issue type reads back as '{}'", type));
  }
  if (sent.contains("labels")) {
    std::set<std::string> want;
    std::set<std::string> got;
    for (const auto& label : sent["labels"]) {
      want.insert(label.get<std::string>());
    }
    for (const auto& label : fields.value("labels", Json::array())) {
      got.insert(label.get<std::string>());
    }
    if (want != got) {
      warnings.push_back(fmt::format("labels read back as [{}]", fmt::join(got, ", ")));
    }
  }
  if (sent.contains("priority") && sent["priority"].contains("name")) {
    const Json priority = CompactValue(fields.value("priority", Json()));
    if (!priority.is_string() ||
        Lower(priority.get<std::string>()) != Lower(sent["priority"]["name"].get<std::string>())) {
      warnings.push_back(fmt::format("priority reads back as {}", priority.dump()));
    }
  }
  return warnings;
}

core::Result<mcp::ToolResult> CreateIssue(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  auto fields = CreateFields(arguments);
  if (!fields.ok()) {
    return fields.status();
  }
  JiraRequest request = Request("POST", "/rest/api/3/issue", WriteWork(), arguments);
  request.body = Json{{"fields", *fields}};
  auto created = client.Call(context, request);
  if (!created.ok()) {
    return created.status().WithContext("Creating the issue");
  }
  const std::string key = created->body.value("key", "");
  const std::string id = created->body.value("id", "");
  if (key.empty()) {
    return core::Status(core::Code::kUnavailable,
                        "Jira accepted the create request but answered without an issue key; "
                        "search for the summary before creating it again.");
  }

  // Writes are checked: read back what was asked for.
  std::vector<std::string> warnings;
  auto stored = client.Call(
      context, Request("GET", IssuePath(key, {"summary", "issuetype", "labels", "priority"}),
                       WriteWork(), arguments));
  if (stored.ok()) {
    warnings = CheckCreated(*fields, stored->body);
  } else {
    warnings.push_back("could not read the issue back: " + stored.status().message());
  }

  const std::string url = JiraClient::BrowseUrl(created->site, key);
  Json structured = {{"id", id}, {"key", key}, {"url", url}};
  std::string text = fmt::format("Created {} {}", key, url);
  if (!warnings.empty()) {
    structured["warnings"] = warnings;
    text += fmt::format("\nDid not land as asked: {}", fmt::join(warnings, "; "));
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

}  // namespace

std::vector<JiraTool> IssueTools(const std::shared_ptr<JiraClient>& client) {
  std::vector<JiraTool> tools;
  tools.push_back({
      .info = {.name = "get_issue", .toolset = "issues", .http_methods = {"GET"}},
      .title = "Get issue",
      .description = "One issue by key or id with the fields asked for.",
      .annotations = ReadOnly(),
      .scopes = ReadWork(),
      .handler =
          [client](const Json& arguments, const mcp::CallContext& context) {
            return GetIssue(*client, arguments, context);
          },
  });
  tools.push_back({
      .info = {.name = "create_issue",
               .toolset = "issues",
               .http_methods = {"POST", "GET"},
               .writes = true},
      .title = "Create issue",
      .description = "Create an issue; description is markdown (or description_adf as ADF). "
                     "Reads it back and reports fields that did not land.",
      .annotations = Additive(),
      .scopes = WriteWork(),
      .handler =
          [client](const Json& arguments, const mcp::CallContext& context) {
            return CreateIssue(*client, arguments, context);
          },
  });
  return tools;
}

}  // namespace tools
