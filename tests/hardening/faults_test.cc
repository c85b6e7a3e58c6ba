// Upstream and client faults: the Keycard zone and Jira down, slow, failing, rate-limiting,
// answering garbage, truncated, endless or not at all; the JWKS unreachable or rotated; a client
// that cancels or drops its connection mid-call.
//
// Every case asks for the same things: a tool error (or HTTP error) that says what failed,
// within a deadline well below an MCP client's usual 60 s; no crash; no thread, connection or
// call left behind; and a next call that works once the fault is gone. The jira-mcp binary runs
// against the sandbox behind a FaultServer front; cases that need a fake clock (JWKS refetch
// limits) compose the same pieces in process.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "app/runtime.h"
#include "app/settings.h"
#include "auth/jwt_verifier.h"
#include "core/httplib_client.h"
#include "mcp/http_transport.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/jwt_signer.h"
#include "tests/hardening/fault_server.h"
#include "tests/hardening/harness.h"

namespace hardening {
namespace {

constexpr char kMetadataPath[] = "/.well-known/oauth-authorization-server";
constexpr char kTokenPath[] = "/oauth/2/token";
constexpr char kJwksPath[] = "/.well-known/jwks.json";
constexpr char kSitesPath[] = "/oauth/token/accessible-resources";
constexpr char kJiraPath[] = "/ex/jira/";
constexpr char kPublicUrl[] = "http://localhost/mcp";
constexpr char kAliceAccountId[] = "5f3c9a1e2b7d4c0012a1b001";

// Answers `action` for requests whose target starts with `prefix`; forwards the rest.
FaultServer::Script On(const std::string& prefix, Action action) {
  return [prefix, action](const SeenRequest& request) {
    return request.target.rfind(prefix, 0) == 0 ? action : Action{};
  };
}

Action Raw(std::string bytes) { return {.kind = Action::Kind::kRespond, .raw = std::move(bytes)}; }
Action Hang() { return {.kind = Action::Kind::kHang}; }
Action Close() { return {.kind = Action::Kind::kClose}; }
Action Slow(milliseconds delay) { return {.kind = Action::Kind::kForward, .delay = delay}; }
// A whole, valid answer written one byte every 50 ms: it never stalls long enough for a
// per-read timeout, so only a deadline for the whole request ends it.
Action Drip(std::string raw) {
  return {.kind = Action::Kind::kDrip, .raw = std::move(raw), .delay = milliseconds(50)};
}
Action Endless() {
  return {.kind = Action::Kind::kEndless,
          .raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"};
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The sandbox, a front before it, and jira-mcp over stdio using the front as zone and Jira.
class StdioFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_ = StartSandbox();
    front_ = std::make_unique<FaultServer>(sandbox_->base_url());
    ASSERT_TRUE(front_->Start().ok());
  }

  void TearDown() override {
    if (process_) {
      EXPECT_EQ(process_->Terminate(), 0) << "jira-mcp did not exit cleanly\n"
                                          << process_->Stderr();
    }
    front_->Stop();
  }

  // Starts jira-mcp and initializes it; `timeout` is JIRA_MCP_UPSTREAM_TIMEOUT (empty: default);
  // `url` replaces the front's URL (as zone and Jira) when given.
  void Launch(const std::string& timeout = "1", const std::string& url = {}) {
    std::map<std::string, std::string> env = {
        {"KEYCARD_ZONE_URL", url.empty() ? front_->base_url() : url},
        {"ATLASSIAN_API_URL", url.empty() ? front_->base_url() : url},
        {"KEYCARD_CLIENT_ID", kClientId},
        {"KEYCARD_CLIENT_SECRET", kClientSecret},
        {"KEYCARD_SUBJECT_TOKEN", sandbox_->UserToken("alice").value()},
        {"JIRA_SITE", "acme"},
        {"JIRA_MCP_LOG_LEVEL", "debug"}};
    if (!timeout.empty()) {
      env["JIRA_MCP_UPSTREAM_TIMEOUT"] = timeout;
    }
    process_ = ServerProcess::Launch({}, env, dir_.File("stderr.log"));
    ASSERT_NE(process_, nullptr);
    ASSERT_TRUE(process_->Initialize().contains("result")) << process_->Stderr();
    baseline_threads_ = process_->Threads();
  }

  // One list_projects call; `seconds` is how long its answer took.
  Json TimedCall(double& seconds, const std::string& tool = "list_projects",
                 const Json& arguments = Json::object()) {
    const auto started = Clock::now();
    Json answer = process_->Call(next_id_++, tool, arguments);
    seconds = SecondsSince(started);
    return answer;
  }

  // The fault is gone: the next call works, and no thread or upstream connection is left.
  void ExpectRecovery() {
    front_->Heal();
    front_->ReleaseHung();
    double seconds = 0;
    const Json answer = TimedCall(seconds);
    EXPECT_TRUE(IsToolSuccess(answer)) << answer.dump() << "\n" << process_->Stderr();
    EXPECT_TRUE(
        WaitUntil([&] { return process_->Threads() <= baseline_threads_; }, milliseconds(5000)))
        << "threads: " << process_->Threads() << " > " << baseline_threads_;
    EXPECT_TRUE(WaitUntil([&] { return front_->open_connections() == 0; }, milliseconds(5000)));
  }

  TempDir dir_;
  std::unique_ptr<sandbox::SandboxServer> sandbox_;
  std::unique_ptr<FaultServer> front_;
  std::unique_ptr<ServerProcess> process_;
  int baseline_threads_ = 0;
  int next_id_ = 1;
};

struct FaultCase {
  std::string name;
  std::string prefix;  // which requests misbehave
  Action action;
  std::string expect;  // in the error text, lower case; empty: the call succeeds
  double max_seconds;  // with JIRA_MCP_UPSTREAM_TIMEOUT=1
  std::string tool = "list_projects";
  Json arguments = Json::object();
};

// gtest prints a case by its name, not as bytes.
void PrintTo(const FaultCase& fault, std::ostream* out) { *out << fault.name; }

std::string Metadata(const std::string& zone) {
  return Json{
      {"issuer", zone}, {"token_endpoint", zone + kTokenPath}, {"jwks_uri", zone + kJwksPath}}
      .dump();
}

std::vector<FaultCase> ZoneCases() {
  const std::string truncated =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n"
      "Connection: close\r\n\r\n{\"access_token\":\"";
  return {
      {"MetadataAnswers500", kMetadataPath, Respond(500, R"({"error":"boom"})"), "keycard zone", 4},
      {"MetadataAnswersGarbage", kMetadataPath, Raw("\x16\x03\x01\x02garbage\r\n\r\n"),
       "keycard zone", 4},
      {"MetadataAnswersHtml", kMetadataPath,
       Raw(RawAnswer(200, "<html>maintenance</html>", "text/html")), "keycard zone", 4},
      {"MetadataNeverAnswers", kMetadataPath, Hang(), "keycard zone", 4},
      {"MetadataDrips", kMetadataPath, Drip(RawAnswer(200, Metadata("http://127.0.0.1:1"))),
       "keycard zone", 4},
      {"MetadataClosesAtOnce", kMetadataPath, Close(), "keycard zone", 4},
      {"ExchangeAnswers500", kTokenPath, Respond(500, R"({"error":"server_error"})"),
       "keycard zone", 4},
      {"ExchangeAnswers503", kTokenPath, Respond(503, "{}", {"Retry-After: 1"}), "keycard zone", 4},
      {"ExchangeAnswersGarbage", kTokenPath, Raw("not http at all\r\n\r\n"), "keycard zone", 4},
      {"ExchangeAnswersHtml", kTokenPath, Raw(RawAnswer(200, "<html/>", "text/html")),
       "keycard zone", 4},
      {"ExchangeTruncated", kTokenPath, Raw(truncated), "keycard zone", 4},
      {"ExchangeNeverAnswers", kTokenPath, Hang(), "keycard zone", 6},
      {"ExchangeDrips", kTokenPath,
       Drip(RawAnswer(200, R"({"access_token":"x","token_type":"Bearer"})")), "keycard zone", 6},
      {"ZoneSlowButInTime", "/", Slow(milliseconds(300)), "", 6},
  };
}

class ZoneFaults : public StdioFaults, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(ZoneFaults, ClearErrorInTimeThenRecovers) {
  const FaultCase& fault = GetParam();
  Launch();
  front_->SetScript(On(fault.prefix, fault.action));

