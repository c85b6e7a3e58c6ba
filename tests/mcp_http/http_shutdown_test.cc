// HttpTransport::Stop(): running calls are cancelled within the grace period and answered.
#include <gtest/gtest.h>

#include <thread>

#include "tests/mcp_http/http_harness.h"

namespace mcp::testing {
namespace {

using std::chrono::steady_clock;

HttpTransport::Options ShortGrace() {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.shutdown_grace = milliseconds(100);
  return options;
}

TEST(HttpShutdown, StopCancelsARunningCallAndAnswersIt) {
  HttpHarness harness(ShortGrace());
  const std::string session = harness.Initialize();
  Reply answer;
  std::thread call(
      [&] { answer = harness.PostInSession(session, CallBody(8, "probe", Json::object())); });
  ASSERT_TRUE(harness.probe().entered.WaitOpen());

  const auto started = steady_clock::now();
  harness.transport().Stop();
  const auto took = steady_clock::now() - started;
  call.join();

  EXPECT_TRUE(harness.probe().saw_cancel);
  EXPECT_LT(took, std::chrono::seconds(3));  // the probe alone would run 10 s
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.json()["result"]["isError"], true);
}

TEST(HttpShutdown, StopCancelsAStreamedCallAndEndsItsStream) {
  HttpHarness harness(ShortGrace());
  const std::string session = harness.Initialize();
  Reply stream;
  std::thread call([&] {
    stream = harness.PostInSession(session,
                                   CallBody(9, "probe", Json::object(), {{"progressToken", "p"}}));
  });
  ASSERT_TRUE(harness.probe().entered.WaitOpen());

  harness.transport().Stop();
  call.join();

  EXPECT_TRUE(harness.probe().saw_cancel);
  ASSERT_FALSE(stream.Events().empty());
  EXPECT_EQ(stream.Events().back()["id"], 9);
  EXPECT_EQ(stream.Events().back()["result"]["isError"], true);
}

TEST(HttpShutdown, FinishedServerRefusesConnectionsAndStopTwiceIsHarmless) {
  HttpHarness harness;

  harness.transport().Stop();
  harness.transport().Stop();
  const Reply reply = harness.Post(InitializeBody());

  EXPECT_EQ(reply.status, -1);  // nothing listens any more
}

TEST(HttpShutdown, RunServesUntilRequestStop) {
  const Server server(ServerInfo{.version = "test"}, TestRegistry());
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.authenticator = nullptr;
  HttpTransport transport(server, options);
  int exit_code = -1;

  std::thread runner([&] { exit_code = transport.Run(); });
  transport.RequestStop();
  runner.join();

  EXPECT_EQ(exit_code, 0);
}

}  // namespace
}  // namespace mcp::testing
