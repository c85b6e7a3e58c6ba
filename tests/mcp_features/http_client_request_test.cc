// Server-to-client requests and log messages over Streamable HTTP: a legacy request travels on
// the POST's SSE answer and the client's answer comes back as its own POST; an answer is JSON
// unless the handler sends something first; 2026-07-28 _meta problems get their HTTP statuses.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <mutex>

#include "mcp/http_transport.h"

namespace mcp {
namespace {

ToolDefinition Tool(std::string name, std::function<ToolResult(const CallContext&)> run) {
  ToolDefinition tool;
  tool.name = std::move(name);
  tool.description = "A test tool.";
  tool.input_schema = {{"type", "object"}, {"properties", Json::object()}};
  tool.handler = [run = std::move(run)](const Json&, const CallContext& context) {
    return run(context);
  };
  return tool;
}

ToolResult Text(const std::string& text) {
  ToolResult result;
  result.content = Json::array({{{"type", "text"}, {"text", text}}});
  return result;
}

std::shared_ptr<ToolRegistry> Tools() {
  auto tools = std::make_shared<ToolRegistry>();
  EXPECT_TRUE(tools
                  ->Add(Tool("ask",
                             [](const CallContext& context) {
                               auto roots = context.RequestFromClient("roots", kMethodListRoots,
                                                                      Json::object());
                               return roots.ok() ? Text(roots.value()["roots"].dump())
                                                 : ToolResult::FromStatus(roots.status());
                             }))
                  .ok());
  EXPECT_TRUE(tools
                  ->Add(Tool("chatty",
                             [](const CallContext& context) {
                               context.Log(LogLevel::kWarning, "careful");
                               return Text("said it");
                             }))
                  .ok());
  EXPECT_TRUE(tools
                  ->Add(Tool("sample",
                             [](const CallContext& context) {
                               auto answer = context.RequestFromClient(
                                   "q", kMethodCreateMessage,
                                   {{"messages", Json::array()}, {"maxTokens", 5}});
                               return answer.ok() ? Text("sampled")
                                                  : ToolResult::FromStatus(answer.status());
                             }))
                  .ok());
  return tools;
}

// SSE `data:` payloads found so far in `text`.
std::vector<Json> Events(const std::string& text) {
  std::vector<Json> events;
  std::size_t start = 0;
  while ((start = text.find("data: ", start)) != std::string::npos) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      break;
    }
    events.push_back(Json::parse(text.substr(start + 6, end - start - 6), nullptr, false));
    start = end;
  }
  return events;
}

class HttpClientRequestTest : public ::testing::Test {
 protected:
  HttpClientRequestTest() {
    ::signal(SIGPIPE, SIG_IGN);
    HttpTransport::Options options;
    options.port = 0;
    options.sse_keepalive = std::chrono::milliseconds(20);
    options.keep_alive_timeout = std::chrono::seconds(1);
    transport_ = std::make_unique<HttpTransport>(server_, options);
    EXPECT_TRUE(transport_->Start().ok());
  }

