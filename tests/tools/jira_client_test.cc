#include "tools/jira_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <future>
#include <ostream>
#include <set>

#include "core/log.h"
#include "tests/fakes/capturing_sink.h"
#include "tests/fakes/gate.h"
#include "tests/tools/jira_test_env.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string MyselfUrl() { return std::string(kJira) + "/rest/api/3/myself"; }

core::HttpHeaders Header(const std::string& name, const std::string& value) {
  core::HttpHeaders headers;
  headers.emplace_back(name, value);
  return headers;
}

JiraRequest Get(std::string path = "/rest/api/3/myself") {
  return {.method = "GET", .path = std::move(path), .scopes = {"read:jira-work"}};
}

TEST(JiraClient, SendsTheExchangedTokenToTheSiteUrl) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, R"({"accountId":"a1"})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->body["accountId"], "a1");
  EXPECT_EQ(response->site.name, "acme");
  const auto requests = env.http->RequestsTo("/ex/jira/");
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, MyselfUrl());
  ASSERT_TRUE(requests[0].authorization.has_value());
  EXPECT_EQ(requests[0].authorization.value_or(core::Secret()).Reveal(), "Bearer jira-token-1");
  EXPECT_EQ(core::FindHeader(requests[0].headers, "accept"), "application/json");
  EXPECT_EQ(env.broker->scope_requests().front(), std::vector<std::string>{"read:jira-work"});
  EXPECT_EQ(env.broker->subjects().front(), "user-1");
}

TEST(JiraClient, AsksAccessibleResourcesWithTheJiraToken) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  ASSERT_TRUE(env.client->Call(Context(), Get()).ok());

  const auto requests = env.http->RequestsTo("/oauth/token/accessible-resources");
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].url, std::string(kBase) + "/oauth/token/accessible-resources");
  EXPECT_EQ(requests[0].authorization.value_or(core::Secret()).Reveal(), "Bearer jira-token-1");
}

TEST(JiraClient, SendsJsonBodies) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("POST", std::string(kJira) + "/rest/api/3/issue", 201, R"({"key":"A-1"})");

  auto response = env.client->Call(
      Context(), {.method = "POST", .path = "/rest/api/3/issue", .body = Json{{"x", "é"}}});

  ASSERT_TRUE(response.ok());
  const auto request = env.http->RequestsTo("/rest/api/3/issue").front();
  EXPECT_EQ(request.content_type, "application/json");
  EXPECT_EQ(Json::parse(request.body), (Json{{"x", "é"}}));
}

TEST(JiraClient, ChoosesAmongSeveralSitesByArgumentNameUrlOrId) {
  JiraEnv env;
  env.TwoSites();
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  const std::vector<std::string> choices = {"acme", "ACME", "https://acme.atlassian.net/",
                                            "acme.atlassian.net", kCloudId};
  for (const auto& site : choices) {
    JiraRequest request = Get();
    request.site = site;
    auto response = env.client->Call(Context(), request);
    ASSERT_TRUE(response.ok()) << site << ": " << response.status().message();
    EXPECT_EQ(response->site.id, kCloudId) << site;
  }
}

// A cloudId is a UUID: written in capitals it names the same site.
TEST(JiraClient, MatchesACloudIdWrittenInCapitals) {
  JiraEnv env;
  const std::string id = "abcdef01-2345-6789-abcd-ef0123456789";
  env.http->OnJson("GET", std::string(kBase) + "/oauth/token/accessible-resources", 200,
                   R"([{"id":")" + id + R"(","name":"hex","url":"https://hex.atlassian.net"},
                       {"id":")" +
                       std::string(kCloudId) +
                       R"(","name":"acme","url":"https://acme.atlassian.net"}])");
  env.http->OnJson("GET", std::string(kBase) + "/ex/jira/" + id + "/rest/api/3/myself", 200, "{}");

  JiraRequest request = Get();
  request.site = "ABCDEF01-2345-6789-ABCD-EF0123456789";
  auto response = env.client->Call(Context(), request);

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->site.id, id);
}

TEST(JiraClient, UsesTheConfiguredSiteWhenSeveralAreAccessible) {
  JiraEnv env(JiraClientOptions{.site = "https://acme.atlassian.net"});
  env.TwoSites();
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  auto response = env.client->Call(Context(), Get());

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->site.name, "acme");
}

// A configured site that the user cannot reach is an error, not a silent switch to the one site
// they can reach: a write would land where nobody chose.
TEST(JiraClient, AConfiguredSiteIsNeverSwappedForTheOnlyAccessibleOne) {
  JiraEnv env(JiraClientOptions{.site = "beta"});
  env.OneSite();

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("'beta' (JIRA_SITE)"));
  EXPECT_THAT(response.status().message(), HasSubstr("acme"));
  EXPECT_TRUE(env.http->RequestsTo("/ex/jira/").empty());
}

