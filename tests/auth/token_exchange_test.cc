#include "auth/token_exchange.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/base64.h"
#include "tests/auth/auth_test_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace auth {
namespace {

using core::Code;
using testing::kTokenEndpoint;
using testing::kZone;

constexpr char kSubject[] = "subject-token-abc";
constexpr char kIssuedAnswer[] =
    R"({"access_token":"jira-token-xyz","token_type":"Bearer","expires_in":900,)"
    R"("issued_token_type":"urn:ietf:params:oauth:token-type:access_token",)"
    R"("scope":"read:jira-work"})";

// A zone with discovery served, an exchange client for it, and nothing answering the token
// endpoint until a test says so.
struct Zone {
  explicit Zone(TokenExchangeClient::Options options = {.client_id = "jira-mcp",
                                                        .client_secret = core::Secret("s3cr3t")})
      : exchange(http, metadata, std::move(options)) {
    testing::ServeMetadata(http);
  }

  core::Result<ExchangedToken> Exchange(std::vector<std::string> scopes = {"read:jira-work"}) {
    return exchange.Exchange(
        {.subject_token = core::Secret(kSubject), .scopes = std::move(scopes)});
  }
  std::vector<core::HttpRequest> Posts() const { return http.RequestsTo("/tenant/token"); }

  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  ZoneMetadataCache metadata{http, clock, {.zone_url = kZone}};
  TokenExchangeClient exchange;
};

TEST(TokenExchangeClient, PostsTheExactRfc8693Form) {
  Zone zone;
  zone.http.OnJson("POST", kTokenEndpoint, 200, kIssuedAnswer);

  const auto token =
      zone.Exchange({"write:jira-work", "read:jira-work", "read:jira-user", "read:jira-work"});

  ASSERT_TRUE(token.ok()) << token.status().detail();
  const auto posts = zone.Posts();
  ASSERT_EQ(posts.size(), 1U);
  const core::HttpRequest& post = posts[0];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.url, kTokenEndpoint);
  EXPECT_EQ(post.content_type, "application/x-www-form-urlencoded");
  ASSERT_TRUE(post.authorization.has_value());
  EXPECT_EQ(post.authorization.value_or(core::Secret()).Reveal(), "Basic amlyYS1tY3A6czNjcjN0");
  const std::map<std::string, std::string> expected = {
      {"grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"},
      {"subject_token", kSubject},
      {"subject_token_type", "urn:ietf:params:oauth:token-type:access_token"},
      {"resource", "https://api.atlassian.com/ex/jira"},
      {"scope", "read:jira-user read:jira-work write:jira-work"},
  };
  EXPECT_EQ(testing::ParseForm(post.body), expected);
  EXPECT_NE(post.body.find("scope=read%3Ajira-user+read%3Ajira-work+write%3Ajira-work"),
            std::string::npos);
}

TEST(TokenExchangeClient, FormEncodesClientCredentialsBeforeBasic) {
  Zone zone({.client_id = "client:1", .client_secret = core::Secret("p@ss word+/")});
  zone.http.OnJson("POST", kTokenEndpoint, 200, kIssuedAnswer);

  ASSERT_TRUE(zone.Exchange().ok());

  EXPECT_EQ(zone.Posts().at(0).authorization.value_or(core::Secret()).Reveal(),
            "Basic Y2xpZW50JTNBMTpwJTQwc3Mrd29yZCUyQiUyRg==");
}

TEST(TokenExchangeClient, SendsAConfiguredResourceAndNoScopeWhenNoneAsked) {
  Zone zone;
  zone.http.OnJson("POST", kTokenEndpoint, 200, kIssuedAnswer);

  const auto token = zone.exchange.Exchange(
      {.subject_token = core::Secret(kSubject), .resource = "https://localhost/other-api"});

  ASSERT_TRUE(token.ok());
  const auto form = testing::ParseForm(zone.Posts().at(0).body);
  EXPECT_EQ(form.at("resource"), "https://localhost/other-api");
  EXPECT_EQ(form.count("scope"), 0U);
}

TEST(TokenExchangeClient, UsesTheFallbackEndpointWhenDiscoveryAnswers404) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  http.OnJson("GET", testing::kMetadataUrl, 404, "{}");
  http.OnJson("POST", std::string(kZone) + "/oauth/2/token", 200, kIssuedAnswer);
  ZoneMetadataCache metadata(http, clock, {.zone_url = kZone});
  TokenExchangeClient exchange(http, metadata,
                               {.client_id = "id", .client_secret = core::Secret("secret")});

  const auto token = exchange.Exchange({.subject_token = core::Secret(kSubject)});

  ASSERT_TRUE(token.ok());
  EXPECT_EQ(http.RequestsTo("/oauth/2/token").size(), 1U);
}

