#include "mcp/prompt.h"

#include <algorithm>

namespace mcp {
namespace {

core::Status Invalid(const std::string& prompt, const std::string& why) {
  return {core::Code::kInvalidArgument, "prompt '" + prompt + "': " + why};
}

Json ArgumentToJson(const PromptArgument& argument) {
  Json out = {{"name", argument.name}, {"required", argument.required}};
  if (!argument.title.empty()) {
    out["title"] = argument.title;
  }
  if (!argument.description.empty()) {
    out["description"] = argument.description;
  }
  return out;
}

}  // namespace

PromptResult& PromptResult::Add(std::string role, Json content) {
  messages.push_back({{"role", std::move(role)}, {"content", std::move(content)}});
  return *this;
}

core::Status PromptRegistry::Add(PromptDefinition prompt) {
  if (prompt.name.empty()) {
    return Invalid(prompt.name, "needs a name");
  }
  if (Find(prompt.name) != nullptr) {
    return Invalid(prompt.name, "registered twice");
  }
  if (!prompt.handler) {
    return Invalid(prompt.name, "has no handler");
  }
  for (const PromptArgument& argument : prompt.arguments) {
    if (argument.name.empty()) {
      return Invalid(prompt.name, "every argument needs a name");
    }
  }
  prompts_.push_back(std::move(prompt));
  return core::Status::Ok();
}

const PromptDefinition* PromptRegistry::Find(std::string_view name) const {
  const auto it = std::find_if(prompts_.begin(), prompts_.end(),
                               [name](const PromptDefinition& p) { return p.name == name; });
  return it == prompts_.end() ? nullptr : &*it;
}

bool PromptRegistry::HasCompletions() const {
  return std::any_of(prompts_.begin(), prompts_.end(), [](const PromptDefinition& prompt) {
    return std::any_of(
        prompt.arguments.begin(), prompt.arguments.end(),
        [](const PromptArgument& argument) { return static_cast<bool>(argument.complete); });
  });
}

Json PromptToJson(const PromptDefinition& prompt) {
  Json out = {{"name", prompt.name}};
  if (!prompt.title.empty()) {
    out["title"] = prompt.title;
  }
  if (!prompt.description.empty()) {
    out["description"] = prompt.description;
  }
  if (!prompt.arguments.empty()) {
    Json arguments = Json::array();
    for (const PromptArgument& argument : prompt.arguments) {
      arguments.push_back(ArgumentToJson(argument));
    }
    out["arguments"] = std::move(arguments);
  }
  return out;
}

}  // namespace mcp