TEST(JiraClient, SiteArgumentWinsOverTheConfiguredSite) {
  JiraEnv env(JiraClientOptions{.site = "acme"});
  env.TwoSites();
  env.http->OnCall("GET", std::string(kBase) + "/ex/jira/", [](const core::HttpRequest&) {
    return core::Result<core::HttpResponse>(core::HttpResponse{200, {}, "{}"});
  });
  JiraRequest request = Get();
  request.site = "beta";

  auto response = env.client->Call(Context(), request);

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->site.name, "beta");
}

TEST(JiraClient, SeveralSitesAndNoChoiceListsThemAndSaysHowToPick) {
  JiraEnv env;
  env.TwoSites();

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("acme (https://acme.atlassian.net"));
  EXPECT_THAT(response.status().message(), HasSubstr("beta"));
  EXPECT_THAT(response.status().message(), HasSubstr("`site`"));
  EXPECT_THAT(response.status().message(), HasSubstr("JIRA_SITE"));
  EXPECT_TRUE(env.http->RequestsTo("/ex/jira/").empty());
}

TEST(JiraClient, UnknownSiteArgumentListsTheAccessibleOnes) {
  JiraEnv env;
  env.OneSite();
  JiraRequest request = Get();
  request.site = "gamma";

  auto response = env.client->Call(Context(), request);

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("'gamma'"));
  EXPECT_THAT(response.status().message(), HasSubstr("acme"));
}

// C16
TEST(JiraClient, NoAuthorizedSiteSaysHowToFixItAndNeverCallsJira) {
  JiraEnv env;
  env.http->OnJson("GET", std::string(kBase) + "/oauth/token/accessible-resources", 200, "[]");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("No Jira site is authorized"));
  EXPECT_THAT(response.status().message(), HasSubstr("Re-authorize"));
  EXPECT_THAT(response.status().message(), HasSubstr("consent screen"));
  EXPECT_TRUE(env.http->RequestsTo("/ex/jira/").empty());
}

// accessible-resources lists every product the app reaches: a Confluence-only site, or the same
// site twice, does not make the caller choose among "several Jira sites".
TEST(JiraClient, OnlyDistinctJiraSitesCount) {
  JiraEnv env;
  const std::string acme =
      std::string(R"({"id":")") + kCloudId +
      R"(","name":"acme","url":"https://acme.atlassian.net","scopes":["read:jira-work"]})";
  env.http->OnJson(
      "GET", std::string(kBase) + "/oauth/token/accessible-resources", 200,
      "[" + acme + "," + acme +
          R"(,{"id":"wiki-1","name":"acme-wiki","url":"https://acme.atlassian.net/wiki","scopes":["read:confluence-content.all"]}])");
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  auto response = env.client->Call(Context(), Get());

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(env.http->RequestsTo("/ex/jira/").size(), 1U);
}

TEST(JiraClient, CachesSitesPerSubjectForAFewMinutes) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");
  const mcp::CallContext other("req-2", core::Principal{.subject = "user-2"});

  ASSERT_TRUE(env.client->Call(Context(), Get()).ok());
  ASSERT_TRUE(env.client->Call(Context(), Get()).ok());
  EXPECT_EQ(env.http->RequestsTo("accessible-resources").size(), 1U);

  ASSERT_TRUE(env.client->Call(other, Get()).ok());
  EXPECT_EQ(env.http->RequestsTo("accessible-resources").size(), 2U);

  env.clock.Advance(std::chrono::minutes(6));
  ASSERT_TRUE(env.client->Call(Context(), Get()).ok());
  EXPECT_EQ(env.http->RequestsTo("accessible-resources").size(), 3U);
}

// Calls of one user that arrive together share one read of accessible-resources: the second
// waits for the first one's answer instead of sending its own.
TEST(JiraClient, CallsThatArriveTogetherShareOneSiteFetch) {
  JiraEnv env;
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");
  std::atomic<int> fetches{0};
  fakes::Gate second_fetch;
  env.http->OnCall(
      "GET", std::string(kBase) + "/oauth/token/accessible-resources",
      [&](const core::HttpRequest&) -> core::Result<core::HttpResponse> {
        if (++fetches == 1) {
          // Hold the first fetch while the second call comes in (if it fetched on
          // its own, that would open the gate at once).
          static_cast<void>(second_fetch.WaitOpen(std::chrono::milliseconds(300)));
        } else {
          second_fetch.Open();
        }
        return core::HttpResponse{
            .status = 200,
            .headers = {{"Content-Type", "application/json"}},
            .body = std::string(R"([{"id":")") + kCloudId +
                    R"(","name":"acme","url":"https://acme.atlassian.net","scopes":[]}])"};
      });

  auto first = std::async(std::launch::async, [&] { return env.client->Call(Context(), Get()); });
  auto second = std::async(std::launch::async, [&] { return env.client->Call(Context(), Get()); });

  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
  EXPECT_EQ(fetches.load(), 1);
}

