#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/base64.h"
#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

using ::testing::HasSubstr;

std::string ProjectsUrl() { return std::string(kJira) + "/rest/api/3/project/search"; }

// A project with no components says so; an empty description is left out.
TEST(GetProject, SaysNoneForEmptyListsAndSkipsEmptyText) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/project/A", 200,
                           R"({"id":"1","key":"A","name":"Alpha","description":"",
                               "components":[],"versions":[{"name":"1.0"}]})");

  const auto result = harness.Call("get_project", {{"project_key", "A"}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const std::string text = ToolHarness::TextOf(result);
  EXPECT_THAT(text, HasSubstr("\ncomponents: none"));
  EXPECT_THAT(text, HasSubstr("\nversions: "));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("description")));
}

TEST(ListProjects, PagesWithStartAtBehindTheCursor) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", ProjectsUrl(), 200, R"({"startAt":0,"maxResults":2,"total":3,
      "isLast":false,"values":[{"id":"1","key":"A","name":"Alpha","projectTypeKey":"software",
      "avatarUrls":{}},{"id":"2","key":"B","name":"Beta"}]})");
  harness.env.http->OnJson("GET", ProjectsUrl(), 200, R"({"startAt":2,"maxResults":2,"total":3,
      "isLast":true,"values":[{"id":"3","key":"C","name":"Gamma"}]})");

  const auto first = harness.Call("list_projects", {{"max_results", 2}, {"query", "a b"}});
  const auto second =
      harness.Call("list_projects", {{"max_results", 2},
                                     {"query", "a b"},
                                     {"cursor", ToolHarness::Structured(first)["next_cursor"]}});

  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);
  EXPECT_EQ(ToolHarness::Structured(first)["projects"][0],
            (Json{{"id", "1"}, {"key", "A"}, {"name", "Alpha"}, {"projectTypeKey", "software"}}));
  EXPECT_TRUE(ToolHarness::Structured(first)["has_more"].get<bool>());
  ASSERT_FALSE(second.is_error) << ToolHarness::TextOf(second);
  EXPECT_FALSE(ToolHarness::Structured(second)["has_more"].get<bool>());
  EXPECT_FALSE(ToolHarness::Structured(second).contains("next_cursor"));
  const auto requests = harness.env.http->RequestsTo("/project/search");
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].url, ProjectsUrl() + "?startAt=0&maxResults=2&query=a%20b");
  EXPECT_EQ(requests[1].url, ProjectsUrl() + "?startAt=2&maxResults=2&query=a%20b");
  EXPECT_THAT(ToolHarness::TextOf(first), HasSubstr("A · Alpha"));
}

TEST(ListProjects, DefaultsToFiftyPerPage) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", ProjectsUrl(), 200, R"({"isLast":true,"values":[]})");

  const auto result = harness.Call("list_projects", Json::object());

  ASSERT_FALSE(result.is_error);
  EXPECT_EQ(harness.env.http->RequestsTo("/project/search").front().url,
            ProjectsUrl() + "?startAt=0&maxResults=50");
  EXPECT_EQ(ToolHarness::Structured(result)["projects"], Json::array());
}

TEST(ListProjects, PermissionErrorsAreDistinct) {
  ToolHarness harness;
  harness.env.http->OnJson("GET", ProjectsUrl(), 403, R"({"errorMessages":["Forbidden"]})");

  const auto result = harness.Call("list_projects", Json::object());

  EXPECT_TRUE(result.is_error);
  EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("No permission"));
}

// 1.0 passes the schema check as an integer, and so it is read: one project asked for, not the
// default page.
TEST(ListProjects, ReadsAWholeNumberWrittenAsAFloat) {
  ToolHarness harness({.toolsets = {"all"}});
  harness.env.http->OnJson("GET", ProjectsUrl(), 200,
                           R"({"isLast":true,"values":[{"id":"1","key":"A","name":"Alpha"}]})");

  const auto result = harness.Call("list_projects", {{"max_results", 1.0}});

  ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
  const auto requests = harness.env.http->RequestsTo("/project/search");
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_THAT(requests.front().url, testing::EndsWith("maxResults=1"));
}

// A cursor is bound to the Jira site its page came from: with two sites, a cursor from acme
// given with site beta is refused before anything is sent to beta.
TEST(ListProjects, RefusesACursorFromAnotherSite) {
  ToolHarness harness({.toolsets = {"all"}}, {}, /*two_sites=*/true);
  harness.env.http->OnJson("GET", ProjectsUrl(), 200,
                           R"({"isLast":false,"values":[{"id":"1","key":"A","name":"Alpha"}]})");
  const auto first = harness.Call("list_projects", {{"site", "acme"}, {"max_results", 1}});
  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);

  const auto second =
      harness.Call("list_projects",
                   {{"site", "beta"}, {"cursor", ToolHarness::Structured(first)["next_cursor"]}});

  EXPECT_TRUE(second.is_error);
  const std::string text = ToolHarness::TextOf(second);
  EXPECT_THAT(text, HasSubstr("The cursor continues a listing on Jira site 'acme'"));
  EXPECT_THAT(text, HasSubstr("this call goes to 'beta'"));
  EXPECT_THAT(text, HasSubstr("Repeat the call without `site` to continue"));
  EXPECT_TRUE(harness.env.http->RequestsTo(kBetaCloudId).empty());
}

