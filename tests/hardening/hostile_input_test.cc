// Hostile messages to the jira-mcp binary over stdio and HTTP: oversized, deeply nested, invalid
// UTF-8, broken JSON. Each gets the JSON-RPC error the spec names (and over HTTP the status), the
// process survives, and the next ordinary request is answered.
#include <gtest/gtest.h>

#include "tests/hardening/harness.h"

namespace hardening {
namespace {

constexpr std::size_t kLimit = 4U << 20;  // the transports' default message limit

struct Hostile {
  std::string name;
  std::string body;  // without the line end
  int code;          // the JSON-RPC error code expected
  int http_status;   // expected over HTTP
};

void PrintTo(const Hostile& hostile, std::ostream* out) { *out << hostile.name; }

std::string Nested(std::size_t depth, char open, char close, const std::string& inner) {
  return std::string(depth, open) + inner + std::string(depth, close);
}

std::string NestedObjects(std::size_t depth) {
  std::string text = R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":)";
  for (std::size_t i = 0; i < depth; ++i) {
    text += R"({"a":)";
  }
  text += "1" + std::string(depth + 1, '}');
  return text;
}

std::vector<Hostile> HostileMessages() {
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"X"}})";
  auto with = [&ping](const std::string& bytes) {
    std::string text = ping;
    text.replace(text.find("X"), 1, bytes);
    return text;
  };
  return {
      {"InvalidUtf8Byte", with("\xff\xfe"), -32700, 400},
      {"OverlongUtf8", with("\xc0\xaf"), -32700, 400},
      {"EncodedSurrogate", with("\xed\xa0\x80"), -32700, 400},
      {"TruncatedUtf8", with("\xe2\x82"), -32700, 400},
      {"LoneSurrogateEscape", with("\\ud800"), -32700, 400},
      {"InvalidUtf8InMethod",
       R"({"jsonrpc":"2.0","id":1,"method":"pi)"
       "\xff"
       R"(ng"})",
       -32700, 400},
      {"DeepArrays", Nested(100000, '[', ']', "1"), -32600, 400},
      {"DeepObjectsInParams", NestedObjects(5000), -32600, 400},
      {"BrokenJson", R"({"jsonrpc":"2.0","id":1,"method":)", -32700, 400},
      {"NotAnObject", R"("just a string")", -32600, 400},
      {"Batch", R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", -32600, 400},
      {"WrongVersion", R"({"jsonrpc":"1.0","id":1,"method":"ping"})", -32600, 400},
      {"ObjectId", R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", -32600, 400},
      {"ArrayParams", R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})", -32602, 400},
  };
}

class HostileStdio : public ::testing::TestWithParam<Hostile> {};

