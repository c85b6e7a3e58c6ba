// bench_mcp: the measuring client of bench/run.sh. Each mode prints one JSON object on stdout.
//
//   bench_mcp stdio [--runs N] [--calls N] [--tool NAME] [--args JSON] [--grace-ms N]
//                   [--save-reply FILE] -- SERVER [ARGS...]
//     N cold starts (launch to `initialize` and to `tools/list` answered, peak RSS at ready,
//     tool count and tools/list bytes), then in one more session: the reply of one call of
//     TOOL, then --calls timed calls (median, p99) and the peak RSS after them. SERVER is an
//     absolute path; it inherits this program's environment; --grace-ms is how long it may take
//     to exit once its stdin closes (default 5000).
//   bench_mcp http --url URL [--bearer TOKEN] [--sessions N] [--calls N] [--tool NAME]
//                  [--args JSON]
//     N concurrent MCP sessions over Streamable HTTP, each on its own thread and connection,
//     each making --calls calls of TOOL: calls per second, latency (median, p99), errors. The
//     clock starts once every session is initialized (that time is reported apart).
//   bench_mcp upstream --url URL [--bearer TOKEN | --basic USER:PASS] [--method M]
//                      [--body JSON] [--conns N] [--requests N]
//     Plain HTTP requests (no MCP) on N keep-alive connections: requests per second, latency.
//
// A call counts as an error when the answer is a JSON-RPC error or a tool result with isError.
// Only loopback URLs are accepted.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/measure.h"
#include "core/base64.h"
#include "core/url.h"
#include "mcp/json_rpc.h"
#include "mcp/stdio_client.h"

namespace {

using bench::Clock;
using bench::Millis;
using bench::PeakRssKib;
using bench::Percentile;
using mcp::Json;

Json Summary(const std::vector<double>& values) {
  return {{"median", Percentile(values, 0.5)},
          {"p90", Percentile(values, 0.9)},
          {"p99", Percentile(values, 0.99)},
          {"min", Percentile(values, 0.0)},
          {"n", values.size()}};
}

// Distinct issue keys (ABC-123) named anywhere in a reply: a check that a search reply really
// names the issues it was asked for.
std::size_t DistinctIssueKeys(const std::string& text) {
  const auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::set<std::string> keys;
  for (std::size_t i = 0; i < text.size();) {
    if (!upper(text[i])) {
      ++i;
      continue;
    }
    // A project key: a capital, then at least one capital or digit; then "-" and digits.
    std::size_t end = i + 1;
    while (end < text.size() && (upper(text[end]) || digit(text[end]))) {
      ++end;
    }
    if (end - i >= 2 && end + 1 < text.size() && text[end] == '-' && digit(text[end + 1])) {
      std::size_t number_end = end + 1;
      while (number_end < text.size() && digit(text[number_end])) {
        ++number_end;
      }
      keys.insert(text.substr(i, number_end - i));
      end = number_end;
    }
    i = end;
  }
  return keys.size();
}

bool IsToolError(const Json& result) { return result.value("isError", false); }

struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> rest;  // after --

  std::string Get(const std::string& name, const std::string& fallback = "") const {
    const auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  int Int(const std::string& name, int fallback) const {
    const auto it = options.find(name);
    return it == options.end() ? fallback : std::stoi(it->second);
  }
};

Args ParseArgs(int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      args.rest.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg.rfind("--", 0) == 0 && i + 1 < argc) {
      args.options[arg] = argv[++i];
    }
  }
  return args;
}

Json ToolArguments(const Args& args) {
  const Json parsed = Json::parse(args.Get("--args", "{}"), nullptr, false);
  return parsed.is_discarded() ? Json::object() : parsed;
}

// ---- stdio ----------------------------------------------------------------------------------

struct ColdStart {
  double to_initialize = 0;
  double to_tools_list = 0;
  long rss_kib = 0;
  std::size_t tools = 0;
  std::size_t list_bytes = 0;
};

core::Result<std::unique_ptr<mcp::StdioClient>> Launch(const std::vector<std::string>& server) {
  return mcp::StdioClient::Launch({.argv = server, .inherit_stderr = false});
}