// F9: without a subject (stdio), the site cache is keyed by the local user behind the token.
TEST(JiraClient, SiteCacheFollowsTheLocalUserWithoutASubject) {
  std::string local_user = "sub:alice";
  JiraEnv env({.local_subject = [&local_user] { return local_user; }});
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");
  const mcp::CallContext local("req-1", core::Principal{});

  ASSERT_TRUE(env.client->Call(local, Get()).ok());
  ASSERT_TRUE(env.client->Call(local, Get()).ok());
  const std::size_t as_alice = env.http->RequestsTo("accessible-resources").size();
  local_user = "sub:bob";
  ASSERT_TRUE(env.client->Call(local, Get()).ok());

  EXPECT_EQ(as_alice, 1U);
  EXPECT_EQ(env.http->RequestsTo("accessible-resources").size(), 2U);
}

// A local subject that cannot be read fails the call with its own error, and the broker (which
// would read the same failing source again) is never asked.
TEST(JiraClient, FailsWithTheLocalSubjectErrorWithoutAskingTheBroker) {
  int reads = 0;
  JiraEnv env({.local_subject = [&reads]() -> core::Result<std::string> {
    ++reads;
    return core::Status(core::Code::kDeadlineExceeded, "The subject token command timed out.");
  }});
  env.OneSite();
  const mcp::CallContext local("req-1", core::Principal{});

  auto response = env.client->Call(local, Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kDeadlineExceeded);
  EXPECT_EQ(response.status().message(), "The subject token command timed out.");
  EXPECT_EQ(reads, 1);
  EXPECT_TRUE(env.broker->subjects().empty());
  EXPECT_TRUE(env.http->requests().empty());
}

// C9
TEST(JiraClient, Retries401OnceWithAFreshlyExchangedToken) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 401, R"({"code":401,"message":"Unauthorized"})");
  env.http->OnJson("GET", MyselfUrl(), 200, R"({"ok":true})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_TRUE(response.ok()) << response.status().message();
  const auto requests = env.http->RequestsTo("/myself");
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].authorization.value_or(core::Secret()).Reveal(), "Bearer jira-token-1");
  EXPECT_EQ(requests[1].authorization.value_or(core::Secret()).Reveal(), "Bearer jira-token-2");
  ASSERT_EQ(env.broker->invalidated().size(), 1U);
  EXPECT_EQ(env.broker->invalidated()[0], std::vector<std::string>{"read:jira-work"});
}

TEST(JiraClient, A401AfterTheRetryIsTokenRejected) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 401, R"({"code":401,"message":"Unauthorized"})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnauthenticated);
  EXPECT_THAT(response.status().message(), HasSubstr("rejected the access token"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("scope")));
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 2U);
  EXPECT_EQ(env.broker->invalidated().size(), 1U);
}

TEST(JiraClient, GatewayScopeMismatchIsToldApartFromARejectedToken) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 401,
                   R"({"code":401,"message":"Unauthorized; scope does not match"})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnauthenticated);
  EXPECT_THAT(response.status().message(), HasSubstr("scopes do not match"));
  EXPECT_THAT(response.status().message(), HasSubstr("Unauthorized; scope does not match"));
  EXPECT_THAT(response.status().message(), HasSubstr("read:jira-work"));
}

TEST(JiraClient, A401FromAccessibleResourcesIsRetriedToo) {
  JiraEnv env;
  const std::string resources = std::string(kBase) + "/oauth/token/accessible-resources";
  env.http->OnJson("GET", resources, 401, R"({"code":401,"message":"Unauthorized"})");
  env.http->OnJson("GET", resources, 401, R"({"code":401,"message":"Unauthorized"})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnauthenticated);
  EXPECT_EQ(env.http->RequestsTo("accessible-resources").size(), 2U);
  EXPECT_TRUE(env.http->RequestsTo("/ex/jira/").empty());
}

struct StatusCase {
  int status;
  core::Code code;
  const char* says;
};

// Names each case by its status in test listings (else gtest prints the struct's bytes).
void PrintTo(const StatusCase& status_case, std::ostream* out) {
  *out << "HTTP " << status_case.status;
}

class JiraClientStatus : public ::testing::TestWithParam<StatusCase> {};

TEST_P(JiraClientStatus, MapsEachStatusOnPurposeAndCarriesJirasMessage) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), GetParam().status,
                   R"({"errorMessages":["Jira says no"],"errors":{"summary":"is required"}})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), GetParam().code);
  EXPECT_THAT(response.status().message(), HasSubstr(GetParam().says));
  EXPECT_THAT(response.status().message(), HasSubstr("Jira says no"));
  EXPECT_THAT(response.status().message(), HasSubstr("summary: is required"));
  EXPECT_THAT(response.status().detail(), HasSubstr("/rest/api/3/myself"));
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 1U);
  EXPECT_TRUE(env.broker->invalidated().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, JiraClientStatus,
    ::testing::Values(StatusCase{400, core::Code::kInvalidArgument, "rejected the request"},
                      StatusCase{403, core::Code::kPermissionDenied, "No permission"},
                      StatusCase{404, core::Code::kNotFound, "not visible to you"},
                      StatusCase{409, core::Code::kConflict, "conflict"},
                      StatusCase{410, core::Code::kFailedPrecondition, "gone"},
                      StatusCase{414, core::Code::kInvalidArgument, "Ask for fewer fields"},
                      StatusCase{431, core::Code::kInvalidArgument, "as too long (HTTP 431)"},
                      StatusCase{422, core::Code::kInvalidArgument, "rejected the request"},
                      StatusCase{500, core::Code::kUnavailable, "failing (HTTP 500)"}));

