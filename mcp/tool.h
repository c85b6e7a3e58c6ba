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
#include <string_view>
#include <vector>

#include "core/principal.h"
#include "core/status.h"

namespace mcp {

using Json = nlohmann::json;

class ClientRequester;

// MCP log levels (RFC 5424 severities), least severe first.
enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };

// "debug" ... "emergency".
const char* LogLevelName(LogLevel level);
// nullopt for anything but the eight MCP level names.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

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

// Per-call facts and services for a handler (tools, prompts and resources alike). Thread-safe for
// the duration of the call.
class CallContext {
 public:
  using ProgressFn =
      std::function<void(double progress, std::optional<double> total, const std::string& message)>;
  // Sends notifications/message; the protocol layer has already applied the client's level.
  using LogFn = std::function<void(LogLevel level, const Json& data, const std::string& logger)>;

  // What the protocol layer provides for one call; every member may be empty.
  struct Services {
    const std::atomic<bool>* cancelled = nullptr;
    ProgressFn progress;
    LogFn log;
    // Threshold below which Log() sends nothing; nullopt: the client asked for no log messages.
    std::optional<LogLevel> log_threshold;
    ClientRequester* client = nullptr;  // requests to the client; owned by the protocol layer
  };

  CallContext(std::string request_id, core::Principal principal,
              const std::atomic<bool>* cancelled = nullptr, ProgressFn progress = nullptr)
      : request_id_(std::move(request_id)), principal_(std::move(principal)) {
    services_.cancelled = cancelled;
    services_.progress = std::move(progress);
  }
  CallContext(std::string request_id, core::Principal principal, Services services)
      : request_id_(std::move(request_id)),
        principal_(std::move(principal)),
        services_(std::move(services)) {}

  // The JSON-RPC id as text, for log lines.
  const std::string& request_id() const { return request_id_; }
  const core::Principal& principal() const { return principal_; }

  // True once the client sent notifications/cancelled for this request (or went away).
  bool cancelled() const { return services_.cancelled != nullptr && services_.cancelled->load(); }
  // The flag behind cancelled(), to hand to HttpRequest::cancelled; may be null.
  const std::atomic<bool>* cancel_flag() const { return services_.cancelled; }

  // Sends notifications/progress when the client asked for it; otherwise does nothing.
  void ReportProgress(double progress, std::optional<double> total = std::nullopt,
                      const std::string& message = {}) const {
    if (services_.progress) {
      services_.progress(progress, total, message);
    }
  }

  // Sends a log message (notifications/message) to the client when `level` reaches the level the
  // client chose (legacy: logging/setLevel; 2026-07-28: the request's _meta logLevel); otherwise,
  // or when the transport cannot carry it, does nothing. `data` is any JSON (often a string).
  void Log(LogLevel level, const Json& data, const std::string& logger = {}) const {
    if (services_.log && services_.log_threshold && level >= *services_.log_threshold) {
      services_.log(level, data, logger);
    }
  }

  // True when the client declared `capability` ("sampling", "elicitation", "roots").
  bool ClientSupports(std::string_view capability) const;

  // Asks the client: `method` is sampling/createMessage, elicitation/create or roots/list, and
  // `key` names this question uniquely within the call (it becomes the 2026-07-28 inputRequests
  // key, so use a fixed name per question, not a counter). Returns the client's result object.
  // Errors: kFailedPrecondition when the client did not declare the capability; kUnavailable
  // while the answer is not there yet (2026-07-28: the protocol layer then answers the call with
  // an input_required result and the client retries it, so return promptly with the error) or
  // when the transport cannot ask; kInvalidArgument when the client answered with an error or a
  // malformed result; kCancelled; kDeadlineExceeded.
  core::Result<Json> RequestFromClient(const std::string& key, const std::string& method,
                                       Json params) const;

 private:
  std::string request_id_;
  core::Principal principal_;
  Services services_;
};

struct ToolDefinition {
  std::string name;  // [a-z0-9_], unique in the registry
  std::string title;
  std::string description;
  ToolAnnotations annotations;
  Json input_schema;   // a JSON Schema object in the portable profile (DESIGN.md §5)
  Json output_schema;  // the shape of structuredContent; null: the tool returns none
  // Upstream OAuth scopes the handler needs; the token exchange asks for exactly these.
  std::vector<std::string> scopes;
  // Called with arguments already validated against input_schema. Must not throw.
  std::function<ToolResult(const Json& arguments, const CallContext& context)> handler;
};

}  // namespace mcp
