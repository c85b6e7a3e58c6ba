#include "sandbox/sandbox_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/base64.h"
#include "core/httplib_client.h"
#include "core/url.h"
#include "sandbox/jwt.h"
#include "tests/fakes/fake_clock.h"

namespace sandbox {
namespace {

using Json = nlohmann::json;

constexpr const char* kExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr const char* kAccessToken = "urn:ietf:params:oauth:token-type:access_token";
constexpr const char* kJira = "https://api.atlassian.com/ex/jira";
constexpr const char* kAcme = "6c1f7c1e-2f5b-4c1d-9a51-3d2c9e6b7a10";
constexpr const char* kLabs = "b7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e01";

struct Answer {
  int status = 0;
  Json body;
  core::HttpResponse raw;
};

std::string Form(std::initializer_list<std::pair<std::string, std::string>> fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    out += (out.empty() ? "" : "&") + key + "=" + core::PercentEncode(value);
  }
  return out;
}

Json Claims(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  const auto payload = core::Base64UrlDecode(jwt.substr(first + 1, second - first - 1));
  return payload ? Json::parse(*payload, nullptr, false) : Json();
}

Json Header(const std::string& jwt) {
  const auto header = core::Base64UrlDecode(jwt.substr(0, jwt.find('.')));
  return header ? Json::parse(*header, nullptr, false) : Json();
}

Json Adf(const std::string& text) {
  return {
      {"type", "doc"},
      {"version", 1},
      {"content", {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", text}}}}}}}};
}

// The sandbox's command line, run in-process.
int RunMain(std::vector<std::string> words) {
  std::vector<char*> argv;
  argv.reserve(words.size());
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  return Main(static_cast<int>(argv.size()), argv.data());
}

class SandboxServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWith({}); }

  void StartWith(SandboxServer::Options options) {
    options.clock = &clock_;
    server_ = std::make_unique<SandboxServer>(std::move(options));
    const auto status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.message();
    base_ = server_->base_url();
  }

  Answer Send(core::HttpRequest request) {
    request.url = base_ + request.url;
    auto response = client_->Send(request);
    EXPECT_TRUE(response.ok()) << response.status().message();
    if (!response.ok()) {
      return {};
    }
    return {response->status, Json::parse(response->body, nullptr, false), *response};
  }

  Answer PostForm(const std::string& path, const std::string& body, const std::string& basic = "") {
    core::HttpRequest request{.method = "POST",
                              .url = path,
                              .body = body,
                              .content_type = "application/x-www-form-urlencoded"};
    if (!basic.empty()) {
      request.authorization = core::Secret("Basic " + core::Base64Encode(basic));
    }
    return Send(std::move(request));
  }

  Answer Jira(const std::string& method, const std::string& path, const std::string& token,
              const Json& body = nullptr, const std::string& cloud = kAcme) {
    core::HttpRequest request{.method = method, .url = "/ex/jira/" + cloud + path};
    request.authorization = core::Secret("Bearer " + token);
    if (!body.is_null()) {
      request.body = body.dump();
      request.content_type = "application/json";
    }
    return Send(std::move(request));
  }

  std::string UserToken(const std::string& user) {
    auto token = server_->UserToken(user);
    EXPECT_TRUE(token.ok());
    return token.ok() ? *token : "";
  }

  Answer Exchange(const std::string& subject, const std::string& scope = "",
                  const std::string& resource = kJira,
                  const std::string& basic = "jira-mcp-sandbox:sandbox-secret") {
    std::string body = Form({{"grant_type", kExchange},
                             {"subject_token", subject},
                             {"subject_token_type", kAccessToken},
                             {"resource", resource}});
    if (!scope.empty()) {
      body += "&scope=" + core::PercentEncode(scope);
    }
    return PostForm("/oauth/2/token", body, basic);
  }

  std::string JiraToken(const std::string& user, const std::string& scope = "") {
    const Answer answer = Exchange(UserToken(user), scope);
    EXPECT_EQ(answer.status, 200) << answer.body.dump();
    return answer.body.value("access_token", "");
  }

  // Drops pooled keep-alive connections, so stopping the server does not wait for them to idle
  // out.
  void ResetClient() { client_ = std::make_unique<core::HttplibClient>(); }

  fakes::FakeClock clock_;
  std::unique_ptr<SandboxServer> server_;
  // Declared after the server so it is destroyed first (see ResetClient).
  std::unique_ptr<core::HttplibClient> client_ = std::make_unique<core::HttplibClient>();
  std::string base_;
};

// ---- zone ----

// A second sandbox on a port the first one holds says why it cannot start and what to change.
TEST_F(SandboxServerTest, BusyPortIsRefusedWithTheReason) {
  SandboxServer::Options options;
  options.clock = &clock_;
  options.port = server_->port();
  SandboxServer second(std::move(options));

  const core::Status status = second.Start();

  EXPECT_EQ(status.code(), core::Code::kUnavailable);
  EXPECT_NE(status.message().find("the port is in use"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("--port"), std::string::npos) << status.message();
}

TEST_F(SandboxServerTest, ServesAuthorizationServerMetadata) {
  const Answer answer = Send({.url = "/.well-known/oauth-authorization-server"});

  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["issuer"], base_);
  EXPECT_EQ(answer.body["token_endpoint"], base_ + "/oauth/2/token");
  EXPECT_EQ(answer.body["jwks_uri"], base_ + "/.well-known/jwks.json");
  EXPECT_EQ(answer.body["authorization_endpoint"], base_ + "/oauth/2/authorize");
  EXPECT_EQ(answer.body["code_challenge_methods_supported"], Json::array({"S256"}));
  const auto grants = answer.body["grant_types_supported"];
  EXPECT_NE(std::find(grants.begin(), grants.end(), kExchange), grants.end());
  EXPECT_EQ(base_.rfind("http://127.0.0.1:", 0), 0U);
}

TEST_F(SandboxServerTest, PublishesTheSigningKeyAsJwks) {
  const Answer jwks = Send({.url = "/.well-known/jwks.json"});
  const std::string token = UserToken("alice");

  ASSERT_EQ(jwks.status, 200);
  ASSERT_EQ(jwks.body["keys"].size(), 1U);
  const Json key = jwks.body["keys"][0];
  EXPECT_EQ(key["kty"], "RSA");
  EXPECT_EQ(key["alg"], "RS256");
  EXPECT_EQ(key["use"], "sig");
  EXPECT_FALSE(key["n"].get<std::string>().empty());
  EXPECT_EQ(key["e"], "AQAB");
  EXPECT_EQ(Header(token)["kid"], key["kid"]);
  EXPECT_EQ(Header(token)["alg"], "RS256");
}

TEST_F(SandboxServerTest, PasswordGrantIssuesUserTokensForDemoUsersOnly) {
  const Answer good =
      PostForm("/oauth/2/token",
               Form({{"grant_type", "password"}, {"username", "dana"}, {"password", "sandbox"}}));
  const Answer wrong =
      PostForm("/oauth/2/token",
               Form({{"grant_type", "password"}, {"username", "dana"}, {"password", "guess"}}));
  const Answer stranger = PostForm(
      "/oauth/2/token",
      Form({{"grant_type", "password"}, {"username", "mallory"}, {"password", "sandbox"}}));

  ASSERT_EQ(good.status, 200);
  EXPECT_EQ(good.body["token_type"], "Bearer");
  const Json claims = Claims(good.body["access_token"]);
  EXPECT_EQ(claims["iss"], base_);
  EXPECT_EQ(claims["sub"], "5f3c9a1e2b7d4c0012a1b004");
  EXPECT_EQ(claims["aud"], base_);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.body["error"], "invalid_grant");
  EXPECT_EQ(stranger.body["error"], "invalid_grant");
}

TEST_F(SandboxServerTest, ExchangeAnswersPerRfc8693) {
  const Answer answer = Exchange(UserToken("alice"), "read:jira-work write:jira-work");

  ASSERT_EQ(answer.status, 200) << answer.body.dump();
  EXPECT_EQ(answer.body["issued_token_type"], kAccessToken);
  EXPECT_EQ(answer.body["token_type"], "Bearer");
  EXPECT_EQ(answer.body["expires_in"], 3600);
  EXPECT_EQ(answer.body["scope"], "read:jira-work write:jira-work");
  EXPECT_EQ(answer.raw.Header("Cache-Control"), "no-store");
  const Json claims = Claims(answer.body["access_token"]);
  EXPECT_EQ(claims["aud"], kJira);
  EXPECT_EQ(claims["sub"], "5f3c9a1e2b7d4c0012a1b001");
  EXPECT_EQ(claims["scope"], "read:jira-work write:jira-work");
  EXPECT_EQ(claims["act"]["sub"], "jira-mcp-sandbox");
}

TEST_F(SandboxServerTest, ExchangedTokenNeverOutlivesTheSubject) {
  const std::string subject = UserToken("alice");
  clock_.Advance(std::chrono::minutes(50));

  const Answer answer = Exchange(subject);

  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body["expires_in"], 600);
}