// C1 at the client level: the 410 of the removed search API reaches the caller verbatim.
TEST(JiraClient, Carries410MessageOfARemovedApi) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 410,
                   R"({"errorMessages":["The requested API has been removed. Please migrate."]})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(),
              HasSubstr("The requested API has been removed. Please migrate."));
}

// Tools walk answers recursively: JSON nested past any real answer is refused before it is
// parsed, so it cannot exhaust the stack of a server shared by every user.
TEST(JiraClient, RefusesAnAnswerNestedPastTheLimit) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson(
      "GET", MyselfUrl(), 200,
      R"({"fields":{"customfield_9":)" + std::string(5000, '[') + std::string(5000, ']') + "}}");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("nested deeper than 512 levels"));
}

// An error answer that echoes the Jira token it was sent does not pass the token on.
TEST(JiraClient, AnErrorEchoingTheTokenDoesNotCarryIt) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 400,
                   R"({"errorMessages":["Bad header: Authorization: Bearer jira-token-1"]})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Bearer [redacted]"));
  EXPECT_THAT(response.status().message() + response.status().detail(),
              Not(HasSubstr("jira-token-1")));
}

// F20: Jira's own sentence keeps its period and gets no second one.
TEST(JiraClient, AddsNoSecondPeriodAfterJirasMessage) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 410,
                   R"({"errorMessages":["The requested API has been removed. Please migrate."]})");
  env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/issue/A-1", 400,
                   R"({"errorMessages":["Field 'x' is required!"]})");
  env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/issue/A-2", 404,
                   R"({"errorMessages":["Issue does not exist"]})");

  auto gone = env.client->Call(Context(), Get());
  auto rejected = env.client->Call(Context(), Get("/rest/api/3/issue/A-1"));
  auto missing = env.client->Call(Context(), Get("/rest/api/3/issue/A-2"));

  ASSERT_FALSE(gone.ok());
  EXPECT_THAT(gone.status().message(), HasSubstr("Please migrate."));
  EXPECT_THAT(gone.status().message(), Not(HasSubstr("..")));
  ASSERT_FALSE(rejected.ok());
  EXPECT_THAT(rejected.status().message(), HasSubstr("is required! Correct the arguments"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("Issue does not exist. Check the key"));
}

// F20: a zero Retry-After is not "wait at least 0 s".
TEST(JiraClient, SaysSomethingTrueWhenRetryAfterIsZero) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("POST", std::string(kJira) + "/rest/api/3/issue", 429, "{}",
                   {{"Retry-After", "0"}});
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "0"}});

  auto write = env.client->Call(
      Context(), {.method = "POST", .path = "/rest/api/3/issue", .body = Json::object()});
  auto read = env.client->Call(Context(), Get());

  ASSERT_FALSE(write.ok());
  EXPECT_THAT(write.status().message(), Not(HasSubstr("0 s")));
  EXPECT_THAT(write.status().message(), HasSubstr("Try again shortly"));
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), Not(HasSubstr("0 s")));
  EXPECT_THAT(read.status().message(), HasSubstr("Try again shortly"));
}

// C12
TEST(JiraClient, HonoursRetryAfterZeroWithJitteredBoundedBackoff) {
  JiraEnv env(JiraClientOptions{.max_attempts = 6});
  env.OneSite();
  for (int i = 0; i < 5; ++i) {
    env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "0"}});
  }
  env.http->OnJson("GET", MyselfUrl(), 200, R"({"ok":true})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 6U);
  ASSERT_EQ(env.sleeps.size(), 5U);
  std::set<long long> distinct;
  for (std::size_t i = 0; i < env.sleeps.size(); ++i) {
    EXPECT_GE(env.sleeps[i].count(), 0);
    EXPECT_LT(env.sleeps[i].count(), std::min(8000LL, 500LL << i)) << i;
    distinct.insert(env.sleeps[i].count());
  }
  EXPECT_GT(distinct.size(), 1U) << "the back-off is jittered";
  EXPECT_TRUE(env.broker->invalidated().empty());
}

TEST(JiraClient, TellsTheAgentWhenTheRateBudgetIsSpent) {
  JiraEnv env;  // 4 tries by default
  env.OneSite();
  for (int i = 0; i < 5; ++i) {
    env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "0"}});
  }
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kResourceExhausted);
  EXPECT_THAT(response.status().message(), HasSubstr("rate limit budget is spent"));
  EXPECT_THAT(response.status().message(), HasSubstr("4 tries"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("token")));
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 4U);
  EXPECT_EQ(env.sleeps.size(), 3U);
  EXPECT_TRUE(env.broker->invalidated().empty());
}

TEST(JiraClient, WaitsAtLeastRetryAfter) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "2"}});
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  ASSERT_TRUE(env.client->Call(Context(), Get()).ok());

  ASSERT_EQ(env.sleeps.size(), 1U);
  EXPECT_GE(env.sleeps[0].count(), 2000);
  EXPECT_LT(env.sleeps[0].count(), 2500);
}

