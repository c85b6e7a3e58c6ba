// Shared pieces of the hardening tests: the jira-mcp binary as a child process with its stderr
// in a file, raw JSON-RPC lines to and from it, thread counts from /proc, bounded waits, and a
// sandbox with credentials distinctive enough to find in a log.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "sandbox/sandbox_server.h"
#include "tests/fakes/temp_dir.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX name

namespace hardening {

using Json = nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Credentials the sandbox is started with; long and unlike anything else in a log.
inline constexpr char kClientId[] = "jira-mcp-hardening";
inline constexpr char kClientSecret[] = "cs-Hq7vW2xZk9Lp4Rt8Yb3N";

// Threads of process `pid` (0: this one), from /proc/<pid>/task.
inline int ThreadCount(pid_t pid = 0) {
  const std::string dir =
      pid == 0 ? std::string("/proc/self/task") : "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  int count = 0;
  for (auto it = std::filesystem::directory_iterator(dir, error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++count;
  }
  return count;
}

// Polls `done` every few milliseconds until it holds or `timeout` passes; returns its last value.
inline bool WaitUntil(const std::function<bool()>& done, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) {
      return done();
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using fakes::TempDir;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The sandbox on a free loopback port, with kClientId/kClientSecret.
inline std::unique_ptr<sandbox::SandboxServer> StartSandbox() {
  sandbox::SandboxServer::Options options;
  options.client_id = kClientId;
  options.client_secret = core::Secret(kClientSecret);
  auto server = std::make_unique<sandbox::SandboxServer>(std::move(options));
  const core::Status status = server->Start();
  EXPECT_TRUE(status.ok()) << status.message();
  return server;
}

// The environment of a jira-mcp child: ours without any jira-mcp or Keycard setting, plus `env`.
inline std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::string name = text.substr(0, text.find('='));
    if (name.rfind("JIRA_", 0) == 0 || name.rfind("KEYCARD_", 0) == 0 ||
        name.rfind("ATLASSIAN_", 0) == 0 || env.count(name) != 0) {
      continue;
    }
    out.push_back(text);
  }
  for (const auto& [name, value] : env) {
    out.push_back(name + "=" + value);
  }
  return out;
}

// jira-mcp as a child: stdin and stdout are pipes of ours, stderr goes to a file.
class ServerProcess {
 public:
  static std::unique_ptr<ServerProcess> Launch(const std::vector<std::string>& args,
                                               const std::map<std::string, std::string>& env,
                                               const std::string& stderr_path) {
    ::signal(SIGPIPE, SIG_IGN);  // a child or server that went away is an error, not our death
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<std::string> argv = {JIRA_MCP_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> environment = ChildEnvironment(env);
    auto argv_ptrs = Pointers(argv);
    auto env_ptrs = Pointers(environment);
    pid_t pid = 0;
    const int error =
        ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, argv_ptrs.data(), env_ptrs.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(to_child[0]);
    ::close(from_child[1]);
    if (error != 0) {
      ::close(to_child[1]);
      ::close(from_child[0]);
      return nullptr;
    }
    return std::unique_ptr<ServerProcess>(
        new ServerProcess(pid, to_child[1], from_child[0], stderr_path));
  }

  ~ServerProcess() { Terminate(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int Threads() const { return ThreadCount(pid_); }
  std::string Stderr() const { return ReadFile(stderr_path_); }

  bool SendRaw(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t written = ::write(to_child_, bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }
  bool Send(const Json& message) { return SendRaw(message.dump() + "\n"); }

  // The next line on stdout, or nullopt at the deadline or end of output.
  std::optional<std::string> ReadLine(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
      if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
        std::string line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        return std::nullopt;
      }
      pollfd fd{from_child_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left)) <= 0) {
        continue;
      }
      char chunk[65536];
      const ssize_t got = ::read(from_child_, chunk, sizeof(chunk));
      if (got <= 0) {
        return std::nullopt;
      }
      pending_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  // Reads until the answer with `id` (other lines are kept in `others`); null Json on timeout.
  Json Await(const Json& id, milliseconds timeout = milliseconds(50000)) {
    for (auto it = others.begin(); it != others.end(); ++it) {
      if (IsAnswerTo(*it, id)) {
        Json message = std::move(*it);
        others.erase(it);
        return message;
      }
    }
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto line = ReadLine(std::chrono::duration_cast<milliseconds>(deadline - Clock::now()));
      if (!line) {
        break;
      }
      Json message = Json::parse(*line, nullptr, false);
      if (IsAnswerTo(message, id)) {
        return message;
      }
      others.push_back(std::move(message));
    }
    return Json();
  }

  Json Request(const Json& id, const std::string& method, Json params = Json::object(),
               milliseconds timeout = milliseconds(50000)) {
    Send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    return Await(id, timeout);
  }

  Json Call(const Json& id, const std::string& tool, Json arguments,
            milliseconds timeout = milliseconds(50000)) {
    return Request(id, "tools/call", {{"name", tool}, {"arguments", std::move(arguments)}},
                   timeout);
  }

  // initialize + notifications/initialized; the initialize answer.
  Json Initialize() {
    Json answer = Request("init", "initialize",
                          {{"protocolVersion", "2025-11-25"},
                           {"capabilities", Json::object()},
                           {"clientInfo", {{"name", "hardening"}, {"version", "1"}}}});
    Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    return answer;
  }

  // Closes stdin (or, with `signal_number`, signals) and waits up to `grace` for the exit;
  // kills it after that. Returns the exit code, or -1 when it did not exit by itself.
  int Terminate(int signal_number = 0, milliseconds grace = milliseconds(10000)) {
    if (pid_ <= 0) {
      return exit_code_;
    }
    if (signal_number != 0) {
      ::kill(pid_, signal_number);
    }
    if (to_child_ >= 0) {
      ::close(to_child_);
      to_child_ = -1;
    }
    int status = 0;
    pid_t done = 0;
    const auto deadline = Clock::now() + grace;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    if (done == 0) {
      ::kill(pid_, SIGKILL);  // our own child, past its grace period
      ::waitpid(pid_, &status, 0);
    }
    ::close(from_child_);
    pid_ = -1;
    exit_code_ = done > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_code_;
  }

  std::vector<Json> others;  // lines read while waiting for another answer

 private:
  ServerProcess(pid_t pid, int to_child, int from_child, std::string stderr_path)
      : pid_(pid),
        to_child_(to_child),
        from_child_(from_child),
        stderr_path_(std::move(stderr_path)) {}

  static bool IsAnswerTo(const Json& message, const Json& id) {
    return message.is_object() && message.contains("id") && message["id"] == id &&
           !message.contains("method");
  }

  static std::vector<char*> Pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& text : strings) {
      out.push_back(text.data());
    }
    out.push_back(nullptr);
    return out;
  }

