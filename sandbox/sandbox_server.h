// SandboxServer: Jira Cloud and a Keycard-like identity zone on one loopback port.
//
// One base URL serves as both KEYCARD_ZONE_URL and ATLASSIAN_API_URL:
//   zone       /.well-known/oauth-authorization-server (RFC 8414), /.well-known/jwks.json,
//              /oauth/2/authorize, /oauth/2/token (password for demo users, authorization_code +
//              PKCE S256, refresh_token, RFC 8693 token exchange for the Jira resource);
//   Atlassian  /oauth/token/accessible-resources, /ex/jira/{cloudId}/rest/api/3/...,
//              /ex/jira/{cloudId}/rest/agile/1.0/... (a stateful subset; see README).
// Seeded with a demo team (sandbox/seed.h). The server binds loopback addresses only.
//
// Thread-safety: Start and Stop from one thread; requests are served on the server's own
// threads, one at a time against the state.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/secret.h"
#include "core/status.h"

namespace sandbox {

inline constexpr std::string_view kDefaultClientId = "jira-mcp-sandbox";
inline constexpr std::string_view kDefaultClientSecret = "sandbox-secret";
inline constexpr std::string_view kDefaultDemoPassword = "sandbox";

class SandboxServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // 127.0.0.0/8, ::1 or localhost; anything else is refused
    int port = 0;                    // 0: pick a free port
    std::string state_file;          // load from it when it exists; save every change to it
    std::uint32_t seed = 0;          // 0: the default seed
    std::string client_id = std::string(kDefaultClientId);
    core::Secret client_secret{std::string(kDefaultClientSecret)};
    std::string demo_password = std::string(kDefaultDemoPassword);
    std::chrono::seconds token_lifetime{3600};
    const core::Clock* clock = nullptr;  // nullptr: the system clock; must outlive the server
  };

  explicit SandboxServer(Options options);
  ~SandboxServer();  // stops
  SandboxServer(const SandboxServer&) = delete;
  SandboxServer& operator=(const SandboxServer&) = delete;

  // Loads or seeds the state, generates the signing key, binds and starts serving on a
  // background thread. kInvalidArgument for a non-loopback host or a bad state file,
  // kUnavailable when the port cannot be bound.
  core::Status Start();
  // Valid after a successful Start.
  int port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT", no trailing slash
  // Stops serving and joins the thread; safe to call twice.
  void Stop();

  // A zone user token for a demo user (login, e-mail or account id), audience `audience` (the
  // zone itself when empty), as the password grant would issue. kNotFound for an unknown user.
  core::Result<std::string> UserToken(const std::string& user, const std::string& audience = {},
                                      const std::string& scope = {});

 private:
  struct Impl;
  Options options_;
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1, [::1] and localhost.
bool IsLoopbackHost(const std::string& host);

// `jira-mcp sandbox ...`; argv[0] is "sandbox". Returns the process exit code.
int Main(int argc, char** argv);

}  // namespace sandbox
