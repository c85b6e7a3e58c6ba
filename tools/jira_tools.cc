#include "tools/jira_tools.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "tools/tool_support.h"

namespace tools {
namespace {

std::vector<std::string> AllToolsets() {
  return {"sites",    "search", "issues", "workflow", "comments",
          "worklogs", "links",  "agile",  "projects", "attachments"};
}
// The everyday work; sites, worklogs, links, agile and attachments are opt-in to keep
// tools/list small.
std::vector<std::string> DefaultSets() {
  return {"search", "issues", "workflow", "comments", "projects"};
}

std::vector<JiraTool> AllTools(const std::shared_ptr<JiraClient>& client) {
  std::vector<JiraTool> all;
  for (auto group : {SiteTools(client), SearchTools(client), IssueTools(client),
                     WorkflowTools(client), CommentTools(client), LinkTools(client),
                     AgileTools(client), ProjectTools(client), AttachmentTools(client)}) {
    for (auto& tool : group) {
      all.push_back(std::move(tool));
    }
  }
  return all;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

core::Status Invalid(std::string message) {
  return {core::Code::kInvalidArgument, std::move(message)};
}

// The toolsets the selection names, checked; the defaults when it names none.
core::Result<std::vector<std::string>> ChosenToolsets(const ToolSelection& selection) {
  if (selection.toolsets.empty()) {
    return selection.tools.empty() ? DefaultSets() : AllToolsets();
  }
  // Every name is checked, also after "all": a misspelt name is refused wherever it stands.
  bool all = false;
  std::vector<std::string> chosen;
  for (const auto& name : selection.toolsets) {
    if (name == "all") {
      all = true;
      continue;
    }
    if (name == "default") {
      const auto defaults = DefaultSets();
      chosen.insert(chosen.end(), defaults.begin(), defaults.end());
      continue;
    }
    if (!Contains(AllToolsets(), name)) {
      return Invalid(fmt::format("unknown toolset '{}' (known: {}, all, default)", name,
                                 fmt::join(AllToolsets(), ", ")));
    }
    chosen.push_back(name);
  }
  return all ? AllToolsets() : chosen;
}

core::Status CheckAllowList(const ToolSelection& selection, const std::vector<JiraTool>& all,
                            const std::vector<std::string>& toolsets) {
  for (const auto& name : selection.tools) {
    const auto it = std::find_if(all.begin(), all.end(),
                                 [&name](const JiraTool& tool) { return tool.info.name == name; });
    if (it == all.end()) {
      return Invalid(
          fmt::format("unknown tool '{}' in the tool allow-list (JIRA_MCP_TOOLS or "
                      "--tools); with JIRA_MCP_TOOLSETS=all, tools/list names every tool",
                      name));
    }
    if (!Contains(toolsets, it->info.toolset)) {
      return Invalid(
          fmt::format("tool '{}' belongs to toolset '{}', which is not selected; add the "
                      "toolset to JIRA_MCP_TOOLSETS (--toolsets) or drop the tool from "
                      "JIRA_MCP_TOOLS (--tools)",
                      name, it->info.toolset));
    }
    if (selection.read_only && it->info.writes) {
      return Invalid(
          fmt::format("tool '{}' writes to Jira, but read-only mode is on; drop it from "
                      "JIRA_MCP_TOOLS (--tools) or turn read-only off",
                      name));
    }
  }
  return core::Status::Ok();
}

}  // namespace

std::vector<std::string> JiraToolsets() { return AllToolsets(); }
std::vector<std::string> DefaultToolsets() { return DefaultSets(); }

std::vector<JiraToolInfo> DescribeJiraTools() {
  std::vector<JiraToolInfo> out;
  for (const auto& tool : AllTools(nullptr)) {
    out.push_back(tool.info);
  }
  return out;
}

core::Status RegisterJiraTools(mcp::ToolRegistry& registry,
                               const std::shared_ptr<JiraClient>& client,
                               const ToolSelection& selection) {
  auto toolsets = ChosenToolsets(selection);
  if (!toolsets.ok()) {
    return toolsets.status();
  }
  const std::vector<JiraTool> all = AllTools(client);
  if (auto status = CheckAllowList(selection, all, *toolsets); !status.ok()) {
    return status;
  }
  for (const auto& tool : all) {
    // Every reason it is left out: fixing one setting alone may not expose it.
    std::vector<std::string> reasons;
    if (!Contains(*toolsets, tool.info.toolset)) {
      reasons.push_back(
          fmt::format("it is in the '{}' toolset, which is not enabled "
                      "(JIRA_MCP_TOOLSETS or --toolsets adds it)",
                      tool.info.toolset));
    }
    if (selection.read_only && tool.info.writes) {
      reasons.emplace_back("it writes to Jira, and the server is read-only");
    }
    if (!selection.tools.empty() && !Contains(selection.tools, tool.info.name)) {
      reasons.emplace_back("it is not in the server's tool allow-list (JIRA_MCP_TOOLS or --tools)");
    }
    if (!reasons.empty()) {
      registry.AddWithheld(tool.info.name, fmt::format("{}", fmt::join(reasons, "; and ")));
      continue;
    }
    auto definition = Define(tool);
    if (!definition.ok()) {
      return definition.status();
    }
    if (auto status = registry.Add(std::move(*definition)); !status.ok()) {
      return status;
    }
  }
  return core::Status::Ok();
}

}  // namespace tools