  pid_t pid_;
  int to_child_;
  int from_child_;
  std::string stderr_path_;
  std::string pending_;
  int exit_code_ = -1;
};

// The port an HTTP jira-mcp logged ("listen=127.0.0.1:PORT"), waiting for it up to `timeout`.
inline int WaitForListenPort(const ServerProcess& process, milliseconds timeout) {
  int port = 0;
  WaitUntil(
      [&] {
        const std::string log = process.Stderr();
        const std::size_t at = log.find("listen=127.0.0.1:");
        if (at == std::string::npos) {
          return false;
        }
        port = std::atoi(log.c_str() + at + 17);
        return port > 0;
      },
      timeout);
  return port;
}

// The text of a CallToolResult's content blocks.
inline std::string ResultText(const Json& answer) {
  std::string text;
  const Json result = answer.value("result", Json::object());
  for (const auto& block : result.value("content", Json::array())) {
    text += block.value("text", "");
  }
  return text;
}

inline bool IsToolError(const Json& answer) {
  return answer.contains("result") && answer["result"].value("isError", false);
}

inline bool IsToolSuccess(const Json& answer) {
  return answer.contains("result") && !answer["result"].value("isError", true);
}

// MCP over HTTP to a jira-mcp at 127.0.0.1:port: one legacy session.
class HttpSession {
 public:
  HttpSession(int port, std::string bearer = {}) : port_(port), bearer_(std::move(bearer)) {}

  httplib::Result Post(const std::string& body, milliseconds timeout = milliseconds(50000)) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout).count(), 0);
    httplib::Headers headers = {{"Accept", "application/json, text/event-stream"}};
    if (!bearer_.empty()) {
      headers.emplace("Authorization", "Bearer " + bearer_);
    }
    if (!session_.empty()) {
      headers.emplace("Mcp-Session-Id", session_);
      headers.emplace("MCP-Protocol-Version", "2025-11-25");
    }
    return client.Post("/mcp", headers, body, "application/json");
  }

  // Opens the session; the initialize answer's HTTP status.
  int Initialize() {
    auto result = Post(Json{{"jsonrpc", "2.0"},
                            {"id", 0},
                            {"method", "initialize"},
                            {"params",
                             {{"protocolVersion", "2025-11-25"},
                              {"capabilities", Json::object()},
                              {"clientInfo", {{"name", "hardening"}, {"version", "1"}}}}}}
                           .dump());
    if (!result) {
      return -1;
    }
    session_ = result->get_header_value("Mcp-Session-Id");
    Post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    return result->status;
  }

  // tools/call; the JSON-RPC answer, or null Json when no HTTP answer came.
  Json Call(const Json& id, const std::string& tool, const Json& arguments,
            milliseconds timeout = milliseconds(50000)) {
    auto result = Post(Json{{"jsonrpc", "2.0"},
                            {"id", id},
                            {"method", "tools/call"},
                            {"params", {{"name", tool}, {"arguments", arguments}}}}
                           .dump(),
                       timeout);
    if (!result) {
      return Json();
    }
    return Json::parse(result->body, nullptr, false);
  }

  int Delete() {
    httplib::Client client("127.0.0.1", port_);
    httplib::Headers headers = {{"Mcp-Session-Id", session_}};
    if (!bearer_.empty()) {
      headers.emplace("Authorization", "Bearer " + bearer_);
    }
    auto result = client.Delete("/mcp", headers);
    return result ? result->status : -1;
  }

  const std::string& id() const { return session_; }

 private:
  int port_;
  std::string bearer_;
  std::string session_;
};

}  // namespace hardening
