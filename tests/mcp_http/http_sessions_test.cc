#include "mcp/http_sessions.h"

#include <gtest/gtest.h>

#include <set>

#include "tests/fakes/fake_clock.h"

namespace mcp {
namespace {

using std::chrono::seconds;

class HttpSessionStoreTest : public ::testing::Test {
 protected:
  fakes::FakeClock clock_;
  HttpSessionStore store_{{.max_sessions = 3, .idle_timeout = seconds(60), .clock = &clock_}};
};

TEST_F(HttpSessionStoreTest, IdsAreLongRandomAndVisibleAscii) {
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto session = store_.Create("alice");
    ASSERT_TRUE(session.ok());
    ids.insert((*session)->id);
  }

  EXPECT_EQ(ids.size(), 3U);
  for (const std::string& id : ids) {
    EXPECT_EQ(id.size(), 32U);  // 24 random bytes, base64url
    EXPECT_EQ(id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_"),
              std::string::npos);
  }
}

TEST_F(HttpSessionStoreTest, FindsOnlyTheOwnersLiveSession) {
  const auto session = *store_.Create("alice");

  EXPECT_EQ(store_.Find(session->id, "alice"), session);
  EXPECT_EQ(store_.Find(session->id, "bob"), nullptr);
  EXPECT_EQ(store_.Find("no-such-session", "alice"), nullptr);
}

TEST_F(HttpSessionStoreTest, IdleTimerSlidesWithUseAndThenExpires) {
  const auto session = *store_.Create("alice");

  clock_.Advance(seconds(45));
  EXPECT_NE(store_.Find(session->id, "alice"), nullptr);
  clock_.Advance(seconds(45));
  EXPECT_NE(store_.Find(session->id, "alice"), nullptr);
  EXPECT_TRUE(store_.Alive(*session));
  clock_.Advance(seconds(61));

  EXPECT_FALSE(store_.Alive(*session));
  EXPECT_EQ(store_.Find(session->id, "alice"), nullptr);
}

TEST_F(HttpSessionStoreTest, AnotherSubjectDoesNotKeepASessionAlive) {
  const auto session = *store_.Create("alice");

  clock_.Advance(seconds(45));
  EXPECT_EQ(store_.Find(session->id, "bob"), nullptr);
  clock_.Advance(seconds(45));

  EXPECT_EQ(store_.Find(session->id, "alice"), nullptr);
}

TEST_F(HttpSessionStoreTest, RemoveEndsOnlyTheOwnersSession) {
  const auto session = *store_.Create("alice");

  EXPECT_FALSE(store_.Remove(session->id, "bob"));
  EXPECT_TRUE(store_.Remove(session->id, "alice"));
  EXPECT_FALSE(store_.Remove(session->id, "alice"));
  EXPECT_EQ(store_.Find(session->id, "alice"), nullptr);
}

TEST_F(HttpSessionStoreTest, RefusesBeyondTheLimitUntilSessionsExpire) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_.Create("alice").ok());
  }

  const auto refused = store_.Create("alice");
  clock_.Advance(seconds(61));
  const auto accepted = store_.Create("alice");

  EXPECT_EQ(refused.status().code(), core::Code::kResourceExhausted);
  EXPECT_TRUE(accepted.ok());
  EXPECT_EQ(store_.size(), 1U);
}

}  // namespace
}  // namespace mcp
