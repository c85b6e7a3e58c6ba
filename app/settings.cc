#include "app/settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

#include "core/url.h"
#include "tools/jira_tools.h"

namespace app {
namespace {

enum class Kind { kText, kFlag };

struct Option {
  const char* flag;  // without the leading "--"
  const char* env;   // may be empty
  Kind kind;
  std::string Settings::*field;  // for kText options stored as text
  const char* help;
};

// Options held as plain text in Settings; the rest are handled one by one below.
const std::vector<Option>& TextOptions() {
  static const std::vector<Option> kOptions = {
      {"transport", "JIRA_MCP_TRANSPORT", Kind::kText, &Settings::transport,
       "stdio (default) or http"},
      {"host", "JIRA_MCP_HOST", Kind::kText, &Settings::host,
       "HTTP listen address (default 127.0.0.1)"},
      {"auth", "JIRA_MCP_AUTH", Kind::kText, &Settings::auth,
       "HTTP: keycard (verify bearer tokens, default) or none (single user, loopback only)"},
      {"public-url", "JIRA_MCP_PUBLIC_URL", Kind::kText, &Settings::public_url,
       "this server's resource URL, e.g. https://mcp.example.com/mcp"},
      {"keycard-zone-url", "KEYCARD_ZONE_URL", Kind::kText, &Settings::keycard_zone_url,
       "the Keycard zone, https://<zone-id>.keycard.cloud"},
      {"keycard-client-id", "KEYCARD_CLIENT_ID", Kind::kText, &Settings::keycard_client_id,
       "this server's application client id in the zone"},
      {"atlassian-api-url", "ATLASSIAN_API_URL", Kind::kText, &Settings::atlassian_api_url,
       "default https://api.atlassian.com"},
      {"jira-site", "JIRA_SITE", Kind::kText, &Settings::jira_site,
       "site name, URL or cloudId when several sites are accessible"},
      {"subject-token-file", "KEYCARD_SUBJECT_TOKEN_FILE", Kind::kText,
       &Settings::subject_token_file, "stdio: file holding the user's Keycard token (re-read)"},
      {"subject-token-command", "KEYCARD_SUBJECT_TOKEN_COMMAND", Kind::kText,
       &Settings::subject_token_command,
       "stdio: command printing the user's Keycard token, e.g. 'keycard credential read ...'"},
      {"log-level", "JIRA_MCP_LOG_LEVEL", Kind::kText, &Settings::log_level,
       "trace, debug, info (default), warn, error, critical or off; logs go to stderr"},
      {"ca-bundle", "JIRA_MCP_CA_BUNDLE", Kind::kText, &Settings::ca_bundle,
       "PEM file of extra trusted CAs for outgoing TLS"},
  };
  return kOptions;
}

constexpr const char* kSecretFlags[] = {"keycard-client-secret", "client-secret", "subject-token"};

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      items.push_back(item);
    }
  }
  return items;
}

core::Status Bad(const std::string& text) { return {core::Code::kInvalidArgument, text}; }

core::Result<bool> ParseBool(const std::string& name, const std::string& value) {
  std::string lower = value;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") {
    return true;
  }
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off" || lower.empty()) {
    return false;
  }
  return Bad(
      fmt::format("{} must be true or false (or 1/0, yes/no, on/off), not '{}'", name, value));
}

core::Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return Bad(fmt::format("cannot read KEYCARD_CLIENT_SECRET_FILE '{}'", path));
  }
  std::string value((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  value.erase(value.find_last_not_of(" \t\r\n") + 1);
  return value;
}

bool IsTextFlag(const std::string& name) {
  static const std::vector<std::string> kOthers = {
      "port",          "toolsets",        "tools",           "resource-aliases",
      "allowed-hosts", "allowed-origins", "upstream-timeout"};
  return std::any_of(TextOptions().begin(), TextOptions().end(),
                     [&name](const Option& option) { return name == option.flag; }) ||
         std::find(kOthers.begin(), kOthers.end(), name) != kOthers.end();
}

// Collects "--name value" / "--name=value" pairs and bare switches.
core::Result<std::map<std::string, std::string>> ReadFlags(const std::vector<std::string>& args) {
  static const std::vector<std::string> kSwitches = {"read-only", "help", "version"};
  std::map<std::string, std::string> flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      flags["help"] = "true";
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return Bad(fmt::format("unexpected argument '{}'; see jira-mcp --help", arg));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.erase(eq);
    }
    for (const char* secret : kSecretFlags) {
      if (name == secret) {
        return Bad(
            fmt::format("--{} is not accepted: secrets never go on the command line, where "
                        "other users can read them. Set KEYCARD_CLIENT_SECRET, "
                        "KEYCARD_CLIENT_SECRET_FILE or KEYCARD_SUBJECT_TOKEN(_FILE) instead",
                        name));
      }
    }
    const bool is_switch = std::find(kSwitches.begin(), kSwitches.end(), name) != kSwitches.end();
    if (!is_switch && !IsTextFlag(name)) {
      return Bad(fmt::format("unknown option --{}; see jira-mcp --help", name));
    }
    if (!value && is_switch) {
      value = "true";
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return Bad(fmt::format("--{} needs a value", name));
      }
      value = args[++i];
    }
    flags[name] = *value;
  }
  return flags;
}

