// The real jira-mcp binary over stdio, driven by mcp::StdioClient.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mcp/stdio_client.h"

namespace {

using mcp::Json;

mcp::StdioClient::Options Binary(std::map<std::string, std::string> env = {}) {
  return {.argv = {JIRA_MCP_BINARY}, .env = std::move(env), .inherit_stderr = false};
}

TEST(StdioBinary, InitializeAndListTools) {
  auto client = mcp::StdioClient::Launch(Binary());
  ASSERT_TRUE(client.ok()) << client.status().message();

  auto init = (*client)->Initialize();
  auto list = (*client)->Request("tools/list", Json::object());

  ASSERT_TRUE(init.ok()) << init.status().message();
  EXPECT_EQ((*init)["protocolVersion"], "2025-11-25");
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_TRUE((*list)["tools"].is_array());
  EXPECT_EQ((*client)->Close(), 0);
}

// C11: a .env file and a verbose log level in the working folder leave stdout pure protocol.
TEST(StdioBinary, StdoutCarriesOnlyJsonRpcAtTraceLevel) {
  char dir_template[] = "/tmp/jira-mcp-c11-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::filesystem::path dir(dir_template);
  std::ofstream(dir / ".env") << "JIRA_MCP_LOG_LEVEL=trace\nKEYCARD_SUBJECT_TOKEN=from-dotenv\n";
  const std::string out_path = (dir / "stdout.txt").string();
  const std::string command =
      std::string("cd '") + dir.string() + "' && printf '%s\\n' " +
      "'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
      "\"2025-11-25\"}}' '{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}' "
      "'{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}' "
      "'{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"}' | JIRA_MCP_LOG_LEVEL=trace '" +
      JIRA_MCP_BINARY + "' > '" + out_path + "' 2>/dev/null";

  ASSERT_EQ(std::system(command.c_str()), 0);  // NOLINT(concurrency-mt-unsafe): single thread

  std::ifstream out(out_path);
  int lines = 0;
  for (std::string line; std::getline(out, line); ++lines) {
    const Json message = Json::parse(line, nullptr, false);
    ASSERT_FALSE(message.is_discarded()) << line;
    EXPECT_EQ(message["jsonrpc"], "2.0");
    EXPECT_TRUE(message.contains("id"));
  }
  EXPECT_EQ(lines, 3);
  std::filesystem::remove_all(dir);
}

TEST(StdioBinary, HelpAndVersionExitZeroAndBadOptionExitsTwo) {
  const std::string binary = JIRA_MCP_BINARY;

  EXPECT_EQ(std::system((binary + " --help > /dev/null").c_str()), 0);                 // NOLINT
  EXPECT_EQ(std::system((binary + " --version > /dev/null").c_str()), 0);              // NOLINT
  EXPECT_EQ(WEXITSTATUS(std::system((binary + " --bogus 2> /dev/null").c_str())), 2);  // NOLINT
}

}  // namespace
