// A real HttpTransport on a loopback port chosen by the system, a fake authenticator, raw HTTP
// requests through httplib::Client, and tools that let a test see inside a running call.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/http_transport.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/gate.h"
#include "tests/mcp/test_tools.h"

namespace mcp::testing {

using std::chrono::milliseconds;

using fakes::Gate;

// What the "probe" tool lets a test observe.
struct Probe {
  Gate entered;
  Gate left;
  std::atomic<bool> saw_cancel{false};
};

// "probe": opens `entered`, reports progress, waits until cancelled (at most 10 s), notes whether
// it saw the cancel flag, opens `left`.
inline ToolDefinition ProbeTool(std::shared_ptr<Probe> probe) {
  ToolDefinition tool = SlowTool();
  tool.name = "probe";
  tool.handler = [probe](const Json&, const CallContext& context) {
    probe->entered.Open();
    context.ReportProgress(1, 2, "waiting");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!context.cancelled() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    probe->saw_cancel = context.cancelled();
    probe->left.Open();
    return context.cancelled() ? ToolResult::Error("cancelled")
                               : ToolResult::Success("done", Json::object());
  };
  return tool;
}

// "steps": reports progress 1/2 and 2/2, then answers.
inline ToolDefinition StepsTool() {
  ToolDefinition tool = SlowTool();
  tool.name = "steps";
  tool.handler = [](const Json&, const CallContext& context) {
    context.ReportProgress(1, 2, "half");
    context.ReportProgress(2, 2, "all");
    return ToolResult::Success("stepped", Json::object());
  };
  return tool;
}

// Tokens: "alice-token" and "bob-token" are users alice and bob; "narrow-token" lacks scope;
// "down-token" meets a verifier that cannot check; anything else is invalid.
class FakeAuthenticator final : public HttpAuthenticator {
 public:
  core::Result<core::Principal> Authenticate(const core::Secret& token) override {
    ++calls;
    const std::string& value = token.Reveal();
    if (value == "alice-token" || value == "bob-token") {
      return core::Principal{.subject = value.substr(0, value.find('-')), .token = token};
    }
    if (value == "narrow-token") {
      return core::Status(core::Code::kPermissionDenied, "the token lacks scope mcp:tools");
    }
    if (value == "down-token") {
      return core::Status(core::Code::kUnavailable, "keys unavailable", "jwks fetch failed");
    }
    return core::Status(core::Code::kUnauthenticated, "invalid token", "reason=BadSignature");
  }

  std::atomic<int> calls{0};
};

struct Reply {
  int status = 0;
  httplib::Headers headers;
  std::string body;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  Json json() const { return Json::parse(body, nullptr, false); }
  // The data of each SSE event, parsed.
  std::vector<Json> Events() const {
    std::vector<Json> events;
    std::size_t start = 0;
    while ((start = body.find("data: ", start)) != std::string::npos) {
      const std::size_t end = body.find('\n', start);
      events.push_back(Json::parse(body.substr(start + 6, end - start - 6), nullptr, false));
      start = end;
    }
    return events;
  }
};

constexpr const char* kBothTypes = "application/json, text/event-stream";

inline std::string InitializeBody(const std::string& version = "2025-11-25") {
  return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
         version + R"(","capabilities":{},"clientInfo":{"name":"test","version":"1"}}})";
}

