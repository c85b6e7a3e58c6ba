// A JiraClient wired to fakes: scripted HTTP, a fake token broker, a hand-moved clock and a
// recording sleeper. Nothing leaves the process; the base URL is a loopback address that no
// test ever contacts.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "mcp/tool.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_token_broker.h"
#include "tools/jira_client.h"

namespace tools {

inline constexpr char kBase[] = "http://127.0.0.1:9";
inline constexpr char kCloudId[] = "11111111-2222-3333-4444-555555555555";
inline constexpr char kJira[] = "http://127.0.0.1:9/ex/jira/11111111-2222-3333-4444-555555555555";
// The second site of TwoSites, "beta".
inline constexpr char kBetaCloudId[] = "99999999-0000-0000-0000-000000000000";
inline constexpr char kBetaJira[] =
    "http://127.0.0.1:9/ex/jira/99999999-0000-0000-0000-000000000000";

struct JiraEnv {
  std::shared_ptr<fakes::FakeHttpClient> http = std::make_shared<fakes::FakeHttpClient>();
  std::shared_ptr<fakes::FakeTokenBroker> broker = std::make_shared<fakes::FakeTokenBroker>();
  fakes::FakeClock clock;
  std::vector<std::chrono::milliseconds> sleeps;
  std::shared_ptr<JiraClient> client;

  explicit JiraEnv(JiraClientOptions options = {}) {
    options.api_base_url = kBase;
    options.clock = &clock;
    options.jitter_seed = 7;
    options.sleeper = [this](std::chrono::milliseconds delay, const std::atomic<bool>*) {
      sleeps.push_back(delay);
      return true;
    };
    client = std::make_shared<JiraClient>(http, broker, std::move(options));
  }

  // accessible-resources answers one site, "acme".
  void OneSite() {
    http->OnJson(
        "GET", std::string(kBase) + "/oauth/token/accessible-resources", 200,
        std::string(R"([{"id":")") + kCloudId +
            R"(","name":"acme","url":"https://acme.atlassian.net","scopes":["read:jira-work","write:jira-work"]}])");
  }

  void TwoSites() {
    http->OnJson("GET", std::string(kBase) + "/oauth/token/accessible-resources", 200,
                 std::string(R"([{"id":")") + kBetaCloudId +
                     R"(","name":"beta","url":"https://beta.atlassian.net/","scopes":[]},{"id":")" +
                     kCloudId +
                     R"(","name":"acme","url":"https://acme.atlassian.net","scopes":[]}])");
  }
};

// What the HTTP client answers for an answer past the request's max_response_bytes (16 MiB), as
// a FakeHttpClient handler.
inline core::Result<core::HttpResponse> PastSizeCap(const core::HttpRequest& /*request*/) {
  return core::Status(core::Code::kResourceExhausted, "larger than 16777216 bytes");
}

inline mcp::CallContext Context(const std::atomic<bool>* cancelled = nullptr) {
  return mcp::CallContext("req-1", core::Principal{.subject = "user-1"}, cancelled);
}

}  // namespace tools
