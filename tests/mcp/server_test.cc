#include "mcp/server.h"

#include <gtest/gtest.h>

#include "tests/mcp/test_tools.h"

namespace mcp {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  Json Call(const std::string& text) {
    auto parsed = ParseMessage(text);
    auto answer = server_.Handle(std::get<Message>(parsed), scope_);
    return answer.value_or(Json());
  }

  Json Initialize(const std::string& version = "2025-11-25") {
    return Call(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":")" +
                version + R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  }

  static std::string Modern(const std::string& method, const std::string& params = "") {
    return R"({"jsonrpc":"2.0","id":9,"method":")" + method + R"(","params":{)" + params +
           (params.empty() ? "" : ",") +
           R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
              "io.modelcontextprotocol/clientCapabilities":{}}}})";
  }

  Session session_;
  RequestScope scope_{core::Principal{}, &session_, nullptr, nullptr};
  Server server_{ServerInfo{.name = "jira-mcp", .title = "Jira", .version = "0.1.0"},
                 testing::TestRegistry(), Server::Options{.tools_page_size = 2}};
};

TEST_F(ServerTest, InitializeNegotiatesEachLegacyVersion) {
  for (const char* version : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    Session fresh;
    scope_.session = &fresh;

    const Json answer = Initialize(version);

    EXPECT_EQ(answer["result"]["protocolVersion"], version);
    EXPECT_EQ(answer["result"]["serverInfo"]["name"], "jira-mcp");
    EXPECT_TRUE(answer["result"]["capabilities"].contains("tools"));
    EXPECT_FALSE(answer["result"].contains("resultType"));
  }
}

TEST_F(ServerTest, InitializeOffersLatestForUnknownVersion) {
  EXPECT_EQ(Initialize("2024-01-01")["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(ServerTest, InitializeTwiceIsRefused) {
  Initialize();

  EXPECT_EQ(Initialize()["error"]["code"], rpc::kInvalidRequest);
}

TEST_F(ServerTest, LegacyRequestBeforeInitializeIsRefusedButPingWorks) {
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})")["error"]["code"],
            rpc::kInvalidRequest);
  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","id":3,"method":"ping"})")["result"], Json::object());
}

TEST_F(ServerTest, UnknownMethodIsMethodNotFound) {
  Initialize();

  EXPECT_EQ(Call(R"({"jsonrpc":"2.0","id":2,"method":"resources/list"})")["error"]["code"],
            rpc::kMethodNotFound);
}

TEST_F(ServerTest, ToolsListPagesWithCursor) {
  Session session;
  scope_.session = &session;
  Server server(ServerInfo{}, testing::TestRegistry(3), Server::Options{.tools_page_size = 2});
  auto list = [&](const std::string& params) {
    auto parsed =
        ParseMessage(R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":)" + params + "}");
    return *server.Handle(std::get<Message>(parsed), scope_);
  };
  (void)server.Handle(std::get<Message>(ParseMessage(
                          R"({"jsonrpc":"2.0","id":1,"method":"initialize",
                              "params":{"protocolVersion":"2025-11-25"}})")),
                      scope_);

  const Json first = list("{}");
  const Json second = list(R"({"cursor":)" + first["result"]["nextCursor"].dump() + "}");
  const Json third = list(R"({"cursor":)" + second["result"]["nextCursor"].dump() + "}");

  EXPECT_EQ(first["result"]["tools"].size(), 2U);
  EXPECT_EQ(second["result"]["tools"].size(), 2U);
  EXPECT_EQ(third["result"]["tools"].size(), 1U);
  EXPECT_FALSE(third["result"].contains("nextCursor"));
  EXPECT_EQ(list(R"({"cursor":"bogus"})")["error"]["code"], rpc::kInvalidParams);
}

TEST_F(ServerTest, ToolsListShowsSchemasAndAnnotations) {
  Initialize();

  const Json tool = Call(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})")["result"]["tools"][0];

  EXPECT_EQ(tool["name"], "echo");
  EXPECT_EQ(tool["title"], "Echo");
  EXPECT_EQ(tool["inputSchema"]["type"], "object");
  EXPECT_EQ(tool["outputSchema"]["type"], "object");
  // A read-only tool: destructiveHint and idempotentHint do not apply, and 2025-11-25 has a
  // top-level title.
  EXPECT_EQ(tool["annotations"], Json::parse(R"({"readOnlyHint":true,"openWorldHint":false})"));
}

