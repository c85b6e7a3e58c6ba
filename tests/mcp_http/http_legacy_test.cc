// Streamable HTTP for the legacy eras (2025-03-26 .. 2025-11-25): sessions, status codes,
// notifications, ids, SSE answers with progress, cancellation and the GET stream.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/mcp_http/http_harness.h"

namespace mcp::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kListTools = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";

std::string EchoCall(const Json& id, const std::string& text) {
  return CallBody(id, "echo", {{"text", text}});
}

TEST(HttpLegacy, InitializeOpensASessionAnsweredAsJson) {
  HttpHarness harness;

  const Reply reply = harness.Post(InitializeBody("2025-06-18"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  EXPECT_EQ(reply.Header("Mcp-Session-Id").size(), 32U);
  EXPECT_EQ(reply.Header("MCP-Protocol-Version"), "2025-06-18");
  EXPECT_EQ(reply.json()["result"]["protocolVersion"], "2025-06-18");
}

TEST(HttpLegacy, SessionCarriesLaterRequests) {
  HttpHarness harness;
  const std::string session = harness.Initialize();

  const Reply tools = harness.PostInSession(session, kListTools);
  const Reply echo = harness.PostInSession(session, EchoCall(3, "hi"));

  EXPECT_EQ(tools.status, 200);
  EXPECT_FALSE(tools.json()["result"]["tools"].empty());
  EXPECT_EQ(echo.json()["result"]["structuredContent"]["text"], "hi");
}

// Answers can hold a user's Jira data: no cache may keep any of them, tool results included.
TEST(HttpLegacy, JsonAnswersAreNotStored) {
  HttpHarness harness;
  const Reply initialize = harness.Post(InitializeBody());
  const std::string session = initialize.Header("Mcp-Session-Id");

  const Reply tools = harness.PostInSession(session, kListTools);
  const Reply legacy_call = harness.PostInSession(session, EchoCall(3, "secret"));
  const Reply modern_call = harness.PostModern(
      ModernBody("tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}));

  EXPECT_EQ(initialize.Header("Cache-Control"), "no-store");
  EXPECT_EQ(tools.Header("Cache-Control"), "no-store");
  EXPECT_EQ(legacy_call.Header("Content-Type"), "application/json");
  EXPECT_EQ(legacy_call.json()["result"]["structuredContent"]["text"], "secret");
  EXPECT_EQ(legacy_call.Header("Cache-Control"), "no-store");
  EXPECT_EQ(modern_call.Header("Content-Type"), "application/json");
  EXPECT_EQ(modern_call.json()["result"]["structuredContent"]["text"], "x");
  EXPECT_EQ(modern_call.Header("Cache-Control"), "no-store");
}

TEST(HttpLegacy, FailedInitializeOpensNoSession) {
  HttpHarness harness;

  const Reply reply = harness.Post(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})");

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json()["error"]["code"], rpc::kInvalidParams);
  EXPECT_EQ(reply.Header("Mcp-Session-Id"), "");
}

TEST(HttpLegacy, RequestWithoutSessionIsBadRequest) {
  HttpHarness harness;

  const Reply reply = harness.Post(kListTools);

  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.json()["error"]["code"], rpc::kInvalidRequest);
  EXPECT_EQ(reply.json()["id"], 2);
}

TEST(HttpLegacy, UnsupportedProtocolVersionHeaderIsBadRequest) {
  HttpHarness harness;
  const std::string session = harness.Initialize();

  const Reply unknown = harness.Post(
      kListTools, {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", "1999-01-01"}});
  const Reply modern = harness.Post(
      kListTools, {{"Mcp-Session-Id", session}, {"MCP-Protocol-Version", kModernVersion}});
  const Reply absent = harness.Post(kListTools, {{"Mcp-Session-Id", session}});

  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()["error"]["code"], rpc::kInvalidRequest);
  EXPECT_EQ(modern.status, 400);
  EXPECT_EQ(modern.json()["error"]["code"], rpc::kHeaderMismatch);
  EXPECT_EQ(absent.status, 200);  // absent means 2025-03-26
}

TEST(HttpLegacy, WrongAcceptIsNotAcceptable) {
  HttpHarness harness;
  httplib::Headers json_only = HttpHarness::Auth();
  json_only.emplace("Accept", "application/json");
  httplib::Headers html = HttpHarness::Auth();
  html.emplace("Accept", "text/html");

  const Reply post = harness.Send("POST", "/mcp", json_only, InitializeBody());
  const Reply other = harness.Send("POST", "/mcp", html, InitializeBody());

  EXPECT_EQ(post.status, 406);
  EXPECT_EQ(other.status, 406);
}

TEST(HttpLegacy, NonJsonBodyIsUnsupportedMediaType) {
  HttpHarness harness;

  const Reply reply = harness.Post(InitializeBody(), {{"Content-Type", "text/plain"}});

  EXPECT_EQ(reply.status, 415);
}

TEST(HttpLegacy, OversizedBodyIsPayloadTooLarge) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.max_body_bytes = 1024;
  HttpHarness harness(options);
  const std::string big = EchoCall(1, std::string(2048, 'x'));
  httplib::Headers headers = HttpHarness::Auth();
  headers.emplace("Accept", kBothTypes);
  std::size_t sent = 0;

  const Reply declared = harness.Post(big);
  // Without Content-Length (chunked), the limit is counted as the body arrives.
  const Reply chunked = HttpHarness::ToReply(harness.Client().Post(
      "/mcp", headers,
      [&](std::size_t, httplib::DataSink& sink) {
        const std::size_t n = std::min<std::size_t>(512, big.size() - sent);
        sink.write(big.data() + sent, n);
        sent += n;
        if (sent == big.size()) {
          sink.done();
        }
        return true;
      },
      "application/json"));

  EXPECT_EQ(declared.status, 413);
  EXPECT_EQ(chunked.status, 413);
}

TEST(HttpLegacy, BatchAndBrokenJsonAreBadRequestsWithJsonRpcErrors) {
  HttpHarness harness;

  const Reply batch = harness.Post(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  const Reply broken = harness.Post("{oops");

  EXPECT_EQ(batch.status, 400);
  EXPECT_EQ(batch.json()["error"]["code"], rpc::kInvalidRequest);
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.json()["error"]["code"], rpc::kParseError);
}

TEST(HttpLegacy, OtherMethodsAreNotAllowed) {
  HttpHarness harness;

  const Reply put = harness.Send("PUT", "/mcp", HttpHarness::Auth(), "{}");
  const Reply get = harness.Send("GET", "/mcp", HttpHarness::Auth());

  EXPECT_EQ(put.status, 405);
  EXPECT_NE(put.Header("Allow").find("POST"), std::string::npos);
  EXPECT_EQ(get.status, 405);  // a stream needs a session
}

TEST(HttpLegacy, OtherPathsAreNotFound) {
  HttpHarness harness;

  EXPECT_EQ(harness.Send("POST", "/other", HttpHarness::Auth(), kListTools).status, 404);
}

// C24: notifications, known, unknown or malformed, and responses: 202 with no body.
TEST(HttpLegacy, NotificationsAndResponsesAreAcceptedWithoutBody) {
  HttpHarness harness;
  const std::string session = harness.Initialize();

  const std::vector<Reply> replies = {
      harness.PostInSession(session, R"({"jsonrpc":"2.0","method":"notifications/initialized"})"),
      harness.PostInSession(session, R"({"jsonrpc":"2.0","method":"notifications/whatever"})"),
      harness.PostInSession(session,
                            R"({"jsonrpc":"2.0","method":"notifications/x","params":[1]})"),
      harness.PostInSession(session, R"({"jsonrpc":"2.0","id":"s1","result":{}})"),
  };

  for (const Reply& reply : replies) {
    EXPECT_EQ(reply.status, 202);
    EXPECT_EQ(reply.body, "");
  }
}

// C25: each answer carries the id exactly as sent: same type, same value.
TEST(HttpLegacy, AnswersCarryTheIdExactlyAsSent) {
  HttpHarness harness;
  const std::string session = harness.Initialize();

  for (const char* id : {R"("abc")", "0", "-7", "1.5", R"("1")"}) {
    const Json sent = Json::parse(id);
    const Reply json = harness.PostInSession(session, EchoCall(sent, "x"));
    const Reply stream = harness.PostInSession(
        session, CallBody(sent, "steps", Json::object(), {{"progressToken", "p"}}));

    EXPECT_EQ(json.json()["id"], sent) << id;
    EXPECT_EQ(json.json()["id"].type(), sent.type()) << id;
    ASSERT_FALSE(stream.Events().empty()) << id;
    EXPECT_EQ(stream.Events().back()["id"], sent) << id;
    EXPECT_EQ(stream.Events().back()["id"].type(), sent.type()) << id;
  }
}

TEST(HttpLegacy, ProgressTokenGetsAnSseStreamWithProgressThenTheAnswer) {
  HttpHarness harness;
  const std::string session = harness.Initialize();

  const Reply reply =
      harness.PostInSession(session, CallBody(5, "steps", Json::object(), {{"progressToken", 7}}));
  const std::vector<Json> events = reply.Events();

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("Content-Type"), "text/event-stream");
  ASSERT_EQ(events.size(), 3U) << reply.body;
  EXPECT_EQ(events[0]["method"], "notifications/progress");
  EXPECT_EQ(events[0]["params"]["progressToken"], 7);
  EXPECT_EQ(events[0]["params"]["progress"], 1);
  EXPECT_EQ(events[1]["params"]["progress"], 2);
  EXPECT_EQ(events[2]["id"], 5);
  EXPECT_EQ(events[2]["result"]["content"][0]["text"], "stepped");
}