TEST_F(SandboxServerTest, ExchangeRefusesBadClientAuthentication) {
  const std::string subject = UserToken("alice");

  const Answer wrong = Exchange(subject, "", kJira, "jira-mcp-sandbox:wrong");
  const Answer missing = Exchange(subject, "", kJira, "");

  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body["error"], "invalid_client");
  EXPECT_TRUE(wrong.raw.Header("WWW-Authenticate").has_value());
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body["error"], "invalid_client");
}

TEST_F(SandboxServerTest, ExchangeRefusesOtherResources) {
  const Answer answer = Exchange(UserToken("alice"), "", "https://api.atlassian.com/ex/confluence");

  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["error"], "invalid_target");
}

TEST_F(SandboxServerTest, ExchangeAppliesThePolicy) {
  const Answer denied = Exchange(UserToken("erik"));
  const Answer unconsented = Exchange(UserToken("farah"));

  EXPECT_EQ(denied.status, 400);
  EXPECT_EQ(denied.body["error"], "access_denied");
  EXPECT_NE(denied.body["error_description"].get<std::string>().find("contractors-no-jira"),
            std::string::npos);
  EXPECT_EQ(unconsented.body["error"], "consent_required");
  EXPECT_EQ(unconsented.body["error_description"], "User consent is required.");
}

TEST_F(SandboxServerTest, ExchangeRefusesUnknownScopes) {
  const Answer answer = Exchange(UserToken("alice"), "read:jira-work delete:everything");

  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["error"], "invalid_scope");
}

TEST_F(SandboxServerTest, ExchangeRefusesExpiredForgedAndJiraSubjects) {
  const std::string subject = UserToken("alice");
  const std::string jira = JiraToken("alice");
  std::string forged = subject;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';

  const Answer as_jira = Exchange(jira);
  const Answer tampered = Exchange(forged);
  clock_.Advance(std::chrono::hours(2));
  const Answer expired = Exchange(subject);

  EXPECT_EQ(as_jira.body["error"], "invalid_grant");
  EXPECT_EQ(tampered.body["error"], "invalid_grant");
  EXPECT_EQ(expired.body["error"], "invalid_grant");
}