  double seconds = 0;
  const Json answer = TimedCall(seconds, fault.tool, fault.arguments);

  if (fault.expect.empty()) {
    EXPECT_TRUE(IsToolSuccess(answer)) << answer.dump();
  } else {
    EXPECT_TRUE(IsToolError(answer)) << answer.dump();
    EXPECT_NE(Lower(ResultText(answer)).find(fault.expect), std::string::npos) << answer.dump();
  }
  EXPECT_LT(seconds, fault.max_seconds) << answer.dump();
  ExpectRecovery();
}

INSTANTIATE_TEST_SUITE_P(Zone, ZoneFaults, ::testing::ValuesIn(ZoneCases()),
                         [](const auto& info) { return info.param.name; });

std::vector<FaultCase> JiraCases() {
  const std::string search_args = R"({"jql":"project = MOB","max_results":2})";
  const Json search = Json::parse(search_args);
  return {
      {"Answers500", kJiraPath, Respond(500, R"({"errorMessages":["boom inside"]})"), "boom inside",
       4},
      {"Answers503Always", kJiraPath, Respond(503, R"({"errorMessages":["down"]})"), "http 503",
       12},
      {"Answers429WithoutRetryAfter", kJiraPath, Respond(429, "{}"), "rate limit", 12},
      {"Answers429WithRetryAfter", kJiraPath, Respond(429, "{}", {"Retry-After: 1"}), "rate limit",
       14},
      {"Answers429WithLongRetryAfter", kJiraPath, Respond(429, "{}", {"Retry-After: 3600"}), "3600",
       4},
      {"SitesAnswer500", kSitesPath, Respond(500, "{}"), "jira", 4},
      {"TruncatedBody", kJiraPath,
       Raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n"
           "Connection: close\r\n\r\n{\"values\":[{\"id\""),
       "jira", 4},
      {"TruncatedJson", kJiraPath, Respond(200, R"({"values":[{"id")"), "cannot read as json", 4},
      {"HugeBody", kJiraPath, Endless(), "larger than", 15},
      {"HugeDeclaredLength", kJiraPath,
       Raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900000000\r\n"
           "Connection: close\r\n\r\n[[[["),
       "larger than", 4},
      {"HtmlInsteadOfJson", kJiraPath, Raw(RawAnswer(200, "<html>login</html>", "text/html")),
       "text/html", 4},
      {"Garbage", kJiraPath, Raw("\x01\x02\x03 nonsense\r\n\r\n"), "jira", 4},
      {"ClosesAtOnce", kJiraPath, Close(), "jira", 4},
      {"NeverAnswers", kJiraPath, Hang(), "jira", 4},
      {"Drips", kJiraPath, Drip(RawAnswer(200, R"({"values":[],"isLast":true})")), "jira", 4},
      {"SearchNeverAnswers", kJiraPath, Hang(), "jira", 4, "search_issues", search},
      {"SlowButInTime", kJiraPath, Slow(milliseconds(400)), "", 6},
  };
}

