// `jira-mcp sandbox`: run the sandbox until SIGINT/SIGTERM, or print a demo user's token.
#include <fmt/format.h>
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "core/http_client.h"
#include "core/httplib_client.h"
#include "core/log.h"
#include "core/url.h"
#include "sandbox/sandbox_server.h"
#include "sandbox/seed.h"

namespace sandbox {
namespace {

constexpr const char* kUsage = R"(Usage: jira-mcp sandbox [options]
       jira-mcp sandbox --print-token USER --port N [--resource URL] [--scope SCOPES]

Runs a local stand-in for Jira Cloud and a Keycard identity zone on one loopback port, so that
one URL serves as both KEYCARD_ZONE_URL and ATLASSIAN_API_URL. Prints one line when ready:
  sandbox listening on http://127.0.0.1:PORT
and serves until interrupted (SIGINT or SIGTERM).

Options (each also an environment variable):
  --host HOST        JIRA_MCP_SANDBOX_HOST   loopback address to bind (default 127.0.0.1)
  --port N           JIRA_MCP_SANDBOX_PORT   port; 0 picks a free one (default 0)
  --state FILE       JIRA_MCP_SANDBOX_STATE  load the data from FILE if it exists, save every
                                             change to it (default: in memory only)
  --seed N           JIRA_MCP_SANDBOX_SEED   seed for the demo data (default 20250106)
  --client-id ID     JIRA_MCP_SANDBOX_CLIENT_ID      the zone's one client (default
                                                     jira-mcp-sandbox)
  -                  JIRA_MCP_SANDBOX_CLIENT_SECRET  its secret (default sandbox-secret)
  --print-token USER ask the sandbox running on --host/--port for a user token (password
                     grant) and print it, for KEYCARD_SUBJECT_TOKEN
  --resource URL     with --print-token: the token's audience (default: the zone itself)
  --scope SCOPES     with --print-token: scopes to put in the token
  --help             this text

Demo users (password "sandbox", or JIRA_MCP_SANDBOX_PASSWORD): alice (admin; sites acme and
acme-labs), bob, carol, dana; erik is refused by the zone policy "contractors-no-jira"; farah
has not consented. Token exchange: HTTP Basic with the client id and secret above, resource
https://api.atlassian.com/ex/jira, scopes from read:jira-work write:jira-work read:jira-user
manage:jira-project manage:jira-configuration, Jira Software's read:/write:board-scope and
read:/write:sprint (:jira-software), and read:project:jira read:issue-details:jira
read:jql:jira.
)";

std::optional<std::string> Env(const char* name) {
  const char* value =
      std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before threads start
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

struct Args {
  std::map<std::string, std::string> values;
  bool help = false;
  std::string error;
};

Args ParseArgs(int argc, char** argv) {
  static const std::map<std::string, std::string> kFlags = {
      {"--host", "JIRA_MCP_SANDBOX_HOST"},
      {"--port", "JIRA_MCP_SANDBOX_PORT"},
      {"--state", "JIRA_MCP_SANDBOX_STATE"},
      {"--seed", "JIRA_MCP_SANDBOX_SEED"},
      {"--client-id", "JIRA_MCP_SANDBOX_CLIENT_ID"},
      {"--print-token", ""},
      {"--resource", ""},
      {"--scope", ""}};
  Args args;
  for (const auto& [flag, env] : kFlags) {
    if (!env.empty()) {
      if (auto value = Env(env.c_str())) {
        args.values[flag] = *value;
      }
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      args.help = true;
      continue;
    }
    std::string value;
    const auto equals = arg.find('=');
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    } else if (kFlags.contains(arg) && i + 1 < argc) {
      value = argv[++i];
    }
    if (!kFlags.contains(arg)) {
      args.error = fmt::format("unknown option '{}'", arg);
      return args;
    }
    args.values[arg] = value;
  }
  return args;
}

