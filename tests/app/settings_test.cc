#include "app/settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/fakes/temp_dir.h"

namespace app {
namespace {

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(ParseSettings, DefaultsFollowTheDesign) {
  auto settings = ParseSettings({}, Env({}));

  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->transport, "stdio");
  EXPECT_EQ(settings->host, "127.0.0.1");
  EXPECT_EQ(settings->port, 8080);
  EXPECT_EQ(settings->auth, "keycard");
  EXPECT_EQ(settings->atlassian_api_url, "https://api.atlassian.com");
  EXPECT_FALSE(settings->read_only);
}

TEST(ParseSettings, FlagsWinOverEnvironment) {
  auto settings = ParseSettings({"--port", "0", "--jira-site=acme", "--read-only"},
                                Env({{"JIRA_MCP_PORT", "9000"},
                                     {"JIRA_SITE", "other"},
                                     {"JIRA_MCP_TOOLS", "get_issue, search_issues"}}));

  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->port, 0);
  EXPECT_EQ(settings->jira_site, "acme");
  EXPECT_TRUE(settings->read_only);
  EXPECT_EQ(settings->tools, (std::vector<std::string>{"get_issue", "search_issues"}));
}

TEST(ParseSettings, SecretsComeFromEnvironmentOnly) {
  auto from_env = ParseSettings(
      {}, Env({{"KEYCARD_CLIENT_SECRET", "s3cret"}, {"KEYCARD_SUBJECT_TOKEN", "tok"}}));
  auto from_flag = ParseSettings({"--keycard-client-secret", "s3cret"}, Env({}));

  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->keycard_client_secret.Reveal(), "s3cret");
  EXPECT_EQ(from_env->subject_token.Reveal(), "tok");
  ASSERT_FALSE(from_flag.ok());
  EXPECT_NE(from_flag.status().message().find("KEYCARD_CLIENT_SECRET"), std::string::npos);
  EXPECT_EQ(from_flag.status().message().find("s3cret"), std::string::npos);
}

TEST(ParseSettings, TwoClientSecretSourcesAreRefusedNamingBoth) {
  const fakes::TempDir dir;
  const std::string path = dir.File("secret");
  std::ofstream(path) << "from-file\n";

  auto both = ParseSettings(
      {}, Env({{"KEYCARD_CLIENT_SECRET", "inline"}, {"KEYCARD_CLIENT_SECRET_FILE", path}}));
  auto file_only = ParseSettings({}, Env({{"KEYCARD_CLIENT_SECRET_FILE", path}}));
  auto empty_inline =
      ParseSettings({}, Env({{"KEYCARD_CLIENT_SECRET", ""}, {"KEYCARD_CLIENT_SECRET_FILE", path}}));

  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("KEYCARD_CLIENT_SECRET and KEYCARD_CLIENT_SECRET_FILE"),
            std::string::npos)
      << both.status().message();
  EXPECT_EQ(both.status().message().find("inline"), std::string::npos);
  ASSERT_TRUE(file_only.ok()) << file_only.status().message();
  EXPECT_EQ(file_only->keycard_client_secret.Reveal(), "from-file");
  ASSERT_TRUE(empty_inline.ok()) << empty_inline.status().message();
  EXPECT_EQ(empty_inline->keycard_client_secret.Reveal(), "from-file");
}

TEST(ParseSettings, ABadValueIsReportedUnderTheNameItWasGivenBy) {
  struct Case {
    std::string env_name;
    std::string value;
    std::string flag;
  };
  for (const Case& c : std::vector<Case>{{"JIRA_MCP_PORT", "abc", "--port"},
                                         {"JIRA_MCP_PORT", "70000", "--port"},
                                         {"JIRA_MCP_TRANSPORT", "pipe", "--transport"},
                                         {"JIRA_MCP_READ_ONLY", "maybe", "--read-only"},
                                         {"JIRA_MCP_UPSTREAM_TIMEOUT", "0", "--upstream-timeout"},
                                         {"ATLASSIAN_API_URL", "ftp://x", "--atlassian-api-url"}}) {
    auto from_env = ParseSettings({}, Env({{c.env_name, c.value}}));
    auto from_flag = ParseSettings({c.flag + "=" + c.value}, Env({}));

    ASSERT_FALSE(from_env.ok()) << c.env_name;
    EXPECT_EQ(from_env.status().message().rfind(c.env_name, 0), 0u) << from_env.status().message();
    ASSERT_FALSE(from_flag.ok()) << c.flag;
    EXPECT_EQ(from_flag.status().message().rfind(c.flag, 0), 0u) << from_flag.status().message();
  }
}

