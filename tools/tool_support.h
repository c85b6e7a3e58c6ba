// Internal helpers shared by the Jira tool implementations; not part of the public API.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mcp/tool.h"
#include "tools/jira_client.h"
#include "tools/jira_tools.h"

namespace tools {

// The Jira OAuth scopes of each kind of tool; the token exchange asks for exactly these.
inline std::vector<std::string> ReadWork() { return {"read:jira-work"}; }
inline std::vector<std::string> WriteWork() { return {"read:jira-work", "write:jira-work"}; }
inline std::vector<std::string> ReadUser() { return {"read:jira-user"}; }
inline std::vector<std::string> ReadWorkUser() { return {"read:jira-work", "read:jira-user"}; }
inline std::vector<std::string> WriteWorkUser() {
  return {"read:jira-work", "write:jira-work", "read:jira-user"};
}

// A handler that may fail with a Status; the wrapper turns that into an error ToolResult (with
// no structured content, C27) and catches a JSON exception from an unexpected Jira shape.
using JiraHandler = std::function<core::Result<mcp::ToolResult>(const Json& arguments,
                                                                const mcp::CallContext& context)>;

struct JiraTool {
  JiraToolInfo info;
  std::string title;
  std::string description;
  mcp::ToolAnnotations annotations;
  std::vector<std::string> scopes;
  JiraHandler handler;
};

// Annotations for the usual kinds of tool.
mcp::ToolAnnotations ReadOnly();
mcp::ToolAnnotations Additive();     // creates something new: not idempotent, not destructive
mcp::ToolAnnotations Idempotent();   // sets state: repeating it changes nothing more
mcp::ToolAnnotations Destructive();  // removes or overwrites

// The tools of each file, built around one client.
std::vector<JiraTool> SiteTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> SearchTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> IssueTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> ProjectTools(const std::shared_ptr<JiraClient>& client);

// Builds the ToolDefinition, loading `<name>.input.json` and `<name>.output.json` from the
// embedded schemas.
core::Result<mcp::ToolDefinition> Define(const JiraTool& tool);

// A request for `path` with the tool's scopes and the call's `site` argument.
JiraRequest Request(std::string method, std::string path, const std::vector<std::string>& scopes,
                    const Json& arguments);

// Percent-encodes one path segment or query value.
std::string Encode(std::string_view text);

// Opaque pagination cursors: `state` plus a hash of what the cursor belongs to (`binding`), so
// a cursor from one query is refused for another.
std::string EncodeCursor(Json state, std::string_view binding);
core::Result<Json> DecodeCursor(const std::string& cursor, std::string_view binding);

// A string argument, or `fallback` when it is absent.
std::string StringArg(const Json& arguments, const char* name, std::string fallback = {});
std::vector<std::string> StringListArg(const Json& arguments, const char* name);

// One line of text for a compacted value (users by name, references by key).
std::string ValueText(const Json& value, std::size_t max_bytes = 300);

// "KEY-1 · summary · status: Done · …" for a flattened issue.
std::string IssueLine(const Json& issue, std::size_t max_value_bytes = 200);

// An ADF document from a markdown string or an ADF object (shape-checked, passed unchanged).
core::Result<Json> RichText(const Json& value, const char* argument);

}  // namespace tools
