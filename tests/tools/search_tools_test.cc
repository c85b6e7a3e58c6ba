#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "core/base64.h"
#include "core/memory.h"
#include "tests/tools/gfm_render.h"
#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string SearchUrl() { return std::string(kJira) + "/rest/api/3/search/jql"; }

Json IssueJson(int n, const std::string& summary = {}) {
  return {{"id", std::to_string(10000 + n)},
          {"key", "A-" + std::to_string(n)},
          {"self", "https://x.test/issue"},
          {"fields",
           {{"summary", summary.empty() ? "Issue " + std::to_string(n) : summary},
            {"status", {{"name", "Open"}, {"statusCategory", {{"key", "new"}}}}},
            {"description", {{"type", "doc"}, {"version", 1}, {"content", Json::array()}}},
            {"assignee", {{"accountId", "a1"}, {"displayName", "Ann"}}},
            {"project", {{"key", "A"}, {"name", "Alpha"}}}}}};
}

// Jira holding `total` matches, paged by nextPageToken "p<start>".
void ServeMatches(ToolHarness& harness, int total, std::vector<Json>* bodies) {
  harness.env.http->OnCall("POST", SearchUrl(), [total, bodies](const core::HttpRequest& request) {
    const Json body = Json::parse(request.body);
    bodies->push_back(body);
    const int start = body.contains("nextPageToken")
                          ? std::stoi(body["nextPageToken"].get<std::string>().substr(1))
                          : 0;
    const int size = std::min(body["maxResults"].get<int>(), total - start);
    Json page = {{"issues", Json::array()}, {"isLast", start + size >= total}};
    for (int i = start; i < start + size; ++i) {
      page["issues"].push_back(IssueJson(i));
    }
    if (start + size < total) {
      page["nextPageToken"] = "p" + std::to_string(start + size);
    }
    core::HttpHeaders headers;
    headers.emplace_back("Content-Type", "application/json");
    return core::Result<core::HttpResponse>(core::HttpResponse{200, headers, page.dump()});
  });
}

// C1
// Every tool call gives back its place for large answers when it ends, whichever thread ran it:
// more calls than there are places, one after another on new threads, each read at once.
TEST(LargeAnswers, EveryToolCallGivesItsPlaceBack) {
  ToolHarness harness;
  const Json issue = {
      {"id", "1"}, {"key", "A-1"}, {"fields", {{"summary", std::string(2 << 20, 's')}}}};
  for (int i = 0; i < core::kLargeBufferHolders + 2; ++i) {
    harness.env.http->OnJson("POST", SearchUrl(), 200,
                             Json{{"issues", {issue}}, {"isLast", true}}.dump());
  }

  for (int i = 0; i < core::kLargeBufferHolders + 2; ++i) {
    const auto started = std::chrono::steady_clock::now();
    // search_issues is registered without MakeTool: the end of the call is not the handler's.
    std::thread([&harness] {
      const auto found = harness.Call("search_issues", {{"jql", "project = A"}});
      EXPECT_FALSE(found.is_error) << ToolHarness::TextOf(found);
    }).join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10)) << i;
  }
}

// A comment page Jira sends for the `comment` field: one comment whose body holds a link written
// as text and a link written as code, neither of them a link in Jira.
Json CommentField() {
  const Json body = {
      {"type", "doc"},
      {"version", 1},
      {"content",
       {{{"type", "paragraph"},
         {"content",
          {{{"type", "text"}, {"text", "[x](/evil/t) "}},
           {{"type", "text"}, {"text", "[y](/evil/c)"}, {"marks", {{{"type", "code"}}}}}}}}}}};
  return {
      {"total", 1},
      {"comments",
       {{{"id", "7"}, {"author", {{"displayName", "Ann"}}}, {"created", "2026"}, {"body", body}}}}};
}

// The text column shows an object-valued field as names and values, not as JSON (which doubles
// each escape's backslash), and cut short it never leaves code open: as markdown it has no link.
TEST(SearchIssues, ObjectValuedFieldsReadAsTextWithNoLinkTheyLacked) {
  ToolHarness harness;
  const Json issue = {{"id", "1"}, {"key", "A-1"}, {"fields", {{"comment", CommentField()}}}};
  harness.env.http->OnJson("POST", SearchUrl(), 200,
                           Json{{"issues", {issue}}, {"isLast", true}}.dump());

  const auto result =
      harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"comment"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("body: \\[x\\\\\\](/evil/t)"));
  EXPECT_THAT(text, Not(HasSubstr("{\"")));
  EXPECT_EQ(CountOf(RenderGfmUnsafe(text), "<a "), 0U) << text;
}

