#include "mcp/stdio_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <thread>
#include <variant>

#include "core/log.h"
#include "core/memory.h"

namespace mcp {
namespace {

std::shared_ptr<spdlog::logger> Log() { return core::GetLogger("stdio"); }

// JSON-RPC server error for "too busy now", as the HTTP transport uses.
constexpr int kServerBusy = -32000;

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// Requests that may wait on the client (or take long) run on worker threads.
bool RunsOnWorker(const Message& message) {
  return message.kind == Message::Kind::kRequest &&
         (message.method == "tools/call" || message.method == "prompts/get" ||
          message.method == "resources/read");
}

}  // namespace

StdioTransport::StdioTransport(const Server& server, Options options)
    : server_(server), options_(options) {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
    wake_pipe_[0] = wake_pipe_[1] = -1;
  }
  session_.SetNotifier([this](const Json& notification) { Write(notification); });
}

core::Result<Json> StdioTransport::Channel::Call(const std::string& method, const Json& params,
                                                 const std::atomic<bool>* cancelled) {
  return transport_.pending_.Call(method, params, cancelled,
                                  transport_.options_.client_request_timeout,
                                  [this](const Json& request) {
                                    transport_.Write(request);
                                    return true;
                                  });
}

StdioTransport::~StdioTransport() {
  pending_.CloseAll();
  session_.SetNotifier(nullptr);
  WaitForCalls();
  for (const int fd : wake_pipe_) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

void StdioTransport::RequestStop() {
  stop_ = true;
  if (wake_pipe_[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const auto ignored = ::write(wake_pipe_[1], &byte, 1);
  }
}

int StdioTransport::Run() {
  Log()->info("serving MCP on stdio");
  std::string buffer;
  bool discarding = false;  // inside a line that exceeded max_message_bytes
  const auto refuse_oversized = [this] {
    Log()->warn("message_too_large bytes>{}", options_.max_message_bytes);
    Write(MakeError(nullptr, rpc::kInvalidRequest,
                    "Invalid Request: message larger than the limit of " +
                        std::to_string(options_.max_message_bytes) + " bytes"));
  };
  char chunk[65536];
  while (!stop_) {
    pollfd fds[2] = {{options_.input_fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, wake_pipe_[0] >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (stop_) {
      break;
    }
    const ssize_t got = ::read(options_.input_fd, chunk, sizeof(chunk));
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (got <= 0) {
      break;  // end of input: the host closed our stdin
    }
    buffer.append(chunk, static_cast<std::size_t>(got));
    std::size_t start = 0;
    for (std::size_t newline; (newline = buffer.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      if (discarding) {
        discarding = false;
        continue;
      }
      // A line that ends in the chunk that took it over the limit is refused here; one that is
      // still open is refused below, as soon as it is too long.
      if (newline - start > options_.max_message_bytes) {
        refuse_oversized();
        continue;
      }
      HandleLine(buffer.substr(start, newline - start));
    }
    buffer.erase(0, start);
    if (!discarding && buffer.size() > options_.max_message_bytes) {
      refuse_oversized();
      discarding = true;
      buffer.clear();
    }
    if (discarding) {
      buffer.clear();
    }
  }
  if (!discarding && !buffer.empty()) {
    HandleLine(std::move(buffer));  // a last message without its newline
  }
  pending_.CloseAll();  // nobody is left to answer our requests
  DrainCalls();
  CloseOutput();
  Log()->info("stdio closed; exiting");
  return 0;
}

void StdioTransport::HandleLine(std::string line) {
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  if (line.find_first_not_of(" \t") == std::string::npos) {
    return;
  }
  auto parsed = ParseMessage(line);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) {
    Log()->warn("rejected reason={}", rejection->reason);
    if (rejection->answer) {
      Write(*rejection->answer);
    }
    return;
  }
  Dispatch(std::get<Message>(std::move(parsed)), line.size());
}

RequestScope StdioTransport::Scope(const std::atomic<bool>* cancelled) {
  return {principal_, &session_, cancelled,
          [this](const Json& notification) { Write(notification); }, &channel_};
}

namespace {

// The key of a request id among calls in flight: 7 and 7.0 are one id to a client that reads
// numbers as doubles (any JavaScript one), so a whole number is keyed as an integer.
std::string IdKey(const Json& id) {
  if (id.is_number_float()) {
    const double value = id.get<double>();
    constexpr double kLimit = 9007199254740992.0;  // 2^53: every whole double below is exact
    if (std::trunc(value) == value && std::fabs(value) < kLimit) {
      return Serialize(Json(static_cast<std::int64_t>(value)));
    }
  }
  return Serialize(id);
}

}  // namespace

void StdioTransport::Dispatch(Message message, std::size_t bytes) {
  if (message.kind == Message::Kind::kResponse) {
    if (!pending_.Resolve(message)) {
      Log()->debug("unexpected_response id={}", IdForLog(message.id));
    }
    return;
  }
  if (message.kind == Message::Kind::kNotification && message.method == "notifications/cancelled") {
    Cancel(message);
    return;
  }
  if (RunsOnWorker(message)) {
    StartCall(std::move(message), bytes);
    return;
  }
  if (message.kind == Message::Kind::kRequest && IdInUse(IdKey(message.id))) {
    RefuseIdInUse(message.id);
    return;
  }
  if (auto answer = server_.Handle(message, Scope(nullptr))) {
    Write(*answer);
  }
}

bool StdioTransport::IdInUse(const std::string& key) {
  std::lock_guard lock(calls_mutex_);
  return calls_.contains(key);
}

// A second request with the id of one still running or queued: its answer and a cancellation by
// that id could mean either, so it is refused and the first one goes on.
void StdioTransport::RefuseIdInUse(const Json& id) {
  Log()->warn("call_refused reason=id_in_use id={}", IdForLog(id));
  Write(MakeError(id, rpc::kInvalidRequest,
                  "this request's id is already used by a request that has not been answered "
                  "yet; send each request with an id of its own"));
}

void StdioTransport::StartCall(Message message, std::size_t bytes) {
  Queued call{IdKey(message.id), std::make_shared<InFlight>(), std::move(message), bytes};
  bool id_in_use = false;
  {
    std::lock_guard lock(calls_mutex_);
    id_in_use = calls_.contains(call.key);
    if (id_in_use) {
      // Refused below, outside the lock.
    } else if (running_ >= options_.max_concurrent_calls) {
      if (queue_.size() < options_.max_queued_calls) {
        calls_[call.key] = call.flight;
        Log()->debug("call_queued id={} queued={}", IdForLog(call.message.id), queue_.size() + 1);
        queue_.push_back(std::move(call));
        return;
      }
    } else {
      calls_[call.key] = call.flight;
      ++running_;
      std::thread([this, call = std::move(call)]() mutable {
        RunWorker(std::move(call));
      }).detach();
      return;
    }
  }
  if (id_in_use) {
    RefuseIdInUse(call.message.id);
    return;
  }
  Log()->warn("call_refused reason=queue_full running={} queued={}", options_.max_concurrent_calls,
              options_.max_queued_calls);
  Write(MakeError(call.message.id, kServerBusy,
                  "the server is busy: " + std::to_string(options_.max_concurrent_calls) +
                      " calls are running and " + std::to_string(options_.max_queued_calls) +
                      " are waiting; try again when one has finished"));
}

void StdioTransport::RunWorker(Queued call) {
  while (true) {
    auto answer = server_.Handle(call.message, Scope(&call.flight->cancelled));
    // A cancelled request gets no answer (MCP cancellation): the client has moved on.
    if (answer && !call.flight->cancelled) {
      Write(*answer);
    }
    if (call.bytes >= core::kLargeRequestBytes) {
      answer.reset();
      call.message = Message{};
      core::ReleaseFreeMemory();
    }
    std::lock_guard lock(calls_mutex_);
    if (const auto it = calls_.find(call.key); it != calls_.end() && it->second == call.flight) {
      calls_.erase(it);
    }
    if (queue_.empty()) {
      --running_;
      calls_changed_.notify_all();
      return;
    }
    call = std::move(queue_.front());
    queue_.pop_front();
  }
}

void StdioTransport::Cancel(const Message& message) {
  const Json id = message.params.value("requestId", Json());
  const std::string key = IdKey(id);
  std::lock_guard lock(calls_mutex_);
  const auto it = calls_.find(key);
  if (it == calls_.end()) {
    return;  // finished already, or never ours: nothing to do
  }
  it->second->cancelled = true;
  // A call still waiting for a worker is dropped here, without an answer.
  for (auto queued = queue_.begin(); queued != queue_.end(); ++queued) {
    if (queued->flight == it->second) {
      queue_.erase(queued);
      calls_.erase(it);
      Log()->debug("cancelled_queued id={}", IdForLog(id));
      return;
    }
  }
  pending_.Wake();
  Log()->debug("cancelled id={} reason={}", IdForLog(id),
               message.params.value("reason", std::string()));
}

void StdioTransport::Write(const Json& message) {
  std::string line = Serialize(message);
  line += '\n';
  std::lock_guard lock(write_mutex_);
  if (output_closed_) {
    return;
  }
  if (!WriteAll(options_.output_fd, line)) {
    Log()->warn("stdout_write_failed errno={}", errno);
  }
}

void StdioTransport::DrainCalls() {
  std::unique_lock lock(calls_mutex_);
  const auto drained = [this] { return running_ == 0; };
  if (calls_changed_.wait_for(lock, options_.shutdown_grace, drained)) {
    return;
  }

  // A call stuck on a slow upstream must not keep the process alive: cancel it the way
  // notifications/cancelled does, so its handler returns and its answer is dropped.
  for (const auto& [key, flight] : calls_) {
    flight->cancelled = true;
  }
  for (const auto& queued : queue_) {
    calls_.erase(queued.key);
  }
  queue_.clear();
  pending_.Wake();
  Log()->info("shutdown_cancelled running_calls={}", running_);

  if (!calls_changed_.wait_for(lock, options_.shutdown_grace, drained)) {
    Log()->warn("shutdown_abandoned running_calls={} reason=ignores_cancellation", running_);
  }
}

void StdioTransport::CloseOutput() {
  std::lock_guard lock(write_mutex_);
  output_closed_ = true;
}

void StdioTransport::WaitForCalls() {
  std::unique_lock lock(calls_mutex_);
  calls_changed_.wait(lock, [this] { return running_ == 0; });
}

}  // namespace mcp
