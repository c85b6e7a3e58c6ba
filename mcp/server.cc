#include "mcp/server.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <exception>
#include <set>

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

// -32022 with the next step: a legacy version is served through initialize, while per-request
// _meta speaks only kModernVersion. `requested` is the version as sent (serialized if no string).
std::string UnsupportedVersionText(const std::string& requested) {
  if (IsLegacyVersion(requested)) {
    return fmt::format(
        "Unsupported protocol version: {} is served through initialize (a session); per-request "
        "_meta supports {}",
        requested, kModernVersion);
  }
  return fmt::format(
      "Unsupported protocol version: {} is unknown here; give {} in per-request _meta, or "
      "initialize a session with one of {}",
      requested, kModernVersion, fmt::join(LegacyVersions(), ", "));
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

// Resource not found: -32002 up to 2025-11-25, -32602 from 2026-07-28 on (SEP-2164); the
// requested URI goes into data either way.
Json ResourceNotFound(const Message& message, const std::string& uri, Era era) {
  constexpr int kLegacyResourceNotFound = -32002;
  return MakeError(message.id, era == Era::kModern ? rpc::kInvalidParams : kLegacyResourceNotFound,
                   "Resource not found", {{"uri", uri}});
}

// A handler's error Status as a JSON-RPC error; only the client-safe message is sent.
Json StatusToError(const Message& message, const core::Status& status) {
  const bool callers_fault =
      status.code() == core::Code::kInvalidArgument || status.code() == core::Code::kNotFound;
  if (!callers_fault) {
    Log()->warn("handler_failed id={} method={} code={} detail={}", IdForLog(message.id),
                message.method, core::CodeName(status.code()), status.detail());
  }
  return MakeError(message.id, callers_fault ? rpc::kInvalidParams : rpc::kInternalError,
                   status.message());
}

// Cursors are opaque to clients; ours encode the list and the offset of the next page.
std::string EncodeCursor(const std::string& list, std::size_t offset) {
  return core::Base64UrlEncode(fmt::format("{}:{}", list, offset));
}

std::optional<std::size_t> DecodeCursor(const std::string& list, const std::string& cursor) {
  const auto text = core::Base64UrlDecode(cursor);
  const std::string prefix = list + ":";
  if (!text || text->rfind(prefix, 0) != 0) {
    return std::nullopt;
  }
  try {
    std::size_t used = 0;
    const auto offset = std::stoull(text->substr(prefix.size()), &used);
    return used == text->size() - prefix.size() ? std::optional<std::size_t>(offset) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The offset a list request starts at: 0 without a cursor, nullopt for a cursor we did not make.
std::optional<std::size_t> StartOffset(const Message& message, const std::string& list,
                                       std::size_t total) {
  const auto cursor = message.params.find("cursor");
  if (cursor == message.params.end() || cursor->is_null()) {
    return 0;
  }
  const auto decoded =
      cursor->is_string() ? DecodeCursor(list, cursor->get<std::string>()) : std::nullopt;
  if (!decoded || *decoded > total) {
    return std::nullopt;
  }
  return decoded;
}

// One page of a list result: items [offset, offset + page) under `key`, and nextCursor.
template <typename T, typename ToJson>
Json ListPage(const std::vector<T>& all, std::size_t offset, std::size_t page,
              const std::string& list, const char* key, ToJson to_json) {
  const std::size_t end = std::min(all.size(), offset + std::max<std::size_t>(page, 1));
  Json items = Json::array();
  for (std::size_t i = offset; i < end; ++i) {
    items.push_back(to_json(all[i]));
  }
  Json result = {{key, std::move(items)}};
  if (end < all.size()) {
    result["nextCursor"] = EncodeCursor(list, end);
  }
  return result;
}

// Annotations as MCP reads them: a hint at its default (readOnlyHint false, destructiveHint true,
// idempotentHint false, openWorldHint true) is left out, and destructiveHint and idempotentHint,
// meaningful only for a tool that writes, are sent only for those. 2025-03-26 has no top-level
// title, so there the title goes in the annotations.
Json AnnotationsToJson(const ToolDefinition& tool, bool with_title) {
  Json annotations = Json::object();
  if (tool.annotations.read_only) {
    annotations["readOnlyHint"] = true;
  } else {
    annotations["destructiveHint"] = tool.annotations.destructive;
    if (tool.annotations.idempotent) {
      annotations["idempotentHint"] = true;
    }
  }
  if (!tool.annotations.open_world) {
    annotations["openWorldHint"] = false;
  }
  if (with_title && !tool.title.empty()) {
    annotations["title"] = tool.title;
  }
  return annotations;
}

// Takes the result by value: a search's structuredContent is the bulk of its reply, moved, not
// copied.
Json ToolResultToJson(ToolResult result) {
  Json out = {{"content", std::move(result.content)}, {"isError", result.is_error}};
  if (result.structured && !result.is_error) {
    out["structuredContent"] = std::move(*result.structured);
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

// What a request without arguments is handled with.
const Json& NoArguments() {
  static const Json kNone = Json::object();
  return kNone;
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

core::Result<PromptResult> RunPrompt(const PromptDefinition& prompt, const Json& arguments,
                                     const CallContext& context) {
  try {
    return prompt.handler(arguments, context);
  } catch (const std::exception& error) {
    Log()->error("prompt_threw id={} prompt={} what={}", context.request_id(), prompt.name,
                 error.what());
  } catch (...) {
    Log()->error("prompt_threw id={} prompt={}", context.request_id(), prompt.name);
  }
  return core::Status(core::Code::kInternal, "The prompt failed with an internal error.");
}

template <typename Fn>
core::Result<std::vector<ResourceContents>> RunRead(const Fn& read, const CallContext& context) {
  try {
    return read();
  } catch (const std::exception& error) {
    Log()->error("resource_threw id={} what={}", context.request_id(), error.what());
  } catch (...) {
    Log()->error("resource_threw id={}", context.request_id());
  }
  return core::Status(core::Code::kInternal, "Reading the resource failed with an internal error.");
}

CallContext::LogFn MakeLog(const RequestScope& scope) {
  if (!scope.notify) {
    return nullptr;
  }
  return [notify = scope.notify](LogLevel level, const Json& data, const std::string& logger) {
    Json params = {{"level", LogLevelName(level)}, {"data", data}};
    if (!logger.empty()) {
      params["logger"] = logger;
    }
    notify(MakeNotification("notifications/message", std::move(params)));
  };
}

bool IsRemovedInModern(const std::string& method) {
  static const std::set<std::string> kRemoved = {"initialize", "ping", "logging/setLevel",
                                                 "resources/subscribe", "resources/unsubscribe"};
  return kRemoved.count(method) > 0;
}

// The 2026-07-28 methods that may answer input_required (MRTR "Supported Requests").
bool MayRequireInput(const std::string& method) {
  return method == "tools/call" || method == "prompts/get" || method == "resources/read";
}

}  // namespace

struct Server::Call {
  const Message& message;
  const RequestScope& scope;
  Era era;
  Json client_capabilities;
  std::optional<LogLevel> log_threshold;
};

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

Era EraOf(const Message& message, const std::string& transport_version) {
  if (EraOf(message) == Era::kModern) {
    return Era::kModern;
  }
  return !transport_version.empty() && !IsLegacyVersion(transport_version) ? Era::kModern
                                                                           : Era::kLegacy;
}

Session::~Session() {
  if (auto list = subscriber_list_.lock()) {
    list->Remove(this);
  }
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

void Session::SetNotifier(std::function<void(const Json&)> notifier) {
  std::lock_guard lock(mutex_);
  notifier_ = std::move(notifier);
}

bool Session::Notify(const Json& notification) const {
  std::function<void(const Json&)> notifier;
  {
    std::lock_guard lock(mutex_);
    notifier = notifier_;
  }
  if (!notifier) {
    return false;
  }
  notifier(notification);
  return true;
}

bool Session::IsSubscribed(const std::string& uri) const {
  std::lock_guard lock(mutex_);
  return subscriptions_.count(uri) > 0;
}

void Session::Subscribe(const std::string& uri, const std::shared_ptr<SubscriberList>& list) {
  {
    std::lock_guard lock(mutex_);
    subscriptions_.insert(uri);
    subscriber_list_ = list;
  }
  list->Add(this);
}

void Session::Unsubscribe(const std::string& uri) {
  std::lock_guard lock(mutex_);
  subscriptions_.erase(uri);
}

void SubscriberList::Add(Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.insert(session);
}

void SubscriberList::Remove(Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

void SubscriberList::ForEach(const std::function<void(const Session&)>& fn) const {
  std::lock_guard lock(mutex_);
  for (const Session* session : sessions_) {
    fn(*session);
  }
}

Server::Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools)
    : Server(std::move(info), std::move(tools), Options{}) {}

Server::Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools, Options options)
    : Server(std::move(info), Catalog{.tools = std::move(tools)}, std::move(options)) {}

Server::Server(ServerInfo info, Catalog catalog, Options options)
    : info_(std::move(info)),
      catalog_(std::move(catalog)),
      options_(std::move(options)),
      state_codec_(options_.request_state_key) {
  if (!catalog_.tools) {
    catalog_.tools = std::make_shared<ToolRegistry>();
  }
  if (options_.clock == nullptr) {
    options_.clock = &core::SystemClock::Instance();
  }
}

std::optional<Json> Server::Handle(const Message& message, const RequestScope& scope) const {
  if (message.kind == Message::Kind::kResponse) {
    return std::nullopt;  // answers to our requests are routed by the transport
  }
  if (message.kind == Message::Kind::kNotification) {
    // notifications/initialized needs no action (initialize already opened the session);
    // notifications/cancelled is the transport's business; unknown ones are ignored.
    Log()->debug("notification method={}", message.method);
    return std::nullopt;
  }
  Log()->debug("request id={} method={}", IdForLog(message.id), message.method);
  try {
    return EraOf(message, scope.transport_version) == Era::kModern ? HandleModern(message, scope)
                                                                   : HandleLegacy(message, scope);
  } catch (const std::exception& error) {
    Log()->error("request_failed id={} method={} what={}", IdForLog(message.id), message.method,
                 error.what());
    return MakeError(message.id, rpc::kInternalError, "Internal error");
  }
}

void Server::NotifyResourceUpdated(const std::string& uri) const {
  const Json notification = MakeNotification("notifications/resources/updated", {{"uri", uri}});
  subscribers_->ForEach([&](const Session& session) {
    if (session.IsSubscribed(uri)) {
      session.Notify(notification);
    }
  });
}

Json Server::Capabilities(Era era) const {
  Json capabilities = {{"tools", {{"listChanged", false}}}, {"logging", Json::object()}};
  if (catalog_.prompts) {
    capabilities["prompts"] = {{"listChanged", false}};
  }
  if (catalog_.resources) {
    capabilities["resources"] = {{"listChanged", false}};
    // Subscriptions are a legacy feature; 2026-07-28 removed resources/subscribe.
    if (era == Era::kLegacy && catalog_.resources->subscriptions()) {
      capabilities["resources"]["subscribe"] = true;
    }
  }
  if (HasCompletions()) {
    capabilities["completions"] = Json::object();
  }
  return capabilities;
}

bool Server::HasCompletions() const {
  return (catalog_.prompts && catalog_.prompts->HasCompletions()) ||
         (catalog_.resources && catalog_.resources->HasCompletions());
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
  if (message.method == "logging/setLevel") {
    return SetLevel(message, scope.session);
  }
  if ((message.method == "resources/subscribe" || message.method == "resources/unsubscribe") &&
      catalog_.resources && catalog_.resources->subscriptions()) {
    return Subscribe(message, scope.session, message.method == "resources/subscribe");
  }
  const Call call{message, scope, Era::kLegacy, scope.session->client_capabilities(),
                  ParseLogLevel(scope.session->log_level())};
  if (auto answer = HandleCommon(call)) {
    return *answer;
  }
  return MethodNotFound(message);
}

Json Server::HandleModern(const Message& message, const RequestScope& scope) const {
  const Json& meta = Meta(message);
  // The version comes first: a request of another version is judged by that version's rules,
  // which this server does not know.
  if (const auto version = meta.find(kMetaProtocolVersion);
      version != meta.end() && (!version->is_string() || *version != kModernVersion)) {
    const std::string requested =
        version->is_string() ? version->get<std::string>() : Serialize(*version);
    return MakeError(message.id, rpc::kUnsupportedProtocolVersion,
                     UnsupportedVersionText(requested),
                     {{"supported", SupportedVersions()}, {"requested", requested}});
  }
  std::vector<std::string> missing;
  if (!meta.contains(kMetaProtocolVersion)) {
    missing.emplace_back(kMetaProtocolVersion);
  }
  if (!meta.contains(kMetaClientCapabilities)) {
    missing.emplace_back(kMetaClientCapabilities);
  } else if (!meta[kMetaClientCapabilities].is_object()) {
    return InvalidParams(message, fmt::format("_meta key {} must be an object (the client's "
                                              "capabilities, {{}} for none)",
                                              kMetaClientCapabilities));
  }
  if (!missing.empty()) {
    // 2026-07-28 basic/index: a request without the required _meta fields is malformed.
    return InvalidParams(message, fmt::format("missing _meta keys: {}", fmt::join(missing, ", ")));
  }
  std::optional<LogLevel> log_threshold;
  if (const auto level = meta.find(kMetaLogLevel); level != meta.end()) {
    log_threshold = level->is_string() ? ParseLogLevel(level->get<std::string>()) : std::nullopt;
    if (!log_threshold) {
      return InvalidParams(message, std::string(kMetaLogLevel) + " must be a log level name");
    }
  }

  Json answer;
  const Call call{message, scope, Era::kModern, meta[kMetaClientCapabilities], log_threshold};
  if (message.method == "server/discover") {
    answer = Discover(message);
  } else if (IsRemovedInModern(message.method)) {
    return MethodNotFound(message, "removed in 2026-07-28");
  } else if (auto common = HandleCommon(call)) {
    answer = std::move(*common);
  } else {
    return MethodNotFound(message);
  }
  if (answer.contains("result")) {
    Json& result = answer["result"];
    if (!result.contains("resultType")) {
      result["resultType"] = "complete";
    }
    result["_meta"][kMetaServerInfo] = ServerInfoJson();
  }
  return answer;
}

std::optional<Json> Server::HandleCommon(const Call& call) const {
  const std::string& method = call.message.method;
  if (method == "tools/list") {
    return ListTools(call);
  }
  if (method == "tools/call") {
    return CallTool(call);
  }
  if (catalog_.prompts && method == "prompts/list") {
    return ListPrompts(call);
  }
  if (catalog_.prompts && method == "prompts/get") {
    return GetPrompt(call);
  }
  if (catalog_.resources && method == "resources/list") {
    return ListResources(call);
  }
  if (catalog_.resources && method == "resources/templates/list") {
    return ListResourceTemplates(call);
  }
  if (catalog_.resources && method == "resources/read") {
    return ReadResource(call);
  }
  if (HasCompletions() && method == "completion/complete") {
    return Complete(call);
  }
  return std::nullopt;
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
  Json capabilities = message.params.value("capabilities", Json::object());
  if (!capabilities.is_object()) {
    capabilities = Json::object();
  }
  if (!session->Initialize(version, capabilities)) {
    return MakeError(message.id, rpc::kInvalidRequest, "Invalid Request: already initialized");
  }
  Log()->info("initialized protocol={} client={}", version,
              Serialize(message.params.value("clientInfo", Json::object())));
  Json result = {{"protocolVersion", version},
                 {"capabilities", Capabilities(Era::kLegacy)},
                 {"serverInfo", ServerInfoJson()}};
  if (!info_.instructions.empty()) {
    result["instructions"] = info_.instructions;
  }
  return MakeResult(message.id, std::move(result));
}

Json Server::SetLevel(const Message& message, Session* session) const {
  const Json level = message.params.value("level", Json());
  if (!level.is_string() || !ParseLogLevel(level.get<std::string>())) {
    return InvalidParams(message,
                         "\"level\" must be one of debug, info, notice, warning, error, "
                         "critical, alert, emergency");
  }
  session->SetLogLevel(level.get<std::string>());
  return MakeResult(message.id, Json::object());
}

Json Server::Subscribe(const Message& message, Session* session, bool subscribe) const {
  const Json uri = message.params.value("uri", Json());
  if (!uri.is_string()) {
    return InvalidParams(message, "needs \"uri\" (a string)");
  }
  const std::string text = uri.get<std::string>();
  if (catalog_.resources->Find(text) == nullptr && !catalog_.resources->MatchTemplate(text)) {
    return ResourceNotFound(message, text, Era::kLegacy);
  }
  if (subscribe) {
    session->Subscribe(text, subscribers_);
  } else {
    session->Unsubscribe(text);
  }
  return MakeResult(message.id, Json::object());
}

Json Server::Discover(const Message& message) const {
  Json result = {{"supportedVersions", SupportedVersions()},
                 {"capabilities", Capabilities(Era::kModern)},
                 {"serverInfo", ServerInfoJson()},
                 {"ttlMs", options_.list_ttl_ms},
                 {"cacheScope", "public"}};
  if (!info_.instructions.empty()) {
    result["instructions"] = info_.instructions;
  }
  return MakeResult(message.id, std::move(result));
}

namespace {

// 2026-07-28 caching hints on a list result; lists depend on this server's settings, never on
// who asks.
void AddListCacheHints(Json& result, Era era, long long ttl_ms) {
  if (era == Era::kModern) {
    result["ttlMs"] = ttl_ms;
    result["cacheScope"] = "public";
  }
}

}  // namespace

Json Server::ListTools(const Call& call) const {
  const auto& all = catalog_.tools->tools();
  const auto offset = StartOffset(call.message, "tools", all.size());
  if (!offset) {
    return InvalidParams(call.message, "unknown cursor; start again without one");
  }
  const bool annotation_titles = call.era == Era::kLegacy && call.scope.session != nullptr &&
                                 call.scope.session->protocol_version() == "2025-03-26";
  Json result = ListPage(all, *offset, options_.tools_page_size, "tools", "tools",
                         [annotation_titles](const ToolDefinition& tool) {
                           return ToolToJson(tool, annotation_titles);
                         });
  AddListCacheHints(result, call.era, options_.list_ttl_ms);
  return MakeResult(call.message.id, std::move(result));
}

Json Server::ListPrompts(const Call& call) const {
  const auto& all = catalog_.prompts->prompts();
  const auto offset = StartOffset(call.message, "prompts", all.size());
  if (!offset) {
    return InvalidParams(call.message, "unknown cursor; start again without one");
  }
  Json result = ListPage(all, *offset, options_.page_size, "prompts", "prompts", PromptToJson);
  AddListCacheHints(result, call.era, options_.list_ttl_ms);
  return MakeResult(call.message.id, std::move(result));
}

Json Server::ListResources(const Call& call) const {
  const auto& all = catalog_.resources->resources();
  const auto offset = StartOffset(call.message, "resources", all.size());
  if (!offset) {
    return InvalidParams(call.message, "unknown cursor; start again without one");
  }
  Json result =
      ListPage(all, *offset, options_.page_size, "resources", "resources", ResourceToJson);
  AddListCacheHints(result, call.era, options_.list_ttl_ms);
  return MakeResult(call.message.id, std::move(result));
}

Json Server::ListResourceTemplates(const Call& call) const {
  const auto& all = catalog_.resources->templates();
  const auto offset = StartOffset(call.message, "templates", all.size());
  if (!offset) {
    return InvalidParams(call.message, "unknown cursor; start again without one");
  }
  Json result = ListPage(all, *offset, options_.page_size, "templates", "resourceTemplates",
                         ResourceTemplateToJson);
  AddListCacheHints(result, call.era, options_.list_ttl_ms);
  return MakeResult(call.message.id, std::move(result));
}

Json Server::RunWithClient(const Call& call, const std::string& name, const Json& arguments,
                           const std::function<HandlerOutcome(const CallContext&)>& run) const {
  const Message& message = call.message;
  CallContext::Services services{.cancelled = call.scope.cancelled,
                                 .progress = MakeProgress(message, call.scope),
                                 .log = MakeLog(call.scope),
                                 .log_threshold = call.log_threshold};
  if (call.era == Era::kLegacy) {
    LegacyRequester requester(call.scope.client, call.client_capabilities, call.scope.cancelled);
    services.client = &requester;
    return run(CallContext(IdForLog(message.id), call.scope.principal, std::move(services))).answer;
  }

  // 2026-07-28 (MRTR): answers come with the retried request.
  const std::string binding = RequestBinding(message.method, name, arguments);
  Json answers = Json::object();
  if (const auto state = message.params.find("requestState"); state != message.params.end()) {
    if (!state->is_string()) {
      return InvalidParams(message, "requestState must be a string");
    }
    auto opened = state_codec_.Open(state->get<std::string>(), call.scope.principal.subject,
                                    binding, options_.clock->Now());
    if (!opened.ok()) {
      Log()->warn("request_state_refused id={} why={}", IdForLog(message.id),
                  opened.status().message());
      return MakeError(message.id, rpc::kInvalidParams, opened.status().message());
    }
    answers = std::move(opened.value().answers);
  }
  if (const auto responses = message.params.find("inputResponses");
      responses != message.params.end()) {
    if (!responses->is_object()) {
      return InvalidParams(message, "inputResponses must be an object");
    }
    for (const auto& [key, value] : responses->items()) {
      if (!value.is_object()) {
        return InvalidParams(message, fmt::format("inputResponses[\"{}\"] must be an object", key));
      }
      answers[key] = value;
    }
  }

  MrtrRequester requester(call.client_capabilities, std::move(answers));
  services.client = &requester;
  HandlerOutcome outcome =
      run(CallContext(IdForLog(message.id), call.scope.principal, std::move(services)));

  if (const auto invalid = requester.invalid_answer()) {
    return InvalidParams(message, invalid->message());
  }
  if (const Json missing = requester.missing_capabilities(); outcome.failed && !missing.empty()) {
    return MakeError(message.id, rpc::kMissingRequiredClientCapability,
                     "Missing required client capability", {{"requiredCapabilities", missing}});
  }
  if (!requester.pending() || !MayRequireInput(message.method)) {
    return std::move(outcome.answer);
  }
  const RequestStateCodec::State state{
      .subject = call.scope.principal.subject,
      .binding = binding,
      .expires = options_.clock->Now() + options_.request_state_ttl,
      .answers = requester.used_answers()};
  return MakeResult(message.id, {{"resultType", "input_required"},
                                 {"inputRequests", requester.input_requests()},
                                 {"requestState", state_codec_.Seal(state)}});
}

Json Server::CallTool(const Call& call) const {
  const Message& message = call.message;
  const Json name = message.params.value("name", Json());
  if (!name.is_string()) {
    return InvalidParams(message, "tools/call needs \"name\" (a string)");
  }
  const ToolDefinition* tool = catalog_.tools->Find(name.get<std::string>());
  if (tool == nullptr) {
    if (const std::string* why = catalog_.tools->Withheld(name.get<std::string>())) {
      return InvalidParams(message, fmt::format("tool '{}' is not exposed by this server: {}",
                                                name.get<std::string>(), *why));
    }
    return InvalidParams(message, fmt::format("unknown tool '{}'; tools/list names the tools",
                                              name.get<std::string>()));
  }
  // Read in place: the arguments may hold megabytes of rich text.
  const auto given = message.params.find("arguments");
  const Json& arguments =
      given == message.params.end() || given->is_null() ? NoArguments() : *given;

  if (auto status = ValidateArguments(tool->input_schema, arguments); !status.ok()) {
    Log()->debug("bad_arguments id={} tool={} why={}", IdForLog(message.id), tool->name,
                 status.message());
    return MakeResult(message.id, ToolResultToJson(ToolResult::Error(fmt::format(
                                      "Invalid arguments for {}: {}. Fix the arguments and call "
                                      "again.",
                                      tool->name, status.message()))));
  }

  return RunWithClient(call, tool->name, arguments, [&](const CallContext& context) {
    ToolResult result = RunHandler(*tool, arguments, context);
    if (!result.is_error && result.structured) {
      if (auto status = ValidateArguments(tool->output_schema, *result.structured); !status.ok()) {
        Log()->error("output_schema_mismatch id={} tool={} why={}", IdForLog(message.id),
                     tool->name, status.message());
      }
    }
    Log()->debug("tool_done id={} tool={} error={}", IdForLog(message.id), tool->name,
                 result.is_error);
    const bool is_error = result.is_error;
    return HandlerOutcome{MakeResult(message.id, ToolResultToJson(std::move(result))), is_error};
  });
}

Json Server::GetPrompt(const Call& call) const {
  const Message& message = call.message;
  const Json name = message.params.value("name", Json());
  if (!name.is_string()) {
    return InvalidParams(message, "prompts/get needs \"name\" (a string)");
  }
  const PromptDefinition* prompt = catalog_.prompts->Find(name.get<std::string>());
  if (prompt == nullptr) {
    return InvalidParams(message, fmt::format("unknown prompt '{}'; prompts/list names the prompts",
                                              name.get<std::string>()));
  }
  Json arguments = message.params.value("arguments", Json::object());
  if (arguments.is_null()) {
    arguments = Json::object();
  }
  if (!arguments.is_object()) {
    return InvalidParams(message, "\"arguments\" must be an object of strings");
  }
  for (const auto& [key, value] : arguments.items()) {
    if (!value.is_string()) {
      return InvalidParams(message, fmt::format("argument '{}' must be a string", key));
    }
  }
  for (const PromptArgument& argument : prompt->arguments) {
    if (argument.required && !arguments.contains(argument.name)) {
      return InvalidParams(
          message, fmt::format("prompt '{}' needs the argument '{}'", prompt->name, argument.name));
    }
  }

  return RunWithClient(call, prompt->name, arguments, [&](const CallContext& context) {
    auto result = RunPrompt(*prompt, arguments, context);
    if (!result.ok()) {
      return HandlerOutcome{StatusToError(message, result.status()), true};
    }
    Json out = {{"messages", result.value().messages}};
    if (!result.value().description.empty()) {
      out["description"] = result.value().description;
    }
    return HandlerOutcome{MakeResult(message.id, std::move(out)), false};
  });
}

Json Server::ReadResource(const Call& call) const {
  const Message& message = call.message;
  const Json uri_json = message.params.value("uri", Json());
  if (!uri_json.is_string()) {
    return InvalidParams(message, "resources/read needs \"uri\" (a string)");
  }
  const std::string uri = uri_json.get<std::string>();
  std::function<core::Result<std::vector<ResourceContents>>(const CallContext&)> read;
  CacheHint cache;
  if (const ResourceDefinition* resource = catalog_.resources->Find(uri)) {
    cache = resource->cache;
    read = [resource, uri](const CallContext& context) { return resource->read(uri, context); };
  } else if (auto match = catalog_.resources->MatchTemplate(uri)) {
    cache = match->resource_template->cache;
    read = [resource_template = match->resource_template, variables = std::move(match->variables),
            uri](const CallContext& context) {
      return resource_template->read(uri, variables, context);
    };
  } else {
    return ResourceNotFound(message, uri, call.era);
  }

  return RunWithClient(call, uri, NoArguments(), [&](const CallContext& context) {
    auto contents = RunRead([&] { return read(context); }, context);
    if (!contents.ok() && contents.status().code() == core::Code::kNotFound) {
      return HandlerOutcome{ResourceNotFound(message, uri, call.era), true};
    }
    if (!contents.ok()) {
      return HandlerOutcome{StatusToError(message, contents.status()), true};
    }
    if (contents.value().empty()) {
      // SEP-2164: never an empty contents array for a resource that is not there.
      return HandlerOutcome{ResourceNotFound(message, uri, call.era), true};
    }
    Json list = Json::array();
    for (const ResourceContents& entry : contents.value()) {
      list.push_back(ResourceContentsToJson(entry));
    }
    Json result = {{"contents", std::move(list)}};
    if (call.era == Era::kModern) {
      result["ttlMs"] = cache.ttl_ms;
      result["cacheScope"] = cache.shared ? "public" : "private";
    }
    return HandlerOutcome{MakeResult(message.id, std::move(result)), false};
  });
}

Json Server::Complete(const Call& call) const {
  const Message& message = call.message;
  const Json ref = message.params.value("ref", Json());
  const Json argument = message.params.value("argument", Json());
  if (!ref.is_object() || !argument.is_object() || !argument.value("name", Json()).is_string() ||
      !argument.value("value", Json()).is_string()) {
    return InvalidParams(message,
                         "completion/complete needs \"ref\" and \"argument\" {name, value}");
  }
  const std::string arg_name = argument["name"].get<std::string>();
  Json context = message.params.value("context", Json::object());
  Json context_arguments =
      context.is_object() ? context.value("arguments", Json::object()) : Json::object();

  CompleteFn complete;
  const Json type = ref.value("type", Json());
  if (type == "ref/prompt") {
    const PromptDefinition* prompt =
        catalog_.prompts ? catalog_.prompts->Find(ref.value("name", std::string())) : nullptr;
    if (prompt == nullptr) {
      return InvalidParams(message, "unknown prompt in ref");
    }
    const auto it = std::find_if(prompt->arguments.begin(), prompt->arguments.end(),
                                 [&](const PromptArgument& a) { return a.name == arg_name; });
    if (it == prompt->arguments.end()) {
      return InvalidParams(message,
                           fmt::format("prompt '{}' has no argument '{}'", prompt->name, arg_name));
    }
    complete = it->complete;
  } else if (type == "ref/resource") {
    const ResourceTemplateDefinition* resource_template =
        catalog_.resources ? catalog_.resources->FindTemplate(ref.value("uri", std::string()))
                           : nullptr;
    if (resource_template == nullptr) {
      return InvalidParams(message, "unknown resource template in ref");
    }
    if (const auto it = resource_template->complete.find(arg_name);
        it != resource_template->complete.end()) {
      complete = it->second;
    }
  } else {
    return InvalidParams(message, "ref.type must be ref/prompt or ref/resource");
  }

  std::vector<std::string> values;
  if (complete) {
    try {
      values = complete(argument["value"].get<std::string>(), context_arguments);
    } catch (const std::exception& error) {
      Log()->error("complete_threw id={} what={}", IdForLog(message.id), error.what());
    }
  }
  return MakeResult(message.id, {{"completion", CompletionToJson(values)}});
}

Json ToolToJson(const ToolDefinition& tool, bool annotation_title) {
  Json out = {{"name", tool.name},
              {"description", tool.description},
              {"inputSchema", tool.input_schema},
              {"annotations", AnnotationsToJson(tool, annotation_title)}};
  if (!tool.title.empty()) {
    out["title"] = tool.title;
  }
  if (!tool.output_schema.is_null()) {
    out["outputSchema"] = tool.output_schema;
  }
  return out;
}

}  // namespace mcp
