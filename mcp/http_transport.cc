#include "mcp/http_transport.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include "core/listen_error.h"
#include "core/listening_server.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/url.h"
#include "mcp/http_rules.h"
#include "mcp/http_sessions.h"

namespace mcp {
namespace {

using httplib::Request;
using httplib::Response;
using Routing = httplib::Server::HandlerResponse;

// Server-defined JSON-RPC codes (the -32000..-32099 implementation range, outside the part that
// 2026-07-28 reserves for its own errors, so a legacy answer never looks modern).
constexpr int kSessionNotFound = -32001;
constexpr int kServerBusy = -32000;

constexpr const char* kWellKnown = "/.well-known/oauth-protected-resource";
constexpr const char* kExposedHeaders = "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version";
constexpr const char* kRequestHeaders =
    "Authorization, Content-Type, Accept, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, "
    "Mcp-Name, Last-Event-ID";
constexpr const char* kMcpMethods = "GET, POST, DELETE, OPTIONS";

std::shared_ptr<spdlog::logger> Log() { return core::GetLogger("mcp_http"); }

std::optional<std::string> Header(const Request& req, const char* name) {
  if (!req.has_header(name)) {
    return std::nullopt;
  }
  return req.get_header_value(name);
}

// Every JSON answer of the MCP endpoint goes through here: it may hold a user's Jira data, which
// no cache may keep (no-store).
void SendJsonText(Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body, "application/json");
}

void SendJson(Response& res, int status, const Json& body) {
  SendJsonText(res, status, Serialize(body));
}

void SendRpcError(Response& res, int status, const Json& id, int code, const std::string& text) {
  SendJson(res, status, MakeError(id, code, text));
}

// Asks the client not to reuse the connection: the request's body may be partly unread, and
// leftover bytes must never be taken for a next request. (cpp-httplib 0.11 itself keeps the
// connection until its keep-alive timeout; compliant clients do not send on it again.)
void CloseAfter(Response& res) { res.set_header("Connection", "close"); }

bool IsLegacyVersion(const std::string& version) {
  const auto& versions = LegacyVersions();
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

// A name that resolves elsewhere ("127.example.com") is no loopback address: IPv4 must be a
// literal in 127.0.0.0/8.
bool IsLoopbackHost(const std::string& host) {
  in_addr ipv4{};
  if (::inet_pton(AF_INET, host.c_str(), &ipv4) == 1) {
    return (ntohl(ipv4.s_addr) >> 24) == 127;
  }
  return host == "localhost" || host == "::1" || host == "[::1]";
}

// Access-Control-Request-Headers is echoed when it holds header names only (Mcp-Param-* names
// vary per tool, so no fixed list can cover them).
bool IsHeaderNameList(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == ',' ||
           c == ' ';
  });
}

// Where the server answers a request's status by its JSON-RPC error (Streamable HTTP 2026-07-28
// "Protocol Version Header" and "Server Validation"); legacy errors travel with 200.
int StatusFor(const Json& answer, Era era) {
  if (era != Era::kModern || !answer.contains("error")) {
    return 200;
  }
  const int code = answer["error"].value("code", 0);
  if (code == rpc::kHeaderMismatch || code == rpc::kMissingRequiredClientCapability ||
      code == rpc::kUnsupportedProtocolVersion) {
    return 400;
  }
  return code == rpc::kMethodNotFound ? 404 : 200;
}

// Only tools/call reports progress; other requests answer at once as JSON. A 2026-07-28 request
// for another version is answered as JSON too, so its UnsupportedProtocolVersion error gets 400.
bool WantsStream(const Message& message, Era era) {
  if (message.method != "tools/call") {
    return false;
  }
  const Json meta = message.params.value("_meta", Json::object());
  if (!meta.is_object()) {
    return false;
  }
  const Json token = meta.value("progressToken", Json());
  if (!token.is_string() && !token.is_number_integer()) {
    return false;
  }
  return era == Era::kLegacy || meta.value(kMetaProtocolVersion, Json()) == kModernVersion;
}

// Requests whose handlers may send messages before their answer (log messages, requests to the
// client); they answer as JSON unless something comes first.
bool MayStream(const Message& message) {
  return message.method == "tools/call" || message.method == "prompts/get" ||
         message.method == "resources/read";
}

// 2026-07-28 requests must carry these _meta keys (basic/index "Per-request protocol fields").
bool MissingRequiredMeta(const Message& message) {
  const Json meta = message.params.value("_meta", Json::object());
  return !meta.is_object() || !meta.contains(kMetaProtocolVersion) ||
         !meta.contains(kMetaClientCapabilities);
}

// Session notifications kept for a GET stream that is not open (yet).
constexpr std::size_t kMaxQueuedNotifications = 256;

std::string SessionKey(const std::string& session_id) { return "s:" + session_id; }
std::string SubjectKey(const std::string& subject) { return "u:" + subject; }

std::string JoinScopes(const std::vector<std::string>& scopes) {
  return fmt::format("{}", fmt::join(scopes, " "));
}

// A running request, findable by notifications/cancelled.
struct InFlight {
  explicit InFlight(std::string key) : key(std::move(key)) {}
  const std::string key;  // scope key, LF, serialized JSON-RPC id
  std::atomic<bool> cancelled{false};
  std::atomic<bool> by_client{false};
};

// The events of one SSE answer, handed from the call's thread to the connection's thread.
class EventQueue {
 public:
  struct Batch {
    std::vector<std::string> events;
    bool finished = false;  // the last event (the answer, if any) is in `events`
  };

  void Push(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
    changed_.notify_all();
  }

  void Finish(std::optional<std::string> answer) {
    std::lock_guard lock(mutex_);
    if (answer) {
      events_.push_back(std::move(*answer));
    }
    finished_ = true;
    changed_.notify_all();
  }

