// get_issue keeps the reply budget (DESIGN.md §5, issue #4): the included changelog, then the
// included comments, then long values are cut until the structured reply fits; the text carries
// an explicit marker naming what was cut, and `omitted` says which tool and cursor give the rest.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/tools/tool_harness.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string IssueUrl() { return std::string(kJira) + "/rest/api/3/issue/A-1"; }

Json Doc(const std::string& text) {
  return {
      {"type", "doc"},
      {"version", 1},
      {"content", {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", text}}}}}}}};
}

// An issue whose comment field holds `shown` comments of `bytes` bytes each, of `total`.
Json IssueWithComments(int shown, int total, std::size_t bytes) {
  Json comments = Json::array();
  for (int i = 0; i < shown; ++i) {
    comments.push_back({{"id", std::to_string(100 + i)},
                        {"author", {{"accountId", "a1"}, {"displayName", "Ann"}}},
                        {"created", "2026-01-01T10:00:00.000+0000"},
                        {"body", Doc(std::string(bytes, 'c'))}});
  }
  return {{"id", "10001"},
          {"key", "A-1"},
          {"fields",
           {{"summary", "Big"},
            {"comment",
             {{"startAt", 0}, {"maxResults", shown}, {"total", total}, {"comments", comments}}}}}};
}

TEST(GetIssueBudget, CutsIncludedCommentsAndHandsOutAListCommentsCursor) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl(), 200, IssueWithComments(40, 40, 2000).dump());
  harness.env.http->OnJson("GET", IssueUrl() + "/comment", 200,
                           R"({"startAt":0,"total":40,"comments":[]})");

  const auto result = harness.Call(
      "get_issue", {{"issue_key", "A-1"}, {"fields", {"summary"}}, {"include", {"comments"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_LE(JsonSize(issue), kReplyBudget);
  const std::size_t shown = issue["comment"]["comments"].size();
  EXPECT_GT(shown, 0U);
  EXPECT_LT(shown, 40U);
  EXPECT_EQ(issue["truncated"], true);
  ASSERT_EQ(issue["omitted"].size(), 1U) << issue["omitted"].dump();
  const Json& omitted = issue["omitted"][0];
  EXPECT_EQ(omitted["field"], "comment");
  EXPECT_EQ(omitted["shown"], shown);
  EXPECT_EQ(omitted["total"], 40);
  EXPECT_EQ(omitted["tool"], "list_comments");
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr(fmt::format("[truncated to fit the reply budget; comment: {} of 40 "
                                          "shown, the rest from list_comments with cursor \"{}\"",
                                          shown, omitted["cursor"].get<std::string>())));

  // The cursor continues in list_comments right after the last comment shown.
  const auto rest =
      harness.Call("list_comments", {{"issue_key", "A-1"}, {"cursor", omitted["cursor"]}});

  ASSERT_FALSE(rest.is_error) << ToolHarness::TextOf(rest);
  EXPECT_EQ(harness.env.http->RequestsTo("/comment?").back().url,
            IssueUrl() + fmt::format("/comment?startAt={}&maxResults=20&orderBy=created", shown));
}

TEST(GetIssueBudget, CutsTheChangelogFirstAndHandsOutAGetChangelogCursor) {
  Json histories = Json::array();
  for (int i = 0; i < 100; ++i) {
    histories.push_back(
        {{"id", std::to_string(i)},
         {"created", "2026-01-01T10:00:00.000+0000"},
         {"items",
          {{{"field", "description"}, {"fromString", std::string(600, 'f')}, {"toString", "x"}}}}});
  }
  Json stored = IssueWithComments(2, 2, 100);
  stored["changelog"] = {
      {"startAt", 0}, {"maxResults", 100}, {"total", 140}, {"histories", histories}};
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl(), 200, stored.dump());
  harness.env.http->OnJson("GET", IssueUrl() + "/changelog", 200, R"({"values":[],"isLast":true})");

  const auto result = harness.Call(
      "get_issue",
      {{"issue_key", "A-1"}, {"fields", {"summary"}}, {"include", {"comments", "changelog"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_LE(JsonSize(issue), kReplyBudget);
  EXPECT_EQ(issue["comment"]["comments"].size(), 2U);
  const std::size_t shown = issue["changelog"].size();
  EXPECT_LT(shown, 100U);
  ASSERT_EQ(issue["omitted"].size(), 1U) << issue["omitted"].dump();
  EXPECT_EQ(issue["omitted"][0]["field"], "changelog");
  EXPECT_EQ(issue["omitted"][0]["total"], 140);
  EXPECT_EQ(issue["omitted"][0]["tool"], "get_changelog");
  EXPECT_THAT(
      ToolHarness::TextOf(result),
      HasSubstr(fmt::format("changelog: {} of 140 shown, the rest from get_changelog", shown)));

  const auto rest = harness.Call("get_changelog",
                                 {{"issue_key", "A-1"}, {"cursor", issue["omitted"][0]["cursor"]}});

  ASSERT_FALSE(rest.is_error) << ToolHarness::TextOf(rest);
  EXPECT_EQ(harness.env.http->RequestsTo("/changelog").back().url,
            IssueUrl() + fmt::format("/changelog?startAt={}&maxResults=50", shown));
}

TEST(GetIssueBudget, ShortensLongTextFieldsAndNamesThem) {
  Json fields = {{"summary", "Long"}};
  for (const char* name : {"description", "customfield_1", "customfield_2", "customfield_3"}) {
    fields[name] = Doc(std::string(18000, 'd'));
  }
  fields["customfield_4"] = "short";
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl(), 200,
                           Json{{"id", "10001"}, {"key", "A-1"}, {"fields", fields}}.dump());

  const auto result =
      harness.Call("get_issue", {{"issue_key", "A-1"},
                                 {"fields",
                                  {"summary", "description", "customfield_1", "customfield_2",
                                   "customfield_3", "customfield_4"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_LE(JsonSize(issue), kReplyBudget);
  EXPECT_EQ(issue["truncated"], true);
  EXPECT_EQ(issue["customfield_4"], "short");
  EXPECT_THAT(issue["description"].get<std::string>(), HasSubstr("[truncated, "));
  ASSERT_EQ(issue["omitted"].size(), 4U) << issue["omitted"].dump();
  EXPECT_EQ(issue["omitted"][3], (Json{{"field", "description"}, {"tool", "get_issue"}}));
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("[truncated to fit the reply budget; customfield_1 shortened"));
  EXPECT_THAT(text, HasSubstr("description shortened, all of it from get_issue with fields "
                              "[\"description\"]"));
  EXPECT_THAT(text, Not(HasSubstr("customfield_4 shortened")));
}

TEST(GetIssueBudget, PointsToTheCommentsJiraLeftOutWithoutAMarker) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl(), 200, IssueWithComments(5, 12, 10).dump());

  const auto result = harness.Call(
      "get_issue", {{"issue_key", "A-1"}, {"fields", {"summary"}}, {"include", {"comments"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_FALSE(issue.contains("truncated"));
  ASSERT_EQ(issue["omitted"].size(), 1U);
  EXPECT_EQ(issue["omitted"][0]["shown"], 5);
  EXPECT_EQ(issue["omitted"][0]["total"], 12);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, Not(HasSubstr("[truncated")));
  EXPECT_THAT(text, HasSubstr("[more: comment: 5 of 12 shown, the rest from list_comments"));
}

TEST(GetIssueBudget, ASmallIssueHasNoMarkerAndNoOmissions) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", IssueUrl(), 200, IssueWithComments(3, 3, 50).dump());

  const auto result = harness.Call(
      "get_issue", {{"issue_key", "A-1"}, {"fields", {"summary"}}, {"include", {"comments"}}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const Json& issue = ToolHarness::Structured(result);
  EXPECT_EQ(issue["comment"]["comments"].size(), 3U);
  EXPECT_FALSE(issue.contains("truncated"));
  EXPECT_FALSE(issue.contains("omitted"));
  EXPECT_THAT(ToolHarness::TextOf(result), Not(HasSubstr("[")));
}

}  // namespace
}  // namespace tools