class JiraFaults : public StdioFaults, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(JiraFaults, ClearErrorInTimeThenRecovers) {
  const FaultCase& fault = GetParam();
  Launch();
  front_->SetScript(On(fault.prefix, fault.action));

  double seconds = 0;
  const Json answer = TimedCall(seconds, fault.tool, fault.arguments);

  if (fault.expect.empty()) {
    EXPECT_TRUE(IsToolSuccess(answer)) << answer.dump();
  } else {
    EXPECT_TRUE(IsToolError(answer)) << answer.dump();
    EXPECT_NE(Lower(ResultText(answer)).find(fault.expect), std::string::npos) << answer.dump();
  }
  EXPECT_LT(seconds, fault.max_seconds) << answer.dump();
  ExpectRecovery();
}

INSTANTIATE_TEST_SUITE_P(Jira, JiraFaults, ::testing::ValuesIn(JiraCases()),
                         [](const auto& info) { return info.param.name; });

// C15 against the sandbox's real JQL check: Jira answers nothing (no error) for JQL naming an
// unknown field, and only a strict check calls that an error; a lenient one makes it a warning.
TEST_F(StdioFaults, AnEmptyAnswerToAnUnknownFieldIsAJqlError) {
  Launch();
  front_->SetScript([](const SeenRequest& request) {
    const bool search = request.target.find("/rest/api/3/search/") != std::string::npos;
    return search ? Respond(200, R"({"issues":[],"isLast":true,"count":0})") : Action{};
  });
  const Json arguments = {{"jql", "cf[99999] = 1"}};

  double seconds = 0;
  const Json search = TimedCall(seconds, "search_issues", arguments);
  const Json count = TimedCall(seconds, "count_issues", arguments);

  EXPECT_TRUE(IsToolError(search)) << search.dump();
  EXPECT_NE(ResultText(search).find("The JQL is not valid: Field 'cf[99999]'"), std::string::npos)
      << search.dump();
  EXPECT_TRUE(IsToolError(count)) << count.dump();
  EXPECT_NE(ResultText(count).find("count again"), std::string::npos) << count.dump();
}

