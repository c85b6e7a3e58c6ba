// Legacy server-to-client requests over stdio: the request goes out as a line with a server id,
// the client's answer line comes back, and the handler continues.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "mcp/stdio_transport.h"

namespace mcp {
namespace {

std::shared_ptr<ToolRegistry> AskingRegistry() {
  auto tools = std::make_shared<ToolRegistry>();
  ToolDefinition tool;
  tool.name = "ask";
  tool.description = "Asks the client for its roots.";
  tool.input_schema = {{"type", "object"}, {"properties", Json::object()}};
  tool.handler = [](const Json&, const CallContext& context) {
    context.Log(LogLevel::kInfo, "asking");
    auto roots = context.RequestFromClient("roots", kMethodListRoots, Json::object());
    if (!roots.ok()) {
      return ToolResult::FromStatus(roots.status());
    }
    ToolResult result;
    result.content = Json::array({{{"type", "text"}, {"text", roots.value()["roots"].dump()}}});
    return result;
  };
  EXPECT_TRUE(tools->Add(std::move(tool)).ok());
  return tools;
}

class StdioPipes {
 public:
  StdioPipes() {
    EXPECT_EQ(::pipe(to_server_), 0);
    EXPECT_EQ(::pipe(from_server_), 0);
    transport_ = std::make_unique<StdioTransport>(
        server_, StdioTransport::Options{.input_fd = to_server_[0], .output_fd = from_server_[1]});
    thread_ = std::thread([this] { transport_->Run(); });
  }

  ~StdioPipes() {
    CloseInput();
    thread_.join();
    transport_.reset();
    for (const int fd : {to_server_[0], from_server_[0], from_server_[1]}) {
      ::close(fd);
    }
  }

  void Send(const Json& message) {
    const std::string line = message.dump() + "\n";
    ASSERT_EQ(::write(to_server_[1], line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }

  void CloseInput() {
    if (to_server_[1] >= 0) {
      ::close(to_server_[1]);
      to_server_[1] = -1;
    }
  }

  // The next output message, or null after 5 s of silence.
  Json Read() {
    while (true) {
      if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
        Json message = Json::parse(buffer_.substr(0, newline));
        buffer_.erase(0, newline + 1);
        return message;
      }
      pollfd fd{from_server_[0], POLLIN, 0};
      if (::poll(&fd, 1, 5000) <= 0) {
        return nullptr;
      }
      char chunk[4096];
      const ssize_t got = ::read(from_server_[0], chunk, sizeof(chunk));
      if (got <= 0) {
        return nullptr;
      }
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

  void Initialize(Json capabilities) {
    Send({{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "initialize"},
          {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", capabilities}}}});
    Read();
  }

 private:
  Server server_{ServerInfo{.name = "t", .version = "1"}, AskingRegistry()};
  int to_server_[2] = {-1, -1};
  int from_server_[2] = {-1, -1};
  std::unique_ptr<StdioTransport> transport_;
  std::thread thread_;
  std::string buffer_;
};

Json CallAsk(int id) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", "ask"}}}};
}

TEST(StdioClientRequests, RequestGoesOutAndTheAnswerComesBackToTheHandler) {
  StdioPipes pipes;
  pipes.Initialize({{"roots", Json::object()}});
  pipes.Send(CallAsk(2));

  const Json log = pipes.Read();
  const Json request = pipes.Read();
  pipes.Send({{"jsonrpc", "2.0"},
              {"id", request["id"]},
              {"result", {{"roots", Json::array({{{"uri", "file:///w"}}})}}}});
  const Json answer = pipes.Read();

  EXPECT_EQ(log["method"], "notifications/message");
  EXPECT_EQ(request["method"], "roots/list");
  EXPECT_TRUE(request["id"].is_string());
  EXPECT_EQ(answer["id"], 2);
  EXPECT_EQ(answer["result"]["isError"], false);
  EXPECT_NE(answer["result"]["content"][0]["text"].get<std::string>().find("file:///w"),
            std::string::npos);
}

TEST(StdioClientRequests, ClientErrorAnswerBecomesToolError) {
  StdioPipes pipes;
  pipes.Initialize({{"roots", Json::object()}});
  pipes.Send(CallAsk(2));
  pipes.Read();  // the log message

  const Json request = pipes.Read();
  pipes.Send({{"jsonrpc", "2.0"},
              {"id", request["id"]},
              {"error", {{"code", -32601}, {"message", "no roots here"}}}});
  const Json answer = pipes.Read();

  EXPECT_EQ(answer["result"]["isError"], true);
  EXPECT_NE(answer["result"]["content"][0]["text"].get<std::string>().find("no roots here"),
            std::string::npos);
}

TEST(StdioClientRequests, UndeclaredCapabilityIsNeverAsked) {
  StdioPipes pipes;
  pipes.Initialize(Json::object());
  pipes.Send(CallAsk(2));

  pipes.Read();  // the log message
  const Json answer = pipes.Read();

  EXPECT_EQ(answer["id"], 2);
  EXPECT_EQ(answer["result"]["isError"], true);
}

TEST(StdioClientRequests, EndOfInputReleasesAWaitingHandler) {
  StdioPipes pipes;
  pipes.Initialize({{"roots", Json::object()}});
  pipes.Send(CallAsk(2));
  pipes.Read();  // the log message
  pipes.Read();  // the roots/list request, never answered

  pipes.CloseInput();
  const Json answer = pipes.Read();

  EXPECT_EQ(answer["id"], 2);
  EXPECT_EQ(answer["result"]["isError"], true);
}

}  // namespace
}  // namespace mcp
