#include "app/runtime.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace app
