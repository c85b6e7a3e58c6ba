#include "app/demo.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/log.h"
#include "mcp/stdio_client.h"
#include "sandbox/sandbox_server.h"

namespace app {
namespace {

using mcp::Json;

constexpr const char* kUser = "alice";
constexpr int kBadArguments = 2;  // what the main command exits with on an unknown option

std::string SelfPath() {
  char buffer[4096];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : "jira-mcp";
}

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out = prefix;
  for (const char c : text) {
    out += c;
    if (c == '\n') {
      out += prefix;
    }
  }
  return out;
}

std::string Compact(const Json& value, std::size_t limit = 110) {
  std::string text = mcp::Serialize(value);
  return text.size() > limit ? text.substr(0, limit - 3) + "..." : text;
}

class Session {
 public:
  explicit Session(std::unique_ptr<mcp::StdioClient> client) : client_(std::move(client)) {}

  // Calls a tool and prints the exchange; returns its structured content, or nullopt on failure.
  std::optional<Json> Call(const std::string& tool, const Json& arguments) {
    std::printf("\n> %s %s\n", tool.c_str(), Compact(arguments).c_str());
    auto result = client_->CallTool(tool, arguments);
    if (!result.ok()) {
      std::printf("  ! %s\n", result.status().message().c_str());
      return std::nullopt;
    }
    std::string text;
    for (const auto& block : (*result)["content"]) {
      text += block.value("text", "");
    }
    std::printf("%s\n", Indent(text, "  ").c_str());
    if (result->value("isError", false)) {
      return std::nullopt;
    }
    return result->value("structuredContent", Json::object());
  }

  mcp::StdioClient& client() { return *client_; }

 private:
  std::unique_ptr<mcp::StdioClient> client_;
};

constexpr const char* kDescription =
    "## Steps to reproduce\n"
    "1. Open the app on a phone in dark mode\n"
    "2. Go to **Settings > Notifications**\n\n"
    "The toggle labels are unreadable. Suspect the theme tokens:\n\n"
    "```css\n.toggle-label { color: var(--text-muted); }\n```\n";

bool Walkthrough(Session& session, const std::set<std::string>& tools) {
  auto projects = session.Call("list_projects", Json::object());
  if (!projects || (*projects)["projects"].empty()) {
    return false;
  }
  const std::string project = (*projects)["projects"].back().value("key", "");

  auto created =
      session.Call("create_issue", {{"project_key", project},
                                    {"issue_type", "Bug"},
                                    {"summary", "Dark mode: notification toggles unreadable"},
                                    {"description_markdown", kDescription},
                                    {"labels", {"dark-mode", "demo"}}});
  if (!created) {
    return false;
  }
  const std::string key = created->value("key", "");

  if (!session.Call(
          "search_issues",
          {{"jql", fmt::format("project = {} AND labels = demo ORDER BY created DESC", project)},
           {"fields", {"summary", "status"}},
           {"max_results", 5}})) {
    return false;
  }
  if (tools.count("transition_issue") != 0 &&
      !session.Call("transition_issue", {{"issue_key", key}, {"transition", "In Progress"}})) {
    return false;
  }
  if (tools.count("add_comment") != 0 &&
      !session.Call("add_comment", {{"issue_key", key},
                                    {"body",
                                     "Reproduced on Android 15. The label uses `--text-muted`; "
                                     "switching it to `--text-primary` fixes it."}})) {
    return false;
  }
  Json read_back = {{"issue_key", key}, {"fields", {"summary", "status", "labels", "description"}}};
  if (tools.count("add_comment") != 0) {
    read_back["include"] = {"comments"};
  }
  return session.Call("get_issue", read_back).has_value();
}

constexpr const char* kUsage =
    "Usage: jira-mcp demo\n"
    "  Runs a scripted agent session against the local sandbox (127.0.0.1 only) and prints it.\n"
    "  Takes no options besides --help.\n";

// The demo takes no arguments: --help (or -h) anywhere prints the usage, anything else stops it
// the way the main command stops on an unknown option. nullopt: go on with the demo.
std::optional<int> AnswerArguments(const std::vector<std::string>& args) {
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!args.empty()) {
    std::fprintf(stderr, "jira-mcp: demo takes no arguments, not '%s'; see jira-mcp demo --help\n",
                 args.front().c_str());
    return kBadArguments;
  }
  return std::nullopt;
}

}  // namespace

int RunDemo(int argc, char** argv) {
  if (const auto answered = AnswerArguments(std::vector<std::string>(argv + 1, argv + argc))) {
    return *answered;
  }
  core::SetLogLevel("warn");  // the transcript is the output; the sandbox's info lines are noise
  sandbox::SandboxServer sandbox_server(sandbox::SandboxServer::Options{});
  if (auto status = sandbox_server.Start(); !status.ok()) {
    std::fprintf(stderr, "jira-mcp demo: the sandbox did not start: %s\n",
                 status.message().c_str());
    return 1;
  }
  auto token = sandbox_server.UserToken(kUser);
  if (!token.ok()) {
    std::fprintf(stderr, "jira-mcp demo: %s\n", token.status().message().c_str());
    return 1;
  }
  const std::string url = sandbox_server.base_url();
  std::printf("jira-mcp demo: a scripted agent session on the local sandbox\n");
  std::printf("  sandbox  %s (Jira Cloud and Keycard zone stand-in, 127.0.0.1 only)\n",
              url.c_str());
  std::printf(
      "  server   jira-mcp over stdio, acting as %s; each call exchanges alice's zone\n"
      "           token for a Jira token (RFC 8693) before it reaches Jira\n",
      kUser);

  auto client = mcp::StdioClient::Launch(
      {.argv = {SelfPath()},
       .env = {{"KEYCARD_ZONE_URL", url},
               {"ATLASSIAN_API_URL", url},
               {"KEYCARD_CLIENT_ID", std::string(sandbox::kDefaultClientId)},
               {"KEYCARD_CLIENT_SECRET", std::string(sandbox::kDefaultClientSecret)},
               {"KEYCARD_SUBJECT_TOKEN", *token},
               {"JIRA_SITE", "acme"},
               {"JIRA_MCP_LOG_LEVEL", "warn"}}});
  if (!client.ok()) {
    std::fprintf(stderr, "jira-mcp demo: %s\n", client.status().message().c_str());
    return 1;
  }
  Session session(std::move(client).value());
  auto init = session.client().Initialize();
  auto list = session.client().Request("tools/list", Json::object());
  if (!init.ok() || !list.ok()) {
    std::fprintf(stderr, "jira-mcp demo: %s\n",
                 (init.ok() ? list.status() : init.status()).message().c_str());
    return 1;
  }
  std::set<std::string> tools;
  for (const auto& tool : (*list)["tools"]) {
    tools.insert(tool.value("name", ""));
  }
  std::printf("\n> initialize -> protocol %s, %s %s; tools/list -> %zu tools\n",
              init->value("protocolVersion", "").c_str(),
              (*init)["serverInfo"].value("name", "").c_str(),
              (*init)["serverInfo"].value("version", "").c_str(), tools.size());

  const bool ok = Walkthrough(session, tools);
  const int exit_code = session.client().Close();
  std::printf("\n%s\n", ok && exit_code == 0 ? "demo finished: every step succeeded"
                                             : "demo failed: see the step marked above");
  return ok && exit_code == 0 ? 0 : 1;
}

}  // namespace app
