// conformance_product_server: the jira-mcp runtime (app::BuildRuntime: the product's Jira tools
// and nothing else) served over mcp::HttpTransport in single-user mode on 127.0.0.1, as
// `jira-mcp --transport http --auth none` serves it. It lets the conformance suite check the
// product's protocol surface while app/main.cc does not serve HTTP yet.
//
//   conformance_product_server [jira-mcp flags]   (--transport and --auth are ignored)
//
// Prints "MCP_URL=http://127.0.0.1:<port>/mcp" once it accepts connections; stops on SIGINT or
// SIGTERM.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/runtime.h"
#include "app/settings.h"
#include "core/log.h"
#include "mcp/http_transport.h"

namespace {

std::optional<std::string> GetEnv(const std::string& name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start-up, before any thread exists
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto settings = app::ParseSettings({argv + 1, argv + argc}, GetEnv);
  if (!settings.ok()) {
    std::fprintf(stderr, "conformance_product_server: %s\n", settings.status().message().c_str());
    return 2;
  }
  core::SetLogLevel(settings->log_level);
  auto runtime = app::BuildRuntime(*settings);
  if (!runtime.ok()) {
    std::fprintf(stderr, "conformance_product_server: %s\n", runtime.status().message().c_str());
    return 2;
  }
  mcp::HttpTransport transport(*(*runtime)->server, {.host = "127.0.0.1", .port = settings->port});
  if (auto status = transport.Start(); !status.ok()) {
    std::fprintf(stderr, "cannot serve HTTP: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("MCP_URL=http://127.0.0.1:%d/mcp\n", transport.port());
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  transport.Stop();
  return 0;
}