  // Blocks until an event is queued or the call finished. Returns the answer (empty when there
  // is none) when the call finished with nothing else queued; nullopt when events are waiting
  // (the answer must then be a stream; the events stay queued).
  std::optional<std::string> AnswerOnly() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !events_.empty() || finished_; });
    if (!finished_ || events_.size() > 1) {
      return std::nullopt;
    }
    std::string answer = events_.empty() ? std::string() : std::move(events_.front());
    events_.clear();
    return answer;
  }

  Batch Take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return !events_.empty() || finished_; });
    Batch batch{{events_.begin(), events_.end()}, finished_};
    events_.clear();
    return batch;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> events_;
  bool finished_ = false;
};

// Legacy requests to the client, carried as events on the POST's SSE answer; the client POSTs
// its answers on the session, where HandleNotice hands them to the session's pending table.
class SseChannel final : public ClientChannel {
 public:
  SseChannel(std::shared_ptr<HttpSession> session, std::shared_ptr<EventQueue> queue,
             std::chrono::milliseconds timeout)
      : session_(std::move(session)), queue_(std::move(queue)), timeout_(timeout) {}

  core::Result<Json> Call(const std::string& method, const Json& params,
                          const std::atomic<bool>* cancelled) override {
    return session_->client_requests.Call(method, params, cancelled, timeout_,
                                          [this](const Json& request) {
                                            queue_->Push(Serialize(request));
                                            return true;
                                          });
  }

 private:
  std::shared_ptr<HttpSession> session_;
  std::shared_ptr<EventQueue> queue_;
  std::chrono::milliseconds timeout_;
};

// One provider step of an SSE answer: the queued events, or a keep-alive comment after
// `keepalive` of quiet. False once the client has gone (a write failed).
bool WriteEvents(EventQueue& queue, httplib::DataSink& sink, std::chrono::milliseconds keepalive) {
  EventQueue::Batch batch = queue.Take(keepalive);
  if (batch.events.empty() && !batch.finished) {
    return sink.write(":\n\n", 3);
  }
  for (const std::string& event : batch.events) {
    const std::string frame = "event: message\ndata: " + event + "\n\n";
    if (!sink.write(frame.data(), frame.size())) {
      return false;
    }
  }
  if (batch.finished) {
    sink.done();
  }
  return true;
}

void SetStreamHeaders(Response& res) {
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Accel-Buffering", "no");  // proxies must pass events on at once
}

}  // namespace

class HttpTransport::Impl {
 public:
  Impl(const Server& server, Options options)
      : server_(server),
        options_(std::move(options)),
        sessions_({.max_sessions = options_.max_sessions,
                   .max_sessions_per_subject = options_.max_sessions_per_subject,
                   .idle_timeout = options_.session_idle_timeout,
                   .clock = options_.clock}) {}

  ~Impl() { Stop(); }

  core::Status Start();
  void Stop();
  int Run();
  void RequestStop();
  int BoundPort() const { return port_; }
  std::string PublicUrl() const { return public_url_; }

 private:
  core::Status Validate() const;
  core::Status Bind();
  void Configure();
  void PrepareMetadata();

  Routing PreRoute(const Request& req, Response& res);
  void HandlePost(const Request& req, Response& res, const httplib::ContentReader* reader);
  std::optional<core::Principal> Admit(const Request& req, Response& res);
  void Challenge(Response& res, int status, const std::string& error,
                 const std::string& description) const;
  void Preflight(const Request& req, Response& res, bool is_mcp) const;
  void ServeMetadata(const Request& req, Response& res) const;
  struct Body {
    std::string text;
    bool too_large = false;
    bool complete = false;  // read to its end; otherwise the connection must close
  };
  void Route(const Request& req, Response& res, const std::string& body,
             const core::Principal& principal);
  Body ReadBody(const Request& req, const httplib::ContentReader* reader, bool keep) const;
  // Reads and drops a refused request's body so that the connection stays usable.
  void Discard(const Request& req, const httplib::ContentReader* reader, Response& res) const;

  void HandleNotice(const Request& req, Response& res, const Message& message,
                    const core::Principal& principal);
  void PostLegacy(const Request& req, Response& res, Message message,
                  const core::Principal& principal);
  void PostModern(const Request& req, Response& res, Message message,
                  const core::Principal& principal);
  void Initialize(Response& res, const Message& message, const core::Principal& principal);
  bool ResolveSession(const Request& req, Response& res, const Json& id,
                      const core::Principal& principal, std::shared_ptr<HttpSession>& session);
  static bool CheckLegacyVersion(const Request& req, Response& res, const Json& id);
  void Dispatch(Response& res, Message message, const core::Principal& principal,
                const std::shared_ptr<HttpSession>& session, const std::string& scope_key, Era era);
  // Runs the call on its own thread. With `stream`, the answer is an SSE stream from the start;
  // without, it is JSON unless the handler sends something before its answer.
  void StartCall(Response& res, Message message, const core::Principal& principal,
                 const std::shared_ptr<HttpSession>& session,
                 const std::shared_ptr<InFlight>& flight, Era era, bool stream);

  void HandleGet(const Request& req, Response& res, const core::Principal& principal);
  void HandleDelete(const Request& req, Response& res, const core::Principal& principal);
  void OpenStream(Response& res, const std::shared_ptr<HttpSession>& session);
  bool StreamStep(HttpSession& session, std::size_t offset, httplib::DataSink& sink);
  void WakeStreams();

  std::shared_ptr<InFlight> Register(const std::string& key);
  void Unregister(const std::shared_ptr<InFlight>& flight);
  void EndAnswerStream();
  void Cancel(const std::string& scope_key, const Message& notification);
  void CancelScope(const std::string& scope_key);

  const Server& server_;
  Options options_;
  core::ListeningServer http_;
  HttpSessionStore sessions_;
  HostPolicy hosts_;
  int port_ = 0;
  std::string public_url_;
  std::string metadata_url_;
  std::string metadata_body_;
  std::set<std::string> metadata_paths_;
  std::set<std::string> mcp_paths_;  // options_.path and the public URL's path
  std::thread listener_;
  std::atomic<bool> listening_done_{false};
  std::atomic<bool> stopping_{false};