TEST_F(SandboxServerTest, AuthorizationCodeWithPkceAndRefresh) {
  const std::string verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
  const std::string challenge = core::Base64UrlEncode(Sha256(verifier));
  const std::string redirect = "http://127.0.0.1:9/callback";

  const Answer authorize =
      Send({.url = "/oauth/2/authorize?" + Form({{"response_type", "code"},
                                                 {"client_id", "jira-mcp-sandbox"},
                                                 {"redirect_uri", redirect},
                                                 {"code_challenge", challenge},
                                                 {"code_challenge_method", "S256"},
                                                 {"state", "xyz"},
                                                 {"login_hint", "bob"}})});
  ASSERT_EQ(authorize.status, 302);
  const std::string location = authorize.raw.Header("Location").value_or("");
  ASSERT_EQ(location.rfind(redirect + "?code=", 0), 0U) << location;
  EXPECT_NE(location.find("&state=xyz"), std::string::npos);
  const auto start = location.find("code=") + 5;
  const std::string code = location.substr(start, location.find('&', start) - start);

  const Answer wrong_verifier =
      PostForm("/oauth/2/token", Form({{"grant_type", "authorization_code"},
                                       {"code", code},
                                       {"redirect_uri", redirect},
                                       {"client_id", "jira-mcp-sandbox"},
                                       {"code_verifier", "not-it"}}));
  EXPECT_EQ(wrong_verifier.body["error"], "invalid_grant");
  EXPECT_EQ(PostForm("/oauth/2/token", Form({{"grant_type", "authorization_code"},
                                             {"code", code},
                                             {"redirect_uri", redirect},
                                             {"client_id", "jira-mcp-sandbox"},
                                             {"code_verifier", verifier}}))
                .body["error"],
            "invalid_grant")
      << "a code is single-use, even after a failed attempt";
}

TEST_F(SandboxServerTest, AuthorizationCodeGrantIssuesAndRotatesRefreshTokens) {
  const std::string verifier = "another-verifier-that-is-long-enough-0123456789abcd";
  const std::string redirect = "http://localhost:5555/cb";
  const Answer authorize =
      Send({.url = "/oauth/2/authorize?" +
                   Form({{"response_type", "code"},
                         {"client_id", "jira-mcp-sandbox"},
                         {"redirect_uri", redirect},
                         {"code_challenge", core::Base64UrlEncode(Sha256(verifier))},
                         {"code_challenge_method", "S256"}})});
  const std::string location = authorize.raw.Header("Location").value_or("");
  const std::string code = location.substr(location.find("code=") + 5);

  const Answer tokens = PostForm("/oauth/2/token", Form({{"grant_type", "authorization_code"},
                                                         {"code", code},
                                                         {"redirect_uri", redirect},
                                                         {"client_id", "jira-mcp-sandbox"},
                                                         {"code_verifier", verifier}}));
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(Claims(tokens.body["access_token"])["sub"], "5f3c9a1e2b7d4c0012a1b001");
  const std::string refresh = tokens.body["refresh_token"];
  const Answer refreshed = PostForm("/oauth/2/token", Form({{"grant_type", "refresh_token"},
                                                            {"refresh_token", refresh},
                                                            {"client_id", "jira-mcp-sandbox"}}));
  const Answer replayed = PostForm("/oauth/2/token", Form({{"grant_type", "refresh_token"},
                                                           {"refresh_token", refresh},
                                                           {"client_id", "jira-mcp-sandbox"}}));

  EXPECT_EQ(refreshed.status, 200);
  EXPECT_NE(refreshed.body["refresh_token"], refresh);
  EXPECT_EQ(replayed.body["error"], "invalid_grant");
}

TEST_F(SandboxServerTest, AuthorizeRedirectsToLoopbackOnly) {
  const Answer answer =
      Send({.url = "/oauth/2/authorize?" + Form({{"response_type", "code"},
                                                 {"client_id", "jira-mcp-sandbox"},
                                                 {"redirect_uri", "https://evil.example.com/cb"},
                                                 {"code_challenge", "x"},
                                                 {"code_challenge_method", "S256"}})});

  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["error"], "invalid_request");
}

// ---- Atlassian ----

TEST_F(SandboxServerTest, AccessibleResourcesListsTheUsersSites) {
  core::HttpRequest alice{.url = "/oauth/token/accessible-resources"};
  alice.authorization = core::Secret("Bearer " + JiraToken("alice", "read:jira-work"));
  core::HttpRequest bob{.url = "/oauth/token/accessible-resources"};
  bob.authorization = core::Secret("Bearer " + JiraToken("bob"));

  const Answer two = Send(alice);
  const Answer one = Send(bob);

  ASSERT_EQ(two.status, 200);
  ASSERT_EQ(two.body.size(), 2U);
  EXPECT_EQ(two.body[0]["id"], kAcme);
  EXPECT_EQ(two.body[0]["name"], "acme");
  EXPECT_EQ(two.body[0]["url"], "https://acme.atlassian.net");
  EXPECT_EQ(two.body[0]["scopes"], Json::array({"read:jira-work"}));
  EXPECT_TRUE(two.body[0].contains("avatarUrl"));
  EXPECT_EQ(two.body[1]["id"], kLabs);
  EXPECT_EQ(one.body.size(), 1U);
}

TEST_F(SandboxServerTest, JiraRefusesSubjectTokensAndNoToken) {
  const Answer subject = Jira("GET", "/rest/api/3/myself", UserToken("alice"));
  const Answer none = Send({.url = std::string("/ex/jira/") + kAcme + "/rest/api/3/myself"});

  EXPECT_EQ(subject.status, 401);
  EXPECT_EQ(subject.body["code"], 401);
  EXPECT_EQ(none.status, 401);
}

