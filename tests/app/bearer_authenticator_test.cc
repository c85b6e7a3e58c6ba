#include "app/bearer_authenticator.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace app {
namespace {

constexpr const char* kZone = "http://127.0.0.1:9";

// A factory that fails with `failure` while it is set, and else builds a real verifier (over a
// fake HTTP client that answers nothing); counts its calls.
struct Factory {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  std::optional<core::Status> failure;
  int calls = 0;

  BearerAuthenticator::VerifierFactory Make() {
    return [this]() -> core::Result<std::unique_ptr<auth::JwksVerifier>> {
      ++calls;
      if (failure) {
        return *failure;
      }
      return auth::JwksVerifier::Create({.issuer = kZone,
                                         .resource_url = "http://127.0.0.1:8080/mcp",
                                         .jwks = {.uri = std::string(kZone) + "/jwks"}},
                                        http, clock);
    };
  }
};

TEST(BearerAuthenticator, AZoneDownAtStartIsAskedAgainLaterInsteadOfStoppingTheServer) {
  Factory factory;
  factory.failure = core::Status(core::Code::kUnavailable, "the zone did not answer");
  BearerAuthenticator authenticator(factory.Make(), factory.clock);

  ASSERT_TRUE(authenticator.Prepare().ok());

  // Until the zone answers, a request is told to come back (503), and the zone is not asked
  // again within the retry interval.
  auto refused = authenticator.Authenticate(core::Secret("a.b.c"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("cannot be checked yet"), std::string::npos);
  EXPECT_EQ(factory.calls, 1);

  factory.failure.reset();
  factory.clock.Advance(BearerAuthenticator::kRetryAfterFailure);
  auto checked = authenticator.Authenticate(core::Secret("a.b.c"));

  // Now the token reaches the verifier, which refuses this one as a token, not as an outage.
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().code(), core::Code::kUnauthenticated) << checked.status().message();
  EXPECT_EQ(factory.calls, 2);
  static_cast<void>(authenticator.Authenticate(core::Secret("a.b.c")));
  EXPECT_EQ(factory.calls, 2);
}

TEST(BearerAuthenticator, MetadataThatCanNeverWorkStopsTheStart) {
  Factory factory;
  factory.failure = core::Status(core::Code::kFailedPrecondition,
                                 "the Keycard zone's metadata names no jwks_uri");
  BearerAuthenticator authenticator(factory.Make(), factory.clock);

  const core::Status status = authenticator.Prepare();

  EXPECT_EQ(status.code(), core::Code::kFailedPrecondition);
  EXPECT_NE(status.message().find("no jwks_uri"), std::string::npos);
}

TEST(BearerAuthenticator, ABuiltVerifierIsBuiltOnce) {
  Factory factory;
  BearerAuthenticator authenticator(factory.Make(), factory.clock);

  ASSERT_TRUE(authenticator.Prepare().ok());
  static_cast<void>(authenticator.Authenticate(core::Secret("a.b.c")));

  EXPECT_EQ(factory.calls, 1);
}

}  // namespace
}  // namespace app
