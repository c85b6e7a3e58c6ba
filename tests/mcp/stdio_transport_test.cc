#include "mcp/stdio_transport.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/fakes/gate.h"
#include "tests/mcp/test_tools.h"

namespace mcp {
namespace {

// Runs a StdioTransport on two pipes; the test writes client lines and reads server lines.
class StdioHarness {
 public:
  explicit StdioHarness(StdioTransport::Options options = {},
                        std::shared_ptr<ToolRegistry> tools = testing::TestRegistry())
      : server_(ServerInfo{.version = "test"}, std::move(tools)) {
    EXPECT_EQ(::pipe(to_server_), 0);
    EXPECT_EQ(::pipe(from_server_), 0);
    options.input_fd = to_server_[0];
    options.output_fd = from_server_[1];
    transport_ = std::make_unique<StdioTransport>(server_, options);
    thread_ = std::thread([this] { exit_code_ = transport_->Run(); });
  }

  ~StdioHarness() {
    CloseInput();
    if (thread_.joinable()) {
      thread_.join();
    }
    transport_.reset();
    ::close(to_server_[0]);
    ::close(from_server_[0]);
    ::close(from_server_[1]);
  }

  void Send(const std::string& bytes) {
    ASSERT_EQ(::write(to_server_[1], bytes.data(), bytes.size()),
              static_cast<ssize_t>(bytes.size()));
  }

  void CloseInput() {
    if (to_server_[1] >= 0) {
      ::close(to_server_[1]);
      to_server_[1] = -1;
    }
  }

  // The next output line without its LF, or "" after `timeout_ms` of silence.
  std::string ReadLine(int timeout_ms = 5000) {
    while (true) {
      if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
        std::string line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return line;
      }
      pollfd fd{from_server_[0], POLLIN, 0};
      if (::poll(&fd, 1, timeout_ms) <= 0) {
        return "";
      }
      char chunk[4096];
      const ssize_t got = ::read(from_server_[0], chunk, sizeof(chunk));
      if (got <= 0) {
        return "";
      }
      pending_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  void Join() { thread_.join(); }
  void RequestStop() { transport_->RequestStop(); }
  int exit_code() const { return exit_code_; }

 private:
  Server server_;
  int to_server_[2] = {-1, -1};
  int from_server_[2] = {-1, -1};
  std::unique_ptr<StdioTransport> transport_;
  std::thread thread_;
  int exit_code_ = -1;
  std::string pending_;
};

constexpr const char* kInitialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})";

TEST(StdioTransport, AnswersOneLinePerMessage) {
  StdioHarness harness;

  harness.Send(std::string(kInitialize) + "\n");
  const Json answer = Json::parse(harness.ReadLine());

  EXPECT_EQ(answer["id"], 1);
  EXPECT_EQ(answer["result"]["protocolVersion"], "2025-11-25");
}

// C26: CR LF input is accepted; output lines end in LF only.
TEST(StdioTransport, AcceptsCrLfAndWritesLfOnly) {
  StdioHarness harness;

  harness.Send(std::string(kInitialize) + "\r\n");
  harness.Send(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo",)"
               R"("arguments":{"text":"a\nb"}}})"
               "\r\n");
  const std::string first = harness.ReadLine();
  const std::string second = harness.ReadLine();

  EXPECT_EQ(first.find('\r'), std::string::npos);
  EXPECT_EQ(Json::parse(second)["result"]["structuredContent"]["text"], "a\nb");
  EXPECT_EQ(second.find('\r'), std::string::npos);
}

// C24: notifications, known, unknown or malformed, get no reply of any kind.
TEST(StdioTransport, NotificationsGetNoReply) {
  StdioHarness harness;
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();

  harness.Send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n");
  harness.Send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\",\"params\":{}}\n");
  harness.Send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":[1]}\n");
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}\n");

  EXPECT_EQ(Json::parse(harness.ReadLine())["id"], 5);
}

TEST(StdioTransport, ParseErrorAndBatchAreAnswered) {
  StdioHarness harness;

  harness.Send("{oops\n");
  harness.Send("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]\n");

  EXPECT_EQ(Json::parse(harness.ReadLine())["error"]["code"], rpc::kParseError);
  EXPECT_EQ(Json::parse(harness.ReadLine())["error"]["code"], rpc::kInvalidRequest);
}

