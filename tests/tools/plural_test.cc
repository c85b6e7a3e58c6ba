// Count phrases in reply texts agree with their number: "1 board", "Moved 1 issue", "2 boards".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/tool_harness.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string Api(const std::string& path) { return std::string(kJira) + "/rest/api/3" + path; }
std::string Agile(const std::string& path) { return std::string(kJira) + "/rest/agile/1.0" + path; }

TEST(Count, TakesTheSingularForOneAndThePluralOtherwise) {
  EXPECT_EQ(Count(1, "board"), "1 board");
  EXPECT_EQ(Count(0, "board"), "0 boards");
  EXPECT_EQ(Count(2, "change set"), "2 change sets");
  EXPECT_EQ(Count(1, "priority", "priorities"), "1 priority");
  EXPECT_EQ(Count(3, "priority", "priorities"), "3 priorities");
}

TEST(CountPhrases, OneItemIsSingularInEveryListingTool) {
  ToolHarness harness;
  const Json one_value = Json::parse(R"({"isLast":true,"total":1,"values":[{"id":1,"name":"B1",
      "type":"scrum","state":"active","key":"A","self":"x"}]})");
  harness.env.http->OnJson("GET", Agile("/board?"), 200, one_value.dump());
  harness.env.http->OnJson("GET", Agile("/board/7/sprint"), 200, one_value.dump());
  harness.env.http->OnJson("GET", Agile("/sprint/3/issue"), 200,
                           R"({"total":1,"issues":[{"id":"1","key":"A-1","fields":{}}]})");
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment"), 200,
                           R"({"total":1,"comments":[{"id":"1","body":"hi"}]})");
  harness.env.http->OnJson("GET", Api("/issue/A-1/worklog"), 200,
                           R"({"total":1,"worklogs":[{"id":"1","timeSpent":"1h"}]})");
  harness.env.http->OnJson("GET", Api("/issue/A-1/changelog"), 200,
                           R"({"isLast":true,"values":[{"id":"1","items":[]}]})");
  harness.env.http->OnJson("GET", Api("/priority"), 200, R"([{"id":"1","name":"High"}])");
  harness.env.http->OnJson("GET", Api("/issueLinkType"), 200,
                           R"({"issueLinkTypes":[{"id":"1","name":"Blocks","inward":"is blocked by",
                               "outward":"blocks"}]})");
  harness.env.http->OnJson("GET", Api("/issue/A-1?fields=attachment"), 200,
                           R"({"fields":{"attachment":[{"id":"9","filename":"a.txt",
                               "mimeType":"text/plain","size":1}]}})");
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":1})");
  harness.env.http->OnJson("GET", Api("/user/search"), 200,
                           R"([{"accountId":"5b10ac8d82e05b22cc7d4ef5","displayName":"Ann"}])");

  const std::vector<std::pair<std::pair<std::string, Json>, std::string>> cases = {
      {{"list_boards", Json::object()}, "1 board"},
      {{"list_sprints", {{"board_id", 7}}}, "1 sprint"},
      {{"sprint_issues", {{"sprint_id", 3}}}, "1 sprint issue"},
      {{"list_comments", {{"issue_key", "A-1"}}}, "1 comment"},
      {{"list_worklogs", {{"issue_key", "A-1"}}}, "1 worklog"},
      {{"get_changelog", {{"issue_key", "A-1"}}}, "1 change set"},
      {{"list_priorities", Json::object()}, "1 priority"},
      {{"list_link_types", Json::object()}, "1 link type"},
      {{"list_attachments", {{"issue_key", "A-1"}}},
       "1 attachment\n9 · a.txt · text/plain · 1 byte"},
      {{"count_issues", {{"jql", "project = A"}}}, "About 1 issue (approximate)"},
      {{"find_users", {{"query", "Ann"}}}, "1 user"},
      {{"list_sites", Json::object()}, "1 accessible Jira site"},
  };
  for (const auto& [call, phrase] : cases) {
    const auto result = harness.Call(call.first, call.second);

    ASSERT_FALSE(result.is_error) << call.first << ": " << ToolHarness::TextOf(result);
    EXPECT_THAT(ToolHarness::TextOf(result), StartsWith(phrase)) << call.first;
    EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr(phrase + "s"))) << call.first;
  }
}

TEST(CountPhrases, ManyItemsArePlural) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Agile("/board?"), 200, R"({"isLast":true,"values":[
      {"id":1,"name":"B1","type":"scrum"},{"id":2,"name":"B2","type":"kanban"}]})");

  const auto result = harness.Call("list_boards", Json::object());

  EXPECT_THAT(ToolHarness::TextOf(result), StartsWith("2 boards"));
}

}  // namespace
}  // namespace tools
