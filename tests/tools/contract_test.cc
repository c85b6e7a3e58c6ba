// Every request the tools send, checked against Atlassian's OpenAPI documents (platform v3 and
// Agile): the path matches a documented template, the method exists there, every query
// parameter is declared, and a JSON body names only declared properties (where the schema is
// closed) and all required ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

Json LoadSpec(const std::string& name) {
  std::ifstream file(std::string(JIRA_MCP_SHARED_DIR) + "/jira-openapi/" + name);
  std::stringstream text;
  text << file.rdbuf();
  return Json::parse(text.str(), nullptr, false);
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream stream(path);
  std::string segment;
  while (std::getline(stream, segment, '/')) {
    if (!segment.empty()) {
      out.push_back(segment);
    }
  }
  return out;
}

struct Operation {
  const Json* spec = nullptr;
  const Json* path_item = nullptr;
  std::string template_path;
};

// The documented path template matching `path`, preferring the most literal segments.
Operation FindOperation(const std::vector<const Json*>& specs, const std::string& path) {
  const auto wanted = Segments(path);
  Operation best;
  int best_literals = -1;
  for (const Json* spec : specs) {
    for (const auto& [template_path, item] : (*spec)["paths"].items()) {
      const auto segments = Segments(template_path);
      if (segments.size() != wanted.size()) {
        continue;
      }
      int literals = 0;
      bool match = true;
      for (std::size_t i = 0; i < segments.size() && match; ++i) {
        if (segments[i].front() == '{') {
          continue;
        }
        match = segments[i] == wanted[i];
        ++literals;
      }
      if (match && literals > best_literals) {
        best = {spec, &item, template_path};
        best_literals = literals;
      }
    }
  }
  return best;
}

const Json& Resolve(const Json& spec, const Json& schema) {
  if (schema.contains("$ref")) {
    const std::string name = schema["$ref"].get<std::string>().substr(21);  // #/components/schemas/
    return spec["components"]["schemas"][name];
  }
  return schema;
}

void CheckRequest(const std::vector<const Json*>& specs, const std::string& tool,
                  const core::HttpRequest& request) {
  const std::string prefix = std::string(kJira);
  ASSERT_EQ(request.url.rfind(prefix, 0), 0U) << request.url;
  const std::string rest = request.url.substr(prefix.size());
  const std::string path = rest.substr(0, rest.find('?'));
  const Operation operation = FindOperation(specs, path);
  ASSERT_NE(operation.path_item, nullptr) << tool << ": undocumented path " << path;
  std::string method = request.method;
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ASSERT_TRUE(operation.path_item->contains(method))
      << tool << ": " << request.method << " is not documented for " << operation.template_path;
  const Json& op = (*operation.path_item)[method];
  const Json& spec = *operation.spec;

  std::set<std::string> declared;
  for (const Json* parameters : {&op, operation.path_item}) {
    for (const auto& parameter : parameters->value("parameters", Json::array())) {
      const Json& resolved = Resolve(spec, parameter);
      if (resolved.value("in", "") == "query") {
        declared.insert(resolved["name"].get<std::string>());
      }
    }
  }
  if (rest.find('?') != std::string::npos) {
    std::stringstream query(rest.substr(rest.find('?') + 1));
    std::string pair;
    while (std::getline(query, pair, '&')) {
      const std::string name = pair.substr(0, pair.find('='));
      EXPECT_TRUE(declared.count(name) == 1)
          << tool << ": query parameter '" << name << "' is not documented for "
          << operation.template_path;
    }
  }

  if (request.content_type != "application/json") {
    return;
  }
  const Json body_schema = op.value("requestBody", Json::object())
                               .value("content", Json::object())
                               .value("application/json", Json::object())
                               .value("schema", Json::object());
  const Json& schema = Resolve(spec, body_schema);
  const Json body = Json::parse(request.body);
  const Json properties = schema.value("properties", Json::object());
  if (schema.value("additionalProperties", true) == false) {
    for (const auto& [name, unused] : body.items()) {
      EXPECT_TRUE(properties.contains(name))
          << tool << ": body property '" << name << "' is not documented for "
          << operation.template_path;
    }
  }
  for (const auto& name : schema.value("required", Json::array())) {
    EXPECT_TRUE(body.contains(name.get<std::string>()))
        << tool << ": body lacks required '" << name.get<std::string>() << "' for "
        << operation.template_path;
  }
}

