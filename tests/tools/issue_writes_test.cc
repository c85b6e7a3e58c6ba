#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Api(const std::string& path) { return std::string(kJira) + "/rest/api/3" + path; }

constexpr char kDana[] =
    R"([{"accountId":"5b10ac8d82e05b22cc7d4ef5","displayName":"Dana Scully","emailAddress":"dana@example.com","active":true}])";

// C4
TEST(AssignIssue, ResolvesAnEmailToTheAccountIdThroughUserSearch) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/user/search"), 200, kDana);
  harness.env.http->OnJson("PUT", Api("/issue/A-1/assignee"), 204, "");
  harness.env.http->OnJson(
      "GET", Api("/issue/A-1"), 200,
      R"({"key":"A-1","fields":{"assignee":{"accountId":"5b10ac8d82e05b22cc7d4ef5",
          "displayName":"Dana *Lee*","emailAddress":"dana@example.com"}}})");

  const auto result =
      harness.Call("assign_issue", {{"issue_key", "A-1"}, {"assignee", "dana@example.com"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  // The reply names the person as Jira now has them, as plain text.
  EXPECT_EQ(
      ToolHarness::TextOf(result),
      "Assigned A-1 to Dana \\*Lee\\* (dana@example.com, accountId 5b10ac8d82e05b22cc7d4ef5)");
  EXPECT_THAT(harness.env.http->RequestsTo("/user/search").front().url,
              HasSubstr("query=dana%40example.com"));
  const auto put = harness.env.http->RequestsTo("/assignee").front();
  EXPECT_EQ(Json::parse(put.body), (Json{{"accountId", "5b10ac8d82e05b22cc7d4ef5"}}));
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_EQ(harness.env.broker->scope_requests().front(),
            (std::vector<std::string>{"read:jira-work", "write:jira-work", "read:jira-user"}));
}

// Jira sends null for an e-mail address (or name) the user's privacy settings hide.
TEST(AssignIssue, AUserWithAHiddenEmailIsStillFound) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/user/search"), 200,
      R"([{"accountId":"acc-d1","displayName":"Dana","emailAddress":null,"active":true},
          {"accountId":"acc-x","displayName":null,"emailAddress":null,"active":null}])");
  harness.env.http->OnJson("PUT", Api("/issue/A-1/assignee"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"key":"A-1","fields":{"assignee":{"accountId":"acc-d1"}}})");

  const auto result = harness.Call("assign_issue", {{"issue_key", "A-1"}, {"assignee", "dana"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto put = harness.env.http->RequestsTo("/assignee").front();
  EXPECT_EQ(Json::parse(put.body), (Json{{"accountId", "acc-d1"}}));
}

TEST(AssignIssue, SeveralMatchesFailWithTheCandidatesAndAssignNobody) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/user/search"), 200,
      R"([{"accountId":"a1","displayName":"Dana Scully","emailAddress":"dana.s@example.com"},
                               {"accountId":"a2","displayName":"Dana Sculley","emailAddress":"dana.k@example.com"}])");

  const auto result = harness.Call("assign_issue", {{"issue_key", "A-1"}, {"assignee", "dana"}});

  EXPECT_TRUE(result.is_error);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("matches several Jira users"));
  EXPECT_THAT(text, HasSubstr("Dana Scully (dana.s@example.com, accountId a1)"));
  EXPECT_THAT(text, HasSubstr("accountId a2"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/assignee").empty());
}

TEST(AssignIssue, NoMatchIsAnErrorNotTheDefaultAssignee) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/user/search"), 200, "[]");

  const auto result =
      harness.Call("assign_issue", {{"issue_key", "A-1"}, {"assignee", "nobody@example.com"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("No active Jira user matches"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/assignee").empty());
}

TEST(AssignIssue, UnassignsWithANullAccountId) {
  ToolHarness harness;
  harness.env.http->OnJson("PUT", Api("/issue/A-1/assignee"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200, R"({"fields":{"assignee":null}})");

  const auto result = harness.Call("assign_issue", {{"issue_key", "A-1"}, {"unassign", true}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(Json::parse(harness.env.http->RequestsTo("/assignee").front().body),
            (Json{{"accountId", nullptr}}));
  EXPECT_TRUE(harness.env.http->RequestsTo("/user/search").empty());
}

TEST(AssignIssue, SaysWhenBothOrNeitherChoiceIsGiven) {
  ToolHarness harness;

  const auto both = harness.Call("assign_issue",
                                 {{"issue_key", "A-1"}, {"assignee", "dana"}, {"unassign", true}});
  const auto neither = harness.Call("assign_issue", {{"issue_key", "A-1"}});

  EXPECT_TRUE(both.is_error);
  EXPECT_THAT(ToolHarness::TextOf(both), HasSubstr("Both `assignee` and `unassign: true`"));
  EXPECT_TRUE(neither.is_error);
  EXPECT_THAT(ToolHarness::TextOf(neither), HasSubstr("Give `assignee`"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/assignee").empty());
}

// C4 through create_issue.
TEST(CreateIssue, ResolvesTheAssigneeBeforeCreating) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/user/search"), 200, kDana);
  harness.env.http->OnJson("POST", Api("/issue"), 201, R"({"id":"1","key":"A-5"})");
  harness.env.http->OnJson(
      "GET", Api("/issue/A-5"), 200,
      R"({"fields":{"summary":"S","issuetype":{"name":"Task"},"assignee":{"accountId":"5b10ac8d82e05b22cc7d4ef5"}}})");

  const auto result = harness.Call("create_issue", {{"project_key", "A"},
                                                    {"issue_type", "Task"},
                                                    {"summary", "S"},
                                                    {"assignee", "dana@example.com"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  Json posted;
  for (const auto& request : harness.env.http->RequestsTo("/rest/api/3/issue")) {
    if (request.method == "POST") {
      posted = Json::parse(request.body);
    }
  }
  EXPECT_EQ(posted["fields"]["assignee"], (Json{{"accountId", "5b10ac8d82e05b22cc7d4ef5"}}));
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
}

// C13
TEST(CreateIssues, SendsOneBulkRequestAndReportsEachItem) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/bulk"), 201, R"({
      "issues":[{"id":"1","key":"A-1"},{"id":"3","key":"A-3"}],
      "errors":[{"failedElementNumber":1,"status":400,
                 "elementErrors":{"errorMessages":[],"errors":{"issuetype":"The issue type is invalid"}}}]})");
  for (const char* key : {"A-1", "A-3"}) {
    harness.env.http->OnJson("GET", Api(std::string("/issue/") + key), 200,
                             std::string(R"({"fields":{"summary":")") +
                                 (key == std::string("A-1") ? "one" : "three") +
                                 R"(","issuetype":{"name":"Task"}}})");
  }
  const Json issue = {{"project_key", "A"}, {"issue_type", "Task"}};
  Json issues = Json::array();
  for (const char* summary : {"one", "two", "three"}) {
    Json item = issue;
    item["summary"] = summary;
    issues.push_back(item);
  }
  issues[1]["issue_type"] = "Tsk";

  const auto result = harness.Call("create_issues", {{"issues", issues}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto posts = harness.env.http->RequestsTo("/issue/bulk");
  ASSERT_EQ(posts.size(), 1U);
  const Json body = Json::parse(posts[0].body);
  ASSERT_EQ(body["issueUpdates"].size(), 3U);
  EXPECT_EQ(body["issueUpdates"][2]["fields"]["summary"], "three");
  const Json& structured = ToolHarness::Structured(result);
  ASSERT_EQ(structured["created"].size(), 2U);
  EXPECT_EQ(structured["created"][0]["index"], 0);
  EXPECT_EQ(structured["created"][0]["key"], "A-1");
  EXPECT_EQ(structured["created"][1]["index"], 2);
  EXPECT_EQ(structured["created"][1]["key"], "A-3");
  ASSERT_EQ(structured["failed"].size(), 1U);
  EXPECT_EQ(structured["failed"][0]["index"], 1);
  EXPECT_THAT(structured["failed"][0]["error"].get<std::string>(),
              HasSubstr("issuetype: The issue type is invalid"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("[1] failed: issuetype"));
}

TEST(CreateIssues, AllFailingIsAnErrorStillReportedItemByItem) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/bulk"), 400, R"({"issues":[],"errors":[
      {"failedElementNumber":0,"status":400,"elementErrors":{"errorMessages":["Project is archived"]}}]})");

  const auto result = harness.Call(
      "create_issues",
      {{"issues", {{{"project_key", "Z"}, {"issue_type", "Task"}, {"summary", "x"}}}}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Created 0 of 1 issue"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("[0] failed: Project is archived"));
}

// Each value is within the conversion's limits, but one call converts a bounded amount in all:
// fifty 60 KiB descriptions would hold gigabytes while they are built.
TEST(CreateIssues, ConvertsABoundedAmountOfMarkdownPerCall) {
  ToolHarness harness;
  Json items = Json::array();
  for (int i = 0; i < 6; ++i) {
    items.push_back({{"project_key", "A"},
                     {"issue_type", "Task"},
                     {"summary", "s"},
                     {"description_markdown", std::string(60 * 1024, 'x')}});
  }

  const auto result = harness.Call("create_issues", {{"issues", items}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("issues[4]"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("one call converts at most 256 KiB"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Nothing was created"));
  EXPECT_TRUE(harness.env.http->requests().empty());
}

TEST(CreateIssues, RefusesMoreThanFifty) {
  ToolHarness harness;
  Json issues = Json::array();
  for (int i = 0; i < 51; ++i) {
    issues.push_back({{"project_key", "A"}, {"issue_type", "Task"}, {"summary", "x"}});
  }

  EXPECT_TRUE(harness.Call("create_issues", {{"issues", issues}}).is_error);
  EXPECT_TRUE(harness.env.http->requests().empty());
}

// C14
TEST(UpdateIssue, A204WithJsonContentTypeIsSuccessAndIsReadBack) {
  ToolHarness harness;
  harness.env.http->OnJson("PUT", Api("/issue/A-1"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"fields":{"summary":"New title","labels":["a"]}})");

  const auto result = harness.Call(
      "update_issue", {{"issue_key", "A-1"}, {"summary", "New title"}, {"labels", {"a", "b"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto put = harness.env.http->RequestsTo("/issue/A-1?notifyUsers").front();
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(Json::parse(put.body),
            (Json{{"fields", {{"summary", "New title"}, {"labels", {"a", "b"}}}}}));
  EXPECT_EQ(ToolHarness::Structured(result)["warnings"], (Json{"labels read back as [a]"}));
}

// An "add" operation adds again when repeated: after a 5xx the PUT is not re-sent, and the error
// says the comment may be there already. A PUT that only sets is retried, and says so too.
TEST(UpdateIssue, AnAddOperationIsNeverResentAfterA5xx) {
  ToolHarness harness;
  for (int i = 0; i < 8; ++i) {
    harness.env.http->OnJson("PUT", Api("/issue/A-1"), 503, "{}");
  }
  const Json comment = {
      {"type", "doc"},
      {"version", 1},
      {"content",
       Json::array({{{"type", "paragraph"},
                     {"content", Json::array({{{"type", "text"}, {"text", "once"}}})}}})}};

  const auto adding = harness.Call(
      "update_issue",
      {{"issue_key", "A-1"}, {"update", {{"comment", {{{"add", {{"body", comment}}}}}}}}});
  const std::size_t puts_for_add = harness.env.http->RequestsTo("/issue/A-1?").size();
  const auto setting = harness.Call("update_issue", {{"issue_key", "A-1"}, {"summary", "New"}});

  ASSERT_TRUE(adding.is_error);
  EXPECT_EQ(puts_for_add, 1U);
  EXPECT_THAT(ToolHarness::TextOf(adding), HasSubstr("may or may not have been made, and was "
                                                     "not re-sent. Read it back"));
  ASSERT_TRUE(setting.is_error);
  EXPECT_GT(harness.env.http->RequestsTo("/issue/A-1?").size(), puts_for_add + 1);
  EXPECT_THAT(ToolHarness::TextOf(setting), HasSubstr("may or may not have been made ("));
  EXPECT_FALSE(harness.registry.Find("update_issue")->annotations.idempotent);
}

// A create that Jira accepted but that cannot be read back is reported as created and unchecked,
// with no advice to send it again.
TEST(CreateIssue, AReadBackThatFailsIsUncheckedNotFailed) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue"), 201, R"({"id":"10001","key":"A-1"})");
  for (int i = 0; i < 8; ++i) {
    harness.env.http->OnJson("GET", Api("/issue/A-1"), 503, "{}");
  }

  const auto result = harness.Call(
      "create_issue", {{"project_key", "A"}, {"issue_type", "Task"}, {"summary", "S"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("Created A-1"));
  EXPECT_THAT(text, HasSubstr("Not checked: reading A-1 back failed (Jira was unavailable)"));
  EXPECT_THAT(text, Not(HasSubstr("Did not land")));
  EXPECT_THAT(text, Not(HasSubstr("Try again")));
}

TEST(UpdateIssue, SendsUpdateOperationsAndMarkdownDescriptions) {
  ToolHarness harness;
  harness.env.http->OnJson("PUT", Api("/issue/A-1"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"fields":{"description":{"type":"doc","version":1,"content":[]}}})");

  const auto result = harness.Call("update_issue", {{"issue_key", "A-1"},
                                                    {"description_markdown", "# T"},
                                                    {"update", {{"labels", {{{"add", "x"}}}}}},
                                                    {"notify", false}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto put = harness.env.http->RequestsTo("/issue/A-1?notifyUsers=false").front();
  const Json body = Json::parse(put.body);
  EXPECT_EQ(body["update"], (Json{{"labels", {{{"add", "x"}}}}}));
  EXPECT_EQ(body["fields"]["description"]["content"][0]["type"], "heading");
}

// DESIGN §4: rich text in raw `fields` is markdown too, for the system rich-text fields and for
// text-area custom fields (a plain text custom field stays text). Entries of the field list that
// are not fields are skipped.
TEST(UpdateIssue, RawRichTextFieldsGivenAsTextAreMarkdown) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/field"), 200,
      R"([7, null, {"id":"customfield_1","schema":null}, {"id":"customfield_10050","name":"Notes","schema":{"type":"string","custom":"com.atlassian.jira.plugin.system.customfieldtypes:textarea"}},
          {"id":"customfield_10060","name":"Code","schema":{"type":"string","custom":"com.atlassian.jira.plugin.system.customfieldtypes:textfield"}}])");
  harness.env.http->OnJson("PUT", Api("/issue/A-1"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200, R"({"fields":{}})");

  const auto result = harness.Call("update_issue", {{"issue_key", "A-1"},
                                                    {"fields",
                                                     {{"description", "## plain md"},
                                                      {"environment", "iOS **17**"},
                                                      {"customfield_10050", "- a\n- b"},
                                                      {"customfield_10060", "X-1"}}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json sent =
      Json::parse(harness.env.http->RequestsTo("/issue/A-1?notifyUsers").front().body);
  EXPECT_EQ(sent["fields"]["description"]["content"][0]["type"], "heading");
  EXPECT_EQ(sent["fields"]["environment"]["type"], "doc");
  EXPECT_EQ(sent["fields"]["customfield_10050"]["content"][0]["type"], "bulletList");
  EXPECT_EQ(sent["fields"]["customfield_10060"], "X-1");
}

// Update operations carry rich text too: `set` on description, environment or a text-area custom
// field, and comment bodies (add, edit). Other operations and null (a cleared field) pass as given.
TEST(UpdateIssue, RichTextInUpdateOperationsIsMarkdown) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/field"), 200,
      R"([{"id":"customfield_10050","name":"Notes","schema":{"type":"string","custom":"com.atlassian.jira.plugin.system.customfieldtypes:textarea"}}])");
  harness.env.http->OnJson("PUT", Api("/issue/A-1"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200, R"({"fields":{}})");

  const Json update = {
      {"description", {{{"set", "## Steps"}}}},
      {"customfield_10050", {{{"set", "- a"}}}},
      {"comment", {{{"add", {{"body", "**why**"}}}}, {{"edit", {{"id", "7"}, {"body", "fixed"}}}}}},
      {"labels", {{{"add", "x"}}}}};
  const auto result = harness.Call(
      "update_issue",
      {{"issue_key", "A-1"}, {"fields", {{"environment", nullptr}}}, {"update", update}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json sent =
      Json::parse(harness.env.http->RequestsTo("/issue/A-1?notifyUsers").front().body);
  EXPECT_EQ(sent["update"]["description"][0]["set"]["content"][0]["type"], "heading");
  EXPECT_EQ(sent["update"]["customfield_10050"][0]["set"]["content"][0]["type"], "bulletList");
  EXPECT_EQ(sent["update"]["comment"][0]["add"]["body"]["type"], "doc");
  EXPECT_EQ(sent["update"]["comment"][1]["edit"]["body"]["type"], "doc");
  EXPECT_EQ(sent["update"]["comment"][1]["edit"]["id"], "7");
  EXPECT_EQ(sent["update"]["labels"], (Json{{{"add", "x"}}}));
  EXPECT_TRUE(sent["fields"]["environment"].is_null());
  // The reply names what changed, update operations included.
  EXPECT_EQ(ToolHarness::Structured(result)["updated"],
            (Json{"environment", "comment", "customfield_10050", "description", "labels"}));
}

TEST(UpdateIssue, UpdateThatIsNotAListOfOperationsIsRefusedBeforeAnyRequest) {
  ToolHarness harness;

  const auto result = harness.Call(
      "update_issue", {{"issue_key", "A-1"}, {"update", {{"description", {{"set", "md"}}}}}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("`update.description` must be a list"));
  EXPECT_TRUE(harness.env.http->requests().empty());
}

// A field set both in `update` and as a named argument or in `fields`: Jira would keep one.
TEST(UpdateIssue, AFieldSetTwiceIsRefusedBeforeAnyRequest) {
  ToolHarness harness;
  const Json set_description = {{"description", {{{"set", "## upd"}}}}};

  const auto named = harness.Call(
      "update_issue",
      {{"issue_key", "A-1"}, {"description_markdown", "## named"}, {"update", set_description}});
  const auto raw = harness.Call("update_issue", {{"issue_key", "A-1"},
                                                 {"fields", {{"labels", {"a"}}}},
                                                 {"update", {{"labels", {{{"add", "b"}}}}}}});

  EXPECT_TRUE(named.is_error);
  EXPECT_THAT(ToolHarness::TextOf(named),
              HasSubstr("`update.description` and a named argument both set description"));
  EXPECT_TRUE(raw.is_error);
  EXPECT_THAT(ToolHarness::TextOf(raw), HasSubstr("`update.labels` and `fields.labels`"));
  EXPECT_TRUE(harness.env.http->requests().empty());
}

// Update operations Jira would refuse with a message that does not say what to change.
TEST(UpdateIssue, MisshapenRichTextOperationsSayWhatToSend) {
  ToolHarness harness;

  const auto text = harness.Call(
      "update_issue", {{"issue_key", "A-1"}, {"update", {{"comment", {{{"add", "text"}}}}}}});
  const auto no_body = harness.Call(
      "update_issue",
      {{"issue_key", "A-1"}, {"update", {{"comment", {{{"add", {{"body", nullptr}}}}}}}}});
  const auto verb = harness.Call(
      "update_issue", {{"issue_key", "A-1"}, {"update", {{"description", {{{"add", "## md"}}}}}}});
  const auto no_id = harness.Call(
      "update_issue",
      {{"issue_key", "A-1"}, {"update", {{"comment", {{{"edit", {{"body", "fixed"}}}}}}}}});

  EXPECT_THAT(ToolHarness::TextOf(text),
              HasSubstr("`update.comment[0].add` must be an object with the comment's `body`"));
  EXPECT_THAT(ToolHarness::TextOf(no_body), HasSubstr("`update.comment[0].add` must be an object"));
  EXPECT_THAT(ToolHarness::TextOf(verb),
              HasSubstr("`update.description[0].add`: description takes only `set`"));
  EXPECT_THAT(ToolHarness::TextOf(no_id),
              HasSubstr("`update.comment[0].edit` must be an object with the comment's `body` "
                        "(markdown or an ADF document) and its `id`, such as {\"id\": \"10001\", "
                        "\"body\": \"Fixed in **1.2**\"}."));
  EXPECT_TRUE(text.is_error && no_body.is_error && verb.is_error && no_id.is_error);
  EXPECT_TRUE(harness.env.http->requests().empty());
}

TEST(UpdateIssue, NothingToChangeIsAnError) {
  ToolHarness harness;

  EXPECT_TRUE(harness.Call("update_issue", {{"issue_key", "A-1"}}).is_error);
  EXPECT_TRUE(harness.env.http->requests().empty());
}

TEST(DeleteIssue, DeletesAndAnswersEmptySuccess) {
  ToolHarness harness;
  harness.env.http->OnJson("DELETE", Api("/issue/A-1"), 204, "");

  const auto result =
      harness.Call("delete_issue", {{"issue_key", "A-1"}, {"delete_subtasks", true}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").front().url,
            Api("/issue/A-1?deleteSubtasks=true"));
  EXPECT_TRUE(harness.registry.Find("delete_issue")->annotations.destructive);
}

TEST(GetChangelog, CompactsHistoriesAndPages) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/changelog"), 200, R"({"startAt":0,"maxResults":1,
      "total":2,"isLast":false,"values":[{"id":"7","author":{"accountId":"a","displayName":"Ann"},
      "created":"2026-01-02","items":[{"field":"status","fromString":"Open","toString":"Done"}]}]})");

  const auto result = harness.Call("get_changelog", {{"issue_key", "A-1"}, {"max_results", 1}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& structured = ToolHarness::Structured(result);
  EXPECT_EQ(structured["histories"][0]["changes"][0],
            (Json{{"field", "status"}, {"from", "Open"}, {"to", "Done"}}));
  EXPECT_TRUE(structured["has_more"].get<bool>());
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("2026-01-02 Ann · status: Open → Done"));
}

// A change that comes with ids alone (a sprint, a parent) reads as those ids, not "- → -".
TEST(GetChangelog, FallsBackToTheIdsWhenASideHasNoText) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/changelog"), 200, R"({"isLast":true,"values":[
      {"id":"7","created":"2026-01-02","items":[{"field":"Sprint","to":"12"},
       {"field":"IssueParentAssociation","from":"10001","fromString":"A-9","to":null}]}]})");

  const auto result = harness.Call("get_changelog", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& changes = ToolHarness::Structured(result)["histories"][0]["changes"];
  EXPECT_EQ(changes[0], (Json{{"field", "Sprint"}, {"from", nullptr}, {"to", "12"}}));
  EXPECT_EQ(changes[1],
            (Json{{"field", "IssueParentAssociation"}, {"from", "A-9"}, {"to", nullptr}}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Sprint: - → 12"));
}

TEST(GetIssue, IncludesCommentsTransitionsAndChangelogOnRequest) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200, R"({"id":"1","key":"A-1",
      "fields":{"summary":"S","comment":{"total":1,"comments":[{"id":"c","body":"hi"}]}},
      "transitions":[{"id":"31","name":"Done","to":{"name":"Done"}}],
      "changelog":{"histories":[{"id":"h","items":[{"field":"summary","fromString":"a","toString":"S"}]}]}})");

  const auto result =
      harness.Call("get_issue", {{"issue_key", "A-1"},
                                 {"fields", {"summary"}},
                                 {"include", {"comments", "transitions", "changelog"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").front().url,
            Api("/issue/A-1?fields=summary%2Ccomment&expand=transitions%2Cchangelog"));
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_EQ(issue["comment"]["comments"][0]["body"], "hi");
  EXPECT_EQ(issue["transitions"][0], (Json{{"id", "31"}, {"name", "Done"}, {"to", "Done"}}));
  EXPECT_EQ(issue["changelog"][0]["changes"][0]["to"], "S");
}

// F20: included comments, transitions and changelog read as lines in the text, not raw JSON.
TEST(GetIssue, RendersIncludedCommentsAsCompactLines) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200, R"({"id":"1","key":"A-1",
      "fields":{"summary":"S","comment":{"total":3,"comments":[
        {"id":"c1","author":{"accountId":"a","displayName":"Ann"},"created":"2026-01-02T10:00",
         "body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[
           {"type":"text","text":"Fixed in "},
           {"type":"text","text":"1.4","marks":[{"type":"strong"}]}]}]}},
        {"id":"c2","author":{"accountId":"b","displayName":"Bob"},"created":"2026-01-03T09:30",
         "body":"line one\nline two"}]}},
      "transitions":[{"id":"31","name":"Done","to":{"name":"Done"}}],
      "changelog":{"histories":[{"id":"h","author":{"accountId":"a","displayName":"Ann"},
        "created":"2026-01-01","items":[{"field":"summary","fromString":"a","toString":"S"}]}]}})");

  const auto result =
      harness.Call("get_issue", {{"issue_key", "A-1"},
                                 {"fields", {"summary"}},
                                 {"include", {"comments", "transitions", "changelog"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("comment (2 of 3):\n"
                              "- Ann · 2026-01-02T10:00:\n\n  Fixed in **1.4**\n"
                              "- Bob · 2026-01-03T09:30:\n\n  line one\n  line two"));
  EXPECT_THAT(text, HasSubstr("transitions:\n- Done (id 31) → Done"));
  EXPECT_THAT(text, HasSubstr("changelog:\n- 2026-01-01 Ann · summary: a → S"));
  EXPECT_THAT(text, Not(HasSubstr("{\"")));
}

TEST(GetIssue, ResolvesCustomFieldsByDisplayName) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/field"), 200,
      R"([{"id":"customfield_10016","name":"Story Points"},{"id":"summary","name":"Summary"}])");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"id":"1","key":"A-1","fields":{"customfield_10016":5}})");

  const auto result =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"Story Points"}}});
  const auto unknown =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"Velocity X"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_THAT(harness.env.http->RequestsTo("/issue/A-1").front().url,
              HasSubstr("fields=customfield_10016"));
  EXPECT_EQ(ToolHarness::Structured(result),
            (Json{{"id", "1"}, {"key", "A-1"}, {"Story Points", 5}}));
  EXPECT_TRUE(unknown.is_error);
  EXPECT_THAT(ToolHarness::TextOf(unknown), HasSubstr("search_fields"));
}

// Ids are taken exactly as Jira spells them (fixVersions), names in any case (sprint); a name
// that several fields share, an unknown entry and an empty one are refused with what to do.
TEST(GetIssue, TellsIdsFromNamesByJirasOwnFieldList) {
  ToolHarness harness;
  const char* fields = R"([{"id":"fixVersions","name":"Fix versions"},
      {"id":"customfield_10020","name":"Sprint"},{"id":"customfield_1","name":"Team"},
      {"id":"customfield_2","name":"team"},{"id":"lastViewed","name":"Last Viewed"}])";
  for (int i = 0; i < 4; ++i) {
    harness.env.http->OnJson("GET", Api("/field"), 200, fields);
  }
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200, R"({"id":"1","key":"A-1",
      "fields":{"fixVersions":[{"name":"1.0"}],"customfield_10020":[{"name":"S1"}]}})");

  const auto found =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"fixVersions", "sprint"}}});
  const auto shared = harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"TEAM"}}});
  const auto unknown = harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"nosuch"}}});
  const auto empty = harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {""}}});

  ASSERT_FALSE(found.is_error) << ToolHarness::TextOf(found);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").front().url,
            Api("/issue/A-1?fields=fixVersions%2Ccustomfield_10020"));
  EXPECT_EQ(ToolHarness::Structured(found)["sprint"], (Json{"S1"}));
  EXPECT_TRUE(ToolHarness::Structured(found).contains("fixVersions"));
  EXPECT_TRUE(shared.is_error);
  EXPECT_THAT(ToolHarness::TextOf(shared),
              HasSubstr("2 Jira fields are named 'TEAM' (customfield_1, customfield_2)"));
  EXPECT_TRUE(unknown.is_error);
  EXPECT_THAT(ToolHarness::TextOf(unknown), HasSubstr("No Jira field has the id or name 'nosuch'"));
  EXPECT_TRUE(empty.is_error);
  EXPECT_THAT(ToolHarness::TextOf(empty), HasSubstr("empty entry"));
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").size(), 1U);
}

