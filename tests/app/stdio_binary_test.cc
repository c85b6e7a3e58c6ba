// The real jira-mcp binary over stdio, driven by mcp::StdioClient.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mcp/stdio_client.h"
#include "tests/fakes/temp_dir.h"

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

// Runs the binary with `arguments` (shell words), stdin closed; returns its exit code and stderr.
std::pair<int, std::string> RunBinary(const std::string& arguments) {
  const fakes::TempDir dir;
  const std::string err_path = dir.File("stderr.txt");
  const std::string command = std::string("'") + JIRA_MCP_BINARY + "' " + arguments +
                              " < /dev/null > /dev/null 2> '" + err_path + "'";
  const int status = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe)
  std::stringstream err;
  err << std::ifstream(err_path).rdbuf();
  return {WEXITSTATUS(status), err.str()};
}

// F12: an HTTP server that cannot start says so on stderr in one line, even with logging off,
// and exits with the code every other start failure uses.
TEST(StdioBinary, HttpStartFailureIsOneStderrLineAtAnyLogLevel) {
  const int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(taken, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  ASSERT_EQ(::getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));

  const auto [code, err] = RunBinary("--transport http --auth none --host 127.0.0.1 --port " +
                                     port + " --log-level off");
  const auto [bad_option_code, bad_option_err] = RunBinary("--log-level off --bogus");
  ::close(taken);

  EXPECT_EQ(code, 2);
  EXPECT_EQ(err.rfind("jira-mcp: ", 0), 0U) << err;
  EXPECT_NE(err.find(port), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(bad_option_code, code);
  EXPECT_EQ(bad_option_err.rfind("jira-mcp: ", 0), 0U) << bad_option_err;
}

// The demo subcommand refuses what it does not know, like the main command, before starting
// anything. These run the real binary, not RunDemo in this process: a demo that went ahead
// would launch its own executable as the MCP server, which for a test binary means the tests.
TEST(StdioBinary, DemoRefusesUnknownArgumentsWithExitTwo) {
  const auto [code, err] = RunBinary("demo --bogus");

  EXPECT_EQ(code, 2) << err;
  EXPECT_EQ(err.rfind("jira-mcp: ", 0), 0U) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(StdioBinary, DemoHelpPrintsTheUsageAndStartsNothing) {
  const auto [code, err] = RunBinary("demo --bogus --help");

  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(err, "");
}

// F13: --help wins over settings that could not start, and exits 0.
TEST(StdioBinary, HelpAnywhereExitsZero) {
  const auto [code, err] = RunBinary("--transport http --help");

  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(err, "");
}

}  // namespace
