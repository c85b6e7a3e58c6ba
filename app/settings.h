// Settings: every option as a flag and an environment variable (DESIGN.md §7). Flags win over
// the environment. Secrets come only from the environment or files, never from flags.
//
// The subject token comes from one source: a --subject-token-* flag beats every
// KEYCARD_SUBJECT_TOKEN* variable, and two sources at one level (two flags, two variables) are
// an error naming both. What is given is checked at start, so a setting that can never work stops
// the server instead of failing a tool call later: URLs must be http(s) URLs, a CA bundle must be
// a readable file, an explicitly empty toolset list is refused. Nothing is required for
// tools/list. --help (or -h) and --version win over everything else on the command line.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/secret.h"
#include "core/status.h"

namespace app {

struct Settings {
  std::string transport = "stdio";  // stdio | http
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string auth = "keycard";  // keycard | none
  std::string public_url;
  std::string keycard_zone_url;
  std::string keycard_client_id;
  core::Secret keycard_client_secret;
  std::string atlassian_api_url = "https://api.atlassian.com";
  std::string jira_site;
  core::Secret subject_token;  // KEYCARD_SUBJECT_TOKEN
  std::string subject_token_file;
  std::string subject_token_command;
  std::vector<std::string> resource_aliases;  // other URLs tokens may name as their audience
  std::vector<std::string> allowed_hosts;     // extra Host values the HTTP server accepts
  std::vector<std::string> allowed_origins;   // extra Origin values the HTTP server accepts
  std::vector<std::string> toolsets;
  std::vector<std::string> tools;
  bool read_only = false;
  std::string log_level = "info";
  std::string ca_bundle;  // JIRA_MCP_CA_BUNDLE: extra trust anchors for TLS (tests, proxies)
  // JIRA_MCP_UPSTREAM_TIMEOUT: the most one request to the zone or to Jira may take, from
  // connecting to the last byte. Unset: each client's own default (10 s zone, 30 s Jira).
  std::optional<std::chrono::milliseconds> upstream_timeout;

  bool show_help = false;
  bool show_version = false;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads flags (`--name value` or `--name=value`; args exclude the program name) over the
// environment. An empty environment variable counts as unset; an empty flag value is taken as
// given (so `--toolsets ""` is refused). Errors name the setting and what is accepted.
core::Result<Settings> ParseSettings(const std::vector<std::string>& args, const EnvLookup& env);

// The text `jira-mcp --help` prints.
std::string HelpText();

}  // namespace app