// An issue Jira sent without its key is not given an empty key: the row names its id, and a
// note says how to read it.
TEST(SearchIssues, AnIssueWithoutAKeyIsNamedByItsId) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", SearchUrl(), 200,
                           R"({"isLast":true,"issues":[{"id":"100","fields":{"summary":"S1"}}]})");

  const auto result =
      harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"summary"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& structured = ToolHarness::Structured(result);
  EXPECT_EQ(structured["issues"][0], (Json{{"id", "100"}, {"summary", "S1"}}));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("\n(id 100) | S1"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Jira sent 1 issue without a key"));

  // In the wide layout of "*all" too.
  harness.env.http->OnJson("POST", SearchUrl(), 200,
                           R"({"isLast":true,"issues":[{"id":"100","fields":{"summary":"S1"}}]})");
  const auto wide = harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"*all"}}});
  ASSERT_FALSE(wide.is_error) << ToolHarness::TextOf(wide);
  EXPECT_THAT(ToolHarness::TextOf(wide), HasSubstr("\n(id 100) · S1"));
}

// A pipe in a value is escaped once, so the row reads it as text, not as "\\|".
TEST(SearchIssues, APipeInAValueIsEscapedOnce) {
  ToolHarness harness;
  const Json issue = {{"id", "1"}, {"key", "A-1"}, {"fields", {{"summary", "a | b \\| c"}}}};
  harness.env.http->OnJson("POST", SearchUrl(), 200,
                           Json{{"issues", {issue}}, {"isLast", true}}.dump());

  const auto result =
      harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"summary"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("A-1 | a \\| b \\\\\\| c"));
}

// Heavy fields can take Jira's answer past the size cap: the same place is asked for again as a
// quarter of the page, and the next page has the size asked for.
TEST(SearchIssues, AnswerTooLargeIsAskedForAgainAsASmallerPage) {
  ToolHarness harness;
  std::vector<int> sizes;
  harness.env.http->OnCall("POST", SearchUrl(), [&sizes](const core::HttpRequest& request) {
    const Json body = Json::parse(request.body);
    const int size = body["maxResults"].get<int>();
    sizes.push_back(size);
    if (size > 5) {
      return PastSizeCap(request);
    }
    Json page = {{"issues", Json::array()}, {"isLast", false}, {"nextPageToken", "p"}};
    for (int i = 0; i < size; ++i) {
      page["issues"].push_back(IssueJson(i));
    }
    return core::Result<core::HttpResponse>(
        core::HttpResponse{200, {{"Content-Type", "application/json"}}, page.dump()});
  });

  const auto first = harness.Call("search_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);
  EXPECT_EQ(sizes, (std::vector<int>{20, 5}));
  const Json& structured = ToolHarness::Structured(first);
  EXPECT_EQ(structured["issues"].size(), 5U);
  ASSERT_TRUE(structured.contains("next_cursor"));
  const auto next = harness.Call("search_issues",
                                 {{"jql", "project = A"}, {"cursor", structured["next_cursor"]}});
  EXPECT_FALSE(next.is_error) << ToolHarness::TextOf(next);
  EXPECT_EQ(sizes, (std::vector<int>{20, 5, 20, 5}));
}

// One issue alone past the cap: the error names it, says what can read it, and gives a cursor
// past it.
TEST(SearchIssues, OneIssueTooLargeAloneIsNamedAndCanBeSteppedOver) {
  ToolHarness harness;
  std::vector<Json> bodies;
  harness.env.http->OnCall("POST", SearchUrl(), [&bodies](const core::HttpRequest& request) {
    const Json body = Json::parse(request.body);
    bodies.push_back(body);
    if (body["fields"] != Json{"summary"}) {
      return PastSizeCap(request);
    }
    const Json page = {{"issues", {IssueJson(7)}}, {"isLast", false}, {"nextPageToken", "p8"}};
    return core::Result<core::HttpResponse>(
        core::HttpResponse{200, {{"Content-Type", "application/json"}}, page.dump()});
  });

  const auto alone = harness.Call(
      "search_issues", {{"jql", "project = A"}, {"fields", {"comment"}}, {"max_results", 8}});

  ASSERT_TRUE(alone.is_error);
  ASSERT_EQ(bodies.size(), 4U);  // 8, 2 and 1 with the comments, then 1 with the summary
  EXPECT_EQ(bodies[2]["maxResults"], 1);
  EXPECT_EQ(bodies[3]["maxResults"], 1);
  const std::string text = ToolHarness::TextOf(alone);
  EXPECT_THAT(text, HasSubstr("A-7 alone"));
  EXPECT_THAT(text, HasSubstr("get_issue"));
  const std::size_t start = text.find("pass cursor \"");
  ASSERT_NE(start, std::string::npos) << text;
  const std::size_t from = start + std::string_view("pass cursor \"").size();
  const std::string cursor = text.substr(from, text.find('"', from) - from);

  harness.Call("search_issues",
               {{"jql", "project = A"}, {"fields", {"comment"}}, {"cursor", cursor}});
  ASSERT_GT(bodies.size(), 4U);
  EXPECT_EQ(bodies[4]["nextPageToken"], "p8");
  EXPECT_EQ(bodies[4]["maxResults"], 8);
}

// A search is a POST that only reads: an unreadable answer changed nothing to check.
TEST(SearchIssues, AnUnreadableAnswerIsNotToldAsAWrite) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", SearchUrl(), 200, "<html>proxy</html>");

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}});

  ASSERT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("accepted")));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("Check what the change did")));
}

