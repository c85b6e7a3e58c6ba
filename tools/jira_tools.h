// The Jira tools and the choice of which of them a server exposes.
//
// Tools come in toolsets (see JiraToolsets()). A ToolSelection picks them:
//   toolsets   names of toolsets; empty means DefaultToolsets(); "all" means every toolset.
//   tools      an allow-list of tool names; when non-empty only these are exposed. With no
//              toolsets given they may come from any toolset; with toolsets given each must
//              belong to one of them.
//   read_only  removes every tool that writes to Jira.
// An unknown toolset or tool name, a listed tool outside the chosen toolsets, or a listed write
// tool in read-only mode is a kInvalidArgument error naming it (reported at start).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "mcp/tool_registry.h"
#include "tools/jira_client.h"

namespace tools {

struct ToolSelection {
  std::vector<std::string> toolsets;
  std::vector<std::string> tools;
  bool read_only = false;
};

// What the registry and the tests need to know about a tool beyond its ToolDefinition.
struct JiraToolInfo {
  std::string name;
  std::string toolset;
  // The HTTP methods the tool sends to Jira (annotations must agree with them).
  std::vector<std::string> http_methods;
  bool writes = false;
};

std::vector<std::string> JiraToolsets();
std::vector<std::string> DefaultToolsets();
// Every Jira tool, in registration order.
std::vector<JiraToolInfo> DescribeJiraTools();

// Adds the selected tools to `registry`, each calling Jira through `client`. Fails on a bad
// selection (see above) or if a tool's embedded schema does not parse or leaves the profile.
core::Status RegisterJiraTools(mcp::ToolRegistry& registry,
                               const std::shared_ptr<JiraClient>& client,
                               const ToolSelection& selection);

}  // namespace tools