// Which setting a subject token source fills.
enum class SubjectField { kToken, kFile, kCommand };

struct SubjectSource {
  const char* name;
  SubjectField field;
};

void Assign(SubjectField field, std::string value, Settings& settings) {
  switch (field) {
    case SubjectField::kToken:
      settings.subject_token = core::Secret(std::move(value));
      return;
    case SubjectField::kFile:
      settings.subject_token_file = std::move(value);
      return;
    case SubjectField::kCommand:
      settings.subject_token_command = std::move(value);
      return;
  }
}

// Two sources of one secret at the same level are refused, naming both, since either could be
// the one meant.
core::Status RefuseTwo(const char* first, const char* second, std::string_view what) {
  return Bad(fmt::format("both {} and {} are set; {} must come from one source, so remove one",
                         first, second, what));
}

// The subject token source (stdio and --auth none): a flag beats every environment variable;
// two sources at the same level are refused.
core::Status TakeSubjectSource(std::map<std::string, std::string>& flags, const EnvLookup& env,
                               Settings& settings) {
  std::vector<std::pair<SubjectSource, std::string>> chosen;
  for (const SubjectSource source :
       {SubjectSource{"--subject-token-file", SubjectField::kFile},
        SubjectSource{"--subject-token-command", SubjectField::kCommand}}) {
    const auto it = flags.find(source.name + 2);
    if (it == flags.end()) {
      continue;
    }
    if (it->second.empty()) {
      return Bad(fmt::format("{} needs a value", source.name));
    }
    chosen.emplace_back(source, it->second);
    flags.erase(it);
  }
  if (chosen.empty()) {
    for (const SubjectSource source :
         {SubjectSource{"KEYCARD_SUBJECT_TOKEN", SubjectField::kToken},
          SubjectSource{"KEYCARD_SUBJECT_TOKEN_FILE", SubjectField::kFile},
          SubjectSource{"KEYCARD_SUBJECT_TOKEN_COMMAND", SubjectField::kCommand}}) {
      if (std::optional<std::string> value = env(source.name)) {
        chosen.emplace_back(source, std::move(*value));
      }
    }
  }
  if (chosen.size() > 1) {
    return RefuseTwo(chosen[0].first.name, chosen[1].first.name, "the subject token");
  }
  if (!chosen.empty()) {
    Assign(chosen.front().first.field, std::move(chosen.front().second), settings);
  }
  return core::Status::Ok();
}

// This server's client secret: KEYCARD_CLIENT_SECRET or KEYCARD_CLIENT_SECRET_FILE, not both.
core::Status TakeClientSecret(const EnvLookup& env, Settings& settings) {
  std::optional<std::string> inline_secret = env("KEYCARD_CLIENT_SECRET");
  std::optional<std::string> file = env("KEYCARD_CLIENT_SECRET_FILE");
  if (inline_secret.has_value() && file.has_value()) {
    return RefuseTwo("KEYCARD_CLIENT_SECRET", "KEYCARD_CLIENT_SECRET_FILE", "the client secret");
  }
  if (inline_secret.has_value()) {
    settings.keycard_client_secret = core::Secret(std::move(*inline_secret));
  } else if (file.has_value()) {
    auto value = ReadSecretFile(*file);
    if (!value.ok()) {
      return value.status();
    }
    settings.keycard_client_secret = core::Secret(*std::move(value));
  }
  return core::Status::Ok();
}

// Where each given setting came from, by flag name ("port" -> "--port" or "JIRA_MCP_PORT"), so
// that an error names what the user actually set.
class Origins {
 public:
  void Note(const std::string& flag, std::string source) { sources_[flag] = std::move(source); }
  std::string operator()(const std::string& flag) const {
    const auto it = sources_.find(flag);
    return it != sources_.end() ? it->second : "--" + flag;
  }

 private:
  std::map<std::string, std::string> sources_;
};

// Seconds, fractions allowed, more than 0 and at most 600.
core::Result<std::chrono::milliseconds> ParseTimeout(const std::string& name,
                                                     const std::string& text) {
  const auto bad = Bad(
      fmt::format("{} must be a number of seconds above 0 and at most 600, not '{}'", name, text));
  double seconds = 0;
  try {
    std::size_t used = 0;
    seconds = std::stod(text, &used);
    if (used != text.size()) {
      return bad;
    }
  } catch (const std::exception&) {
    return bad;
  }
  if (!(seconds > 0 && seconds <= 600)) {
    return bad;
  }
  return std::chrono::milliseconds(std::max<long long>(1, std::llround(seconds * 1000)));
}