inline std::string CallBody(const Json& id, const std::string& tool, const Json& arguments,
                            const Json& meta = Json::object()) {
  Json params = {{"name", tool}, {"arguments", arguments}};
  if (!meta.empty()) {
    params["_meta"] = meta;
  }
  return Serialize({{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", params}});
}

inline Json ModernMeta(const std::string& version = kModernVersion) {
  return {{kMetaProtocolVersion, version}, {kMetaClientCapabilities, Json::object()}};
}

// A request body of the 2026-07-28 era.
inline std::string ModernBody(const std::string& method, Json params = Json::object(),
                              const Json& id = 9) {
  params["_meta"] = ModernMeta();
  return Serialize({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

class HttpHarness {
 public:
  static HttpTransport::Options DefaultOptions() {
    HttpTransport::Options options;
    options.port = 0;
    options.authenticator = std::make_shared<FakeAuthenticator>();
    options.authorization_server = "https://zone.example.test";  // named, never contacted
    options.scopes_supported = {"mcp:tools"};
    options.required_scopes = {"mcp:tools"};
    options.sse_keepalive = milliseconds(20);
    options.keep_alive_timeout = std::chrono::seconds(1);
    options.shutdown_grace = milliseconds(2000);
    return options;
  }

  explicit HttpHarness(HttpTransport::Options options = DefaultOptions())
      : probe_(std::make_shared<Probe>()) {
    ::signal(SIGPIPE, SIG_IGN);  // as main() does: a vanished client is an error, not a crash
    auto tools = TestRegistry();
    EXPECT_TRUE(tools->Add(ProbeTool(probe_)).ok());
    EXPECT_TRUE(tools->Add(StepsTool()).ok());
    server_ = std::make_unique<Server>(ServerInfo{.version = "test"}, tools);
    if (options.clock == nullptr) {
      options.clock = &clock_;
    }
    transport_ = std::make_unique<HttpTransport>(*server_, std::move(options));
    const core::Status status = transport_->Start();
    EXPECT_TRUE(status.ok()) << status.message();
  }

  ~HttpHarness() { transport_->Stop(); }

  HttpTransport& transport() { return *transport_; }
  int port() const { return transport_->port(); }
  Probe& probe() { return *probe_; }
  fakes::FakeClock& clock() { return clock_; }
  std::string Url(const std::string& path = "/mcp") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

  static httplib::Headers Auth(const std::string& token = "alice-token") {
    return {{"Authorization", "Bearer " + token}};
  }

  // One raw request on a fresh connection. `headers` as given; httplib adds Host (unless given),
  // Accept: */* (unless given), Content-Length and User-Agent.
  Reply Send(const std::string& method, const std::string& path, httplib::Headers headers,
             const std::string& body = "", const std::string& content_type = "application/json") {
    httplib::Request request;
    request.method = method;
    request.path = path;
    request.headers = std::move(headers);
    request.body = body;
    if (!body.empty() && !request.has_header("Content-Type")) {
      request.headers.emplace("Content-Type", content_type);
    }
    return ToReply(Client().send(request));
  }

  // POST /mcp with Accept for both answer types and alice's token, plus `extra` headers.
  Reply Post(const std::string& body, httplib::Headers extra = {},
             const std::string& token = "alice-token") {
    httplib::Headers headers = Auth(token);
    headers.emplace("Accept", kBothTypes);
    headers.insert(extra.begin(), extra.end());
    return Send("POST", "/mcp", std::move(headers), body);
  }

  Reply PostInSession(const std::string& session, const std::string& body,
                      const std::string& token = "alice-token") {
    return Post(body, {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", "2025-11-25"}}, token);
  }

  // A 2026-07-28 request with matching metadata headers (Mcp-Name from params.name, if any).
  Reply PostModern(const std::string& body, httplib::Headers extra = {}) {
    const Json message = Json::parse(body);
    httplib::Headers headers = {{"MCP-Protocol-Version", kModernVersion},
                                {"Mcp-Method", message["method"].get<std::string>()}};
    if (message["params"].contains("name")) {
      headers.emplace("Mcp-Name", message["params"]["name"].get<std::string>());
    }
    headers.insert(extra.begin(), extra.end());
    return Post(body, std::move(headers));
  }

  // Opens a legacy session and returns its Mcp-Session-Id ("" on failure).
  std::string Initialize(const std::string& token = "alice-token") {
    const Reply reply = Post(InitializeBody(), {}, token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    const std::string session = reply.Header("Mcp-Session-Id");
    PostInSession(session, R"({"jsonrpc":"2.0","method":"notifications/initialized"})", token);
    return session;
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", port());
    client.set_read_timeout(15, 0);
    return client;
  }

  static Reply ToReply(const httplib::Result& result) {
    if (!result) {
      return Reply{.status = -1, .body = httplib::to_string(result.error())};
    }
    return Reply{.status = result->status, .headers = result->headers, .body = result->body};
  }

 private:
  std::shared_ptr<Probe> probe_;
  fakes::FakeClock clock_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpTransport> transport_;
};

}  // namespace mcp::testing