  ~HttpClientRequestTest() override { transport_->Stop(); }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", transport_->port());
    client.set_read_timeout(15, 0);
    return client;
  }

  httplib::Result Post(const Json& body, httplib::Headers headers = {}) {
    headers.emplace("Accept", "application/json, text/event-stream");
    if (!session_.empty()) {
      headers.emplace("Mcp-Session-Id", session_);
      headers.emplace("MCP-Protocol-Version", "2025-11-25");
    }
    return Client().Post("/mcp", headers, Serialize(body), "application/json");
  }

  void Initialize(Json capabilities) {
    auto reply =
        Post({{"jsonrpc", "2.0"},
              {"id", 1},
              {"method", "initialize"},
              {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", capabilities}}}});
    ASSERT_TRUE(reply);
    session_ = reply->get_header_value("Mcp-Session-Id");
    Post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  }

  static Json Call(const std::string& tool, Json meta = nullptr) {
    Json params = {{"name", tool}, {"arguments", Json::object()}};
    if (!meta.is_null()) {
      params["_meta"] = std::move(meta);
    }
    return {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/call"}, {"params", params}};
  }

  static std::shared_ptr<ResourceRegistry> Resources() {
    auto resources = std::make_shared<ResourceRegistry>();
    EXPECT_TRUE(resources
                    ->Add({.uri = "mem://r",
                           .name = "r",
                           .read = [](const std::string& uri, const CallContext&)
                               -> core::Result<std::vector<ResourceContents>> {
                             return std::vector<ResourceContents>{
                                 ResourceContents::Text(uri, "text/plain", "r")};
                           }})
                    .ok());
    resources->EnableSubscriptions();
    return resources;
  }

  Server server_{ServerInfo{.name = "t", .version = "1"},
                 Catalog{.tools = Tools(), .resources = Resources()}, Server::Options{}};
  std::unique_ptr<HttpTransport> transport_;
  std::string session_;
};

TEST_F(HttpClientRequestTest, LegacyRequestTravelsOnThePostStreamAndItsAnswerComesBack) {
  Initialize({{"roots", Json::object()}});
  httplib::Request request;
  request.method = "POST";
  request.path = "/mcp";
  request.headers = {{"Accept", "application/json, text/event-stream"},
                     {"Content-Type", "application/json"},
                     {"Mcp-Session-Id", session_},
                     {"MCP-Protocol-Version", "2025-11-25"}};
  request.body = Serialize(Call("ask"));
  std::string stream;
  int answer_status = 0;
  request.content_receiver = [&](const char* data, std::size_t length, uint64_t, uint64_t) {
    stream.append(data, length);
    for (const Json& event : Events(stream)) {
      if (event.contains("method") && event.contains("id") && answer_status == 0) {
        auto answer = Post({{"jsonrpc", "2.0"},
                            {"id", event["id"]},
                            {"result", {{"roots", Json::array({{{"uri", "file:///w"}}})}}}});
        answer_status = answer ? answer->status : -1;
      }
    }
    return true;
  };

  auto reply = Client().send(request);

  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_EQ(answer_status, 202);
  const std::vector<Json> events = Events(stream);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]["method"], "roots/list");
  EXPECT_EQ(events[1]["id"], 2);
  EXPECT_NE(events[1]["result"]["content"][0]["text"].get<std::string>().find("file:///w"),
            std::string::npos);
}

TEST_F(HttpClientRequestTest, ResourceUpdateReachesTheSessionsGetStream) {
  Initialize(Json::object());
  Post({{"jsonrpc", "2.0"},
        {"id", 4},
        {"method", "resources/subscribe"},
        {"params", {{"uri", "mem://r"}}}});
  httplib::Request request;
  request.method = "GET";
  request.path = "/mcp";
  request.headers = {{"Accept", "text/event-stream"},
                     {"Mcp-Session-Id", session_},
                     {"MCP-Protocol-Version", "2025-11-25"}};
  std::string stream;
  bool notified = false;
  request.content_receiver = [&](const char* data, std::size_t length, uint64_t, uint64_t) {
    stream.append(data, length);
    if (!notified) {
      notified = true;
      server_.NotifyResourceUpdated("mem://r");
    }
    return Events(stream).empty();  // stop reading at the first event
  };

  Client().send(request);

  const std::vector<Json> events = Events(stream);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]["method"], "notifications/resources/updated");
  EXPECT_EQ(events[0]["params"]["uri"], "mem://r");
}

TEST_F(HttpClientRequestTest, LogMessageTurnsTheAnswerIntoAStream) {
  Initialize(Json::object());

  auto reply = Post(Call("chatty"));

  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->get_header_value("Content-Type"), "text/event-stream");
  const std::vector<Json> events = Events(reply->body);
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0]["method"], "notifications/message");
  EXPECT_EQ(events[0]["params"]["level"], "warning");
  EXPECT_EQ(events[1]["result"]["content"][0]["text"], "said it");
}

TEST_F(HttpClientRequestTest, QuietCallAnswersJson) {
  Initialize(Json::object());
  Post({{"jsonrpc", "2.0"},
        {"id", 3},
        {"method", "logging/setLevel"},
        {"params", {{"level", "error"}}}});

  auto reply = Post(Call("chatty"));

  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(Json::parse(reply->body)["result"]["content"][0]["text"], "said it");
}

TEST_F(HttpClientRequestTest, ModernHeaderWithIncompleteMetaIsInvalidParams400) {
  const Json discover = {
      {"jsonrpc", "2.0"}, {"id", 5}, {"method", "server/discover"}, {"params", Json::object()}};

  auto reply =
      Post(discover, {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "server/discover"}});

  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(Json::parse(reply->body)["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(Json::parse(reply->body)["id"], 5);
}

TEST_F(HttpClientRequestTest, ModernUndeclaredCapabilityIs400WithRequiredCapabilities) {
  const Json meta = {{kMetaProtocolVersion, kModernVersion},
                     {kMetaClientCapabilities, Json::object()}};

  auto reply = Post(Call("sample", meta), {{"MCP-Protocol-Version", "2026-07-28"},
                                           {"Mcp-Method", "tools/call"},
                                           {"Mcp-Name", "sample"}});

  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  const Json answer = Json::parse(reply->body);
  EXPECT_EQ(answer["error"]["code"], rpc::kMissingRequiredClientCapability);
  EXPECT_TRUE(answer["error"]["data"]["requiredCapabilities"]["sampling"].is_object());
}

}  // namespace
}  // namespace mcp