TEST(TokenExchangeClient, ParsesAFullAnswer) {
  Zone zone;
  zone.http.OnJson("POST", kTokenEndpoint, 200, kIssuedAnswer);

  const auto token = zone.Exchange();

  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->access_token.Reveal(), "jira-token-xyz");
  EXPECT_EQ(token->token_type, "Bearer");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(900));
  EXPECT_EQ(token->issued_token_type, kAccessTokenType);
  EXPECT_EQ(token->scope, "read:jira-work");
}

TEST(TokenExchangeClient, AcceptsAMinimalAnswerAndAssumesAnHour) {
  Zone zone;
  zone.http.OnJson("POST", kTokenEndpoint, 200, R"({"access_token":"jira-token-xyz"})");

  const auto token = zone.Exchange();

  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->expires_in, std::chrono::seconds(3600));
  EXPECT_EQ(token->token_type, "Bearer");
  EXPECT_FALSE(token->scope);
}

TEST(TokenExchangeClient, AcceptsTokenTypesCaseInsensitively) {
  for (const char* type : {"bearer", "BEARER", "N_A", "n_a"}) {
    Zone zone;
    zone.http.OnJson("POST", kTokenEndpoint, 200,
                     nlohmann::json{{"access_token", "t"}, {"token_type", type}}.dump());

    const auto token = zone.Exchange();

    ASSERT_TRUE(token.ok()) << type;
    EXPECT_EQ(token->token_type, type);
  }
}

TEST(TokenExchangeClient, RejectsAnswersThatAreNotUsableTokenResponses) {
  const std::vector<std::string> bodies = {
      R"({"token_type":"Bearer","expires_in":60})",
      R"({"access_token":""})",
      R"({"access_token":42})",
      R"({"access_token":null})",
      R"({"access_token":"t","expires_in":"3600"})",
      R"({"access_token":"t","expires_in":-1})",
      R"({"access_token":"t","token_type":"mac"})",
      R"({"access_token":"t","token_type":7})",
      R"({"access_token":"t","scope":["read:jira-work"]})",
      R"({"access_token":"t","issued_token_type":false})",
      R"({"access_token":"subject-token-abc"})",
      "[]",
      "access_token=t",
      "",
  };
  for (const auto& body : bodies) {
    Zone zone;
    zone.http.OnJson("POST", kTokenEndpoint, 200, body);

    const auto token = zone.Exchange();

    ASSERT_FALSE(token.ok()) << body;
    EXPECT_EQ(token.status().code(), Code::kUnavailable) << body;
    EXPECT_EQ(zone.Posts().size(), 1U) << "a bad 200 answer is not retried: " << body;
  }
}

core::Status ErrorFor(int status, const std::string& body, std::size_t* posts = nullptr) {
  Zone zone;
  zone.http.OnJson("POST", kTokenEndpoint, status, body);
  const auto token = zone.Exchange({"write:jira-work", "read:jira-work"});
  if (posts != nullptr) {
    *posts = zone.Posts().size();
  }
  EXPECT_FALSE(token.ok()) << body;
  return token.status();
}

bool Says(const core::Status& status, const std::string& text) {
  return status.message().find(text) != std::string::npos;
}

TEST(TokenExchangeClient, InvalidGrantTellsTheUserToSignInAgain) {
  const auto status = ErrorFor(400, R"({"error":"invalid_grant","error_description":"expired"})");

  EXPECT_EQ(status.code(), Code::kUnauthenticated);
  EXPECT_TRUE(Says(status, "Sign in to Keycard again")) << status.message();
  EXPECT_TRUE(Says(status, "(the zone said: expired)")) << status.message();
  // Without a reason from the zone, no one cause is claimed.
  const auto bare = ErrorFor(400, R"({"error":"invalid_grant"})");
  EXPECT_TRUE(Says(bare, "or is not a token of this zone")) << bare.message();
}

TEST(TokenExchangeClient, InvalidTargetTellsAnAdminToAddJiraAsADependency) {
  const auto status = ErrorFor(400, R"({"error":"invalid_target"})");

  EXPECT_EQ(status.code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Says(status, "https://api.atlassian.com/ex/jira")) << status.message();
  EXPECT_TRUE(Says(status, "administrator must add Jira as a dependency")) << status.message();
}

