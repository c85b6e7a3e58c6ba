// Streamable HTTP for 2026-07-28: stateless requests, the request-metadata headers and their
// HeaderMismatch errors, status codes by JSON-RPC error, and cancellation by closing the stream.
#include <gtest/gtest.h>

#include <thread>

#include "tests/mcp_http/http_harness.h"

namespace mcp::testing {
namespace {

TEST(HttpModern, ServesStatelessRequestsWithMatchingHeaders) {
  HttpHarness harness;

  const Reply discover = harness.PostModern(ModernBody("server/discover"));
  const Reply tools = harness.PostModern(ModernBody("tools/list"));
  const Reply echo = harness.PostModern(
      ModernBody("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));

  EXPECT_EQ(discover.status, 200);
  EXPECT_EQ(discover.json()["result"]["resultType"], "complete");
  EXPECT_EQ(tools.status, 200);
  EXPECT_EQ(tools.json()["result"]["cacheScope"], "public");
  EXPECT_EQ(echo.status, 200);
  EXPECT_EQ(echo.json()["result"]["structuredContent"]["text"], "hi");
  EXPECT_EQ(echo.Header("Mcp-Session-Id"), "");
}

TEST(HttpModern, HeadersThatDoNotMatchTheBodyAreHeaderMismatch) {
  HttpHarness harness;
  const std::string call =
      ModernBody("tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});
  const httplib::Headers good = {
      {"MCP-Protocol-Version", kModernVersion}, {"Mcp-Method", "tools/call"}, {"Mcp-Name", "echo"}};
  const auto without = [&](const std::string& name) {
    httplib::Headers headers = good;
    headers.erase(name);
    return headers;
  };
  const auto with = [&](const std::string& name, const std::string& value) {
    httplib::Headers headers = without(name);
    headers.emplace(name, value);
    return headers;
  };

  const std::vector<Reply> replies = {
      harness.Post(call, without("MCP-Protocol-Version")),
      harness.Post(call, with("MCP-Protocol-Version", "2025-11-25")),
      harness.Post(call, without("Mcp-Method")),
      harness.Post(call, with("Mcp-Method", "tools/list")),
      harness.Post(call, without("Mcp-Name")),
      harness.Post(call, with("Mcp-Name", "other")),
      harness.Post(call, with("Mcp-Name", "=?base64?b3RoZXI=?=")),
  };

  for (const Reply& reply : replies) {
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(reply.json()["error"]["code"], rpc::kHeaderMismatch) << reply.body;
    EXPECT_EQ(reply.json()["id"], 9);
  }
}

TEST(HttpModern, Base64EncodedNameIsDecodedBeforeComparing) {
  HttpHarness harness;
  const std::string call =
      ModernBody("tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});

  const Reply reply = harness.Post(call, {{"MCP-Protocol-Version", kModernVersion},
                                          {"Mcp-Method", "tools/call"},
                                          {"Mcp-Name", "=?base64?ZWNobw==?="}});

  EXPECT_EQ(reply.status, 200) << reply.body;
}

// Header names are case-insensitive, values case-sensitive, and surrounding whitespace is no part
// of a value (RFC 9110 §5.5).
TEST(HttpModern, HeaderNamesIgnoreCaseAndValuesIgnoreSurroundingWhitespace) {
  HttpHarness harness;
  const std::string call =
      ModernBody("tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}});

  const Reply spaced = harness.Post(call, {{"mcp-protocol-version", kModernVersion},
                                           {"MCP-METHOD", "tools/call"},
                                           {"mcp-name", "  echo  "}});
  const Reply upper_value =
      harness.Post(ModernBody("tools/list"),
                   {{"MCP-Protocol-Version", kModernVersion}, {"Mcp-Method", "TOOLS/LIST"}});

  EXPECT_EQ(spaced.status, 200) << spaced.body;
  EXPECT_EQ(upper_value.status, 400);
  EXPECT_EQ(upper_value.json()["error"]["code"], rpc::kHeaderMismatch);
}

TEST(HttpModern, UnsupportedVersionIsBadRequestListingSupportedVersions) {
  HttpHarness harness;
  Json params = {{"_meta", ModernMeta("2099-01-01")}};
  const std::string body =
      Serialize({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/list"}, {"params", params}});

  const Reply reply =
      harness.Post(body, {{"MCP-Protocol-Version", "2099-01-01"}, {"Mcp-Method", "tools/list"}});

  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.json()["error"]["code"], rpc::kUnsupportedProtocolVersion);
  EXPECT_EQ(reply.json()["error"]["data"]["supported"][0], kModernVersion);
}

TEST(HttpModern, UnknownAndRemovedMethodsAreNotFoundWithMethodNotFound) {
  HttpHarness harness;

  const Reply unknown = harness.PostModern(ModernBody("nope/nothing"));
  const Reply removed = harness.PostModern(ModernBody("initialize"));

  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()["error"]["code"], rpc::kMethodNotFound);
  EXPECT_EQ(removed.status, 404);
  EXPECT_EQ(removed.json()["error"]["code"], rpc::kMethodNotFound);
}

TEST(HttpModern, SessionHeadersAreIgnored) {
  HttpHarness harness;

  const Reply reply = harness.PostModern(ModernBody("tools/list"), {{"Mcp-Session-Id", "stale"}});

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("Mcp-Session-Id"), "");
}

TEST(HttpModern, GetAndDeleteAreNotAllowed) {
  HttpHarness harness;
  httplib::Headers headers = HttpHarness::Auth();
  headers.emplace("MCP-Protocol-Version", kModernVersion);
  headers.emplace("Accept", "text/event-stream");

  EXPECT_EQ(harness.Send("GET", "/mcp", headers).status, 405);
  EXPECT_EQ(harness.Send("DELETE", "/mcp", headers).status, 405);
}

TEST(HttpModern, NotificationsAreAccepted) {
  HttpHarness harness;
  const std::string note = Serialize({{"jsonrpc", "2.0"},
                                      {"method", "notifications/whatever"},
                                      {"params", {{"_meta", ModernMeta()}}}});

  const Reply reply = harness.Post(note);

  EXPECT_EQ(reply.status, 202);
  EXPECT_EQ(reply.body, "");
}

// C25 for 2026-07-28.
TEST(HttpModern, AnswersCarryTheIdExactlyAsSent) {
  HttpHarness harness;

  for (const char* id : {R"("abc")", "0", "-7", "1.5", R"("1")"}) {
    const Json sent = Json::parse(id);

    const Json answer = harness.PostModern(ModernBody("tools/list", Json::object(), sent)).json();

    EXPECT_EQ(answer["id"], sent) << id;
    EXPECT_EQ(answer["id"].type(), sent.type()) << id;
  }
}

TEST(HttpModern, ProgressTokenGetsAnSseStreamEndingInACompleteResult) {
  HttpHarness harness;
  Json params = {{"name", "steps"}, {"arguments", Json::object()}};
  params["_meta"] = ModernMeta();
  params["_meta"]["progressToken"] = "t";
  const std::string body =
      Serialize({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/call"}, {"params", params}});

  const Reply reply = harness.PostModern(body);
  const std::vector<Json> events = reply.Events();

  EXPECT_EQ(reply.Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(reply.Header("X-Accel-Buffering"), "no");
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0]["method"], "notifications/progress");
  EXPECT_EQ(events[2]["result"]["resultType"], "complete");
}

TEST(HttpModern, ClosingTheAnswerStreamCancelsTheCall) {
  HttpHarness harness;
  Json params = {{"name", "probe"}, {"arguments", Json::object()}};
  params["_meta"] = ModernMeta();
  params["_meta"]["progressToken"] = "t";
  httplib::Request request;
  request.method = "POST";
  request.path = "/mcp";
  request.headers = {{"Authorization", "Bearer alice-token"},
                     {"Accept", kBothTypes},
                     {"MCP-Protocol-Version", kModernVersion},
                     {"Mcp-Method", "tools/call"},
                     {"Mcp-Name", "probe"}};
  request.body =
      Serialize({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", params}});
  request.headers.emplace("Content-Type", "application/json");
  std::string received;
  request.content_receiver = [&](const char* data, std::size_t length, uint64_t, uint64_t) {
    received.append(data, length);
    return received.find("notifications/progress") == std::string::npos;  // then hang up
  };

  (void)harness.Client().send(request);

  ASSERT_TRUE(harness.probe().left.WaitOpen());
  EXPECT_TRUE(harness.probe().saw_cancel);
}

TEST(HttpModern, CancelledNotificationReachesTheSameSubjectsCall) {
  HttpHarness harness;
  Reply answer;

  std::thread call([&] {
    answer = harness.PostModern(
        ModernBody("tools/call", {{"name", "probe"}, {"arguments", Json::object()}}, "c-1"));
  });
  ASSERT_TRUE(harness.probe().entered.WaitOpen());
  const Reply cancel =
      harness.Post(Serialize({{"jsonrpc", "2.0"},
                              {"method", "notifications/cancelled"},
                              {"params", {{"requestId", "c-1"}, {"_meta", ModernMeta()}}}}));
  call.join();

  EXPECT_EQ(cancel.status, 202);
  EXPECT_TRUE(harness.probe().saw_cancel);
  EXPECT_EQ(answer.json()["result"]["isError"], true);
}

}  // namespace
}  // namespace mcp::testing