TEST(HttpLegacy, CancelledNotificationCancelsTheCallOfThatSession) {
  HttpHarness harness;
  const std::string session = harness.Initialize();
  Reply stream;

  std::thread call([&] {
    stream = harness.PostInSession(
        session, CallBody("slow-1", "probe", Json::object(), {{"progressToken", "p"}}));
  });
  ASSERT_TRUE(harness.probe().entered.WaitOpen());
  const Reply other_session = harness.PostInSession(
      harness.Initialize(),
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1"}})");
  const bool early = harness.probe().left.WaitOpen(milliseconds(100));
  const Reply cancel = harness.PostInSession(
      session,
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1"}})");
  call.join();

  EXPECT_EQ(other_session.status, 202);
  EXPECT_FALSE(early);  // another session's cancel does not reach this call
  EXPECT_EQ(cancel.status, 202);
  EXPECT_TRUE(harness.probe().saw_cancel);
  ASSERT_FALSE(stream.Events().empty());
  EXPECT_EQ(stream.Events().back()["method"], "notifications/progress");  // and no answer
}

// C23: expired, deleted, never existed, another user's: 404 every time.
TEST(HttpLegacy, StaleSessionsAreNotFoundEveryTime) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.session_idle_timeout = seconds(60);
  HttpHarness harness(options);
  const std::string expired = harness.Initialize();
  harness.clock().Advance(seconds(61));
  const std::string deleted = harness.Initialize();
  ASSERT_EQ(harness
                .Send("DELETE", "/mcp",
                      {{"Authorization", "Bearer alice-token"}, {"Mcp-Session-Id", deleted}})
                .status,
            204);
  const std::string alices = harness.Initialize();

  const std::vector<Reply> replies = {
      harness.PostInSession(expired, kListTools),
      harness.PostInSession(deleted, kListTools),
      harness.PostInSession("never-existed", kListTools),
      harness.PostInSession(alices, kListTools, "bob-token"),
      harness.PostInSession(expired, R"({"jsonrpc":"2.0","method":"notifications/initialized"})"),
      harness.PostInSession(deleted, InitializeBody()),
      harness.Send("GET", "/mcp",
                   {{"Authorization", "Bearer alice-token"},
                    {"Mcp-Session-Id", deleted},
                    {"Accept", "text/event-stream"}}),
      harness.Send("DELETE", "/mcp",
                   {{"Authorization", "Bearer bob-token"}, {"Mcp-Session-Id", alices}}),
  };

  for (const Reply& reply : replies) {
    EXPECT_EQ(reply.status, 404) << reply.body;
  }
  EXPECT_EQ(harness.PostInSession(alices, kListTools).status, 200);  // bob's tries changed nothing
}

