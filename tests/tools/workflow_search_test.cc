#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/gfm_render.h"
#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Api(const std::string& path) { return std::string(kJira) + "/rest/api/3" + path; }

constexpr char kTransitions[] = R"({"transitions":[
    {"id":"11","name":"Start","to":{"name":"In Progress"},"fields":{}},
    {"id":"31","name":"Resolve","to":{"name":"Done"},
     "fields":{"resolution":{"name":"Resolution","required":true}}}]})";

// C8
TEST(TransitionIssue, SendsOnePostWithTheTransitionIdAndFields) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/A-1/transitions"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1?fields=status"), 200,
                           R"({"fields":{"status":{"name":"Done"}}})");

  const auto result =
      harness.Call("transition_issue", {{"issue_key", "A-1"},
                                        {"transition", "31"},
                                        {"fields", {{"resolution", {{"name", "Done"}}}}},
                                        {"comment", "Fixed in **1.2**"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto posts = harness.env.http->RequestsTo("/transitions");
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(posts[0].method, "POST");
  const Json body = Json::parse(posts[0].body);
  EXPECT_EQ(body["transition"], (Json{{"id", "31"}}));
  EXPECT_EQ(body["fields"], (Json{{"resolution", {{"name", "Done"}}}}));
  EXPECT_EQ(body["update"]["comment"][0]["add"]["body"]["type"], "doc");
  EXPECT_EQ(ToolHarness::Structured(result)["status"], "Done");
}

// The `comment` argument is added after the comment operations given in `update`, never in their
// place; rich text in raw `fields` and `update` is markdown, as in update_issue.
TEST(TransitionIssue, KeepsUpdateCommentsAndConvertsRawRichText) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/A-1/transitions"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1?fields=status"), 200,
                           R"({"fields":{"status":{"name":"Done"}}})");

  const auto result =
      harness.Call("transition_issue",
                   {{"issue_key", "A-1"},
                    {"transition", "31"},
                    {"fields", {{"resolution", {{"name", "Done"}}}, {"environment", "iOS **17**"}}},
                    {"update", {{"comment", {{{"add", {{"body", "first"}}}}}}}},
                    {"comment", "second"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json body = Json::parse(harness.env.http->RequestsTo("/transitions").front().body);
  ASSERT_EQ(body["update"]["comment"].size(), 2U);
  EXPECT_EQ(body["update"]["comment"][0]["add"]["body"]["content"][0]["content"][0]["text"],
            "first");
  EXPECT_EQ(body["update"]["comment"][1]["add"]["body"]["content"][0]["content"][0]["text"],
            "second");
  EXPECT_EQ(body["fields"]["environment"]["type"], "doc");
  EXPECT_EQ(body["fields"]["resolution"], (Json{{"name", "Done"}}));
}

TEST(TransitionIssue, ExplainsAFieldTheScreenDoesNotTake) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/issue/A-1/transitions"), 400,
      R"({"errorMessages":[],"errors":{"resolution":"Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."}})");

  const auto result =
      harness.Call("transition_issue", {{"issue_key", "A-1"},
                                        {"transition", "11"},
                                        {"fields", {{"resolution", {{"name", "Done"}}}}}});

  EXPECT_TRUE(result.is_error);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("cannot be set. It is not on the appropriate screen"));
  EXPECT_THAT(text, HasSubstr("list_transitions shows the fields it accepts"));
  EXPECT_EQ(harness.env.http->RequestsTo("/transitions").size(), 1U);
}

// A transition id the issue does not have now points to list_transitions.
TEST(TransitionIssue, AnIdNotAvailableNowPointsToListTransitions) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/issue/A-1/transitions"), 400,
      R"({"errorMessages":["Transition id '41' is not valid for this issue."],"errors":{}})");

  const auto result =
      harness.Call("transition_issue", {{"issue_key", "A-1"}, {"transition", "41"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result),
              HasSubstr("list_transitions shows the transitions this issue has now"));
}

// A screen without a comment field points to add_comment, not to update_issue.
TEST(TransitionIssue, ACommentTheScreenDoesNotTakeGoesToAddComment) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/issue/A-1/transitions"), 400,
      R"({"errorMessages":[],"errors":{"comment":"Field 'comment' cannot be set. It is not on the appropriate screen, or unknown."}})");

  const auto result = harness.Call(
      "transition_issue", {{"issue_key", "A-1"}, {"transition", "11"}, {"comment", "moving"}});

  EXPECT_TRUE(result.is_error);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("add it with add_comment before or after the transition"));
  EXPECT_THAT(text, Not(HasSubstr("update_issue")));
}