// "*all" is no column: the text shows each issue's fields, as structuredContent does.
TEST(SearchIssues, AllFieldsReadInTheTextToo) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 2, &bodies);

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"*all"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, Not(HasSubstr("*all")));
  EXPECT_THAT(text, HasSubstr("A-1 · Issue 1 · "));
  EXPECT_THAT(text, HasSubstr("assignee: Ann"));
}

TEST(SearchIssues, CarriesJiras410InsteadOfAnEmptyList) {
  ToolHarness harness;
  harness.env.http->OnJson(
      "POST", SearchUrl(), 410,
      R"({"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."]})");

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}});

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("The requested API has been removed"));
  for (const auto& request : harness.env.http->RequestsTo("/ex/jira/")) {
    EXPECT_THAT(request.url, HasSubstr("/rest/api/3/search/jql"));
  }
}

// Jira leaves out a field it does not know: the reply says so instead of a column of nulls.
TEST(SearchIssues, SaysWhichAskedFieldsNoIssueHad) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 2, &bodies);

  const auto result = harness.Call(
      "search_issues", {{"jql", "project = A"}, {"fields", {"summary", "customfield_99999"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& structured = ToolHarness::Structured(result);
  ASSERT_EQ(structured["warnings"].size(), 1U);
  EXPECT_THAT(structured["warnings"][0].get<std::string>(), HasSubstr("no customfield_99999"));
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Note: Jira sent no customfield_99999"));
  EXPECT_TRUE(structured["issues"][0]["customfield_99999"].is_null());

  const auto known =
      harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"summary"}}});
  EXPECT_FALSE(ToolHarness::Structured(known).contains("warnings"));
}

// C6
TEST(SearchIssues, ReturnsExactlyTheAskedFieldsPlusKeyAndId) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 2, &bodies);

  const auto result =
      harness.Call("search_issues", {{"jql", "project = A"}, {"fields", {"summary", "status"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  ASSERT_EQ(bodies.size(), 1U);
  EXPECT_EQ(bodies[0]["fields"], (Json{"summary", "status"}));
  EXPECT_EQ(bodies[0]["jql"], "project = A");
  const Json issues = ToolHarness::Structured(result)["issues"];
  ASSERT_EQ(issues.size(), 2U);
  EXPECT_EQ(issues[0],
            (Json{{"id", "10000"}, {"key", "A-0"}, {"summary", "Issue 0"}, {"status", "Open"}}));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("Alpha")));
}

// A field asked for many times is one field: the reply cannot grow past its size budget that way.
TEST(SearchIssues, AskingForAFieldTwiceAsksForItOnce) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 1, &bodies);
  Json fields = Json::array();
  for (int i = 0; i < 1000; ++i) {
    fields.push_back(i % 2 == 0 ? "summary" : "status");
  }

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}, {"fields", fields}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  EXPECT_EQ(bodies[0]["fields"], (Json{"summary", "status"}));
  EXPECT_EQ(ToolHarness::Structured(result)["issues"][0].size(), 4U);
}

