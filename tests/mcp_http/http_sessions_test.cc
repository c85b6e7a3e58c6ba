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
    auto created = store_.Create("alice");
    ASSERT_TRUE(created.ok());
    ids.insert(created->session->id);
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
  const auto session = store_.Create("alice")->session;

  EXPECT_EQ(store_.Find(session->id, "alice"), session);
  EXPECT_EQ(store_.Find(session->id, "bob"), nullptr);
  EXPECT_EQ(store_.Find("no-such-session", "alice"), nullptr);
}

TEST_F(HttpSessionStoreTest, IdleTimerSlidesWithUseAndThenExpires) {
  const auto session = store_.Create("alice")->session;

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
  const auto session = store_.Create("alice")->session;

  clock_.Advance(seconds(45));
  EXPECT_EQ(store_.Find(session->id, "bob"), nullptr);
  clock_.Advance(seconds(45));

  EXPECT_EQ(store_.Find(session->id, "alice"), nullptr);
}

TEST_F(HttpSessionStoreTest, RemoveEndsOnlyTheOwnersSession) {
  const auto session = store_.Create("alice")->session;

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

// F3: one subject cannot use up the server's sessions; at its cap, its own least recently used
// session makes room, and every other subject is untouched.
class HttpSessionStorePerSubjectTest : public ::testing::Test {
 protected:
  fakes::FakeClock clock_;
  HttpSessionStore store_{{.max_sessions = 4,
                           .max_sessions_per_subject = 2,
                           .idle_timeout = seconds(60),
                           .clock = &clock_}};
};

TEST_F(HttpSessionStorePerSubjectTest, AtItsCapASubjectsLeastRecentlyUsedSessionMakesRoom) {
  const auto first = store_.Create("alice")->session;
  clock_.Advance(seconds(1));
  const auto second = store_.Create("alice")->session;
  clock_.Advance(seconds(1));
  ASSERT_EQ(store_.Find(first->id, "alice"), first);  // first is now the more recent one
  clock_.Advance(seconds(1));

  const auto third = store_.Create("alice");

  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->evicted, second);
  EXPECT_EQ(store_.Find(second->id, "alice"), nullptr);
  EXPECT_EQ(store_.Find(first->id, "alice"), first);
  EXPECT_EQ(store_.Find(third->session->id, "alice"), third->session);
  EXPECT_EQ(store_.size(), 2U);
}

TEST_F(HttpSessionStorePerSubjectTest, OneSubjectCannotFillTheServer) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store_.Create("alice").ok());
  }

  const auto bob = store_.Create("bob");
  const auto carol = store_.Create("carol");

  EXPECT_TRUE(bob.ok());
  EXPECT_EQ(bob->evicted, nullptr);
  EXPECT_TRUE(carol.ok());  // 2 + 1 + 1 sessions: the server-wide limit of 4
  EXPECT_EQ(store_.Create("dave").status().code(), core::Code::kResourceExhausted);
}

TEST_F(HttpSessionStorePerSubjectTest, ExpiredSessionsAreNotCountedAgainstTheCap) {
  const auto old = store_.Create("alice")->session;
  (void)store_.Create("alice");
  clock_.Advance(seconds(61));

  const auto fresh = store_.Create("alice");

  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->evicted, nullptr);
  EXPECT_EQ(store_.size(), 1U);
}

}  // namespace
}  // namespace mcp
