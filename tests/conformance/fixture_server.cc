// conformance_fixture_server: an MCP server built from mcp/ that registers what the MCP
// conformance suite expects (fixture_catalog.h), for tests/conformance/run.sh.
//
//   conformance_fixture_server [--transport stdio|http] [--port N]
//
// stdio serves on stdin/stdout. http binds 127.0.0.1 (port 0 by default: a free one) and prints
// "MCP_URL=http://127.0.0.1:<port>/mcp" on stdout once it accepts connections; it stops on
// SIGINT or SIGTERM.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "core/log.h"
#include "mcp/http_transport.h"
#include "mcp/stdio_transport.h"
#include "tests/conformance/fixture_catalog.h"

namespace {

struct Flags {
  std::string transport = "stdio";
  int port = 0;
};

bool ParseFlags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--transport" && i + 1 < argc) {
      flags.transport = argv[++i];
    } else if (arg == "--port" && i + 1 < argc) {
      flags.port = std::atoi(argv[++i]);
    } else {
      return false;
    }
  }
  return flags.transport == "stdio" || flags.transport == "http";
}

int ServeStdio(const mcp::Server& server) {
  mcp::StdioTransport transport(server, {});
  return transport.Run();
}

// Serves until SIGINT or SIGTERM (blocked here, taken with sigwait).
int ServeHttp(const mcp::Server& server, int port) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  mcp::HttpTransport transport(server, {.host = "127.0.0.1", .port = port});
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

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, flags)) {
    std::fprintf(stderr, "usage: %s [--transport stdio|http] [--port N]\n", argv[0]);
    return 2;
  }
  const mcp::Server server(
      mcp::ServerInfo{.name = "jira-mcp-conformance-fixture", .title = "", .version = "0.1.0"},
      conformance::FixtureCatalog(), mcp::Server::Options{});
  if (flags.transport == "stdio") {
    return ServeStdio(server);
  }
  return ServeHttp(server, flags.port);
}
