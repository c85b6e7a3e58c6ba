#include "app/runtime.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/fakes/temp_dir.h"

namespace app {
namespace {

// Settings whose every upstream is a closed loopback port, so nothing leaves this machine.
Settings LoopbackSettings() {
  Settings settings;
  settings.keycard_zone_url = "http://127.0.0.1:9";
  settings.atlassian_api_url = "http://127.0.0.1:9";
  return settings;
}

TEST(BuildRuntime, ChecksEveryToolsetNameAlsoNextToAll) {
  for (const std::vector<std::string>& toolsets : std::vector<std::vector<std::string>>{
           {"all", "bogus"}, {"bogus", "all"}, {"search", "bogus"}}) {
    Settings settings = LoopbackSettings();
    settings.toolsets = toolsets;

    auto runtime = BuildRuntime(settings);

    ASSERT_FALSE(runtime.ok()) << toolsets.front() << "," << toolsets.back();
    EXPECT_NE(runtime.status().message().find("unknown toolset 'bogus'"), std::string::npos)
        << runtime.status().message();
  }
}

TEST(BuildRuntime, AllAloneOrWithKnownNamesStillStarts) {
  for (const std::vector<std::string>& toolsets :
       std::vector<std::vector<std::string>>{{"all"}, {"links", "all", "default"}}) {
    Settings settings = LoopbackSettings();
    settings.toolsets = toolsets;

    auto runtime = BuildRuntime(settings);

    EXPECT_TRUE(runtime.ok()) << runtime.status().message();
  }
}

// A zone that cannot be reached at start (here a closed port) delays the verifier; the HTTP
// server still starts and answers bearer requests 503 until the zone answers.
TEST(HttpOptions, AZoneThatCannotBeReachedDoesNotStopTheStart) {
  Settings settings = LoopbackSettings();
  settings.transport = "http";
  settings.auth = "keycard";
  settings.public_url = "http://127.0.0.1:8080/mcp";
  auto runtime = BuildRuntime(settings);
  ASSERT_TRUE(runtime.ok()) << runtime.status().message();

  auto options = HttpOptions(settings, **runtime);

  ASSERT_TRUE(options.ok()) << options.status().message();
  ASSERT_NE(options->authenticator, nullptr);
  auto principal = options->authenticator->Authenticate(core::Secret("a.b.c"));
  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().code(), core::Code::kUnavailable);
}

std::size_t LinesIn(const std::string& path) {
  std::ifstream file(path);
  std::size_t lines = 0;
  for (std::string line; std::getline(file, line);) {
    ++lines;
  }
  return lines;
}

// The stdio site cache is keyed by the user behind the subject token, and the token exchange
// needs the token too: one call must still run a failing token command only once.
TEST(BuildRuntime, OneCallRunsAFailingSubjectTokenCommandOnce) {
  const fakes::TempDir dir;
  const std::string runs = dir.File("runs");
  Settings settings = LoopbackSettings();
  settings.subject_token_command = "echo run >> '" + runs + "'; exit 3";
  auto runtime = BuildRuntime(settings);
  ASSERT_TRUE(runtime.ok()) << runtime.status().message();
  const mcp::CallContext local("req-1", core::Principal{});

  auto response = (*runtime)->jira->Call(
      local, tools::JiraRequest{.path = "/rest/api/3/myself", .scopes = {"read:jira-user"}});

  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.status().message().find("subject token command failed"), std::string::npos)
      << response.status().message();
  EXPECT_EQ(LinesIn(runs), 1U);
}

}  // namespace
}  // namespace app
