// The tool contract: what a tool declares and how its handler is called.
//
// Tool handlers know nothing of protocol eras or transports. They get validated arguments and a
// CallContext, and return a ToolResult. The protocol layer turns that into the era's result.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/principal.h"
#include "core/status.h"

namespace mcp {

using Json = nlohmann::json;

// MCP tool annotations (hints to the client). Defaults are the spec's pessimistic defaults.
struct ToolAnnotations {
  bool read_only = false;
  bool destructive = true;
  bool idempotent = false;
  bool open_world = true;
};

struct ToolResult {
  Json content = Json::array();    // MCP content blocks
  std::optional<Json> structured;  // structuredContent; must match the output schema
  bool is_error = false;

  // A success with one text block and the structured content.
  static ToolResult Success(std::string text, Json structured);
  // A failure the agent can act on: one text block, no structured content.
  static ToolResult Error(std::string text);
  // A failure from a Status: its client-safe message, never its detail.
  static ToolResult FromStatus(const core::Status& status);
};

// Per-call facts and services for a handler. Thread-safe for the duration of the call.
class CallContext {
 public:
  using ProgressFn =
      std::function<void(double progress, std::optional<double> total, const std::string& message)>;

  CallContext(std::string request_id, core::Principal principal,
              const std::atomic<bool>* cancelled = nullptr, ProgressFn progress = nullptr)
      : request_id_(std::move(request_id)),
        principal_(std::move(principal)),
        cancelled_(cancelled),
        progress_(std::move(progress)) {}

  // The JSON-RPC id as text, for log lines.
  const std::string& request_id() const { return request_id_; }
  const core::Principal& principal() const { return principal_; }

  // True once the client sent notifications/cancelled for this request (or went away).
  bool cancelled() const { return cancelled_ != nullptr && cancelled_->load(); }
  // The flag behind cancelled(), to hand to HttpRequest::cancelled; may be null.
  const std::atomic<bool>* cancel_flag() const { return cancelled_; }

  // Sends notifications/progress when the client asked for it; otherwise does nothing.
  void ReportProgress(double progress, std::optional<double> total = std::nullopt,
                      const std::string& message = {}) const {
    if (progress_) {
      progress_(progress, total, message);
    }
  }

 private:
  std::string request_id_;
  core::Principal principal_;
  const std::atomic<bool>* cancelled_;
  ProgressFn progress_;
};

struct ToolDefinition {
  std::string name;  // [a-z0-9_], unique in the registry
  std::string title;
  std::string description;
  ToolAnnotations annotations;
  Json input_schema;   // a JSON Schema object in the portable profile (DESIGN.md §5)
  Json output_schema;  // the shape of structuredContent
  // Upstream OAuth scopes the handler needs; the token exchange asks for exactly these.
  std::vector<std::string> scopes;
  // Called with arguments already validated against input_schema. Must not throw.
  std::function<ToolResult(const Json& arguments, const CallContext& context)> handler;
};

}  // namespace mcp
