#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>

#include "core/base64.h"
#include "mcp/json_rpc.h"
#include "tests/tools/gfm_render.h"
#include "tests/tools/tool_harness.h"
#include "tools/adf.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string Api(const std::string& path) { return std::string(kJira) + "/rest/api/3" + path; }
std::string Agile(const std::string& path) { return std::string(kJira) + "/rest/agile/1.0" + path; }

TEST(AddComment, SendsMarkdownAsAdfWithVisibility) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/issue/A-1/comment"), 201,
      R"({"id":"100","created":"t","visibility":{"type":"role","value":"Dev"}})");

  const auto result = harness.Call(
      "add_comment", {{"issue_key", "A-1"}, {"body", "- one\n- two"}, {"visible_to_role", "Dev"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json body = Json::parse(harness.env.http->RequestsTo("/comment").front().body);
  EXPECT_EQ(body["body"]["content"][0]["type"], "bulletList");
  EXPECT_EQ(body["visibility"], (Json{{"type", "role"}, {"value", "Dev"}}));
  EXPECT_EQ(ToolHarness::Structured(result)["id"], "100");
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
}

TEST(AddComment, ReportsAVisibilityThatDidNotLand) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/A-1/comment"), 201, R"({"id":"100"})");

  const auto result = harness.Call(
      "add_comment", {{"issue_key", "A-1"}, {"body", "x"}, {"visible_to_group", "admins"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("visibility restriction did not land"));
}

// Converting markdown takes memory many times its size: text past what this server converts is
// refused before conversion, and nothing is sent; the refusal names both limits.
TEST(AddComment, RefusesMarkdownLongerThanAnyJiraField) {
  ToolHarness harness;
  std::string table = "|" + std::string(1000, 'a') + "|\n|---|\n";
  while (table.size() <= 64 * 1024) {
    table += "| x |\n";
  }

  const auto result = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", table}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("converts at most 65536 bytes per value"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Jira itself keeps at most 32,767"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/comment").empty());
}

// An ADF object is held to the bounds of converted markdown: 49,000 one-word paragraphs (3 MB
// of JSON, within a message's limits) are refused before anything is sent.
TEST(AddComment, RefusesAnAdfObjectPastTheAdfLimit) {
  ToolHarness harness;
  Json content = Json::array();
  for (int i = 0; i < 49000; ++i) {
    content.push_back({{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", "p"}}}}});
  }
  const Json adf = {{"type", "doc"}, {"version", 1}, {"content", std::move(content)}};

  const auto result = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body_adf", adf}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result),
              HasSubstr("`body_adf` is 2871 KiB of ADF; this server passes at most 1024 KiB"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/comment").empty());
}

// A few kilobytes can still be a huge table (GFM pads each row to the header's width): refused by
// its cell count before parsing, and nothing is sent.
TEST(AddComment, RefusesASmallTextThatIsAHugeTable) {
  ToolHarness harness;
  std::string table = "|" + std::string(1024, 'a') + "\n|" + std::string(1024, '-') + "\n";
  for (int i = 0; i < 1000; ++i) {
    table += "x\n";
  }
  for (std::size_t i = 1; i < 1024; i += 2) {
    table[i] = '|';
    table[1026 + i] = '|';
  }

  const auto result = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", table}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("`body` is not converted: its tables"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/comment").empty());
}

// Whatever rich text this server writes it can read back: Jira answers a comment of the deepest
// nested list the conversion keeps with that ADF, and the call succeeds.
TEST(AddComment, TheDeepestRichTextItWritesReadsBack) {
  ToolHarness harness;
  std::string markdown;
  for (std::size_t i = 0; i < 70; ++i) {
    markdown += std::string(2 * i, ' ') + "- x\n";
  }
  const Json adf = MarkdownToAdf(markdown).value();
  ASSERT_FALSE(mcp::NestingWithin(adf.dump(), 128));  // deeper than real Jira content goes
  harness.env.http->OnJson("POST", Api("/issue/A-1/comment"), 201,
                           Json{{"id", "100"}, {"body", adf}}.dump());
  harness.env.http->OnJson(
      "GET", Api("/issue/A-1/comment"), 200,
      Json{{"startAt", 0}, {"total", 1}, {"comments", {{{"id", "100"}, {"body", adf}}}}}.dump());

  const auto added = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", markdown}});
  const auto listed = harness.Call("list_comments", {{"issue_key", "A-1"}});

  EXPECT_FALSE(added.is_error) << ToolHarness::TextOf(added);
  EXPECT_FALSE(listed.is_error) << ToolHarness::TextOf(listed);
}

// A write whose answer cannot be read still took effect: the agent is told so, not that it failed
// plainly (it would repeat the write).
TEST(AddComment, AnUnreadableAnswerToAWriteSaysTheWriteWasAccepted) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/A-1/comment"), 201, "{\"id\":");

  const auto result = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", "x"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Jira accepted the POST (HTTP 201)"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Check what the change did before repeating"));
  EXPECT_EQ(harness.env.http->RequestsTo("/comment").size(), 1U);
}

// Markdown of only a link definition, or an ADF document with no content, is an empty comment.
TEST(AddComment, RefusesABodyWithNoTextOnceConverted) {
  ToolHarness harness;

  const auto definition = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", "[a]: /u"}});
  const auto empty_links =
      harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", "[][a] []()\n\n[a]: /u"}});
  const auto empty_adf = harness.Call(
      "add_comment", {{"issue_key", "A-1"},
                      {"body_adf", {{"type", "doc"}, {"version", 1}, {"content", Json::array()}}}});

  EXPECT_TRUE(definition.is_error);
  EXPECT_THAT(ToolHarness::TextOf(definition), HasSubstr("`body` has no text to show"));
  EXPECT_TRUE(empty_links.is_error);
  EXPECT_TRUE(empty_adf.is_error);
  EXPECT_THAT(ToolHarness::TextOf(empty_adf), HasSubstr("`body_adf` has no text to show"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/comment").empty());
}

TEST(AddComment, RefusesAnEmptyBody) {
  ToolHarness harness;

  const auto result = harness.Call("add_comment", {{"issue_key", "A-1"}, {"body", " \n"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("`body` is empty"));
  EXPECT_TRUE(harness.env.http->requests().empty());
}

TEST(AddComment, NeedsExactlyOneBody) {
  ToolHarness harness;

  EXPECT_TRUE(harness.Call("add_comment", {{"issue_key", "A-1"}}).is_error);
  EXPECT_TRUE(harness.env.http->requests().empty());
}

// Fifty long comments would be 800 kB in one reply: the page is cut to the reply budget, says
// so, and its cursor continues with the first comment left out, though Jira's page was the last.
TEST(ListComments, CutsAPageToTheReplyBudgetAndContinuesAfterIt) {
  ToolHarness harness;
  Json comments = Json::array();
  for (int i = 0; i < 50; ++i) {
    comments.push_back(
        {{"id", std::to_string(i)},
         {"created", "t"},
         {"body",
          {{"type", "doc"},
           {"version", 1},
           {"content",
            {{{"type", "paragraph"},
              {"content", {{{"type", "text"}, {"text", std::string(7000, 'x')}}}}}}}}}});
  }
  harness.env.http->OnJson(
      "GET", Api("/issue/A-1/comment"), 200,
      Json{{"startAt", 0}, {"total", 50}, {"isLast", true}, {"comments", comments}}.dump());

  const auto first = harness.Call("list_comments", {{"issue_key", "A-1"}, {"max_results", 50}});

  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);
  const Json structured = ToolHarness::Structured(first);
  const std::size_t kept = structured["comments"].size();
  EXPECT_GE(kept, 1U);
  EXPECT_LT(kept, 50U);
  EXPECT_LE(ToolHarness::TextOf(first).size() + structured.dump().size(), kReplyBudget + 1024);
  EXPECT_THAT(ToolHarness::TextOf(first),
              HasSubstr(fmt::format("[truncated to fit the reply budget; the next {} come with "
                                    "next_cursor]",
                                    50 - kept)));
  ASSERT_TRUE(structured["has_more"].get<bool>());

  harness.Call("list_comments", {{"issue_key", "A-1"}, {"cursor", structured["next_cursor"]}});
  EXPECT_THAT(harness.env.http->RequestsTo("/comment").back().url,
              HasSubstr(fmt::format("startAt={}&maxResults=50", kept)));
}

// A page of heavy comments is asked for again, smaller; the cursor keeps the smaller page.
TEST(ListComments, AnswerTooLargeShrinksThePage) {
  ToolHarness harness;
  harness.env.http->OnCall("GET", Api("/issue/A-1/comment?startAt=0&maxResults=20"), PastSizeCap);
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment?startAt=0&maxResults=5"), 200,
                           R"({"comments":[{"id":"1","body":null}],"startAt":0,"total":9})");

  const auto result = harness.Call("list_comments", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& structured = ToolHarness::Structured(result);
  EXPECT_EQ(structured["comments"].size(), 1U);
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment?startAt=1&maxResults=20"), 200,
                           R"({"comments":[],"startAt":1,"total":9})");
  EXPECT_FALSE(
      harness.Call("list_comments", {{"issue_key", "A-1"}, {"cursor", structured["next_cursor"]}})
          .is_error);
}

// A page without its list is an error, not "0 comments": every paged listing checks it.
TEST(PagedListings, AnAnswerWithoutItsListIsAnError) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment"), 200, R"({"startAt":0})");
  harness.env.http->OnJson("GET", Api("/issue/A-1/worklog"), 200, R"({"worklogs":{}})");
  harness.env.http->OnJson("GET", Api("/issue/A-1/changelog"), 200, R"({"values":null})");
  harness.env.http->OnJson("GET", Agile("/sprint/3/issue"), 200, R"({"issues":"none"})");
  harness.env.http->OnJson("GET", Agile("/board?"), 200, R"([])");
  harness.env.http->OnJson("GET", Api("/issue/A-1/transitions"), 200, "{}");
  harness.env.http->OnJson("GET", Api("/issueLinkType"), 200, "null");
  harness.env.http->OnJson("GET", Api("/project/search"), 200, "[]");

  for (const auto& [tool, arguments, list] :
       std::vector<std::tuple<std::string, Json, std::string>>{
           {"list_comments", {{"issue_key", "A-1"}}, "comments"},
           {"list_worklogs", {{"issue_key", "A-1"}}, "worklogs"},
           {"get_changelog", {{"issue_key", "A-1"}}, "values"},
           {"sprint_issues", {{"sprint_id", 3}}, "issues"},
           {"list_boards", Json::object(), "values"},
           {"list_transitions", {{"issue_key", "A-1"}}, "transitions"},
           {"list_link_types", Json::object(), "issueLinkTypes"},
           {"list_projects", Json::object(), "values"}}) {
    const auto result = harness.Call(tool, arguments);
    EXPECT_TRUE(result.is_error) << tool;
    EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("no \"" + list + "\" list")) << tool;
  }
}

// A search answer without its issues is no "no match", and a JQL check without a verdict is no
// "valid" (C15).
TEST(PagedListings, SearchAndJqlCheckWithoutTheirAnswerAreErrors) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/search/jql"), 200, "{}");
  harness.env.http->OnJson("POST", Api("/jql/parse"), 200, "{}");

  const auto searched = harness.Call("search_issues", {{"jql", "project = A"}});
  const auto validated = harness.Call("validate_jql", {{"jql", "project = A"}});

  EXPECT_TRUE(searched.is_error);
  EXPECT_THAT(ToolHarness::TextOf(searched), HasSubstr("no \"issues\" list"));
  EXPECT_TRUE(validated.is_error);
  EXPECT_THAT(ToolHarness::TextOf(validated), HasSubstr("could not be checked"));
}

TEST(ListComments, RendersBodiesAsMarkdownAndPages) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment"), 200, R"({"startAt":0,"total":3,
      "comments":[{"id":"1","author":{"accountId":"a","displayName":"Ann"},"created":"t",
      "body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[
      {"type":"text","text":"hi ","marks":[{"type":"strong"}]},
      {"type":"mention","attrs":{"id":"b","text":"@Bob"}}]}]}}]})");

  const auto result = harness.Call("list_comments", {{"issue_key", "A-1"}, {"max_results", 1}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/comment").front().url,
            Api("/issue/A-1/comment?startAt=0&maxResults=1&orderBy=created"));
  EXPECT_EQ(ToolHarness::Structured(result)["comments"][0]["body"], "**hi** @Bob");
  EXPECT_TRUE(ToolHarness::Structured(result)["has_more"].get<bool>());
}