// A line just over the limit whose end comes in the same read as its excess is refused too.
TEST(StdioTransport, LineJustOverTheLimitIsRefused) {
  StdioHarness harness;
  const std::string over = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")" +
                           std::string(4U << 20, 'a') + "\"}}\n";

  std::thread sender([&] { harness.Send(over); });
  const Json answer = Json::parse(harness.ReadLine());
  sender.join();
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n");

  EXPECT_EQ(answer["error"]["code"], rpc::kInvalidRequest);
  EXPECT_TRUE(answer["id"].is_null());
  EXPECT_EQ(Json::parse(harness.ReadLine())["id"], 2);
}

TEST(StdioTransport, CancelledCallGetsNoAnswerAndOthersContinue) {
  StdioHarness harness;
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();

  harness.Send(R"({"jsonrpc":"2.0","id":"slow-1","method":"tools/call","params":{"name":"slow",)"
               R"("arguments":{},"_meta":{"progressToken":"p1"}}})"
               "\n");
  const Json progress = Json::parse(harness.ReadLine());
  harness.Send(R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
               R"("params":{"requestId":"slow-1","reason":"user"}})"
               "\n");
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}\n");

  EXPECT_EQ(progress["method"], "notifications/progress");
  EXPECT_EQ(progress["params"]["progressToken"], "p1");
  EXPECT_EQ(Json::parse(harness.ReadLine())["id"], 7);
  EXPECT_EQ(harness.ReadLine(300), "");
}

// A request with the id of one still running is refused; the first goes on and can still be
// cancelled by that id.
TEST(StdioTransport, SecondRequestWithARunningIdIsRefused) {
  StdioHarness harness;
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  const std::string slow = R"({"jsonrpc":"2.0","id":"dup","method":"tools/call","params":{)"
                           R"("name":"slow","arguments":{},"_meta":{"progressToken":"p1"}}})"
                           "\n";
  harness.Send(slow);
  EXPECT_EQ(Json::parse(harness.ReadLine())["method"], "notifications/progress");

  harness.Send(R"({"jsonrpc":"2.0","id":"dup","method":"tools/call","params":{"name":"echo",)"
               R"("arguments":{"text":"x"}}})"
               "\n");
  const Json refused = Json::parse(harness.ReadLine());
  EXPECT_EQ(refused["id"], "dup");
  EXPECT_EQ(refused["error"]["code"], rpc::kInvalidRequest);

  // Any request, not only a call.
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":\"dup\",\"method\":\"ping\"}\n");
  const Json ping = Json::parse(harness.ReadLine());
  EXPECT_EQ(ping["id"], "dup");
  EXPECT_EQ(ping["error"]["code"], rpc::kInvalidRequest);

  harness.Send(R"({"jsonrpc":"2.0","method":"notifications/cancelled",)"
               R"("params":{"requestId":"dup","reason":"user"}})"
               "\n");
  EXPECT_EQ(harness.ReadLine(300), "");
  // Other requests go on.
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n");
  EXPECT_EQ(Json::parse(harness.ReadLine())["id"], 9);
}

// 7 and 7.0 are one id to a client that reads numbers as doubles.
TEST(StdioTransport, AWholeNumberIdIsTheSameIdWrittenWithAFraction) {
  StdioHarness harness;
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{)"
               R"("name":"slow","arguments":{},"_meta":{"progressToken":"p7"}}})"
               "\n");
  EXPECT_EQ(Json::parse(harness.ReadLine())["method"], "notifications/progress");

  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":7.0,\"method\":\"ping\"}\n");
  const Json refused = Json::parse(harness.ReadLine());
  EXPECT_EQ(refused["error"]["code"], rpc::kInvalidRequest);

  // Cancelled as 7.0, the call as 7 ends without an answer, and its id is free again.
  harness.Send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7.0}})"
               "\n");
  EXPECT_EQ(harness.ReadLine(300), "");
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}\n");
  const Json ping = Json::parse(harness.ReadLine());
  EXPECT_TRUE(ping.contains("result")) << ping.dump();
}