TEST_F(ServerTest, ToolsListGivesThe2025_03_26EraItsTitleInTheAnnotations) {
  Initialize("2025-03-26");

  const Json tool = Call(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})")["result"]["tools"][0];

  EXPECT_EQ(tool["annotations"]["title"], "Echo");
}

TEST(ToolToJson, SendsOnlyTheHintsThatDifferFromTheirDefaults) {
  ToolDefinition writer = testing::EchoTool();
  writer.annotations = {
      .read_only = false, .destructive = false, .idempotent = true, .open_world = true};
  EXPECT_EQ(ToolToJson(writer)["annotations"],
            Json::parse(R"({"destructiveHint":false,"idempotentHint":true})"));

  writer.annotations = {
      .read_only = false, .destructive = true, .idempotent = false, .open_world = false};
  EXPECT_EQ(ToolToJson(writer)["annotations"],
            Json::parse(R"({"destructiveHint":true,"openWorldHint":false})"));
  EXPECT_FALSE(ToolToJson(writer)["annotations"].contains("title"));
  EXPECT_EQ(ToolToJson(writer, true)["annotations"]["title"], "Echo");
}

TEST_F(ServerTest, ToolsCallReturnsTextAndStructuredContent) {
  Initialize();

  const Json result = Call(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}})")
      ["result"];

  EXPECT_EQ(result["isError"], false);
  EXPECT_EQ(result["content"][0]["text"], "hi");
  EXPECT_EQ(result["structuredContent"]["text"], "hi");
}

TEST_F(ServerTest, UnknownToolIsInvalidParams) {
  Initialize();

  const Json answer = Call(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope","arguments":{}}})");

  EXPECT_EQ(answer["error"]["code"], rpc::kInvalidParams);
}

// A tool the server knows but withholds says which setting would expose it.
TEST(ServerWithheldTools, ACallSaysWhyTheToolIsNotExposed) {
  auto registry = testing::TestRegistry();
  registry->AddWithheld("get_current_user", "it is in the 'sites' toolset, which is not enabled");
  Server server{ServerInfo{.name = "jira-mcp", .version = "0.1.0"}, registry};
  Session session;
  RequestScope scope{core::Principal{}, &session, nullptr, nullptr};
  const auto send = [&](const std::string& text) {
    return server.Handle(std::get<Message>(ParseMessage(text)), scope).value_or(Json());
  };
  send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",
          "capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");

  const Json withheld = send(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_current_user"}})");
  const Json unknown =
      send(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"nope"}})");

  EXPECT_EQ(withheld["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(
      withheld["error"]["message"],
      "Invalid params: tool 'get_current_user' is not exposed by this server: it is in the 'sites' "
      "toolset, which is not enabled");
  EXPECT_EQ(unknown["error"]["message"],
            "Invalid params: unknown tool 'nope'; tools/list names the tools");
}

// Bad arguments are a tool result the agent can act on, without structured content (C27).
TEST_F(ServerTest, BadArgumentsAreToolErrorWithoutStructuredContent) {
  Initialize();

  const Json result = Call(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":3}}})")
      ["result"];

  EXPECT_EQ(result["isError"], true);
  EXPECT_FALSE(result.contains("structuredContent"));
  EXPECT_NE(result["content"][0]["text"].get<std::string>().find("argument 'text' must be of type"),
            std::string::npos);
}

TEST_F(ServerTest, LegacyServerDiscoverLooksNothingLikeModern) {
  const Json answer = Call(R"({"jsonrpc":"2.0","id":2,"method":"server/discover"})");

  EXPECT_EQ(answer["error"]["code"], rpc::kMethodNotFound);
  EXPECT_FALSE(answer.contains("result"));
}

TEST_F(ServerTest, ModernDiscoverNeedsNoInitialize) {
  const Json result = Call(Modern("server/discover"))["result"];

  EXPECT_EQ(result["resultType"], "complete");
  EXPECT_EQ(result["supportedVersions"][0], "2026-07-28");
  EXPECT_EQ(result["serverInfo"]["name"], "jira-mcp");
  EXPECT_TRUE(result.contains("ttlMs"));
  EXPECT_EQ(result["cacheScope"], "public");
}