TEST(ListComments, TextKeepsTheLinesOfABody) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment"), 200, R"({"startAt":0,"total":1,
      "comments":[{"id":"1","author":{"accountId":"a","displayName":"Ann"},"created":"t",
      "body":{"type":"doc","version":1,"content":[
      {"type":"paragraph","content":[{"type":"text","text":"first"}]},
      {"type":"paragraph","content":[{"type":"text","text":"second"}]}]}}]})");

  const auto result = harness.Call("list_comments", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("first\n\nsecond"));
}

// Jira can answer a comment whose body is null or absent: the reply leaves `body` out (the
// schema wants a string when it is there) and the text says there is none.
TEST(ListComments, HandlesACommentWithoutABody) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment"), 200, R"({"startAt":0,"total":2,
      "comments":[{"id":"1","author":{"accountId":"a1","displayName":"Ann"},
      "created":"2026-01-01T10:00:00.000+0000","body":null},{"id":"2","created":null}]})");

  const auto result = harness.Call("list_comments", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& comments = ToolHarness::Structured(result)["comments"];
  ASSERT_EQ(comments.size(), 2U);
  EXPECT_FALSE(comments[0].contains("body"));
  EXPECT_EQ(comments[0]["created"], "2026-01-01T10:00:00.000+0000");
  EXPECT_FALSE(comments[1].contains("body"));
  EXPECT_FALSE(comments[1].contains("created"));
  EXPECT_THAT(ToolHarness::TextOf(result),
              HasSubstr("[1] 2026-01-01T10:00:00.000+0000 Ann:\n(no body)"));
}

