#include "auth/exchanging_broker.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/auth/auth_test_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace auth {
namespace {

using core::Code;
using std::chrono::seconds;
using testing::kTokenEndpoint;

// A subject-token source the test controls.
class ScriptedSource : public SubjectTokenSource {
 public:
  explicit ScriptedSource(std::string token) : token_(std::move(token)) {}

  core::Result<core::Secret> Current() override {
    std::lock_guard lock(mutex_);
    ++calls_;
    return core::Secret(token_);
  }
  void Rejected(const core::Secret& token) override {
    std::lock_guard lock(mutex_);
    rejected_.push_back(token.Reveal());
  }

  void Set(std::string token) {
    std::lock_guard lock(mutex_);
    token_ = std::move(token);
  }
  int Calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> RejectedTokens() {
    std::lock_guard lock(mutex_);
    return rejected_;
  }

 private:
  std::mutex mutex_;
  std::string token_;
  int calls_ = 0;
  std::vector<std::string> rejected_;
};

// The whole token path over the scripted HTTP fake: discovery, exchange client, broker. The
// token endpoint answers jira-token-<n> for the n-th exchange, valid for `expires_in` seconds.
struct Harness {
  explicit Harness(SubjectTokenSource* source = nullptr) : broker(exchange, source, clock, {}) {
    testing::ServeMetadata(http);
    http.OnCall("POST", kTokenEndpoint,
                [this](const core::HttpRequest& request) { return Answer(request); });
  }

  core::Result<core::HttpResponse> Answer(const core::HttpRequest& request) {
    if (hook) {
      hook(request);
    }
    const int n = ++issued;
    if (!error_body.empty()) {
      return core::HttpResponse{error_status, {}, error_body};
    }
    return core::HttpResponse{200,
                              {{"Content-Type", "application/json"}},
                              nlohmann::json{{"access_token", fmt::format("jira-token-{}", n)},
                                             {"token_type", "Bearer"},
                                             {"expires_in", expires_in}}
                                  .dump()};
  }

  std::vector<core::HttpRequest> Posts() const { return http.RequestsTo("/tenant/token"); }
  std::string SubjectSent(std::size_t i) const {
    return testing::ParseForm(Posts().at(i).body).at("subject_token");
  }

  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  ZoneMetadataCache zone{http, clock, {.zone_url = testing::kZone}};
  TokenExchangeClient exchange{
      http, zone, {.client_id = "jira-mcp", .client_secret = core::Secret("s3cr3t")}};
  ExchangingTokenBroker broker;
  std::atomic<int> issued{0};
  int expires_in = 3600;
  int error_status = 400;
  std::string error_body;
  std::function<void(const core::HttpRequest&)> hook;
};

core::Principal HttpCaller(const std::string& subject = "user-1",
                           const std::string& token = "subject-http-1") {
  return {.subject = subject, .token = core::Secret(token)};
}

std::vector<std::string> ReadScopes() { return {"read:jira-work"}; }

TEST(ExchangingTokenBroker, ExchangesOnceThenAnswersFromTheCache) {
  Harness h;

  const auto first = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);
  const auto second = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);

  ASSERT_TRUE(first.ok()) << first.status().detail();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->Reveal(), "jira-token-1");
  EXPECT_EQ(second->Reveal(), "jira-token-1");
  EXPECT_EQ(h.Posts().size(), 1U);
  EXPECT_EQ(h.SubjectSent(0), "subject-http-1");
  EXPECT_EQ(h.broker.CurrentStats().cache_hits, 1U);
}

TEST(ExchangingTokenBroker, KeysOnTheScopeSetNotItsOrder) {
  Harness h;

  const auto ab =
      h.broker.AccessToken(HttpCaller(), {"write:jira-work", "read:jira-work"}, nullptr);
  const auto ba =
      h.broker.AccessToken(HttpCaller(), {"read:jira-work", "write:jira-work"}, nullptr);
  const auto a = h.broker.AccessToken(HttpCaller(), {"read:jira-work"}, nullptr);

  EXPECT_EQ(ab->Reveal(), ba->Reveal());
  EXPECT_NE(ab->Reveal(), a->Reveal());
  ASSERT_EQ(h.Posts().size(), 2U);
  EXPECT_EQ(testing::ParseForm(h.Posts()[1].body).at("scope"), "read:jira-work");
}

