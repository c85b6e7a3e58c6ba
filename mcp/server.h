// Server: the MCP method dispatcher shared by every transport, serving both protocol eras.
//
// Era selection (DESIGN.md §2): a request whose params._meta carries
// "io.modelcontextprotocol/protocolVersion" (or that arrives with a 2026-07-28 protocol version
// from the transport, such as HTTP's MCP-Protocol-Version header) is served statelessly under
// 2026-07-28 rules; any other request is legacy and needs an `initialize` on its Session first.
// Handlers never see the era: only the answer's dressing differs (resultType, ttlMs/cacheScope,
// serverInfo _meta), and how their questions to the client travel (legacy: server-to-client
// requests through the transport's ClientChannel; 2026-07-28: input_required results, MRTR).
//
// What is served follows what is registered: tools always; prompts, resources and completion
// only when a registry for them is given (otherwise their methods are -32601 and no capability
// is advertised).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/principal.h"
#include "mcp/client_request.h"
#include "mcp/client_request_mrtr.h"
#include "mcp/json_rpc.h"
#include "mcp/prompt.h"
#include "mcp/resource.h"
#include "mcp/tool_registry.h"

namespace mcp {

inline constexpr const char* kModernVersion = "2026-07-28";
inline constexpr const char* kLatestLegacyVersion = "2025-11-25";
inline constexpr const char* kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
inline constexpr const char* kMetaLogLevel = "io.modelcontextprotocol/logLevel";

// Legacy versions accepted in `initialize`, newest first.
const std::vector<std::string>& LegacyVersions();
// Every version this server speaks, newest first.
const std::vector<std::string>& SupportedVersions();

enum class Era { kLegacy, kModern };

// The era a message asks for, by its _meta (see the file comment).
Era EraOf(const Message& message);
// The same, also honouring a protocol version the transport carried outside the body (HTTP's
// MCP-Protocol-Version header; empty when there is none).
Era EraOf(const Message& message, const std::string& transport_version);

struct ServerInfo {
  std::string name = "jira-mcp";
  std::string title = "Jira";
  std::string version;
  std::string instructions;
};

class SubscriberList;

// Legacy-era state: one per stdio process or per HTTP session. Thread-safe.
class Session {
 public:
  Session() = default;
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool initialized() const;
  std::string protocol_version() const;
  Json client_capabilities() const;
  std::string log_level() const;

  // Records a completed initialize; false when the session was initialized already.
  bool Initialize(std::string protocol_version, Json client_capabilities);
  void SetLogLevel(std::string level);

  // The session's own channel to the client for notifications outside any request (stdio:
  // stdout; HTTP: the session's GET stream). Set by the transport; may stay empty.
  void SetNotifier(std::function<void(const Json& notification)> notifier);
  // Sends through the notifier; false when there is none.
  bool Notify(const Json& notification) const;

  // resources/subscribe state.
  bool IsSubscribed(const std::string& uri) const;

 private:
  friend class Server;
  void Subscribe(const std::string& uri, const std::shared_ptr<SubscriberList>& list);
  void Unsubscribe(const std::string& uri);

  mutable std::mutex mutex_;
  bool initialized_ = false;
  std::string protocol_version_;
  Json client_capabilities_ = Json::object();
  std::string log_level_ = "info";
  std::function<void(const Json&)> notifier_;
  std::set<std::string> subscriptions_;
  std::weak_ptr<SubscriberList> subscriber_list_;
};

// The sessions with resource subscriptions, for Server::NotifyResourceUpdated. Thread-safe; a
// Session removes itself when destroyed.
class SubscriberList {
 public:
  void Add(Session* session);
  void Remove(Session* session);
  // Calls `fn` for every session, under the list's lock (so none is destroyed meanwhile).
  void ForEach(const std::function<void(const Session&)>& fn) const;