TEST_F(SandboxServerTest, JiraRefusesExpiredTokens) {
  const std::string token = JiraToken("bob");
  const Answer fresh = Jira("GET", "/rest/api/3/myself", token);
  clock_.Advance(std::chrono::hours(2));

  const Answer stale = Jira("GET", "/rest/api/3/myself", token);

  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(stale.status, 401);
}

TEST_F(SandboxServerTest, JiraEnforcesScopesLikeTheGateway) {
  const std::string read_only = JiraToken("alice", "read:jira-work");

  const Answer read = Jira("GET", "/rest/api/3/issue/MOB-1", read_only);
  const Answer write =
      Jira("PUT", "/rest/api/3/issue/MOB-1", read_only, {{"fields", {{"summary", "x"}}}});
  const Answer user = Jira("GET", "/rest/api/3/myself", read_only);

  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(write.status, 401);
  EXPECT_EQ(write.body, Json({{"code", 401}, {"message", "Unauthorized; scope does not match"}}));
  EXPECT_EQ(user.status, 401);
}

// Jira Software's routes take its own scopes (as its API documents them) or the classic ones.
TEST_F(SandboxServerTest, AgileRoutesTakeJiraSoftwareScopesOrTheClassicOnes) {
  const std::string software =
      JiraToken("alice", "read:board-scope:jira-software read:sprint:jira-software");
  const std::string classic = JiraToken("alice", "read:jira-work");
  const std::string neither = JiraToken("alice", "read:jira-user");

  EXPECT_EQ(Jira("GET", "/rest/agile/1.0/board", software).status, 200);
  EXPECT_EQ(Jira("GET", "/rest/agile/1.0/board/1/sprint", software).status, 200);
  EXPECT_EQ(Jira("GET", "/rest/agile/1.0/board", classic).status, 200);
  EXPECT_EQ(Jira("GET", "/rest/agile/1.0/board", neither).status, 401);
  EXPECT_EQ(Jira("POST", "/rest/agile/1.0/backlog/issue", software, {{"issues", {"MOB-4"}}}).status,
            401);
  // Jira Software's scopes are no key to the platform's routes.
  EXPECT_EQ(Jira("GET", "/rest/api/3/issue/MOB-1", software).status, 401);
}

TEST_F(SandboxServerTest, JiraRefusesSitesTheUserCannotReach) {
  const Answer bob = Jira("GET", "/rest/api/3/project/search", JiraToken("bob"), nullptr, kLabs);
  const Answer alice =
      Jira("GET", "/rest/api/3/project/search", JiraToken("alice"), nullptr, kLabs);

  EXPECT_EQ(bob.status, 401);
  ASSERT_EQ(alice.status, 200);
  EXPECT_EQ(alice.body["values"][0]["key"], "OPS");
}

TEST_F(SandboxServerTest, ListsProjectsAndTheCaller) {
  const std::string token = JiraToken("dana");

  const Answer projects = Jira("GET", "/rest/api/3/project/search?maxResults=1", token);
  const Answer myself = Jira("GET", "/rest/api/3/myself", token);

  ASSERT_EQ(projects.status, 200);
  EXPECT_EQ(projects.body["total"], 2);
  EXPECT_EQ(projects.body["isLast"], false);
  EXPECT_EQ(projects.body["values"][0]["key"], "MKT");
  EXPECT_TRUE(projects.body["values"][0]["id"].is_string());
  EXPECT_EQ(myself.body["emailAddress"], "dana@example.com");
  EXPECT_EQ(myself.body["accountId"], "5f3c9a1e2b7d4c0012a1b004");
}

TEST_F(SandboxServerTest, ListsEachIssueTypesStatusesOfAProject) {
  const std::string token = JiraToken("alice");

  const Answer statuses = Jira("GET", "/rest/api/3/project/MOB/statuses", token);
  const Answer unknown = Jira("GET", "/rest/api/3/project/NOPE/statuses", token);

  ASSERT_EQ(statuses.status, 200) << statuses.body.dump();
  ASSERT_TRUE(statuses.body.is_array());
  ASSERT_FALSE(statuses.body.empty());
  bool has_bug = false;
  for (const auto& type : statuses.body) {
    has_bug = has_bug || type["name"] == "Bug";
    EXPECT_TRUE(type["subtask"].is_boolean());
    ASSERT_EQ(type["statuses"].size(), 4U);
    EXPECT_EQ(type["statuses"][1]["name"], "In Progress");
  }
  EXPECT_TRUE(has_bug);
  EXPECT_EQ(unknown.status, 404);
}

// A body past the sandbox's limit is answered 413 with a message that says so.
TEST_F(SandboxServerTest, ABodyPastTheLimitIsTooLarge) {
  const std::string token = JiraToken("alice");

  const Answer answer = Jira("POST", "/rest/api/3/issue", token,
                             Json{{"fields", {{"summary", std::string(9U << 20, 'x')}}}});

  EXPECT_EQ(answer.status, 413);
  EXPECT_EQ(answer.body["errorMessages"][0], "The request body is larger than this site accepts.");
}