TEST(StdioTransport, EndOfInputFinishesRunningCallsThenExits) {
  StdioHarness harness;
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();

  harness.Send(R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo",)"
               R"("arguments":{"text":"last"}}})");  // no trailing newline
  harness.CloseInput();
  const Json answer = Json::parse(harness.ReadLine());
  harness.Join();

  EXPECT_EQ(answer["result"]["structuredContent"]["text"], "last");
  EXPECT_EQ(harness.exit_code(), 0);
}

std::string SlowCall(const std::string& id) {
  return R"({"jsonrpc":"2.0","id":")" + id +
         R"(","method":"tools/call","params":{"name":"slow","arguments":{},)"
         R"("_meta":{"progressToken":")" +
         id + "\"}}}\n";
}

std::string CancelOf(const std::string& id) {
  return R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":")" + id +
         "\"}}\n";
}

// F5: at the limit of running calls the reader goes on reading: a ping is answered at once, an
// extra call waits in the queue (and is dropped when cancelled there), and one more than the
// queue holds is refused as busy.
TEST(StdioTransport, AtTheCallLimitReaderKeepsReading) {
  StdioHarness harness({.max_concurrent_calls = 2, .max_queued_calls = 1});
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(SlowCall("s1"));
  harness.Send(SlowCall("s2"));
  const Json started_1 = Json::parse(harness.ReadLine());
  const Json started_2 = Json::parse(harness.ReadLine());

  harness.Send(SlowCall("s3"));  // queued
  harness.Send(SlowCall("s4"));  // the queue is full
  const Json refused = Json::parse(harness.ReadLine());
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"}\n");
  const Json pong = Json::parse(harness.ReadLine());
  harness.Send(CancelOf("s3"));
  harness.Send(CancelOf("s1"));
  harness.Send(CancelOf("s2"));
  harness.Send("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/list\"}\n");
  const Json listed = Json::parse(harness.ReadLine());

  EXPECT_EQ(started_1["method"], "notifications/progress");
  EXPECT_EQ(started_2["method"], "notifications/progress");
  EXPECT_EQ(refused["id"], "s4");
  EXPECT_EQ(refused["error"]["code"], -32000);
  EXPECT_EQ(pong["id"], 7);
  EXPECT_EQ(listed["id"], 8);
  EXPECT_EQ(harness.ReadLine(300), "");  // s3 never started; s1 and s2 get no answer
}

TEST(StdioTransport, QueuedCallRunsWhenASlotFrees) {
  StdioHarness harness({.max_concurrent_calls = 1, .max_queued_calls = 4});
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(SlowCall("s1"));
  harness.ReadLine();  // s1 started

  harness.Send(R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo",)"
               R"("arguments":{"text":"queued"}}})"
               "\n");
  harness.Send(CancelOf("s1"));
  const Json answer = Json::parse(harness.ReadLine());

  EXPECT_EQ(answer["id"], 2);
  EXPECT_EQ(answer["result"]["structuredContent"]["text"], "queued");
}

using fakes::Gate;

// What the shutdown tools let a test see and steer.
struct Hold {
  Gate release;  // opened by the test
  Gate left;     // opened by the tool as it returns
  std::atomic<bool> saw_cancel{false};
};

// "hold": reports progress, then waits until cancelled or released (at most 10 s), notes
// whether it saw the cancel flag, and answers "released".
ToolDefinition HoldTool(const std::shared_ptr<Hold>& hold) {
  ToolDefinition tool = testing::SlowTool();
  tool.name = "hold";
  tool.handler = [hold](const Json&, const CallContext& context) {
    context.ReportProgress(1, 2, "holding");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!context.cancelled() && std::chrono::steady_clock::now() < deadline) {
      if (hold->release.WaitOpen(std::chrono::milliseconds(1))) {
        break;
      }
    }
    hold->saw_cancel = context.cancelled();
    hold->left.Open();
    return ToolResult::Success("released", Json::object());
  };
  return tool;
}