TEST(ParseSettings, UpstreamTimeoutInSecondsFromFlagOrEnvironment) {
  auto unset = ParseSettings({}, Env({}));
  auto from_env = ParseSettings({}, Env({{"JIRA_MCP_UPSTREAM_TIMEOUT", "2.5"}}));
  auto from_flag = ParseSettings({"--upstream-timeout", "7"}, Env({}));

  ASSERT_TRUE(unset.ok() && from_env.ok() && from_flag.ok());
  EXPECT_FALSE(unset->upstream_timeout.has_value());
  EXPECT_EQ(from_env->upstream_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(from_flag->upstream_timeout, std::chrono::milliseconds(7000));
  for (const char* bad : {"0", "-1", "601", "soon", "5s", ""}) {
    auto parsed = ParseSettings({std::string("--upstream-timeout=") + bad}, Env({}));
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("seconds"), std::string::npos) << bad;
  }
}

TEST(ParseSettings, RejectsBadValuesWithTheFix) {
  EXPECT_NE(ParseSettings({"--transport", "carrier-pigeon"}, Env({}))
                .status()
                .message()
                .find("stdio or http"),
            std::string::npos);
  EXPECT_NE(ParseSettings({"--port", "80x"}, Env({})).status().message().find("number"),
            std::string::npos);
  EXPECT_NE(ParseSettings({"--log-level", "loud"}, Env({})).status().message().find("trace"),
            std::string::npos);
  EXPECT_NE(ParseSettings({"--bogus"}, Env({})).status().message().find("unknown option --bogus"),
            std::string::npos);
  EXPECT_NE(ParseSettings({"--host"}, Env({})).status().message().find("needs a value"),
            std::string::npos);
  EXPECT_FALSE(ParseSettings({}, Env({{"JIRA_MCP_READ_ONLY", "maybe"}})).ok());
}

// F8: a subject-token flag beats every environment variable, whichever it is.
TEST(ParseSettings, SubjectTokenFlagBeatsEveryEnvironmentVariable) {
  auto settings = ParseSettings({"--subject-token-file", "alice.jwt"},
                                Env({{"KEYCARD_SUBJECT_TOKEN", "bob-token"},
                                     {"KEYCARD_SUBJECT_TOKEN_COMMAND", "print-carol"}}));

  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_EQ(settings->subject_token_file, "alice.jwt");
  EXPECT_TRUE(settings->subject_token.empty());
  EXPECT_TRUE(settings->subject_token_command.empty());
}

TEST(ParseSettings, TwoSubjectTokenSourcesAtOneLevelAreRefusedNamingBoth) {
  auto two_flags = ParseSettings(
      {"--subject-token-file", "alice.jwt", "--subject-token-command", "print-bob"}, Env({}));
  auto two_env = ParseSettings(
      {}, Env({{"KEYCARD_SUBJECT_TOKEN", "bob-token"}, {"KEYCARD_SUBJECT_TOKEN_FILE", "a.jwt"}}));
  auto one_env = ParseSettings({}, Env({{"KEYCARD_SUBJECT_TOKEN_COMMAND", "print-bob"}}));

  ASSERT_FALSE(two_flags.ok());
  EXPECT_NE(two_flags.status().message().find("--subject-token-file"), std::string::npos);
  EXPECT_NE(two_flags.status().message().find("--subject-token-command"), std::string::npos);
  ASSERT_FALSE(two_env.ok());
  EXPECT_NE(two_env.status().message().find("KEYCARD_SUBJECT_TOKEN and"), std::string::npos);
  EXPECT_NE(two_env.status().message().find("KEYCARD_SUBJECT_TOKEN_FILE"), std::string::npos);
  EXPECT_EQ(two_env.status().message().find("bob-token"), std::string::npos);
  ASSERT_TRUE(one_env.ok());
  EXPECT_EQ(one_env->subject_token_command, "print-bob");
}

