// F7: no argument can leave the intended URL path. Every path segment goes through Encode,
// identifier arguments that are blank, "." or "..", or not shaped like the key or id they name
// (issue keys PROJ-123, project keys PROJ, numeric ids; none with '/', '?', '#' or whitespace),
// are refused, and the client refuses any path with an empty or dot segment before anything is
// sent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/tool_harness.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

using ::testing::HasSubstr;

TEST(Encode, EncodesDotSegmentsSoTheyCannotActAsOne) {
  EXPECT_EQ(Encode(".."), "%2E%2E");
  EXPECT_EQ(Encode("."), "%2E");
}

TEST(Encode, EncodesSlashQuestionMarkAndPercent) {
  EXPECT_EQ(Encode("a/b"), "a%2Fb");
  EXPECT_EQ(Encode("?x"), "%3Fx");
  EXPECT_EQ(Encode("%2e"), "%252e");
  EXPECT_EQ(Encode("../x"), "..%2Fx");
}

TEST(Encode, KeepsOrdinaryKeysAndDotsInsideAValue) {
  EXPECT_EQ(Encode("PROJ-12"), "PROJ-12");
  EXPECT_EQ(Encode("a.b"), "a.b");
  EXPECT_EQ(Encode("..."), "...");
}

// Calls `tool` with `arguments` and expects a tool error containing `message` and no request to
// the Jira site.
void ExpectRefused(const std::string& tool, const Json& arguments, const std::string& message) {
  ToolHarness harness;

  const auto result = harness.Call(tool, arguments);

  EXPECT_TRUE(result.is_error) << tool << " " << arguments.dump();
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr(message)) << tool << " " << arguments.dump();
  EXPECT_TRUE(harness.env.http->RequestsTo("/ex/jira/").empty()) << tool << " " << arguments.dump();
}

TEST(IdentifierArguments, DotDotIssueKeyIsRefusedBeforeAnyRequest) {
  ExpectRefused("delete_comment", {{"issue_key", ".."}, {"comment_id", "9"}},
                "`issue_key` is '..', which is not a Jira key or id");
  ExpectRefused("get_issue", {{"issue_key", ".."}}, "`issue_key` is '..'");
  ExpectRefused("get_issue", {{"issue_key", "."}}, "`issue_key` is '.'");
}

TEST(IdentifierArguments, DotIdsAreRefusedBeforeAnyRequest) {
  ExpectRefused("delete_comment", {{"issue_key", "A-1"}, {"comment_id", ".."}},
                "`comment_id` is '..'");
  ExpectRefused("download_attachment", {{"attachment_id", "."}}, "`attachment_id` is '.'");
  ExpectRefused("remove_link", {{"link_id", ".."}}, "`link_id` is '..'");
  ExpectRefused("get_project", {{"project_key", ".."}}, "`project_key` is '..'");
  ExpectRefused("link_issues", {{"from_key", ".."}, {"to_key", "A-2"}, {"link_type", "blocks"}},
                "`from_key` is '..'");
}

TEST(IdentifierArguments, BlankKeysAndIdsAreRefusedWithAClearError) {
  ExpectRefused("get_issue", {{"issue_key", "   "}}, "`issue_key` is empty");
  ExpectRefused("delete_comment", {{"issue_key", "A-1"}, {"comment_id", " \t"}},
                "`comment_id` is empty");
}

TEST(IdentifierArguments, IssueKeysWithPathOrQueryCharactersAreRefusedWithTheirShape) {
  for (const std::string key : {"../x?y", "A-1/comment", "A-1?fields=x", "A-1#x", "A 1", "A-1\n",
                                "\tA-1", "A-", "-1", "A1", "A-1x"}) {
    ExpectRefused("get_issue", {{"issue_key", key}},
                  "An issue key looks like PROJ-123 (a project key, '-', a number); an issue id "
                  "is a number like 10042.");
  }
  ExpectRefused("get_issue", {{"issue_key", "A/1"}}, "`issue_key` is \"A/1\", which is not");
  ExpectRefused("link_issues", {{"from_key", "A-1"}, {"to_key", "B 2"}, {"link_type", "blocks"}},
                "`to_key` is \"B 2\"");
  ExpectRefused("set_parent", {{"issue_key", "A-2"}, {"parent_key", "A-1?"}}, "`parent_key`");
}