// "stubborn": reports progress, ignores cancellation until released, then reports progress
// again (a write after Run() returned, when the test releases it late).
ToolDefinition StubbornTool(const std::shared_ptr<Hold>& hold) {
  ToolDefinition tool = testing::SlowTool();
  tool.name = "stubborn";
  tool.handler = [hold](const Json&, const CallContext& context) {
    context.ReportProgress(1, 2, "ignoring cancellation");
    hold->release.WaitOpen();
    context.ReportProgress(2, 2, "late");
    hold->left.Open();
    return ToolResult::Success("late", Json::object());
  };
  return tool;
}

std::shared_ptr<ToolRegistry> ShutdownRegistry(const std::shared_ptr<Hold>& hold) {
  auto tools = testing::TestRegistry();
  EXPECT_TRUE(tools->Add(HoldTool(hold)).ok());
  EXPECT_TRUE(tools->Add(StubbornTool(hold)).ok());
  return tools;
}

std::string CallOf(const std::string& tool, const std::string& id) {
  return R"({"jsonrpc":"2.0","id":")" + id + R"(","method":"tools/call","params":{"name":")" +
         tool + R"(","arguments":{},"_meta":{"progressToken":")" + id + "\"}}}\n";
}

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kShortGrace(200);
constexpr std::chrono::milliseconds kMargin(3000);

TEST(StdioTransport, EndOfInputCancelsCallsStillRunningAfterTheGrace) {
  auto hold = std::make_shared<Hold>();
  StdioHarness harness({.shutdown_grace = kShortGrace}, ShutdownRegistry(hold));
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(CallOf("hold", "h1"));
  const Json started = Json::parse(harness.ReadLine());

  const auto closed_at = Clock::now();
  harness.CloseInput();
  harness.Join();
  const auto took = Clock::now() - closed_at;

  EXPECT_EQ(started["method"], "notifications/progress");
  EXPECT_GE(took, kShortGrace);
  EXPECT_LT(took, kShortGrace + kMargin);
  EXPECT_TRUE(hold->saw_cancel);
  EXPECT_EQ(harness.exit_code(), 0);
  EXPECT_EQ(harness.ReadLine(100), "");  // a cancelled call gets no answer
}

TEST(StdioTransport, StopCancelsCallsStillRunningAfterTheGrace) {
  auto hold = std::make_shared<Hold>();
  StdioHarness harness({.shutdown_grace = kShortGrace}, ShutdownRegistry(hold));
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(CallOf("hold", "h1"));
  harness.ReadLine();  // h1 started

  const auto stopped_at = Clock::now();
  harness.RequestStop();
  harness.Join();
  const auto took = Clock::now() - stopped_at;

  EXPECT_GE(took, kShortGrace);
  EXPECT_LT(took, kShortGrace + kMargin);
  EXPECT_TRUE(hold->saw_cancel);
}

TEST(StdioTransport, CallFinishingWithinTheGraceIsAnswered) {
  auto hold = std::make_shared<Hold>();
  StdioHarness harness({.shutdown_grace = std::chrono::seconds(10)}, ShutdownRegistry(hold));
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(CallOf("hold", "h1"));
  harness.ReadLine();  // h1 started

  harness.CloseInput();
  hold->release.Open();
  const Json answer = Json::parse(harness.ReadLine());
  harness.Join();

  EXPECT_EQ(answer["id"], "h1");
  EXPECT_EQ(answer["result"]["content"][0]["text"], "released");
  EXPECT_FALSE(hold->saw_cancel);
}

TEST(StdioTransport, NothingIsWrittenAfterRunReturns) {
  auto hold = std::make_shared<Hold>();
  StdioHarness harness({.shutdown_grace = std::chrono::milliseconds(50)}, ShutdownRegistry(hold));
  harness.Send(std::string(kInitialize) + "\n");
  harness.ReadLine();
  harness.Send(CallOf("stubborn", "s1"));
  harness.ReadLine();  // s1 started

  harness.CloseInput();
  harness.Join();
  hold->release.Open();
  const bool left = hold->left.WaitOpen();

  EXPECT_TRUE(left);
  EXPECT_EQ(harness.ReadLine(100), "");
}

}  // namespace
}  // namespace mcp