// RFC 9110 §10.2.3: Retry-After may be an HTTP-date, in any of its three forms (the fake clock
// stands at 2026-01-01 00:00:00 UTC); a date already past asks for no wait.
TEST(JiraClient, ReadsRetryAfterAsAnHttpDate) {
  for (const char* date : {"Thu, 01 Jan 2026 00:00:02 GMT", "Thursday, 01-Jan-26 00:00:02 GMT",
                           "Thu Jan  1 00:00:02 2026"}) {
    JiraEnv env;
    env.OneSite();
    env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", date}});
    env.http->OnJson("GET", MyselfUrl(), 200, "{}");

    ASSERT_TRUE(env.client->Call(Context(), Get()).ok()) << date;

    ASSERT_EQ(env.sleeps.size(), 1U) << date;
    EXPECT_GE(env.sleeps[0].count(), 2000) << date;
    EXPECT_LT(env.sleeps[0].count(), 2500) << date;
  }
  JiraEnv past;
  past.OneSite();
  past.http->OnJson("GET", MyselfUrl(), 429, "{}",
                    {{"Retry-After", "Wed, 31 Dec 2025 23:00:00 GMT"}});
  past.http->OnJson("GET", MyselfUrl(), 200, "{}");
  ASSERT_TRUE(past.client->Call(Context(), Get()).ok());
  ASSERT_EQ(past.sleeps.size(), 1U);
  EXPECT_LT(past.sleeps[0].count(), 500);
}

TEST(JiraClient, ADistantRetryAfterDateIsToldNotWaited) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}",
                   {{"Retry-After", "Thu, 01 Jan 2026 00:02:00 GMT"}});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Wait at least 120 s"));
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(JiraClient, DoesNotWaitOutALongRetryAfterAndSaysHowLong) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "120"}});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Wait at least 120 s"));
  EXPECT_TRUE(env.sleeps.empty());
}

// Issue #6: the waits of one request stay well inside a client's 60 s request timeout.
TEST(JiraClient, KeepsAllBackoffOfOneRequestWithinItsBudget) {
  JiraEnv env;
  env.OneSite();
  for (int i = 0; i < 4; ++i) {
    env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "20"}});
  }

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("rate limit"));
  long long waited = 0;
  for (const auto& sleep : env.sleeps) {
    waited += sleep.count();
  }
  EXPECT_LE(waited, 30000);
  EXPECT_EQ(env.sleeps.size(), 1U);
}

// A write whose answer never came may have landed: the agent is told to look before retrying.
TEST(JiraClient, AWriteWithoutAnAnswerMayHaveLanded) {
  JiraEnv env;
  env.OneSite();
  env.http->OnCall("POST", std::string(kJira) + "/rest/api/3/issue", [](const auto&) {
    return core::Result<core::HttpResponse>(
        core::Status(core::Code::kDeadlineExceeded, "no complete answer"));
  });

  auto response = env.client->Call(
      Context(), {.method = "POST", .path = "/rest/api/3/issue", .body = Json::object()});

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("may or may not have been made"));
  EXPECT_THAT(response.status().message(), HasSubstr("Read it back"));
  EXPECT_EQ(env.http->RequestsTo("/rest/api/3/issue").size(), 1U);
}

// A DELETE is not re-sent: the first may have landed, and a second would be told 404. A PUT
// whose answer never came may have landed too, though repeating it is safe.
TEST(JiraClient, ADeleteIsNotResentAndARepeatableWriteMayHaveLanded) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("DELETE", std::string(kJira) + "/rest/api/3/issue/A-1", 503, "{}");
  env.http->OnCall("PUT", std::string(kJira) + "/rest/api/3/issue/A-1", [](const auto&) {
    return core::Result<core::HttpResponse>(
        core::Status(core::Code::kDeadlineExceeded, "no complete answer"));
  });

  auto deleted = env.client->Call(Context(), {.method = "DELETE", .path = "/rest/api/3/issue/A-1"});
  auto put = env.client->Call(
      Context(), {.method = "PUT", .path = "/rest/api/3/issue/A-1", .body = Json::object()});

  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(env.http->RequestsTo("/rest/api/3/issue/A-1").size(), 2U);  // one DELETE, one PUT
  EXPECT_THAT(deleted.status().message(), HasSubstr("may or may not have been made, and was not "
                                                    "re-sent"));
  ASSERT_FALSE(put.ok());
  EXPECT_THAT(put.status().message(), HasSubstr("may or may not have been made"));
}

// A POST that moves issues is safe to repeat but is a write: its rate-limit error says the move
// was not applied, not to ask for fewer results.
TEST(JiraClient, ARepeatableWritePostIsNoRead) {
  JiraEnv env;
  env.OneSite();
  const std::string url = std::string(kJira) + "/rest/agile/1.0/sprint/3/issue";
  for (int i = 0; i < 8; ++i) {
    env.http->OnJson("POST", url, 429, "{}", {{"Retry-After", "0"}});
  }

  auto moved = env.client->Call(Context(), {.method = "POST",
                                            .path = "/rest/agile/1.0/sprint/3/issue",
                                            .body = Json::object(),
                                            .idempotent = true,
                                            .writes = true});

  ASSERT_FALSE(moved.ok());
  EXPECT_THAT(moved.status().message(), HasSubstr("The change was not applied"));
  EXPECT_THAT(moved.status().message(), Not(HasSubstr("fewer")));
}

