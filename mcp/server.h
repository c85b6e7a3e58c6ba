// Server: the MCP method dispatcher shared by every transport, serving both protocol eras.
//
// Era selection (DESIGN.md §2): a request whose params._meta carries
// "io.modelcontextprotocol/protocolVersion" is served statelessly under 2026-07-28 rules; any
// other request is legacy and needs an `initialize` on its Session first. Tool handlers never see
// the era: only the answer's dressing differs (resultType, ttlMs/cacheScope, serverInfo _meta).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/principal.h"
#include "mcp/json_rpc.h"
#include "mcp/tool_registry.h"

namespace mcp {

inline constexpr const char* kModernVersion = "2026-07-28";
inline constexpr const char* kLatestLegacyVersion = "2025-11-25";
inline constexpr const char* kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

// Legacy versions accepted in `initialize`, newest first.
const std::vector<std::string>& LegacyVersions();
// Every version this server speaks, newest first.
const std::vector<std::string>& SupportedVersions();

enum class Era { kLegacy, kModern };

// The era a message asks for, by its _meta (see the file comment).
Era EraOf(const Message& message);

struct ServerInfo {
  std::string name = "jira-mcp";
  std::string title = "Jira";
  std::string version;
  std::string instructions;
};

// Legacy-era state: one per stdio process or per HTTP session. Thread-safe.
class Session {
 public:
  bool initialized() const;
  std::string protocol_version() const;
  Json client_capabilities() const;
  std::string log_level() const;

  // Records a completed initialize; false when the session was initialized already.
  bool Initialize(std::string protocol_version, Json client_capabilities);
  void SetLogLevel(std::string level);

 private:
  mutable std::mutex mutex_;
  bool initialized_ = false;
  std::string protocol_version_;
  Json client_capabilities_ = Json::object();
  std::string log_level_ = "info";
};

// What one request runs with.
struct RequestScope {
  core::Principal principal;
  Session* session = nullptr;  // legacy state; may be null where no session exists
  const std::atomic<bool>* cancelled = nullptr;
  // Sends a request-scoped notification (progress) to the client; may be empty.
  std::function<void(const Json& notification)> notify;
};

class Server {
 public:
  struct Options {
    std::size_t tools_page_size = 100;  // tools/list page size
    long long list_ttl_ms = 300000;     // 2026-07-28 ttlMs on list results
  };

  Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools);
  Server(ServerInfo info, std::shared_ptr<const ToolRegistry> tools, Options options);

  // Answers a request; returns nullopt for notifications and responses. Never throws.
  // Thread-safe: requests may be handled concurrently.
  std::optional<Json> Handle(const Message& message, const RequestScope& scope) const;

  const ServerInfo& info() const { return info_; }
  const ToolRegistry& tools() const { return *tools_; }

 private:
  Json HandleLegacy(const Message& message, const RequestScope& scope) const;
  Json HandleModern(const Message& message, const RequestScope& scope) const;
  Json Initialize(const Message& message, Session* session) const;
  Json SetLevel(const Message& message, Session* session) const;
  Json Discover(const Message& message) const;
  Json ListTools(const Message& message, Era era) const;
  Json CallTool(const Message& message, const RequestScope& scope, Era era) const;
  Json ServerInfoJson() const;

  ServerInfo info_;
  std::shared_ptr<const ToolRegistry> tools_;
  Options options_;
};

// The MCP `Tool` object for a definition (name, title, description, schemas, annotations).
Json ToolToJson(const ToolDefinition& tool);

}  // namespace mcp
