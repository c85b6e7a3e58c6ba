// ToolRegistry: the one list of tools a server exposes, in registration order.
#pragma once

#include <string_view>
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

 private:
  std::vector<ToolDefinition> tools_;
};

}  // namespace mcp