// One cold start: launch, `initialize`, `tools/list`. Keeps the session in *keep when given,
// else closes it. nullopt (with the reason on stderr) when the session failed.
std::optional<ColdStart> StartOnce(const std::vector<std::string>& server,
                                   std::chrono::milliseconds grace,
                                   std::unique_ptr<mcp::StdioClient>* keep) {
  const auto start = Clock::now();
  auto client = Launch(server);
  if (!client.ok()) {
    std::fprintf(stderr, "bench_mcp stdio: launch: %s\n", client.status().message().c_str());
    return std::nullopt;
  }
  auto init = (*client)->Initialize();
  const auto initialized = Clock::now();
  auto list = (*client)->Request("tools/list", Json::object());
  const auto listed = Clock::now();
  if (!init.ok() || !list.ok()) {
    std::fprintf(stderr, "bench_mcp stdio: session: %s\n",
                 (init.ok() ? list.status() : init.status()).message().c_str());
    return std::nullopt;
  }
  ColdStart sample{.to_initialize = Millis(initialized - start),
                   .to_tools_list = Millis(listed - start),
                   .rss_kib = PeakRssKib((*client)->pid()),
                   .tools = (*list)["tools"].size(),
                   .list_bytes = mcp::Serialize((*list)["tools"]).size()};
  if (keep != nullptr) {
    *keep = std::move(*client);
  } else {
    (*client)->Close(grace);
  }
  return sample;
}