TEST_F(SandboxServerTest, CreateThenSearchFindsTheIssue) {
  const std::string token = JiraToken("alice");
  const Json fields = {{"project", {{"key", "MOB"}}},
                       {"issuetype", {{"name", "Bug"}}},
                       {"summary", "Zebra stripes render upside down"},
                       {"description", Adf("Seen on the tablet layout.")},
                       {"labels", {"zebra"}}};

  const Answer created = Jira("POST", "/rest/api/3/issue", token, {{"fields", fields}});
  const Answer found = Jira("POST", "/rest/api/3/search/jql", token,
                            {{"jql", "project = MOB AND summary ~ zebra"},
                             {"fields", {"summary", "status", "description"}}});

  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["key"], "MOB-45");
  ASSERT_EQ(found.status, 200) << found.body.dump();
  ASSERT_EQ(found.body["issues"].size(), 1U);
  const Json issue = found.body["issues"][0];
  EXPECT_EQ(issue["key"], "MOB-45");
  EXPECT_EQ(issue["fields"]["status"]["name"], "To Do");
  EXPECT_EQ(issue["fields"]["description"], Adf("Seen on the tablet layout."));
  EXPECT_FALSE(issue["fields"].contains("assignee"));
  EXPECT_EQ(found.body["isLast"], true);
}

TEST_F(SandboxServerTest, CreateReportsMissingAndUnknownFields) {
  const Answer answer = Jira(
      "POST", "/rest/api/3/issue", JiraToken("alice"),
      {{"fields",
        {{"project", {{"key", "MOB"}}}, {"issuetype", {{"name", "Task"}}}, {"colour", "red"}}}});

  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["errors"]["summary"], "You must specify a summary of the issue.");
  EXPECT_EQ(answer.body["errors"]["colour"],
            "Field 'colour' cannot be set. It is not on the appropriate screen, or unknown.");
}

TEST_F(SandboxServerTest, BulkCreateReportsFailedElements) {
  const Json good = {{"fields",
                      {{"project", {{"key", "MKT"}}},
                       {"issuetype", {{"name", "Task"}}},
                       {"summary", "Good one"}}}};
  const Json bad = {{"fields",
                     {{"project", {{"key", "MKT"}}},
                      {"issuetype", {{"name", "Epic"}}},
                      {"summary", "Epics are not in MKT"}}}};

  const Answer answer = Jira("POST", "/rest/api/3/issue/bulk", JiraToken("alice"),
                             {{"issueUpdates", {good, bad, good}}});

  ASSERT_EQ(answer.status, 201);
  EXPECT_EQ(answer.body["issues"].size(), 2U);
  ASSERT_EQ(answer.body["errors"].size(), 1U);
  EXPECT_EQ(answer.body["errors"][0]["failedElementNumber"], 1);
  EXPECT_TRUE(answer.body["errors"][0]["elementErrors"]["errors"].contains("issuetype"));
}

TEST_F(SandboxServerTest, TransitionChangesStatus) {
  const std::string token = JiraToken("alice");
  const Answer created = Jira("POST", "/rest/api/3/issue", token,
                              {{"fields",
                                {{"project", {{"key", "MOB"}}},
                                 {"issuetype", {{"name", "Task"}}},
                                 {"summary", "Walk through the workflow"}}}});
  const std::string key = created.body["key"];

  const Answer transitions = Jira("GET", "/rest/api/3/issue/" + key + "/transitions", token);
  const Answer start = Jira("POST", "/rest/api/3/issue/" + key + "/transitions", token,
                            {{"transition", {{"id", "21"}}}});
  const Answer read = Jira("GET", "/rest/api/3/issue/" + key + "?fields=status", token);

  ASSERT_EQ(transitions.status, 200);
  ASSERT_EQ(transitions.body["transitions"].size(), 1U);
  EXPECT_EQ(transitions.body["transitions"][0]["to"]["name"], "In Progress");
  EXPECT_EQ(start.status, 204);
  EXPECT_EQ(read.body["fields"]["status"]["name"], "In Progress");
  EXPECT_EQ(read.body["fields"].size(), 1U);
}

TEST_F(SandboxServerTest, TransitionChecksItsScreenAndSetsResolution) {
  const std::string token = JiraToken("alice");
  const std::string path = "/rest/api/3/issue/MOB-46/transitions";
  Jira("POST", "/rest/api/3/issue", token,
       {{"fields",
         {{"project", {{"key", "MOB"}}},
          {"issuetype", {{"name", "Task"}}},
          {"summary", "Finish me"}}}});
  Jira("POST", "/rest/api/3/issue", token,
       {{"fields",
         {{"project", {{"key", "MOB"}}},
          {"issuetype", {{"name", "Task"}}},
          {"summary", "Finish me too"}}}});

  const Answer not_available = Jira("POST", path, token, {{"transition", {{"id", "41"}}}});
  Jira("POST", path, token, {{"transition", {{"id", "21"}}}});
  const Answer off_screen =
      Jira("POST", path, token, {{"transition", {{"id", "31"}}}, {"fields", {{"summary", "x"}}}});
  const Answer done =
      Jira("POST", path, token,
           {{"transition", {{"id", "41"}}},
            {"fields", {{"resolution", {{"name", "Won't Do"}}}}},
            {"update", {{"comment", {{{"add", {{"body", Adf("Not needed.")}}}}}}}}});
  const Answer read =
      Jira("GET", "/rest/api/3/issue/MOB-46?fields=status,resolution,comment", token);

  EXPECT_EQ(not_available.status, 400);
  EXPECT_EQ(not_available.body["errorMessages"][0],
            "Transition id '41' is not valid for this issue.");
  EXPECT_EQ(off_screen.status, 400);
  EXPECT_EQ(off_screen.body["errors"]["summary"],
            "Field 'summary' cannot be set. It is not on the appropriate screen, or unknown.");
  EXPECT_EQ(done.status, 204) << done.body.dump();
  EXPECT_EQ(read.body["fields"]["status"]["name"], "Done");
  EXPECT_EQ(read.body["fields"]["resolution"]["name"], "Won't Do");
  EXPECT_EQ(read.body["fields"]["comment"]["total"], 1);
}