TEST(JiraClient, ALostConnectionIsNotCalledATimeout) {
  JiraEnv env;
  env.OneSite();
  env.http->OnCall("GET", MyselfUrl(), [](const auto&) {
    return core::Result<core::HttpResponse>(
        core::Status(core::Code::kConnectionLost, "the connection broke"));
  });

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("broke before a complete answer"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("within")));
}

// A Retry-After too large for seconds→milliseconds gives up at once; no wrapped or negative wait.
TEST(JiraClient, GivesUpAtOnceOnARetryAfterThatWouldOverflowMilliseconds) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "9300000000000000"}});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kResourceExhausted);
  EXPECT_THAT(response.status().message(), HasSubstr("Jira asks to wait more than a day"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("-")));
  EXPECT_TRUE(env.sleeps.empty());
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 1U);
}

TEST(JiraClient, SaysMoreThanADayForARetryAfterPastTheRangeOfAnInteger) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "99999999999999999"}});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Jira asks to wait more than a day"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("7766279631452240")));
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(JiraClient, SaysTheRealFigureForARetryAfterOfUpToADay) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "86400"}});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Wait at least 86400 s"));
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(JiraClient, TreatsARetryAfterThatIsNotDigitsAsAbsent) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "+5"}});
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "-5"}});
  env.http->OnJson("GET", MyselfUrl(), 429, "{}",
                   {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}});
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "5s"}});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Wait a minute"));
  ASSERT_EQ(env.sleeps.size(), 3U);
  for (const auto& sleep : env.sleeps) {
    EXPECT_GE(sleep.count(), 0);
    EXPECT_LT(sleep.count(), 8000);
  }
}

// A write that was retried and still refused: nothing to narrow, only to wait.
TEST(JiraClient, RateLimitOnARetriedWriteSaysToWaitNotToAskForLess) {
  JiraEnv env;
  env.OneSite();
  const std::string issue = std::string(kJira) + "/rest/api/3/issue/A-1";
  env.http->OnJson("PUT", issue, 429, "{}", {{"Retry-After", "0"}});

  auto response = env.client->Call(
      Context(),
      {.method = "PUT", .path = "/rest/api/3/issue/A-1", .body = Json{{"fields", Json::object()}}});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kResourceExhausted);
  EXPECT_THAT(response.status().message(), Not(HasSubstr("fewer")));
  EXPECT_THAT(response.status().message(), HasSubstr("not applied"));
  EXPECT_THAT(response.status().message(), HasSubstr("Try again shortly"));
  EXPECT_EQ(env.http->RequestsTo("/issue/A-1").size(), 4U);
}

TEST(JiraClient, RateLimitOnARetriedReadSuggestsAskingForLess) {
  JiraEnv env;
  env.OneSite();
  const std::string search = std::string(kJira) + "/rest/api/3/search/jql";
  env.http->OnJson("POST", search, 429, "{}", {{"Retry-After", "0"}});

  auto response = env.client->Call(Context(), {.method = "POST",
                                               .path = "/rest/api/3/search/jql",
                                               .body = Json{{"maxResults", 50}},
                                               .idempotent = true});

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Ask for fewer or smaller results"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("not applied")));
}

// One issue is as small as a read gets: the advice is to wait, nothing else.
TEST(JiraClient, RateLimitOnASingleItemReadOnlySaysToWait) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/issue/A-1", 429, "{}",
                   {{"Retry-After", "0"}});

  auto response = env.client->Call(Context(), {.path = "/rest/api/3/issue/A-1"});

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("Try again shortly"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("fewer")));
}

TEST(JiraClient, NeverResendsAWritePostAfter429) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("POST", std::string(kJira) + "/rest/api/3/issue", 429, "{}",
                   {{"Retry-After", "0"}});

  auto response = env.client->Call(
      Context(), {.method = "POST", .path = "/rest/api/3/issue", .body = Json::object()});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kResourceExhausted);
  EXPECT_THAT(response.status().message(), HasSubstr("not applied"));
  EXPECT_EQ(env.http->RequestsTo("/rest/api/3/issue").size(), 1U);
  EXPECT_TRUE(env.sleeps.empty());
}

TEST(JiraClient, ResendsAReadOnlyPostMarkedIdempotent) {
  JiraEnv env;
  env.OneSite();
  const std::string search = std::string(kJira) + "/rest/api/3/search/jql";
  env.http->OnJson("POST", search, 429, "{}", {{"Retry-After", "0"}});
  env.http->OnJson("POST", search, 200, R"({"issues":[]})");

  auto response = env.client->Call(Context(), {.method = "POST",
                                               .path = "/rest/api/3/search/jql",
                                               .body = Json::object(),
                                               .idempotent = true});

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(env.http->RequestsTo("/search/jql").size(), 2U);
}

