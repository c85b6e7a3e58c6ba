#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace fakes {
namespace {

TEST(FakeHttpClient, AnswersLongestMatchingPrefixAndRecords) {
  FakeHttpClient http;
  http.OnJson("GET", "https://x.test/", 200, R"({"a":1})");
  http.OnJson("GET", "https://x.test/rest/", 404, "{}");

  auto response = http.Send({.method = "GET", .url = "https://x.test/rest/api"});

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(http.requests().size(), 1U);
  EXPECT_FALSE(http.Send({.method = "POST", .url = "https://x.test/"}).ok());
}

TEST(FakeHttpClient, ReplaysQueueThenRepeatsLast) {
  FakeHttpClient http;
  http.OnJson("GET", "https://x.test/", 429, "{}");
  http.OnJson("GET", "https://x.test/", 200, "{}");

  EXPECT_EQ(http.Send({.url = "https://x.test/"})->status, 429);
  EXPECT_EQ(http.Send({.url = "https://x.test/"})->status, 200);
  EXPECT_EQ(http.Send({.url = "https://x.test/"})->status, 200);
}

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  const auto start = clock.Now();

  clock.Advance(std::chrono::seconds(90));

  EXPECT_EQ(clock.Now() - start, std::chrono::seconds(90));
}

}  // namespace
}  // namespace fakes
