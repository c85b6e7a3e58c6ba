#include "mcp/http_rules.h"

#include <gtest/gtest.h>

#include "mcp/server.h"

namespace mcp {
namespace {

Message ModernMessage(const std::string& method, Json params = Json::object()) {
  params["_meta"] = {{kMetaProtocolVersion, kModernVersion}};
  return Message{.kind = Message::Kind::kRequest, .id = 1, .method = method, .params = params};
}

TEST(AcceptsMediaType, MatchesExactTypesAndWildcards) {
  EXPECT_TRUE(AcceptsMediaType("application/json, text/event-stream", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType("Application/JSON;q=0.9", "application/json"));
  EXPECT_TRUE(AcceptsMediaType("*/*", "text/event-stream"));
  EXPECT_TRUE(AcceptsMediaType("text/*", "text/event-stream"));
}

TEST(AcceptsMediaType, RefusesOtherTypesAndZeroQuality) {
  EXPECT_FALSE(AcceptsMediaType("application/json", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("text/html, application/*", "text/event-stream"));
  EXPECT_FALSE(AcceptsMediaType("application/json;q=0, */*;q=0.0", "application/json"));
  EXPECT_FALSE(AcceptsMediaType("", "application/json"));
}

TEST(IsJsonContentType, AllowsParametersOnly) {
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
}

TEST(DecodeMcpHeaderValue, DecodesTheBase64Sentinel) {
  EXPECT_EQ(DecodeMcpHeaderValue("get_weather"), "get_weather");
  EXPECT_EQ(DecodeMcpHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?="), "Hello, \u4e16\u754c");
  EXPECT_EQ(DecodeMcpHeaderValue("=?base64?not base64?="), std::nullopt);
  EXPECT_EQ(DecodeMcpHeaderValue("line\nbreak"), std::nullopt);
}

TEST(ModernHeaderMismatch, AcceptsMatchingHeaders) {
  const Message message = ModernMessage("tools/call", {{"name", "echo"}});

  EXPECT_EQ(ModernHeaderMismatch(message, {kModernVersion, "tools/call", "echo"}), std::nullopt);
  EXPECT_EQ(ModernHeaderMismatch(message, {kModernVersion, "tools/call", "=?base64?ZWNobw==?="}),
            std::nullopt);
}

TEST(ModernHeaderMismatch, NamesEachMissingOrDifferentHeader) {
  const Message call = ModernMessage("tools/call", {{"name", "echo"}});
  const Message read = ModernMessage("resources/read", {{"uri", "file:///a"}});

  EXPECT_NE(ModernHeaderMismatch(call, {std::nullopt, "tools/call", "echo"}), std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(call, {"2025-11-25", "tools/call", "echo"}), std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(call, {kModernVersion, std::nullopt, "echo"}), std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(call, {kModernVersion, "tools/list", "echo"}), std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(call, {kModernVersion, "tools/call", std::nullopt}), std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(call, {kModernVersion, "tools/call", "ECHO"}), std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(read, {kModernVersion, "resources/read", "file:///b"}),
            std::nullopt);
}

TEST(ModernHeaderMismatch, NeedsNoNameForOtherMethods) {
  EXPECT_EQ(ModernHeaderMismatch(ModernMessage("tools/list"), {kModernVersion, "tools/list", {}}),
            std::nullopt);
  EXPECT_NE(ModernHeaderMismatch(ModernMessage("tools/call"), {kModernVersion, "tools/call", "x"}),
            std::nullopt);
}

TEST(BearerToken, TakesTheTokenOfTheBearerSchemeOnly) {
  EXPECT_EQ(BearerToken("Bearer abc.DEF-_~+/=="), "abc.DEF-_~+/==");
  EXPECT_EQ(BearerToken("bearer  tok"), "tok");
  EXPECT_EQ(BearerToken("Basic dXNlcjpwdw=="), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer two words"), std::nullopt);
}

TEST(ResourceMetadataUrl, InsertsTheWellKnownPathBeforeTheResourcePath) {
  EXPECT_EQ(ResourceMetadataUrl(core::ParseUrl("https://mcp.example.test/mcp").value()),
            "https://mcp.example.test/.well-known/oauth-protected-resource/mcp");
  EXPECT_EQ(ResourceMetadataUrl(core::ParseUrl("https://mcp.example.test/mcp/").value()),
            "https://mcp.example.test/.well-known/oauth-protected-resource/mcp/");
  EXPECT_EQ(ResourceMetadataUrl(core::ParseUrl("https://mcp.example.test").value()),
            "https://mcp.example.test/.well-known/oauth-protected-resource");
  EXPECT_EQ(ResourceMetadataUrl(core::ParseUrl("http://127.0.0.1:8080/").value()),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource");
}

TEST(FormatBearerChallenge, ListsTheGivenParametersAndDropsQuotes) {
  EXPECT_EQ(FormatBearerChallenge({.resource_metadata = "https://h/.well-known/x"}),
            R"(Bearer resource_metadata="https://h/.well-known/x")");
  EXPECT_EQ(FormatBearerChallenge({.resource_metadata = "https://h/m",
                                   .error = "insufficient_scope",
                                   .error_description = "needs \"more\"\n",
                                   .scope = "a b"}),
            R"(Bearer error="insufficient_scope", error_description="needs more", scope="a b", )"
            R"(resource_metadata="https://h/m")");
}

TEST(HostPolicy, DefaultsAllowLoopbackAtThePortAndThePublicUrl) {
  const HostPolicy policy = HostPolicy::Defaults(
      8123, core::ParseUrl("https://mcp.example.test/mcp").value(), {"extra.test"}, {});

  EXPECT_TRUE(policy.AllowsHost("localhost:8123"));
  EXPECT_TRUE(policy.AllowsHost("127.0.0.1:8123"));
  EXPECT_TRUE(policy.AllowsHost("[::1]:8123"));
  EXPECT_TRUE(policy.AllowsHost("MCP.example.test"));
  EXPECT_TRUE(policy.AllowsHost("mcp.example.test:443"));
  EXPECT_TRUE(policy.AllowsHost("extra.test"));
  EXPECT_TRUE(policy.AllowsOrigin("http://localhost:8123"));
  EXPECT_TRUE(policy.AllowsOrigin("https://mcp.example.test"));
}

TEST(HostPolicy, RefusesOtherPortsHostsAndOrigins) {
  const HostPolicy policy =
      HostPolicy::Defaults(8123, core::ParseUrl("http://127.0.0.1:8123/mcp").value(), {}, {});

  EXPECT_FALSE(policy.AllowsHost("localhost:8124"));
  EXPECT_FALSE(policy.AllowsHost("localhost"));
  EXPECT_FALSE(policy.AllowsHost("evil.example:8123"));
  EXPECT_FALSE(policy.AllowsHost(""));
  EXPECT_FALSE(policy.AllowsOrigin("http://evil.example"));
  EXPECT_FALSE(policy.AllowsOrigin("null"));
  EXPECT_FALSE(policy.AllowsOrigin("https://localhost:8123"));
}

}  // namespace
}  // namespace mcp
