// Streamable HTTP as an OAuth protected resource: RFC 9728 metadata, bearer challenges, the
// order of checks, CORS, and the Host/Origin allow-list.
#include <gtest/gtest.h>

#include "tests/mcp_http/http_harness.h"

namespace mcp::testing {
namespace {

constexpr const char* kListTools = R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})";

HttpTransport::Options WithPublicUrl(const std::string& url) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.public_url = url;
  return options;
}

// C19: `resource` is the configured URL exactly, at both well-known forms, without a token.
TEST(ProtectedResourceMetadata, ServesTheConfiguredResourceAtBothWellKnownForms) {
  HttpHarness harness(WithPublicUrl("https://mcp.example.test/mcp/"));

  const Reply root = harness.Send("GET", "/.well-known/oauth-protected-resource", {});
  const Reply at_path = harness.Send("GET", "/.well-known/oauth-protected-resource/mcp", {});
  const Reply with_slash = harness.Send("GET", "/.well-known/oauth-protected-resource/mcp/", {});

  for (const Reply* reply : {&root, &at_path, &with_slash}) {
    ASSERT_EQ(reply->status, 200);
    const Json metadata = reply->json();
    EXPECT_EQ(metadata["resource"], "https://mcp.example.test/mcp/");
    EXPECT_EQ(metadata["authorization_servers"], Json::array({"https://zone.example.test"}));
    EXPECT_EQ(metadata["scopes_supported"], Json::array({"mcp:tools"}));
    EXPECT_EQ(metadata["bearer_methods_supported"], Json::array({"header"}));
  }
}

// C19: a bare origin stays a bare origin, and the request's Host changes nothing.
TEST(ProtectedResourceMetadata, KeepsABareOriginAndIgnoresTheHostHeader) {
  HttpTransport::Options options = WithPublicUrl("https://mcp.example.test");
  options.allowed_hosts = {"other.example.test"};
  HttpHarness harness(options);

  const Reply reply = harness.Send("GET", "/.well-known/oauth-protected-resource",
                                   {{"Host", "other.example.test"}});
  const Reply challenge =
      harness.Send("POST", "/mcp", {{"Host", "other.example.test"}}, kListTools);

  EXPECT_EQ(reply.json()["resource"], "https://mcp.example.test");
  EXPECT_EQ(challenge.Header("WWW-Authenticate"),
            R"(Bearer scope="mcp:tools", )"
            R"(resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource")");
}

TEST(ProtectedResourceMetadata, DefaultsToTheBoundLoopbackUrl) {
  HttpHarness harness;

  const Reply reply = harness.Send("GET", "/.well-known/oauth-protected-resource/mcp", {});

  EXPECT_EQ(reply.json()["resource"], harness.Url());
  EXPECT_EQ(harness.transport().public_url(), harness.Url());
}

// F15: `scopes_supported` names what the challenges ask for when nothing else is configured.
TEST(ProtectedResourceMetadata, ScopesSupportedDefaultsToTheRequiredScopes) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.scopes_supported.clear();
  HttpHarness harness(options);

  const Reply reply = harness.Send("GET", "/.well-known/oauth-protected-resource/mcp", {});

  EXPECT_EQ(reply.json()["scopes_supported"], Json::array({"mcp:tools"}));
}

// F15: a resource that needs no scope says so with an empty list (clients then ask for none).
TEST(ProtectedResourceMetadata, ScopesSupportedIsEmptyWhenNoScopeIsNeeded) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.scopes_supported.clear();
  options.required_scopes.clear();
  HttpHarness harness(options);

  const Reply reply = harness.Send("GET", "/.well-known/oauth-protected-resource/mcp", {});
  const Reply challenge = harness.Send("POST", "/mcp", {}, kListTools);

  EXPECT_EQ(reply.json()["scopes_supported"], Json::array());
  EXPECT_EQ(challenge.Header("WWW-Authenticate").find("scope="), std::string::npos);
}

// F14 (C19): the endpoint answers at the public URL's path exactly as configured, and at the
// local path too (a proxy may map one onto the other).
TEST(McpEndpoint, IsServedAtThePublicUrlsPathWithItsTrailingSlash) {
  HttpHarness harness(WithPublicUrl("https://mcp.example.test/mcp/"));
  httplib::Headers headers = HttpHarness::Auth();
  headers.emplace("Accept", kBothTypes);

  const Reply at_public_path = harness.Send("POST", "/mcp/", headers, InitializeBody());
  const Reply at_local_path = harness.Send("POST", "/mcp", headers, InitializeBody());
  const Reply elsewhere = harness.Send("POST", "/mcp/x", headers, InitializeBody());
  const Reply no_token = harness.Send("POST", "/mcp/", {{"Accept", kBothTypes}}, kListTools);

  EXPECT_EQ(at_public_path.status, 200) << at_public_path.body;
  EXPECT_EQ(at_local_path.status, 200);
  EXPECT_EQ(elsewhere.status, 404);
  EXPECT_EQ(no_token.status, 401);
}