TEST_F(ServerTest, ModernResultsCarryResultTypeAndCacheFields) {
  const Json list = Call(Modern("tools/list"))["result"];
  const Json call =
      Call(Modern("tools/call", R"("name":"echo","arguments":{"text":"x"})"))["result"];

  EXPECT_EQ(list["resultType"], "complete");
  EXPECT_TRUE(list.contains("ttlMs"));
  EXPECT_EQ(list["cacheScope"], "public");
  EXPECT_EQ(call["resultType"], "complete");
  EXPECT_EQ(call["structuredContent"]["text"], "x");
  EXPECT_EQ(call["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "jira-mcp");
}

TEST_F(ServerTest, ModernUnsupportedVersionListsSupported) {
  const Json answer = Call(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/list",
          "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1900-01-01"}}})");

  EXPECT_EQ(answer["error"]["code"], rpc::kUnsupportedProtocolVersion);
  EXPECT_EQ(answer["error"]["data"]["requested"], "1900-01-01");
  EXPECT_EQ(answer["error"]["data"]["supported"][0], "2026-07-28");
}

TEST_F(ServerTest, ModernLegacyVersionSaysToInitialize) {
  const Json answer = Call(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/list",
          "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25"}}})");

  const std::string message = answer["error"]["message"];
  EXPECT_EQ(answer["error"]["code"], rpc::kUnsupportedProtocolVersion);
  EXPECT_EQ(answer["error"]["data"]["requested"], "2025-11-25");
  EXPECT_EQ(answer["error"]["data"]["supported"], Json(SupportedVersions()));
  EXPECT_EQ(message,
            "Unsupported protocol version: 2025-11-25 is served through initialize (a session); "
            "per-request _meta supports 2026-07-28");
}

TEST_F(ServerTest, ModernUnknownVersionNamesBothWaysIn) {
  const Json answer = Call(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/list",
          "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1900-01-01"}}})");

  const std::string message = answer["error"]["message"];
  EXPECT_EQ(answer["error"]["code"], rpc::kUnsupportedProtocolVersion);
  EXPECT_NE(message.find("1900-01-01"), std::string::npos) << message;
  EXPECT_NE(message.find("per-request _meta"), std::string::npos) << message;
  EXPECT_NE(message.find("initialize"), std::string::npos) << message;
}

// Client capabilities of the wrong type are named as such, not as missing.
TEST_F(ServerTest, ModernClientCapabilitiesOfTheWrongTypeSayWhatTheyMustBe) {
  const Json wrong = Call(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/list",
          "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                             "io.modelcontextprotocol/clientCapabilities":[1]}}})");
  const Json missing = Call(
      R"({"jsonrpc":"2.0","id":5,"method":"tools/list",
          "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");

  EXPECT_EQ(wrong["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(wrong["error"]["message"],
            "Invalid params: _meta key io.modelcontextprotocol/clientCapabilities must be an "
            "object (the client's capabilities, {} for none)");
  EXPECT_EQ(missing["error"]["message"],
            "Invalid params: missing _meta keys: io.modelcontextprotocol/clientCapabilities");
}

TEST_F(ServerTest, ModernRemovedMethodsAreNotFound) {
  EXPECT_EQ(Call(Modern("ping"))["error"]["code"], rpc::kMethodNotFound);
  EXPECT_EQ(Call(Modern("logging/setLevel", R"("level":"info")"))["error"]["code"],
            rpc::kMethodNotFound);
}

TEST_F(ServerTest, SetLevelValidatesLevel) {
  Initialize();

  EXPECT_EQ(
      Call(R"({"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}})")
          ["result"],
      Json::object());
  EXPECT_EQ(session_.log_level(), "debug");
  EXPECT_EQ(
      Call(R"({"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":"loud"}})")
          ["error"]["code"],
      rpc::kInvalidParams);
}

TEST_F(ServerTest, NotificationsGetNoAnswer) {
  Initialize();

  for (const char* text : {R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                           R"({"jsonrpc":"2.0","method":"notifications/unknown","params":{}})"}) {
    EXPECT_FALSE(server_.Handle(std::get<Message>(ParseMessage(text)), scope_).has_value());
  }
}

}  // namespace
}  // namespace mcp
