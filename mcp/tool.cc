#include "mcp/tool.h"

namespace mcp {

ToolResult ToolResult::Success(std::string text, Json structured) {
  ToolResult result;
  result.content.push_back({{"type", "text"}, {"text", std::move(text)}});
  result.structured = std::move(structured);
  return result;
}

ToolResult ToolResult::Error(std::string text) {
  ToolResult result;
  result.content.push_back({{"type", "text"}, {"text", std::move(text)}});
  result.is_error = true;
  return result;
}

ToolResult ToolResult::FromStatus(const core::Status& status) { return Error(status.message()); }

}  // namespace mcp
