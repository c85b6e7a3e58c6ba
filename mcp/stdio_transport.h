// StdioTransport: MCP over a pair of file descriptors (stdin/stdout), one compact JSON message
// per line (MCP stdio transport).
//
// stdout carries protocol only; each line is written whole under a lock, ends in LF (never
// CR LF), and is valid UTF-8. Input lines may end in CR LF. tools/call, prompts/get and
// resources/read run on worker threads so that notifications/cancelled, other requests and the
// client's answers to our own requests are read while they run. Legacy server-to-client requests
// (sampling, elicitation, roots) go out as lines with ids "s-1", "s-2", ... and the handler waits
// for the response line with that id.
//
// At end of input or RequestStop() the transport stops reading and fails the requests still
// waiting for the client. Running calls get shutdown_grace to finish (their answers are written);
// then they are cancelled, as notifications/cancelled would, and queued ones dropped, and they get
// shutdown_grace more to honour it. Run() then returns; nothing is written after that. A handler
// that ignores cancellation runs on with its output dropped, and the destructor waits for it.
//
// At most max_concurrent_calls worker calls run at once; further ones wait, in arrival order, in
// a queue of at most max_queued_calls while the reader goes on reading (so cancellations, pings
// and lists are handled at once). A queued call that is cancelled is dropped without an answer;
// a call that finds the queue full is refused with a JSON-RPC error (-32000, server busy).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mcp/client_request.h"
#include "mcp/server.h"

namespace mcp {

class StdioTransport {
 public:
  struct Options {
    int input_fd = 0;
    int output_fd = 1;
    std::size_t max_message_bytes = 4U << 20;
    std::size_t max_concurrent_calls = 16;
    std::size_t max_queued_calls = 64;
    // How long a handler waits for the client to answer a server-to-client request.
    std::chrono::milliseconds client_request_timeout{std::chrono::minutes(5)};
    // At the end of Run(): how long running calls may take to finish before they are cancelled,
    // and then how long they get to honour the cancellation.
    std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  };

  StdioTransport(const Server& server, Options options);
  ~StdioTransport();

  // Serves until end of input or RequestStop(); returns 0 on a clean end.
  int Run();

  // Ends Run() at the next opportunity (from a signal-watching thread, for example).
  void RequestStop();

 private:
  struct InFlight {
    std::atomic<bool> cancelled{false};
  };
  struct Queued {
    std::string key;
    std::shared_ptr<InFlight> flight;
    Message message;
    std::size_t bytes = 0;  // the message's size as read
  };

  // Server-to-client requests over this transport's own output and input.
  class Channel final : public ClientChannel {
   public:
    explicit Channel(StdioTransport& transport) : transport_(transport) {}
    core::Result<Json> Call(const std::string& method, const Json& params,
                            const std::atomic<bool>* cancelled) override;

   private:
    StdioTransport& transport_;
  };

  void HandleLine(std::string line);
  // The scope of one request from this client; `cancelled` is null for calls run inline.
  RequestScope Scope(const std::atomic<bool>* cancelled);
  void Dispatch(Message message, std::size_t bytes);
  void StartCall(Message message, std::size_t bytes);
  // Whether a call with this serialized id is running or queued.
  bool IdInUse(const std::string& key);
  void RefuseIdInUse(const Json& id);
  void RunWorker(Queued call);
  void Cancel(const Message& message);
  void Write(const Json& message);
  void WaitForCalls();
  // Lets running calls finish, then cancels them (see the top of this file).
  void DrainCalls();
  // Drops every later Write(): Run() has returned, the host no longer reads.
  void CloseOutput();

  const Server& server_;
  Options options_;
  PendingRequests pending_;
  Channel channel_{*this};
  Session session_;
  core::Principal principal_;
  std::mutex write_mutex_;
  bool output_closed_ = false;  // guarded by write_mutex_
  std::mutex calls_mutex_;
  std::condition_variable calls_changed_;
  std::map<std::string, std::shared_ptr<InFlight>> calls_;  // running and queued, by serialized id
  std::deque<Queued> queue_;                                // waiting for a free worker
  std::size_t running_ = 0;
  std::atomic<bool> stop_{false};
  int wake_pipe_[2] = {-1, -1};
};

}  // namespace mcp
