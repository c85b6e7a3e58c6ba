// HttpTransport: MCP over Streamable HTTP (one endpoint, default /mcp) on cpp-httplib, serving
// both protocol eras, with the server acting as an OAuth protected resource (RFC 9728). The
// endpoint is served at Options::path and at the public URL's path as written ("/mcp/" keeps its
// slash, a bare origin is "/").
//
// Per request, in this order:
//   1. Host and Origin checked against an allow-list (403): DNS-rebinding defence.
//   2. OPTIONS: CORS preflight, no token needed. GET of the RFC 9728 metadata, no token needed.
//   3. Authorization (with an authenticator): no or bad bearer token -> 401 with
//      `WWW-Authenticate: Bearer resource_metadata="..."`, too little scope -> 403
//      insufficient_scope. This comes before every 400/404/405/406/413 decision.
//   4. POST: Accept must cover application/json and text/event-stream (406), Content-Type
//      application/json (415), one JSON-RPC message of at most max_body_bytes (413; a batch or
//      broken JSON -> 400 with the JSON-RPC error). Notifications and responses -> 202, no body.
//      - 2026-07-28 (params._meta carries the protocol version): stateless. MCP-Protocol-Version,
//        Mcp-Method and Mcp-Name must match the body, else 400 with HeaderMismatch (-32020);
//        UnsupportedProtocolVersion and MissingRequiredClientCapability answers are 400, an
//        unknown method 404, each with its JSON-RPC error body. Mcp-Session-Id is ignored.
//      - legacy: `initialize` opens a session (Mcp-Session-Id in the answer). Other requests need
//        the header (400 without it); an unknown, expired, deleted or other subject's session is
//        404 every time. A present MCP-Protocol-Version must name a legacy version (400).
//        A subject at max_sessions_per_subject loses its least recently used session to a new
//        `initialize` (ended as by DELETE); only a full server answers 503.
//      A tools/call with a progressToken is answered as an SSE stream (progress, then the
//      answer). tools/call, prompts/get and resources/read otherwise answer as application/json
//      unless the handler sends something first (a log message, or in a legacy session a
//      request to the client: sampling, elicitation, roots), which turns the answer into an SSE
//      stream carrying those messages and then the answer. The client POSTs its answers to our
//      requests on its session (202). Everything else answers as application/json.
//      A request without Mcp-Session-Id whose MCP-Protocol-Version header is 2026-07-28 is
//      served as 2026-07-28 even when its _meta is incomplete (so it gets -32602, status 400).
//   5. GET: a legacy session's server-to-client SSE stream: the session's notifications
//      (Session::Notify, such as notifications/resources/updated; the latest 256 are kept while
//      no stream is open) and keep-alive comments, until the session or the server ends.
//      Requests to the client travel on the POST answers instead. 405 without a session or for
//      2026-07-28. DELETE ends a session (204; then 404 for it).
//
// Cancellation: notifications/cancelled cancels a running call of the same session (legacy) or
// subject (2026-07-28); for 2026-07-28 a closed SSE answer stream cancels its call too.
// Thread-safe. The Server must outlive the transport.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/principal.h"
#include "core/secret.h"
#include "core/status.h"
#include "mcp/server.h"

namespace mcp {

// Decides who a bearer token belongs to. Implemented outside mcp/ (by the JWT verifier's owner).
class HttpAuthenticator {
 public:
  virtual ~HttpAuthenticator() = default;

  // `bearer_token` is the token of "Authorization: Bearer <token>" (requests without one are
  // answered 401 before this is called). Returns the caller, with Principal::token set to the
  // token; or kUnauthenticated (answered 401 error="invalid_token"), kPermissionDenied (403
  // error="insufficient_scope"), kUnavailable or kDeadlineExceeded (503: the verifier could not
  // check, for example the JWKS is unreachable). The Status message is client-safe and goes into
  // error_description; the detail is never sent. Called concurrently from many threads.
  virtual core::Result<core::Principal> Authenticate(const core::Secret& bearer_token) = 0;
};

class HttpTransport {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: pick a free port; port() tells which
    std::string path = "/mcp";
    // This server's resource URL, as clients reach it (for example https://mcp.example.com/mcp).
    // RFC 9728 `resource` is exactly this string. Empty: http://<host>:<bound port><path>.
    std::string public_url;

    // Authorization. With an authenticator, every MCP request needs a bearer token and the RFC
    // 9728 metadata is served; `authorization_server` (the Keycard zone URL) is then required.
    // Without one the transport is single-user: every request acts as local_principal() (or a
    // default Principal), no metadata is served, and Start() refuses a non-loopback host.
    std::shared_ptr<HttpAuthenticator> authenticator;
    std::function<core::Principal()> local_principal;
    std::string authorization_server;
    // Metadata `scopes_supported`; empty: required_scopes (so an empty list there says that no
    // scope is needed).
    std::vector<std::string> scopes_supported;
    std::vector<std::string> required_scopes;  // `scope` in 401/403 challenges
    std::string resource_name;                 // metadata `resource_name`; empty: left out

    // Host and Origin values accepted in addition to the defaults: localhost, 127.0.0.1 and
    // [::1] at the bound port, and the public URL's authority and origin.
    std::vector<std::string> allowed_hosts;    // "mcp.example.com", "10.0.0.5:8080"
    std::vector<std::string> allowed_origins;  // "https://app.example.com"

    std::size_t max_body_bytes = 4U << 20;
    std::size_t max_sessions = 1000;
    std::size_t max_sessions_per_subject = 100;  // see HttpSessionStore::Options
    std::size_t max_streams = 8;                 // open GET streams, server-wide; one per session
    std::chrono::seconds session_idle_timeout{1800};
    // Connection threads; must exceed max_streams. httplib holds one per open keep-alive
    // connection until it idles out (keep_alive_timeout), so a client past this many waits.
    std::size_t threads = 128;
    std::chrono::milliseconds sse_keepalive{10000};  // comment interval on quiet SSE streams
    std::chrono::seconds keep_alive_timeout{5};      // idle HTTP keep-alive connections
    // Stop(): how long running calls may take to finish, and then to honour cancellation.
    std::chrono::milliseconds shutdown_grace{5000};
    // How long a handler waits for the client to answer one of our requests.
    std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};
    const core::Clock* clock = nullptr;  // session idle time; null: the system clock
  };

  HttpTransport(const Server& server, Options options);
  ~HttpTransport();  // Stop()s a running transport
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Validates the options, binds host:port and starts serving on background threads. Errors:
  // kInvalidArgument for bad options (single-user mode on a non-loopback host, a public URL that
  // is not http(s), no authorization_server with an authenticator, threads <= max_streams),
  // kUnavailable when the address cannot be bound. Call once.
  core::Status Start();

  // The bound port (after Start()).
  int port() const;
  // The effective resource URL (after Start()).
  std::string public_url() const;

  // Clean shutdown, idempotent: refuses new requests (503), ends GET streams, lets running calls
  // finish for shutdown_grace, then sets their cancel flags and waits up to shutdown_grace more
  // (and after that for as long as a handler ignores its flag, logging a warning), then closes
  // the listener. Idle keep-alive connections close within keep_alive_timeout.
  void Stop();

  // Start(), then serve until RequestStop(), then Stop(). Returns 0, or 1 when Start() failed
  // (the reason is logged). For main(): block SIGINT/SIGTERM in every thread before calling
  // Run() and call RequestStop() from a thread that sigwait()s for them.
  int Run();
  // Makes Run() return; safe from any thread (not from a signal handler).
  void RequestStop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp
