#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/gfm_render.h"
#include "tests/tools/tool_harness.h"
#include "tools/adf.h"

namespace tools {
namespace {

using ::testing::HasSubstr;

std::string IssueUrl() { return std::string(kJira) + "/rest/api/3/issue"; }

constexpr char kStoredIssue[] = R"({
  "id": "10001", "key": "A-1", "self": "https://x.test/issue/10001",
  "fields": {
    "summary": "Crash on start",
    "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
    "assignee": {"accountId": "a1", "displayName": "Ann", "avatarUrls": {}},
    "issuetype": {"name": "Bug", "subtask": false},
    "labels": ["ui"],
    "description": {"type": "doc", "version": 1, "content": [
      {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Steps"}]},
      {"type": "orderedList", "content": [
        {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "open"}]}]}]}]},
    "project": {"key": "A", "name": "Alpha"}
  }
})";

TEST(GetIssue, AnAnswerThatIsNotAnIssueObjectIsAnError) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, "[1,2,3]");

  const auto result = harness.Call("get_issue", {{"issue_key", "A-1"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("not an issue object"));
}

// An object that is no issue (no string key), from a proxy say, is not read as one.
TEST(GetIssue, AnObjectWithoutAKeyIsNotAnIssue) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, R"({"fields":[1,2,3],"key":5})");

  const auto result = harness.Call("get_issue", {{"issue_key", "A-1"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("not an issue object"));
}

// An issue whose comments make Jira's answer too large is still readable: the advice says how.
TEST(GetIssue, TooLargeWithCommentsPointsToReadingThemApart) {
  ToolHarness harness;
  harness.env.http->OnCall("GET", IssueUrl() + "/A-1", PastSizeCap);

  const auto result = harness.Call("get_issue", {{"issue_key", "A-1"}, {"include", {"comments"}}});

  ASSERT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("without them"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("list_comments"));
}

// C6
TEST(GetIssue, AsksForAndReturnsExactlyTheAskedFields) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, kStoredIssue);

  const auto result =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"summary", "status"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/issue/A-1").front().url,
            IssueUrl() + "/A-1?fields=summary%2Cstatus");
  EXPECT_EQ(ToolHarness::Structured(result), (Json{{"id", "10001"},
                                                   {"key", "A-1"},
                                                   {"summary", "Crash on start"},
                                                   {"status", "In Progress"}}));
}

// A field Jira did not send is named, not shown as if it were empty.
TEST(GetIssue, SaysWhichAskedFieldJiraDidNotSend) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, kStoredIssue);

  const auto result = harness.Call(
      "get_issue", {{"issue_key", "A-1"}, {"fields", {"summary", "customfield_99999"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("Note: Jira sent no customfield_99999 for this issue"));
  EXPECT_THAT(text, HasSubstr("search_fields finds a field's id"));
  EXPECT_THAT(text, Not(HasSubstr("summary for this issue")));
}

TEST(GetIssue, DefaultFieldsRenderRichTextAsMarkdown) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, kStoredIssue);

  const auto result = harness.Call("get_issue", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error);
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_EQ(issue["description"], "## Steps\n\n1. open");
  EXPECT_EQ(issue["assignee"], (Json{{"accountId", "a1"}, {"displayName", "Ann"}}));
  EXPECT_EQ(issue["issuetype"], "Bug");
  EXPECT_FALSE(issue.contains("project"));
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("A-1 · Crash on start"));
  EXPECT_THAT(text, HasSubstr("https://acme.atlassian.net/browse/A-1"));
  EXPECT_THAT(text, HasSubstr("description:\n\n## Steps\n\n1. open"));
}