TEST(IdentifierArguments, EveryIssueKeyOfAListIsChecked) {
  ExpectRefused("move_issues", {{"issue_keys", {"A-1", "A-2) OR project = B"}}},
                "`issue_keys[1]` is \"A-2) OR project = B\"");
}

TEST(IdentifierArguments, ProjectKeysAndNumericIdsHaveTheirShapes) {
  ExpectRefused("get_project", {{"project_key", "A/B"}}, "A project key looks like PROJ");
  ExpectRefused("list_boards", {{"project_key", "A B"}}, "`project_key` is \"A B\"");
  ExpectRefused("delete_comment", {{"issue_key", "A-1"}, {"comment_id", "a/b"}},
                "`comment_id` is \"a/b\", which is not a Jira key or id. This id is a number");
  ExpectRefused("download_attachment", {{"attachment_id", "9?x"}}, "`attachment_id`");
  ExpectRefused("remove_link", {{"link_id", "1 2"}}, "`link_id`");
}

TEST(IdentifierArguments, LongOrOddValuesAreShownShortAndEscaped) {
  ExpectRefused("get_issue", {{"issue_key", std::string(100, 'A') + "/"}},
                "`issue_key` is \"" + std::string(60, 'A') + "…\"");
  ExpectRefused("get_issue", {{"issue_key", "A-1\n"}}, "`issue_key` is \"A-1\\n\"");
}

TEST(IdentifierArguments, WellFormedKeysAndIdsReachJira) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/issue/", 200,
                           R"({"id":"1","key":"A-1","fields":{}})");
  harness.env.http->OnJson("DELETE", std::string(kJira) + "/rest/api/3/issue/", 204, "");
  harness.env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/project/", 200,
                           R"({"id":"1","key":"A","name":"Alpha"})");

  for (const std::string key : {"A-1", "PROJ_2-15", "abc-7", "10042"}) {
    const auto result = harness.Call("get_issue", {{"issue_key", key}, {"fields", {"summary"}}});
    EXPECT_FALSE(result.is_error) << key << ": " << ToolHarness::TextOf(result);
  }
  for (const std::string project : {"A", "MOB2", "A_B", "10000"}) {
    const auto result = harness.Call("get_project", {{"project_key", project}});
    EXPECT_FALSE(result.is_error) << project << ": " << ToolHarness::TextOf(result);
  }
  const auto deleted =
      harness.Call("delete_comment", {{"issue_key", "A-1"}, {"comment_id", "10100"}});
  EXPECT_FALSE(deleted.is_error) << ToolHarness::TextOf(deleted);
  EXPECT_EQ(harness.env.http->RequestsTo("/ex/jira/").size(), 9U);
}

// An empty parent_key is refused, not read as "clear the parent": an agent that lost a value
// on the way would remove the parent without meaning to. Leaving it out clears it.
TEST(IdentifierArguments, AnEmptyParentKeyIsRefused) {
  ToolHarness harness;

  const auto result = harness.Call("set_parent", {{"issue_key", "A-2"}, {"parent_key", ""}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("parent_key"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/ex/jira/").empty());
}

TEST(JiraClient, RefusesAPathWithAnEmptyOrDotSegment) {
  JiraEnv env;
  env.OneSite();

  for (const std::string path :
       {"/rest/api/3/issue/../comment/x", "/rest/api/3/issue/./comment", "/rest/api/3/issue/%2E%2E",
        "/rest/api/3/issue/.%2e/comment", "/rest/api/3/issue//comment", "/rest/api/3/issue/",
        "/rest/api/3/issue/%2e?fields=summary"}) {
    auto response =
        env.client->Call(Context(), {.method = "GET", .path = path, .scopes = {"read:jira-work"}});

    ASSERT_FALSE(response.ok()) << path;
    EXPECT_EQ(response.status().code(), core::Code::kInvalidArgument) << path;
  }
  EXPECT_TRUE(env.http->requests().empty());
}

}  // namespace
}  // namespace tools