// F14 (C19): a bare-origin resource is the origin's root, so that is where clients post.
TEST(McpEndpoint, ABareOriginIsServedAtTheRoot) {
  HttpHarness harness(WithPublicUrl("https://mcp.example.test"));
  httplib::Headers headers = HttpHarness::Auth();
  headers.emplace("Accept", kBothTypes);

  const Reply at_root = harness.Send("POST", "/", headers, InitializeBody());
  const Reply at_local_path = harness.Send("POST", "/mcp", headers, InitializeBody());

  EXPECT_EQ(at_root.status, 200) << at_root.body;
  EXPECT_EQ(at_local_path.status, 200);
}

// C20: no token is 401 before any 400/404/405/406/413/415 decision, with an absolute URL.
TEST(BearerChallenge, MissingTokenIsAnsweredFirstWithAbsoluteMetadataUrl) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.max_body_bytes = 16;
  HttpHarness harness(options);
  const std::string expected = R"(Bearer scope="mcp:tools", resource_metadata=")" +
                               harness.Url("/.well-known/oauth-protected-resource/mcp") + "\"";

  const std::vector<Reply> replies = {
      harness.Send("POST", "/mcp", {{"Accept", kBothTypes}}, kListTools),            // would be 400
      harness.Send("POST", "/mcp", {{"Accept", "text/html"}}, kListTools),           // would be 406
      harness.Send("POST", "/mcp", {{"Accept", kBothTypes}}, "x", "text/plain"),     // 415
      harness.Send("POST", "/mcp", {{"Accept", kBothTypes}}, std::string(64, ' ')),  // 413
      harness.Send("POST", "/mcp", {{"Mcp-Session-Id", "stale"}}, kListTools),       // would be 404
      harness.Send("GET", "/mcp", {}),                                               // would be 405
      harness.Send("DELETE", "/mcp", {{"Mcp-Session-Id", "stale"}}),                 // would be 404
      harness.Send("PUT", "/mcp", {}, "{}"),                                         // would be 405
  };

  for (const Reply& reply : replies) {
    EXPECT_EQ(reply.status, 401) << reply.body;
    EXPECT_EQ(reply.Header("WWW-Authenticate"), expected);
  }
}

TEST(BearerChallenge, BadTokenGetsInvalidTokenError) {
  HttpHarness harness;

  const Reply forged = harness.Post(kListTools, {}, "forged-token");
  const Reply basic = harness.Send(
      "POST", "/mcp", {{"Authorization", "Basic dTpw"}, {"Accept", kBothTypes}}, kListTools);

  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(forged.Header("WWW-Authenticate"),
            R"(Bearer error="invalid_token", error_description="invalid token", )"
            R"(scope="mcp:tools", resource_metadata=")" +
                harness.Url("/.well-known/oauth-protected-resource/mcp") + "\"");
  EXPECT_EQ(basic.status, 401);
  EXPECT_NE(basic.Header("WWW-Authenticate").find(R"(error="invalid_token")"), std::string::npos);
}

TEST(BearerChallenge, TokenInTheQueryIsNotATokenAtAll) {
  HttpHarness harness;

  const Reply reply =
      harness.Send("POST", "/mcp?access_token=alice-token", {{"Accept", kBothTypes}}, kListTools);

  EXPECT_EQ(reply.status, 401);
}

TEST(BearerChallenge, TooLittleScopeIsForbiddenWithInsufficientScope) {
  HttpHarness harness;

  const Reply reply = harness.Post(InitializeBody(), {}, "narrow-token");

  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.Header("WWW-Authenticate"),
            R"(Bearer error="insufficient_scope", error_description="the token lacks scope )"
            R"(mcp:tools", scope="mcp:tools", resource_metadata=")" +
                harness.Url("/.well-known/oauth-protected-resource/mcp") + "\"");
}

TEST(BearerChallenge, VerifierThatCannotCheckIsServiceUnavailable) {
  HttpHarness harness;

  const Reply reply = harness.Post(InitializeBody(), {}, "down-token");

  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.Header("WWW-Authenticate"), "");
}

