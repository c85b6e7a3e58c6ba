// Argument completion (MCP server/utilities/completion): suggestions for prompt arguments and
// resource-template variables.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mcp/tool.h"

namespace mcp {

// Suggests values for an argument: `value` is what the user typed so far, `context` the values
// already chosen for other arguments (an object of strings; may be empty). Must not throw.
using CompleteFn =
    std::function<std::vector<std::string>(const std::string& value, const Json& context)>;

// The `completion` object of a CompleteResult: at most 100 values, with total and hasMore.
Json CompletionToJson(const std::vector<std::string>& values);

// The values of `candidates` that start with `prefix`, in their order: a ready CompleteFn body.
std::vector<std::string> CompleteByPrefix(const std::vector<std::string>& candidates,
                                          const std::string& prefix);

}  // namespace mcp