// A cursor edited by hand (its binding intact) is refused as a cursor, not blamed on Jira and not
// read as "no issues, and more".
TEST(SearchIssues, RefusesACursorEditedByHand) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 30, &bodies);
  const Json arguments = {{"jql", "project = A"}, {"max_results", 10}};
  const auto first = harness.Call("search_issues", arguments);
  const std::string cursor = ToolHarness::Structured(first)["next_cursor"];
  const Json state = Json::parse(*core::Base64UrlDecode(cursor.substr(3)));

  for (const auto& [name, value] : std::vector<std::pair<std::string, Json>>{
           {"o", -1}, {"o", "3"}, {"o", 1000000000}, {"t", Json{{"a", 1}}}, {"t", ""}}) {
    Json edited = state;
    edited[name] = value;
    Json again = arguments;
    again["cursor"] = "c1." + core::Base64UrlEncode(edited.dump());

    const auto result = harness.Call("search_issues", again);

    EXPECT_TRUE(result.is_error) << name << "=" << value.dump();
    EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("The cursor is not one this tool issued"))
        << name << "=" << value.dump();
  }
}

// Jira's page tokens expire: a cursor whose token Jira refuses is answered with "start over",
// not with advice to correct the arguments.
TEST(SearchIssues, AnExpiredPageTokenSaysToStartOver) {
  ToolHarness harness;
  harness.env.http->OnCall("POST", SearchUrl(), [](const core::HttpRequest& request) {
    const bool later = Json::parse(request.body).contains("nextPageToken");
    Json page = {{"issues", {IssueJson(0)}}, {"isLast", false}, {"nextPageToken", "p1"}};
    core::HttpHeaders headers;
    headers.emplace_back("Content-Type", "application/json");
    return core::Result<core::HttpResponse>(core::HttpResponse{
        later ? 400 : 200, headers,
        later ? R"({"errorMessages":["The provided next page token is invalid or expired."]})"
              : page.dump()});
  });
  const Json arguments = {{"jql", "project = A"}, {"max_results", 10}};
  const auto first = harness.Call("search_issues", arguments);
  Json again = arguments;
  again["cursor"] = ToolHarness::Structured(first)["next_cursor"];

  const auto result = harness.Call("search_issues", again);

  ASSERT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("Repeat the call without `cursor`"));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("Correct the arguments")));
}

// The issues of a later page can be gone by the time it is read: an empty page is said to be
// that, not "no issues match", and the JQL is not checked again.
TEST(SearchIssues, AnEmptyLaterPageIsNotNoMatch) {
  ToolHarness harness;
  harness.env.http->OnCall("POST", SearchUrl(), [](const core::HttpRequest& request) {
    const bool later = Json::parse(request.body).contains("nextPageToken");
    // The second page's issues were moved away between the two calls.
    const Json page =
        later ? Json{{"issues", Json::array()}, {"isLast", true}}
              : Json{{"issues", {IssueJson(0)}}, {"isLast", false}, {"nextPageToken", "p1"}};
    core::HttpHeaders headers;
    headers.emplace_back("Content-Type", "application/json");
    return core::Result<core::HttpResponse>(core::HttpResponse{200, headers, page.dump()});
  });
  const Json arguments = {{"jql", "project = A"}, {"max_results", 1}};
  const auto first = harness.Call("search_issues", arguments);
  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);

  Json again = arguments;
  again["cursor"] = ToolHarness::Structured(first)["next_cursor"];
  const auto second = harness.Call("search_issues", again);

  ASSERT_FALSE(second.is_error) << ToolHarness::TextOf(second);
  EXPECT_THAT(ToolHarness::TextOf(second), StartsWith("No issues on this page."));
  EXPECT_TRUE(harness.env.http->RequestsTo("/jql/parse").empty());
}