TEST_F(StdioFaults, ZoneDownThenBackOnTheSamePort) {
  const int port = front_->port();
  front_->Stop();  // nothing listens there now: connections are refused
  front_ = std::make_unique<FaultServer>(sandbox_->base_url());
  Launch("1", "http://127.0.0.1:" + std::to_string(port));

  double seconds = 0;
  const Json answer = TimedCall(seconds);
  ASSERT_TRUE(front_->Start(port).ok());

  EXPECT_TRUE(IsToolError(answer)) << answer.dump();
  EXPECT_NE(ResultText(answer).find("Keycard zone"), std::string::npos) << answer.dump();
  EXPECT_LT(seconds, 3);
  // The zone's URL is the front's again: the metadata names it, and calls work.
  front_->SetScript(nullptr);
  ExpectRecovery();
}

// Behind a hanging zone, concurrent calls must not wait out their timeouts one after another:
// calls of two scope sets (two token exchanges) share one failed metadata fetch.
TEST_F(StdioFaults, ConcurrentCallsBehindAHangingZoneAllFailInTime) {
  Launch("2");
  front_->SetScript(On(kMetadataPath, Hang()));
  const Json create = {{"project_key", "MOB"}, {"issue_type", "Task"}, {"summary", "x"}};
  constexpr int kCalls = 6;

  const auto started = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    const bool write = i % 2 == 1;
    process_->Send({{"jsonrpc", "2.0"},
                    {"id", 100 + i},
                    {"method", "tools/call"},
                    {"params",
                     {{"name", write ? "create_issue" : "list_projects"},
                      {"arguments", write ? create : Json::object()}}}});
  }
  std::vector<Json> answers;
  for (int i = 0; i < kCalls; ++i) {
    answers.push_back(process_->Await(100 + i));
  }
  const double seconds = SecondsSince(started);

  for (const auto& answer : answers) {
    EXPECT_TRUE(IsToolError(answer)) << answer.dump();
  }
  EXPECT_EQ(front_->Count(kMetadataPath), 1U);
  EXPECT_LT(seconds, 3.5) << "six calls behind a hanging zone took " << seconds << " s";
  ExpectRecovery();
}

// notifications/cancelled ends a call that waits on a silent Jira at once, not when the
// upstream timeout (30 s by default) runs out; the cancelled call gets no answer.
TEST_F(StdioFaults, CancelledCallStopsWaitingOnJira) {
  Launch(/*timeout=*/"");
  double seconds = 0;
  ASSERT_TRUE(IsToolSuccess(TimedCall(seconds)));  // sites and token cached; warm
  front_->SetScript(On(kJiraPath, Hang()));
  const std::size_t before = front_->Count(kJiraPath);

  process_->Send({{"jsonrpc", "2.0"},
                  {"id", 77},
                  {"method", "tools/call"},
                  {"params", {{"name", "list_projects"}, {"arguments", Json::object()}}}});
  ASSERT_TRUE(front_->WaitForCount(kJiraPath, before + 1));
  const auto cancelled_at = Clock::now();
  process_->Send({{"jsonrpc", "2.0"},
                  {"method", "notifications/cancelled"},
                  {"params", {{"requestId", 77}, {"reason", "user pressed stop"}}}});
  const bool thread_ended =
      WaitUntil([&] { return process_->Threads() <= baseline_threads_; }, milliseconds(5000));
  const bool upstream_closed =
      WaitUntil([&] { return front_->open_connections() == 0; }, milliseconds(5000));
  const double seconds_to_stop = SecondsSince(cancelled_at);
  const Json ping = process_->Request(78, "ping");

  EXPECT_TRUE(thread_ended) << "the cancelled call still runs";
  EXPECT_TRUE(upstream_closed) << "the cancelled call still waits on Jira";
  EXPECT_LT(seconds_to_stop, 2.0);
  EXPECT_TRUE(ping.contains("result"));
  for (const auto& other : process_->others) {
    EXPECT_NE(other.value("id", Json()), 77) << "a cancelled call was answered";
  }
  ExpectRecovery();
}

TEST_F(StdioFaults, CancelledCallStopsItsRateLimitBackoff) {
  Launch(/*timeout=*/"");
  front_->SetScript(On(kJiraPath, Respond(429, "{}", {"Retry-After: 15"})));
  const std::size_t before = front_->Count(kJiraPath);

  process_->Send({{"jsonrpc", "2.0"},
                  {"id", 5},
                  {"method", "tools/call"},
                  {"params", {{"name", "list_projects"}, {"arguments", Json::object()}}}});
  ASSERT_TRUE(front_->WaitForCount(kJiraPath, before + 1));
  const auto cancelled_at = Clock::now();
  process_->Send(
      {{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 5}}}});
  const bool thread_ended =
      WaitUntil([&] { return process_->Threads() <= baseline_threads_; }, milliseconds(5000));

  EXPECT_TRUE(thread_ended);
  EXPECT_LT(SecondsSince(cancelled_at), 2.0);
  EXPECT_EQ(front_->Count(kJiraPath), before + 1) << "a cancelled call was re-sent";
  ExpectRecovery();
}