Json Sample(const std::string& name, const Json& schema) {
  const std::string type = schema.value("type", "string");
  if (type == "integer" || type == "number") {
    return schema.value("minimum", 1);
  }
  if (type == "boolean") {
    return true;
  }
  if (type == "array") {
    return Json::array({Sample(name, schema["items"])});
  }
  if (type == "object") {
    Json object = Json::object();
    const Json properties = schema.value("properties", Json::object());
    for (const auto& [field, sub] : properties.items()) {
      if (field != "site" && field != "cursor" && field != "description_adf" &&
          field != "body_adf" && field != "unassign" && field != "visible_to_group") {
        object[field] = Sample(field, sub);
      }
    }
    return object;
  }
  if (schema.contains("enum")) {
    return schema["enum"][0];
  }
  if (name == "content_base64") {
    return "aGVsbG8=";
  }
  if (name.find("jql") != std::string::npos) {
    return "project = A";
  }
  if (name == "transition") {
    return "31";
  }
  // Identifiers in the shapes Jira gives them (other values are refused before any request).
  if (name == "project_key") {
    return "A";
  }
  if (name.ends_with("_id")) {
    return "10001";
  }
  return "A-1";
}

// Each tool is called with every optional argument filled in, against a fake that answers
// every request with an empty object, and each request it sends is checked.
TEST(JiraToolRequests, FollowAtlassiansOpenApiContract) {
  const Json platform = LoadSpec("swagger-v3.v3.json");
  const Json agile = LoadSpec("software-swagger.v3.json");
  ASSERT_TRUE(platform.is_object() && agile.is_object()) << "OpenAPI documents not found";
  const std::vector<const Json*> specs = {&platform, &agile};

  std::size_t checked = 0;
  for (const auto& info : DescribeJiraTools()) {
    ToolHarness harness({.tools = {info.name}});
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
      harness.env.http->OnJson(method, std::string(kBase) + "/ex/jira/", 200, "{}");
    }
    // Answers that let the tools go on to their follow-up requests (lookups, read-backs).
    const std::string api = std::string(kJira) + "/rest/api/3";
    harness.env.http->OnJson("POST", api + "/issue", 201, R"({"id":"1","key":"A-1"})");
    harness.env.http->OnJson("POST", api + "/issue/bulk", 201, R"({"issues":[{"key":"A-1"}]})");
    harness.env.http->OnJson("GET", api + "/issueLinkType", 200,
                             R"({"issueLinkTypes":[{"name":"Blocks","inward":"is blocked by",
                                 "outward":"blocks"}]})");
    harness.env.http->OnJson("GET", api + "/issue/createmeta/A/issuetypes?", 200,
                             R"({"issueTypes":[{"id":"1","name":"A-1"}]})");
    harness.env.http->OnJson("GET", api + "/user/search", 200,
                             R"([{"accountId":"5b10ac8d82e05b22cc7d4ef5","displayName":"A-1"}])");
    harness.env.http->OnJson("GET", api + "/attachment/10001", 200,
                             R"({"filename":"a.txt","mimeType":"text/plain","size":1})");
    harness.env.http->OnJson("POST", api + "/issue/A-1/attachments", 200, R"([{"id":"1"}])");
    Json arguments = Sample("", harness.registry.Find(info.name)->input_schema);
    if (info.name == "list_assignable_users") {
      arguments.erase("issue_key");  // one of project_key and issue_key
    }
    if (arguments.contains("assignee")) {
      arguments["assignee"] = "A-1";  // a name: resolved through user search
    }

    static_cast<void>(harness.Call(info.name, arguments));

    const auto requests = harness.env.http->RequestsTo("/ex/jira/");
    for (const auto& request : requests) {
      CheckRequest(specs, info.name, request);
      ++checked;
    }
    RecordProperty(info.name, static_cast<int>(requests.size()));
    // Every exchange asks for exactly the scopes the tool declares (DESIGN.md §3).
    for (const auto& scopes : harness.env.broker->scope_requests()) {
      EXPECT_EQ(scopes, harness.registry.Find(info.name)->scopes) << info.name;
    }
  }
  // Every tool's first request, and the follow-ups of the writes and lookups.
  EXPECT_GE(checked, 50U);
}

}  // namespace
}  // namespace tools