int RunStdio(const Args& args) {
  if (args.rest.empty()) {
    std::fprintf(stderr, "bench_mcp stdio: no server command after --\n");
    return 2;
  }
  const int runs = std::max(1, args.Int("--runs", 30));
  const std::chrono::milliseconds grace(args.Int("--grace-ms", 5000));
  std::vector<double> to_initialize;
  std::vector<double> to_list;
  Json out = Json::object();
  for (int i = 0; i < runs; ++i) {
    const auto sample = StartOnce(args.rest, grace, nullptr);
    if (!sample) {
      return 1;
    }
    to_initialize.push_back(sample->to_initialize);
    to_list.push_back(sample->to_tools_list);
  }
  out["to_initialize_ms"] = Summary(to_initialize);
  out["to_tools_list_ms"] = Summary(to_list);

  // One more session: its ready figures are those of the process that then makes the calls.
  std::unique_ptr<mcp::StdioClient> client;
  const auto ready = StartOnce(args.rest, grace, &client);
  if (!ready) {
    return 1;
  }
  out["rss_ready_kib"] = ready->rss_kib;
  out["tools"] = ready->tools;
  out["tools_list_bytes"] = ready->list_bytes;

  const std::string tool = args.Get("--tool");
  if (!tool.empty()) {
    const Json arguments = ToolArguments(args);
    auto first = client->CallTool(tool, arguments);
    if (!first.ok()) {
      std::fprintf(stderr, "bench_mcp stdio: %s\n", first.status().message().c_str());
      return 1;
    }
    const std::string reply = mcp::Serialize(*first);
    if (const std::string path = args.Get("--save-reply"); !path.empty()) {
      std::ofstream(path) << reply << "\n";
    }
    out["reply_bytes"] = reply.size();
    out["reply_issue_keys"] = DistinctIssueKeys(reply);
    out["reply_is_error"] = IsToolError(*first);
    if (IsToolError(*first)) {
      std::fprintf(stderr, "bench_mcp stdio: tool error: %s\n", reply.substr(0, 600).c_str());
    }

    const int calls = std::max(0, args.Int("--calls", 1000));
    std::vector<double> latency;
    latency.reserve(static_cast<std::size_t>(calls));
    int errors = 0;
    for (int i = 0; i < calls; ++i) {
      const auto start = Clock::now();
      auto result = client->CallTool(tool, arguments);
      latency.push_back(Millis(Clock::now() - start));
      errors += (!result.ok() || IsToolError(*result)) ? 1 : 0;
    }
    out["call_ms"] = Summary(latency);
    out["call_errors"] = errors;
    out["rss_after_calls_kib"] = PeakRssKib(client->pid());
    out["calls"] = calls;
  }
  client->Close(grace);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// ---- HTTP -----------------------------------------------------------------------------------

struct Target {
  std::string host;
  int port = 0;
  std::string path;
};

// The target of an http://127.0.0.1 or http://localhost URL; nullopt for any other URL.
std::optional<Target> LoopbackTarget(const std::string& url) {
  auto parsed = core::ParseUrl(url);
  if (!parsed.ok() || parsed->scheme != "http" ||
      (parsed->host != "127.0.0.1" && parsed->host != "localhost")) {
    std::fprintf(stderr, "bench_mcp: '%s' is not an http://127.0.0.1 URL\n", url.c_str());
    return std::nullopt;
  }
  return Target{parsed->host, parsed->port, parsed->path};
}

// The JSON-RPC answer with `id` from a POST answer, JSON or SSE.
Json AnswerFrom(const httplib::Result& response, long long id) {
  if (!response) {
    return nullptr;
  }
  const std::string type = response->get_header_value("Content-Type");
  if (type.find("text/event-stream") == std::string::npos) {
    return Json::parse(response->body, nullptr, false);
  }
  std::size_t at = 0;
  while ((at = response->body.find("data:", at)) != std::string::npos) {
    at += 5;
    const std::size_t end = response->body.find('\n', at);
    Json message = Json::parse(response->body.substr(at, end - at), nullptr, false);
    if (message.is_object() && message.value("id", Json()) == Json(id)) {
      return message;
    }
  }
  return nullptr;
}

// One MCP session over Streamable HTTP on its own keep-alive connection. Request ids are unique
// across sessions (`id_base`), since a stateless server may route answers by id alone.
class HttpSession {
 public:
  HttpSession(const Target& target, std::string bearer, long long id_base)
      : client_(target.host, target.port),
        path_(target.path),
        bearer_(std::move(bearer)),
        next_id_(id_base) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    client_.set_read_timeout(60, 0);
  }

  Json Request(const std::string& method, Json params) {
    const long long id = next_id_++;
    const Json body = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    auto response = client_.Post(path_, Headers(), mcp::Serialize(body), "application/json");
    if (response && method == "initialize" && response->has_header("Mcp-Session-Id")) {
      session_ = response->get_header_value("Mcp-Session-Id");
    }
    return AnswerFrom(response, id);
  }

  void Notify(const std::string& method) {
    const Json body = {{"jsonrpc", "2.0"}, {"method", method}};
    client_.Post(path_, Headers(), mcp::Serialize(body), "application/json");
  }

  bool Initialize() {
    const Json answer =
        Request("initialize", {{"protocolVersion", "2025-06-18"},
                               {"capabilities", Json::object()},
                               {"clientInfo", {{"name", "bench_mcp"}, {"version", "1"}}}});
    initialized_ = answer.is_object() && answer.contains("result");
    Notify("notifications/initialized");
    return initialized_;
  }

 private:
  httplib::Headers Headers() const {
    httplib::Headers headers = {{"Accept", "application/json, text/event-stream"}};
    if (initialized_) {
      headers.emplace("MCP-Protocol-Version", "2025-06-18");
    }
    if (!session_.empty()) {
      headers.emplace("Mcp-Session-Id", session_);
    }
    if (!bearer_.empty()) {
      headers.emplace("Authorization", "Bearer " + bearer_);
    }
    return headers;
  }

  httplib::Client client_;
  std::string path_;
  std::string bearer_;
  std::string session_;
  long long next_id_;
  bool initialized_ = false;
};

struct SessionOutcome {
  std::vector<double> latency;
  int errors = 0;
  std::string first_error;
  std::size_t reply_bytes = 0;
};

void RunSession(const Target& target, const Args& args, int index, SessionOutcome& outcome,
                std::atomic<int>& ready, const std::atomic<bool>& go) {
  HttpSession session(target, args.Get("--bearer"), (static_cast<long long>(index) + 1) << 32);
  if (!session.Initialize()) {
    outcome.errors++;
    outcome.first_error = "initialize failed";
  }
  ready++;
  while (!go.load()) {
    std::this_thread::yield();
  }
  const Json params = {{"name", args.Get("--tool")}, {"arguments", ToolArguments(args)}};
  const int calls = std::max(1, args.Int("--calls", 100));
  for (int i = 0; i < calls; ++i) {
    const auto start = Clock::now();
    const Json answer = session.Request("tools/call", params);
    outcome.latency.push_back(Millis(Clock::now() - start));
    const bool ok =
        answer.is_object() && answer.contains("result") && !IsToolError(answer["result"]);
    if (!ok) {
      outcome.errors++;
      if (outcome.first_error.empty()) {
        outcome.first_error =
            answer.is_null() ? "no answer" : mcp::Serialize(answer).substr(0, 400);
      }
    } else if (outcome.reply_bytes == 0) {
      outcome.reply_bytes = mcp::Serialize(answer["result"]).size();
    }
  }
}

