// JSON-RPC framing and dispatch on any bytes: each line is parsed as one message (mcp::
// ParseMessage, as both transports do) and, when accepted, handled by the real Server with the
// real Jira tools, one legacy session per input. Jira and the token broker are canned stand-ins
// in memory, so tool arguments travel all the way through schema checks, markdown conversion and
// request building. Properties: every rejection that answers carries a JSON-RPC error, every
// answer serializes, nothing throws or crashes.
#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>

#include "auth/token_broker.h"
#include "core/http_client.h"
#include "mcp/json_rpc.h"
#include "mcp/server.h"
#include "tools/jira_client.h"
#include "tools/jira_tools.h"

namespace {

// One Jira site; every other request is an empty page (enough for each tool to finish).
class CannedJira final : public core::HttpClient {
 public:
  core::Result<core::HttpResponse> Send(const core::HttpRequest& request) override {
    core::HttpResponse response{.status = 200, .headers = {{"Content-Type", "application/json"}}};
    if (request.url.find("accessible-resources") != std::string::npos) {
      response.body = R"([{"id":"c1","name":"acme","url":"https://acme.example.test"}])";
    } else if (request.method == "POST" && request.url.ends_with("/issue")) {
      response.status = 201;
      response.body = R"({"id":"10001","key":"MOB-1"})";
    } else {
      response.body = R"({"values":[],"issues":[],"isLast":true,"key":"MOB-1","id":"1",)"
                      R"("fields":{"summary":"s"}})";
    }
    return response;
  }
};

class FixedBroker final : public auth::TokenBroker {
 public:
  core::Result<core::Secret> AccessToken(const core::Principal&, const std::vector<std::string>&,
                                         const std::atomic<bool>*) override {
    return core::Secret("jira-token");
  }
  void Invalidate(const core::Principal&, const std::vector<std::string>&) override {}
};

const mcp::Server& TheServer() {
  static const auto* server = [] {
    auto jira = std::make_shared<tools::JiraClient>(
        std::make_shared<CannedJira>(), std::make_shared<FixedBroker>(),
        tools::JiraClientOptions{.api_base_url = "http://127.0.0.1:9",
                                 .sleeper = [](auto, auto) { return true; }});
    auto registry = std::make_shared<mcp::ToolRegistry>();
    if (!tools::RegisterJiraTools(*registry, jira, {.toolsets = {"all"}}).ok()) {
      __builtin_trap();
    }
    return new mcp::Server(mcp::ServerInfo{.version = "fuzz"}, registry);
  }();
  return *server;
}

void Check(const mcp::Json& answer) {
  if (!answer.is_object() || answer.value("jsonrpc", "") != "2.0" ||
      (!answer.contains("result") && !answer.contains("error"))) {
    __builtin_trap();
  }
  (void)mcp::Serialize(answer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mcp::Server& server = TheServer();
  mcp::Session session;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const std::size_t newline = input.find('\n');
    const std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

    auto parsed = mcp::ParseMessage(line);
    if (auto* rejection = std::get_if<mcp::Rejection>(&parsed)) {
      if (rejection->answer) {
        Check(*rejection->answer);
      }
      continue;
    }
    const mcp::RequestScope scope{.session = &session};
    if (auto answer = server.Handle(std::get<mcp::Message>(parsed), scope)) {
      Check(*answer);
    }
  }
  return 0;
}