TEST(ListWorklogs, HandlesAWorklogWithoutStartOrTimeSpent) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1/worklog"), 200,
                           R"({"total":1,"worklogs":[{"id":"5","started":null}]})");

  const auto result = harness.Call("list_worklogs", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& worklog = ToolHarness::Structured(result)["worklogs"][0];
  EXPECT_FALSE(worklog.contains("started"));
  EXPECT_FALSE(worklog.contains("timeSpent"));
}

// The text shows what a worklog says, not only when and how long.
TEST(ListWorklogs, TheTextHoldsEachComment) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/issue/A-1/worklog"), 200,
      R"({"total":1,"worklogs":[{"id":"5","started":"2026-01-01","timeSpent":"1h",
          "comment":{"type":"doc","version":1,"content":[{"type":"paragraph",
          "content":[{"type":"text","text":"Reviewed the fix"}]}]}}]})");

  const auto result = harness.Call("list_worklogs", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("2026-01-01 - 1h:\nReviewed the fix"));
}

// A worklog's comment is rich text: the text shows its markdown once, as list_comments does,
// not escaped a second time as if it were a plain value.
TEST(ListWorklogs, TheTextShowsACommentsMarkdownAsStored) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/issue/A-1/worklog"), 200,
      R"({"total":1,"worklogs":[{"id":"5","started":"2026-01-01","timeSpent":"1h",
          "comment":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[
          {"type":"text","text":"see "},
          {"type":"text","text":"docs","marks":[{"type":"link","attrs":{"href":"https://d.example/x"}}]},
          {"type":"text","text":" and "},{"type":"text","text":"this","marks":[{"type":"strong"}]}]}]}}]})");

  const auto result = harness.Call("list_worklogs", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  const Json& worklog = ToolHarness::Structured(result)["worklogs"][0];
  EXPECT_THAT(text, HasSubstr(worklog["comment"].get<std::string>()));
  const std::string html = RenderGfmUnsafe(text);
  EXPECT_THAT(html, HasSubstr(R"(<a href="https://d.example/x">docs</a>)"));
  EXPECT_THAT(html, HasSubstr("<strong>this</strong>"));
  EXPECT_THAT(text, Not(HasSubstr("\\[")));
}

// A comment longer than the server shows is cut with its size, in structuredContent and in the
// text alike, and the text says where the whole comment is.
TEST(ListComments, ACutCommentSaysSoAndWhereTheRestIs) {
  ToolHarness harness;
  std::string long_text;
  for (int i = 0; long_text.size() < 12000; ++i) {
    long_text += "line" + std::to_string(i) + " of a long log\n\n";
  }
  const Json adf = {
      {"type", "doc"},
      {"version", 1},
      {"content",
       Json::array({{{"type", "paragraph"},
                     {"content", Json::array({{{"type", "text"}, {"text", long_text}}})}}})}};
  const Json page = {{"total", 1}, {"comments", Json::array({{{"id", "77"}, {"body", adf}}})}};
  harness.env.http->OnJson("GET", Api("/issue/A-1/comment"), 200, page.dump());

  const auto result = harness.Call("list_comments", {{"issue_key", "A-1"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  const std::string body = ToolHarness::Structured(result)["comments"][0]["body"];
  EXPECT_THAT(body, HasSubstr("more bytes]"));
  EXPECT_THAT(text, HasSubstr(body));
  EXPECT_THAT(text, HasSubstr("the whole comment is in Jira: "));
  EXPECT_THAT(text, HasSubstr("/browse/A-1?focusedCommentId=77]"));
}

TEST(DeleteComment, IsDestructiveAndEmptyAnswersAreSuccess) {
  ToolHarness harness;
  harness.env.http->OnJson("DELETE", Api("/issue/A-1/comment/9"), 204, "");

  const auto result = harness.Call("delete_comment", {{"issue_key", "A-1"}, {"comment_id", "9"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_TRUE(harness.registry.Find("delete_comment")->annotations.destructive);
}

// Jira's message says that the time is wrong; the error says how to write it.
TEST(AddWorklog, ABadTimeSaysTheFormat) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/issue/A-1/worklog"), 400,
      R"({"errorMessages":[],"errors":{"timeLogged":"You must indicate the time spent working."}})");

  const auto result = harness.Call("add_worklog", {{"issue_key", "A-1"}, {"time_spent", "banana"}});

  ASSERT_TRUE(result.is_error);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("You must indicate the time spent working."));
  EXPECT_THAT(text, HasSubstr(R"(such as "2h 30m")"));
}

TEST(AddWorklog, SendsTimeSpentAndAnAdfComment) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Api("/issue/A-1/worklog"), 201,
                           R"({"id":"5","timeSpent":"1h 30m"})");

  const auto result = harness.Call(
      "add_worklog", {{"issue_key", "A-1"}, {"time_spent", "1h 30m"}, {"comment", "pairing"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json body = Json::parse(harness.env.http->RequestsTo("/worklog").front().body);
  EXPECT_EQ(body["timeSpent"], "1h 30m");
  EXPECT_EQ(body["comment"]["type"], "doc");
  EXPECT_FALSE(body.contains("started"));
}

constexpr char kLinkTypes[] =
    R"({"issueLinkTypes":[{"id":"1","name":"Blocks","inward":"is blocked by","outward":"blocks"},
    {"id":"2","name":"Relates","inward":"relates to","outward":"relates to"}]})";

// A harness whose Jira knows the Blocks and Relates types, takes the POST /issueLink, and lists
// `before` and then `after` as the issuelinks of `source` (read before and after the POST).
void ExpectLinking(ToolHarness& harness, const std::string& source, const std::string& after,
                   const std::string& before = "") {
  harness.env.http->OnJson("GET", Api("/issueLinkType"), 200, kLinkTypes);
  harness.env.http->OnJson("POST", Api("/issueLink"), 201, "");
  for (const std::string& links : {before, after}) {
    harness.env.http->OnJson("GET", Api("/issue/" + source), 200,
                             R"({"fields":{"issuelinks":[)" + links + "]}}");
  }
}

Json PostedLink(ToolHarness& harness) {
  const auto posts = harness.env.http->RequestsTo("/rest/api/3/issueLink");
  const auto post = std::find_if(posts.begin(), posts.end(),
                                 [](const core::HttpRequest& r) { return r.method == "POST"; });
  return post == posts.end() ? Json() : Json::parse(post->body);
}

// Jira's POST /issueLink: {inwardIssue: A, outwardIssue: B} of type Blocks is "A blocks B", and
// A then lists {outwardIssue: B}.
TEST(LinkIssues, PutsTheIssueTheOutwardWordingDescribesInInwardIssue) {
  ToolHarness harness;
  ExpectLinking(harness, "A-1",
                R"({"id":"77","type":{"name":"Blocks"},"outwardIssue":{"key":"B-2"}})");

  const auto result = harness.Call(
      "link_issues", {{"from_key", "A-1"}, {"to_key", "B-2"}, {"link_type", "blocks"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(PostedLink(harness), (Json{{"type", {{"name", "Blocks"}}},
                                       {"inwardIssue", {{"key", "A-1"}}},
                                       {"outwardIssue", {{"key", "B-2"}}}}));
  EXPECT_EQ(ToolHarness::Structured(result)["relation"], "A-1 blocks B-2");
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "77");
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
}

// Keys given in lower case name the same issues: the link Jira lists with capitals is found.
TEST(LinkIssues, FindsTheLinkForKeysGivenInLowerCase) {
  ToolHarness harness;
  ExpectLinking(harness, "A-1",
                R"({"id":"77","type":{"name":"Blocks"},"outwardIssue":{"key":"B-2"}})");

  const auto result = harness.Call(
      "link_issues", {{"from_key", "a-1"}, {"to_key", "b-2"}, {"link_type", "blocks"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "77");
  EXPECT_EQ(ToolHarness::Structured(result)["relation"], "A-1 blocks B-2");
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
}

TEST(LinkIssues, TakesTheDirectionFromTheTypesWording) {
  ToolHarness harness;
  ExpectLinking(harness, "B-2",
                R"({"id":"77","type":{"name":"Blocks"},"outwardIssue":{"key":"A-1"}})");

  // "A-1 is blocked by B-2" is "B-2 blocks A-1": B-2 goes in inwardIssue.
  const auto result = harness.Call(
      "link_issues", {{"from_key", "A-1"}, {"to_key", "B-2"}, {"link_type", "is blocked by"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(PostedLink(harness), (Json{{"type", {{"name", "Blocks"}}},
                                       {"inwardIssue", {{"key", "B-2"}}},
                                       {"outwardIssue", {{"key", "A-1"}}}}));
  EXPECT_EQ(ToolHarness::Structured(result)["relation"], "A-1 is blocked by B-2");
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "77");
}

TEST(LinkIssues, SaysSoWhenJiraStoredTheReverseDirection) {
  ToolHarness harness;
  ExpectLinking(harness, "A-1",
                R"({"id":"77","type":{"name":"Blocks"},"inwardIssue":{"key":"B-2"}})");

  const auto result = harness.Call(
      "link_issues", {{"from_key", "A-1"}, {"to_key", "B-2"}, {"link_type", "Blocks"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "77");
  EXPECT_THAT(ToolHarness::Structured(result)["warnings"][0].get<std::string>(),
              HasSubstr("reverse direction"));
}

// MOB-6 blocks MOB-8 exists as link 10168; "MOB-8 blocks MOB-6" then adds 10169, which MOB-8
// lists next to the older link that points the other way.
TEST(LinkIssues, NamesTheLinkItMadeWhenTheReverseAlreadyExists) {
  ToolHarness harness;
  const std::string existing =
      R"({"id":"10168","type":{"name":"Blocks"},"inwardIssue":{"key":"MOB-6"}})";
  ExpectLinking(harness, "MOB-8", existing + R"(,{"id":"10169","type":{"name":"Blocks"},
                    "outwardIssue":{"key":"MOB-6"}})",
                existing);

  const auto result = harness.Call(
      "link_issues", {{"from_key", "MOB-8"}, {"to_key", "MOB-6"}, {"link_type", "Blocks"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "10169");
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("(link 10169)"));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("reverse")));
}

// "relates to" reads the same both ways, so whichever side Jira lists the new link on is right.
TEST(LinkIssues, NeverCallsASymmetricLinkReversed) {
  ToolHarness harness;
  const std::string existing =
      R"({"id":"20","type":{"name":"Relates"},"inwardIssue":{"key":"B-2"}})";
  ExpectLinking(harness, "A-1",
                existing + R"(,{"id":"21","type":{"name":"Relates"},"inwardIssue":{"key":"B-2"}})",
                existing);

  const auto result = harness.Call(
      "link_issues", {{"from_key", "A-1"}, {"to_key", "B-2"}, {"link_type", "relates to"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "21");
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("reverse")));
}

// Linking what is already linked adds nothing: the reply names the existing link.
TEST(LinkIssues, NamesTheExistingLinkWhenNothingNewAppears) {
  ToolHarness harness;
  const std::string existing =
      R"({"id":"77","type":{"name":"Blocks"},"outwardIssue":{"key":"B-2"}})";
  ExpectLinking(harness, "A-1", existing, existing);

  const auto result = harness.Call(
      "link_issues", {{"from_key", "A-1"}, {"to_key", "B-2"}, {"link_type", "blocks"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["link_id"], "77");
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("already existed"));
}

// Only the reverse link, which was there before: this call's link is not among the links.
TEST(LinkIssues, DoesNotTakeAnOlderReverseLinkForTheNewOne) {
  ToolHarness harness;
  const std::string existing =
      R"({"id":"10168","type":{"name":"Blocks"},"inwardIssue":{"key":"MOB-6"}})";
  ExpectLinking(harness, "MOB-8", existing, existing);

  const auto result = harness.Call(
      "link_issues", {{"from_key", "MOB-8"}, {"to_key", "MOB-6"}, {"link_type", "Blocks"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_FALSE(ToolHarness::Structured(result).contains("link_id"));
  EXPECT_THAT(ToolHarness::Structured(result)["warnings"][0].get<std::string>(),
              HasSubstr("could not be found"));
}

TEST(LinkIssues, UnknownTypesListTheKnownOnes) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issueLinkType"), 200, kLinkTypes);

  const auto result = harness.Call(
      "link_issues", {{"from_key", "A-1"}, {"to_key", "B-2"}, {"link_type", "duplicates"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Blocks (X blocks Y; Y is blocked by X)"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/issueLink?").empty());
}

// An issue key in small letters is used as Jira spells it: the reply names the issue as Jira does.
TEST(UpdateIssue, AKeyInSmallLettersIsUsedInCapitals) {
  ToolHarness harness;
  harness.env.http->OnJson("PUT", Api("/issue/A-12"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-12"), 200, R"({"fields":{"summary":"New"}})");

  const auto result = harness.Call("update_issue", {{"issue_key", "a-12"}, {"summary", "New"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["key"], "A-12");
  EXPECT_THAT(ToolHarness::TextOf(result), StartsWith("Updated A-12: summary"));
}

// A parent key given in lower case is the same parent: no warning when it reads back in capitals.
TEST(SetParent, AKeyInLowerCaseReadsBackAsTheSameParent) {
  ToolHarness harness;
  harness.env.http->OnJson("PUT", Api("/issue/A-2"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-2?fields=parent"), 200,
                           R"({"fields":{"parent":{"id":"10001","key":"A-1"}}})");

  const auto result = harness.Call("set_parent", {{"issue_key", "A-2"}, {"parent_key", "a-1"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_EQ(ToolHarness::Structured(result)["parent"], "A-1");
  EXPECT_EQ(ToolHarness::TextOf(result), "A-2 is now under A-1");
}

TEST(SetParent, ClearsWithNullAndReadsBack) {
  ToolHarness harness;
  harness.env.http->OnJson("PUT", Api("/issue/A-2"), 204, "");
  harness.env.http->OnJson("GET", Api("/issue/A-2?fields=parent"), 200,
                           R"({"fields":{"parent":{"key":"A-1"}}})");

  const auto result = harness.Call("set_parent", {{"issue_key", "A-2"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(Json::parse(harness.env.http->RequestsTo("/issue/A-2").front().body),
            (Json{{"fields", {{"parent", nullptr}}}}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("reads back as 'A-1'"));
}

// Jira's answer is the same for a parent that does not exist and one on the wrong level: the
// error says what to check, and nothing is read back.
TEST(SetParent, AHierarchyErrorSaysWhatToCheck) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "PUT", Api("/issue/A-2"), 400,
      R"({"errorMessages":[],"errors":{"parent":"Given parent work item does not belong to appropriate hierarchy."}})");

  const auto result = harness.Call("set_parent", {{"issue_key", "A-2"}, {"parent_key", "A-99"}});

  ASSERT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result),
              HasSubstr("Check that A-99 exists (get_issue) and is one level above A-2"));
  EXPECT_EQ(harness.env.http->RequestsTo("fields=parent").size(), 0U);
}

TEST(ListSprints, AsksForActiveAndFutureSprintsByDefault) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Agile("/board/7/sprint"), 200,
                           R"({"isLast":true,"values":[{"id":3,"name":"S3","state":"active"}]})");

  const auto result = harness.Call("list_sprints", {{"board_id", 7}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/sprint").front().url,
            Agile("/board/7/sprint?startAt=0&maxResults=50&state=active%2Cfuture"));
  EXPECT_EQ(ToolHarness::Structured(result)["sprints"][0],
            (Json{{"id", 3}, {"name", "S3"}, {"state", "active"}}));
  EXPECT_EQ(harness.env.broker->scope_requests().back().front(), "read:sprint:jira-software");
}

// Jira Software types `fields` as an array of objects, which a query string cannot carry: the
// request leaves it out and the reply keeps only the asked fields.
TEST(SprintIssues, AsksForNoFieldsAndKeepsTheAskedOnes) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Agile("/sprint/3/issue?startAt=0&maxResults=20"), 200,
                           R"({"issues":[{"id":"1","key":"A-1","fields":{"summary":"S",
                               "description":{"type":"doc","version":1,"content":[]},
                               "status":{"name":"To Do"}}}],"total":1})");

  const auto result = harness.Call("sprint_issues", {{"sprint_id", 3}, {"fields", {"summary"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["issues"][0],
            (Json{{"id", "1"}, {"key", "A-1"}, {"summary", "S"}}));
}

// An issue line shows a comment page as names and values: the body's escapes stay single and
// its link written as text is not a link in the text.
TEST(SprintIssues, CommentsReadAsTextWithNoLinkTheyLacked) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Agile("/sprint/3/issue?startAt=0&maxResults=20"), 200,
                           R"json({"issues":[{"id":"1","key":"A-1","fields":{"comment":{"total":1,
                               "comments":[{"id":"7","body":{"type":"doc","version":1,
                               "content":[{"type":"paragraph","content":[{"type":"text",
                               "text":"[x](/evil/s)"}]}]}}]}}}],"total":1})json");

  const auto result = harness.Call("sprint_issues", {{"sprint_id", 3}, {"fields", {"comment"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("body: \\[x\\\\\\](/evil/s)"));
  EXPECT_EQ(CountOf(RenderGfmUnsafe(text), "<a "), 0U) << text;
}

// Jira sends every navigable field here, comments included: an answer past the size cap is
// asked for again as smaller pages, and the cursor goes on from what was read.
TEST(SprintIssues, AnswerTooLargeIsAskedForAgainAsASmallerPage) {
  ToolHarness harness;
  harness.env.http->OnCall("GET", Agile("/sprint/3/issue?startAt=0&maxResults=20"), PastSizeCap);
  harness.env.http->OnJson("GET", Agile("/sprint/3/issue?startAt=0&maxResults=5"), 200,
                           R"({"issues":[{"id":"1","key":"A-1","fields":{"summary":"S"}}],
                               "total":30})");

  const auto result = harness.Call("sprint_issues", {{"sprint_id", 3}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/sprint/3/issue").size(), 2U);  // 20, then 5
  const Json& structured = ToolHarness::Structured(result);
  EXPECT_EQ(structured["issues"][0]["key"], "A-1");
  ASSERT_TRUE(structured.contains("next_cursor"));
  // The next page asks for the size asked for first, not the smaller one read.
  harness.env.http->OnJson("GET", Agile("/sprint/3/issue?startAt=1&maxResults=20"), 200,
                           R"({"issues":[],"total":30})");
  const auto next =
      harness.Call("sprint_issues", {{"sprint_id", 3}, {"cursor", structured["next_cursor"]}});
  EXPECT_FALSE(next.is_error) << ToolHarness::TextOf(next);
}

// One issue alone past the cap: the advice names a way that can read it, not "fewer fields".
TEST(BacklogIssues, OneIssueTooLargeAlonePointsToSearchWithFields) {
  ToolHarness harness;
  harness.env.http->OnCall("GET", Agile("/board/7/backlog"), PastSizeCap);

  const auto result = harness.Call("backlog_issues", {{"board_id", 7}, {"max_results", 4}});

  ASSERT_TRUE(result.is_error);
  EXPECT_EQ(harness.env.http->RequestsTo("/board/7/backlog").size(), 2U);  // 4, then 1
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("single entry at offset 0"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("search_issues"));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("fewer fields")));

  // The error hands out a cursor that goes on after the entry, at the page size asked for.
  const std::string text = ToolHarness::TextOf(result);
  const auto quote = text.find("cursor \"");
  ASSERT_NE(quote, std::string::npos) << text;
  const std::string cursor = text.substr(quote + 8, text.find('"', quote + 8) - quote - 8);
  harness.env.http->OnJson("GET", Agile("/board/7/backlog?startAt=1&maxResults=4"), 200,
                           R"({"issues":[{"id":"2","key":"A-2","fields":{"summary":"T"}}],
                               "total":2})");
  const auto next = harness.Call("backlog_issues", {{"board_id", 7}, {"cursor", cursor}});
  ASSERT_FALSE(next.is_error) << ToolHarness::TextOf(next);
  EXPECT_EQ(ToolHarness::Structured(next)["issues"][0]["key"], "A-2");
}

TEST(MoveIssues, ChecksWhereTheIssuesLanded) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Agile("/sprint/3/issue"), 204, "");
  harness.env.http->OnJson("POST", Api("/search/jql"), 200,
                           R"({"issues":[{"id":"1","key":"A-1"}],"isLast":true})");

  const auto result =
      harness.Call("move_issues", {{"issue_keys", {"A-1", "A-2"}}, {"sprint_id", 3}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(Json::parse(harness.env.http->RequestsTo("/sprint/3/issue").front().body),
            (Json{{"issues", {"A-1", "A-2"}}}));
  EXPECT_EQ(Json::parse(harness.env.http->RequestsTo("/search/jql").front().body)["jql"],
            "key in (A-1,A-2) AND sprint = 3");
  EXPECT_EQ(ToolHarness::Structured(result)["moved"], 1);
  EXPECT_THAT(ToolHarness::TextOf(result),
              StartsWith("Moved 1 of 2 issues to sprint 3; not found there afterwards: A-2"));
}

// Jira answers with the key in capitals: a key given in lower case, or an issue id, landed too.
TEST(MoveIssues, AKeyInLowerCaseOrAnIdCountsAsLanded) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Agile("/sprint/3/issue"), 204, "");
  harness.env.http->OnJson(
      "POST", Api("/search/jql"), 200,
      R"({"issues":[{"id":"10001","key":"A-1"},{"id":"10004","key":"A-4"}],"isLast":true})");

  const auto result =
      harness.Call("move_issues", {{"issue_keys", {"a-1", "10004"}}, {"sprint_id", 3}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["moved"], 2);
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_EQ(ToolHarness::TextOf(result), "Moved 2 issues to sprint 3");
}

// One issue named twice, by key and by id, is one issue moved.
TEST(MoveIssues, AnIssueNamedTwiceCountsOnce) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Agile("/backlog/issue"), 204, "");
  harness.env.http->OnJson("POST", Api("/search/jql"), 200,
                           R"({"issues":[{"id":"10005","key":"A-6"}],"isLast":true})");

  const auto result = harness.Call("move_issues", {{"issue_keys", {"a-6", "10005"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["moved"], 1);
  EXPECT_EQ(ToolHarness::TextOf(result), "Moved 1 issue to the backlog");
}

TEST(MoveIssues, WithoutASprintGoesToTheBacklog) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", Agile("/backlog/issue"), 204, "");
  harness.env.http->OnJson("POST", Api("/search/jql"), 200,
                           R"({"issues":[{"key":"A-1"}],"isLast":true})");

  const auto result = harness.Call("move_issues", {{"issue_keys", {"A-1"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/backlog/issue").size(), 1U);
  EXPECT_FALSE(ToolHarness::Structured(result).contains("warnings"));
  EXPECT_THAT(ToolHarness::TextOf(result), StartsWith("Moved 1 issue to the backlog"));
}

TEST(GetCreateFields, ResolvesTheIssueTypeNameAndMarksMandatoryFields) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "GET", Api("/issue/createmeta/A/issuetypes?"), 200,
      R"({"issueTypes":[{"id":"10001","name":"Bug"},{"id":"10002","name":"Task"}]})");
  harness.env.http->OnJson("GET", Api("/issue/createmeta/A/issuetypes/10002"), 200, R"({"fields":[
      {"fieldId":"summary","name":"Summary","required":true,"schema":{"type":"string"}},
      {"fieldId":"priority","name":"Priority","required":false,"schema":{"type":"priority"},
       "allowedValues":[{"id":"1","name":"High"},{"id":"2","name":"Low"}]}]})");

  const auto result =
      harness.Call("get_create_fields", {{"project_key", "A"}, {"issue_type", "task"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& structured = ToolHarness::Structured(result);
  EXPECT_EQ(structured["issue_type_id"], "10002");
  EXPECT_TRUE(structured["fields"][0]["mandatory"].get<bool>());
  EXPECT_EQ(structured["fields"][1]["allowed"], (Json{"High", "Low"}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("\nsummary · Summary (string) · required"));
  EXPECT_THAT(ToolHarness::TextOf(result),
              HasSubstr("\npriority · Priority (priority) · one of: High, Low"));
  EXPECT_THAT(ToolHarness::TextOf(result), StartsWith("2 fields for issue type Task (10002)"));
}

// Allowed values are kept as Jira names them, to be passed back; the text shows them, and the
// names of fields, as plain text.
TEST(GetCreateFields, KeepsAllowedValuesExactAndShowsNamesAsPlainText) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/createmeta/A/issuetypes/7"), 200, R"j({"fields":[
      {"fieldId":"customfield_1","name":"[x](https://evil.example)","required":true,
       "schema":{"type":"option"},"allowedValues":[{"id":"1","value":"Won't_Fix *now*"}]}]})j");

  const auto result =
      harness.Call("get_create_fields", {{"project_key", "A"}, {"issue_type", "7"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["fields"][0]["allowed"], (Json{"Won't_Fix *now*"}));
  const std::string html = RenderGfmUnsafe(ToolHarness::TextOf(result));
  // The address may read as a bare link, its own text; the name links nothing else.
  EXPECT_THAT(html, Not(HasSubstr(">x</a>")));
  EXPECT_THAT(html, Not(HasSubstr("<em>")));
  EXPECT_THAT(html, HasSubstr("[x]("));
  EXPECT_THAT(html, HasSubstr("Won't_Fix *now*"));
}

TEST(SearchFields, FallsBackToTheFieldListForNonAdmins) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field/search"), 403,
                           R"({"errorMessages":["Only Jira administrators can access fields."]})");
  harness.env.http->OnJson("GET", Api("/field"), 200, R"([
      {"id":"customfield_10016","name":"Story Points","custom":true,"schema":{"type":"number"}},
      {"id":"summary","name":"Summary","custom":false}])");

  const auto result = harness.Call("search_fields", {{"query", "story"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["fields"], (Json{{{"id", "customfield_10016"},
                                                              {"name", "Story Points"},
                                                              {"custom", true},
                                                              {"schema_type", "number"}}}));
}

// Jira may answer in pages smaller than asked for: the tool reads on to max_results.
TEST(SearchFields, ReadsOnWhenJiraAnswersASmallerPage) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field/search"), 200,
                           R"({"isLast":false,"values":[{"id":"summary","name":"Summary"}]})");
  harness.env.http->OnJson("GET", Api("/field/search"), 200,
                           R"({"isLast":true,"values":[{"id":"status","name":"Status"}]})");

  const auto result = harness.Call("search_fields", {{"max_results", 5}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(ToolHarness::Structured(result)["fields"].size(), 2U);
  EXPECT_FALSE(ToolHarness::Structured(result)["has_more"].get<bool>());
  const auto requests = harness.env.http->RequestsTo("/field/search");
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_THAT(requests[0].url, HasSubstr("startAt=0&maxResults=5"));
  EXPECT_THAT(requests[1].url, HasSubstr("startAt=1&maxResults=4"));
}

// A Jira that ignores startAt, sends more than asked, or gives only a total is read as far as it
// is telling the truth: no field twice, never past max_results, and has_more from the total.
TEST(SearchFields, ReadsAMisbehavingPagingHonestly) {
  ToolHarness harness;
  const char* same = R"({"isLast":false,"values":[{"id":"a","name":"A"},{"id":"b","name":"B"}]})";
  harness.env.http->OnJson("GET", Api("/field/search"), 200, same);
  harness.env.http->OnJson("GET", Api("/field/search"), 200, same);
  harness.env.http->OnJson("GET", Api("/field/search"), 200, same);
  harness.env.http->OnJson("GET", Api("/field/search"), 200,
                           R"({"total":12,"values":[{"id":"a","name":"A"}]})");

  const auto ignored_start = harness.Call("search_fields", {{"max_results", 10}});
  const auto too_many = harness.Call("search_fields", {{"max_results", 1}});
  const auto total_only = harness.Call("search_fields", {{"max_results", 1}});

  ASSERT_FALSE(ignored_start.is_error) << ToolHarness::TextOf(ignored_start);
  EXPECT_EQ(ToolHarness::Structured(ignored_start)["fields"].size(), 2U);
  ASSERT_FALSE(too_many.is_error) << ToolHarness::TextOf(too_many);
  EXPECT_EQ(ToolHarness::Structured(too_many)["fields"].size(), 1U);
  EXPECT_TRUE(ToolHarness::Structured(too_many)["has_more"].get<bool>());
  ASSERT_FALSE(total_only.is_error) << ToolHarness::TextOf(total_only);
  EXPECT_TRUE(ToolHarness::Structured(total_only)["has_more"].get<bool>());
  EXPECT_EQ(harness.env.http->RequestsTo("/field/search").size(), 4U);
}

// A list cut at max_results says more fields match, from either source.
TEST(SearchFields, SaysWhenMoreFieldsMatch) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field/search"), 200,
                           R"({"isLast":false,"values":[{"id":"summary","name":"Summary"}]})");
  harness.env.http->OnJson("GET", Api("/field/search"), 403, "{}");
  harness.env.http->OnJson("GET", Api("/field"), 200, R"([{"id":"summary","name":"Summary"},
      {"id":"customfield_1","name":"Summary 2"}])");

  const auto admin = harness.Call("search_fields", {{"query", "sum"}, {"max_results", 1}});
  const auto user = harness.Call("search_fields", {{"query", "sum"}, {"max_results", 1}});

  ASSERT_FALSE(admin.is_error) << ToolHarness::TextOf(admin);
  EXPECT_TRUE(ToolHarness::Structured(admin)["has_more"].get<bool>());
  EXPECT_THAT(ToolHarness::TextOf(admin), HasSubstr("1 field (more match: give a narrower query"));
  ASSERT_FALSE(user.is_error) << ToolHarness::TextOf(user);
  EXPECT_TRUE(ToolHarness::Structured(user)["has_more"].get<bool>());
}

// /field/search's Field has no top-level `custom`: an admin's answer still marks custom fields.
TEST(SearchFields, MarksCustomFieldsFromTheAdminSearch) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field/search"), 200, R"({"isLast":true,"values":[
      {"id":"customfield_10016","name":"Story Points",
       "schema":{"type":"number","custom":"com.atlassian.jira.plugin.system.customfieldtypes:float"}},
      {"id":"customfield_10020","name":"Sprint"},
      {"id":"summary","name":"Summary","schema":{"type":"string","system":"summary"}}]})");

  const auto result = harness.Call("search_fields", Json::object());

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json fields = ToolHarness::Structured(result)["fields"];
  ASSERT_EQ(fields.size(), 3U);
  EXPECT_EQ(fields[0]["custom"], true);
  EXPECT_EQ(fields[1]["custom"], true);
  EXPECT_EQ(fields[2]["custom"], false);
}

// Names stored in Jira (boards, sprints, projects, users, link types, priorities, attachments)
// read in every listing as text: no HTML, no image, no link that would take in the rest, and a
// text file's content reads as code.
TEST(StoredNames, ReadAsTextInEveryListing) {
  ToolHarness harness;
  const std::string name = "<img src=/evil/i> <b>B</b> [x](/evil/l \"t) ![p](/evil/p.png) [o";
  Json value = {{"id", 1},           {"name", name}, {"type", "scrum"},
                {"state", "active"}, {"key", "A"},   {"self", "x"}};
  const Json page = {{"isLast", true}, {"total", 1}, {"values", {value}}};
  harness.env.http->OnJson("GET", Agile("/board?"), 200, page.dump());
  harness.env.http->OnJson("GET", Agile("/board/7/sprint"), 200, page.dump());
  harness.env.http->OnJson("GET", Api("/project/search"), 200, page.dump());
  harness.env.http->OnJson("GET", Api("/priority"), 200,
                           Json::array({{{"id", "1"}, {"name", name}}}).dump());
  harness.env.http->OnJson(
      "GET", Api("/issueLinkType"), 200,
      Json{{"issueLinkTypes", {{{"id", "1"}, {"name", name}, {"inward", name}, {"outward", name}}}}}
          .dump());
  harness.env.http->OnJson(
      "GET", Api("/user/search"), 200,
      Json::array({{{"accountId", "5b10ac8d82e05b22cc7d4ef5"}, {"displayName", name}}}).dump());
  harness.env.http->OnJson(
      "GET", Api("/attachment/9"), 200,
      Json{{"id", 9}, {"filename", name}, {"mimeType", "text/plain"}, {"size", 30}}.dump());
  core::HttpHeaders headers;
  headers.emplace_back("Content-Type", "text/plain");
  harness.env.http->On("GET", Api("/attachment/content/9"),
                       core::HttpResponse{200, headers, "```\n[f](/evil/f) <img src=/evil/g>"});

  for (const auto& [tool, arguments] : std::vector<std::pair<std::string, Json>>{
           {"list_boards", Json::object()},
           {"list_sprints", {{"board_id", 7}}},
           {"list_projects", Json::object()},
           {"list_priorities", Json::object()},
           {"list_link_types", Json::object()},
           {"find_users", {{"query", "Ann"}}},
           {"download_attachment", {{"attachment_id", "9"}}}}) {
    const auto result = harness.Call(tool, arguments);
    ASSERT_FALSE(result.is_error) << tool << ": " << ToolHarness::TextOf(result);
    const std::string html = RenderGfmUnsafe(ToolHarness::TextOf(result));
    // The image stays a link of the name's own, to the same address; nothing else links.
    for (const char* element : {"<img", "<b>", "href=\"/evil/l", "href=\"/evil/f"}) {
      EXPECT_EQ(CountOf(html, element), 0U) << tool << " " << element << "\n" << html;
    }
    EXPECT_EQ(CountOf(html, "<a "), CountOf(html, "<a href=\"/evil/p.png\">p</a>")) << tool << "\n"
                                                                                    << html;
  }
}

// A name that starts a line opens no block there: each user reads on a line of its own.
TEST(StoredNames, OpenNoBlockWhereTheyStartALine) {
  ToolHarness harness;
  Json users = Json::array();
  for (const char* name : {"# Heading", "~~~ fence", "> quote", "1. numbered", "    code"}) {
    users.push_back({{"accountId", std::string("id-") + name[0]}, {"displayName", name}});
  }
  harness.env.http->OnJson("GET", Api("/user/search"), 200, users.dump());

  const auto result = harness.Call("find_users", {{"query", "a"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string html = RenderGfmUnsafe(ToolHarness::TextOf(result));
  for (const char* element : {"<h1", "<pre", "<blockquote", "<ol", "<code"}) {
    EXPECT_EQ(CountOf(html, element), 0U) << element << "\n" << html;
  }
}

// An error quotes what it was given: as markdown it still holds no link, image or HTML.
TEST(ErrorText, QuotedArgumentsMakeNoLinkImageOrHtml) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/field"), 200, "[]");
  const std::string hostile =
      "[x](/evil/e) <img src=x> ![i](/evil/i.png)\n\n[r]: /evil/r.png\n\n# H ![r]";

  const auto result = harness.Call("get_issue", {{"issue_key", "A-1"}, {"fields", {hostile}}});

  ASSERT_TRUE(result.is_error);
  const std::string html = RenderGfmUnsafe(ToolHarness::TextOf(result));
  EXPECT_EQ(CountOf(html, "<a "), 0U) << html;
  EXPECT_EQ(CountOf(html, "<img"), 0U) << html;
  EXPECT_EQ(CountOf(html, "<h1"), 0U) << html;
}

// Jira's own message can hold a bidirectional override: it reads as its name.
TEST(ErrorText, JirasMessageShowsABidiOverrideByName) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/issue/A-1"), 400,
                           "{\"errorMessages\":[\"bad \u202e value\"]}");

  const auto result = harness.Call("get_issue", {{"issue_key", "A-1"}});

  ASSERT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("bad (U+202E) value"));
}

TEST(DownloadAttachment, ReturnsImagesAsImageContent) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/attachment/9"), 200,
                           R"({"id":9,"filename":"shot.png","mimeType":"image/png","size":4})");
  core::HttpHeaders headers;
  headers.emplace_back("Content-Type", "image/png");
  harness.env.http->On("GET", Api("/attachment/content/9"),
                       core::HttpResponse{200, headers, "\x89PNG"});

  const auto result = harness.Call("download_attachment", {{"attachment_id", "9"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(harness.env.http->RequestsTo("/attachment/content/").front().url,
            Api("/attachment/content/9?redirect=false"));
  ASSERT_EQ(result.content.size(), 2U);
  EXPECT_EQ(result.content[1], (Json{{"type", "image"},
                                     {"data", core::Base64Encode("\x89PNG")},
                                     {"mimeType", "image/png"}}));
}

TEST(DownloadAttachment, RefusesWhatIsOverTheCap) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/attachment/9"), 200,
                           R"({"filename":"big.png","mimeType":"image/png","size":5000000})");

  const auto result = harness.Call("download_attachment", {{"attachment_id", "9"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("over the 1048576 byte cap"));
  EXPECT_TRUE(harness.env.http->RequestsTo("/attachment/content/").empty());
}

// Jira's size for a file can be missing or too small: content past the cap gets the same advice
// as a size over it, with the cap in bytes.
TEST(DownloadAttachment, ContentPastTheCapSaysToRaiseIt) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/attachment/9"), 200,
                           R"({"filename":"nosize.txt","mimeType":"text/plain"})");
  harness.env.http->OnCall("GET", Api("/attachment/content/9"), [](const core::HttpRequest& r) {
    EXPECT_EQ(r.max_response_bytes, 1001U);
    return core::Result<core::HttpResponse>(
        core::Status(core::Code::kResourceExhausted, "larger than 1001 bytes"));
  });

  const auto result =
      harness.Call("download_attachment", {{"attachment_id", "9"}, {"max_bytes", 1000}});

  ASSERT_TRUE(result.is_error);
  EXPECT_EQ(ToolHarness::TextOf(result),
            "nosize.txt is larger than the 1000 byte cap; raise max_bytes (up to 8388608) or open "
            "it in Jira.");
}

// An SVG is XML that can hold script: it reads as text, never as an image a host may render.
TEST(DownloadAttachment, AnSvgReadsAsText) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", Api("/attachment/9"), 200,
                           R"({"filename":"a.svg","mimeType":"image/svg+xml","size":40})");
  harness.env.http->On("GET", Api("/attachment/content/9"),
                       core::HttpResponse{200, {}, "<svg><script>alert(1)</script></svg>"});

  const auto result = harness.Call("download_attachment", {{"attachment_id", "9"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  ASSERT_EQ(result.content.size(), 1U);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("```\n<svg><script>"));
}

// A media type goes into a header line of the form data: one that could end it is refused.
TEST(UploadAttachment, RefusesAMediaTypeThatIsNoName) {
  ToolHarness harness;

  for (const char* mime : {"text/plain\r\nX-Evil: 1", "text", "/plain", "text/plain; q=1"}) {
    const auto result =
        harness.Call("upload_attachment", {{"issue_key", "A-1"},
                                           {"filename", "x.txt"},
                                           {"content_base64", core::Base64Encode("hi")},
                                           {"mime_type", mime}});

    EXPECT_TRUE(result.is_error) << mime;
    EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("`mime_type` must be a media type"));
  }
  EXPECT_TRUE(harness.env.http->requests().empty());
}

TEST(UploadAttachment, SendsOneMultipartFileWithTheXsrfHeader) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", Api("/issue/A-1/attachments"), 200,
      R"([{"id":"12","filename":"notes.txt","size":5,"mimeType":"text/plain"}])");

  const auto result =
      harness.Call("upload_attachment", {{"issue_key", "A-1"},
                                         {"filename", "no\"tes.txt"},
                                         {"content_base64", core::Base64Encode("hello")},
                                         {"mime_type", "text/plain"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto request = harness.env.http->RequestsTo("/attachments").front();
  EXPECT_EQ(core::FindHeader(request.headers, "X-Atlassian-Token"), "no-check");
  ASSERT_EQ(request.content_type.rfind("multipart/form-data; boundary=", 0), 0U);
  const std::string boundary = request.content_type.substr(30);
  EXPECT_EQ(request.body,
            "--" + boundary +
                "\r\nContent-Disposition: form-data; name=\"file\"; "
                "filename=\"no_tes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--" +
                boundary + "--\r\n");
  EXPECT_EQ(ToolHarness::Structured(result)["attachments"][0]["id"], "12");
}

TEST(UploadAttachment, RejectsInvalidBase64) {
  ToolHarness harness;

  const auto result = harness.Call(
      "upload_attachment", {{"issue_key", "A-1"}, {"filename", "x"}, {"content_base64", "@@@"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_TRUE(harness.env.http->requests().empty());
}

}  // namespace
}  // namespace tools