// "-field" leaves a field out of "*all"; alone it would leave out everything but ids. Among
// names that differ only in case, the one written exactly wins.
TEST(GetIssue, TakesExclusionsWithAllOnlyAndPrefersTheExactName) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field"), 200, R"([{"id":"customfield_1","name":"Team"},
      {"id":"customfield_2","name":"team"}])");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"id":"1","key":"A-1","fields":{"customfield_2":"t"}})");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"id":"1","key":"A-1","fields":{"summary":"S"}})");

  const auto alone = harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"-comment"}}});
  const auto exact = harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"team"}}});
  const auto with_all =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"*all", "-comment"}}});

  EXPECT_TRUE(alone.is_error);
  EXPECT_THAT(ToolHarness::TextOf(alone), HasSubstr("leaves a field out of \"*all\""));
  ASSERT_FALSE(exact.is_error) << ToolHarness::TextOf(exact);
  EXPECT_EQ(ToolHarness::Structured(exact)["team"], "t");
  ASSERT_FALSE(with_all.is_error) << ToolHarness::TextOf(with_all);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").back().url,
            Api("/issue/A-1?fields=%2Aall%2C-comment"));
  // A field left out on purpose is not "a field Jira does not know".
  EXPECT_THAT(ToolHarness::TextOf(with_all), Not(HasSubstr("Jira sent no")));
}