// With two sites and no `site`, a cursor continues on the site it names.
TEST(ListProjects, ACursorWithoutSiteContinuesOnItsSite) {
  ToolHarness harness({.toolsets = {"all"}}, {}, /*two_sites=*/true);
  harness.env.http->OnJson("GET", ProjectsUrl(), 200,
                           R"({"isLast":false,"values":[{"id":"1","key":"A","name":"Alpha"}]})");
  harness.env.http->OnJson("GET", ProjectsUrl(), 200,
                           R"({"isLast":true,"values":[{"id":"2","key":"B","name":"Beta"}]})");
  const auto first = harness.Call("list_projects", {{"site", "acme"}, {"max_results", 1}});
  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);

  const auto second =
      harness.Call("list_projects", {{"cursor", ToolHarness::Structured(first)["next_cursor"]}});

  ASSERT_FALSE(second.is_error) << ToolHarness::TextOf(second);
  EXPECT_EQ(ToolHarness::Structured(second)["projects"][0]["key"], "B");
  EXPECT_TRUE(harness.env.http->RequestsTo(kBetaCloudId).empty());
}

// A cursor edited by hand (its binding intact) is refused, not sent to Jira as startAt.
TEST(ListProjects, RefusesACursorEditedByHand) {
  ToolHarness harness({.toolsets = {"all"}});
  harness.env.http->OnJson("GET", ProjectsUrl(), 200,
                           R"({"isLast":false,"values":[{"id":"1","key":"A","name":"Alpha"}]})");
  const auto first = harness.Call("list_projects", {{"max_results", 1}});
  const std::string cursor = ToolHarness::Structured(first)["next_cursor"];
  const Json state = Json::parse(*core::Base64UrlDecode(cursor.substr(3)));

  for (const Json& start : {Json(-5), Json("x"), Json(1000000000000000LL), Json(2147483648LL)}) {
    Json edited = state;
    edited["s"] = start;
    const auto result =
        harness.Call("list_projects", {{"cursor", "c1." + core::Base64UrlEncode(edited.dump())}});

    EXPECT_TRUE(result.is_error) << start.dump();
    EXPECT_THAT(ToolHarness::TextOf(result), HasSubstr("The cursor is not one this tool issued"))
        << start.dump();
  }
  Json other_id = state;
  other_id["c"] = "../../x";  // the site's name left as it was
  const auto moved =
      harness.Call("list_projects", {{"cursor", "c1." + core::Base64UrlEncode(other_id.dump())}});
  EXPECT_THAT(ToolHarness::TextOf(moved),
              HasSubstr("The cursor continues a listing on a Jira site that is not among yours"));
  EXPECT_EQ(harness.env.http->RequestsTo("/project/search").size(), 1U);
}

// The binding is to the site itself, not to how the argument spells it.
TEST(ListProjects, ContinuesWhenTheSameSiteIsNamedAnotherWay) {
  ToolHarness harness({.toolsets = {"all"}}, {}, /*two_sites=*/true);
  harness.env.http->OnJson("GET", ProjectsUrl(), 200,
                           R"({"isLast":false,"values":[{"id":"1","key":"A","name":"Alpha"}]})");
  const auto first = harness.Call("list_projects", {{"site", "acme"}, {"max_results", 1}});

  const auto second =
      harness.Call("list_projects",
                   {{"site", kCloudId}, {"cursor", ToolHarness::Structured(first)["next_cursor"]}});

  ASSERT_FALSE(second.is_error) << ToolHarness::TextOf(second);
  EXPECT_EQ(harness.env.http->RequestsTo("/project/search").back().url,
            ProjectsUrl() + "?startAt=1&maxResults=1");
}

// The offset-paged tools share the binding (list_comments stands for them).
TEST(ListComments, RefusesACursorFromAnotherSite) {
  ToolHarness harness({.toolsets = {"all"}}, {}, /*two_sites=*/true);
  harness.env.http->OnJson("GET", std::string(kBetaJira) + "/rest/api/3/issue/A-1/comment", 200,
                           R"({"startAt":0,"maxResults":1,"total":3,"comments":[{"id":"1"}]})");
  const auto first =
      harness.Call("list_comments", {{"issue_key", "A-1"}, {"site", "beta"}, {"max_results", 1}});
  ASSERT_FALSE(first.is_error) << ToolHarness::TextOf(first);

  const auto second =
      harness.Call("list_comments", {{"issue_key", "A-1"},
                                     {"site", "acme"},
                                     {"cursor", ToolHarness::Structured(first)["next_cursor"]}});

  EXPECT_TRUE(second.is_error);
  EXPECT_THAT(ToolHarness::TextOf(second),
              HasSubstr("The cursor continues a listing on Jira site 'beta'"));
  EXPECT_TRUE(harness.env.http->RequestsTo(kCloudId).empty());
}

}  // namespace
}  // namespace tools
