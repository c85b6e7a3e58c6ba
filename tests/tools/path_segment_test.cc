// F7: no argument can leave the intended URL path. Every path segment goes through Encode,
// identifier arguments that are blank, "." or ".." are refused, and the client refuses any path
// with an empty or dot segment before anything is sent.
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
  ExpectRefused("delete_comment", {{"issue_key", ".."}, {"comment_id", "x"}},
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

TEST(IdentifierArguments, SlashesAndQueryCharactersStayInsideTheirSegment) {
  ToolHarness harness;
  harness.env.http->OnJson("DELETE", std::string(kJira) + "/rest/api/3/issue/", 204, "");

  const auto result =
      harness.Call("delete_comment", {{"issue_key", "../x?y"}, {"comment_id", "a/b"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto requests = harness.env.http->RequestsTo("/ex/jira/");
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, std::string(kJira) + "/rest/api/3/issue/..%2Fx%3Fy/comment/a%2Fb");
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
