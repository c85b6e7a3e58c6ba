#include "core/httplib_client.h"

#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <thread>

#include "core/log.h"
#include "core/url.h"

namespace core {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::shared_ptr<spdlog::logger> Log() { return GetLogger("http"); }

// A failed read or write is httplib's own timeout only once the request's time is up; before
// that the peer closed the connection or sent something that is not HTTP, after the request may
// have reached it. Anything else (connect, TLS handshake) failed before a byte was sent.
Status TransportError(const Url& url, httplib::Error error, bool time_is_up) {
  const std::string reason = httplib::to_string(error);
  const std::string detail = fmt::format("{} {}: {}", url.Origin(), url.path, reason);
  if (error != httplib::Error::Read && error != httplib::Error::Write) {
    return {Code::kUnavailable, fmt::format("could not reach {} ({})", url.Origin(), reason),
            detail};
  }
  if (time_is_up) {
    return {Code::kDeadlineExceeded, fmt::format("no complete answer from {}", url.Origin()),
            detail};
  }
  return {Code::kConnectionLost,
          fmt::format("the connection to {} broke before a complete answer", url.Origin()), detail};
}

}  // namespace

// Watches the requests in flight and stops the connection of any whose deadline has passed or
// whose cancel flag is set. httplib's Client::stop() is its documented way to interrupt a
// request from another thread (it shuts the socket down); it is repeated on every tick until the
// request returns, because a stop() that comes before the socket exists has nothing to shut.
class HttplibClient::Watchdog {
 public:
  enum class Verdict { kNone, kDeadline, kCancelled };

  // The thread blocks every signal: it must never be the one a process signal (SIGTERM, which
  // main() turns into a clean stop on its own thread) is delivered to.
  Watchdog() {
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    thread_ = std::thread([this] { Run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  std::uint64_t Watch(httplib::Client* client, SteadyClock::time_point deadline,
                      const std::atomic<bool>* cancelled) {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    entries_.emplace(id, Entry{client, deadline, cancelled, Verdict::kNone});
    changed_.notify_all();
    return id;
  }

  // Stops watching; tells whether the watchdog ended the request, and why.
  Verdict Unwatch(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    const Verdict verdict = it->second.verdict;
    entries_.erase(it);
    return verdict;
  }

 private:
  static constexpr std::chrono::milliseconds kTick{20};

  struct Entry {
    httplib::Client* client;
    SteadyClock::time_point deadline;
    const std::atomic<bool>* cancelled;
    Verdict verdict;
  };

  void Run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      if (entries_.empty()) {
        changed_.wait(lock);
        continue;
      }
      changed_.wait_for(lock, kTick);
      const auto now = SteadyClock::now();
      for (auto& [id, entry] : entries_) {
        if (entry.verdict == Verdict::kNone && entry.cancelled != nullptr &&
            entry.cancelled->load()) {
          entry.verdict = Verdict::kCancelled;
        } else if (entry.verdict == Verdict::kNone && now >= entry.deadline) {
          entry.verdict = Verdict::kDeadline;
        }
        if (entry.verdict != Verdict::kNone) {
          entry.client->stop();
        }
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_id_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

HttplibClient::HttplibClient() : HttplibClient(Options{}) {}
HttplibClient::HttplibClient(Options options)
    : options_(std::move(options)), watchdog_(std::make_unique<Watchdog>()) {}
HttplibClient::~HttplibClient() = default;

std::unique_ptr<httplib::Client> HttplibClient::Acquire(const std::string& origin) {
  {
    std::lock_guard lock(mutex_);
    auto& pool = idle_[origin];
    if (!pool.empty()) {
      auto client = std::move(pool.back());
      pool.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(origin);
  client->set_keep_alive(true);
  // httplib writes a request's head and body apart; with Nagle the body would wait for the
  // server's delayed ACK (40 ms).
  client->set_tcp_nodelay(true);
  client->enable_server_certificate_verification(true);
  if (!options_.ca_bundle.empty()) {
    client->set_ca_cert_path(options_.ca_bundle);
  }
  return client;
}

void HttplibClient::Release(const std::string& origin, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mutex_);
  auto& pool = idle_[origin];
  if (pool.size() < options_.idle_per_origin) {
    pool.push_back(std::move(client));
  }
}

Result<HttpResponse> HttplibClient::Send(const HttpRequest& request) {
  auto url = ParseUrl(request.url);
  if (!url.ok()) {
    return url.status();
  }
  const std::string origin = url->Origin();
  auto client = Acquire(origin);
  const auto connect = std::min(options_.connect_timeout, request.timeout).count();
  client->set_connection_timeout(connect / 1000, (connect % 1000) * 1000);
  client->set_read_timeout(request.timeout);
  client->set_write_timeout(request.timeout);

  httplib::Request req;
  req.method = request.method;
  req.path = url->path;
  for (const auto& [key, value] : request.headers) {
    req.headers.emplace(key, value);
  }
  if (request.authorization) {
    req.headers.emplace("Authorization", request.authorization->Reveal());
  }
  if (!request.content_type.empty()) {
    req.headers.emplace("Content-Type", request.content_type);
  }
  req.body = request.body;

  HttpResponse response;
  bool too_large = false;
  bool cancelled = false;
  req.response_handler = [&](const httplib::Response& head) {
    response.status = head.status;
    // A declared length over the limit is refused before a byte of the body is read.
    too_large = head.has_header("Content-Length") &&
                head.get_header_value<uint64_t>("Content-Length") > request.max_response_bytes;
    return !too_large;
  };
  req.content_receiver = [&](const char* data, size_t length, uint64_t /*offset*/,
                             uint64_t /*total*/) {
    if (request.cancelled != nullptr && request.cancelled->load()) {
      cancelled = true;
      return false;
    }
    if (response.body.size() + length > request.max_response_bytes) {
      too_large = true;
      return false;
    }
    response.body.append(data, length);
    return true;
  };
  req.progress = [&](uint64_t, uint64_t) {
    cancelled = request.cancelled != nullptr && request.cancelled->load();
    return !cancelled;
  };

  Log()->debug("send method={} origin={} path={}", request.method, origin, url->path);
  const auto deadline = SteadyClock::now() + request.timeout;
  const auto watch = watchdog_->Watch(client.get(), deadline, request.cancelled);
  auto result = client->send(req);
  const Watchdog::Verdict verdict = watchdog_->Unwatch(watch);
  if (cancelled || verdict == Watchdog::Verdict::kCancelled) {
    return Status(Code::kCancelled, "the request was cancelled");
  }
  if (verdict == Watchdog::Verdict::kDeadline) {
    return Status(
        Code::kDeadlineExceeded,
        fmt::format("no complete answer from {} within {} ms", origin, request.timeout.count()),
        fmt::format("{} {}: deadline of {} ms", origin, url->path, request.timeout.count()));
  }
  if (too_large) {
    return Status(Code::kResourceExhausted,
                  fmt::format("the answer from {} was larger than {} bytes", origin,
                              request.max_response_bytes));
  }
  if (!result) {
    return TransportError(*url, result.error(), SteadyClock::now() >= deadline);
  }
  response.status = result->status;
  for (const auto& [key, value] : result->headers) {
    response.headers.emplace_back(key, value);
  }
  Log()->debug("recv method={} origin={} path={} status={} bytes={}", request.method, origin,
               url->path, response.status, response.body.size());
  Release(origin, std::move(client));
  return response;
}

}  // namespace core
