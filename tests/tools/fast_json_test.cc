#include "tools/fast_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tools {
namespace {

using Json = nlohmann::json;

// Same value, same types: nlohmann's == counts 1 and 1u and 1.0 as equal, a dump does not.
void ExpectSameAsNlohmann(const std::string& text, const std::vector<std::string>* keep = nullptr) {
  const Json fast = ParseJsonFast(text, keep);
  const Json slow = ParseJsonSlow(text, keep);
  EXPECT_EQ(fast.is_discarded(), slow.is_discarded()) << text;
  if (!fast.is_discarded() && !slow.is_discarded()) {
    EXPECT_EQ(fast.dump(), slow.dump()) << text;
    EXPECT_EQ(fast, slow) << text;
  }
}

TEST(ParseJsonFast, ReadsEveryKindOfValueAsNlohmannDoes) {
  for (const std::string text : {
           R"({"a":1,"b":-2,"c":1.5,"d":1e3,"e":"x\u00e9\ud83d\ude00","f":[true,false,null],
               "g":{},"h":[],"i":18446744073709551615,"j":-9223372036854775808,"k":0,"l":-0,
               "m":"\"\\\/\b\f\n\r\t"})",
           "[1,[2,[3,[4]]]]",
           R"("top-level string")",
           "42",
           "-0.0",
           "null",
           R"({"dup":1,"dup":2})",
           "  {\"spaces\" : [ 1 , 2 ] }  ",
       }) {
    ExpectSameAsNlohmann(text);
  }
}

// What simdjson does not read goes to nlohmann's parser: the result is still nlohmann's.
TEST(ParseJsonFast, WhatSimdjsonRefusesIsReadByNlohmann) {
  for (const std::string text : {
           "123456789012345678901234567890",      // past 64 bits: a double in nlohmann
           R"({"n":-123456789012345678901234})",  // likewise, negative
           R"({"s":"\ud800"})",                   // a lone surrogate: refused by both
           "{\"s\":\"\xff\"}",                    // invalid UTF-8
           "{\"a\":1",                            // cut off
           "",
           "{} {}",
           "[1,]",
       }) {
    ExpectSameAsNlohmann(text);
  }
}

TEST(ParseJsonFast, KeepsOnlyTheAskedFieldsOfEachIssue) {
  const std::vector<std::string> keep = {"summary", "status"};
  const std::string text = R"({"issues":[
      {"id":"1","key":"A-1","fields":{"summary":"s","status":{"name":"Open"},"big":[1,2,3]}},
      {"id":"2","key":"A-2","fields":{"other":{"summary":"not this one"}}},
      {"id":"3","fields":[1,2]}, 7, null],
      "fields":{"summary":"a top-level fields is kept whole","x":1},
      "nextPageToken":"t","isLast":false})";

  const Json parsed = ParseJsonFast(text, &keep);

  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["issues"][0]["fields"],
            (Json{{"summary", "s"}, {"status", {{"name", "Open"}}}}));
  EXPECT_EQ(parsed["issues"][1]["fields"], Json::object());
  EXPECT_EQ(parsed["fields"]["x"], 1);
  ExpectSameAsNlohmann(text, &keep);
  ExpectSameAsNlohmann(R"({"issues":{"fields":{"x":1}}})", &keep);
  ExpectSameAsNlohmann(R"([{"issues":[{"fields":{"x":1}}]}])", &keep);
  ExpectSameAsNlohmann(R"({"issues":[{"fields":{"x":1,"summary":2}}],"issues":[]})", &keep);
}

// An answer past the size a thread's parser keeps buffers for is read the same way.
TEST(ParseJsonFast, ReadsALargeAnswer) {
  std::string text = R"({"issues":[)";
  for (int i = 0; i < 3000; ++i) {
    text += (i > 0 ? "," : "") + std::string(R"({"id":")") + std::to_string(i) +
            R"(","fields":{"summary":"issue )" + std::to_string(i) + R"(","drop":[1,2,3]}})";
  }
  text += "]}";
  const std::vector<std::string> keep = {"summary"};
  ASSERT_GT(text.size(), 64U * 1024U);

  const Json parsed = ParseJsonFast(text, &keep);

  ASSERT_EQ(parsed["issues"].size(), 3000U);
  EXPECT_EQ(parsed["issues"][2999]["fields"], (Json{{"summary", "issue 2999"}}));
  ExpectSameAsNlohmann(text, &keep);
}

}  // namespace
}  // namespace tools
