// ToolRegistry: the one list of tools a server exposes, in registration order.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "mcp/tool.h"

namespace mcp {

class ToolRegistry {
 public:
  // Adds a tool. Fails (kInvalidArgument, naming the problem) on a duplicate or malformed name,
  // a missing handler, or a schema outside the portable profile (see schema_profile.h). A null
  // output schema is allowed: the tool then returns no structuredContent.
  core::Status Add(ToolDefinition tool);

  // nullptr when no tool has that name.
  const ToolDefinition* Find(std::string_view name) const;

  const std::vector<ToolDefinition>& tools() const { return tools_; }

  // A tool this server knows but does not expose, and why (what setting would expose it): a
  // call to it is told so instead of only "unknown tool".
  void AddWithheld(std::string name, std::string why);
  // nullptr when `name` is not a withheld tool.
  const std::string* Withheld(std::string_view name) const;

 private:
  std::vector<ToolDefinition> tools_;
  std::vector<std::pair<std::string, std::string>> withheld_;
};

}  // namespace mcp