core::Status Validate(const Settings& s, const Origins& named) {
  if (s.transport != "stdio" && s.transport != "http") {
    return Bad(fmt::format("{} must be stdio or http, not '{}'", named("transport"), s.transport));
  }
  if (s.auth != "keycard" && s.auth != "none") {
    return Bad(fmt::format("{} must be keycard or none, not '{}'", named("auth"), s.auth));
  }
  if (s.port < 0 || s.port > 65535) {
    return Bad(fmt::format("{} must be 0 to 65535, not {}", named("port"), s.port));
  }
  static const std::vector<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                   "error", "critical", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), s.log_level) == kLevels.end()) {
    return Bad(
        fmt::format("{} must be one of trace, debug, info, warn, error, critical, off; not '{}'",
                    named("log-level"), s.log_level));
  }
  for (const auto& [flag, value] :
       {std::pair{"public-url", &s.public_url}, std::pair{"keycard-zone-url", &s.keycard_zone_url},
        std::pair{"atlassian-api-url", &s.atlassian_api_url}}) {
    if (value->empty()) {
      continue;  // not given: tools/list needs no credentials, a tool call says what to set
    }
    if (auto url = core::ParseUrl(*value); !url.ok()) {
      return Bad(fmt::format("{} {}", named(flag), url.status().message()));
    }
  }
  if (!s.ca_bundle.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(s.ca_bundle, error) || !std::ifstream(s.ca_bundle)) {
      return Bad(fmt::format("{} '{}' does not exist or cannot be read; name a readable PEM file",
                             named("ca-bundle"), s.ca_bundle));
    }
  }
  if (s.transport == "http" && s.auth == "keycard" &&
      (s.public_url.empty() || s.keycard_zone_url.empty())) {
    return Bad(
        "--transport http with --auth keycard needs --public-url (this server's /mcp URL) "
        "and --keycard-zone-url; for one person on this machine use --auth none");
  }
  return core::Status::Ok();
}

// The environment with every empty variable read as unset: MCP hosts often write `"VAR": ""`
// for a setting they leave out. Every setting reads the environment through this, so the rule
// holds for all of them. A flag is taken as given: `--toolsets ""` is still an error.
EnvLookup SetVariablesOnly(EnvLookup env) {
  return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> value = env(name);
    if (value.has_value() && value->empty()) {
      return std::nullopt;
    }
    return value;
  };
}

}  // namespace

core::Result<Settings> ParseSettings(const std::vector<std::string>& args,
                                     const EnvLookup& raw_env) {
  const EnvLookup env = SetVariablesOnly(raw_env);
  // --help and --version answer whatever else the command line holds.
  for (const char* wanted : {"--help", "-h", "--version"}) {
    if (std::find(args.begin(), args.end(), wanted) != args.end()) {
      Settings settings;
      settings.show_help = std::string(wanted) != "--version";
      settings.show_version = !settings.show_help;
      return settings;
    }
  }
  auto flags = ReadFlags(args);
  if (!flags.ok()) {
    return flags.status();
  }
  Origins named;
  auto take = [&](const std::string& flag, const char* env_name) -> std::optional<std::string> {
    if (auto it = flags->find(flag); it != flags->end()) {
      std::string value = it->second;
      flags->erase(it);
      return value;
    }
    std::optional<std::string> value = env_name[0] != '\0' ? env(env_name) : std::nullopt;
    if (value.has_value()) {
      named.Note(flag, env_name);
    }
    return value;
  };

  Settings settings;
  if (auto status = TakeSubjectSource(*flags, env, settings); !status.ok()) {
    return status;
  }
  for (const Option& option : TextOptions()) {
    if (option.field == &Settings::subject_token_file ||
        option.field == &Settings::subject_token_command) {
      continue;  // taken above
    }
    if (auto value = take(option.flag, option.env)) {
      settings.*option.field = *value;
    }
  }
  if (auto port = take("port", "JIRA_MCP_PORT")) {
    try {
      std::size_t used = 0;
      settings.port = std::stoi(*port, &used);
      if (used != port->size()) {
        return Bad(fmt::format("{} must be a number, not '{}'", named("port"), *port));
      }
    } catch (const std::exception&) {
      return Bad(fmt::format("{} must be a number, not '{}'", named("port"), *port));
    }
  }
  if (auto timeout = take("upstream-timeout", "JIRA_MCP_UPSTREAM_TIMEOUT")) {
    auto parsed = ParseTimeout(named("upstream-timeout"), *timeout);
    if (!parsed.ok()) {
      return parsed.status();
    }
    settings.upstream_timeout = *parsed;
  }
  for (const auto& [flag, env_name, field] :
       {std::tuple{"toolsets", "JIRA_MCP_TOOLSETS", &Settings::toolsets},
        std::tuple{"tools", "JIRA_MCP_TOOLS", &Settings::tools},
        std::tuple{"resource-aliases", "JIRA_MCP_RESOURCE_ALIASES", &Settings::resource_aliases},
        std::tuple{"allowed-hosts", "JIRA_MCP_ALLOWED_HOSTS", &Settings::allowed_hosts},
        std::tuple{"allowed-origins", "JIRA_MCP_ALLOWED_ORIGINS", &Settings::allowed_origins}}) {
    if (auto value = take(flag, env_name)) {
      settings.*field = SplitList(*value);
      if (std::string(flag) == "toolsets" && settings.toolsets.empty()) {
        return Bad(
            "no toolsets: name at least one in --toolsets, or leave the setting out for the "
            "defaults");
      }
    }
  }
  for (const auto& [flag, env_name, field] :
       {std::tuple{"read-only", "JIRA_MCP_READ_ONLY", &Settings::read_only},
        std::tuple{"help", "", &Settings::show_help},
        std::tuple{"version", "", &Settings::show_version}}) {
    if (auto value = take(flag, env_name)) {
      auto parsed = ParseBool(named(flag), *value);
      if (!parsed.ok()) {
        return parsed.status();
      }
      settings.*field = *parsed;
    }
  }
  if (auto status = TakeClientSecret(env, settings); !status.ok()) {
    return status;
  }
  if (auto status = Validate(settings, named); !status.ok()) {
    return status;
  }
  return settings;
}

