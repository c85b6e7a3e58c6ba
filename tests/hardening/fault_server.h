// FaultServer: a loopback HTTP server of raw sockets that misbehaves on purpose.
//
// By default it forwards each request to an upstream base URL (the sandbox) and relays the
// answer, with every occurrence of the upstream's base URL in the body rewritten to its own, so
// that it can stand as the zone (RFC 8414 `issuer` then names it) or as Atlassian. A script
// decides per request what happens instead: a canned answer (any bytes, broken ones included),
// a delay, a connection that is accepted and never answered, an answer written a byte at a time,
// or a body that never ends. Every request is recorded, Authorization values included, so a test
// can look for them where they must not be. One request per connection (answers say
// `Connection: close`). Thread-safe.
#pragma once

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace hardening {

using std::chrono::milliseconds;

struct SeenRequest {
  std::string method;
  std::string target;                          // path and query, as sent
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// What the server does with one request.
struct Action {
  enum class Kind {
    kForward,  // relay to the upstream (after `delay`)
    kRespond,  // write `raw` (after `delay`), then close
    kHang,     // accept, read the request, never answer (until ReleaseHung() or Stop())
    kDrip,     // write `raw` one byte per `delay`
    kEndless,  // write `raw` (a head without Content-Length), then body bytes until cut off
    kClose,    // close at once without a byte
  };
  Kind kind = Kind::kForward;
  std::string raw;
  milliseconds delay{0};
};

// A whole HTTP/1.1 answer with Content-Length and `Connection: close`.
inline std::string RawAnswer(int status, const std::string& body,
                             const std::string& content_type = "application/json",
                             const std::vector<std::string>& extra_headers = {}) {
  std::string head = fmt::format("HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                                 status, content_type, body.size());
  for (const auto& line : extra_headers) {
    head += line + "\r\n";
  }
  return head + "Connection: close\r\n\r\n" + body;
}

inline Action Respond(int status, const std::string& body,
                      const std::vector<std::string>& extra_headers = {}) {
  return {.kind = Action::Kind::kRespond,
          .raw = RawAnswer(status, body, "application/json", extra_headers)};
}

class FaultServer {
 public:
  using Script = std::function<Action(const SeenRequest&)>;

  // `upstream`: "http://127.0.0.1:PORT" to forward to; empty: kForward answers 502.
  explicit FaultServer(std::string upstream = {}) : upstream_(std::move(upstream)) {}
  ~FaultServer() { Stop(); }
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  // Listens on 127.0.0.1:`port` (0: a free port).
  core::Status Start(int port = 0) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int reuse = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t length = sizeof(address);
    if (listener_ < 0 ||
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listener_, 128) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return {core::Code::kUnavailable, "FaultServer: cannot listen on 127.0.0.1"};
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
    return core::Status::Ok();
  }

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || listener_ < 0) {
        return;
      }
      stopping_ = true;
      for (const int fd : open_) {
        ::shutdown(fd, SHUT_RDWR);
      }
      changed_.notify_all();
    }
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& worker : workers) {
      worker.join();
    }
  }

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void SetScript(Script script) {
    std::lock_guard lock(mutex_);
    script_ = std::move(script);
  }
  // Back to forwarding everything.
  void Heal() { SetScript(nullptr); }

  // Lets every hung connection go (closed without an answer).
  void ReleaseHung() {
    std::lock_guard lock(mutex_);
    ++release_generation_;
    changed_.notify_all();
  }

  std::vector<SeenRequest> Seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  // How many requests had a target starting with `prefix`.
  std::size_t Count(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(seen_.begin(), seen_.end(),
                      [&](const SeenRequest& seen) { return seen.target.rfind(prefix, 0) == 0; }));
  }
  // Connections accepted and not yet closed by this server.
  std::size_t open_connections() const {
    std::lock_guard lock(mutex_);
    return open_.size();
  }
  // Waits (bounded) until `count` requests whose target starts with `prefix` have arrived.
  bool WaitForCount(const std::string& prefix, std::size_t count,
                    milliseconds timeout = milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Count(prefix) < count) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    return true;
  }

 private:
  void AcceptLoop() {
    while (true) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      std::lock_guard lock(mutex_);
      if (fd < 0 || stopping_) {
        if (fd >= 0) {
          ::close(fd);
        }
        if (stopping_) {
          return;
        }
        continue;
      }
      open_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  // Waits up to `delay`; false when the server is stopping.
  bool Wait(milliseconds delay) {
    std::unique_lock lock(mutex_);
    return !changed_.wait_for(lock, delay, [this] { return stopping_; });
  }

  bool Read(int fd, SeenRequest& request) {
    std::string data;
    char chunk[16384];
    std::size_t head_end = std::string::npos;
    std::size_t wanted = 0;
    while (true) {
      if (head_end == std::string::npos) {
        head_end = data.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          ParseHead(data.substr(0, head_end), request);
          const std::string length = request.Header("content-length");
          wanted = head_end + 4 + (length.empty() ? 0 : std::stoul(length));
        }
      }
      if (head_end != std::string::npos && data.size() >= wanted) {
        request.body = data.substr(head_end + 4, wanted - head_end - 4);
        return true;
      }
      const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
      if (got <= 0) {
        return false;
      }
      data.append(chunk, static_cast<std::size_t>(got));
    }
  }

  static void ParseHead(const std::string& head, SeenRequest& request) {
    std::size_t line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    const std::size_t space = first.find(' ');
    request.method = first.substr(0, space);
    request.target = first.substr(space + 1, first.rfind(' ') - space - 1);
    while (line_end != std::string::npos && line_end < head.size()) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) {
        continue;
      }
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }

  static bool Write(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  std::string Forward(const SeenRequest& request) {
    if (upstream_.empty()) {
      return RawAnswer(502, R"({"error":"no upstream"})");
    }
    httplib::Client client(upstream_);
    client.set_read_timeout(30, 0);
    httplib::Headers headers;
    for (const auto& [name, value] : request.headers) {
      if (name != "host" && name != "content-length" && name != "connection") {
        headers.emplace(name, value);
      }
    }
    httplib::Request out;
    out.method = request.method;
    out.path = request.target;
    out.headers = headers;
    out.body = request.body;
    auto result = client.send(out);
    if (!result) {
      return RawAnswer(502, R"({"error":"upstream unreachable"})");
    }
    std::string body = result->body;
    for (std::size_t at = 0; (at = body.find(upstream_, at)) != std::string::npos;) {
      body.replace(at, upstream_.size(), base_url());
      at += base_url().size();
    }
    std::vector<std::string> extra;
    for (const auto& [name, value] : result->headers) {
      if (name == "Retry-After" || name == "WWW-Authenticate") {
        extra.push_back(name + ": " + value);
      }
    }
    return RawAnswer(result->status, body, result->get_header_value("Content-Type"), extra);
  }

  void Serve(int fd) {
    SeenRequest request;
    if (Read(fd, request)) {
      Script script;
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(request);
        script = script_;
      }
      Act(fd, request, script ? script(request) : Action{});
    }
    std::lock_guard lock(mutex_);
    open_.erase(std::remove(open_.begin(), open_.end(), fd), open_.end());
    ::close(fd);
  }

  void Act(int fd, const SeenRequest& request, const Action& action) {
    switch (action.kind) {
      case Action::Kind::kForward:
        if (Wait(action.delay)) {
          Write(fd, Forward(request));
        }
        return;
      case Action::Kind::kRespond:
        if (Wait(action.delay)) {
          Write(fd, action.raw);
        }
        return;
      case Action::Kind::kHang:
        HangUntilReleased(fd);
        return;
      case Action::Kind::kDrip:
        for (const char byte : action.raw) {
          if (!Wait(action.delay) || !Write(fd, std::string_view(&byte, 1))) {
            return;
          }
        }
        return;
      case Action::Kind::kEndless: {
        const std::string block(64 * 1024, 'x');
        if (!Write(fd, action.raw)) {
          return;
        }
        for (int i = 0; i < 100000 && Wait(milliseconds(0)); ++i) {
          if (!Write(fd, block)) {
            return;
          }
        }
        return;
      }
      case Action::Kind::kClose:
        return;
    }
  }

  // Holds the connection, answering nothing, until released, stopped, or the client hangs up
  // (which is how a test sees that jira-mcp gave up on the request).
  void HangUntilReleased(int fd) {
    std::unique_lock lock(mutex_);
    const auto generation = release_generation_;
    while (!stopping_ && release_generation_ == generation) {
      changed_.wait_for(lock, milliseconds(10));
      pollfd poll_fd{fd, POLLIN | POLLRDHUP, 0};
      char byte = 0;
      if (::poll(&poll_fd, 1, 0) > 0 && ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
        return;
      }
    }
  }

  const std::string upstream_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::uint64_t release_generation_ = 0;
  Script script_;
  std::vector<SeenRequest> seen_;
  std::vector<int> open_;
  std::vector<std::thread> workers_;
};

}  // namespace hardening
