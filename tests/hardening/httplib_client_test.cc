// core::HttplibClient against servers that hang, drip or lie about their length: the request's
// timeout bounds the whole request and its cancel flag ends it, whatever the server does.
#include "core/httplib_client.h"

#include <gtest/gtest.h>

#include "tests/hardening/fault_server.h"
#include "tests/hardening/harness.h"

namespace hardening {
namespace {

class HttplibClientFaults : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  core::HttpRequest Get(milliseconds timeout) {
    return {.url = server_.base_url() + "/thing", .timeout = timeout};
  }

  FaultServer server_;
  core::HttplibClient client_;
};

TEST_F(HttplibClientFaults, SilentServerEndsAtTheDeadline) {
  server_.SetScript([](const SeenRequest&) { return Action{.kind = Action::Kind::kHang}; });

  const auto started = Clock::now();
  auto response = client_.Send(Get(milliseconds(300)));
  const double seconds = SecondsSince(started);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kDeadlineExceeded);
  EXPECT_LT(seconds, 1.0);
}

// Each byte comes well within the timeout, so only a deadline for the whole request ends it.
TEST_F(HttplibClientFaults, DrippingServerEndsAtTheDeadline) {
  server_.SetScript([](const SeenRequest&) {
    return Action{.kind = Action::Kind::kDrip,
                  .raw = RawAnswer(200, std::string(200, 'x')),
                  .delay = milliseconds(20)};
  });

  const auto started = Clock::now();
  auto response = client_.Send(Get(milliseconds(400)));
  const double seconds = SecondsSince(started);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kDeadlineExceeded);
  EXPECT_NE(response.status().message().find("within 400 ms"), std::string::npos);
  EXPECT_LT(seconds, 1.5);
}

TEST_F(HttplibClientFaults, CancelFlagEndsAWaitOnASilentServer) {
  server_.SetScript([](const SeenRequest&) { return Action{.kind = Action::Kind::kHang}; });
  std::atomic<bool> cancelled{false};
  core::HttpRequest request = Get(milliseconds(30000));
  request.cancelled = &cancelled;

  std::thread canceller([&] {
    server_.WaitForCount("/thing", 1);
    cancelled = true;
  });
  const auto started = Clock::now();
  auto response = client_.Send(request);
  const double seconds = SecondsSince(started);
  canceller.join();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kCancelled);
  EXPECT_LT(seconds, 2.0);
  EXPECT_TRUE(WaitUntil([&] { return server_.open_connections() == 0; }, milliseconds(2000)));
}

TEST_F(HttplibClientFaults, DeclaredLengthOverTheLimitIsRefusedUnread) {
  server_.SetScript([](const SeenRequest&) {
    return Action{.kind = Action::Kind::kRespond,
                  .raw = "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n[",
                  .delay = milliseconds(0)};
  });
  core::HttpRequest request = Get(milliseconds(5000));
  request.max_response_bytes = 1024;

  auto response = client_.Send(request);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kResourceExhausted);
}

// A peer that hangs up is not a timeout: the error says so at once, not after the deadline.
TEST_F(HttplibClientFaults, ServerThatHangsUpIsALostConnectionNotATimeout) {
  server_.SetScript([](const SeenRequest&) { return Action{.kind = Action::Kind::kClose}; });

  const auto started = Clock::now();
  auto response = client_.Send(Get(milliseconds(30000)));
  const double seconds = SecondsSince(started);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kConnectionLost);
  EXPECT_LT(seconds, 5.0);
}

TEST_F(HttplibClientFaults, AfterAllThatAnOrdinaryAnswerStillArrives) {
  server_.SetScript([](const SeenRequest&) { return Action{.kind = Action::Kind::kHang}; });
  ASSERT_FALSE(client_.Send(Get(milliseconds(100))).ok());
  server_.SetScript([](const SeenRequest&) { return Respond(200, R"({"ok":true})"); });

  auto response = client_.Send(Get(milliseconds(2000)));

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok":true})");
}

}  // namespace
}  // namespace hardening
