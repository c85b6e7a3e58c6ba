#include "tools/json_escapes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tools {
namespace {

TEST(ReplaceLoneSurrogates, ReplacesALoneHighSurrogate) {
  const std::string json = R"({"summary":"cut emoji \ud83d here"})";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_EQ(repaired.value_or("(nothing replaced)"), R"({"summary":"cut emoji \uFFFD here"})");
}

TEST(ReplaceLoneSurrogates, ReplacesALoneHighSurrogateAtTheEndOfAString) {
  const std::string json = R"({"a":"x\uD83D","b":"\ud83d"})";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_EQ(repaired.value_or("(nothing replaced)"), R"({"a":"x\uFFFD","b":"\uFFFD"})");
}

TEST(ReplaceLoneSurrogates, ReplacesALoneLowSurrogate) {
  const std::string json = R"(["\ude00 tail","\udfff"])";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_EQ(repaired.value_or("(nothing replaced)"), R"(["\uFFFD tail","\uFFFD"])");
}

TEST(ReplaceLoneSurrogates, ReplacesAHighSurrogateFollowedByAnotherHighOne) {
  const std::string json = R"(["\ud83d\ud83d\ude00"])";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_EQ(repaired.value_or("(nothing replaced)"), R"(["\uFFFD\ud83d\ude00"])");
}

TEST(ReplaceLoneSurrogates, LeavesPairedSurrogatesAlone) {
  const std::string json = R"({"emoji":"\ud83d\ude00 and \uD83D\uDE00"})";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_FALSE(repaired.has_value());
}

TEST(ReplaceLoneSurrogates, LeavesEscapedBackslashesAlone) {
  const std::string json = R"({"path":"C:\\ud83d\\udc00 \\\\ud83d"})";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_FALSE(repaired.has_value());
}

TEST(ReplaceLoneSurrogates, ReplacesAnEscapeThatFollowsAnEscapedBackslash) {
  const std::string json = R"(["\\\ud83d"])";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_EQ(repaired.value_or("(nothing replaced)"), R"(["\\\uFFFD"])");
}

TEST(ReplaceLoneSurrogates, LeavesOtherEscapesAndShortEscapesAlone) {
  const std::string json = R"(["\u0041\"\n\t\u00e9", "\ud8", "\)";

  const auto repaired = ReplaceLoneSurrogates(json);

  EXPECT_FALSE(repaired.has_value());
}

TEST(ReplaceLoneSurrogates, ItsOutputParses) {
  const std::string json = R"({"a":"\ud83d","b":"\udc00x","c":"\ud83d\ude00"})";
  ASSERT_TRUE(nlohmann::json::parse(json, nullptr, false).is_discarded());

  const auto repaired = ReplaceLoneSurrogates(json);

  ASSERT_TRUE(repaired.has_value());
  const auto parsed = nlohmann::json::parse(repaired.value_or(""), nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["a"], "\xEF\xBF\xBD");
  EXPECT_EQ(parsed["b"], "\xEF\xBF\xBDx");
  EXPECT_EQ(parsed["c"], "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace tools
