#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "mcp/schema_profile.h"
#include "mcp/server.h"
#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> Names(const mcp::ToolRegistry& registry) {
  std::vector<std::string> names;
  for (const auto& tool : registry.tools()) {
    names.push_back(tool.name);
  }
  return names;
}

core::Status Register(const ToolSelection& selection, mcp::ToolRegistry& registry) {
  JiraEnv env;
  return RegisterJiraTools(registry, env.client, selection);
}

bool Has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(RegisterJiraTools, TheDefaultToolsetsHoldTheFirstFourTools) {
  mcp::ToolRegistry registry;

  ASSERT_TRUE(Register({}, registry).ok());

  const auto names = Names(registry);
  for (const char* name : {"search_issues", "get_issue", "create_issue", "list_projects"}) {
    EXPECT_TRUE(Has(names, name)) << name;
  }
}

TEST(RegisterJiraTools, ReadOnlyRemovesEveryWriteTool) {
  mcp::ToolRegistry registry;

  ASSERT_TRUE(Register({.toolsets = {"all"}, .read_only = true}, registry).ok());

  ASSERT_FALSE(registry.tools().empty());
  for (const auto& tool : registry.tools()) {
    EXPECT_TRUE(tool.annotations.read_only) << tool.name;
  }
  EXPECT_EQ(registry.Find("create_issue"), nullptr);
}

TEST(RegisterJiraTools, AnAllowListExposesExactlyTheListedTools) {
  mcp::ToolRegistry registry;

  ASSERT_TRUE(Register({.tools = {"get_issue", "list_projects"}}, registry).ok());

  EXPECT_EQ(Names(registry), (std::vector<std::string>{"get_issue", "list_projects"}));
}

// A tool left out is known as withheld, with the setting that would expose it.
TEST(RegisterJiraTools, ToolsLeftOutSayWhichSettingWouldExposeThem) {
  mcp::ToolRegistry by_toolset;
  mcp::ToolRegistry read_only;
  mcp::ToolRegistry allow_list;

  ASSERT_TRUE(Register({}, by_toolset).ok());
  ASSERT_TRUE(Register({.read_only = true}, read_only).ok());
  ASSERT_TRUE(Register({.tools = {"get_issue"}}, allow_list).ok());

  ASSERT_NE(by_toolset.Withheld("get_current_user"), nullptr);
  EXPECT_THAT(*by_toolset.Withheld("get_current_user"), HasSubstr("'sites' toolset"));
  EXPECT_EQ(by_toolset.Withheld("get_issue"), nullptr);
  ASSERT_NE(read_only.Withheld("create_issue"), nullptr);
  EXPECT_THAT(*read_only.Withheld("create_issue"), HasSubstr("read-only"));
  ASSERT_NE(allow_list.Withheld("search_issues"), nullptr);
  EXPECT_THAT(*allow_list.Withheld("search_issues"), HasSubstr("allow-list"));
  EXPECT_EQ(allow_list.Withheld("drop_database"), nullptr);
  // Left out for two reasons, it names both.
  mcp::ToolRegistry both;
  ASSERT_TRUE(Register({.toolsets = {"search"}, .read_only = true}, both).ok());
  ASSERT_NE(both.Withheld("create_issue"), nullptr);
  EXPECT_THAT(*both.Withheld("create_issue"), HasSubstr("'issues' toolset"));
  EXPECT_THAT(*both.Withheld("create_issue"), HasSubstr("; and it writes to Jira"));
}

TEST(RegisterJiraTools, UnknownOrContradictoryNamesAreErrors) {
  const std::vector<std::pair<ToolSelection, std::string>> cases = {
      {{.toolsets = {"nope"}}, "unknown toolset 'nope'"},
      {{.toolsets = {"all", "nope"}}, "unknown toolset 'nope'"},
      {{.tools = {"drop_database"}}, "unknown tool 'drop_database'"},
      {{.toolsets = {"projects"}, .tools = {"get_issue"}}, "not selected"},
      {{.tools = {"create_issue"}, .read_only = true}, "read-only"},
  };
  for (const auto& [selection, says] : cases) {
    mcp::ToolRegistry registry;
    const auto status = Register(selection, registry);
    EXPECT_EQ(status.code(), core::Code::kInvalidArgument) << says;
    EXPECT_THAT(status.message(), HasSubstr(says));
  }
}