  std::mutex calls_mutex_;  // guards the members up to calls_changed_
  bool started_ = false;
  bool stopped_ = false;
  std::multimap<std::string, std::shared_ptr<InFlight>> calls_;
  std::size_t running_ = 0;         // registered calls
  std::size_t answer_streams_ = 0;  // SSE answers still being written
  std::condition_variable calls_changed_;

  // The lock and signal of GET streams, shared with the sessions' notifiers (which may outlive
  // this transport: they then find it gone).
  struct StreamSignal {
    std::mutex mutex;
    std::condition_variable changed;
  };
  std::shared_ptr<StreamSignal> signal_ = std::make_shared<StreamSignal>();
  std::set<std::string> streaming_;  // sessions with an open GET stream; under signal_->mutex

  std::mutex run_mutex_;
  bool stop_requested_ = false;
  std::condition_variable run_changed_;
};

core::Status HttpTransport::Impl::Validate() const {
  const auto invalid = [](std::string why) {
    return core::Status(core::Code::kInvalidArgument, std::move(why));
  };
  if (options_.path.empty() || options_.path.front() != '/') {
    return invalid("the MCP path must start with '/'");
  }
  if (!options_.authenticator && !IsLoopbackHost(options_.host)) {
    return invalid(fmt::format(
        "HTTP without authorization is for one person on their own machine and binds a loopback "
        "address only, not '{}'",
        options_.host));
  }
  if (options_.authenticator && options_.authorization_server.empty()) {
    return invalid("the authorization server (Keycard zone URL) is required with authorization");
  }
  if (!options_.public_url.empty()) {
    if (auto url = core::ParseUrl(options_.public_url); !url.ok()) {
      return url.status().WithContext("the public URL");
    }
  }
  if (options_.threads <= options_.max_streams) {
    return invalid("threads must exceed max_streams, or open streams would starve requests");
  }
  if (options_.max_body_bytes == 0 || options_.max_sessions == 0 ||
      options_.max_sessions_per_subject == 0) {
    return invalid("max_body_bytes, max_sessions and max_sessions_per_subject must be positive");
  }
  return core::Status::Ok();
}

core::Status HttpTransport::Impl::Start() {
  {
    std::lock_guard lock(calls_mutex_);
    if (started_) {
      return {core::Code::kFailedPrecondition, "the HTTP transport was started already"};
    }
    started_ = true;
  }
  if (auto status = Validate(); !status.ok()) {
    return status;
  }
  Configure();
  if (auto status = Bind(); !status.ok()) {
    return status;
  }
  PrepareMetadata();
  listener_ = std::thread([this] {
    http_.listen_after_bind();
    listening_done_ = true;
  });
  // Stop() is only safe once the listener runs; this wait is short and bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!http_.is_running() && !listening_done_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!http_.is_running()) {
    return {core::Code::kUnavailable, "the HTTP listener did not start"};
  }
  Log()->info("serving MCP url={} listen={}:{} auth={}", public_url_, options_.host, port_,
              options_.authenticator ? "bearer" : "none");
  return core::Status::Ok();
}

core::Status HttpTransport::Impl::Bind() {
  if (options_.port == 0) {
    port_ = http_.bind_to_any_port(options_.host);
  } else if (http_.bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  } else {
    port_ = -1;
  }
  if (port_ <= 0) {
    return core::ListenFailed(options_.host, options_.port, errno);
  }
  if (!http_.RaiseBacklog()) {
    Log()->warn("listen_backlog_unchanged errno={}", errno);
  }
  return core::Status::Ok();
}

void HttpTransport::Impl::Configure() {
  const std::size_t threads = options_.threads;
  http_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Without it, a reply written in two parts waits for the client's delayed ACK (40 ms).
  http_.set_tcp_nodelay(true);
  // httplib's default socket options set SO_REUSEPORT, with which a second server (even one
  // without authorization) could bind this port too and take a share of its connections.
  // SO_REUSEADDR alone still lets a restart bind while old connections sit in TIME_WAIT.
  http_.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http_.set_payload_max_length(2 * options_.max_body_bytes);  // see ReadBody
  http_.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  http_.set_pre_routing_handler(
      [this](const Request& req, Response& res) { return PreRoute(req, res); });
  // Only POSTs to the MCP path get past PreRoute; with a body they come with a reader.
  http_.Post(".*", [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
    HandlePost(req, res, &reader);
  });
  http_.Post(".*", [this](const Request& req, Response& res) { HandlePost(req, res, nullptr); });
  http_.set_exception_handler(
      [](const Request& req, Response& res, const std::exception_ptr& error) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& thrown) {
          what = thrown.what();
        } catch (...) {
          what = "non-standard exception";
        }
        Log()->error("handler_threw method={} path={} what={}", req.method, req.path, what);
        SendRpcError(res, 500, nullptr, rpc::kInternalError, "Internal error");
      });
  http_.set_logger([](const Request& req, const Response& res) {
    Log()->debug("http method={} path={} status={}", req.method, req.path, res.status);
  });
}

