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
#include "mcp/server.h"
#include "mcp/stdio_transport.h"
#include "sandbox/sandbox_server.h"

namespace {

std::optional<std::string> GetEnv(const std::string& name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

// Blocks SIGINT/SIGTERM in every thread and turns them into a stop request on a watcher thread.
// Call it before any other thread starts, so that all of them inherit the mask.
template <typename Transport>
void StopOnSignals(Transport& transport) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([signals, &transport] {
    int received = 0;
    sigwait(&signals, &received);
    core::GetLogger("main")->info("signal={}; stopping", received);
    transport.RequestStop();
  }).detach();
}

int Serve(const app::Settings& settings) {
  auto runtime = app::BuildRuntime(settings);
  if (!runtime.ok()) {
    std::fprintf(stderr, "jira-mcp: %s\n", runtime.status().message().c_str());
    return 2;
  }
  const mcp::Server& server = *(*runtime)->server;
  if (settings.transport == "http") {
    auto options = app::HttpOptions(settings, **runtime);
    if (!options.ok()) {
      std::fprintf(stderr, "jira-mcp: %s\n", options.status().message().c_str());
      return 2;
    }
    mcp::HttpTransport transport(server, *std::move(options));
    StopOnSignals(transport);
    return transport.Run();
  }
  mcp::StdioTransport transport(server, {});
  StopOnSignals(transport);
  return transport.Run();
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error return from write(), not a crash
  if (argc > 1 && std::string(argv[1]) == "sandbox") {
    return sandbox::Main(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "demo") {
    return app::RunDemo(argc - 1, argv + 1);
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto settings = app::ParseSettings(args, GetEnv);
  if (!settings.ok()) {
    std::fprintf(stderr, "jira-mcp: %s\n", settings.status().message().c_str());
    return 2;
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