// A raw HTTP/1.1 request on a fresh connection that is closed after `read_bytes` of the answer
// arrived (or after `wait` passed). Returns what was read.
std::string SendAndDrop(int port, const std::string& request, std::size_t read_bytes,
                        milliseconds wait) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    const auto deadline = Clock::now() + wait;
    while (got.size() < read_bytes && Clock::now() < deadline) {
      pollfd poll_fd{fd, POLLIN, 0};
      if (::poll(&poll_fd, 1, 20) <= 0) {
        continue;
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) {
        break;
      }
      got.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return got;
}

std::string RawPost(int port, const std::string& body, const std::vector<std::string>& headers) {
  std::string request = fmt::format(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: application/json, text/event-stream\r\n"
      "Content-Type: application/json\r\nContent-Length: {}\r\n",
      port, body.size());
  for (const auto& header : headers) {
    request += header + "\r\n";
  }
  return request + "\r\n" + body;
}

// jira-mcp over HTTP (--auth none) behind the same front.
class HttpFaults : public StdioFaults {
 protected:
  void LaunchHttp(const std::string& timeout) {
    std::map<std::string, std::string> env = {
        {"KEYCARD_ZONE_URL", front_->base_url()},
        {"ATLASSIAN_API_URL", front_->base_url()},
        {"KEYCARD_CLIENT_ID", kClientId},
        {"KEYCARD_CLIENT_SECRET", kClientSecret},
        {"KEYCARD_SUBJECT_TOKEN", sandbox_->UserToken("alice").value()},
        {"JIRA_SITE", "acme"}};
    if (!timeout.empty()) {
      env["JIRA_MCP_UPSTREAM_TIMEOUT"] = timeout;
    }
    process_ = ServerProcess::Launch(
        {"--transport", "http", "--auth", "none", "--port", "0", "--log-level", "info"}, env,
        dir_.File("stderr.log"));
    ASSERT_NE(process_, nullptr);
    port_ = WaitForListenPort(*process_, milliseconds(20000));
    ASSERT_GT(port_, 0) << process_->Stderr();
    session_ = std::make_unique<HttpSession>(port_);
    ASSERT_EQ(session_->Initialize(), 200);
    ASSERT_TRUE(IsToolSuccess(session_->Call(1, "list_projects", Json::object())));
    baseline_threads_ = process_->Threads();
  }

  void ExpectHttpRecovery() {
    front_->Heal();
    front_->ReleaseHung();
    EXPECT_TRUE(IsToolSuccess(session_->Call(99, "list_projects", Json::object())));
    EXPECT_TRUE(WaitUntil([&] { return front_->open_connections() == 0; }, milliseconds(5000)));
    EXPECT_TRUE(
        WaitUntil([&] { return process_->Threads() <= baseline_threads_; }, milliseconds(5000)));
    EXPECT_EQ(session_->Delete(), 204);
    // A clean stop finds no call still running.
    const auto stopping = Clock::now();
    EXPECT_EQ(process_->Terminate(SIGTERM), 0);
    EXPECT_LT(SecondsSince(stopping), 4.0);
    EXPECT_NE(process_->Stderr().find("stopping running_calls=0"), std::string::npos)
        << process_->Stderr();
    process_.reset();
  }

  int port_ = 0;
  std::unique_ptr<HttpSession> session_;
};

// A legacy client that gives up on its POST: the call ends by the upstream timeout.
TEST_F(HttpFaults, DroppedConnectionDuringASilentJira) {
  LaunchHttp("2");
  front_->SetScript(On(kJiraPath, Hang()));
  const std::size_t before = front_->Count(kJiraPath);
  const std::string body = Json{{"jsonrpc", "2.0"},
                                {"id", 5},
                                {"method", "tools/call"},
                                {"params", {{"name", "list_projects"}, {"arguments", {}}}}}
                               .dump();

  SendAndDrop(port_,
              RawPost(port_, body,
                      {"Mcp-Session-Id: " + session_->id(), "MCP-Protocol-Version: 2025-11-25"}),
              1, milliseconds(300));
  ASSERT_TRUE(front_->WaitForCount(kJiraPath, before + 1));
  const auto dropped = Clock::now();
  const bool upstream_closed =
      WaitUntil([&] { return front_->open_connections() == 0; }, milliseconds(8000));

  EXPECT_TRUE(upstream_closed);
  EXPECT_LT(SecondsSince(dropped), 4.0);
  ExpectHttpRecovery();
}

