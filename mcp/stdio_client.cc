#include "mcp/stdio_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX name

namespace mcp {
namespace {

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const std::string name = text.substr(0, text.find('='));
    if (overrides.count(name) == 0) {
      out.push_back(text);
    }
  }
  for (const auto& [name, value] : overrides) {
    out.push_back(name + "=" + value);
  }
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& text : strings) {
    out.push_back(text.data());
  }
  out.push_back(nullptr);
  return out;
}

// strerror() is not thread-safe; the error_code category's message() is.
std::string ErrorText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

core::Status Failed(const std::string& text) { return {core::Code::kUnavailable, text}; }

}  // namespace

core::Result<std::unique_ptr<StdioClient>> StdioClient::Launch(const Options& options) {
  if (options.argv.empty()) {
    return core::Status(core::Code::kInvalidArgument, "StdioClient needs a program");
  }
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    return Failed(fmt::format("pipe: {}", ErrorText(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  if (!options.inherit_stderr) {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }
  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = MergedEnvironment(options.env);
  auto argv_ptrs = Pointers(argv);
  auto env_ptrs = Pointers(env);
  pid_t pid = 0;
  const int error =
      posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, argv_ptrs.data(), env_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (error != 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    return Failed(fmt::format("cannot start {}: {}", argv[0], ErrorText(error)));
  }
  return std::unique_ptr<StdioClient>(new StdioClient(pid, to_child[1], from_child[0]));
}

StdioClient::StdioClient(pid_t pid, int to_child, int from_child)
    : pid_(pid), to_child_(to_child), from_child_(from_child) {}

StdioClient::~StdioClient() { Close(std::chrono::seconds(2)); }

core::Status StdioClient::WriteLine(const std::string& line) {
  std::string_view data = line;
  while (!data.empty()) {
    const ssize_t written = ::write(to_child_, data.data(), data.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      return Failed(fmt::format("write to server: {}", ErrorText(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return core::Status::Ok();
}

core::Result<std::string> StdioClient::ReadLine(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return core::Status(core::Code::kDeadlineExceeded, "the server did not answer in time");
    }
    pollfd fd{from_child_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      continue;
    }
    char chunk[65536];
    const ssize_t got = ::read(from_child_, chunk, sizeof(chunk));
    if (got <= 0) {
      return Failed("the server closed its output");
    }
    pending_.append(chunk, static_cast<std::size_t>(got));
  }
}

core::Result<Json> StdioClient::Request(const std::string& method, Json params,
                                        std::chrono::milliseconds timeout) {
  const long long id = next_id_++;
  Json request = {
      {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  if (auto status = WriteLine(Serialize(request) + "\n"); !status.ok()) {
    return status;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto line = ReadLine(deadline);
    if (!line.ok()) {
      return line.status();
    }
    Json message = Json::parse(*line, nullptr, false);
    if (message.is_discarded()) {
      return Failed("the server wrote a line that is not JSON: " + line->substr(0, 200));
    }
    if (!message.contains("id")) {
      notifications_.push_back(std::move(message));
      continue;
    }
    if (message["id"] != id) {
      continue;  // an answer to an earlier, abandoned request
    }
    if (message.contains("error")) {
      return core::Status(core::Code::kFailedPrecondition,
                          fmt::format("{} failed: {} {}", method, message["error"].value("code", 0),
                                      message["error"].value("message", std::string())));
    }
    return std::move(message["result"]);
  }
}

core::Status StdioClient::Notify(const std::string& method, Json params) {
  return WriteLine(Serialize(MakeNotification(method, std::move(params))) + "\n");
}

core::Result<Json> StdioClient::Initialize(const std::string& protocol_version) {
  auto result =
      Request("initialize", {{"protocolVersion", protocol_version},
                             {"capabilities", Json::object()},
                             {"clientInfo", {{"name", "jira-mcp-client"}, {"version", "1"}}}});
  if (result.ok()) {
    if (auto status = Notify("notifications/initialized", Json::object()); !status.ok()) {
      return status;
    }
  }
  return result;
}

core::Result<Json> StdioClient::CallTool(const std::string& name, Json arguments) {
  return Request("tools/call", {{"name", name}, {"arguments", std::move(arguments)}});
}

std::vector<Json> StdioClient::TakeNotifications() { return std::exchange(notifications_, {}); }

int StdioClient::Close(std::chrono::milliseconds grace) {
  if (pid_ <= 0) {
    return -1;
  }
  ::close(to_child_);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (done == 0) {
    ::kill(pid_, SIGKILL);  // our own child, past its grace period
    ::waitpid(pid_, &status, 0);
  }
  ::close(from_child_);
  pid_ = -1;
  return done > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace mcp
