// Runs every token path at trace level and fails if a credential reaches the log.
#include <gtest/gtest.h>

#include <fstream>

#include "auth/exchanging_broker.h"
#include "auth/subject_source.h"
#include "auth/token_exchange.h"
#include "tests/auth/auth_test_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace auth {
namespace {

constexpr char kSubjectToken[] = "subject-SECRET-5f0c1e";
constexpr char kIssuedToken[] = "issued-SECRET-9a7b3d";
constexpr char kClientSecret[] = "client-SECRET-2d4e6f";

TEST(AuthLogging, NoCredentialReachesTheLogAtTraceLevel) {
  testing::LogCapture logs;
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  testing::ServeMetadata(http);
  // Success, then a denial, then a well-formed JSON answer with a bad member beside the token,
  // then a broken body that still holds the token, then a server error.
  const std::string good = nlohmann::json{{"access_token", kIssuedToken}}.dump();
  http.OnJson("POST", testing::kTokenEndpoint, 200, good);
  http.OnJson("POST", testing::kTokenEndpoint, 403, R"({"error":"access_denied"})");
  http.OnJson("POST", testing::kTokenEndpoint, 200,
              nlohmann::json{{"access_token", kIssuedToken}, {"expires_in", "soon"}}.dump());
  http.OnJson("POST", testing::kTokenEndpoint, 200, good.substr(0, good.size() - 1));
  http.OnJson("POST", testing::kTokenEndpoint, 500, good);
  ZoneMetadataCache zone(http, clock, {.zone_url = testing::kZone});
  TokenExchangeClient exchange(
      http, zone, {.client_id = "jira-mcp", .client_secret = core::Secret(kClientSecret)});
  ExchangingTokenBroker broker(exchange, nullptr, clock, {});
  const core::Principal caller{.subject = "user-1", .token = core::Secret(kSubjectToken)};

  const auto issued = broker.AccessToken(caller, {"read:jira-work"}, nullptr);
  const auto cached = broker.AccessToken(caller, {"read:jira-work"}, nullptr);
  for (int i = 0; i < 4; ++i) {
    broker.Invalidate(caller, {"read:jira-work"});
    static_cast<void>(broker.AccessToken(caller, {"read:jira-work"}, nullptr));
  }

  const testing::TempDir dir;
  std::ofstream(dir.File("token")) << kSubjectToken << "\n";
  FileSubjectTokenSource file({.path = dir.File("token")});
  EnvSubjectTokenSource env("KEYCARD_SUBJECT_TOKEN", kSubjectToken);
  CommandSubjectTokenSource command(clock, {.command = std::string("echo ") + kSubjectToken});
  CommandSubjectTokenSource failing(clock,
                                    {.command = std::string("echo ") + kSubjectToken + "; exit 1"});
  const auto from_file = file.Current();
  const auto from_env = env.Current();
  const auto from_command = command.Current();
  command.Rejected(*from_command);
  static_cast<void>(failing.Current());

  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(cached.ok());
  ASSERT_TRUE(from_file.ok() && from_env.ok() && from_command.ok());
  const std::string text = logs.Text();
  // The paths did log, with fingerprints where a token is concerned.
  EXPECT_NE(text.find("token_exchange start"), std::string::npos);
  EXPECT_NE(text.find("token_exchange rejected"), std::string::npos);
  EXPECT_NE(text.find("bad_answer"), std::string::npos);
  EXPECT_NE(text.find(core::Secret(kSubjectToken).Fingerprint()), std::string::npos);
  EXPECT_NE(text.find(core::Secret(kIssuedToken).Fingerprint()), std::string::npos);
  EXPECT_NE(text.find("subject_source kind=command"), std::string::npos);
  // And no credential, nor its distinctive part.
  EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace auth