int RunHttp(const Args& args) {
  const auto target = LoopbackTarget(args.Get("--url"));
  if (!target) {
    return 2;
  }
  const int sessions = std::max(1, args.Int("--sessions", 1));
  std::vector<SessionOutcome> outcomes(static_cast<std::size_t>(sessions));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(sessions));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int i = 0; i < sessions; ++i) {
    threads.emplace_back(RunSession, std::cref(*target), std::cref(args), i,
                         std::ref(outcomes[static_cast<std::size_t>(i)]), std::ref(ready),
                         std::cref(go));
  }
  const auto setup = Clock::now();
  while (ready.load() < sessions) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto start = Clock::now();
  go = true;
  for (auto& thread : threads) {
    thread.join();
  }
  const double seconds = Millis(Clock::now() - start) / 1000.0;

  std::vector<double> latency;
  int errors = 0;
  std::string first_error;
  std::size_t reply_bytes = 0;
  for (const auto& outcome : outcomes) {
    latency.insert(latency.end(), outcome.latency.begin(), outcome.latency.end());
    errors += outcome.errors;
    reply_bytes = std::max(reply_bytes, outcome.reply_bytes);
    if (first_error.empty()) {
      first_error = outcome.first_error;
    }
  }
  const Json out = {{"sessions", sessions},
                    {"calls", latency.size()},
                    {"errors", errors},
                    {"first_error", first_error},
                    {"seconds", seconds},
                    {"initialize_all_seconds", Millis(start - setup) / 1000.0},
                    {"calls_per_s", static_cast<double>(latency.size()) / seconds},
                    {"call_ms", Summary(latency)},
                    {"reply_bytes", reply_bytes}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// ---- upstream (plain HTTP) ------------------------------------------------------------------

int RunUpstream(const Args& args) {
  const auto target = LoopbackTarget(args.Get("--url"));
  if (!target) {
    return 2;
  }
  httplib::Headers headers = {{"Accept", "application/json"}};
  if (const std::string bearer = args.Get("--bearer"); !bearer.empty()) {
    headers.emplace("Authorization", "Bearer " + bearer);
  }
  if (const std::string basic = args.Get("--basic"); !basic.empty()) {
    headers.emplace("Authorization", "Basic " + core::Base64Encode(basic));
  }
  const std::string method = args.Get("--method", "GET");
  const std::string body = args.Get("--body");
  const int conns = std::max(1, args.Int("--conns", 1));
  const int requests = std::max(1, args.Int("--requests", 1000));

  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(conns));
  std::atomic<int> errors{0};
  std::atomic<std::size_t> bytes{0};
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(conns));
  const auto start = Clock::now();
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client client(target->host, target->port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      for (int i = c; i < requests; i += conns) {
        const auto begin = Clock::now();
        auto response = method == "POST"
                            ? client.Post(target->path, headers, body, "application/json")
                            : client.Get(target->path, headers);
        latencies[static_cast<std::size_t>(c)].push_back(Millis(Clock::now() - begin));
        if (!response || response->status != 200) {
          errors++;
        } else {
          bytes = response->body.size();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  const double seconds = Millis(Clock::now() - start) / 1000.0;
  std::vector<double> all;
  for (const auto& l : latencies) {
    all.insert(all.end(), l.begin(), l.end());
  }
  const Json out = {{"conns", conns},
                    {"requests", all.size()},
                    {"errors", errors.load()},
                    {"seconds", seconds},
                    {"rps", static_cast<double>(all.size()) / seconds},
                    {"ms", Summary(all)},
                    {"body_bytes", bytes.load()}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const Args args = ParseArgs(argc, argv, 2);
  if (mode == "stdio") {
    return RunStdio(args);
  }
  if (mode == "http") {
    return RunHttp(args);
  }
  if (mode == "upstream") {
    return RunUpstream(args);
  }
  std::fprintf(stderr, "usage: bench_mcp stdio|http|upstream [options] (see bench/mcp_bench.cc)\n");
  return 2;
}