TEST_F(SandboxServerTest, CommentAppearsOnRead) {
  const std::string token = JiraToken("carol");

  const Answer added = Jira("POST", "/rest/api/3/issue/MKT-1/comment", token,
                            {{"body", Adf("Draft is in the shared folder.")}});
  const Answer listed = Jira("GET", "/rest/api/3/issue/MKT-1/comment?orderBy=-created", token);
  const Answer issue = Jira("GET", "/rest/api/3/issue/MKT-1?fields=comment", token);
  const Answer plain = Jira("POST", "/rest/api/3/issue/MKT-1/comment", token, {{"body", "plain"}});

  ASSERT_EQ(added.status, 201);
  EXPECT_TRUE(added.body["id"].is_string());
  EXPECT_EQ(added.body["author"]["displayName"], "Carol Martins");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body["comments"][0]["body"], Adf("Draft is in the shared folder."));
  const Json comments = issue.body["fields"]["comment"]["comments"];
  EXPECT_EQ(comments.back()["id"], added.body["id"]);
  EXPECT_EQ(plain.status, 400);
}

// Worklogs page with startAt and maxResults, as in Jira: a client that follows the pages sees
// each worklog once.
TEST_F(SandboxServerTest, WorklogsPageWithStartAt) {
  const std::string token = JiraToken("alice");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Jira("POST", "/rest/api/3/issue/MKT-1/worklog", token, {{"timeSpent", "1h"}}).status,
              201);
  }

  const Answer first = Jira("GET", "/rest/api/3/issue/MKT-1/worklog?startAt=0&maxResults=2", token);
  const Answer rest = Jira("GET", "/rest/api/3/issue/MKT-1/worklog?startAt=2&maxResults=2", token);
  const Answer bad = Jira("GET", "/rest/api/3/issue/MKT-1/worklog?startAt=-1", token);

  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["worklogs"].size(), 2U);
  EXPECT_EQ(first.body["startAt"], 0);
  EXPECT_GE(first.body["total"].get<int>(), 3);
  ASSERT_EQ(rest.status, 200);
  EXPECT_EQ(rest.body["startAt"], 2);
  EXPECT_NE(rest.body["worklogs"][0]["id"], first.body["worklogs"][0]["id"]);
  EXPECT_NE(rest.body["worklogs"][0]["id"], first.body["worklogs"][1]["id"]);
  EXPECT_EQ(bad.status, 400);
}

TEST_F(SandboxServerTest, SearchPagesWithNextPageToken) {
  const std::string token = JiraToken("alice");
  std::set<std::string> seen;
  std::string next;
  int pages = 0;

  do {
    Json body = {{"jql", "project = MOB ORDER BY key"}, {"maxResults", 10}};
    if (!next.empty()) {
      body["nextPageToken"] = next;
    }
    const Answer page = Jira("POST", "/rest/api/3/search/jql", token, body);
    ASSERT_EQ(page.status, 200) << page.body.dump();
    for (const auto& issue : page.body["issues"]) {
      EXPECT_EQ(issue.size(), 1U) << "ids only without fields";
      seen.insert(issue["id"].get<std::string>());
    }
    next = page.body.value("nextPageToken", "");
    EXPECT_EQ(page.body["isLast"].get<bool>(), next.empty());
    ++pages;
  } while (!next.empty() && pages < 20);

  EXPECT_EQ(seen.size(), 44U);
  EXPECT_EQ(pages, 5);
}

TEST_F(SandboxServerTest, SearchRefusesBadTokensBadJqlAndUnboundedQueries) {
  const std::string token = JiraToken("alice");

  const Answer bad_token =
      Jira("GET", "/rest/api/3/search/jql?jql=project%3DMOB&nextPageToken=abc", token);
  const Answer bad_jql = Jira("GET", "/rest/api/3/search/jql?jql=project%20MOB", token);
  const Answer unbounded = Jira("GET", "/rest/api/3/search/jql?jql=order%20by%20key", token);
  const Answer count =
      Jira("POST", "/rest/api/3/search/approximate-count", token, {{"jql", "project = MKT"}});

  EXPECT_EQ(bad_token.status, 400);
  EXPECT_EQ(bad_jql.status, 400);
  EXPECT_EQ(bad_jql.body["errorMessages"][0].get<std::string>().rfind("Error in the JQL Query:", 0),
            0U);
  EXPECT_TRUE(bad_jql.body["errors"].is_object());
  EXPECT_EQ(unbounded.status, 400);
  EXPECT_EQ(count.body["count"], 14);
}

TEST_F(SandboxServerTest, JqlParseReportsErrorsPerQuery) {
  const Answer answer = Jira("POST", "/rest/api/3/jql/parse?validation=strict", JiraToken("alice"),
                             {{"queries", {"project = MOB", "cf[99999] = 1", "project ="}}});

  ASSERT_EQ(answer.status, 200);
  const Json queries = answer.body["queries"];
  EXPECT_FALSE(queries[0].contains("errors"));
  EXPECT_EQ(queries[1]["errors"][0],
            "Field 'cf[99999]' does not exist or you do not have permission to view it.");
  EXPECT_EQ(queries[2]["errors"].size(), 1U);
}

TEST_F(SandboxServerTest, OldSearchAnswers410) {
  const Answer answer = Jira("GET", "/rest/api/3/search?jql=project%3DMOB", JiraToken("alice"));

  EXPECT_EQ(answer.status, 410);
  EXPECT_NE(answer.body["errorMessages"][0].get<std::string>().find("has been removed"),
            std::string::npos);
}

