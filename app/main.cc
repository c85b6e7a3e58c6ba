// jira-mcp: the MCP server executable.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "app/demo.h"
#include "app/runtime.h"
#include "app/settings.h"
#include "core/log.h"
#include "core/memory.h"
#include "mcp/server.h"
#include "mcp/stdio_transport.h"
#include "sandbox/sandbox_server.h"

namespace {

std::optional<std::string> GetEnv(const std::string& name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

// Blocks SIGINT/SIGTERM in this thread and every thread it starts afterwards; they are then
// taken with sigwait(). Call it before any other thread starts.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForStopSignal(const sigset_t& signals) {
  int received = 0;
  sigwait(&signals, &received);
  core::GetLogger("main")->info("signal={}; stopping", received);
  return received;
}

// Every start failure ends here: one line on stderr whatever the log level, and one exit code.
constexpr int kStartFailed = 2;
int StartFailed(const std::string& what) {
  std::fprintf(stderr, "jira-mcp: %s\n", what.c_str());
  return kStartFailed;
}

int ServeHttp(const app::Settings& settings, app::Runtime& runtime, const sigset_t& signals) {
  auto options = app::HttpOptions(settings, runtime);
  if (!options.ok()) {
    return StartFailed(options.status().message());
  }
  mcp::HttpTransport transport(*runtime.server, *std::move(options));
  if (auto status = transport.Start(); !status.ok()) {
    return StartFailed("cannot start the HTTP server: " + status.message());
  }
  WaitForStopSignal(signals);
  transport.Stop();
  return 0;
}

int Serve(const app::Settings& settings) {
  const sigset_t signals = BlockStopSignals();
  auto runtime = app::BuildRuntime(settings);
  if (!runtime.ok()) {
    return StartFailed(runtime.status().message());
  }
  if (settings.transport == "http") {
    return ServeHttp(settings, **runtime, signals);
  }
  mcp::StdioTransport transport(*(*runtime)->server, {});
  std::thread([signals, &transport] {
    WaitForStopSignal(signals);
    transport.RequestStop();
  }).detach();
  return transport.Run();
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error return from write(), not a crash
  core::LimitRetainedMemory();
  if (argc > 1 && std::string(argv[1]) == "sandbox") {
    return sandbox::Main(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "demo") {
    return app::RunDemo(argc - 1, argv + 1);
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings = app::ParseSettings(args, GetEnv);
  if (!settings.ok()) {
    return StartFailed(settings.status().message());
  }
  if (settings->show_help) {
    std::fputs(app::HelpText().c_str(), stdout);
    return 0;
  }
  if (settings->show_version) {
    std::printf("jira-mcp %s\n", JIRA_MCP_VERSION);
    return 0;
  }
  core::SetLogLevel(settings->log_level);
  return Serve(*settings);
}
