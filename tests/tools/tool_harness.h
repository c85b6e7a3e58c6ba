// Calls registered Jira tools the way the MCP layer does: arguments validated against the input
// schema first, then the handler. Every result is checked against C27: a success carries
// structuredContent that validates against the output schema; an error carries none.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "mcp/schema_profile.h"
#include "mcp/tool_registry.h"
#include "tests/tools/jira_test_env.h"
#include "tools/jira_tools.h"

namespace tools {

struct ToolHarness {
  JiraEnv env;
  mcp::ToolRegistry registry;

  // `two_sites`: accessible-resources answers "beta" and "acme" (JiraEnv::TwoSites), so calls
  // must name their site; else the one site "acme".
  explicit ToolHarness(const ToolSelection& selection = {.toolsets = {"all"}},
                       JiraClientOptions options = {}, bool two_sites = false)
      : env(std::move(options)) {
    if (two_sites) {
      env.TwoSites();
    } else {
      env.OneSite();
    }
    const auto status = RegisterJiraTools(registry, env.client, selection);
    EXPECT_TRUE(status.ok()) << status.message();
  }

  mcp::ToolResult Call(const std::string& name, const Json& arguments,
                       const mcp::CallContext& context = Context()) {
    const mcp::ToolDefinition* tool = registry.Find(name);
    if (tool == nullptr) {
      ADD_FAILURE() << "no tool " << name;
      return mcp::ToolResult::Error("no tool");
    }
    if (auto status = mcp::ValidateArguments(tool->input_schema, arguments); !status.ok()) {
      return mcp::ToolResult::FromStatus(status);
    }
    mcp::ToolResult result = tool->handler(arguments, context);
    CheckStructured(*tool, result);
    return result;
  }

  static void CheckStructured(const mcp::ToolDefinition& tool, const mcp::ToolResult& result) {
    if (result.is_error) {
      EXPECT_FALSE(result.structured.has_value()) << tool.name << ": an error has no structure";
      return;
    }
    ASSERT_TRUE(result.structured.has_value()) << tool.name;
    const Json& structured = result.structured.value();
    const auto status = mcp::ValidateArguments(tool.output_schema, structured);
    EXPECT_TRUE(status.ok()) << tool.name << " output: " << status.message() << "\n"
                             << structured.dump(2);
  }

  // The structured content of a result (a null Json, and a test failure, when there is none).
  static const Json& Structured(const mcp::ToolResult& result) {
    static const Json none;
    if (!result.structured.has_value()) {
      ADD_FAILURE() << "the result has no structured content";
      return none;
    }
    return result.structured.value();
  }

  static std::string TextOf(const mcp::ToolResult& result) {
    std::string text;
    for (const auto& block : result.content) {
      text += block.value("text", "");
    }
    return text;
  }
};

}  // namespace tools