TEST_F(SandboxServerTest, MovesIssuesIntoSprintsAndBack) {
  const std::string token = JiraToken("alice");

  const Answer sprints = Jira("GET", "/rest/agile/1.0/board/1/sprint?state=future", token);
  const Answer moved =
      Jira("POST", "/rest/agile/1.0/sprint/3/issue", token, {{"issues", {"MOB-4"}}});
  const Answer in_sprint = Jira("GET", "/rest/agile/1.0/sprint/3/issue?fields=summary", token);
  const Answer back = Jira("POST", "/rest/agile/1.0/backlog/issue", token, {{"issues", {"MOB-4"}}});
  const Answer issue = Jira("GET", "/rest/api/3/issue/MOB-4?fields=customfield_10020", token);

  ASSERT_EQ(sprints.status, 200);
  ASSERT_EQ(sprints.body["values"].size(), 1U);
  EXPECT_EQ(sprints.body["values"][0]["id"], 3);
  EXPECT_EQ(moved.status, 204);
  const Json keys = [&] {
    Json out = Json::array();
    for (const auto& i : in_sprint.body["issues"]) {
      out.push_back(i["key"]);
    }
    return out;
  }();
  EXPECT_NE(std::find(keys.begin(), keys.end(), "MOB-4"), keys.end());
  EXPECT_EQ(back.status, 204);
  EXPECT_TRUE(issue.body["fields"]["customfield_10020"].is_null());
}

TEST_F(SandboxServerTest, EditAssignAndDelete) {
  const std::string token = JiraToken("alice");

  const Answer edit = Jira("PUT", "/rest/api/3/issue/MOB-5", token,
                           {{"fields", {{"summary", "Queue edits offline"}}},
                            {"update", {{"labels", {{{"add", "sync"}}}}}}});
  const Answer assign = Jira("PUT", "/rest/api/3/issue/MOB-5/assignee", token,
                             {{"accountId", "5f3c9a1e2b7d4c0012a1b004"}});
  const Answer read =
      Jira("GET", "/rest/api/3/issue/MOB-5?fields=summary,labels,assignee&expand=changelog", token);
  const Answer removed = Jira("DELETE", "/rest/api/3/issue/MOB-5", token);
  const Answer gone = Jira("GET", "/rest/api/3/issue/MOB-5", token);

  EXPECT_EQ(edit.status, 204);
  EXPECT_EQ(assign.status, 204);
  EXPECT_EQ(read.body["fields"]["summary"], "Queue edits offline");
  const Json labels = read.body["fields"]["labels"];
  EXPECT_NE(std::find(labels.begin(), labels.end(), "sync"), labels.end());
  EXPECT_EQ(read.body["fields"]["assignee"]["displayName"], "Dana Whitfield");
  EXPECT_GE(read.body["changelog"]["histories"].size(), 2U);
  EXPECT_EQ(removed.status, 204);
  EXPECT_EQ(gone.status, 404);
}

// As in Jira, a sub-task keeps its parent, and linking two issues again adds no second link.
TEST_F(SandboxServerTest, KeepsASubtasksParentAndOneLinkPerDirection) {
  const std::string token = JiraToken("alice");
  const Answer subtasks =
      Jira("POST", "/rest/api/3/search/jql", token,
           {{"jql", "project = MOB AND issuetype = Subtask"}, {"fields", {"parent"}}});
  ASSERT_FALSE(subtasks.body["issues"].empty());
  const std::string subtask = subtasks.body["issues"][0]["key"];

  const Answer cleared =
      Jira("PUT", "/rest/api/3/issue/" + subtask, token, {{"fields", {{"parent", nullptr}}}});
  const Answer still = Jira("GET", "/rest/api/3/issue/" + subtask + "?fields=parent", token);
  const Json link = {{"type", {{"name", "Blocks"}}},
                     {"inwardIssue", {{"key", "MOB-1"}}},
                     {"outwardIssue", {{"key", "MOB-2"}}}};
  const Answer first = Jira("POST", "/rest/api/3/issueLink", token, link);
  const Answer again = Jira("POST", "/rest/api/3/issueLink", token, link);
  const Answer links = Jira("GET", "/rest/api/3/issue/MOB-1?fields=issuelinks", token);

  EXPECT_EQ(cleared.status, 400);
  EXPECT_EQ(cleared.body["errors"]["parent"], "Parent is required for sub-task issue types.");
  EXPECT_TRUE(still.body["fields"]["parent"].is_object());
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 201);
  std::size_t blocks_mob_2 = 0;
  for (const auto& each : links.body["fields"]["issuelinks"]) {
    blocks_mob_2 += each.contains("outwardIssue") && each["outwardIssue"]["key"] == "MOB-2" &&
                            each["type"]["name"] == "Blocks"
                        ? 1
                        : 0;
  }
  EXPECT_EQ(blocks_mob_2, 1U);
}

