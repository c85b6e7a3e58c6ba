// Runtime: every long-lived object of a serving process, built from Settings in dependency
// order and destroyed in reverse.
#pragma once

#include <memory>

#include "app/settings.h"
#include "auth/exchanging_broker.h"
#include "auth/subject_source.h"
#include "auth/token_exchange.h"
#include "auth/zone_metadata.h"
#include "core/httplib_client.h"
#include "mcp/http_transport.h"
#include "mcp/server.h"
#include "tools/jira_client.h"

namespace app {

struct Runtime {
  std::shared_ptr<core::HttpClient> http;
  std::unique_ptr<auth::ZoneMetadataCache> zone;
  std::unique_ptr<auth::TokenExchangeClient> exchange;
  std::unique_ptr<auth::SubjectTokenSource> subject;  // stdio and --auth none; else null
  std::shared_ptr<auth::ExchangingTokenBroker> broker;
  std::shared_ptr<tools::JiraClient> jira;
  std::shared_ptr<mcp::ToolRegistry> registry;
  std::unique_ptr<mcp::Server> server;
};

// Builds the runtime. Needs no credentials: tools/list works with none configured, and a missing
// zone, client or subject token becomes a tool error that says what to set. Fails only for
// settings that can never work (an unknown tool or toolset name, for example).
core::Result<std::unique_ptr<Runtime>> BuildRuntime(const Settings& settings);

// The HTTP transport's options; `settings` and `runtime` must outlive them. With --auth keycard
// this discovers the zone (its JWKS) and fails when the zone's metadata can never be used; a zone
// that cannot be reached yet is asked again on later requests (see BearerAuthenticator). With
// --auth none the subject comes from the stdio sources.
core::Result<mcp::HttpTransport::Options> HttpOptions(const Settings& settings, Runtime& runtime);

}  // namespace app