TEST(ExchangingTokenBroker, KeysOnTheSubject) {
  Harness h;

  const auto one = h.broker.AccessToken(HttpCaller("user-1", "subject-a"), ReadScopes(), nullptr);
  const auto two = h.broker.AccessToken(HttpCaller("user-2", "subject-b"), ReadScopes(), nullptr);

  EXPECT_NE(one->Reveal(), two->Reveal());
  EXPECT_EQ(h.Posts().size(), 2U);
  EXPECT_EQ(h.SubjectSent(1), "subject-b");
}

TEST(ExchangingTokenBroker, CachedTokenEndsAtItsOwnExpiryLessTheSkew) {
  Harness h;
  h.expires_in = 600;  // cached for 600 - 30 seconds
  ASSERT_TRUE(h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr).ok());

  h.clock.Advance(seconds(569));
  const auto inside = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);
  h.clock.Advance(seconds(2));
  const auto outside = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);

  EXPECT_EQ(inside->Reveal(), "jira-token-1");
  EXPECT_EQ(outside->Reveal(), "jira-token-2");
}

TEST(ExchangingTokenBroker, CachedTokenNeverOutlivesTheCallersToken) {
  Harness h;
  core::Principal caller = HttpCaller();
  caller.token_expiry = h.clock.Now() + seconds(120);  // the exchanged token says 3600
  ASSERT_TRUE(h.broker.AccessToken(caller, ReadScopes(), nullptr).ok());

  h.clock.Advance(seconds(89));
  const auto inside = h.broker.AccessToken(caller, ReadScopes(), nullptr);
  h.clock.Advance(seconds(2));
  const auto outside = h.broker.AccessToken(caller, ReadScopes(), nullptr);

  EXPECT_EQ(inside->Reveal(), "jira-token-1");
  EXPECT_EQ(outside->Reveal(), "jira-token-2");
}

TEST(ExchangingTokenBroker, CachedTokenNeverOutlivesAStdioSubjectJwt) {
  fakes::FakeClock source_clock;
  ScriptedSource source(testing::MakeJwt(source_clock.Now() + seconds(200)));
  Harness h(&source);
  const core::Principal local;
  ASSERT_TRUE(h.broker.AccessToken(local, ReadScopes(), nullptr).ok());

  h.clock.Advance(seconds(169));
  const auto inside = h.broker.AccessToken(local, ReadScopes(), nullptr);
  h.clock.Advance(seconds(2));
  const auto outside = h.broker.AccessToken(local, ReadScopes(), nullptr);

  EXPECT_EQ(inside->Reveal(), "jira-token-1");
  EXPECT_EQ(outside->Reveal(), "jira-token-2");
}

TEST(ExchangingTokenBroker, RefusesAnExpiredSubjectTokenWithoutAnExchange) {
  Harness h;
  core::Principal caller = HttpCaller();
  caller.token_expiry = h.clock.Now() - seconds(1);

  const auto token = h.broker.AccessToken(caller, ReadScopes(), nullptr);

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(h.Posts().empty());
}

TEST(ExchangingTokenBroker, InvalidateDropsTheEntry) {
  Harness h;
  ASSERT_TRUE(h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr).ok());
  ASSERT_TRUE(h.broker.AccessToken(HttpCaller("user-2"), ReadScopes(), nullptr).ok());

  h.broker.Invalidate(HttpCaller(), ReadScopes());
  const auto renewed = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);
  const auto other = h.broker.AccessToken(HttpCaller("user-2"), ReadScopes(), nullptr);

  EXPECT_EQ(renewed->Reveal(), "jira-token-3");
  EXPECT_EQ(other->Reveal(), "jira-token-2");
  EXPECT_EQ(h.Posts().size(), 3U);
}

TEST(ExchangingTokenBroker, InvalidateWorksForAStdioSubject) {
  ScriptedSource source("subject-local-1");
  Harness h(&source);
  const core::Principal local;
  ASSERT_TRUE(h.broker.AccessToken(local, ReadScopes(), nullptr).ok());

  h.broker.Invalidate(local, ReadScopes());
  const auto renewed = h.broker.AccessToken(local, ReadScopes(), nullptr);

  EXPECT_EQ(renewed->Reveal(), "jira-token-2");
}