 private:
  mutable std::mutex mutex_;
  std::set<Session*> sessions_;
};

// What one request runs with.
struct RequestScope {
  core::Principal principal;
  Session* session = nullptr;  // legacy state; may be null where no session exists
  const std::atomic<bool>* cancelled = nullptr;
  // Sends a request-scoped notification (progress, log messages) to the client; may be empty.
  std::function<void(const Json& notification)> notify;
  // Carries legacy server-to-client requests made while this request runs (sampling,
  // elicitation, roots); null where the transport cannot.
  ClientChannel* client = nullptr;
  // A protocol version the transport received outside the body (HTTP: MCP-Protocol-Version);
  // empty when there is none. Only used to pick the era (see EraOf).
  std::string transport_version;
};

// Everything a server exposes. Null registries are not served.
struct Catalog {
  std::shared_ptr<const ToolRegistry> tools;
  std::shared_ptr<const PromptRegistry> prompts;
  std::shared_ptr<const ResourceRegistry> resources;
};

class Server {
 public:
  struct Options {
    std::size_t tools_page_size = 100;  // tools/list page size
    std::size_t page_size = 100;        // prompts/list, resources/list, resources/templates/list
    long long list_ttl_ms = 300000;     // 2026-07-28 ttlMs on list results
    // 2026-07-28 MRTR: the HMAC key for requestState (empty: a random per-process key) and how
    // long a client may take to answer an input_required result.
    std::string request_state_key;
    std::chrono::seconds request_state_ttl{600};
    const core::Clock* clock = nullptr;  // requestState expiry; null: the system clock
  };

  Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools);
  Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools, Options options);
  Server(ServerInfo info, Catalog catalog, Options options);

  // Answers a request; returns nullopt for notifications and responses. Never throws.
  // Thread-safe: requests may be handled concurrently.
  std::optional<Json> Handle(const Message& message, const RequestScope& scope) const;

  // Sends notifications/resources/updated to every legacy session subscribed to `uri` (through
  // each session's notifier). Thread-safe.
  void NotifyResourceUpdated(const std::string& uri) const;

  // The capabilities this server advertises in `era` (initialize / server/discover).
  Json Capabilities(Era era) const;

  const ServerInfo& info() const { return info_; }
  const ToolRegistry& tools() const { return *catalog_.tools; }

 private:
  struct Call;

  Json HandleLegacy(const Message& message, const RequestScope& scope) const;
  Json HandleModern(const Message& message, const RequestScope& scope) const;
  std::optional<Json> HandleCommon(const Call& call) const;
  Json Initialize(const Message& message, Session* session) const;
  Json SetLevel(const Message& message, Session* session) const;
  Json Subscribe(const Message& message, Session* session, bool subscribe) const;
  Json Discover(const Message& message) const;
  Json ListTools(const Call& call) const;
  Json CallTool(const Call& call) const;
  Json ListPrompts(const Call& call) const;
  Json GetPrompt(const Call& call) const;
  Json ListResources(const Call& call) const;
  Json ListResourceTemplates(const Call& call) const;
  Json ReadResource(const Call& call) const;
  Json Complete(const Call& call) const;
  bool HasCompletions() const;
  Json ServerInfoJson() const;

  // Runs `run` (a handler call) with a CallContext whose requests to the client travel the
  // era's way, and turns its outcome into the answer: `run` returns the complete result, or an
  // error answer, plus whether the handler failed.
  struct HandlerOutcome {
    Json answer;  // a complete JSON-RPC answer (result or error)
    bool failed = false;
  };
  // `name` and `arguments` are the request's salient parameters (what a requestState is bound to).
  Json RunWithClient(const Call& call, const std::string& name, const Json& arguments,
                     const std::function<HandlerOutcome(const CallContext&)>& run) const;

  ServerInfo info_;
  Catalog catalog_;
  Options options_;
  RequestStateCodec state_codec_;
  std::shared_ptr<SubscriberList> subscribers_ = std::make_shared<SubscriberList>();
};

// The MCP `Tool` object for a definition (name, title, description, schemas, annotations).
// annotation_title: repeat the title in the annotations (2025-03-26 has no top-level title).
Json ToolToJson(const ToolDefinition& tool, bool annotation_title = false);

}  // namespace mcp