void HttpTransport::Impl::PrepareMetadata() {
  if (options_.public_url.empty()) {
    const std::string host =
        options_.host.find(':') != std::string::npos ? "[" + options_.host + "]" : options_.host;
    public_url_ = fmt::format("http://{}:{}{}", host, port_, options_.path);
  } else {
    public_url_ = options_.public_url;
  }
  const core::Url url = core::ParseUrl(public_url_).value();
  hosts_ = HostPolicy::Defaults(port_, url, options_.allowed_hosts, options_.allowed_origins);
  metadata_url_ = ResourceMetadataUrl(url);
  // Clients post to the resource URL as configured (C19: "/mcp/" stays "/mcp/", a bare origin
  // is "/"); the local path stays served for proxies that map the public path onto it.
  mcp_paths_ = {options_.path, url.path.substr(0, url.path.find('?'))};
  if (!options_.authenticator) {
    return;  // single-user mode is no OAuth resource: nothing to discover
  }
  Json metadata = {{"resource", public_url_},  // exactly as configured (C19)
                   {"authorization_servers", {options_.authorization_server}},
                   {"bearer_methods_supported", {"header"}}};
  // What a client asks for to use this resource: the configured list, else the scopes the
  // challenges name. Empty says that no scope is needed (a client then asks for none).
  metadata["scopes_supported"] =
      options_.scopes_supported.empty() ? options_.required_scopes : options_.scopes_supported;
  if (!options_.resource_name.empty()) {
    metadata["resource_name"] = options_.resource_name;
  }
  metadata_body_ = Serialize(metadata);
  // RFC 9728 §3.1 path insertion for the resource's own path, and the root and endpoint forms
  // that MCP clients probe (MCP authorization, "Protected Resource Metadata Discovery").
  std::string resource_path = url.path.substr(0, url.path.find('?'));
  metadata_paths_ = {kWellKnown, std::string(kWellKnown) + options_.path};
  if (resource_path != "/") {
    metadata_paths_.insert(kWellKnown + resource_path);
    while (resource_path.size() > 1 && resource_path.back() == '/') {
      resource_path.pop_back();
    }
    metadata_paths_.insert(kWellKnown + resource_path);
  }
}

int HttpTransport::Impl::Run() {
  if (auto status = Start(); !status.ok()) {
    Log()->error("http_start_failed reason={} detail={}", status.message(), status.detail());
    return 1;
  }
  {
    std::unique_lock lock(run_mutex_);
    run_changed_.wait(lock, [this] { return stop_requested_; });
  }
  Stop();
  return 0;
}

void HttpTransport::Impl::RequestStop() {
  std::lock_guard lock(run_mutex_);
  stop_requested_ = true;
  run_changed_.notify_all();
}

void HttpTransport::Impl::Stop() {
  std::unique_lock lock(calls_mutex_);
  if (!started_ || stopped_ || !listener_.joinable()) {
    return;
  }
  stopped_ = true;
  stopping_ = true;
  lock.unlock();
  WakeStreams();

  lock.lock();
  Log()->info("stopping running_calls={}", running_);
  const auto drained = [this] { return running_ == 0 && answer_streams_ == 0; };
  if (!calls_changed_.wait_for(lock, options_.shutdown_grace, drained)) {
    for (auto& [key, flight] : calls_) {
      flight->cancelled = true;
    }
    Log()->info("cancelled running_calls={}", running_);
    while (!calls_changed_.wait_for(lock, options_.shutdown_grace, drained)) {
      Log()->warn("waiting for calls that ignore cancellation running_calls={}", running_);
    }
  }
  lock.unlock();

  http_.stop();
  listener_.join();
  sessions_.Clear();
  Log()->info("stopped");
}

Routing HttpTransport::Impl::PreRoute(const Request& req, Response& res) {
  if (stopping_) {
    CloseAfter(res);
    SendRpcError(res, 503, nullptr, kServerBusy, "the server is shutting down");
    return Routing::Handled;
  }
  if (!hosts_.AllowsHost(req.get_header_value("Host"))) {
    Log()->warn("refused reason=host_not_allowed method={} path={}", req.method, req.path);
    CloseAfter(res);
    SendRpcError(res, 403, nullptr, rpc::kInvalidRequest, "Forbidden: Host not allowed");
    return Routing::Handled;
  }
  const auto origin = Header(req, "Origin");
  if (origin && !hosts_.AllowsOrigin(*origin)) {
    Log()->warn("refused reason=origin_not_allowed method={} path={}", req.method, req.path);
    CloseAfter(res);
    SendRpcError(res, 403, nullptr, rpc::kInvalidRequest, "Forbidden: Origin not allowed");
    return Routing::Handled;
  }
  if (origin) {
    res.set_header("Access-Control-Allow-Origin", *origin);
    res.set_header("Access-Control-Expose-Headers", kExposedHeaders);
    res.set_header("Vary", "Origin");
  }

  const bool is_mcp = mcp_paths_.contains(req.path);
  const bool is_metadata = metadata_paths_.contains(req.path);
  if (!is_mcp && !is_metadata) {
    res.status = 404;
    return Routing::Handled;
  }
  if (req.method == "OPTIONS") {
    Preflight(req, res, is_mcp);
    return Routing::Handled;
  }
  if (is_metadata) {
    ServeMetadata(req, res);
    return Routing::Handled;
  }
  if (req.method == "POST") {
    return Routing::Unhandled;  // HandlePost reads the body after the same checks
  }

  const auto principal = Admit(req, res);
  if (!principal) {
    return Routing::Handled;
  }
  if (req.method == "GET") {
    HandleGet(req, res, *principal);
  } else if (req.method == "DELETE") {
    HandleDelete(req, res, *principal);
  } else {
    res.set_header("Allow", kMcpMethods);
    SendRpcError(res, 405, nullptr, rpc::kInvalidRequest, "Method Not Allowed");
  }
  return Routing::Handled;
}