TEST(HttpLegacy, ActiveSessionsIdleTimerSlides) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.session_idle_timeout = seconds(60);
  HttpHarness harness(options);
  const std::string session = harness.Initialize();

  harness.clock().Advance(seconds(45));
  const Reply first = harness.PostInSession(session, kListTools);
  harness.clock().Advance(seconds(45));
  const Reply second = harness.PostInSession(session, kListTools);
  harness.clock().Advance(seconds(61));
  const Reply third = harness.PostInSession(session, kListTools);

  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(third.status, 404);
}

TEST(HttpLegacy, DeleteEndsTheSession) {
  HttpHarness harness;
  const std::string session = harness.Initialize();
  const httplib::Headers headers = {{"Authorization", "Bearer alice-token"},
                                    {"Mcp-Session-Id", session}};

  const Reply deleted = harness.Send("DELETE", "/mcp", headers);
  const Reply again = harness.Send("DELETE", "/mcp", headers);
  const Reply without = harness.Send("DELETE", "/mcp", HttpHarness::Auth());

  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(without.status, 405);
}

TEST(HttpLegacy, SessionLimitIsServiceUnavailable) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.max_sessions = 2;
  HttpHarness harness(options);
  harness.Initialize();
  harness.Initialize();

  const Reply third = harness.Post(InitializeBody());

  EXPECT_EQ(third.status, 503);
}