TEST(SearchIssues, AlwaysSendsFieldsExplicitly) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 1, &bodies);

  const auto result = harness.Call("search_issues", {{"jql", "order by created"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(bodies[0]["fields"],
            (Json{"summary", "status", "assignee", "priority", "issuetype", "updated"}));
  EXPECT_EQ(bodies[0]["maxResults"], 20);
  EXPECT_EQ(ToolHarness::Structured(result)["issues"][0]["assignee"],
            (Json{{"accountId", "a1"}, {"displayName", "Ann"}}));
}

// C7
TEST(SearchIssues, PagesThrough216MatchesWithCursors) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 216, &bodies);
  const Json arguments = {{"jql", "project = A"}, {"max_results", 100}};

  std::vector<std::size_t> sizes;
  std::set<std::string> keys;
  Json call = arguments;
  for (int page = 0; page < 5; ++page) {
    const auto result = harness.Call("search_issues", call);
    ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
    const Json& structured = ToolHarness::Structured(result);
    sizes.push_back(structured["issues"].size());
    for (const auto& issue : structured["issues"]) {
      keys.insert(issue["key"].get<std::string>());
    }
    EXPECT_EQ(structured["has_more"].get<bool>(), structured.contains("next_cursor"));
    if (!structured["has_more"].get<bool>()) {
      break;
    }
    call = arguments;
    call["cursor"] = structured["next_cursor"];
  }

  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 16}));
  EXPECT_EQ(keys.size(), 216U);
  ASSERT_EQ(bodies.size(), 3U);
  EXPECT_FALSE(bodies[0].contains("nextPageToken"));
  EXPECT_EQ(bodies[1]["nextPageToken"], "p100");
  EXPECT_EQ(bodies[2]["nextPageToken"], "p200");
}

// F10: later pages asked for with `cursor` alone keep the page size and each one advances.
TEST(SearchIssues, CursorAloneKeepsThePageSizeAndAdvances) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 216, &bodies);

  std::vector<std::size_t> sizes;
  std::set<std::string> keys;
  Json call = {{"jql", "project = A"}, {"max_results", 100}};
  for (int page = 0; page < 8; ++page) {
    const auto result = harness.Call("search_issues", call);
    ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
    const Json& structured = ToolHarness::Structured(result);
    sizes.push_back(structured["issues"].size());
    for (const auto& issue : structured["issues"]) {
      keys.insert(issue["key"].get<std::string>());
    }
    if (!structured["has_more"].get<bool>()) {
      break;
    }
    call = {{"jql", "project = A"}, {"cursor", structured["next_cursor"]}};
  }

  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 16}));
  EXPECT_EQ(keys.size(), 216U);
  ASSERT_EQ(bodies.size(), 3U);
  EXPECT_EQ(bodies[1]["nextPageToken"], "p100");
  EXPECT_EQ(bodies[1]["maxResults"], 100);
  EXPECT_EQ(bodies[2]["nextPageToken"], "p200");
  EXPECT_EQ(bodies[2]["maxResults"], 100);
}

TEST(SearchIssues, MaxResultsGivenWithTheCursorSetsTheNextPages) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 216, &bodies);
  const auto first = harness.Call("search_issues", {{"jql", "project = A"}, {"max_results", 100}});
  const auto second =
      harness.Call("search_issues", {{"jql", "project = A"},
                                     {"max_results", 30},
                                     {"cursor", ToolHarness::Structured(first)["next_cursor"]}});
  const auto third = harness.Call(
      "search_issues",
      {{"jql", "project = A"}, {"cursor", ToolHarness::Structured(second)["next_cursor"]}});

  ASSERT_FALSE(third.is_error) << ToolHarness::TextOf(third);
  EXPECT_EQ(ToolHarness::Structured(second)["issues"].size(), 30U);
  EXPECT_EQ(ToolHarness::Structured(second)["issues"][0]["key"], "A-100");
  EXPECT_EQ(ToolHarness::Structured(third)["issues"].size(), 30U);
  EXPECT_EQ(ToolHarness::Structured(third)["issues"][0]["key"], "A-130");
  ASSERT_EQ(bodies.size(), 3U);
  EXPECT_EQ(bodies[1]["nextPageToken"], "p100");
  EXPECT_EQ(bodies[1]["maxResults"], 30);
  EXPECT_EQ(bodies[2]["nextPageToken"], "p130");
}