std::string HelpText() {
  std::string text =
      "jira-mcp: Jira Cloud tools for AI agents over the Model Context Protocol.\n"
      "Every call acts as the calling user: their Keycard token is exchanged (RFC 8693)\n"
      "for a Jira-scoped token before Atlassian is called.\n\n"
      "Usage:\n"
      "  jira-mcp [options]              serve MCP (stdio by default)\n"
      "  jira-mcp demo                   a scripted agent session on the local sandbox\n"
      "  jira-mcp sandbox [--port N]     run the local Jira and Keycard stand-in\n"
      "                                  (jira-mcp sandbox --help for its options)\n\n"
      "Options (flag / environment variable):\n";
  auto line = [&text](const std::string& flag, const std::string& env, const std::string& help) {
    std::string head = fmt::format("  {:<26} {}", flag, env);
    head.erase(head.find_last_not_of(' ') + 1);
    text += fmt::format("{}\n      {}\n", head, help);
  };
  for (const Option& option : TextOptions()) {
    line(fmt::format("--{}", option.flag), option.env, option.help);
  }
  line("--port", "JIRA_MCP_PORT", "HTTP listen port (default 8080; 0 picks a free port)");
  const std::vector<std::string> defaults = tools::DefaultToolsets();
  std::vector<std::string> toolsets;
  for (const std::string& name : tools::JiraToolsets()) {
    const bool is_default = std::find(defaults.begin(), defaults.end(), name) != defaults.end();
    toolsets.push_back(is_default ? name + "*" : name);
  }
  line("--toolsets", "JIRA_MCP_TOOLSETS",
       fmt::format("comma-separated toolsets to expose, or all, or default; * marks the\n"
                   "      defaults, used when the setting is left out:\n      {}",
                   fmt::join(toolsets, ", ")));
  line("--tools", "JIRA_MCP_TOOLS", "comma-separated tool names to expose (allow-list)");
  line("--read-only", "JIRA_MCP_READ_ONLY", "expose no tool that writes");
  line("--resource-aliases", "JIRA_MCP_RESOURCE_ALIASES",
       "HTTP: other resource URLs a token's audience may name (comma-separated)");
  line("--allowed-hosts", "JIRA_MCP_ALLOWED_HOSTS",
       "HTTP: Host values to accept besides loopback and the public URL's host");
  line("--allowed-origins", "JIRA_MCP_ALLOWED_ORIGINS",
       "HTTP: browser Origins to accept (CORS), comma-separated");
  line("--upstream-timeout", "JIRA_MCP_UPSTREAM_TIMEOUT",
       "seconds one request to the zone or Jira may take in all (default 10 zone, 30 Jira)");
  line("(environment only)", "KEYCARD_CLIENT_SECRET", "this server's client secret in the zone");
  line("(environment only)", "KEYCARD_CLIENT_SECRET_FILE", "file holding the client secret");
  line("(environment only)", "KEYCARD_SUBJECT_TOKEN", "stdio: the user's Keycard token itself");
  line("--help", "", "print this text");
  line("--version", "", "print the version");
  return text;
}

}  // namespace app