// CASES C18.
TEST(TokenExchangeClient, AccessDeniedCarriesTheZoneReasonSaysAnAdminDecidesAndIsNotRetried) {
  std::size_t posts = 0;
  const auto status = ErrorFor(
      403,
      R"({"error":"access_denied","error_description":"Denied by policies: jira-writers-only, no-weekend-writes."})",
      &posts);

  EXPECT_EQ(status.code(), Code::kPermissionDenied);
  EXPECT_TRUE(Says(status, "Denied by policies: jira-writers-only, no-weekend-writes"))
      << status.message();
  EXPECT_TRUE(Says(status, "administrator decides")) << status.message();
  EXPECT_EQ(posts, 1U);
}

// CASES C17, first form.
TEST(TokenExchangeClient, ConsentRequiredTellsTheUserToReauthorize) {
  const auto status = ErrorFor(400, R"({"error":"consent_required"})");

  EXPECT_EQ(status.code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Says(status, "re-authorize this application")) << status.message();
  EXPECT_TRUE(Says(status, "permissions changed")) << status.message();
}

// CASES C17, second form: the code is generic, the description says consent.
TEST(TokenExchangeClient, ADescriptionSayingConsentIsRequiredWinsOverTheCode) {
  for (const char* error : {"invalid_grant", "access_denied", "invalid_request"}) {
    const auto status = ErrorFor(
        400, nlohmann::json{{"error", error}, {"error_description", "User consent is required."}}
                 .dump());

    EXPECT_EQ(status.code(), Code::kFailedPrecondition) << error;
    EXPECT_TRUE(Says(status, "re-authorize this application")) << error;
  }
}

// C17 in the other words zones use, under the codes they use.
TEST(TokenExchangeClient, OtherWordingsOfMissingConsentAlsoAskToReauthorize) {
  const std::vector<std::pair<const char*, const char*>> answers = {
      {"invalid_grant", "This application requires user consent"},
      {"invalid_grant", "User has not consented to the requested scopes"},
      {"interaction_required", "The user must consent to the requested access"}};
  for (const auto& [error, description] : answers) {
    const auto status =
        ErrorFor(400, nlohmann::json{{"error", error}, {"error_description", description}}.dump());

    EXPECT_EQ(status.code(), Code::kFailedPrecondition) << description;
    EXPECT_TRUE(Says(status, "re-authorize this application")) << description;
  }
}