TEST(HostAndOrigin, ForeignHostIsForbiddenBeforeAuthorization) {
  HttpHarness harness;

  const Reply reply = harness.Send("POST", "/mcp", {{"Host", "evil.example:80"}}, kListTools);
  const Reply metadata =
      harness.Send("GET", "/.well-known/oauth-protected-resource", {{"Host", "evil.example"}});

  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.Header("WWW-Authenticate"), "");
  EXPECT_EQ(reply.json()["error"]["code"], rpc::kInvalidRequest);
  EXPECT_EQ(metadata.status, 403);
}

TEST(HostAndOrigin, ForeignOriginIsForbiddenEvenWithAGoodToken) {
  HttpHarness harness;

  const Reply evil = harness.Post(InitializeBody(), {{"Origin", "http://evil.example"}});
  const Reply null_origin = harness.Post(InitializeBody(), {{"Origin", "null"}});
  const Reply other_port = harness.Post(InitializeBody(), {{"Origin", "http://localhost:1"}});

  EXPECT_EQ(evil.status, 403);
  EXPECT_EQ(null_origin.status, 403);
  EXPECT_EQ(other_port.status, 403);
}

TEST(HostAndOrigin, LoopbackNamesAtTheBoundPortAreAllowed) {
  HttpHarness harness;
  const std::string port = std::to_string(harness.port());

  const Reply localhost = harness.Post(
      InitializeBody(), {{"Host", "localhost:" + port}, {"Origin", "http://localhost:" + port}});
  const Reply ipv6 = harness.Post(InitializeBody(), {{"Host", "[::1]:" + port}});

  EXPECT_EQ(localhost.status, 200);
  EXPECT_EQ(ipv6.status, 200);
}

// C22: a browser page's preflight needs no token; answers expose the MCP headers to the page.
TEST(Cors, PreflightNeedsNoTokenAndAnswersExposeMcpHeaders) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.allowed_origins = {"https://app.example.test"};
  HttpHarness harness(options);
  const httplib::Headers origin = {{"Origin", "https://app.example.test"}};

  const Reply preflight =
      harness.Send("OPTIONS", "/mcp",
                   {{"Origin", "https://app.example.test"},
                    {"Access-Control-Request-Method", "POST"},
                    {"Access-Control-Request-Headers", "authorization, content-type, mcp-name"}});
  const Reply unauthorized = harness.Send("POST", "/mcp", origin, kListTools);
  const Reply initialized = harness.Post(InitializeBody(), origin);

  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Origin"), "https://app.example.test");
  EXPECT_NE(preflight.Header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Headers"),
            "authorization, content-type, mcp-name");
  for (const Reply* reply : {&unauthorized, &initialized}) {
    EXPECT_EQ(reply->Header("Access-Control-Allow-Origin"), "https://app.example.test");
    EXPECT_EQ(reply->Header("Access-Control-Expose-Headers"),
              "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version");
  }
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(initialized.status, 200);
  EXPECT_FALSE(initialized.Header("Mcp-Session-Id").empty());
}

TEST(Cors, PreflightFromAForeignOriginIsForbidden) {
  HttpHarness harness;

  const Reply reply = harness.Send("OPTIONS", "/mcp", {{"Origin", "https://evil.example"}});

  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.Header("Access-Control-Allow-Origin"), "");
}

TEST(SingleUserMode, ServesWithoutTokenAndPublishesNoMetadata) {
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.authenticator = nullptr;
  options.local_principal = [] { return core::Principal{.subject = "me"}; };
  HttpHarness harness(options);

  const Reply initialized =
      harness.Send("POST", "/mcp", {{"Accept", kBothTypes}}, InitializeBody());
  const Reply metadata = harness.Send("GET", "/.well-known/oauth-protected-resource/mcp", {});

  EXPECT_EQ(initialized.status, 200);
  EXPECT_EQ(metadata.status, 404);
}

TEST(SingleUserMode, RefusesToStartOnANonLoopbackAddress) {
  const Server server(ServerInfo{.version = "test"}, TestRegistry());

  for (const char* host : {"0.0.0.0", "127.example.test", "::"}) {
    HttpTransport::Options options;
    options.host = host;
    options.port = 0;
    HttpTransport transport(server, options);

    EXPECT_EQ(transport.Start().code(), core::Code::kInvalidArgument) << host;
  }
}

TEST(HttpTransportOptions, AuthorizationNeedsAnAuthorizationServer) {
  const Server server(ServerInfo{.version = "test"}, TestRegistry());
  HttpTransport::Options options = HttpHarness::DefaultOptions();
  options.authorization_server.clear();
  HttpTransport transport(server, options);

  EXPECT_EQ(transport.Start().code(), core::Code::kInvalidArgument);
}

}  // namespace
}  // namespace mcp::testing