TEST(JiraClient, Retries503ForIdempotentRequestsButNot500) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 503, "{}");
  env.http->OnJson("GET", MyselfUrl(), 500, R"({"errorMessages":["boom"]})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("boom"));
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 2U);
}

// A gateway's 5xx can come after Jira made the change: the error says to read it back, not to
// send it again, and nothing is re-sent.
TEST(JiraClient, A5xxToACreateSaysTheChangeMayHaveLanded) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("POST", std::string(kJira) + "/rest/api/3/issue", 502, "{}");

  auto response = env.client->Call(
      Context(), {.method = "POST", .path = "/rest/api/3/issue", .body = Json::object()});

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("may or may not have been made"));
  EXPECT_THAT(response.status().message(), HasSubstr("Read it back"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("Try again later")));
  EXPECT_EQ(env.http->RequestsTo("/rest/api/3/issue").size(), 1U);
}

// C14
TEST(JiraClient, EmptyBodyWithJsonContentTypeIsSuccess) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("PUT", std::string(kJira) + "/rest/api/3/issue/A-1", 204, "");

  auto response = env.client->Call(
      Context(),
      {.method = "PUT", .path = "/rest/api/3/issue/A-1", .body = Json{{"fields", Json::object()}}});

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 204);
  EXPECT_TRUE(response->body.is_null());
}

TEST(JiraClient, NonJsonWhereJsonWasExpectedIsAClearUpstreamError) {
  JiraEnv env;
  env.OneSite();
  env.http->On("GET", MyselfUrl(),
               core::HttpResponse{200, Header("Content-Type", "text/html"), "<html>login</html>"});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("text/html where JSON was expected"));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("<html>")));
}

TEST(JiraClient, BrokenJsonIsAClearUpstreamError) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, R"({"truncated":)");

  auto response = env.client->Call(Context(), Get());
  env.http->OnJson("POST", std::string(kJira) + "/rest/api/3/issue/A-1/comment", 201, R"({"id":)");
  auto write = env.client->Call(
      Context(),
      {.method = "POST", .path = "/rest/api/3/issue/A-1/comment", .body = Json::object()});

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("cannot read as JSON"));
  EXPECT_THAT(response.status().message(), HasSubstr("Try again"));
  // A write that Jira accepted is never answered with "try again".
  ASSERT_FALSE(write.ok());
  EXPECT_THAT(write.status().message(), HasSubstr("Jira accepted the POST (HTTP 201)"));
  EXPECT_THAT(write.status().message(), HasSubstr("Check what the change did"));
  EXPECT_THAT(write.status().message(), Not(HasSubstr("ry again")));
}

// Jira can cut a string between the halves of a surrogate pair and send the high half alone.
TEST(JiraClient, ABodyWithALoneSurrogateEscapeParsesWithAReplacementCharacter) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, R"({"fields":{"summary":"cut emoji \ud83d here"}})");

  auto response = env.client->Call(Context(), Get());

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->body["fields"]["summary"], "cut emoji \xEF\xBF\xBD here");
}

TEST(JiraClient, ABodyBrokenOtherwiseIsStillAnUpstreamErrorAfterTheRepair) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, R"({"summary":"\udc00",)");

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_THAT(response.status().message(), HasSubstr("cannot read as JSON"));
}

TEST(JiraClient, RawResponsesKeepTheBytes) {
  JiraEnv env;
  env.OneSite();
  env.http->On("GET", MyselfUrl(),
               core::HttpResponse{200, Header("Content-Type", "image/png"), "\x89PNG"});
  JiraRequest request = Get();
  request.raw_response = true;

  auto response = env.client->Call(Context(), request);

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->raw, "\x89PNG");
}

TEST(JiraClient, PassesTheCancelFlagToEveryRequest) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");
  std::atomic<bool> cancelled{false};

  ASSERT_TRUE(env.client->Call(Context(&cancelled), Get()).ok());

  for (const auto& request : env.http->requests()) {
    EXPECT_EQ(request.cancelled, &cancelled) << request.url;
  }
}

TEST(JiraClient, ACancelledCallSendsNothing) {
  JiraEnv env;
  env.OneSite();
  std::atomic<bool> cancelled{true};

  auto response = env.client->Call(Context(&cancelled), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kCancelled);
  EXPECT_TRUE(env.http->requests().empty());
}

TEST(JiraClient, CancellationInterruptsTheBackoff) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "1"}});
  std::atomic<bool> cancelled{false};
  JiraClientOptions options;
  options.api_base_url = kBase;
  options.sleeper = [&cancelled](std::chrono::milliseconds, const std::atomic<bool>* flag) {
    EXPECT_EQ(flag, &cancelled);
    cancelled = true;
    return false;
  };
  JiraClient client(env.http, env.broker, options);

  auto response = client.Call(Context(&cancelled), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kCancelled);
  EXPECT_EQ(env.http->RequestsTo("/myself").size(), 1U);
}

TEST(JiraClient, TransportFailureIsUnavailable) {
  JiraEnv env;
  env.OneSite();  // /ex/jira/ has no route: the fake answers a transport error

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("could not be reached"));
}

