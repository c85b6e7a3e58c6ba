// F10: a cursor keeps the page size it was made with, so follow-up pages asked for with
// `cursor` alone keep the caller's max_results, and each follow-up advances through Jira.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/tools/tool_harness.h"

namespace tools {
namespace {

constexpr int kTotal = 45;

// The value of `name` in the query of `url` (digits only), or -1.
long long QueryNumber(const std::string& url, const std::string& name) {
  const std::size_t at = url.find(name + "=");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stoll(url.substr(at + name.size() + 1));
}

struct PagedTool {
  std::string tool;
  Json arguments;
  std::string method;
  std::string path;       // below kJira
  std::string items_key;  // the array in Jira's answer
  std::string out_key;    // the array in the structured result
  bool with_total;        // Jira answers `total` (else `isLast`)
  bool numeric_ids;       // the Agile API's ids are numbers

  friend void PrintTo(const PagedTool& paged, std::ostream* out) { *out << paged.tool; }
};

// Jira holding kTotal items, paged by startAt/maxResults.
void ServeOffsetPages(ToolHarness& harness, const PagedTool& paged) {
  harness.env.http->OnCall(
      paged.method, std::string(kJira) + paged.path, [paged](const core::HttpRequest& request) {
        const long long start = QueryNumber(request.url, "startAt");
        const long long size =
            std::min<long long>(QueryNumber(request.url, "maxResults"), kTotal - start);
        Json page = {{"startAt", start}, {paged.items_key, Json::array()}};
        if (paged.with_total) {
          page["total"] = kTotal;
        } else {
          page["isLast"] = start + size >= kTotal;
        }
        for (long long i = start; i < start + size; ++i) {
          const Json doc = {{"type", "doc"}, {"version", 1}, {"content", Json::array()}};
          page[paged.items_key].push_back(
              {{"id", paged.numeric_ids ? Json(i) : Json(std::to_string(i))},
               {"key", "A-" + std::to_string(i)},
               {"name", "item " + std::to_string(i)},
               {"type", "scrum"},
               {"state", "active"},
               {"author", {{"accountId", "a1"}, {"displayName", "Ann"}}},
               {"created", "2026-01-01T10:00:00.000+0000"},
               {"started", "2026-01-01T10:00:00.000+0000"},
               {"timeSpent", "1h"},
               {"body", doc},
               {"comment", doc},
               {"items", Json::array()},
               {"fields", {{"summary", "s"}}}});
        }
        core::HttpHeaders headers;
        headers.emplace_back("Content-Type", "application/json");
        return core::Result<core::HttpResponse>(core::HttpResponse{200, headers, page.dump()});
      });
}

class OffsetPaging : public ::testing::TestWithParam<PagedTool> {};

TEST_P(OffsetPaging, CursorAloneKeepsThePageSizeAndAdvances) {
  const PagedTool& paged = GetParam();
  ToolHarness harness;
  ServeOffsetPages(harness, paged);
  Json call = paged.arguments;
  call["max_results"] = 10;

  std::vector<std::size_t> sizes;
  std::set<std::string> ids;
  for (int page = 0; page < 8; ++page) {
    const auto result = harness.Call(paged.tool, call);
    ASSERT_FALSE(result.is_error) << ToolHarness::TextOf(result);
    const Json& structured = ToolHarness::Structured(result);
    sizes.push_back(structured[paged.out_key].size());
    for (const auto& item : structured[paged.out_key]) {
      ids.insert(item.contains("id") ? item["id"].dump() : item.dump());
    }
    if (!structured["has_more"].get<bool>()) {
      break;
    }
    call = paged.arguments;
    call["cursor"] = structured["next_cursor"];
  }

  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 10, 10, 5}));
  const auto requests = harness.env.http->RequestsTo(paged.path);
  ASSERT_EQ(requests.size(), 5U);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(QueryNumber(requests[i].url, "startAt"), static_cast<long long>(i * 10));
    EXPECT_EQ(QueryNumber(requests[i].url, "maxResults"), 10);
  }
}

TEST_P(OffsetPaging, MaxResultsGivenWithTheCursorWins) {
  const PagedTool& paged = GetParam();
  ToolHarness harness;
  ServeOffsetPages(harness, paged);
  Json call = paged.arguments;
  call["max_results"] = 10;
  const auto first = harness.Call(paged.tool, call);
  call = paged.arguments;
  call["cursor"] = ToolHarness::Structured(first)["next_cursor"];
  call["max_results"] = 30;

  const auto second = harness.Call(paged.tool, call);

  ASSERT_FALSE(second.is_error) << ToolHarness::TextOf(second);
  EXPECT_EQ(ToolHarness::Structured(second)[paged.out_key].size(), 30U);
  const auto requests = harness.env.http->RequestsTo(paged.path);
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(QueryNumber(requests[1].url, "startAt"), 10);
  EXPECT_EQ(QueryNumber(requests[1].url, "maxResults"), 30);
}

INSTANTIATE_TEST_SUITE_P(
    PagedTools, OffsetPaging,
    ::testing::Values(PagedTool{"list_projects", Json::object(), "GET",
                                "/rest/api/3/project/search", "values", "projects", true, false},
                      PagedTool{"list_comments",
                                {{"issue_key", "A-1"}},
                                "GET",
                                "/rest/api/3/issue/A-1/comment",
                                "comments",
                                "comments",
                                true,
                                false},
                      PagedTool{"list_worklogs",
                                {{"issue_key", "A-1"}},
                                "GET",
                                "/rest/api/3/issue/A-1/worklog",
                                "worklogs",
                                "worklogs",
                                true,
                                false},
                      PagedTool{"get_changelog",
                                {{"issue_key", "A-1"}},
                                "GET",
                                "/rest/api/3/issue/A-1/changelog",
                                "values",
                                "histories",
                                false,
                                false},
                      PagedTool{"list_boards", Json::object(), "GET", "/rest/agile/1.0/board",
                                "values", "boards", false, true},
                      PagedTool{"list_sprints",
                                {{"board_id", 7}},
                                "GET",
                                "/rest/agile/1.0/board/7/sprint",
                                "values",
                                "sprints",
                                false,
                                true},
                      PagedTool{"sprint_issues",
                                {{"sprint_id", 3}},
                                "GET",
                                "/rest/agile/1.0/sprint/3/issue",
                                "issues",
                                "issues",
                                true,
                                false},
                      PagedTool{"backlog_issues",
                                {{"board_id", 7}},
                                "GET",
                                "/rest/agile/1.0/board/7/backlog",
                                "issues",
                                "issues",
                                true,
                                false}),
    [](const ::testing::TestParamInfo<PagedTool>& info) { return info.param.tool; });

}  // namespace
}  // namespace tools
