// Whole sessions of the jira-mcp binary at trace level against the sandbox, over stdio and over
// HTTP with bearer tokens, success and failure paths alike; the logs must hold no credential.
//
// A recording front (FaultServer in forwarding mode) stands between jira-mcp and the sandbox,
// so the test learns every credential that went over the wire, exchanged Jira tokens and the
// Basic client credentials included, and then looks for each of them (whole, and its payload
// and signature parts) in the captured stderr.
#include <gtest/gtest.h>

#include <set>

#include "core/base64.h"
#include "tests/hardening/fault_server.h"
#include "tests/hardening/harness.h"

namespace hardening {
namespace {

constexpr char kPublicUrl[] = "http://localhost/mcp";

// The strings a log must not contain for `credential`: itself and, for a JWT, its payload and
// signature parts (either one is enough to recognize or abuse it).
std::vector<std::string> Needles(const std::string& credential) {
  std::vector<std::string> needles = {credential};
  const std::size_t first = credential.find('.');
  const std::size_t second = credential.find('.', first + 1);
  if (first != std::string::npos && second != std::string::npos) {
    needles.push_back(credential.substr(first + 1, second - first - 1));
    needles.push_back(credential.substr(second + 1));
  }
  return needles;
}

// Every Authorization value the front saw, whole and without its scheme.
void CollectAuthorizations(const FaultServer& front, std::set<std::string>& credentials) {
  for (const auto& seen : front.Seen()) {
    const std::string value = seen.Header("authorization");
    if (value.empty()) {
      continue;
    }
    credentials.insert(value);
    credentials.insert(value.substr(value.find(' ') + 1));
  }
}

void ExpectNoCredential(const std::string& log, const std::set<std::string>& credentials,
                        const std::string& where) {
  for (const auto& credential : credentials) {
    for (const auto& needle : Needles(credential)) {
      if (needle.size() < 12) {
        continue;  // too short to tell apart from ordinary text; the whole value is checked
      }
      EXPECT_EQ(log.find(needle), std::string::npos)
          << where << " log holds a credential part: " << needle.substr(0, 12) << "...";
    }
  }
}

std::map<std::string, std::string> StdioEnv(const std::string& zone, const std::string& jira,
                                            const std::string& subject_token) {
  return {{"KEYCARD_ZONE_URL", zone},
          {"ATLASSIAN_API_URL", jira},
          {"KEYCARD_CLIENT_ID", kClientId},
          {"KEYCARD_CLIENT_SECRET", kClientSecret},
          {"KEYCARD_SUBJECT_TOKEN", subject_token},
          {"JIRA_SITE", "acme"},
          {"JIRA_MCP_LOG_LEVEL", "trace"}};
}

// A stdio session as alice: every tool, a Jira 401 (re-exchange), a 404 and bad arguments.
std::string RunStdioSession(FaultServer& front, const std::string& token, const TempDir& dir) {
  auto process = ServerProcess::Launch({}, StdioEnv(front.base_url(), front.base_url(), token),
                                       dir.File("stdio.log"));
  EXPECT_NE(process, nullptr);
  if (process == nullptr) {
    return {};
  }
  EXPECT_TRUE(process->Initialize().contains("result"));
  EXPECT_TRUE(process->Request(1, "tools/list").contains("result"));
  EXPECT_TRUE(IsToolSuccess(process->Call(2, "list_projects", Json::object())));
  EXPECT_TRUE(IsToolSuccess(process->Call(
      3, "search_issues", {{"jql", "project = MOB ORDER BY key"}, {"max_results", 3}})));
  EXPECT_TRUE(IsToolSuccess(process->Call(4, "get_issue", {{"issue_key", "MOB-1"}})));
  EXPECT_TRUE(IsToolSuccess(process->Call(5, "create_issue",
                                          {{"project_key", "MOB"},
                                           {"issue_type", "Task"},
                                           {"summary", "Secrets test"},
                                           {"description_markdown", "## Hello\n- one\n- `two`"}})));
  EXPECT_TRUE(IsToolError(process->Call(6, "get_issue", {{"issue_key", "MOB-99999"}})));
  EXPECT_TRUE(IsToolError(process->Call(7, "search_issues", {{"jql", "project = = MOB"}})));
  EXPECT_TRUE(IsToolError(process->Call(8, "get_issue", {{"issue_key", 5}})));

  // Jira refuses the exchanged token once: jira-mcp exchanges again and retries.
  std::atomic<bool> refused{false};
  front.SetScript([&refused](const SeenRequest& request) {
    if (request.target.rfind("/ex/jira/", 0) == 0 && !refused.exchange(true)) {
      return Respond(401, R"({"code":401,"message":"Unauthorized"})");
    }
    return Action{};
  });
  EXPECT_TRUE(IsToolSuccess(process->Call(9, "get_issue", {{"issue_key", "MOB-2"}})));
  front.Heal();
  EXPECT_EQ(process->Terminate(), 0);
  return process->Stderr();
}

// A stdio process whose subject token the zone refuses (`user` denied, or a forged token).
std::string RunRefusedStdio(FaultServer& front, const std::string& token, const TempDir& dir,
                            const std::string& name) {
  auto process = ServerProcess::Launch({}, StdioEnv(front.base_url(), front.base_url(), token),
                                       dir.File(name + ".log"));
  EXPECT_NE(process, nullptr);
  if (process == nullptr) {
    return {};
  }
  process->Initialize();
  EXPECT_TRUE(IsToolError(process->Call(1, "list_projects", Json::object()))) << name;
  process->Terminate();
  return process->Stderr();
}

// An HTTP server verifying bearer tokens: alice's calls, then forged and foreign tokens.
std::string RunHttpSession(sandbox::SandboxServer& sandbox, FaultServer& jira_front,
                           const std::string& bearer, const std::vector<std::string>& refused,
                           const TempDir& dir) {
  auto process =
      ServerProcess::Launch({"--transport", "http", "--port", "0", "--auth", "keycard",
                             "--public-url", kPublicUrl, "--keycard-zone-url", sandbox.base_url(),
                             "--atlassian-api-url", jira_front.base_url(), "--log-level", "trace"},
                            {{"KEYCARD_CLIENT_ID", kClientId},
                             {"KEYCARD_CLIENT_SECRET", kClientSecret},
                             {"JIRA_SITE", "acme"}},
                            dir.File("http.log"));
  EXPECT_NE(process, nullptr);
  if (process == nullptr) {
    return {};
  }
  const int port = WaitForListenPort(*process, milliseconds(20000));
  EXPECT_GT(port, 0) << process->Stderr();

  HttpSession session(port, bearer);
  EXPECT_EQ(session.Initialize(), 200);
  EXPECT_TRUE(IsToolSuccess(session.Call(1, "list_projects", Json::object())));
  EXPECT_TRUE(IsToolSuccess(
      session.Call(2, "search_issues", {{"jql", "project = MKT"}, {"fields", {"summary"}}})));
  EXPECT_TRUE(IsToolError(session.Call(3, "get_issue", {{"issue_key", "MKT-4040"}})));
  for (const auto& token : refused) {
    HttpSession stranger(port, token);
    EXPECT_EQ(stranger.Initialize(), 401);
  }
  EXPECT_EQ(session.Delete(), 204);
  EXPECT_EQ(process->Terminate(SIGTERM), 0);
  return process->Stderr();
}

// The same token with its signature's first character changed.
std::string Forged(const std::string& token) {
  std::string forged = token;
  const std::size_t at = forged.rfind('.') + 1;
  forged[at] = forged[at] == 'A' ? 'B' : 'A';
  return forged;
}

TEST(Secrets, NoCredentialInTraceLogsOfStdioAndHttpSessions) {
  const TempDir dir;
  auto sandbox = StartSandbox();
  FaultServer front(sandbox->base_url());
  ASSERT_TRUE(front.Start().ok());
  const std::string alice = sandbox->UserToken("alice").value();
  const std::string erik = sandbox->UserToken("erik").value();    // refused by zone policy
  const std::string farah = sandbox->UserToken("farah").value();  // has not consented
  const std::string alice_bearer = sandbox->UserToken("alice", kPublicUrl).value();
  const std::string bob_for_zone = sandbox->UserToken("bob").value();  // wrong audience here

  const std::string stdio_log = RunStdioSession(front, alice, dir);
  const std::string refused_log = RunRefusedStdio(front, erik, dir, "erik") +
                                  RunRefusedStdio(front, farah, dir, "farah") +
                                  RunRefusedStdio(front, Forged(alice), dir, "forged");
  const std::string http_log =
      RunHttpSession(*sandbox, front, alice_bearer, {Forged(alice_bearer), bob_for_zone}, dir);

  std::set<std::string> credentials = {
      kClientSecret, core::Base64Encode(std::string(kClientId) + ":" + kClientSecret),
      alice,         erik,
      farah,         Forged(alice),
      alice_bearer,  Forged(alice_bearer),
      bob_for_zone};
  CollectAuthorizations(front, credentials);
  // The front saw Basic client credentials and exchanged Bearer tokens, so they are covered.
  EXPECT_GE(credentials.size(), 14U);
  // The logs are real trace-level logs of every layer, not empty files.
  for (const auto& [name, log] : {std::pair{"stdio", stdio_log}, std::pair{"refused", refused_log},
                                  std::pair{"http", http_log}}) {
    EXPECT_NE(log.find(" debug "), std::string::npos) << name << ":\n" << log;
    EXPECT_NE(log.find("[auth]"), std::string::npos) << name;
    ExpectNoCredential(log, credentials, name);
  }
  EXPECT_NE(stdio_log.find("[jira]"), std::string::npos);
  EXPECT_NE(stdio_log.find("token_rejected"), std::string::npos);  // the 401 path ran
  EXPECT_NE(http_log.find("[mcp_http]"), std::string::npos);
  EXPECT_NE(http_log.find("auth_refused"), std::string::npos);  // the forged bearer path ran
  EXPECT_NE(refused_log.find("token_exchange rejected"), std::string::npos);
}

}  // namespace
}  // namespace hardening
