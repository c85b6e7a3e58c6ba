#include "mcp/server.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "core/base64.h"
#include "core/log.h"
#include "mcp/schema_profile.h"

namespace mcp {
namespace {

std::shared_ptr<spdlog::logger> Log() { return core::GetLogger("mcp"); }

const Json& Meta(const Message& message) {
  static const Json kEmpty = Json::object();
  const auto it = message.params.find("_meta");
  return it != message.params.end() && it->is_object() ? *it : kEmpty;
}

bool IsLegacyVersion(const std::string& version) {
  const auto& versions = LegacyVersions();
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

Json InvalidParams(const Message& message, const std::string& why) {
  return MakeError(message.id, rpc::kInvalidParams, "Invalid params: " + why);
}

Json MethodNotFound(const Message& message, const std::string& hint = {}) {
  std::string text = "Method not found: " + message.method;
  if (!hint.empty()) {
    text += " (" + hint + ")";
  }
  return MakeError(message.id, rpc::kMethodNotFound, text);
}

// Cursors are opaque to clients; ours encode the offset of the next page.
std::string EncodeCursor(std::size_t offset) {
  return core::Base64UrlEncode(fmt::format("tools:{}", offset));
}

std::optional<std::size_t> DecodeCursor(const std::string& cursor) {
  const auto text = core::Base64UrlDecode(cursor);
  if (!text || text->rfind("tools:", 0) != 0) {
    return std::nullopt;
  }
  try {
    std::size_t used = 0;
    const auto offset = std::stoull(text->substr(6), &used);
    return used == text->size() - 6 ? std::optional<std::size_t>(offset) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Json AnnotationsToJson(const ToolDefinition& tool) {
  Json annotations = {{"readOnlyHint", tool.annotations.read_only},
                      {"destructiveHint", tool.annotations.destructive},
                      {"idempotentHint", tool.annotations.idempotent},
                      {"openWorldHint", tool.annotations.open_world}};
  if (!tool.title.empty()) {
    annotations["title"] = tool.title;
  }
  return annotations;
}

Json ToolResultToJson(const ToolResult& result) {
  Json out = {{"content", result.content}, {"isError", result.is_error}};
  if (result.structured && !result.is_error) {
    out["structuredContent"] = *result.structured;
  }
  return out;
}

CallContext::ProgressFn MakeProgress(const Message& message, const RequestScope& scope) {
  const Json& meta = Meta(message);
  const auto token = meta.find("progressToken");
  if (token == meta.end() || !(token->is_string() || token->is_number_integer()) || !scope.notify) {
    return nullptr;
  }
  return [token = *token, notify = scope.notify](double progress, std::optional<double> total,
                                                 const std::string& text) {
    Json params = {{"progressToken", token}, {"progress", progress}};
    if (total) {
      params["total"] = *total;
    }
    if (!text.empty()) {
      params["message"] = text;
    }
    notify(MakeNotification("notifications/progress", std::move(params)));
  };
}

ToolResult RunHandler(const ToolDefinition& tool, const Json& arguments,
                      const CallContext& context) {
  try {
    return tool.handler(arguments, context);
  } catch (const std::exception& error) {
    Log()->error("tool_threw id={} tool={} what={}", context.request_id(), tool.name, error.what());
  } catch (...) {
    Log()->error("tool_threw id={} tool={}", context.request_id(), tool.name);
  }
  return ToolResult::Error(fmt::format(
      "The {} tool failed with an internal error. This is a fault in jira-mcp, not in your "
      "request; try again, and report it if it persists.",
      tool.name));
}

}  // namespace

const std::vector<std::string>& LegacyVersions() {
  static const std::vector<std::string> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return kVersions;
}

const std::vector<std::string>& SupportedVersions() {
  static const std::vector<std::string> kVersions = {kModernVersion, "2025-11-25", "2025-06-18",
                                                     "2025-03-26"};
  return kVersions;
}

Era EraOf(const Message& message) {
  return Meta(message).contains(kMetaProtocolVersion) ? Era::kModern : Era::kLegacy;
}

bool Session::initialized() const {
  std::lock_guard lock(mutex_);
  return initialized_;
}

std::string Session::protocol_version() const {
  std::lock_guard lock(mutex_);
  return protocol_version_;
}

Json Session::client_capabilities() const {
  std::lock_guard lock(mutex_);
  return client_capabilities_;
}

std::string Session::log_level() const {
  std::lock_guard lock(mutex_);
  return log_level_;
}

bool Session::Initialize(std::string protocol_version, Json client_capabilities) {
  std::lock_guard lock(mutex_);
  if (initialized_) {
    return false;
  }
  initialized_ = true;
  protocol_version_ = std::move(protocol_version);
  client_capabilities_ = std::move(client_capabilities);
  return true;
}

void Session::SetLogLevel(std::string level) {
  std::lock_guard lock(mutex_);
  log_level_ = std::move(level);
}

Server::Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools)
    : Server(std::move(info), std::move(tools), Options{}) {}

Server::Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools, Options options)
    : info_(std::move(info)), tools_(std::move(tools)), options_(options) {}

std::optional<Json> Server::Handle(const Message& message, const RequestScope& scope) const {
  if (message.kind == Message::Kind::kResponse) {
    return std::nullopt;  // this server sends no requests, so no answer is awaited
  }
  if (message.kind == Message::Kind::kNotification) {
    // notifications/initialized needs no action (initialize already opened the session);
    // notifications/cancelled is the transport's business; unknown ones are ignored.
    Log()->debug("notification method={}", message.method);
    return std::nullopt;
  }
  Log()->debug("request id={} method={}", IdForLog(message.id), message.method);
  try {
    return EraOf(message) == Era::kModern ? HandleModern(message, scope)
                                          : HandleLegacy(message, scope);
  } catch (const std::exception& error) {
    Log()->error("request_failed id={} method={} what={}", IdForLog(message.id), message.method,
                 error.what());
    return MakeError(message.id, rpc::kInternalError, "Internal error");
  }
}

Json Server::HandleLegacy(const Message& message, const RequestScope& scope) const {
  if (message.method == "initialize") {
    return Initialize(message, scope.session);
  }
  if (message.method == "ping") {
    return MakeResult(message.id, Json::object());
  }
  if (message.method == "server/discover") {
    // A legacy request (no per-request _meta) must not get a modern-looking answer.
    return MethodNotFound(message,
                          "2026-07-28 requests carry _meta." + std::string(kMetaProtocolVersion));
  }
  if (scope.session == nullptr || !scope.session->initialized()) {
    return MakeError(message.id, rpc::kInvalidRequest,
                     fmt::format("Invalid Request: send initialize first, or give {} \"{}\" in "
                                 "params._meta of every request",
                                 kMetaProtocolVersion, kModernVersion));
  }
  if (message.method == "tools/list") {
    return ListTools(message, Era::kLegacy);
  }
  if (message.method == "tools/call") {
    return CallTool(message, scope, Era::kLegacy);
  }
  if (message.method == "logging/setLevel") {
    return SetLevel(message, scope.session);
  }
  return MethodNotFound(message);
}

Json Server::HandleModern(const Message& message, const RequestScope& scope) const {
  const Json& version = Meta(message)[kMetaProtocolVersion];
  if (!version.is_string() || version != kModernVersion) {
    return MakeError(message.id, rpc::kUnsupportedProtocolVersion, "Unsupported protocol version",
                     {{"supported", SupportedVersions()}, {"requested", version}});
  }
  Json answer;
  if (message.method == "server/discover") {
    answer = Discover(message);
  } else if (message.method == "tools/list") {
    answer = ListTools(message, Era::kModern);
  } else if (message.method == "tools/call") {
    answer = CallTool(message, scope, Era::kModern);
  } else if (message.method == "initialize" || message.method == "ping" ||
             message.method == "logging/setLevel") {
    return MethodNotFound(message, "removed in 2026-07-28");
  } else {
    return MethodNotFound(message);
  }
  if (answer.contains("result")) {
    Json& result = answer["result"];
    result["resultType"] = "complete";
    result["_meta"][kMetaServerInfo] = ServerInfoJson();
  }
  return answer;
}

Json Server::ServerInfoJson() const {
  Json server = {{"name", info_.name}, {"version", info_.version}};
  if (!info_.title.empty()) {
    server["title"] = info_.title;
  }
  return server;
}

Json Server::Initialize(const Message& message, Session* session) const {
  const auto requested = message.params.find("protocolVersion");
  if (requested == message.params.end() || !requested->is_string()) {
    return InvalidParams(message, "initialize needs \"protocolVersion\" (a string)");
  }
  if (session == nullptr) {
    return MakeError(message.id, rpc::kInvalidRequest,
                     "Invalid Request: this transport has no sessions; use 2026-07-28 _meta");
  }
  // Version negotiation: echo a version we speak, else offer our latest legacy version.
  const std::string version = IsLegacyVersion(requested->get<std::string>())
                                  ? requested->get<std::string>()
                                  : kLatestLegacyVersion;
  const Json capabilities = message.params.value("capabilities", Json::object());
  if (!session->Initialize(version, capabilities)) {
    return MakeError(message.id, rpc::kInvalidRequest, "Invalid Request: already initialized");
  }
  Log()->info("initialized protocol={} client={}", version,
              Serialize(message.params.value("clientInfo", Json::object())));
  Json result = {
      {"protocolVersion", version},
      {"capabilities", {{"tools", {{"listChanged", false}}}, {"logging", Json::object()}}},
      {"serverInfo", ServerInfoJson()}};
  if (!info_.instructions.empty()) {
    result["instructions"] = info_.instructions;
  }
  return MakeResult(message.id, std::move(result));
}

Json Server::SetLevel(const Message& message, Session* session) const {
  static const std::vector<std::string> kLevels = {"debug", "info",     "notice", "warning",
                                                   "error", "critical", "alert",  "emergency"};
  const Json level = message.params.value("level", Json());
  if (!level.is_string() ||
      std::find(kLevels.begin(), kLevels.end(), level.get<std::string>()) == kLevels.end()) {
    return InvalidParams(message,
                         "\"level\" must be one of debug, info, notice, warning, error, "
                         "critical, alert, emergency");
  }
  session->SetLogLevel(level.get<std::string>());
  return MakeResult(message.id, Json::object());
}

Json Server::Discover(const Message& message) const {
  Json result = {{"supportedVersions", SupportedVersions()},
                 {"capabilities", {{"tools", Json::object()}}},
                 {"serverInfo", ServerInfoJson()},
                 {"ttlMs", options_.list_ttl_ms},
                 {"cacheScope", "public"}};
  if (!info_.instructions.empty()) {
    result["instructions"] = info_.instructions;
  }
  return MakeResult(message.id, std::move(result));
}

Json Server::ListTools(const Message& message, Era era) const {
  std::size_t offset = 0;
  if (const auto cursor = message.params.find("cursor");
      cursor != message.params.end() && !cursor->is_null()) {
    const auto decoded =
        cursor->is_string() ? DecodeCursor(cursor->get<std::string>()) : std::nullopt;
    if (!decoded || *decoded > tools_->tools().size()) {
      return InvalidParams(message, "unknown cursor; start again without one");
    }
    offset = *decoded;
  }
  const auto& all = tools_->tools();
  const std::size_t end = std::min(all.size(), offset + options_.tools_page_size);
  Json list = Json::array();
  for (std::size_t i = offset; i < end; ++i) {
    list.push_back(ToolToJson(all[i]));
  }
  Json result = {{"tools", std::move(list)}};
  if (end < all.size()) {
    result["nextCursor"] = EncodeCursor(end);
  }
  if (era == Era::kModern) {
    // The list depends on this server's settings, never on who asks.
    result["ttlMs"] = options_.list_ttl_ms;
    result["cacheScope"] = "public";
  }
  return MakeResult(message.id, std::move(result));
}

Json Server::CallTool(const Message& message, const RequestScope& scope, Era /*era*/) const {
  const Json name = message.params.value("name", Json());
  if (!name.is_string()) {
    return InvalidParams(message, "tools/call needs \"name\" (a string)");
  }
  const ToolDefinition* tool = tools_->Find(name.get<std::string>());
  if (tool == nullptr) {
    return InvalidParams(message, fmt::format("unknown tool '{}'; tools/list names the tools",
                                              name.get<std::string>()));
  }
  Json arguments = message.params.value("arguments", Json::object());
  if (arguments.is_null()) {
    arguments = Json::object();
  }

  if (auto status = ValidateArguments(tool->input_schema, arguments); !status.ok()) {
    Log()->debug("bad_arguments id={} tool={} why={}", IdForLog(message.id), tool->name,
                 status.message());
    return MakeResult(message.id, ToolResultToJson(ToolResult::Error(fmt::format(
                                      "Invalid arguments for {}: {}. Fix the arguments and call "
                                      "again.",
                                      tool->name, status.message()))));
  }

  const CallContext context(IdForLog(message.id), scope.principal, scope.cancelled,
                            MakeProgress(message, scope));
  const ToolResult result = RunHandler(*tool, arguments, context);
  if (!result.is_error && result.structured) {
    if (auto status = ValidateArguments(tool->output_schema, *result.structured); !status.ok()) {
      Log()->error("output_schema_mismatch id={} tool={} why={}", IdForLog(message.id), tool->name,
                   status.message());
    }
  }
  Log()->debug("tool_done id={} tool={} error={}", IdForLog(message.id), tool->name,
               result.is_error);
  return MakeResult(message.id, ToolResultToJson(result));
}

Json ToolToJson(const ToolDefinition& tool) {
  Json out = {{"name", tool.name},
              {"description", tool.description},
              {"inputSchema", tool.input_schema},
              {"annotations", AnnotationsToJson(tool)}};
  if (!tool.title.empty()) {
    out["title"] = tool.title;
  }
  if (!tool.output_schema.is_null()) {
    out["outputSchema"] = tool.output_schema;
  }
  return out;
}

}  // namespace mcp