TEST_P(HostileStdio, AnswersTheRightErrorAndStaysUp) {
  const TempDir dir;
  auto process = ServerProcess::Launch({}, {{"JIRA_MCP_LOG_LEVEL", "debug"}}, dir.File("log"));
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->Initialize().contains("result"));

  ASSERT_TRUE(process->SendRaw(GetParam().body + "\n"));
  const auto line = process->ReadLine(milliseconds(10000));
  const Json after = process->Request(2, "ping");

  ASSERT_TRUE(line.has_value()) << "no answer\n" << process->Stderr();
  const Json answer = Json::parse(*line, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << *line;
  EXPECT_EQ(answer.value("jsonrpc", ""), "2.0");
  EXPECT_EQ(answer.value("error", Json::object()).value("code", 0), GetParam().code) << *line;
  EXPECT_TRUE(answer.contains("id"));
  EXPECT_TRUE(after.contains("result")) << "the next request was not answered";
  EXPECT_EQ(process->Terminate(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stdio, HostileStdio, ::testing::ValuesIn(HostileMessages()),
                         [](const auto& info) { return info.param.name; });

TEST(HostileStdio, OversizedLineIsRefusedAndTheNextLineServed) {
  const TempDir dir;
  auto process = ServerProcess::Launch({}, {}, dir.File("log"));
  ASSERT_NE(process, nullptr);
  std::string huge = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")";
  huge += std::string(kLimit + 1000, 'a') + "\"}}\n";

  ASSERT_TRUE(process->SendRaw(huge));
  const auto line = process->ReadLine(milliseconds(10000));
  const Json after = process->Request(2, "ping");

  ASSERT_TRUE(line.has_value());
  const Json answer = Json::parse(*line, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << *line;
  EXPECT_EQ(answer.value("error", Json::object()).value("code", 0), -32600) << *line;
  EXPECT_TRUE(answer.value("id", Json(0)).is_null()) << *line;
  EXPECT_TRUE(after.contains("result")) << after.dump();
  EXPECT_EQ(process->Terminate(), 0);
}

TEST(HostileStdio, ManyHostileLinesInARowLeaveOrdinaryRequestsWorking) {
  const TempDir dir;
  auto process = ServerProcess::Launch({}, {}, dir.File("log"));
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(process->Initialize().contains("result"));
  std::string burst;
  const auto messages = HostileMessages();
  for (int round = 0; round < 20; ++round) {
    for (const auto& message : messages) {
      burst += message.body + "\n";
    }
  }

  ASSERT_TRUE(process->SendRaw(burst));
  const Json list = process->Request(3, "tools/list");

  EXPECT_TRUE(list.contains("result")) << list.dump();
  EXPECT_EQ(process->others.size(), 20 * messages.size());
  EXPECT_EQ(process->Terminate(), 0);
}

class HostileHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    process_ = ServerProcess::Launch({"--transport", "http", "--auth", "none", "--port", "0"}, {},
                                     dir_->File("log"))
                   .release();
    ASSERT_NE(process_, nullptr);
    port_ = WaitForListenPort(*process_, milliseconds(20000));
    ASSERT_GT(port_, 0) << process_->Stderr();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(process_->Terminate(SIGTERM), 0);
    delete process_;
    delete dir_;
  }

  static httplib::Result Post(const std::string& body) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(20, 0);
    return client.Post("/mcp", {{"Accept", "application/json, text/event-stream"}}, body,
                       "application/json");
  }

  static void ExpectStillServing() {
    auto ping =
        Post(R"({"jsonrpc":"2.0","id":1,"method":"ping",)"
             R"("params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
    ASSERT_TRUE(ping);
    EXPECT_NE(ping->status, 500);
    auto init = Post(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":)"
                     R"({"protocolVersion":"2025-11-25","capabilities":{}}})");
    ASSERT_TRUE(init);
    EXPECT_EQ(init->status, 200) << init->body;
  }

  static TempDir* dir_;
  static ServerProcess* process_;
  static int port_;
};

TempDir* HostileHttp::dir_ = nullptr;
ServerProcess* HostileHttp::process_ = nullptr;
int HostileHttp::port_ = 0;

TEST_F(HostileHttp, EachHostileBodyGetsItsStatusAndJsonRpcError) {
  for (const auto& hostile : HostileMessages()) {
    auto reply = Post(hostile.body);

    ASSERT_TRUE(reply) << hostile.name;
    EXPECT_EQ(reply->status, hostile.http_status) << hostile.name << ": " << reply->body;
    const Json answer = Json::parse(reply->body, nullptr, false);
    EXPECT_EQ(answer.value("error", Json::object()).value("code", 0), hostile.code)
        << hostile.name << ": " << reply->body;
  }
  ExpectStillServing();
}

TEST_F(HostileHttp, OversizedBodyIs413WithAJsonRpcError) {
  std::string huge = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")";
  huge += std::string(kLimit + 1000, 'a') + "\"}}";

  auto reply = Post(huge);

  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  const Json answer = Json::parse(reply->body, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << reply->body;
  EXPECT_EQ(answer.value("error", Json::object()).value("code", 0), -32600) << reply->body;
  ExpectStillServing();
}

TEST_F(HostileHttp, HugeDeclaredLengthIsRefusedUnread) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  const std::size_t declared = 1U << 30;

  const auto started = Clock::now();
  auto reply = client.Post(
      "/mcp", {{"Accept", "application/json, text/event-stream"}}, declared,
      [](std::size_t, std::size_t, httplib::DataSink& sink) {
        const std::string block(65536, 'x');
        return sink.write(block.data(), block.size());
      },
      "application/json");

  // The server answers at once and closes; a client still sending may see the close instead.
  if (reply) {
    EXPECT_EQ(reply->status, 413);
  }
  EXPECT_LT(SecondsSince(started), 10.0);
  ExpectStillServing();
}

TEST_F(HostileHttp, ChunkedBodyBeyondTheLimitIs413) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  std::size_t sent = 0;
  auto reply = client.Post(
      "/mcp", {{"Accept", "application/json, text/event-stream"}},
      [&sent](std::size_t, httplib::DataSink& sink) {
        const std::string block(65536, ' ');
        if (sent > 3 * kLimit) {
          sink.done();
          return true;
        }
        sent += block.size();
        return sink.write(block.data(), block.size());
      },
      "application/json");

  if (reply) {
    EXPECT_EQ(reply->status, 413) << reply->body;
  }
  ExpectStillServing();
}

}  // namespace
}  // namespace hardening