TEST(SearchIssues, RefusesACursorFromAnotherQuery) {
  ToolHarness harness;
  std::vector<Json> bodies;
  ServeMatches(harness, 30, &bodies);
  const auto first = harness.Call("search_issues", {{"jql", "project = A"}, {"max_results", 10}});
  ASSERT_TRUE(ToolHarness::Structured(first)["has_more"].get<bool>());

  const auto other =
      harness.Call("search_issues", {{"jql", "project = B"},
                                     {"max_results", 10},
                                     {"cursor", ToolHarness::Structured(first)["next_cursor"]}});
  const auto garbage = harness.Call("search_issues", {{"jql", "project = A"}, {"cursor", "zzz"}});

  EXPECT_TRUE(other.is_error);
  EXPECT_THAT(ToolHarness::TextOf(other), HasSubstr("without `cursor`"));
  EXPECT_TRUE(garbage.is_error);
  EXPECT_EQ(bodies.size(), 1U);
}

// Like every paged tool's, a search cursor is bound to the site its page came from.
TEST(SearchIssues, RefusesACursorFromAnotherSite) {
  ToolHarness harness({}, {}, /*two_sites=*/true);
  std::vector<Json> bodies;
  ServeMatches(harness, 30, &bodies);
  const auto first = harness.Call("search_issues",
                                  {{"jql", "project = A"}, {"site", "acme"}, {"max_results", 10}});
  ASSERT_TRUE(ToolHarness::Structured(first)["has_more"].get<bool>());

  const auto other =
      harness.Call("search_issues", {{"jql", "project = A"},
                                     {"site", "beta"},
                                     {"cursor", ToolHarness::Structured(first)["next_cursor"]}});

  EXPECT_TRUE(other.is_error);
  EXPECT_THAT(ToolHarness::TextOf(other), HasSubstr("this call goes to 'beta'"));
  EXPECT_EQ(bodies.size(), 1U);
}

// A cursor whose cloudId was edited to another of the caller's sites is refused as edited: its
// site name no longer agrees, and nothing is asked of the other site.
TEST(SearchIssues, RefusesACursorWhoseSiteIdWasEditedToAnotherOfTheUsersSites) {
  ToolHarness harness({}, {}, /*two_sites=*/true);
  std::vector<Json> bodies;
  ServeMatches(harness, 30, &bodies);
  const auto first = harness.Call("search_issues",
                                  {{"jql", "project = A"}, {"site", "acme"}, {"max_results", 10}});
  const std::string cursor = ToolHarness::Structured(first)["next_cursor"];
  Json state = Json::parse(*core::Base64UrlDecode(cursor.substr(3)));
  state["c"] = kBetaCloudId;

  const auto edited = harness.Call(
      "search_issues",
      {{"jql", "project = A"}, {"cursor", "c1." + core::Base64UrlEncode(state.dump())}});

  EXPECT_TRUE(edited.is_error);
  EXPECT_THAT(ToolHarness::TextOf(edited), HasSubstr("The cursor is not one this tool issued"));
  EXPECT_EQ(bodies.size(), 1U);
}

TEST(SearchIssues, StaysWithinTheReplyBudgetAndContinuesWhereItStopped) {
  ToolHarness harness;
  harness.env.http->OnCall("POST", SearchUrl(), [](const core::HttpRequest&) {
    Json page = {{"issues", Json::array()}, {"isLast", true}};
    for (int i = 0; i < 40; ++i) {
      page["issues"].push_back(IssueJson(i, std::string(5000, 'x')));
    }
    core::HttpHeaders headers;
    headers.emplace_back("Content-Type", "application/json");
    return core::Result<core::HttpResponse>(core::HttpResponse{200, headers, page.dump()});
  });
  const Json arguments = {{"jql", "project = A"}, {"fields", {"summary"}}, {"max_results", 40}};

  const auto first = harness.Call("search_issues", arguments);
  Json next = arguments;
  next["cursor"] = ToolHarness::Structured(first)["next_cursor"];
  const auto second = harness.Call("search_issues", next);

  const Json& page1 = ToolHarness::Structured(first);
  EXPECT_TRUE(page1["truncated"].get<bool>());
  EXPECT_TRUE(page1["has_more"].get<bool>());
  EXPECT_LT(page1["issues"].size(), 40U);
  EXPECT_LT(page1.dump().size(), 64U * 1024);
  EXPECT_THAT(page1["issues"][0]["summary"].get<std::string>(), HasSubstr("[truncated"));
  EXPECT_THAT(ToolHarness::TextOf(first), HasSubstr("truncated"));
  const Json& page2 = ToolHarness::Structured(second);
  EXPECT_EQ(page2["issues"][0]["key"], "A-" + std::to_string(page1["issues"].size()));
  EXPECT_EQ(page1["issues"].size() + page2["issues"].size(), 40U);
  EXPECT_FALSE(page2["has_more"].get<bool>());
}

