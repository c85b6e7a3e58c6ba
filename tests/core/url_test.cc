#include "core/url.h"

#include <gtest/gtest.h>

namespace core {
namespace {

TEST(ParseUrl, SplitsHttpsWithDefaultPort) {
  auto url = ParseUrl("HTTPS://API.Atlassian.com/ex/jira/abc/rest/api/3/myself?x=1#frag");

  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "api.atlassian.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "/ex/jira/abc/rest/api/3/myself?x=1");
  EXPECT_EQ(url->Origin(), "https://api.atlassian.com");
}

TEST(ParseUrl, KeepsExplicitPortAndRootPath) {
  auto url = ParseUrl("http://127.0.0.1:8931");

  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 8931);
  EXPECT_EQ(url->path, "/");
  EXPECT_EQ(url->Origin(), "http://127.0.0.1:8931");
}

TEST(ParseUrl, RejectsWhatItCannotCall) {
  EXPECT_FALSE(ParseUrl("ftp://example.test/").ok());
  EXPECT_FALSE(ParseUrl("example.test/path").ok());
  EXPECT_FALSE(ParseUrl("https://user:pw@example.test/").ok());
  EXPECT_FALSE(ParseUrl("https://example.test:99999/").ok());
  EXPECT_FALSE(ParseUrl("https:///path").ok());
}

TEST(PercentEncode, EncodesReservedCharacters) {
  EXPECT_EQ(PercentEncode("a b/c?d=e&f~"), "a%20b%2Fc%3Fd%3De%26f~");
}

TEST(JoinUrl, UsesExactlyOneSlash) {
  EXPECT_EQ(JoinUrl("https://x.test/", "/rest"), "https://x.test/rest");
  EXPECT_EQ(JoinUrl("https://x.test", "rest"), "https://x.test/rest");
}

}  // namespace
}  // namespace core