TEST(JiraClient, TooLargeAnswerSaysSoAndHowToAskForLess) {
  JiraEnv env;
  env.OneSite();
  env.http->OnCall("GET", kJira, PastSizeCap);

  auto response = env.client->Call(Context(), Get("/rest/api/3/search/jql?maxResults=50"));
  // One item with no field list cannot be asked for smaller.
  auto myself = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kResourceExhausted);
  EXPECT_THAT(response.status().message(), HasSubstr("larger than the 16 MiB"));
  EXPECT_THAT(response.status().message(), HasSubstr("fewer"));
  ASSERT_FALSE(myself.ok());
  EXPECT_THAT(myself.status().message(), HasSubstr("larger than the 16 MiB"));
  EXPECT_THAT(myself.status().message(), Not(HasSubstr("fewer")));
}

TEST(JiraClient, AnswerTooLargeTellsTheSizeCapFromARateLimit) {
  JiraEnv env;
  env.OneSite();
  env.http->OnCall("GET", kJira, PastSizeCap);
  env.http->OnJson("GET", std::string(kJira) + "/rest/api/3/myself", 429, "{}",
                   {{"Retry-After", "99999"}});

  EXPECT_TRUE(AnswerTooLarge(env.client->Call(Context(), Get("/rest/api/3/issue/A-1")).status()));
  const auto limited = env.client->Call(Context(), Get("/rest/api/3/myself"));
  EXPECT_EQ(limited.status().code(), core::Code::kResourceExhausted);
  EXPECT_FALSE(AnswerTooLarge(limited.status()));
}

// Of each issue's fields only the named ones are parsed; other parts of the answer stay whole.
TEST(JiraClient, KeepIssueFieldsDropsTheOthersWhileParsing) {
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", kJira, 200, R"({"startAt":0,"fields":{"comment":1},"issues":[
      {"id":"1","key":"A-1","fields":{"summary":"S","comment":{"comments":[{"body":{"type":"doc",
       "content":[{"type":"text","text":"x"}]}}]},"status":{"name":"Done","fields":{"a":1}}}},
      {"key":"A-2","fields":{"labels":["l"],"summary":"T","watches":[{"fields":{"x":1}}]}}]})");
  JiraRequest request = Get();
  request.keep_issue_fields = std::vector<std::string>{"summary", "status"};

  const auto response = env.client->Call(Context(), request);

  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->body, Json::parse(R"({"startAt":0,"fields":{"comment":1},"issues":[
      {"id":"1","key":"A-1","fields":{"summary":"S","status":{"name":"Done","fields":{"a":1}}}},
      {"key":"A-2","fields":{"summary":"T"}}]})"));
}

TEST(JiraClient, TimeoutSaysJiraDidNotAnswerInTime) {
  JiraEnv env(JiraClientOptions{.timeout = std::chrono::seconds(3)});
  env.OneSite();
  env.http->OnCall("GET", kJira, [](const core::HttpRequest&) -> core::Result<core::HttpResponse> {
    return core::Status(core::Code::kDeadlineExceeded, "no complete answer within 3000 ms");
  });

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("did not answer within 3 s"));
}

TEST(JiraClient, TokenBrokerErrorsReachTheCallerUnchanged) {
  JiraEnv env;
  env.broker->FailWith({core::Code::kPermissionDenied, "The zone denied the exchange: policy X"});

  auto response = env.client->Call(Context(), Get());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), core::Code::kPermissionDenied);
  EXPECT_EQ(response.status().message(), "The zone denied the exchange: policy X");
  EXPECT_TRUE(env.http->requests().empty());
}

TEST(JiraClient, BrowseUrlJoinsSiteAndKey) {
  EXPECT_EQ(JiraClient::BrowseUrl({.url = "https://acme.atlassian.net/"}, "A-1"),
            "https://acme.atlassian.net/browse/A-1");
}

// No token reaches the logs, whatever happens to the request (DESIGN.md §3).
TEST(JiraClientLogs, NeverContainTheToken) {
  auto sink = std::make_shared<fakes::CapturingSink>();
  core::SetLogSink(sink);
  ASSERT_TRUE(core::SetLogLevel("trace"));
  JiraEnv env;
  env.OneSite();
  env.http->OnJson("GET", MyselfUrl(), 401, R"({"code":401,"message":"Unauthorized"})");
  env.http->OnJson("GET", MyselfUrl(), 429, "{}", {{"Retry-After", "0"}});
  env.http->OnJson("GET", MyselfUrl(), 200, "{}");

  ASSERT_TRUE(env.client->Call(Context(), Get()).ok());

  const std::string logs = sink->Text();
  core::SetLogSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  ASSERT_TRUE(core::SetLogLevel("info"));
  EXPECT_THAT(logs, HasSubstr("reexchange"));
  EXPECT_THAT(logs, HasSubstr("backoff"));
  EXPECT_THAT(logs, Not(HasSubstr("jira-token")));
  EXPECT_THAT(logs, Not(HasSubstr("Bearer")));
}

}  // namespace
}  // namespace tools