TEST(TransitionIssue, LooksUpANameFirstAndListsTheChoicesWhenItIsUnknown) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/transitions"), 200, kTransitions);
  harness.env.http->OnJson("POST", Api("/issue/A-1/transitions"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1?fields=status"), 200,
                           R"({"fields":{"status":{"name":"In Progress"}}})");

  const auto by_status =
      harness.Call("transition_issue", {{"issue_key", "A-1"}, {"transition", "in progress"}});
  const auto unknown =
      harness.Call("transition_issue", {{"issue_key", "A-1"}, {"transition", "Reopen"}});

  ASSERT_FALSE(by_status.is_error) << ToolHarness::TextOf(by_status);
  EXPECT_EQ(ToolHarness::Structured(by_status)["transition_id"], "11");
  EXPECT_TRUE(unknown.is_error);
  EXPECT_THAT(ToolHarness::TextOf(unknown), HasSubstr("31 · Resolve → Done (requires resolution)"));
  const auto posts = harness.env.http->RequestsTo("/transitions");
  EXPECT_EQ(std::count_if(posts.begin(), posts.end(),
                          [](const core::HttpRequest& r) { return r.method == "POST"; }),
            1);
}

TEST(ListTransitions, ShowsTheRequiredFieldsOfEachTransition) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/transitions"), 200, kTransitions);

  const auto result = harness.Call("list_transitions", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(harness.env.http->RequestsTo("/transitions").front().url,
            Api("/issue/A-1/transitions?expand=transitions.fields"));
  const Json transition = ToolHarness::Structured(result)["transitions"][1];
  EXPECT_EQ(transition["fields"][0],
            (Json{{"id", "resolution"}, {"name", "Resolution"}, {"mandatory", true}}));
}

// C15
TEST(SearchIssues, AnEmptyAnswerToBadJqlIsReportedAsTheJqlError) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/jql"), 200, R"({"issues":[],"isLast":true})");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 200, R"({"queries":[{"query":"cf[99999] = 1",
      "errors":["Field 'cf[99999]' does not exist or you do not have permission to view it."]}]})");

  const auto result = harness.Call("search_issues", {{"jql", "cf[99999] = 1"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Field 'cf[99999]' does not exist"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("view it. Fix it"));  // F20: no ".."
  ASSERT_EQ(harness.env.http->RequestsTo("/jql/parse").size(), 1U);
  const auto parse = harness.env.http->RequestsTo("/jql/parse").front();
  EXPECT_EQ(parse.url, Api("/jql/parse?validation=strict"));
  EXPECT_EQ(Json::parse(parse.body), (Json{{"queries", {"cf[99999] = 1"}}}));
}

TEST(SearchIssues, AnEmptyAnswerToValidJqlSaysNoIssues) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/jql"), 200, R"({"issues":[],"isLast":true})");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 200,
                           R"({"queries":[{"query":"project = A","errors":[]}]})");

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("No issues match"));
}

// C15: when the JQL cannot be checked after an empty answer, the reply says so instead of
// passing the empty answer off as "no issues match".
TEST(SearchIssues, AnEmptyAnswerWhoseJqlCannotBeCheckedSaysSo) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/jql"), 200, R"({"issues":[],"isLast":true})");
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":0})");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 403,
                           R"({"errorMessages":["You do not have permission."]})");

  const auto search = harness.Call("search_issues", {{"jql", "cf[1] = 1"}});
  const auto count = harness.Call("count_issues", {{"jql", "cf[1] = 1"}});

  ASSERT_FALSE(search.is_error) << ToolHarness::TextOf(search);
  EXPECT_THAT(ToolHarness::TextOf(search), HasSubstr("Note: the JQL could not be checked"));
  ASSERT_EQ(ToolHarness::Structured(search)["warnings"].size(), 1U);
  EXPECT_THAT(ToolHarness::Structured(search)["warnings"][0].get<std::string>(),
              HasSubstr("validate_jql checks it"));
  ASSERT_FALSE(count.is_error) << ToolHarness::TextOf(count);
  EXPECT_THAT(ToolHarness::TextOf(count), HasSubstr("About 0 issues (approximate)\nNote: the JQL"));
}

// Jira's warnings are notes; entries that are not text are skipped, not a failure.
TEST(SearchIssues, AnEmptyAnswerCarriesJirasWarnings) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/jql"), 200, R"({"issues":[],"isLast":true})");
  harness.env.http->OnJson(
      "POST", Api("/jql/parse"), 200,
      R"({"errorMessages":[7],"queries":[{"errors":null,"warnings":["w",{}]}]})");

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["warnings"], (Json{"w"}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("No issues match this JQL.\nNote: w"));
}