TEST(RegisterJiraTools, EveryToolDeclaresScopesAndATerseDescription) {
  mcp::ToolRegistry registry;
  ASSERT_TRUE(Register({.toolsets = {"all"}}, registry).ok());

  // The classic Jira scopes, and for the Agile API the Jira Software scopes it documents.
  const std::set<std::string> known = {"read:jira-work",
                                       "write:jira-work",
                                       "read:jira-user",
                                       "read:board-scope:jira-software",
                                       "write:board-scope:jira-software",
                                       "read:sprint:jira-software",
                                       "write:sprint:jira-software",
                                       "read:project:jira",
                                       "read:issue-details:jira",
                                       "read:jql:jira"};
  for (const auto& tool : registry.tools()) {
    EXPECT_FALSE(tool.scopes.empty()) << tool.name;
    for (const auto& scope : tool.scopes) {
      EXPECT_TRUE(known.count(scope) == 1) << tool.name << ": " << scope;
    }
    const bool writes = std::any_of(tool.scopes.begin(), tool.scopes.end(),
                                    [](const auto& s) { return s.rfind("write:", 0) == 0; });
    EXPECT_EQ(writes, !tool.annotations.read_only) << tool.name;
    EXPECT_LE(tool.description.size(), 160U) << tool.name;
    EXPECT_FALSE(tool.title.empty()) << tool.name;
  }
}

// C10: every schema in the portable profile.
TEST(JiraToolSchemas, AllStayInThePortableProfile) {
  mcp::ToolRegistry registry;
  ASSERT_TRUE(Register({.toolsets = {"all"}}, registry).ok());

  ASSERT_EQ(registry.tools().size(), DescribeJiraTools().size());
  for (const auto& tool : registry.tools()) {
    EXPECT_EQ(mcp::PortabilityProblems(tool.input_schema), std::vector<std::string>{}) << tool.name;
    EXPECT_EQ(mcp::PortabilityProblems(tool.output_schema), std::vector<std::string>{})
        << tool.name;
    EXPECT_EQ(tool.input_schema.value("additionalProperties", true), false) << tool.name;
  }
}

// C10: annotations agree with the HTTP methods each tool declares.
TEST(JiraToolAnnotations, AgreeWithTheDeclaredHttpMethods) {
  mcp::ToolRegistry registry;
  ASSERT_TRUE(Register({.toolsets = {"all"}}, registry).ok());

  for (const auto& info : DescribeJiraTools()) {
    const mcp::ToolDefinition* tool = registry.Find(info.name);
    ASSERT_NE(tool, nullptr) << info.name;
    const auto& methods = info.http_methods;
    auto uses = [&methods](const char* method) {
      return std::find(methods.begin(), methods.end(), method) != methods.end();
    };
    EXPECT_FALSE(methods.empty()) << info.name;
    EXPECT_EQ(tool->annotations.read_only, !info.writes) << info.name;
    if (tool->annotations.read_only) {
      EXPECT_FALSE(uses("PUT") || uses("DELETE")) << info.name;
      EXPECT_FALSE(tool->annotations.destructive) << info.name;
    }
    // MCP: a tool that is not destructive "performs only additive updates". A PUT overwrites, a
    // DELETE removes, and these POSTs move an issue (out of a sprint, to another status).
    const std::set<std::string> moving_posts = {"move_issues", "transition_issue"};
    EXPECT_EQ(tool->annotations.destructive,
              info.writes && (uses("PUT") || uses("DELETE") || moving_posts.count(info.name) > 0))
        << info.name;
    // A POST write is not idempotent, except where the POST sets state: moving issues to a
    // sprint or the backlog twice leaves them where the first call put them.
    const std::set<std::string> idempotent_posts = {"move_issues"};
    if (info.writes && uses("POST") && !uses("PUT") && !uses("DELETE") &&
        idempotent_posts.count(info.name) == 0) {
      EXPECT_FALSE(tool->annotations.idempotent) << info.name << ": a POST write is not";
    }
    EXPECT_TRUE(tool->annotations.open_world) << info.name;
  }
}