// A zone that echoes what it was sent puts none of it into a message or a log detail.
TEST(TokenExchangeClient, AnErrorEchoingTheSubjectTokenOrClientSecretCarriesNeither) {
  const auto status =
      ErrorFor(400, nlohmann::json{{"error", "access_denied"},
                                   {"error_description", std::string("policy refused ") + kSubject +
                                                             " with secret s3cr3t"}}
                        .dump());

  EXPECT_EQ(status.code(), Code::kPermissionDenied);
  for (const std::string& text : {status.message(), status.detail()}) {
    EXPECT_EQ(text.find(kSubject), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  }
  EXPECT_TRUE(Says(status, "[redacted]")) << status.message();
}

// Echoed in the forms they were sent in: form-encoded, and as the Basic credentials.
TEST(TokenExchangeClient, AnErrorEchoingEncodedCredentialsCarriesNone) {
  Zone zone({.client_id = "jira-mcp", .client_secret = core::Secret("p@ss w+rd/x=%41&y")});
  const std::string encoded = "p%40ss+w%2Brd%2Fx%3D%2541%26y";
  const std::string basic = core::Base64Encode("jira-mcp:" + encoded);
  zone.http.OnJson(
      "POST", kTokenEndpoint, 400,
      nlohmann::json{{"error", "invalid_request"},
                     {"error_description", "got client=jira-mcp:" + encoded + " auth=Basic " +
                                               basic + " secret " + "p@ss w+rd/x=%41&y"}}
          .dump());

  const auto status = zone.Exchange().status();

  for (const std::string& text : {status.message(), status.detail()}) {
    EXPECT_EQ(text.find(encoded), std::string::npos) << text;
    EXPECT_EQ(text.find(basic), std::string::npos) << text;
    EXPECT_EQ(text.find("p@ss"), std::string::npos) << text;
  }
}

TEST(TokenExchangeClient, InvalidClientIsForAnAdmin) {
  const auto with_code = ErrorFor(401, R"({"error":"invalid_client"})");
  const auto bare_401 = ErrorFor(401, "");

  for (const auto& status : {with_code, bare_401}) {
    EXPECT_EQ(status.code(), Code::kFailedPrecondition);
    EXPECT_TRUE(Says(status, "KEYCARD_CLIENT_ID")) << status.message();
    EXPECT_TRUE(Says(status, "administrator")) << status.message();
  }
}

TEST(TokenExchangeClient, InvalidScopeNamesTheScopesAsked) {
  const auto status = ErrorFor(400, R"({"error":"invalid_scope"})");

  EXPECT_EQ(status.code(), Code::kPermissionDenied);
  EXPECT_TRUE(Says(status, "read:jira-work write:jira-work")) << status.message();
  EXPECT_TRUE(Says(status, "administrator")) << status.message();
}

TEST(TokenExchangeClient, OtherOAuthErrorsNameTheCodeForAnAdmin) {
  const auto status = ErrorFor(400, R"({"error":"unsupported_grant_type"})");

  EXPECT_EQ(status.code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Says(status, "unsupported_grant_type")) << status.message();
}

TEST(TokenExchangeClient, ServerErrorsAreRetriedOnceThenUnavailable) {
  std::size_t posts = 0;
  const auto status = ErrorFor(503, "<html>busy</html>", &posts);

  EXPECT_EQ(status.code(), Code::kUnavailable);
  EXPECT_TRUE(Says(status, "retry later")) << status.message();
  EXPECT_EQ(posts, 2U);
}

TEST(TokenExchangeClient, ASecondAttemptCanSucceed) {
  Zone zone;
  zone.http.OnJson("POST", kTokenEndpoint, 502, "");
  zone.http.OnJson("POST", kTokenEndpoint, 200, kIssuedAnswer);

  const auto token = zone.Exchange();

  ASSERT_TRUE(token.ok());
  EXPECT_EQ(zone.Posts().size(), 2U);
}

TEST(TokenExchangeClient, TransportFailureIsRetriedOnceThenUnavailable) {
  Zone zone;
  zone.http.OnCall("POST", kTokenEndpoint, [](const core::HttpRequest&) {
    return core::Result<core::HttpResponse>(core::Status(Code::kUnavailable, "refused"));
  });

  const auto token = zone.Exchange();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kUnavailable);
  EXPECT_EQ(zone.Posts().size(), 2U);
}

TEST(TokenExchangeClient, RateLimitsAndNonOAuthClientErrorsAreNotRetried) {
  for (const auto& [status, body] : std::vector<std::pair<int, std::string>>{
           {429, "{}"}, {400, "<html>bad</html>"}, {404, R"({"message":"nope"})"}}) {
    std::size_t posts = 0;

    const auto error = ErrorFor(status, body, &posts);

    EXPECT_EQ(error.code(), Code::kUnavailable) << status;
    EXPECT_EQ(posts, 1U) << status;
  }
}

TEST(TokenExchangeClient, CancellationEndsTheCallWithoutRetry) {
  Zone zone;
  std::atomic<bool> cancelled{true};
  zone.http.OnCall("POST", kTokenEndpoint, [](const core::HttpRequest&) {
    return core::Result<core::HttpResponse>(core::Status(Code::kCancelled, "cancelled"));
  });

  const auto token =
      zone.exchange.Exchange({.subject_token = core::Secret(kSubject), .cancelled = &cancelled});

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kCancelled);
  EXPECT_EQ(zone.Posts().size(), 1U);
  EXPECT_EQ(zone.Posts()[0].cancelled, &cancelled);
}

TEST(TokenExchangeClient, MissingClientCredentialsFailBeforeAnyRequest) {
  Zone zone({.client_id = "jira-mcp"});

  const auto token = zone.Exchange();

  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(Says(token.status(), "KEYCARD_CLIENT_SECRET"));
  EXPECT_TRUE(zone.http.requests().empty());
}

TEST(TokenExchangeClient, RefusesMalformedScopesAndAnEmptySubject) {
  Zone zone;

  const auto spaced = zone.Exchange({"read:jira-work write:jira-work"});
  const auto quoted = zone.Exchange({"read\"jira"});
  const auto empty = zone.exchange.Exchange({});

  EXPECT_EQ(spaced.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(quoted.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(empty.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(zone.Posts().empty());
}

TEST(ScopeParameter, SortsAndDeduplicates) {
  EXPECT_EQ(ScopeParameter({"b", "a", "b", "c"}), "a b c");
  EXPECT_EQ(ScopeParameter({}), "");
}

}  // namespace
}  // namespace auth