// F3: a subject at its own cap loses its least recently used session (404, so its client starts
// over), never locks others out.
TEST(HttpLegacy, SubjectAtItsCapReplacesItsLeastRecentlyUsedSession) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.max_sessions = 3;
  options.max_sessions_per_subject = 2;
  HttpHarness harness(options);
  const std::string oldest = harness.Initialize();
  harness.clock().Advance(seconds(1));
  const std::string newer = harness.Initialize();
  harness.clock().Advance(seconds(1));

  const std::string newest = harness.Initialize();
  const std::string bobs = harness.Initialize("bob-token");

  EXPECT_EQ(harness.PostInSession(oldest, kListTools).status, 404);
  EXPECT_EQ(harness.PostInSession(newer, kListTools).status, 200);
  EXPECT_EQ(harness.PostInSession(newest, kListTools).status, 200);
  EXPECT_EQ(harness.PostInSession(bobs, kListTools, "bob-token").status, 200);
}

TEST(HttpLegacy, ConcurrentSessionsStayApart) {
  HttpHarness harness;
  constexpr int kClients = 8;
  std::vector<std::string> sessions(kClients);
  std::vector<int> good(kClients, 0);

  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      sessions[c] = harness.Initialize(c % 2 == 0 ? "alice-token" : "bob-token");
      for (int i = 0; i < 10; ++i) {
        const std::string text = fmt::format("c{}-{}", c, i);
        const Reply reply = harness.PostInSession(sessions[c], EchoCall(i, text),
                                                  c % 2 == 0 ? "alice-token" : "bob-token");
        good[c] += reply.json()["result"]["structuredContent"]["text"] == text ? 1 : 0;
      }
    });
  }
  for (auto& client : clients) {
    client.join();
  }

  EXPECT_EQ(std::set<std::string>(sessions.begin(), sessions.end()).size(), kClients);
  for (int c = 0; c < kClients; ++c) {
    EXPECT_EQ(good[c], 10) << "client " << c;
  }
}

// Reads a GET stream on a thread until the server ends it.
class StreamReader {
 public:
  StreamReader(HttpHarness& harness, const std::string& session,
               const std::string& token = "alice-token") {
    thread_ = std::thread([this, &harness, session, token] {
      httplib::Request request;
      request.method = "GET";
      request.path = "/mcp";
      request.headers = {{"Authorization", "Bearer " + token},
                         {"Mcp-Session-Id", session},
                         {"Accept", "text/event-stream"}};
      request.response_handler = [this](const httplib::Response& response) {
        status_ = response.status;
        content_type_ = response.get_header_value("Content-Type");
        return true;
      };
      request.content_receiver = [this](const char* data, std::size_t length, uint64_t, uint64_t) {
        std::lock_guard lock(mutex_);
        received_.append(data, length);
        opened_.Open();
        return true;
      };
      ended_ = static_cast<bool>(harness.Client().send(request));
      opened_.Open();  // in case nothing streamed
      done_.Open();
    });
  }
  ~StreamReader() { thread_.join(); }