TEST(ExchangingTokenBroker, AChangedSourceTokenIsANewKey) {
  ScriptedSource source("subject-local-1");
  Harness h(&source);
  const core::Principal local;
  const auto first = h.broker.AccessToken(local, ReadScopes(), nullptr);

  source.Set("subject-local-2");
  const auto second = h.broker.AccessToken(local, ReadScopes(), nullptr);

  EXPECT_EQ(first->Reveal(), "jira-token-1");
  EXPECT_EQ(second->Reveal(), "jira-token-2");
  EXPECT_EQ(h.SubjectSent(0), "subject-local-1");
  EXPECT_EQ(h.SubjectSent(1), "subject-local-2");
}

TEST(ExchangingTokenBroker, ACallersOwnTokenWinsOverTheSource) {
  ScriptedSource source("subject-local-1");
  Harness h(&source);

  ASSERT_TRUE(h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr).ok());

  EXPECT_EQ(h.SubjectSent(0), "subject-http-1");
  EXPECT_EQ(source.Calls(), 0);
}

TEST(ExchangingTokenBroker, WithoutTokenOrSourceSaysHowToConfigureOne) {
  Harness h;

  const auto token = h.broker.AccessToken(core::Principal{}, ReadScopes(), nullptr);

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(token.status().message().find("KEYCARD_SUBJECT_TOKEN"), std::string::npos);
}

TEST(ExchangingTokenBroker, InvalidGrantTellsTheSourceItsTokenWasRejected) {
  ScriptedSource source("subject-local-1");
  Harness h(&source);
  h.error_body = R"({"error":"invalid_grant"})";

  const auto token = h.broker.AccessToken(core::Principal{}, ReadScopes(), nullptr);

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(source.RejectedTokens(), std::vector<std::string>{"subject-local-1"});
}

TEST(ExchangingTokenBroker, ErrorsAreNotCached) {
  Harness h;
  h.error_status = 403;
  h.error_body = R"({"error":"access_denied","error_description":"policy p1"})";
  const auto denied = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);

  h.error_body.clear();
  const auto granted = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);

  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  ASSERT_TRUE(granted.ok());
  EXPECT_EQ(h.Posts().size(), 2U);
}

// Blocks the exchange until `count` reaches `target` (bounded, so a broken broker fails the test
// instead of hanging it).
bool WaitFor(const std::function<std::uint64_t()>& count, std::uint64_t target) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (count() < target && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  return count() >= target;
}

TEST(ExchangingTokenBroker, ConcurrentCallersShareOneExchange) {
  constexpr int kCallers = 8;
  Harness h;
  std::atomic<bool> all_joined{false};
  h.hook = [&](const core::HttpRequest&) {
    all_joined = WaitFor([&] { return h.broker.CurrentStats().shared_waits; }, kCallers - 1);
  };
  std::vector<std::string> tokens(kCallers);

  std::vector<std::thread> threads;
  threads.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&, i] {
      const auto token = h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr);
      tokens[i] = token.ok() ? token->Reveal() : token.status().message();
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_TRUE(all_joined);
  EXPECT_EQ(h.Posts().size(), 1U);
  EXPECT_EQ(h.broker.CurrentStats().exchanges, 1U);
  for (const auto& token : tokens) {
    EXPECT_EQ(token, "jira-token-1");
  }
}

TEST(ExchangingTokenBroker, AWaiterThatIsCancelledStopsWaiting) {
  Harness h;
  std::atomic<bool> release{false};
  h.hook = [&](const core::HttpRequest&) { WaitFor([&] { return release.load() ? 1U : 0U; }, 1); };
  std::thread leader(
      [&] { static_cast<void>(h.broker.AccessToken(HttpCaller(), ReadScopes(), nullptr)); });
  ASSERT_TRUE(WaitFor([&] { return h.broker.CurrentStats().exchanges; }, 1));
  std::atomic<bool> cancelled{false};
  core::Status waiter_status;

  std::thread waiter([&] {
    waiter_status = h.broker.AccessToken(HttpCaller(), ReadScopes(), &cancelled).status();
  });
  ASSERT_TRUE(WaitFor([&] { return h.broker.CurrentStats().shared_waits; }, 1));
  cancelled = true;
  waiter.join();
  release = true;
  leader.join();

  EXPECT_EQ(waiter_status.code(), Code::kCancelled);
  EXPECT_EQ(h.Posts().size(), 1U);
}

}  // namespace
}  // namespace auth
