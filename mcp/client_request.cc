#include "mcp/client_request.h"

#include <fmt/format.h>

#include "core/log.h"

namespace mcp {
namespace {

std::shared_ptr<spdlog::logger> Log() { return core::GetLogger("mcp"); }

// Cancellation is a flag set by another thread; waiters re-check it at least this often even if
// nobody calls Wake().
constexpr std::chrono::milliseconds kCancelPoll{100};

core::Status Malformed(std::string_view method, const std::string& why) {
  return {core::Code::kInvalidArgument,
          fmt::format("the client's answer to {} is malformed: {}", method, why)};
}

core::Status CheckElicitResult(const Json& result) {
  const Json action = result.value("action", Json());
  if (action != "accept" && action != "decline" && action != "cancel") {
    return Malformed(kMethodElicit, "\"action\" must be accept, decline or cancel");
  }
  if (result.contains("content") && !result["content"].is_object()) {
    return Malformed(kMethodElicit, "\"content\" must be an object");
  }
  return core::Status::Ok();
}

core::Status CheckCreateMessageResult(const Json& result) {
  if (!result.value("role", Json()).is_string() || !result.value("model", Json()).is_string()) {
    return Malformed(kMethodCreateMessage, "\"role\" and \"model\" must be strings");
  }
  const Json content = result.value("content", Json());
  if (!content.is_object() && !content.is_array()) {
    return Malformed(kMethodCreateMessage, "\"content\" must be a content block or an array");
  }
  return core::Status::Ok();
}

core::Status CheckListRootsResult(const Json& result) {
  const Json roots = result.value("roots", Json());
  if (!roots.is_array()) {
    return Malformed(kMethodListRoots, "\"roots\" must be an array");
  }
  for (const Json& root : roots) {
    if (!root.is_object() || !root.value("uri", Json()).is_string()) {
      return Malformed(kMethodListRoots, "every root needs a \"uri\" string");
    }
  }
  return core::Status::Ok();
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
    case LogLevel::kCritical:
      return "critical";
    case LogLevel::kAlert:
      return "alert";
    case LogLevel::kEmergency:
      return "emergency";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (const LogLevel level :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kNotice, LogLevel::kWarning, LogLevel::kError,
        LogLevel::kCritical, LogLevel::kAlert, LogLevel::kEmergency}) {
    if (name == LogLevelName(level)) {
      return level;
    }
  }
  return std::nullopt;
}

bool CallContext::ClientSupports(std::string_view capability) const {
  return services_.client != nullptr && services_.client->Supports(capability);
}

core::Result<Json> CallContext::RequestFromClient(const std::string& key, const std::string& method,
                                                  Json params) const {
  if (services_.client == nullptr) {
    return core::Status(core::Code::kUnavailable,
                        "this connection cannot carry requests to the client");
  }
  return services_.client->Request(key, method, std::move(params));
}

std::string CapabilityForMethod(std::string_view method) {
  if (method == kMethodCreateMessage) {
    return "sampling";
  }
  if (method == kMethodElicit) {
    return "elicitation";
  }
  if (method == kMethodListRoots) {
    return "roots";
  }
  return {};
}

core::Status ValidateClientResult(std::string_view method, const Json& result) {
  if (!result.is_object()) {
    return Malformed(method, "a result must be an object");
  }
  if (method == kMethodElicit) {
    return CheckElicitResult(result);
  }
  if (method == kMethodCreateMessage) {
    return CheckCreateMessageResult(result);
  }
  if (method == kMethodListRoots) {
    return CheckListRootsResult(result);
  }
  return core::Status::Ok();
}

LegacyRequester::LegacyRequester(ClientChannel* channel, Json client_capabilities,
                                 const std::atomic<bool>* cancelled)
    : channel_(channel), capabilities_(std::move(client_capabilities)), cancelled_(cancelled) {}

bool LegacyRequester::Supports(std::string_view capability) const {
  return capabilities_.is_object() && capabilities_.contains(capability);
}

core::Result<Json> LegacyRequester::Request(const std::string& key, const std::string& method,
                                            Json params) {
  const std::string capability = CapabilityForMethod(method);
  if (capability.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("{} is not a request a server may send", method));
  }
  if (!Supports(capability)) {
    return core::Status(core::Code::kFailedPrecondition,
                        fmt::format("the client does not support {} ({})", capability, method));
  }
  if (channel_ == nullptr) {
    return core::Status(core::Code::kUnavailable,
                        "this connection cannot carry requests to the client");
  }
  Log()->debug("client_request key={} method={}", key, method);
  auto result = channel_->Call(method, params, cancelled_);
  if (!result.ok()) {
    return result;
  }
  if (auto status = ValidateClientResult(method, result.value()); !status.ok()) {
    return status;
  }
  return result;
}

core::Result<Json> PendingRequests::Call(const std::string& method, const Json& params,
                                         const std::atomic<bool>* cancelled,
                                         std::chrono::milliseconds timeout,
                                         const std::function<bool(const Json& request)>& send) {
  std::string id;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      return core::Status(core::Code::kUnavailable, "the connection to the client is closing");
    }
    id = fmt::format("s-{}", next_id_++);
    slots_[id] = Slot{};
  }
  Json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  if (!send(request)) {
    std::lock_guard lock(mutex_);
    slots_.erase(id);
    return core::Status(core::Code::kUnavailable, "could not send the request to the client");
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  while (true) {
    Slot& slot = slots_[id];
    if (slot.done) {
      Slot answer = std::move(slot);
      slots_.erase(id);
      if (!answer.error.is_null()) {
        return core::Status(
            core::Code::kInvalidArgument,
            fmt::format("the client refused {}: {}", method,
                        answer.error.is_object() ? answer.error.value("message", std::string())
                                                 : std::string()));
      }
      return answer.result;
    }
    if (closed_) {
      slots_.erase(id);
      return core::Status(core::Code::kUnavailable, "the connection to the client closed");
    }
    if (cancelled != nullptr && cancelled->load()) {
      slots_.erase(id);
      return core::Status(core::Code::kCancelled, "the request was cancelled");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      slots_.erase(id);
      return core::Status(core::Code::kDeadlineExceeded,
                          fmt::format("the client did not answer {} in time", method));
    }
    changed_.wait_for(lock,
                      std::min<std::chrono::steady_clock::duration>(deadline - now, kCancelPoll));
  }
}

bool PendingRequests::Resolve(const Message& response) {
  if (!response.id.is_string()) {
    return false;
  }
  std::lock_guard lock(mutex_);
  const auto it = slots_.find(response.id.get<std::string>());
  if (it == slots_.end() || it->second.done) {
    return false;
  }
  it->second.done = true;
  it->second.result = response.result;
  it->second.error = response.error;
  changed_.notify_all();
  return true;
}

void PendingRequests::Wake() {
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

void PendingRequests::CloseAll() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace mcp