// "-Team" leaves out the field named Team; id and key come with every issue and need no lookup.
TEST(GetIssue, ExcludesByNameAndTakesIdAndKeyAsGiven) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field"), 200, R"([{"id":"customfield_1","name":"Team"}])");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"id":"1","key":"A-1","fields":{"summary":"S"}})");
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                           R"({"id":"1","key":"A-1","fields":{"summary":"S"}})");

  const auto excluded =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"*all", "-Team"}}});
  const auto id_and_key =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"key", "id", "summary"}}});

  ASSERT_FALSE(excluded.is_error) << ToolHarness::TextOf(excluded);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").front().url,
            Api("/issue/A-1?fields=%2Aall%2C-customfield_1"));
  ASSERT_FALSE(id_and_key.is_error) << ToolHarness::TextOf(id_and_key);
  EXPECT_EQ(ToolHarness::Structured(id_and_key),
            (Json{{"id", "1"}, {"key", "A-1"}, {"summary", "S"}}));
  EXPECT_THAT(ToolHarness::TextOf(id_and_key), Not(HasSubstr("Jira sent no")));
  EXPECT_EQ(harness.env.http->RequestsTo("/field").size(), 1U);
}

// Asked for by its id and by its name, a field is answered under both, in either order.
TEST(GetIssue, AFieldAskedByIdAndByNameIsAnsweredUnderBoth) {
  ToolHarness harness;
  for (int i = 0; i < 2; ++i) {
    harness.env.http->OnJson("GET", Api("/field"), 200,
                             R"([{"id":"customfield_10016","name":"Story Points"}])");
    harness.env.http->OnJson("GET", Api("/issue/A-1"), 200,
                             R"({"id":"1","key":"A-1","fields":{"customfield_10016":5}})");
  }

  const auto id_first = harness.Call(
      "get_issue", {{"issue_key", "A-1"}, {"fields", {"customfield_10016", "story points"}}});
  const auto name_first = harness.Call(
      "get_issue", {{"issue_key", "A-1"}, {"fields", {"Story Points", "customfield_10016"}}});

  ASSERT_FALSE(id_first.is_error) << ToolHarness::TextOf(id_first);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").front().url,
            Api("/issue/A-1?fields=customfield_10016"));
  EXPECT_EQ(ToolHarness::Structured(id_first),
            (Json{{"id", "1"}, {"key", "A-1"}, {"customfield_10016", 5}, {"story points", 5}}));
  ASSERT_FALSE(name_first.is_error) << ToolHarness::TextOf(name_first);
  EXPECT_EQ(ToolHarness::Structured(name_first),
            (Json{{"id", "1"}, {"key", "A-1"}, {"customfield_10016", 5}, {"Story Points", 5}}));
}

}  // namespace
}  // namespace tools