bool ParseInt(const std::string& text, long long max, long long& out) {
  if (text.empty() || text.size() > 10 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  out = std::stoll(text);
  return out <= max;
}

// Sends `request`, waiting up to 5 s for a sandbox started in the background a moment ago that
// does not listen yet.
core::Result<core::HttpResponse> SendWhenListening(core::HttpClient& client,
                                                   const core::HttpRequest& request) {
  constexpr int kTries = 50;
  for (int tried = 1;; ++tried) {
    auto response = client.Send(request);
    if (response.ok() || tried >= kTries) {
      return response;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int PrintToken(const Args& args, const std::string& host, int port) {
  if (port <= 0) {
    std::cerr << "jira-mcp sandbox: --print-token needs the --port of a running sandbox\n";
    return 2;
  }
  if (!IsLoopbackHost(host)) {
    std::cerr << "jira-mcp sandbox: --host must be a loopback address\n";
    return 2;
  }
  const std::string password =
      Env("JIRA_MCP_SANDBOX_PASSWORD").value_or(std::string(kDefaultDemoPassword));
  std::string body =
      "grant_type=password&username=" + core::PercentEncode(args.values.at("--print-token")) +
      "&password=" + core::PercentEncode(password);
  for (const char* extra : {"--resource", "--scope"}) {
    if (args.values.contains(extra)) {
      body += fmt::format("&{}={}", extra + 2, core::PercentEncode(args.values.at(extra)));
    }
  }
  core::HttplibClient client;
  const std::string url_host =
      host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host;
  const core::HttpRequest request{.method = "POST",
                                  .url = fmt::format("http://{}:{}/oauth/2/token", url_host, port),
                                  .body = body,
                                  .content_type = "application/x-www-form-urlencoded"};
  auto response = SendWhenListening(client, request);
  if (!response.ok()) {
    std::cerr << "jira-mcp sandbox: " << response.status().message()
              << "; is `jira-mcp sandbox --port " << port << "` running?\n";
    return 1;
  }
  const auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200 || !json.is_object() || !json.contains("access_token")) {
    std::cerr << "jira-mcp sandbox: the sandbox refused: " << response->body << "\n";
    return 1;
  }
  std::cout << json["access_token"].get<std::string>() << std::endl;
  return 0;
}

// A start failure exits as jira-mcp's own start failures do.
constexpr int kStartFailed = 2;

int Serve(SandboxServer::Options options) {
  // Block the stop signals in every thread (the server's threads inherit the mask), then wait
  // for one synchronously: no async handler, no flag polling.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SandboxServer server(std::move(options));
  if (auto status = server.Start(); !status.ok()) {
    std::cerr << "jira-mcp sandbox: " << status.message() << "\n";
    return kStartFailed;
  }
  std::cout << "sandbox listening on " << server.base_url() << std::endl;
  std::cerr << fmt::format(
      "sandbox: KEYCARD_ZONE_URL={0} ATLASSIAN_API_URL={0}; users alice bob carol dana erik "
      "farah; get a token with: jira-mcp sandbox --print-token alice --port {1}\n",
      server.base_url(), server.port());

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.Stop();
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  if (args.help) {
    std::cout << kUsage;
    return 0;
  }
  if (!args.error.empty()) {
    std::cerr << "jira-mcp sandbox: " << args.error << "\n" << kUsage;
    return 2;
  }
  SandboxServer::Options options;
  const auto value = [&](const char* flag) {
    return args.values.contains(flag) ? args.values.at(flag) : std::string();
  };
  long long number = 0;
  if (!value("--host").empty()) {
    options.host = value("--host");
  }
  if (!value("--port").empty()) {
    if (!ParseInt(value("--port"), 65535, number)) {
      std::cerr << "jira-mcp sandbox: --port must be 0..65535\n";
      return 2;
    }
    options.port = static_cast<int>(number);
  }
  if (!value("--seed").empty()) {
    if (!ParseInt(value("--seed"), 4294967295LL, number)) {
      std::cerr << "jira-mcp sandbox: --seed must be a non-negative 32-bit number\n";
      return 2;
    }
    options.seed = static_cast<std::uint32_t>(number);
  }
  options.state_file = value("--state");
  if (!value("--client-id").empty()) {
    options.client_id = value("--client-id");
  }
  if (auto secret = Env("JIRA_MCP_SANDBOX_CLIENT_SECRET")) {
    options.client_secret = core::Secret(*secret);
  }
  if (auto password = Env("JIRA_MCP_SANDBOX_PASSWORD")) {
    options.demo_password = *password;
  }
  if (args.values.contains("--print-token")) {
    return PrintToken(args, options.host, options.port);
  }
  return Serve(std::move(options));
}

}  // namespace sandbox