Json Sample(const std::string& name, const Json& schema) {
  const std::string type = schema.value("type", "string");
  if (type == "integer" || type == "number") {
    return schema.value("minimum", 1);
  }
  if (type == "boolean") {
    return false;
  }
  if (type == "array") {
    return Json::array({Sample(name, schema["items"])});
  }
  if (type == "object") {
    Json object = Json::object();
    for (const auto& required : schema.value("required", Json::array())) {
      const std::string field = required.get<std::string>();
      object[field] = Sample(field, schema["properties"][field]);
    }
    return object;
  }
  if (schema.contains("enum")) {
    return schema["enum"][0];
  }
  if (name == "project_key") {
    return "A";
  }
  if (name.ends_with("_id")) {
    return "10001";  // comments, attachments and links have numeric ids
  }
  return name.find("jql") != std::string::npos ? "project = A" : "A-1";
}

// C10, checked by behaviour: what each tool really sends stays within what it declares, and a
// read-only tool never writes.
TEST(JiraToolAnnotations, WhatEachToolSendsMatchesWhatItDeclares) {
  for (const auto& info : DescribeJiraTools()) {
    ToolHarness harness({.tools = {info.name}});
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
      harness.env.http->OnJson(method, std::string(kBase) + "/ex/jira/", 200, "{}");
    }
    const mcp::ToolDefinition* tool = harness.registry.Find(info.name);
    Json arguments = Sample("", tool->input_schema);
    // Tools whose arguments need one of several optional ones.
    const Json extra = {{"list_assignable_users", {{"project_key", "A"}}},
                        {"update_issue", {{"summary", "s"}}},
                        {"assign_issue", {{"unassign", true}}},
                        {"add_comment", {{"body", "b"}}},
                        {"edit_comment", {{"body", "b"}}},
                        {"upload_attachment", {{"content_base64", "eA=="}}}};
    if (extra.contains(info.name)) {
      arguments.update(extra[info.name]);
    }

    static_cast<void>(harness.Call(info.name, arguments));

    const auto requests = harness.env.http->requests();
    EXPECT_GT(requests.size(), 0U) << info.name;
    for (const auto& request : requests) {
      if (request.url.find("/oauth/token/accessible-resources") != std::string::npos) {
        continue;  // site resolution, shared by every tool
      }
      EXPECT_TRUE(std::find(info.http_methods.begin(), info.http_methods.end(), request.method) !=
                  info.http_methods.end())
          << info.name << " sent " << request.method << " " << request.url;
      if (tool->annotations.read_only && request.method == "POST") {
        EXPECT_TRUE(request.url.find("/search/") != std::string::npos ||
                    request.url.find("/jql/") != std::string::npos)
            << info.name << " is read-only but posted to " << request.url;
      }
    }
  }
}

// The size an MCP client sees in tools/list for these tools.
std::size_t ToolListBytes(const mcp::ToolRegistry& registry) {
  Json tools = Json::array();
  for (const auto& tool : registry.tools()) {
    tools.push_back(mcp::ToolToJson(tool));
  }
  return Json{{"tools", tools}}.dump().size();
}

TEST(JiraToolList, StaysSmallForTheDefaultToolsets) {
  mcp::ToolRegistry registry;
  ASSERT_TRUE(Register({}, registry).ok());

  const std::size_t bytes = ToolListBytes(registry);
  RecordProperty("default_tools", static_cast<int>(registry.tools().size()));
  RecordProperty("default_tool_list_bytes", static_cast<int>(bytes));

  // TODO(#6): issue #6 targets 6 kB with at least 15 tools. Each tool carries the input and the
  // output schema the tool contract asks for (DESIGN.md §5), about 530 bytes of the 730 a tool
  // takes; the annotations already send only what differs from MCP's defaults. This bound keeps
  // the list from growing unnoticed.
  EXPECT_LE(bytes, 17U * 1024) << registry.tools().size() << " tools";
}

}  // namespace
}  // namespace tools