// A 2026-07-28 client that closes its SSE answer stream cancels the call (Streamable HTTP):
// the call stops waiting on Jira, even with the default 30 s upstream timeout. jira-mcp notices
// the closed stream when a keep-alive comment fails, at the second one (10 s apart) at worst.
TEST_F(HttpFaults, ClosedAnswerStreamCancelsTheCall) {
  LaunchHttp("");
  front_->SetScript(On(kJiraPath, Hang()));
  const std::size_t before = front_->Count(kJiraPath);
  const Json meta = {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                     {"io.modelcontextprotocol/clientCapabilities", Json::object()},
                     {"progressToken", "p1"}};
  const std::string body =
      Json{{"jsonrpc", "2.0"},
           {"id", 6},
           {"method", "tools/call"},
           {"params", {{"name", "list_projects"}, {"arguments", Json::object()}, {"_meta", meta}}}}
          .dump();

  std::thread client([&] {
    SendAndDrop(port_,
                RawPost(port_, body,
                        {"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: tools/call",
                         "Mcp-Name: list_projects"}),
                1U << 20, milliseconds(1500));
  });
  ASSERT_TRUE(front_->WaitForCount(kJiraPath, before + 1));
  client.join();  // the client hangs up 1.5 s after sending
  const auto dropped = Clock::now();
  const bool upstream_closed =
      WaitUntil([&] { return front_->open_connections() == 0; }, milliseconds(25000));

  EXPECT_TRUE(upstream_closed) << "the call still waits on Jira after its client left";
  EXPECT_LT(SecondsSince(dropped), 22.0);
  ExpectHttpRecovery();
}

// notifications/cancelled in a legacy session ends the session's running call.
TEST_F(HttpFaults, CancelledNotificationEndsASessionsCall) {
  LaunchHttp("");
  front_->SetScript(On(kJiraPath, Hang()));
  const std::size_t before = front_->Count(kJiraPath);

  std::thread caller([&] { session_->Call(12, "list_projects", Json::object()); });
  ASSERT_TRUE(front_->WaitForCount(kJiraPath, before + 1));
  const auto cancelled_at = Clock::now();
  session_->Post(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":12}})");
  caller.join();
  const double seconds = SecondsSince(cancelled_at);

  EXPECT_LT(seconds, 3.0) << "the cancelled call ran on";
  ExpectHttpRecovery();
}

// An HttpClient that sends requests whose path is `path` to `to` (an origin) instead.
class DivertingHttpClient final : public core::HttpClient {
 public:
  DivertingHttpClient(core::HttpClient& inner, std::string path, std::string to)
      : inner_(inner), path_(std::move(path)), to_(std::move(to)) {}

  core::Result<core::HttpResponse> Send(const core::HttpRequest& request) override {
    const std::size_t scheme = request.url.find("://");
    const std::size_t path_at = request.url.find('/', scheme + 3);
    if (path_at == std::string::npos || request.url.substr(path_at) != path_) {
      return inner_.Send(request);
    }
    core::HttpRequest diverted = request;
    diverted.url = to_ + request.url.substr(path_at);
    return inner_.Send(diverted);
  }

 private:
  core::HttpClient& inner_;
  std::string path_;
  std::string to_;
};

class VerifyingAuthenticator final : public mcp::HttpAuthenticator {
 public:
  explicit VerifyingAuthenticator(std::unique_ptr<auth::JwksVerifier> verifier)
      : verifier_(std::move(verifier)) {}
  core::Result<core::Principal> Authenticate(const core::Secret& token) override {
    auto verified = verifier_->Verify(token.Reveal());
    if (!verified.ok()) {
      return verified.status();
    }
    return auth::PrincipalOf(*verified);
  }

 private:
  std::unique_ptr<auth::JwksVerifier> verifier_;
};

