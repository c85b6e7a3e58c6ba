#include "app/runtime.h"

#include "app/bearer_authenticator.h"
#include "auth/jwt_verifier.h"
#include "core/clock.h"
#include "tools/jira_tools.h"

#ifndef JIRA_MCP_VERSION
#define JIRA_MCP_VERSION "0.0.0"
#endif

namespace app {
namespace {

constexpr const char* kInstructions =
    "Jira Cloud tools that act as the signed-in user. Find issues with search_issues (JQL), "
    "read one with get_issue, and ask only for the fields you need.";

// The subject token source a process without bearer tokens uses, in order of precedence: the
// token itself, a file, a command.
std::unique_ptr<auth::SubjectTokenSource> MakeSubjectSource(const Settings& settings) {
  if (!settings.subject_token.empty()) {
    return std::make_unique<auth::EnvSubjectTokenSource>(
        "KEYCARD_SUBJECT_TOKEN", std::optional<std::string>(settings.subject_token.Reveal()));
  }
  if (!settings.subject_token_file.empty()) {
    return std::make_unique<auth::FileSubjectTokenSource>(
        auth::FileSubjectTokenSource::Options{.path = settings.subject_token_file});
  }
  if (!settings.subject_token_command.empty()) {
    return std::make_unique<auth::CommandSubjectTokenSource>(
        core::SystemClock::Instance(),
        auth::CommandSubjectTokenSource::Options{.command = settings.subject_token_command});
  }
  return std::make_unique<auth::EnvSubjectTokenSource>("KEYCARD_SUBJECT_TOKEN", std::nullopt);
}

// Bearer tokens are Keycard JWTs, verified locally against the JWKS the zone's metadata names.
core::Result<std::unique_ptr<auth::JwksVerifier>> MakeVerifier(const Settings& settings,
                                                               Runtime& runtime) {
  auto zone = runtime.zone->Get();
  if (!zone.ok()) {
    return zone.status().WithContext("reading the Keycard zone's metadata");
  }
  const std::optional<std::string> jwks_uri = zone->jwks_uri;
  if (!jwks_uri.has_value()) {
    return core::Status(core::Code::kFailedPrecondition,
                        "the Keycard zone's metadata names no jwks_uri, so bearer tokens cannot "
                        "be verified; check KEYCARD_ZONE_URL");
  }
  auth::JwksSource::Options jwks{.uri = jwks_uri.value()};
  jwks.timeout = settings.upstream_timeout.value_or(jwks.timeout);
  return auth::JwksVerifier::Create({.issuer = settings.keycard_zone_url,
                                     .resource_url = settings.public_url,
                                     .resource_aliases = settings.resource_aliases,
                                     .jwks = jwks},
                                    *runtime.http, core::SystemClock::Instance());
}

}  // namespace

core::Result<mcp::HttpTransport::Options> HttpOptions(const Settings& settings, Runtime& runtime) {
  mcp::HttpTransport::Options options;
  options.host = settings.host;
  options.port = settings.port;
  options.public_url = settings.public_url;
  options.allowed_hosts = settings.allowed_hosts;
  options.allowed_origins = settings.allowed_origins;
  options.resource_name = "Jira (jira-mcp)";
  if (settings.auth == "none") {
    // One person on this machine: every request acts as the stdio subject.
    options.local_principal = [] { return core::Principal{}; };
    return options;
  }
  auto authenticator = std::make_shared<BearerAuthenticator>(
      [&settings, &runtime] { return MakeVerifier(settings, runtime); },
      core::SystemClock::Instance());
  if (auto status = authenticator->Prepare(); !status.ok()) {
    return status;
  }
  options.authenticator = std::move(authenticator);
  options.authorization_server = settings.keycard_zone_url;
  return options;
}

core::Result<std::unique_ptr<Runtime>> BuildRuntime(const Settings& settings) {
  auto runtime = std::make_unique<Runtime>();
  const core::Clock& clock = core::SystemClock::Instance();
  runtime->http = std::make_shared<core::HttplibClient>(
      core::HttplibClient::Options{.ca_bundle = settings.ca_bundle});
  auth::ZoneMetadataCache::Options zone{.zone_url = settings.keycard_zone_url};
  zone.timeout = settings.upstream_timeout.value_or(zone.timeout);
  runtime->zone = std::make_unique<auth::ZoneMetadataCache>(*runtime->http, clock, zone);
  auth::TokenExchangeClient::Options exchange{.client_id = settings.keycard_client_id,
                                              .client_secret = settings.keycard_client_secret};
  exchange.timeout = settings.upstream_timeout.value_or(exchange.timeout);
  runtime->exchange =
      std::make_unique<auth::TokenExchangeClient>(*runtime->http, *runtime->zone, exchange);

  // Over HTTP with Keycard, the subject is the verified bearer token of each request.
  const bool bearer_subjects = settings.transport == "http" && settings.auth == "keycard";
  if (!bearer_subjects) {
    runtime->subject = MakeSubjectSource(settings);
  }
  runtime->broker = std::make_shared<auth::ExchangingTokenBroker>(
      *runtime->exchange, runtime->subject.get(), clock, auth::ExchangingTokenBroker::Options{});

  tools::JiraClientOptions jira{.api_base_url = settings.atlassian_api_url,
                                .site = settings.jira_site};
  if (runtime->subject) {
    // A source without a usable token fails the call here, so the broker does not read it again
    // in the same call (a failing or hanging command would run twice).
    jira.local_subject = [source = runtime->subject.get()] {
      return auth::LocalSubjectKey(*source);
    };
  }
  jira.timeout = settings.upstream_timeout.value_or(jira.timeout);
  runtime->jira = std::make_shared<tools::JiraClient>(runtime->http, runtime->broker, jira);
  runtime->registry = std::make_shared<mcp::ToolRegistry>();
  const tools::ToolSelection selection{
      .toolsets = settings.toolsets, .tools = settings.tools, .read_only = settings.read_only};
  if (auto status = tools::RegisterJiraTools(*runtime->registry, runtime->jira, selection);
      !status.ok()) {
    return status;
  }
  runtime->server = std::make_unique<mcp::Server>(
      mcp::ServerInfo{.version = JIRA_MCP_VERSION, .instructions = kInstructions},
      runtime->registry);
  return runtime;
}

}  // namespace app
