#include "app/demo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace app {
namespace {

// Runs the demo subcommand with `args` after "demo"; returns its exit code.
int Demo(std::vector<std::string> args) {
  args.insert(args.begin(), "demo");
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  return RunDemo(static_cast<int>(argv.size()), argv.data());
}

TEST(RunDemo, RefusesAnUnknownArgumentWithOneLineAndExitTwo) {
  testing::internal::CaptureStderr();

  const int code = Demo({"--bogus"});

  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2);
  EXPECT_EQ(err.rfind("jira-mcp: ", 0), 0U) << err;
  EXPECT_NE(err.find("--bogus"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(RunDemo, RefusesAWordThatIsNoOption) {
  testing::internal::CaptureStderr();

  const int code = Demo({"now"});

  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("'now'"), std::string::npos) << err;
}

TEST(RunDemo, HelpPrintsTheUsageAndStartsNothing) {
  testing::internal::CaptureStdout();

  const int code = Demo({"--bogus", "--help"});

  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.rfind("Usage: jira-mcp demo", 0), 0U) << out;
}

}  // namespace
}  // namespace app
