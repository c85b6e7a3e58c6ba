#include "auth/unverified_jwt.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "tests/auth/auth_test_util.h"

namespace auth {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

std::string WithPayload(const std::string& payload) {
  return "eyJhbGciOiJSUzI1NiJ9." + core::Base64UrlEncode(payload) + ".c2ln";
}

TEST(UnverifiedJwtExpiry, ReadsExp) {
  const auto exp = system_clock::time_point(seconds(1767225600));

  EXPECT_EQ(UnverifiedJwtExpiry(testing::MakeJwt(exp)), exp);
}

TEST(UnverifiedJwtExpiry, DropsFractionalSeconds) {
  EXPECT_EQ(UnverifiedJwtExpiry(WithPayload(R"({"exp":1000.75})")),
            system_clock::time_point(seconds(1000)));
}

TEST(UnverifiedJwtExpiry, IgnoresWhatIsNotAJwtWithANumericExp) {
  EXPECT_FALSE(UnverifiedJwtExpiry("opaque-token"));
  EXPECT_FALSE(UnverifiedJwtExpiry("a.b"));
  EXPECT_FALSE(UnverifiedJwtExpiry("a.b.c.d"));
  EXPECT_FALSE(UnverifiedJwtExpiry("x.!!!.y"));
  EXPECT_FALSE(UnverifiedJwtExpiry(WithPayload("not json")));
  EXPECT_FALSE(UnverifiedJwtExpiry(WithPayload("[1]")));
  EXPECT_FALSE(UnverifiedJwtExpiry(WithPayload(R"({"sub":"u"})")));
  EXPECT_FALSE(UnverifiedJwtExpiry(WithPayload(R"({"exp":"1000"})")));
  EXPECT_FALSE(UnverifiedJwtExpiry(WithPayload(R"({"exp":-5})")));
  EXPECT_FALSE(UnverifiedJwtExpiry(WithPayload(R"({"exp":1e300})")));
}

TEST(UnverifiedJwtSubject, ReadsAStringSubOnly) {
  EXPECT_EQ(UnverifiedJwtSubject(WithPayload(R"({"sub":"alice","exp":1})")), "alice");
  EXPECT_FALSE(UnverifiedJwtSubject(WithPayload(R"({"sub":""})")));
  EXPECT_FALSE(UnverifiedJwtSubject(WithPayload(R"({"sub":7})")));
  EXPECT_FALSE(UnverifiedJwtSubject(WithPayload(R"({"exp":1})")));
  EXPECT_FALSE(UnverifiedJwtSubject("opaque-token"));
}

}  // namespace
}  // namespace auth
