#include "sandbox/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "sandbox/seed.h"

namespace sandbox {
namespace {

class SearchTest : public ::testing::Test {
 protected:
  SearchTest() : state_(SeedState(kDefaultSeed)) {}

  core::Result<std::vector<const Issue*>> Run(const std::string& jql,
                                              const std::string& current = "") {
    auto query = jql::Parse(jql);
    if (!query.ok()) {
      return query.status();
    }
    // 2026-01-01T00:00:00Z
    return RunQuery(*query, SearchContext{.state = state_,
                                          .site = state_.sites[0],
                                          .current_account = current,
                                          .now = 1767225600000LL});
  }

  std::vector<const Issue*> RunOk(const std::string& jql, const std::string& current = "") {
    auto result = Run(jql, current);
    EXPECT_TRUE(result.ok()) << jql << ": " << result.status().message();
    return result.ok() ? *result : std::vector<const Issue*>{};
  }

  std::size_t CountIf(const std::function<bool(const Issue&)>& keep) const {
    const auto& issues = state_.sites[0].issues;
    return static_cast<std::size_t>(std::count_if(issues.begin(), issues.end(), keep));
  }

  State state_;
};

TEST_F(SearchTest, FiltersByProjectKeyOrName) {
  const auto by_key = RunOk("project = MOB");
  const auto by_name = RunOk("project = \"Mobile App\"");

  EXPECT_EQ(by_key.size(), CountIf([](const Issue& i) { return i.project_id == "10000"; }));
  EXPECT_EQ(by_key.size(), by_name.size());
}

TEST_F(SearchTest, MatchesStatusNamesCaseInsensitively) {
  const auto matches = RunOk("status = 'in progress'");

  ASSERT_FALSE(matches.empty());
  for (const Issue* issue : matches) {
    EXPECT_EQ(issue->status_id, "3");
  }
}

TEST_F(SearchTest, CurrentUserIsTheCaller) {
  const std::string dana = state_.users[3].account_id;

  const auto matches = RunOk("assignee = currentUser()", dana);

  EXPECT_EQ(matches.size(), CountIf([&](const Issue& i) { return i.assignee == dana; }));
  EXPECT_FALSE(matches.empty());
}

TEST_F(SearchTest, NotEqualsNeverMatchesAnEmptyField) {
  const std::string bob = state_.users[1].account_id;

  const auto matches = RunOk("assignee != " + bob);

  EXPECT_EQ(matches.size(),
            CountIf([&](const Issue& i) { return !i.assignee.empty() && i.assignee != bob; }));
}

TEST_F(SearchTest, EmptyAndNotEmptyPartitionTheIssues) {
  const auto empty = RunOk("assignee is EMPTY");
  const auto set = RunOk("assignee IS NOT EMPTY");

  EXPECT_FALSE(empty.empty());
  EXPECT_EQ(empty.size() + set.size(), state_.sites[0].issues.size());
}

TEST_F(SearchTest, TextSearchMatchesWordPrefixes) {
  const auto matches = RunOk("summary ~ \"checko\"");

  ASSERT_FALSE(matches.empty());
  for (const Issue* issue : matches) {
    EXPECT_NE(Lower(issue->summary).find("checkout"), std::string::npos) << issue->summary;
  }
}

TEST_F(SearchTest, LabelsInListAndUnresolved) {
  const auto labelled = RunOk("labels in (payments, offline) AND resolution = Unresolved");

  ASSERT_FALSE(labelled.empty());
  for (const Issue* issue : labelled) {
    EXPECT_TRUE(issue->resolution_id.empty());
    const auto& labels = issue->labels;
    EXPECT_TRUE(std::find(labels.begin(), labels.end(), "payments") != labels.end() ||
                std::find(labels.begin(), labels.end(), "offline") != labels.end());
  }
}

TEST_F(SearchTest, OrdersByKeyNumerically) {
  const auto matches = RunOk("project = MOB ORDER BY key ASC");

  ASSERT_GE(matches.size(), 11U);
  EXPECT_EQ(matches[0]->key, "MOB-1");
  EXPECT_EQ(matches[9]->key, "MOB-10");
}

TEST_F(SearchTest, ComparesDatesAndRelativePeriods) {
  const auto after = RunOk("created >= \"2025-11-10\"");
  const auto before = RunOk("created < 2025-11-10");
  const auto recent = RunOk("created >= -1d");

  EXPECT_EQ(after.size() + before.size(), state_.sites[0].issues.size());
  EXPECT_FALSE(after.empty());
  EXPECT_FALSE(before.empty());
  EXPECT_TRUE(recent.empty());
}

TEST_F(SearchTest, SprintFunctionsAndIds) {
  const auto open = RunOk("sprint in openSprints()");
  const auto active = RunOk("sprint = 2");

  EXPECT_EQ(open.size(),
            CountIf([](const Issue& i) { return i.sprint_id == 2 || i.sprint_id == 3; }));
  EXPECT_EQ(active.size(), CountIf([](const Issue& i) { return i.sprint_id == 2; }));
}

TEST_F(SearchTest, ReportsUnknownFieldsInJirasWords) {
  auto result = Run("cf[99999] = 1");

  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "Field 'cf[99999]' does not exist or you do not have permission to view it.");
}

TEST_F(SearchTest, ReportsUnknownValuesAndFunctions) {
  auto project = Run("project = NOPE");
  auto function = Run("assignee = membersOf(devs)");
  auto date = Run("created > yesterday");

  EXPECT_EQ(project.status().message(), "The value 'NOPE' does not exist for the field 'project'.");
  EXPECT_NE(function.status().message().find("Unable to find JQL function"), std::string::npos);
  EXPECT_NE(date.status().message().find("Date value 'yesterday' for field 'created' is invalid"),
            std::string::npos);
}

TEST_F(SearchTest, ValidateListsEveryProblem) {
  auto query = jql::Parse("foo = 1 AND status = Nope ORDER BY bar");
  ASSERT_TRUE(query.ok());

  const auto errors = Validate(*query, SearchContext{.state = state_, .site = state_.sites[0]});

  EXPECT_EQ(errors.size(), 3U);
}

TEST(AdfPlainText, JoinsTextNodes) {
  const Json doc = AdfDoc({AdfParagraph("one"), AdfParagraph("two")});

  EXPECT_EQ(AdfPlainText(doc), "one two");
}

TEST(SeedState, IsDeterministicAndBelievable) {
  const State a = SeedState(kDefaultSeed);
  const State b = SeedState(kDefaultSeed);

  EXPECT_EQ(ToJson(a), ToJson(b));
  EXPECT_EQ(a.users.size(), 6U);
  EXPECT_EQ(a.sites.size(), 2U);
  EXPECT_GE(a.sites[0].issues.size(), 55U);
  EXPECT_EQ(a.users[0].sites.size(), 2U);
}

}  // namespace
}  // namespace sandbox