  bool WaitOpened() { return opened_.WaitOpen(); }
  bool WaitEnded() { return done_.WaitOpen(); }
  int Status() const { return status_; }
  std::string ContentType() const { return content_type_; }
  std::string Received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  bool EndedCleanly() const { return ended_; }

 private:
  std::thread thread_;
  std::atomic<int> status_{0};
  std::string content_type_;
  std::mutex mutex_;
  std::string received_;
  Gate opened_;
  Gate done_;
  std::atomic<bool> ended_{false};
};

TEST(HttpLegacy, GetStreamStaysOpenWithCommentsUntilTheSessionIsDeleted) {
  HttpHarness harness;
  const std::string session = harness.Initialize();
  StreamReader reader(harness, session);
  ASSERT_TRUE(reader.WaitOpened());

  const Reply second = harness.Send("GET", "/mcp",
                                    {{"Authorization", "Bearer alice-token"},
                                     {"Mcp-Session-Id", session},
                                     {"Accept", "text/event-stream"}});
  const Reply deleted = harness.Send(
      "DELETE", "/mcp", {{"Authorization", "Bearer alice-token"}, {"Mcp-Session-Id", session}});

  ASSERT_TRUE(reader.WaitEnded());
  EXPECT_EQ(reader.Status(), 200);
  EXPECT_EQ(reader.ContentType(), "text/event-stream");
  EXPECT_EQ(reader.Received().rfind(": stream open\n\n", 0), 0U);
  EXPECT_TRUE(reader.EndedCleanly());
  EXPECT_EQ(second.status, 409);  // one stream per session
  EXPECT_EQ(deleted.status, 204);
}

TEST(HttpLegacy, GetStreamEndsWhenTheSessionExpires) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.session_idle_timeout = seconds(60);
  HttpHarness harness(options);
  const std::string session = harness.Initialize();
  StreamReader reader(harness, session);
  ASSERT_TRUE(reader.WaitOpened());

  harness.clock().Advance(seconds(61));

  EXPECT_TRUE(reader.WaitEnded());
  EXPECT_EQ(harness.PostInSession(session, kListTools).status, 404);
}

// F3: a replaced session ends like a deleted one, its GET stream included.
TEST(HttpLegacy, ReplacedSessionsStreamEnds) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.max_sessions_per_subject = 1;
  options.sse_keepalive = std::chrono::seconds(30);  // only the replacement can end it in time
  HttpHarness harness(options);
  const std::string session = harness.Initialize();
  StreamReader reader(harness, session);
  ASSERT_TRUE(reader.WaitOpened());

  harness.Initialize();

  EXPECT_TRUE(reader.WaitEnded());
  EXPECT_TRUE(reader.EndedCleanly());
}

TEST(HttpLegacy, OpenStreamsAreBounded) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.max_streams = 1;
  options.threads = 4;
  HttpHarness harness(options);
  const std::string first = harness.Initialize();
  const std::string second = harness.Initialize();
  StreamReader reader(harness, first);
  ASSERT_TRUE(reader.WaitOpened());

  const Reply refused = harness.Send("GET", "/mcp",
                                     {{"Authorization", "Bearer alice-token"},
                                      {"Mcp-Session-Id", second},
                                      {"Accept", "text/event-stream"}});
  harness.Send("DELETE", "/mcp",
               {{"Authorization", "Bearer alice-token"}, {"Mcp-Session-Id", first}});

  EXPECT_EQ(refused.status, 503);
  EXPECT_TRUE(reader.WaitEnded());
}

TEST(HttpLegacy, GetStreamNeedsEventStreamInAccept) {
  HttpHarness harness;
  const std::string session = harness.Initialize();

  const Reply reply = harness.Send("GET", "/mcp",
                                   {{"Authorization", "Bearer alice-token"},
                                    {"Mcp-Session-Id", session},
                                    {"Accept", "application/json"}});

  EXPECT_EQ(reply.status, 406);
}

}  // namespace
}  // namespace mcp::testing