// Jira's changelog keeps the text of both sides of a description edit.
TEST_F(SandboxServerTest, ChangelogOfADescriptionEditHoldsBothTexts) {
  const std::string token = JiraToken("alice");
  const auto doc = [](const std::string& text) {
    return Json{
        {"type", "doc"},
        {"version", 1},
        {"content", {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", text}}}}}}}};
  };
  Json old_text = doc("old ");
  old_text["content"][0]["content"].push_back(
      {{"type", "text"}, {"text", "text"}, {"marks", {{{"type", "strong"}}}}});
  old_text["content"].push_back(old_text["content"][0]);
  Jira("PUT", "/rest/api/3/issue/MOB-5", token, {{"fields", {{"description", old_text}}}});
  const Answer edit =
      Jira("PUT", "/rest/api/3/issue/MOB-5", token, {{"fields", {{"description", doc("new")}}}});
  const Answer read = Jira("GET", "/rest/api/3/issue/MOB-5/changelog", token);

  EXPECT_EQ(edit.status, 204);
  const Json& last = read.body["values"].back()["items"][0];
  EXPECT_EQ(last["field"], "description");
  EXPECT_EQ(last["fromString"], "old text old text");
  EXPECT_EQ(last["toString"], "new");
}

TEST_F(SandboxServerTest, RefusesAPortAlreadyInUse) {
  SandboxServer::Options options;
  options.port = server_->port();
  SandboxServer second(options);

  const auto status = second.Start();

  EXPECT_EQ(status.code(), core::Code::kUnavailable);
}

TEST_F(SandboxServerTest, MainPrintsATokenFromTheRunningSandbox) {
  testing::internal::CaptureStdout();
  const int code =
      RunMain({"sandbox", "--print-token", "dana", "--port", std::to_string(server_->port())});
  std::string printed = testing::internal::GetCapturedStdout();

  ASSERT_EQ(code, 0);
  ASSERT_FALSE(printed.empty());
  printed.pop_back();  // the newline
  EXPECT_EQ(Claims(printed)["sub"], "5f3c9a1e2b7d4c0012a1b004");
  EXPECT_EQ(Exchange(printed).status, 200);
}

// A sandbox started in the background just before may not listen yet: --print-token waits for it.
TEST_F(SandboxServerTest, MainWaitsForASandboxThatIsStillStarting) {
  const int port_number = server_->port();
  server_->Stop();
  std::thread late_start([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    SandboxServer::Options options;
    options.port = port_number;
    StartWith(std::move(options));
  });
  testing::internal::CaptureStdout();
  const int code =
      RunMain({"sandbox", "--print-token", "dana", "--port", std::to_string(port_number)});
  const std::string printed = testing::internal::GetCapturedStdout();
  late_start.join();

  EXPECT_EQ(code, 0);
  EXPECT_GT(printed.size(), 20U);
}

TEST(SandboxMain, AnswersHelpAndRefusesUnknownOptions) {
  std::string name = "sandbox";
  std::string help = "--help";
  std::string bogus = "--bogus";
  char* help_argv[] = {name.data(), help.data()};
  char* bogus_argv[] = {name.data(), bogus.data()};

  testing::internal::CaptureStdout();
  const int help_code = Main(2, help_argv);
  const std::string usage = testing::internal::GetCapturedStdout();
  testing::internal::CaptureStderr();
  const int bogus_code = Main(2, bogus_argv);
  testing::internal::GetCapturedStderr();

  EXPECT_EQ(help_code, 0);
  EXPECT_NE(usage.find("jira-mcp-sandbox"), std::string::npos);
  EXPECT_NE(usage.find("sandbox-secret"), std::string::npos);
  EXPECT_EQ(bogus_code, 2);
}

TEST(SandboxServer, RefusesNonLoopbackHosts) {
  SandboxServer::Options options;
  options.host = "0.0.0.0";
  SandboxServer server(options);

  const auto status = server.Start();

  EXPECT_EQ(status.code(), core::Code::kInvalidArgument);
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("127.0.0.1.example.com"));
}

TEST_F(SandboxServerTest, StateSurvivesARestartThroughTheStateFile) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("sandbox-state-" + std::to_string(::getpid()) + ".json");
  std::filesystem::remove(file);
  SandboxServer::Options options;
  options.state_file = file.string();
  StartWith(options);
  const Answer created = Jira("POST", "/rest/api/3/issue", JiraToken("alice"),
                              {{"fields",
                                {{"project", {{"key", "MKT"}}},
                                 {"issuetype", {{"name", "Task"}}},
                                 {"summary", "Remember me"}}}});
  ASSERT_EQ(created.status, 201);
  ResetClient();
  server_->Stop();

  StartWith(options);
  const Answer read =
      Jira("GET", "/rest/api/3/issue/" + created.body["key"].get<std::string>() + "?fields=summary",
           JiraToken("alice"));
  std::filesystem::remove(file);

  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body["fields"]["summary"], "Remember me");
}

// Opens a connection of its own to 127.0.0.1:port, asks for the JWKS with keep-alive and waits
// up to `timeout` for a 200 status line. Returns the socket, left open (idle), or -1.
int AskOnANewConnection(int port, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the sockets API takes sockaddr*
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string_view request =
      "GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
  pollfd waiting{.fd = fd, .events = POLLIN, .revents = 0};
  std::string head(12, '\0');
  const bool answered =
      ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()) &&
      ::poll(&waiting, 1, static_cast<int>(timeout.count())) == 1 &&
      ::recv(fd, head.data(), head.size(), MSG_WAITALL) == static_cast<ssize_t>(head.size()) &&
      head == "HTTP/1.1 200";
  if (!answered) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST_F(SandboxServerTest, AnswersManyIdleKeepAliveConnectionsAtOnce) {
  // httplib keeps a thread per keep-alive connection until it idles out (5 s); with its default
  // pool of 8, the ninth connection waited those 5 s for its first answer.
  constexpr int kConnections = 24;
  std::vector<int> open;

  for (int i = 0; i < kConnections; ++i) {
    const int fd = AskOnANewConnection(server_->port(), std::chrono::seconds(2));
    if (fd < 0) {
      break;
    }
    open.push_back(fd);
  }
  for (const int fd : open) {
    ::close(fd);
  }

  EXPECT_EQ(open.size(), kConnections);
}

}  // namespace
}  // namespace sandbox