// The runtime of `jira-mcp --transport http --auth keycard` with its JWKS fetched through a
// front and a fake clock, the way app::HttpOptions composes it.
class JwksFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);
    clock_.Set(std::chrono::system_clock::now());  // the sandbox's tokens carry real times
    sandbox_ = StartSandbox();
    front_ = std::make_unique<FaultServer>(sandbox_->base_url());
    ASSERT_TRUE(front_->Start().ok());
    app::Settings settings;
    settings.transport = "http";
    settings.public_url = kPublicUrl;
    settings.keycard_zone_url = sandbox_->base_url();
    settings.atlassian_api_url = sandbox_->base_url();
    settings.keycard_client_id = kClientId;
    settings.keycard_client_secret = core::Secret(kClientSecret);
    settings.jira_site = "acme";
    auto runtime = app::BuildRuntime(settings);
    ASSERT_TRUE(runtime.ok()) << runtime.status().message();
    runtime_ = std::move(runtime).value();

    diverting_ =
        std::make_unique<DivertingHttpClient>(*runtime_->http, kJwksPath, front_->base_url());
    auto verifier = auth::JwksVerifier::Create(
        {.issuer = sandbox_->base_url(),
         .resource_url = kPublicUrl,
         .jwks = {.uri = sandbox_->base_url() + kJwksPath, .timeout = milliseconds(1000)}},
        *diverting_, clock_);
    ASSERT_TRUE(verifier.ok()) << verifier.status().message();
    mcp::HttpTransport::Options options;
    options.port = 0;
    options.public_url = kPublicUrl;
    options.authorization_server = sandbox_->base_url();
    options.authenticator = std::make_shared<VerifyingAuthenticator>(std::move(verifier).value());
    options.shutdown_grace = milliseconds(2000);
    transport_ = std::make_unique<mcp::HttpTransport>(*runtime_->server, std::move(options));
    ASSERT_TRUE(transport_->Start().ok());
  }

  void TearDown() override {
    const auto stopping = Clock::now();
    transport_->Stop();
    EXPECT_LT(SecondsSince(stopping), 3.0);
    front_->Stop();
  }

  // initialize with `token`; the HTTP status and how long it took.
  int Initialize(const std::string& token, double* seconds = nullptr) {
    HttpSession session(transport_->port(), token);
    const auto started = Clock::now();
    const int status = session.Initialize();
    if (seconds != nullptr) {
      *seconds = SecondsSince(started);
    }
    return status;
  }

  // A zone-style token for alice for this server, signed by `key` as `kid`.
  std::string Token(const fakes::TestKey& key, const std::string& kid) {
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
    return fakes::SignJwt(key, "ES256", kid,
                          {{"iss", sandbox_->base_url()},
                           {"sub", kAliceAccountId},
                           {"aud", kPublicUrl},
                           {"iat", now},
                           {"exp", now + 3600}});
  }

  fakes::FakeClock clock_;
  std::unique_ptr<sandbox::SandboxServer> sandbox_;
  std::unique_ptr<FaultServer> front_;
  std::unique_ptr<app::Runtime> runtime_;
  std::unique_ptr<DivertingHttpClient> diverting_;
  std::unique_ptr<mcp::HttpTransport> transport_;
};

struct JwksCase {
  std::string name;
  Action action;
};

void PrintTo(const JwksCase& fault, std::ostream* out) { *out << fault.name; }

class JwksUnreachable : public JwksFaults, public ::testing::WithParamInterface<JwksCase> {};

TEST_P(JwksUnreachable, AnswersRetryLaterThenRecovers) {
  front_->SetScript(On(kJwksPath, GetParam().action));
  const std::string alice = sandbox_->UserToken("alice", kPublicUrl).value();

  double seconds = 0;
  const int status = Initialize(alice, &seconds);
  front_->Heal();
  front_->ReleaseHung();
  const int within_refetch_limit = Initialize(alice);
  clock_.Advance(std::chrono::seconds(31));
  const int after_refetch_limit = Initialize(alice);

  EXPECT_EQ(status, 503);
  EXPECT_LT(seconds, 3.0);
  EXPECT_EQ(within_refetch_limit, 503);  // the JWKS is refetched at most every 30 s
  EXPECT_EQ(after_refetch_limit, 200);
  HttpSession session(transport_->port(), alice);
  ASSERT_EQ(session.Initialize(), 200);
  EXPECT_TRUE(IsToolSuccess(session.Call(1, "list_projects", Json::object())));
}

INSTANTIATE_TEST_SUITE_P(
    Jwks, JwksUnreachable,
    ::testing::Values(JwksCase{"ClosesAtOnce", Close()}, JwksCase{"NeverAnswers", Hang()},
                      JwksCase{"Answers500", Respond(500, "{}")},
                      JwksCase{"AnswersGarbage", Raw("garbage\r\n\r\n")},
                      JwksCase{"AnswersNotAKeySet", Respond(200, R"({"keys":"none"})")},
                      JwksCase{"Drips", Drip(RawAnswer(200, R"({"keys":[]})"))}),
    [](const auto& info) { return info.param.name; });

