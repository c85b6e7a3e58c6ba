// StdioClient: an MCP client that launches a server process and talks to it over its
// stdin/stdout, one JSON message per line. Used by the demo session and the benchmarks.
//
// Not thread-safe: one caller drives it. Notifications from the server are kept in order and
// can be read with TakeNotifications().
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "mcp/json_rpc.h"

namespace mcp {

class StdioClient {
 public:
  struct Options {
    std::vector<std::string> argv;  // argv[0] is the program path
    // Added to (or replacing in) the current environment.
    std::map<std::string, std::string> env;
    bool inherit_stderr = true;  // false: the server's stderr goes to /dev/null
    std::string working_dir;     // empty: ours
  };

  static core::Result<std::unique_ptr<StdioClient>> Launch(const Options& options);
  ~StdioClient();

  StdioClient(const StdioClient&) = delete;
  StdioClient& operator=(const StdioClient&) = delete;

  // Sends a request and waits for its answer. Returns the `result`; a JSON-RPC error answer
  // becomes a kFailedPrecondition Status whose message holds the code and message.
  core::Result<Json> Request(const std::string& method, Json params,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60));
  core::Status Notify(const std::string& method, Json params);

  // initialize + notifications/initialized; returns the initialize result.
  core::Result<Json> Initialize(const std::string& protocol_version = "2025-11-25");

  // tools/call; returns the CallToolResult (which may have isError true).
  core::Result<Json> CallTool(const std::string& name, Json arguments);

  std::vector<Json> TakeNotifications();

  // Closes the server's stdin and waits for it to exit; returns its exit status (or -1).
  int Close(std::chrono::milliseconds grace = std::chrono::seconds(5));

  pid_t pid() const { return pid_; }

 private:
  StdioClient(pid_t pid, int to_child, int from_child);
  core::Status WriteLine(const std::string& line);
  core::Result<std::string> ReadLine(std::chrono::steady_clock::time_point deadline);

  pid_t pid_;
  int to_child_;
  int from_child_;
  long long next_id_ = 1;
  std::string pending_;
  std::vector<Json> notifications_;
};

}  // namespace mcp