// F11: settings that can never work stop the server at start, naming the setting.
TEST(ParseSettings, BadUrlsStopTheStartNamingTheSetting) {
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--keycard-zone-url", "not-a-url"},
                                                        {"--keycard-zone-url", "ftp://x"},
                                                        {"--atlassian-api-url", "::bad"},
                                                        {"--public-url", "mcp.example.com/mcp"}}) {
    auto parsed = ParseSettings({flag, value}, Env({}));

    ASSERT_FALSE(parsed.ok()) << flag << " " << value;
    EXPECT_NE(parsed.status().message().find(flag), std::string::npos) << value;
  }
  EXPECT_TRUE(ParseSettings({"--keycard-zone-url", "http://127.0.0.1:9/zone"}, Env({})).ok());
}

TEST(ParseSettings, UnreadableCaBundleStopsTheStart) {
  const fakes::TempDir dir;
  std::ofstream(dir.File("ca.pem")) << "-----BEGIN CERTIFICATE-----\n";

  auto missing = ParseSettings({"--ca-bundle", dir.File("nonexistent.pem")}, Env({}));
  auto folder = ParseSettings({}, Env({{"JIRA_MCP_CA_BUNDLE", dir.path().string()}}));
  auto present = ParseSettings({"--ca-bundle", dir.File("ca.pem")}, Env({}));

  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--ca-bundle"), std::string::npos);
  EXPECT_FALSE(folder.ok());
  EXPECT_TRUE(present.ok());
}

TEST(ParseSettings, ExplicitlyEmptyToolsetsIsAnError) {
  auto from_flag = ParseSettings({"--toolsets", ""}, Env({}));
  auto commas = ParseSettings({"--toolsets= , "}, Env({}));
  auto left_out = ParseSettings({}, Env({}));

  ASSERT_FALSE(from_flag.ok());
  EXPECT_NE(from_flag.status().message().find("no toolsets"), std::string::npos);
  EXPECT_FALSE(commas.ok());
  ASSERT_TRUE(left_out.ok());
  EXPECT_TRUE(left_out->toolsets.empty());
}

// Hosts often write "VAR": "" for a setting they leave out: every empty variable is unset.
TEST(ParseSettings, AnEmptyEnvironmentVariableIsUnset) {
  const std::vector<std::string> names = {"JIRA_MCP_TRANSPORT",
                                          "JIRA_MCP_HOST",
                                          "JIRA_MCP_PORT",
                                          "JIRA_MCP_AUTH",
                                          "JIRA_MCP_PUBLIC_URL",
                                          "JIRA_MCP_RESOURCE_ALIASES",
                                          "JIRA_MCP_ALLOWED_HOSTS",
                                          "JIRA_MCP_ALLOWED_ORIGINS",
                                          "KEYCARD_ZONE_URL",
                                          "KEYCARD_CLIENT_ID",
                                          "KEYCARD_CLIENT_SECRET",
                                          "KEYCARD_CLIENT_SECRET_FILE",
                                          "ATLASSIAN_API_URL",
                                          "JIRA_SITE",
                                          "KEYCARD_SUBJECT_TOKEN",
                                          "KEYCARD_SUBJECT_TOKEN_FILE",
                                          "KEYCARD_SUBJECT_TOKEN_COMMAND",
                                          "JIRA_MCP_TOOLSETS",
                                          "JIRA_MCP_TOOLS",
                                          "JIRA_MCP_READ_ONLY",
                                          "JIRA_MCP_LOG_LEVEL",
                                          "JIRA_MCP_CA_BUNDLE",
                                          "JIRA_MCP_UPSTREAM_TIMEOUT"};
  std::map<std::string, std::string> all_empty;
  for (const auto& name : names) {
    all_empty[name] = "";
  }

  auto together = ParseSettings({}, Env(all_empty));

  ASSERT_TRUE(together.ok()) << together.status().message();
  EXPECT_EQ(together->transport, "stdio");
  EXPECT_EQ(together->host, "127.0.0.1");
  EXPECT_EQ(together->port, 8080);
  EXPECT_EQ(together->auth, "keycard");
  EXPECT_EQ(together->atlassian_api_url, "https://api.atlassian.com");
  EXPECT_EQ(together->log_level, "info");
  EXPECT_TRUE(together->toolsets.empty());
  EXPECT_FALSE(together->upstream_timeout.has_value());
  EXPECT_FALSE(together->read_only);
  for (const auto& name : names) {
    auto alone = ParseSettings({}, Env({{name, ""}}));

    EXPECT_TRUE(alone.ok()) << name << ": " << alone.status().message();
  }
}