std::optional<core::Principal> HttpTransport::Impl::Admit(const Request& req, Response& res) {
  if (!options_.authenticator) {
    return options_.local_principal ? options_.local_principal() : core::Principal{};
  }
  // Tokens come from the Authorization header only, never from the query or the body.
  const std::string header = req.get_header_value("Authorization");
  if (header.empty()) {
    Challenge(res, 401, "", "this server needs a bearer token from its authorization server");
    return std::nullopt;
  }
  auto token = BearerToken(header);
  if (!token) {
    Challenge(res, 401, "invalid_token", "the Authorization header must be 'Bearer <token>'");
    return std::nullopt;
  }
  auto principal = options_.authenticator->Authenticate(core::Secret(std::move(*token)));
  if (principal.ok()) {
    return std::move(principal).value();
  }
  const core::Status status = principal.status();
  Log()->warn("auth_refused code={} detail={}", core::CodeName(status.code()), status.detail());
  switch (status.code()) {
    case core::Code::kPermissionDenied:
      Challenge(res, 403, "insufficient_scope", status.message());
      break;
    case core::Code::kUnavailable:
    case core::Code::kDeadlineExceeded:
    case core::Code::kConnectionLost:
      res.set_header("Retry-After", "5");
      SendRpcError(res, 503, nullptr, kServerBusy,
                   "the bearer token could not be checked now; try again shortly");
      break;
    default:
      Challenge(res, 401, "invalid_token", status.message());
  }
  return std::nullopt;
}

void HttpTransport::Impl::Challenge(Response& res, int status, const std::string& error,
                                    const std::string& description) const {
  res.status = status;
  res.set_header("WWW-Authenticate",
                 FormatBearerChallenge({.resource_metadata = metadata_url_,
                                        .error = error,
                                        .error_description = error.empty() ? "" : description,
                                        .scope = JoinScopes(options_.required_scopes)}));
  res.set_header("Cache-Control", "no-store");
  const Json body = {{"error", error.empty() ? "unauthorized" : error},
                     {"error_description", description}};
  res.set_content(Serialize(body), "application/json");
}

void HttpTransport::Impl::Preflight(const Request& req, Response& res, bool is_mcp) const {
  const char* methods = is_mcp ? kMcpMethods : "GET, HEAD, OPTIONS";
  res.status = 204;
  res.set_header("Allow", methods);
  if (!req.has_header("Origin")) {
    return;
  }
  const std::string requested = req.get_header_value("Access-Control-Request-Headers");
  res.set_header("Access-Control-Allow-Methods", methods);
  res.set_header("Access-Control-Allow-Headers",
                 IsHeaderNameList(requested) ? requested : kRequestHeaders);
  res.set_header("Access-Control-Max-Age", "600");
}

void HttpTransport::Impl::ServeMetadata(const Request& req, Response& res) const {
  if (req.method != "GET" && req.method != "HEAD") {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD, OPTIONS");
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", "max-age=300");
  res.set_content(metadata_body_, "application/json");
}

void HttpTransport::Impl::HandlePost(const Request& req, Response& res,
                                     const httplib::ContentReader* reader) {
  const auto principal = Admit(req, res);
  if (!principal) {
    Discard(req, reader, res);
    return;
  }
  const std::string accept = req.get_header_value("Accept");
  if (!AcceptsMediaType(accept, "application/json") ||
      !AcceptsMediaType(accept, "text/event-stream")) {
    Discard(req, reader, res);
    SendRpcError(res, 406, nullptr, rpc::kInvalidRequest,
                 "Not Acceptable: Accept must list application/json and text/event-stream");
    return;
  }
  if (!IsJsonContentType(req.get_header_value("Content-Type"))) {
    Discard(req, reader, res);
    SendRpcError(res, 415, nullptr, rpc::kInvalidRequest,
                 "Unsupported Media Type: the body must be application/json");
    return;
  }
  const Body body = ReadBody(req, reader, /*keep=*/true);
  if (!body.complete) {
    CloseAfter(res);
  }
  if (body.too_large) {
    SendRpcError(res, 413, nullptr, rpc::kInvalidRequest,
                 fmt::format("Payload Too Large: a message may have at most {} bytes",
                             options_.max_body_bytes));
    return;
  }
  if (!body.complete) {
    SendRpcError(res, 400, nullptr, rpc::kInvalidRequest, "Bad Request: incomplete body");
    return;
  }
  Route(req, res, body.text, *principal);
  if (body.text.size() >= core::kLargeRequestBytes) {
    core::ReleaseFreeMemory();
  }
}

void HttpTransport::Impl::Route(const Request& req, Response& res, const std::string& body,
                                const core::Principal& principal) {
  auto parsed = ParseMessage(body);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    Log()->warn("rejected reason={}", rejection->reason);
    if (rejection->answer) {
      SendJson(res, 400, *rejection->answer);
    } else {
      res.status = 202;  // a broken notification gets no answer of any kind (C24)
    }
    return;
  }
  Message message = std::get<Message>(std::move(parsed));
  // Outside a session, a 2026-07-28 header makes the request 2026-07-28 even when its _meta is
  // incomplete; inside one, the request is the session's (a 2026-07-28 header is then a
  // mismatch, see CheckLegacyVersion).
  const bool modern_header =
      !req.has_header("Mcp-Session-Id") && Header(req, "MCP-Protocol-Version") == kModernVersion;
  if (message.kind != Message::Kind::kRequest) {
    HandleNotice(req, res, message, principal);
  } else if (EraOf(message) == Era::kModern || modern_header) {
    PostModern(req, res, std::move(message), principal);
  } else {
    PostLegacy(req, res, std::move(message), principal);
  }
}

// Up to max_body_bytes are kept. A body that is too large is still read, up to as much again,
// and dropped: a client that is still sending when we answer and close would otherwise get a
// connection reset instead of the answer. Beyond that the client is cut off.
HttpTransport::Impl::Body HttpTransport::Impl::ReadBody(const Request& req,
                                                        const httplib::ContentReader* reader,
                                                        bool keep) const {
  if (reader == nullptr) {
    return {
        .text = req.body, .too_large = req.body.size() > options_.max_body_bytes, .complete = true};
  }
  // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body.
  // httplib would wait for one until the connection closes or times out, and then overwrite the
  // answer's status with 400 (a 401 challenge included).
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
    return {.complete = true};
  }
  const std::size_t cap = 2 * options_.max_body_bytes;
  if (req.has_header("Content-Length") && req.get_header_value<uint64_t>("Content-Length") > cap) {
    return {.too_large = true, .complete = false};  // left unread
  }
  Body body;
  std::size_t seen = 0;
  body.complete = (*reader)([&](const char* data, std::size_t length) {
    seen += length;
    body.too_large = seen > options_.max_body_bytes;
    if (keep && !body.too_large) {
      body.text.append(data, length);
    }
    return seen <= cap;
  });
  if (body.too_large) {
    body.text.clear();
  }
  return body;
}

