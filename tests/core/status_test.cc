#include "core/status.h"

#include <gtest/gtest.h>

namespace core {
namespace {

TEST(Result, HoldsValue) {
  Result<int> result = 7;

  EXPECT_TRUE(result.ok());
  EXPECT_EQ(*result, 7);
  EXPECT_TRUE(result.status().ok());
}

TEST(Result, HoldsErrorWithSeparateDetail) {
  Result<int> result = Status(Code::kNotFound, "no such issue", "GET /issue/X-1 -> 404");

  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kNotFound);
  EXPECT_EQ(result.status().message(), "no such issue");
  EXPECT_EQ(result.status().detail(), "GET /issue/X-1 -> 404");
}

TEST(Status, WithContextPrefixesClientText) {
  const Status status(Code::kUnavailable, "Jira did not answer", "timeout");

  const Status wrapped = status.WithContext("creating the issue");

  EXPECT_EQ(wrapped.message(), "creating the issue: Jira did not answer");
  EXPECT_EQ(wrapped.detail(), "timeout");
  EXPECT_STREQ(CodeName(wrapped.code()), "unavailable");
}

}  // namespace
}  // namespace core