TEST(SearchIssues, ReportsAnEmptyResultPlainly) {
  ToolHarness harness;
  harness.env.http->OnJson("POST", SearchUrl(), 200, R"({"issues":[],"isLast":true})");

  const auto result = harness.Call("search_issues", {{"jql", "project = A"}});

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(ToolHarness::Structured(result)["issues"], Json::array());
  EXPECT_FALSE(ToolHarness::Structured(result)["has_more"].get<bool>());
}

TEST(SearchIssues, RejectsBadArgumentsBeforeCallingJira) {
  ToolHarness harness;

  const auto missing = harness.Call("search_issues", Json::object());
  const auto too_many = harness.Call("search_issues", {{"jql", "x"}, {"max_results", 500}});
  const auto unknown = harness.Call("search_issues", {{"jql", "x"}, {"limit", 5}});

  EXPECT_TRUE(missing.is_error);
  EXPECT_TRUE(too_many.is_error);
  EXPECT_TRUE(unknown.is_error);
  EXPECT_TRUE(harness.env.http->requests().empty());
}

}  // namespace
}  // namespace tools

namespace tools {
namespace {

// The reply of a 50-issue search with the default fields, as an MCP client receives it (text
// and structured content). Issue #6 compares this figure with the peers'.
TEST(SearchIssues, FiftyIssueReplyWithDefaultFieldsIsCompact) {
  ToolHarness harness;
  harness.env.http->OnCall("POST", SearchUrl(), [](const core::HttpRequest&) {
    Json page = {{"issues", Json::array()}, {"isLast", false}, {"nextPageToken", "p50"}};
    for (int i = 0; i < 50; ++i) {
      page["issues"].push_back(
          {{"id", std::to_string(10000 + i)},
           {"key", "PROJ-" + std::to_string(100 + i)},
           {"self", "https://acme.atlassian.net/rest/api/3/issue/" + std::to_string(10000 + i)},
           {"fields",
            {{"summary", "Checkout fails when the cart holds more than ten items"},
             {"status",
              {{"name", "In Progress"},
               {"id", "3"},
               {"statusCategory", {{"key", "indeterminate"}, {"colorName", "yellow"}}}}},
             {"assignee",
              {{"accountId", "5b10ac8d82e05b22cc7d4ef5"},
               {"displayName", "Dana Scully"},
               {"avatarUrls", {{"48x48", "https://avatar.example/a.png"}}}}},
             {"priority", {{"name", "High"}, {"id", "2"}, {"iconUrl", "https://x.example/p.svg"}}},
             {"issuetype", {{"name", "Bug"}, {"id", "10004"}, {"subtask", false}}},
             {"updated", "2026-01-15T10:20:30.000+0000"}}}});
    }
    core::HttpHeaders headers;
    headers.emplace_back("Content-Type", "application/json");
    return core::Result<core::HttpResponse>(core::HttpResponse{200, headers, page.dump()});
  });

  const auto result =
      harness.Call("search_issues", {{"jql", "project = PROJ"}, {"max_results", 50}});

  ASSERT_FALSE(result.is_error);
  const std::size_t bytes =
      Json{{"content", result.content}, {"structuredContent", ToolHarness::Structured(result)}}
          .dump()
          .size();
  RecordProperty("fifty_issue_reply_bytes", static_cast<int>(bytes));
  EXPECT_EQ(ToolHarness::Structured(result)["issues"].size(), 50U);
  EXPECT_LE(bytes, 24U * 1024);
}

}  // namespace
}  // namespace tools