// Plain-text values stand beside the markdown of rich text in one reply: a backtick in a summary
// or label cannot pair with code further on (whose text would then read as markdown), and a
// `[label]:` in them cannot define a link for a `[label]` elsewhere.
TEST(GetIssue, PlainTextValuesCannotReachIntoTheRichText) {
  ToolHarness harness;
  const Json code = {{"type", "text"}, {"text", "[x](/evil/c)"}, {"marks", {{{"type", "code"}}}}};
  const Json status = {{"type", "status"}, {"attrs", {{"text", "ok"}}}};
  const Json issue = {
      {"id", "1"},
      {"key", "A-1"},
      {"fields",
       {{"summary", "tick ` here"},
        {"labels", {"lab`el", "[ok]: /evil/d"}},
        {"customfield_1", "line one\n\n[ok]: /evil/e\n\nline ` three"},
        {"description",
         {{"type", "doc"},
          {"version", 1},
          {"content",
           {{{"type", "paragraph"},
             {"content", {{{"type", "text"}, {"text", "run "}}, code, status}}}}}}}}}};
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, issue.dump());

  const auto result = harness.Call(
      "get_issue",
      {{"issue_key", "A-1"}, {"fields", {"summary", "labels", "customfield_1", "description"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  const std::string html = RenderGfmUnsafe(text);
  EXPECT_EQ(CountOf(html, "<a "), 1U) << html;  // the issue's address alone
  EXPECT_EQ(CountOf(html, "href=\"/evil"), 0U) << html;
  EXPECT_THAT(text, HasSubstr("`[x](/evil/c)`"));  // the code itself reads as code
  // The structured values stay as Jira holds them.
  EXPECT_EQ(ToolHarness::Structured(result)["summary"], "tick ` here");
}

// A long value on one line reads in the text as far as in structuredContent, and the cut says
// where the rest is.
TEST(GetIssue, ALongOneLineValueReadsAsFarAsItsStructuredValue) {
  ToolHarness harness;
  const Json issue = {{"id", "1"},
                      {"key", "A-1"},
                      {"fields", {{"summary", "S"}, {"environment", std::string(30000, 'e')}}}};
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, issue.dump());

  const auto result =
      harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {"summary", "environment"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("\nenvironment: " + std::string(19000, 'e')));
  EXPECT_THAT(text, HasSubstr("the rest is in Jira"));
  EXPECT_THAT(ToolHarness::Structured(result)["environment"].get<std::string>(),
              HasSubstr("[truncated, 10000 more bytes]"));
}

// A comment's body reads in get_issue as it does alone: code stays code, a link written as text
// stays text. Jira's text of a changed description is no markdown of ours either.
TEST(GetIssue, IncludedCommentsAndChangesReadAsStored) {
  ToolHarness harness;
  const Json code_block = {
      {"type", "codeBlock"},
      {"attrs", {{"language", "md"}}},
      {"content", {{{"type", "text"}, {"text", "see [docs](/evil/a) and ![i](/evil/b.png)"}}}}};
  const Json quote = {{"type", "blockquote"}, {"content", {code_block}}};
  const auto comment = [](const std::string& id, const Json& block) {
    return Json{{"id", id},
                {"author", {{"displayName", "Ann"}}},
                {"created", "2026"},
                {"body", {{"type", "doc"}, {"version", 1}, {"content", {block}}}}};
  };
  const Json issue = {
      {"id", "1"},
      {"key", "A-1"},
      {"fields",
       {{"summary", "S"},
        {"comment",
         {{"total", 2}, {"comments", {comment("1", code_block), comment("2", quote)}}}}}},
      {"changelog",
       {{"histories",
         {{{"id", "5"},
           {"created", "2026"},
           {"items",
            {{{"field", "description"},
              {"fromString", "plain [x](/evil/c) text"},
              {"toString", "new"}}}}}}}}}};
  harness.env.http->OnJson("GET", IssueUrl() + "/A-1", 200, issue.dump());

  const auto result = harness.Call(
      "get_issue",
      {{"issue_key", "A-1"}, {"fields", {"summary"}}, {"include", {"comments", "changelog"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  const std::string html = RenderGfmUnsafe(text);
  EXPECT_EQ(CountOf(html, "<a "), 1U) << text << "\n" << html;  // the issue's address alone
  EXPECT_EQ(CountOf(html, "<img"), 0U) << html;
  EXPECT_EQ(CountOf(html, "<pre"), 2U) << html;
}

// A long code block in a comment is cut inside the code, and the fence is closed: the code read
// so far stays, as code.
TEST(ListComments, ALongCodeBlockKeepsTheCodeItCuts) {
  ToolHarness harness;
  std::string log;
  for (int i = 0; i < 400; ++i) {
    log += "line " + std::to_string(i) + " [x](/evil/l) <b>\n";
  }
  const Json body = {
      {"type", "doc"},
      {"version", 1},
      {"content", {{{"type", "codeBlock"}, {"content", {{{"type", "text"}, {"text", log}}}}}}}};
  harness.env.http->OnJson(
      "GET", IssueUrl() + "/A-1/comment", 200,
      Json{{"total", 1}, {"comments", {{{"id", "1"}, {"created", "2026"}, {"body", body}}}}}
          .dump());

  const auto result = harness.Call("list_comments", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("line 100 [x](/evil/l)"));
  const std::string html = RenderGfmUnsafe(text);
  EXPECT_EQ(CountOf(html, "<a "), 0U);
  EXPECT_EQ(CountOf(html, "<b>"), 0U);
  EXPECT_EQ(CountOf(html, "<pre"), 1U);
}

TEST(GetIssue, NotFoundTellsTheAgentWhatToCheck) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", IssueUrl() + "/A-9", 404,
      R"({"errorMessages":["Issue does not exist or you do not have permission to see it."]})");

  const auto result = harness.Call("get_issue", {{"issue_key", "A-9"}});

  EXPECT_TRUE(result.is_error);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("Reading A-9"));
  EXPECT_THAT(text, HasSubstr("not visible to you"));
  EXPECT_THAT(text, HasSubstr("Issue does not exist"));
}

TEST(GetIssue, RefusesAKeyThatCouldLeaveItsPathSegment) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl() + "/", 404, "{}");

  const auto result = harness.Call("get_issue", {{"issue_key", "../../admin"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("An issue key looks like PROJ-123"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/issue/").empty());
}

struct CreateFixture {
  ToolHarness harness;
  std::vector<Json> posted;

  explicit CreateFixture(std::string stored = R"({"id":"10002","key":"A-2","fields":{
      "summary":"New","issuetype":{"name":"Task"},"labels":["x","y"],"priority":{"name":"High"},
      "duedate":"2026-02-01"}})") {
    harness.env.http->OnCall("POST", IssueUrl(), [this](const core::HttpRequest& request) {
      posted.push_back(Json::parse(request.body));
      core::HttpHeaders headers;
      headers.emplace_back("Content-Type", "application/json");
      return core::Result<core::HttpResponse>(core::HttpResponse{
          201, headers, R"({"id":"10002","key":"A-2","self":"https://x.test/issue/10002"})"});
    });
    harness.env.http->OnJson("GET", IssueUrl() + "/A-2", 200, std::move(stored));
  }
};

TEST(CreateIssue, SendsTheFieldsAndReportsKeyAndUrl) {
  CreateFixture fixture;

  const auto result =
      fixture.harness.Call("create_issue", {{"project_key", "A"},
                                            {"issue_type", "Task"},
                                            {"summary", "New"},
                                            {"labels", {"x", "y"}},
                                            {"priority", "High"},
                                            {"fields", {{"duedate", "2026-02-01"}}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  ASSERT_EQ(fixture.posted.size(), 1U);
  EXPECT_EQ(fixture.posted[0], (Json{{"fields",
                                      {{"project", {{"key", "A"}}},
                                       {"issuetype", {{"name", "Task"}}},
                                       {"summary", "New"},
                                       {"labels", {"x", "y"}},
                                       {"priority", {{"name", "High"}}},
                                       {"duedate", "2026-02-01"}}}}));
  EXPECT_EQ(
      ToolHarness::Structured(result),
      (Json{{"id", "10002"}, {"key", "A-2"}, {"url", "https://acme.atlassian.net/browse/A-2"}}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Created A-2"));
}

// C3
TEST(CreateIssue, ConvertsAMarkdownDescriptionToStructuredAdf) {
  CreateFixture fixture;

  const auto result = fixture.harness.Call(
      "create_issue",
      {{"project_key", "A"},
       {"issue_type", "Task"},
       {"summary", "New"},
       {"description_markdown", "## Steps\n1. open\n2. click\n\n```sh\nmake\n```"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json description = fixture.posted.at(0)["fields"]["description"];
  EXPECT_EQ(description["type"], "doc");
  ASSERT_EQ(description["content"].size(), 3U);
  EXPECT_EQ(description["content"][0]["type"], "heading");
  EXPECT_EQ(description["content"][1]["type"], "orderedList");
  EXPECT_EQ(description["content"][2]["attrs"]["language"], "sh");
}

// C2
TEST(CreateIssue, PassesAnAdfDescriptionThroughUnchanged) {
  CreateFixture fixture;
  const Json adf = {
      {"type", "doc"},
      {"version", 1},
      {"content",
       {{{"type", "heading"},
         {"attrs", {{"level", 1}}},
         {"content", {{{"type", "text"}, {"text", "T"}}}}},
        {{"type", "paragraph"},
         {"content", {{{"type", "text"}, {"text", "p"}, {"marks", {{{"type", "underline"}}}}}}}}}}};

  const auto result = fixture.harness.Call(
      "create_issue",
      {{"project_key", "A"}, {"issue_type", "Task"}, {"summary", "New"}, {"description_adf", adf}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(fixture.posted.at(0)["fields"]["description"], adf);
}

TEST(CreateIssue, RejectsMalformedAdfWithoutWriting) {
  CreateFixture fixture;

  const auto result = fixture.harness.Call(
      "create_issue",
      {{"project_key", "A"},
       {"issue_type", "Task"},
       {"summary", "New"},
       {"description_adf", {{"type", "doc"}, {"version", 1}, {"content", {{{"text", "x"}}}}}}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("description_adf"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("doc.content[0]"));
  EXPECT_TRUE(fixture.posted.empty());
}

// F20: an ADF object given as markdown is told where ADF goes.
TEST(CreateIssue, AnAdfObjectAsMarkdownPointsToDescriptionAdf) {
  CreateFixture fixture;

  const auto result =
      fixture.harness.Call("create_issue", {{"project_key", "A"},
                                            {"issue_type", "Task"},
                                            {"summary", "New"},
                                            {"description_markdown", MarkdownToAdf("x").value()}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("must be of type string"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("pass an ADF document as description_adf"));
  EXPECT_TRUE(fixture.posted.empty());
}

TEST(CreateIssue, RefusesTwoDescriptionsOrRepeatedFields) {
  CreateFixture fixture;
  const Json base = {{"project_key", "A"}, {"issue_type", "Task"}, {"summary", "New"}};
  Json both = base;
  both["description_markdown"] = "x";
  both["description_adf"] = MarkdownToAdf("x").value();
  Json repeated = base;
  repeated["fields"] = {{"summary", "other"}};

  EXPECT_TRUE(fixture.harness.Call("create_issue", both).is_error);
  EXPECT_TRUE(fixture.harness.Call("create_issue", repeated).is_error);
  EXPECT_TRUE(fixture.posted.empty());
}

TEST(CreateIssue, ReadsBackAndReportsWhatDidNotLand) {
  CreateFixture fixture(R"({"id":"10002","key":"A-2","fields":{
      "summary":"New","issuetype":{"name":"Story"},"labels":["x"],"priority":{"name":"Medium"}}})");

  const auto result = fixture.harness.Call("create_issue", {{"project_key", "A"},
                                                            {"issue_type", "Task"},
                                                            {"summary", "New"},
                                                            {"labels", {"x", "y"}},
                                                            {"priority", "High"}});

  ASSERT_FALSE(result.is_error);
  const Json warnings = ToolHarness::Structured(result)["warnings"];
  ASSERT_EQ(warnings.size(), 3U) << warnings.dump();
  EXPECT_THAT(warnings[0].get<std::string>(), HasSubstr("Story"));
  EXPECT_THAT(warnings[1].get<std::string>(), HasSubstr("labels"));
  EXPECT_THAT(warnings[2].get<std::string>(), HasSubstr("Medium"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Did not land as asked"));
  const auto reads = fixture.harness.env.http->RequestsTo("/issue/A-2");
  ASSERT_EQ(reads.size(), 1U);
  EXPECT_THAT(reads[0].url, HasSubstr("fields=issuetype%2Clabels%2Cpriority%2Csummary"));
}

TEST(CreateIssue, CarriesJirasFieldErrors) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", IssueUrl(), 400,
      R"({"errorMessages":[],"errors":{"issuetype":"Specify a valid issue type"}})");

  const auto result = harness.Call(
      "create_issue", {{"project_key", "A"}, {"issue_type", "Tsk"}, {"summary", "New"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("issuetype: Specify a valid issue type"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Creating the issue"));
}

TEST(CreateIssue, IsNeverResentAfterARateLimit) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", IssueUrl(), 429, "{}", {{"Retry-After", "0"}});

  const auto result = harness.Call(
      "create_issue", {{"project_key", "A"}, {"issue_type", "Task"}, {"summary", "New"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_EQ(harness.env.http->RequestsTo("/rest/api/3/issue").size(), 1U);
}

// C5
TEST(CreateIssue, KeepsUnicodeIntact) {
  CreateFixture fixture;
  const std::string summary = "a\u2028b 👩‍💻 שלום";

  const auto result = fixture.harness.Call("create_issue", {{"project_key", "A"},
                                                            {"issue_type", "Task"},
                                                            {"summary", summary},
                                                            {"description_markdown", summary}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(fixture.posted.at(0)["fields"]["summary"], summary);
  EXPECT_EQ(fixture.posted.at(0)["fields"]["description"]["content"][0]["content"][0]["text"],
            summary);
}

}  // namespace
}  // namespace tools
