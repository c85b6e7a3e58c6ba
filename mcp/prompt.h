// Prompts (MCP server/prompts): templates a client lists and fills in, in registration order.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mcp/completion.h"
#include "mcp/tool.h"

namespace mcp {

struct PromptArgument {
  std::string name;
  std::string title;
  std::string description;
  bool required = false;
  // Suggests values for completion/complete; empty: no suggestions.
  CompleteFn complete;
};

struct PromptResult {
  std::string description;
  Json messages = Json::array();  // PromptMessage objects: {role, content}

  // Appends a message {role, content} where content is one MCP content block.
  PromptResult& Add(std::string role, Json content);
};

struct PromptDefinition {
  std::string name;  // unique in the registry
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  // Called with every required argument present and every value a string. An error Status
  // becomes a JSON-RPC error: kInvalidArgument and kNotFound -32602, anything else -32603, with
  // the Status message (never its detail). Must not throw.
  std::function<core::Result<PromptResult>(const Json& arguments, const CallContext& context)>
      handler;
};

class PromptRegistry {
 public:
  // Fails (kInvalidArgument) on an empty or duplicate name, a missing handler, or an argument
  // without a name.
  core::Status Add(PromptDefinition prompt);

  // nullptr when no prompt has that name.
  const PromptDefinition* Find(std::string_view name) const;

  const std::vector<PromptDefinition>& prompts() const { return prompts_; }

  // True when some argument can complete values (the server then offers completions).
  bool HasCompletions() const;

 private:
  std::vector<PromptDefinition> prompts_;
};

// The MCP `Prompt` object (name, title, description, arguments).
Json PromptToJson(const PromptDefinition& prompt);

}  // namespace mcp