TEST_F(JwksFaults, RotatedKeysAreFetchedAndOldKeysRefused) {
  const fakes::TestKey old_key = fakes::TestKey::EcP256();
  const fakes::TestKey new_key = fakes::TestKey::EcP256();
  const std::string old_token = Token(old_key, "k-old");
  const std::string new_token = Token(new_key, "k-new");
  front_->SetScript(On(kJwksPath, Respond(200, fakes::JwksJson({old_key.PublicJwk("k-old")}))));
  const int before_rotation = Initialize(old_token);
  front_->SetScript(On(kJwksPath, Respond(200, fakes::JwksJson({new_key.PublicJwk("k-new")}))));
  const int right_after_rotation = Initialize(new_token);  // within the refetch limit
  clock_.Advance(std::chrono::seconds(31));

  const int new_key_later = Initialize(new_token);
  const int old_key_later = Initialize(old_token);

  EXPECT_EQ(before_rotation, 200);
  EXPECT_EQ(right_after_rotation, 401);
  EXPECT_EQ(new_key_later, 200);
  EXPECT_EQ(old_key_later, 401);
  EXPECT_EQ(front_->Count(kJwksPath), 2U);
}

// --auth keycard while the zone answers garbage: the server starts anyway, answers 503 until the
// zone answers, and then verifies tokens against the JWKS the zone names.
TEST(StartupFaults, HttpStartsWhileTheZoneIsDownAndVerifiesOnceItAnswers) {
  FaultServer zone;
  ASSERT_TRUE(zone.Start().ok());
  zone.SetScript([](const SeenRequest&) { return Raw("garbage\r\n\r\n"); });
  const TempDir dir;
  auto process =
      ServerProcess::Launch({"--transport", "http", "--port", "0", "--public-url", kPublicUrl,
                             "--keycard-zone-url", zone.base_url(), "--upstream-timeout", "1"},
                            {}, dir.File("stderr.log"));
  ASSERT_NE(process, nullptr);
  const int port = WaitForListenPort(*process, milliseconds(10000));
  ASSERT_GT(port, 0) << process->Stderr();
  const fakes::TestKey key = fakes::TestKey::EcP256();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string token = fakes::SignJwt(key, "ES256", "k1",
                                           {{"iss", zone.base_url()},
                                            {"sub", kAliceAccountId},
                                            {"aud", kPublicUrl},
                                            {"iat", now},
                                            {"exp", now + 3600}});

  const int while_down = HttpSession(port, token).Initialize();
  zone.SetScript([&zone, jwks = fakes::JwksJson({key.PublicJwk("k1")})](const SeenRequest& seen) {
    if (seen.target == kJwksPath) {
      return Respond(200, jwks);
    }
    return seen.target == kMetadataPath ? Respond(200, Metadata(zone.base_url()))
                                        : Respond(404, "{}");
  });
  // The zone is asked again at most every 5 s.
  int once_up = 0;
  WaitUntil([&] { return (once_up = HttpSession(port, token).Initialize()) == 200; },
            milliseconds(15000));

  EXPECT_EQ(while_down, 503);
  EXPECT_EQ(once_up, 200) << process->Stderr();
  EXPECT_NE(process->Stderr().find("zone_unreachable_at_start"), std::string::npos)
      << process->Stderr();
  EXPECT_EQ(process->Terminate(SIGTERM, milliseconds(5000)), 0);
}

// --auth keycard with a zone whose metadata can never work (another issuer): the server refuses
// to start, saying why.
TEST(StartupFaults, HttpWithAZoneOfAnotherIssuerExitsWithAReason) {
  FaultServer zone;
  ASSERT_TRUE(zone.Start().ok());
  zone.SetScript(
      [](const SeenRequest&) { return Respond(200, Metadata("http://127.0.0.1:1/elsewhere")); });
  const TempDir dir;

  const auto started = Clock::now();
  auto process =
      ServerProcess::Launch({"--transport", "http", "--port", "0", "--public-url", kPublicUrl,
                             "--keycard-zone-url", zone.base_url(), "--upstream-timeout", "1"},
                            {}, dir.File("stderr.log"));
  ASSERT_NE(process, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return process->Stderr().find("jira-mcp:") != std::string::npos; },
                        milliseconds(10000)));

  EXPECT_EQ(process->Terminate(0, milliseconds(5000)), 2);
  EXPECT_LT(SecondsSince(started), 5.0);
  EXPECT_NE(process->Stderr().find("KEYCARD_ZONE_URL"), std::string::npos) << process->Stderr();
}

}  // namespace
}  // namespace hardening