TEST(ValidateJql, ReportsErrorsAndWarnings) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/jql/parse"), 200, R"({"queries":[{"query":"x",
      "errors":["Error in the JQL Query: Expecting operator."],"warnings":["w"]}]})");

  const auto result = harness.Call("validate_jql", {{"jql", "x"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(ToolHarness::Structured(result),
            (Json{{"valid", false},
                  {"errors", {"Error in the JQL Query: Expecting operator."}},
                  {"warnings", {"w"}}}));
  EXPECT_EQ(harness.env.http->RequestsTo("/jql/parse").front().url,
            Api("/jql/parse?validation=strict"));
}

// Jira parses a query with no condition, but its search refuses it: the check says so.
TEST(ValidateJql, WarnsThatAQueryWithoutAConditionCannotBeSearched) {
  ToolHarness harness;
  for (int i = 0; i < 3; ++i) {
    harness.env.http->OnJson("POST", Api("/jql/parse"), 200, R"({"queries":[{"query":"q"}]})");
  }

  const auto order_only = harness.Call("validate_jql", {{"jql", "  ORDER  by created DESC"}});
  const auto bounded = harness.Call("validate_jql", {{"jql", "project = A ORDER BY created"}});
  const auto ordered_field = harness.Call("validate_jql", {{"jql", "orderly = 1"}});

  ASSERT_FALSE(order_only.is_error) << ToolHarness::TextOf(order_only);
  EXPECT_TRUE(ToolHarness::Structured(order_only)["valid"].get<bool>());
  ASSERT_EQ(ToolHarness::Structured(order_only)["warnings"].size(), 1U);
  EXPECT_THAT(ToolHarness::TextOf(order_only), HasSubstr("no search condition"));
  EXPECT_TRUE(ToolHarness::Structured(bounded)["warnings"].empty());
  EXPECT_TRUE(ToolHarness::Structured(ordered_field)["warnings"].empty());
}

// Jira's messages quote the query: in the text they read as plain text.
TEST(ValidateJql, JirasMessagesReadAsPlainText) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/jql/parse"), 200,
      R"({"queries":[{"query":"q","errors":["The value '<img src=x>' does not exist.",
          "The value '![a](/evil/a.png)\n\n# H' does not exist."]}]})");

  const auto result = harness.Call("validate_jql", {{"jql", "x"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string html = RenderGfmUnsafe(ToolHarness::TextOf(result));
  for (const char* element : {"<img", "<h1", "<a "}) {
    EXPECT_EQ(CountOf(html, element), 0U) << element << "\n" << html;
  }
}

TEST(ValidateJql, ASyntaxError400IsAResultNotAFailure) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/jql/parse"), 400,
                           R"({"errorMessages":["Error in the JQL Query: ..."]})");

  const auto result = harness.Call("validate_jql", {{"jql", "(("}});

  ASSERT_FALSE(result.is_error);
  EXPECT_FALSE(ToolHarness::Structured(result)["valid"].get<bool>());
}

TEST(CountIssues, IsLabelledApproximate) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":216})");

  const auto result = harness.Call("count_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(ToolHarness::Structured(result), (Json{{"count", 216}, {"approximate", true}}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("approximate"));
  EXPECT_EQ(Json::parse(harness.env.http->RequestsTo("/approximate-count").front().body),
            (Json{{"jql", "project = A"}}));
}

// C15: Jira counts 0 for some JQL it cannot honour; check the JQL before saying "about 0".
TEST(CountIssues, AZeroCountForInvalidJqlReportsTheJqlError) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":0})");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 200, R"({"queries":[{"query":"cf[99999] = 1",
      "errors":["Field 'cf[99999]' does not exist or you do not have permission to view it."]}]})");

  const auto result = harness.Call("count_issues", {{"jql", "cf[99999] = 1"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("The JQL is not valid: Field 'cf[99999]'"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("view it. Fix it (validate_jql checks it) "
                                                     "and count again."));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("About 0")));
  ASSERT_EQ(harness.env.http->RequestsTo("/jql/parse").size(), 1U);
  const auto parse = harness.env.http->RequestsTo("/jql/parse").front();
  EXPECT_EQ(parse.url, Api("/jql/parse?validation=strict"));
  EXPECT_EQ(Json::parse(parse.body), (Json{{"queries", {"cf[99999] = 1"}}}));
}

TEST(CountIssues, AZeroCountForValidJqlSaysAboutZero) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":0})");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 200,
                           R"({"queries":[{"query":"project = A","errors":[]}]})");

  const auto result = harness.Call("count_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result), (Json{{"count", 0}, {"approximate", true}}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("About 0 issues"));
}

TEST(CountIssues, AZeroCountStandsWhenTheJqlCheckFails) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":0})");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 500, R"({"errorMessages":["boom"]})");

  const auto result = harness.Call("count_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("About 0 issues"));
}

TEST(CountIssues, ANonZeroCountIsNotValidated) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/approximate-count"), 200, R"({"count":3})");

  const auto result = harness.Call("count_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_TRUE(harness.env.http->RequestsTo("/jql/parse").empty());
}

TEST(ListSites, ListsTheAccessibleSitesWithoutCallingJira) {
  ToolHarness harness;

  const auto result = harness.Call("list_sites", Json::object());

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(ToolHarness::Structured(result)["sites"][0]["name"], "acme");
  EXPECT_TRUE(harness.env.http->RequestsTo("/ex/jira/").empty());
}

TEST(FindUsers, ReturnsAccountIds) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/user/search"), 200,
      R"([{"accountId":"a1","displayName":"Ann","active":true,"avatarUrls":{}}])");

  const auto result = harness.Call("find_users", {{"query", "ann"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(ToolHarness::Structured(result)["users"][0],
            (Json{{"accountId", "a1"}, {"displayName", "Ann"}, {"active", true}}));
  EXPECT_EQ(harness.env.broker->scope_requests().back(),
            std::vector<std::string>{"read:jira-user"});
}

}  // namespace
}  // namespace tools