void HttpTransport::Impl::Discard(const Request& req, const httplib::ContentReader* reader,
                                  Response& res) const {
  if (!ReadBody(req, reader, /*keep=*/false).complete) {
    CloseAfter(res);
  }
}

void HttpTransport::Impl::HandleNotice(const Request& req, Response& res, const Message& message,
                                       const core::Principal& principal) {
  std::shared_ptr<HttpSession> session;
  if (EraOf(message) == Era::kModern) {
    if (message.method == "notifications/cancelled") {
      Cancel(SubjectKey(principal.subject), message);
    }
  } else {
    if (!ResolveSession(req, res, nullptr, principal, session) ||
        !CheckLegacyVersion(req, res, nullptr)) {
      return;
    }
    if (session && message.method == "notifications/cancelled") {
      Cancel(SessionKey(session->id), message);
      session->client_requests.Wake();
    }
    if (session && message.kind == Message::Kind::kResponse &&
        !session->client_requests.Resolve(message)) {
      Log()->debug("unexpected_response id={}", IdForLog(message.id));
    }
  }
  const RequestScope scope{principal, session ? &session->state : nullptr, nullptr, nullptr};
  (void)server_.Handle(message, scope);  // logs it; never answers a notification or response
  res.status = 202;
}

bool HttpTransport::Impl::ResolveSession(const Request& req, Response& res, const Json& id,
                                         const core::Principal& principal,
                                         std::shared_ptr<HttpSession>& session) {
  const auto session_id = Header(req, "Mcp-Session-Id");
  if (!session_id) {
    return true;
  }
  session = sessions_.Find(*session_id, principal.subject);
  if (session) {
    return true;
  }
  // Unknown, expired, deleted and someone else's are one answer (C23): start over.
  Log()->debug("session_not_found session_fp={}", core::Secret(*session_id).Fingerprint());
  SendRpcError(res, 404, id, kSessionNotFound,
               "Session not found: it expired, was deleted or never existed; send initialize "
               "without Mcp-Session-Id to start a new one");
  return false;
}

bool HttpTransport::Impl::CheckLegacyVersion(const Request& req, Response& res, const Json& id) {
  const auto version = Header(req, "MCP-Protocol-Version");
  if (!version || IsLegacyVersion(*version)) {
    return true;  // absent means 2025-03-26 (Streamable HTTP, "Protocol Version Header")
  }
  if (*version == kModernVersion) {
    SendRpcError(res, 400, id, rpc::kHeaderMismatch,
                 fmt::format("Header mismatch: MCP-Protocol-Version is {} but params._meta has "
                             "no \"{}\"",
                             kModernVersion, kMetaProtocolVersion));
    return false;
  }
  SendRpcError(res, 400, id, rpc::kInvalidRequest,
               fmt::format("Bad Request: unsupported MCP-Protocol-Version; this server speaks {}",
                           fmt::join(SupportedVersions(), ", ")));
  return false;
}

void HttpTransport::Impl::PostLegacy(const Request& req, Response& res, Message message,
                                     const core::Principal& principal) {
  std::shared_ptr<HttpSession> session;
  if (!ResolveSession(req, res, message.id, principal, session) ||
      !CheckLegacyVersion(req, res, message.id)) {
    return;
  }
  if (!session && message.method == "initialize") {
    Initialize(res, message, principal);
    return;
  }
  if (!session) {
    SendRpcError(res, 400, message.id, rpc::kInvalidRequest,
                 fmt::format("Bad Request: Mcp-Session-Id header is required; send initialize "
                             "first, or give params._meta[\"{}\"] \"{}\"",
                             kMetaProtocolVersion, kModernVersion));
    return;
  }
  const std::string key = SessionKey(session->id);
  Dispatch(res, std::move(message), principal, session, key, Era::kLegacy);
}

void HttpTransport::Impl::PostModern(const Request& req, Response& res, Message message,
                                     const core::Principal& principal) {
  if (MissingRequiredMeta(message)) {
    // Malformed (2026-07-28 basic/index): the dispatcher names the missing keys (-32602), and
    // on HTTP the status is 400.
    const RequestScope scope{.principal = principal, .transport_version = kModernVersion};
    SendJson(res, 400,
             server_.Handle(message, scope)
                 .value_or(MakeError(message.id, rpc::kInvalidParams, "Invalid params")));
    return;
  }
  const ModernHeaders headers{Header(req, "MCP-Protocol-Version"), Header(req, "Mcp-Method"),
                              Header(req, "Mcp-Name")};
  if (auto mismatch = ModernHeaderMismatch(message, headers)) {
    Log()->warn("header_mismatch id={} method={} why={}", IdForLog(message.id), message.method,
                *mismatch);
    SendRpcError(res, 400, message.id, rpc::kHeaderMismatch, "Header mismatch: " + *mismatch);
    return;
  }
  Dispatch(res, std::move(message), principal, nullptr, SubjectKey(principal.subject),
           Era::kModern);
}