TEST(ParseSettings, AnEmptyFlagValueIsStillAnError) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--toolsets", ""},
                                             {"--transport="},
                                             {"--auth", ""},
                                             {"--port="},
                                             {"--log-level", ""},
                                             {"--upstream-timeout="}}) {
    auto parsed = ParseSettings(args, Env({}));

    EXPECT_FALSE(parsed.ok()) << args.front();
  }
}

// An empty variable does not hide the setting's flag, nor another variable of the same secret.
TEST(ParseSettings, AnEmptyVariableLeavesTheOtherSourcesToAnswer) {
  auto flag = ParseSettings({"--toolsets", "links"}, Env({{"JIRA_MCP_TOOLSETS", ""}}));
  auto file = ParseSettings(
      {}, Env({{"KEYCARD_SUBJECT_TOKEN", ""}, {"KEYCARD_SUBJECT_TOKEN_FILE", "alice.jwt"}}));

  ASSERT_TRUE(flag.ok()) << flag.status().message();
  EXPECT_EQ(flag->toolsets, std::vector<std::string>{"links"});
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->subject_token_file, "alice.jwt");
}

// F13: --help anywhere wins over settings that would not start.
TEST(ParseSettings, HelpAnywhereWins) {
  auto settings = ParseSettings({"--transport", "http", "--help"}, Env({}));
  auto after_bad = ParseSettings({"--bogus", "-h"}, Env({}));

  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_TRUE(settings->show_help);
  ASSERT_TRUE(after_bad.ok());
  EXPECT_TRUE(after_bad->show_help);
}

TEST(HelpText, ListsSubcommandsAndToolsetsWithTheDefaultsMarked) {
  const std::string help = HelpText();

  EXPECT_NE(help.find("jira-mcp demo"), std::string::npos);
  EXPECT_NE(help.find("jira-mcp sandbox"), std::string::npos);
  EXPECT_NE(help.find("search*"), std::string::npos);
  EXPECT_NE(help.find("issues*"), std::string::npos);
  EXPECT_NE(help.find("agile,"), std::string::npos);  // not a default: no mark
  EXPECT_EQ(help.find("agile*"), std::string::npos);
}

TEST(HelpText, NoLineEndsInSpaces) {
  const std::string help = HelpText();

  EXPECT_EQ(help.find(" \n"), std::string::npos);
}

TEST(HelpText, NamesEveryFixedSetting) {
  const std::string help = HelpText();

  for (const char* name :
       {"--transport", "--host", "--port", "--auth", "--public-url", "--keycard-zone-url",
        "KEYCARD_CLIENT_ID", "KEYCARD_CLIENT_SECRET", "KEYCARD_CLIENT_SECRET_FILE",
        "--atlassian-api-url", "--jira-site", "--subject-token-file", "--subject-token-command",
        "KEYCARD_SUBJECT_TOKEN", "--toolsets", "--tools", "--read-only", "--log-level"}) {
    EXPECT_NE(help.find(name), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace app
