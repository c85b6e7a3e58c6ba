// Requests from a handler to the client: sampling/createMessage, elicitation/create, roots/list.
//
// A handler asks through CallContext::RequestFromClient and never learns how the question
// travels. The protocol layer picks a ClientRequester for the call:
//   - legacy era: LegacyRequester sends a JSON-RPC request through the transport's ClientChannel
//     (stdio: a line on stdout; HTTP: an event on the POST's SSE stream) and waits for the answer;
//   - 2026-07-28: MrtrRequester (client_request_mrtr.h) answers from the retried request's
//     inputResponses or collects the question for an input_required result (MRTR).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"
#include "mcp/json_rpc.h"
#include "mcp/tool.h"

namespace mcp {

inline constexpr const char* kMethodCreateMessage = "sampling/createMessage";
inline constexpr const char* kMethodElicit = "elicitation/create";
inline constexpr const char* kMethodListRoots = "roots/list";

// The client capability a server-to-client method needs: "sampling", "elicitation" or "roots";
// empty for any other method (which a server may not send).
std::string CapabilityForMethod(std::string_view method);

// Checks the shape of a client's answer to `method` (ElicitResult, CreateMessageResult,
// ListRootsResult); kInvalidArgument naming the problem.
core::Status ValidateClientResult(std::string_view method, const Json& result);

// The server-to-client side of one call. Implementations are thread-safe.
class ClientRequester {
 public:
  virtual ~ClientRequester() = default;
  virtual bool Supports(std::string_view capability) const = 0;
  // See CallContext::RequestFromClient for the contract.
  virtual core::Result<Json> Request(const std::string& key, const std::string& method,
                                     Json params) = 0;
};

// Implemented by a transport that can carry legacy server-to-client requests. Thread-safe.
class ClientChannel {
 public:
  virtual ~ClientChannel() = default;
  // Sends one request and blocks for the client's answer. Returns its result; kInvalidArgument
  // for a JSON-RPC error answer (with the client's message); kCancelled once `cancelled` is set;
  // kDeadlineExceeded after the transport's timeout; kUnavailable when the transport closed or
  // cannot reach the client from this request.
  virtual core::Result<Json> Call(const std::string& method, const Json& params,
                                  const std::atomic<bool>* cancelled) = 0;
};

// Legacy-era requester: checks the capabilities the client declared in initialize, then asks
// through `channel` (null: the transport cannot ask, every request is kUnavailable).
class LegacyRequester final : public ClientRequester {
 public:
  LegacyRequester(ClientChannel* channel, Json client_capabilities,
                  const std::atomic<bool>* cancelled);

  bool Supports(std::string_view capability) const override;
  core::Result<Json> Request(const std::string& key, const std::string& method,
                             Json params) override;

 private:
  ClientChannel* channel_;
  Json capabilities_;
  const std::atomic<bool>* cancelled_;
};

// Server-to-client requests awaiting their answers, for transports: assigns ids, waits, routes
// answers. Ids are strings ("s-1", "s-2", ...) so they never collide with a client's numeric ids
// in logs. Thread-safe.
class PendingRequests {
 public:
  // Sends a request through `send` (false: it could not be written) and waits for Resolve() with
  // its id, for `cancelled`, for `timeout` or for CloseAll(); see ClientChannel::Call.
  core::Result<Json> Call(const std::string& method, const Json& params,
                          const std::atomic<bool>* cancelled, std::chrono::milliseconds timeout,
                          const std::function<bool(const Json& request)>& send);

  // Hands a response (Message::Kind::kResponse) to its waiter; false when nobody waits for it.
  bool Resolve(const Message& response);

  // Makes waiters re-check their cancel flags (call after setting one).
  void Wake();

  // Fails every current and future waiter with kUnavailable (the transport is closing).
  void CloseAll();

 private:
  struct Slot {
    bool done = false;
    Json result;
    Json error;
  };

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Slot> slots_;
  long long next_id_ = 1;
  bool closed_ = false;
};

}  // namespace mcp