void HttpTransport::Impl::Initialize(Response& res, const Message& message,
                                     const core::Principal& principal) {
  auto created = sessions_.Create(principal.subject);
  if (!created.ok()) {
    const bool full = created.status().code() == core::Code::kResourceExhausted;
    Log()->warn("session_refused reason={}", created.status().message());
    SendRpcError(res, full ? 503 : 500, message.id, full ? kServerBusy : rpc::kInternalError,
                 created.status().message());
    return;
  }
  const std::shared_ptr<HttpSession> session = created->session;
  if (const std::shared_ptr<HttpSession>& evicted = created->evicted) {
    // Ended like a DELETE: its calls are cancelled, its GET stream ends.
    CancelScope(SessionKey(evicted->id));
    evicted->client_requests.Wake();
    WakeStreams();
    Log()->info("session_replaced session_fp={} subject={} reason=max_sessions_per_subject",
                core::Secret(evicted->id).Fingerprint(), principal.subject);
  }
  const RequestScope scope{principal, &session->state, nullptr, nullptr};
  const Json answer = server_.Handle(message, scope).value_or(Json());
  if (!answer.contains("result")) {
    (void)sessions_.Remove(session->id, principal.subject);  // a failed initialize opens nothing
    SendJson(res, 200, answer);
    return;
  }
  session->state.SetNotifier(
      [signal = std::weak_ptr<StreamSignal>(signal_),
       weak = std::weak_ptr<HttpSession>(session)](const Json& notification) {
        const auto hub = signal.lock();
        const auto target = weak.lock();
        if (!hub || !target) {
          return;
        }
        std::lock_guard lock(hub->mutex);
        // A session whose client never opens its GET stream keeps only the latest ones.
        if (target->outbox.size() >= kMaxQueuedNotifications) {
          target->outbox.pop_front();
        }
        target->outbox.push_back(Serialize(notification));
        hub->changed.notify_all();
      });
  Log()->info("session_opened session_fp={} subject={} protocol={}",
              core::Secret(session->id).Fingerprint(), principal.subject,
              session->state.protocol_version());
  res.set_header("Mcp-Session-Id", session->id);
  res.set_header("MCP-Protocol-Version", session->state.protocol_version());
  SendJson(res, 200, answer);
}

void HttpTransport::Impl::Dispatch(Response& res, Message message, const core::Principal& principal,
                                   const std::shared_ptr<HttpSession>& session,
                                   const std::string& scope_key, Era era) {
  auto flight = Register(scope_key + "\n" + Serialize(message.id));
  if (!flight) {
    CloseAfter(res);
    SendRpcError(res, 503, message.id, kServerBusy, "the server is shutting down");
    return;
  }
  if (WantsStream(message, era) || MayStream(message)) {
    const bool stream = WantsStream(message, era);
    StartCall(res, std::move(message), principal, session, flight, era, stream);
    return;
  }
  const RequestScope scope{principal, session ? &session->state : nullptr, &flight->cancelled,
                           nullptr};
  const Json answer = server_.Handle(message, scope)
                          .value_or(MakeError(message.id, rpc::kInternalError, "Internal error"));
  Unregister(flight);
  if (stopping_) {
    CloseAfter(res);
  }
  SendJson(res, StatusFor(answer, era), answer);
}

void HttpTransport::Impl::StartCall(Response& res, Message message,
                                    const core::Principal& principal,
                                    const std::shared_ptr<HttpSession>& session,
                                    const std::shared_ptr<InFlight>& flight, Era era, bool stream) {
  auto queue = std::make_shared<EventQueue>();
  auto outcome = std::make_shared<Json>();  // the answer, written before queue->Finish
  // The call runs on its own thread so that this connection's thread can forward progress, log
  // messages, our requests to the client and keep-alives, and notice a client that has gone.
  std::thread([this, queue, outcome, flight, message = std::move(message), principal, session,
               era] {
    std::optional<SseChannel> channel;
    if (era == Era::kLegacy && session) {
      channel.emplace(session, queue, options_.client_request_timeout);
    }
    const RequestScope scope{principal, session ? &session->state : nullptr, &flight->cancelled,
                             [queue](const Json& note) { queue->Push(Serialize(note)); },
                             channel ? &*channel : nullptr};
    const auto answer = server_.Handle(message, scope);
    *outcome = answer.value_or(Json());
    // A call its client cancelled gets no answer (MCP cancellation).
    queue->Finish(answer && !flight->by_client ? std::optional(Serialize(*answer)) : std::nullopt);
    Unregister(flight);
  }).detach();

  if (!stream) {
    if (const auto answer = queue->AnswerOnly()) {
      if (stopping_) {
        CloseAfter(res);
      }
      // A JSON answer is owed even to a call its client cancelled: the POST is still open.
      if (outcome->is_null()) {
        res.status = 202;
        return;
      }
      SendJsonText(res, StatusFor(*outcome, era), answer->empty() ? Serialize(*outcome) : *answer);
      return;
    }
  }
  {
    std::lock_guard lock(calls_mutex_);
    ++answer_streams_;
  }
  SetStreamHeaders(res);
  // 2026-07-28: closing the answer stream cancels the request. Legacy clients may lose a
  // connection without meaning to cancel, so their calls run on.
  const bool cancel_on_close = era == Era::kModern;
  res.set_chunked_content_provider(
      "text/event-stream",
      [queue, keepalive = options_.sse_keepalive](std::size_t, httplib::DataSink& sink) {
        return WriteEvents(*queue, sink, keepalive);
      },
      [this, flight, cancel_on_close](bool success) {
        if (!success && cancel_on_close) {
          flight->cancelled = true;
        }
        EndAnswerStream();
      });
}

void HttpTransport::Impl::HandleGet(const Request& req, Response& res,
                                    const core::Principal& principal) {
  const auto version = Header(req, "MCP-Protocol-Version");
  const auto session_id = Header(req, "Mcp-Session-Id");
  if (version == kModernVersion || !session_id) {
    // 2026-07-28 has no GET stream; legacy streams belong to a session.
    res.set_header("Allow", "POST, DELETE, OPTIONS");
    SendRpcError(res, 405, nullptr, rpc::kInvalidRequest,
                 "Method Not Allowed: GET opens the stream of a legacy session "
                 "(send Mcp-Session-Id)");
    return;
  }
  if (!CheckLegacyVersion(req, res, nullptr)) {
    return;
  }
  std::shared_ptr<HttpSession> session;
  if (!ResolveSession(req, res, nullptr, principal, session)) {
    return;
  }
  if (!AcceptsMediaType(req.get_header_value("Accept"), "text/event-stream")) {
    SendRpcError(res, 406, nullptr, rpc::kInvalidRequest,
                 "Not Acceptable: Accept must list text/event-stream");
    return;
  }
  OpenStream(res, session);
}

