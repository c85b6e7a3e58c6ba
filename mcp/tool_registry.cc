#include "mcp/tool_registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "mcp/schema_profile.h"

namespace mcp {
namespace {

bool IsValidName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

core::Status Invalid(const std::string& tool, const std::string& why) {
  return {core::Code::kInvalidArgument, fmt::format("tool '{}': {}", tool, why)};
}

}  // namespace

core::Status ToolRegistry::Add(ToolDefinition tool) {
  if (!IsValidName(tool.name)) {
    return Invalid(tool.name, "names are 1 to 64 characters of [a-z0-9_]");
  }
  if (Find(tool.name) != nullptr) {
    return Invalid(tool.name, "registered twice");
  }
  if (!tool.handler) {
    return Invalid(tool.name, "has no handler");
  }
  for (const Json* schema : {&tool.input_schema, &tool.output_schema}) {
    if (schema == &tool.output_schema && schema->is_null()) {
      continue;  // a tool without structured output declares no output schema
    }
    const auto problems = PortabilityProblems(*schema);
    if (!problems.empty()) {
      return Invalid(tool.name, "schema leaves the portable profile: " + problems.front());
    }
  }
  tools_.push_back(std::move(tool));
  return core::Status::Ok();
}

const ToolDefinition* ToolRegistry::Find(std::string_view name) const {
  const auto it = std::find_if(tools_.begin(), tools_.end(),
                               [name](const ToolDefinition& tool) { return tool.name == name; });
  return it == tools_.end() ? nullptr : &*it;
}

void ToolRegistry::AddWithheld(std::string name, std::string why) {
  withheld_.emplace_back(std::move(name), std::move(why));
}

const std::string* ToolRegistry::Withheld(std::string_view name) const {
  const auto it = std::find_if(withheld_.begin(), withheld_.end(),
                               [name](const auto& entry) { return entry.first == name; });
  return it == withheld_.end() ? nullptr : &it->second;
}

}  // namespace mcp
