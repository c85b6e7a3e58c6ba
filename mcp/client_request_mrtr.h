// Multi round-trip requests (MRTR, 2026-07-28 basic/patterns/mrtr): how a handler's questions to
// the client travel in the stateless era.
//
// The handler runs once per round. Each RequestFromClient either finds its answer (by key) in the
// retried request's inputResponses, or in the answers carried forward from earlier rounds inside
// requestState, or is collected for the round's input_required result. requestState is sealed
// with HMAC-SHA256 and binds the subject, the originating request (method and a digest of its
// salient parameters) and an expiry, as the MRTR security requirements ask; state that fails any
// check is refused.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "mcp/client_request.h"

namespace mcp {

// Seals and opens requestState. Thread-safe (immutable after construction).
class RequestStateCodec {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  struct State {
    std::string subject;  // Principal::subject of the caller
    std::string binding;  // RequestBinding() of the originating request
    TimePoint expires;
    Json answers = Json::object();  // inputResponses carried forward, by key
  };

  // `key` holds the HMAC key bytes; empty: 32 bytes from the CSPRNG, so state is valid only in
  // this process (give every instance behind a load balancer the same key).
  explicit RequestStateCodec(std::string key = {});

  std::string Seal(const State& state) const;

  // kInvalidArgument (client-safe message) when the text is not a state we sealed, is altered,
  // has expired at `now`, or belongs to another subject or request.
  core::Result<State> Open(std::string_view text, const std::string& subject,
                           const std::string& binding, TimePoint now) const;

 private:
  std::string Mac(std::string_view payload) const;

  std::string key_;
};

// "tools/call:<sha256 hex of the salient parameters>" (the name of the tool or prompt, or the
// resource's URI, and the arguments, as the JSON {"arguments":…,"name":…}): what a requestState
// is bound to.
std::string RequestBinding(const std::string& method, std::string_view name, const Json& arguments);

// The 2026-07-28 requester for one round of one request. Thread-safe.
class MrtrRequester final : public ClientRequester {
 public:
  // `answers`: the retried request's inputResponses merged over the answers carried in its
  // requestState (already checked to be objects).
  MrtrRequester(Json client_capabilities, Json answers);

  bool Supports(std::string_view capability) const override;
  core::Result<Json> Request(const std::string& key, const std::string& method,
                             Json params) override;

  // After the handler returned:
  bool pending() const;               // some question still needs the client
  Json input_requests() const;        // InputRequests map of this round's open questions
  Json used_answers() const;          // answers the handler consumed, to carry forward
  Json missing_capabilities() const;  // ClientCapabilities object of undeclared ones asked for
  std::optional<core::Status> invalid_answer() const;  // a malformed answer the handler met

 private:
  Json capabilities_;
  Json answers_;
  mutable std::mutex mutex_;
  Json requests_ = Json::object();
  Json used_ = Json::object();
  Json missing_ = Json::object();
  std::optional<core::Status> invalid_;
};

}  // namespace mcp