void HttpTransport::Impl::HandleDelete(const Request& req, Response& res,
                                       const core::Principal& principal) {
  const auto session_id = Header(req, "Mcp-Session-Id");
  if (Header(req, "MCP-Protocol-Version") == kModernVersion || !session_id) {
    res.set_header("Allow", "GET, POST, OPTIONS");
    SendRpcError(res, 405, nullptr, rpc::kInvalidRequest,
                 "Method Not Allowed: DELETE ends a legacy session (send Mcp-Session-Id)");
    return;
  }
  if (!sessions_.Remove(*session_id, principal.subject)) {
    SendRpcError(res, 404, nullptr, kSessionNotFound,
                 "Session not found: it expired, was deleted or never existed");
    return;
  }
  CancelScope(SessionKey(*session_id));
  WakeStreams();
  Log()->info("session_closed session_fp={} subject={}", core::Secret(*session_id).Fingerprint(),
              principal.subject);
  res.status = 204;
}

void HttpTransport::Impl::OpenStream(Response& res, const std::shared_ptr<HttpSession>& session) {
  {
    std::lock_guard lock(signal_->mutex);
    if (streaming_.contains(session->id)) {
      SendRpcError(res, 409, nullptr, rpc::kInvalidRequest,
                   "Conflict: this session has a stream open already");
      return;
    }
    if (streaming_.size() >= options_.max_streams) {
      res.set_header("Retry-After", "30");
      SendRpcError(res, 503, nullptr, kServerBusy, "too many open streams; try again later");
      return;
    }
    streaming_.insert(session->id);
  }
  SetStreamHeaders(res);
  res.set_header("Mcp-Session-Id", session->id);
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, session](std::size_t offset, httplib::DataSink& sink) {
        return StreamStep(*session, offset, sink);
      },
      [this, id = session->id](bool) {
        std::lock_guard lock(signal_->mutex);
        streaming_.erase(id);
      });
}

bool HttpTransport::Impl::StreamStep(HttpSession& session, std::size_t offset,
                                     httplib::DataSink& sink) {
  if (offset == 0) {
    constexpr std::string_view kOpen = ": stream open\n\n";
    return sink.write(kOpen.data(), kOpen.size());
  }
  bool ended = false;
  std::deque<std::string> outbox;
  {
    std::unique_lock lock(signal_->mutex);
    signal_->changed.wait_for(lock, options_.sse_keepalive, [&] {
      return stopping_ || !sessions_.Alive(session) || !session.outbox.empty();
    });
    ended = stopping_ || !sessions_.Alive(session);
    outbox.swap(session.outbox);
  }
  for (const std::string& event : outbox) {
    const std::string frame = "event: message\ndata: " + event + "\n\n";
    if (!sink.write(frame.data(), frame.size())) {
      return false;
    }
  }
  if (ended) {
    sink.done();
    return true;
  }
  return outbox.empty() ? sink.write(":\n\n", 3) : true;
}

void HttpTransport::Impl::WakeStreams() {
  std::lock_guard lock(signal_->mutex);
  signal_->changed.notify_all();
}

std::shared_ptr<InFlight> HttpTransport::Impl::Register(const std::string& key) {
  std::lock_guard lock(calls_mutex_);
  if (stopping_) {
    return nullptr;
  }
  auto flight = std::make_shared<InFlight>(key);
  calls_.emplace(key, flight);
  ++running_;
  return flight;
}

void HttpTransport::Impl::Unregister(const std::shared_ptr<InFlight>& flight) {
  std::lock_guard lock(calls_mutex_);
  auto [begin, end] = calls_.equal_range(flight->key);
  for (auto it = begin; it != end; ++it) {
    if (it->second == flight) {
      calls_.erase(it);
      break;
    }
  }
  --running_;
  calls_changed_.notify_all();  // under the lock: Stop() may destroy us once it sees zero
}

void HttpTransport::Impl::EndAnswerStream() {
  std::lock_guard lock(calls_mutex_);
  --answer_streams_;
  calls_changed_.notify_all();
}

void HttpTransport::Impl::Cancel(const std::string& scope_key, const Message& notification) {
  const Json id = notification.params.value("requestId", Json());
  if (!id.is_string() && !id.is_number()) {
    return;
  }
  std::lock_guard lock(calls_mutex_);
  auto [begin, end] = calls_.equal_range(scope_key + "\n" + Serialize(id));
  for (auto it = begin; it != end; ++it) {
    it->second->by_client = true;
    it->second->cancelled = true;
    Log()->debug("cancelled id={}", IdForLog(id));
  }
}

void HttpTransport::Impl::CancelScope(const std::string& scope_key) {
  const std::string prefix = scope_key + "\n";
  std::lock_guard lock(calls_mutex_);
  for (auto it = calls_.lower_bound(prefix); it != calls_.end() && it->first.starts_with(prefix);
       ++it) {
    it->second->by_client = true;
    it->second->cancelled = true;
  }
}

HttpTransport::HttpTransport(const Server& server, Options options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() = default;

core::Status HttpTransport::Start() { return impl_->Start(); }
int HttpTransport::port() const { return impl_->BoundPort(); }
std::string HttpTransport::public_url() const { return impl_->PublicUrl(); }
void HttpTransport::Stop() { impl_->Stop(); }
int HttpTransport::Run() { return impl_->Run(); }
void HttpTransport::RequestStop() { impl_->RequestStop(); }

}  // namespace mcp
