#include "auth/zone_metadata.h"

#include <gtest/gtest.h>

#include "tests/auth/auth_test_util.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace auth {
namespace {

using core::Code;
using testing::kMetadataUrl;
using testing::kZone;

std::string MetadataWith(const std::string& name, nlohmann::json value) {
  auto doc = nlohmann::json::parse(testing::Metadata());
  doc[name] = std::move(value);
  return doc.dump();
}

TEST(ZoneMetadataCache, DiscoversEndpointsFromTheWellKnownDocument) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  testing::ServeMetadata(http);
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone});

  const auto metadata = zone.Get();

  ASSERT_TRUE(metadata.ok()) << metadata.status().detail();
  EXPECT_EQ(metadata->issuer, kZone);
  EXPECT_EQ(metadata->token_endpoint, testing::kTokenEndpoint);
  EXPECT_EQ(metadata->jwks_uri, std::string(kZone) + "/jwks");
  EXPECT_EQ(metadata->authorization_endpoint, std::string(kZone) + "/oauth/2/authorize");
  EXPECT_EQ(metadata->scopes_supported, (std::vector<std::string>{"openid", "offline_access"}));
  EXPECT_TRUE(metadata->discovered);
  ASSERT_EQ(http.requests().size(), 1U);
  EXPECT_EQ(http.requests()[0].method, "GET");
  EXPECT_EQ(http.requests()[0].url, kMetadataUrl);
}

TEST(ZoneMetadataCache, CachesUntilTheTtlPasses) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  testing::ServeMetadata(http);
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone, .ttl = std::chrono::seconds(600)});

  ASSERT_TRUE(zone.Get().ok());
  clock.Advance(std::chrono::seconds(599));
  ASSERT_TRUE(zone.Get().ok());
  const auto before_ttl = http.requests().size();
  clock.Advance(std::chrono::seconds(2));
  ASSERT_TRUE(zone.Get().ok());

  EXPECT_EQ(before_ttl, 1U);
  EXPECT_EQ(http.requests().size(), 2U);
}

TEST(ZoneMetadataCache, RejectsAnIssuerThatDiffersOnlyByATrailingSlash) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  http.OnJson("GET", kMetadataUrl, 200, testing::Metadata(std::string(kZone) + "/"));
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone});

  const auto metadata = zone.Get();

  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(metadata.status().message().find("KEYCARD_ZONE_URL"), std::string::npos);
}

TEST(ZoneMetadataCache, RejectsAConfiguredZoneWithATrailingSlashWhenTheIssuerHasNone) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  testing::ServeMetadata(http);
  ZoneMetadataCache zone(http, clock, {.zone_url = std::string(kZone) + "/"});

  const auto metadata = zone.Get();

  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(http.requests().at(0).url, kMetadataUrl);
}

TEST(ZoneMetadataCache, RejectsJwksOnAnotherOrigin) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  http.OnJson("GET", kMetadataUrl, 200, MetadataWith("jwks_uri", "http://127.0.0.1:4011/jwks"));
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone});

  const auto metadata = zone.Get();

  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(metadata.status().detail().find("jwks_uri"), std::string::npos);
}

TEST(ZoneMetadataCache, RejectsAPlainHttpTokenEndpointForAnHttpsZone) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  const std::string zone_url = "https://localhost:8443";
  http.OnJson(
      "GET", zone_url + "/.well-known/oauth-authorization-server", 200,
      nlohmann::json{{"issuer", zone_url}, {"token_endpoint", "http://localhost:8443/t"}}.dump());
  ZoneMetadataCache zone(http, clock, {.zone_url = zone_url});

  const auto metadata = zone.Get();

  ASSERT_FALSE(metadata.ok());
  EXPECT_NE(metadata.status().detail().find("not https"), std::string::npos);
}

TEST(ZoneMetadataCache, RejectsMembersOfTheWrongType) {
  const std::vector<std::string> bodies = {
      MetadataWith("token_endpoint", 5),
      MetadataWith("jwks_uri", nlohmann::json::array()),
      MetadataWith("issuer", true),
      MetadataWith("scopes_supported", "openid"),
      MetadataWith("scopes_supported", {"openid", 7}),
      MetadataWith("authorization_endpoint", 1),
      "<html>not json</html>",
      "[]",
      R"({"issuer":"http://127.0.0.1:4010"})",
      R"({"token_endpoint":"http://127.0.0.1:4010/t"})",
  };
  for (const auto& body : bodies) {
    const auto metadata = ParseZoneMetadata(body, kZone);

    EXPECT_FALSE(metadata.ok()) << body;
  }
}

// A page that is not JSON (a proxy's, a maintenance page) may pass; metadata that is JSON but
// unusable lasts until someone fixes it, and says so instead of "retry later".
TEST(ZoneMetadataCache, TellsAPassingPageFromMetadataThatCannotWork) {
  const auto page = ParseZoneMetadata("<html>maintenance</html>", kZone);
  const auto no_endpoint = ParseZoneMetadata(R"({"issuer":"http://127.0.0.1:4010"})", kZone);

  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Code::kUnavailable);
  ASSERT_FALSE(no_endpoint.ok());
  EXPECT_EQ(no_endpoint.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(no_endpoint.status().message().find("no token_endpoint"), std::string::npos);
  EXPECT_EQ(no_endpoint.status().message().find("retry later"), std::string::npos);
}

TEST(ZoneMetadataCache, FallsBackToOauth2TokenOn404AndSaysSo) {
  testing::LogCapture logs;
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  http.OnJson("GET", kMetadataUrl, 404, "{}");
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone});

  const auto metadata = zone.Get();

  ASSERT_TRUE(metadata.ok());
  EXPECT_EQ(metadata->token_endpoint, std::string(kZone) + "/oauth/2/token");
  EXPECT_FALSE(metadata->discovered);
  EXPECT_FALSE(metadata->jwks_uri);
  EXPECT_NE(logs.Text().find("fallback token_endpoint=http://127.0.0.1:4010/oauth/2/token"),
            std::string::npos);
}

TEST(ZoneMetadataCache, DoesNotCacheAServerErrorOrFallBackOnIt) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  http.OnJson("GET", kMetadataUrl, 503, "{}");
  http.OnJson("GET", kMetadataUrl, 200, testing::Metadata());
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone});

  const auto first = zone.Get();
  const auto second = zone.Get();

  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), Code::kUnavailable);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->token_endpoint, testing::kTokenEndpoint);
}

TEST(ZoneMetadataCache, TransportFailureIsUnavailable) {
  fakes::FakeHttpClient http;  // no routes: every request fails like a refused connection
  fakes::FakeClock clock;
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone});

  const auto metadata = zone.Get();

  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().code(), Code::kUnavailable);
}

TEST(ZoneMetadataCache, KeepsHeldMetadataWhenARefreshFails) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  http.OnJson("GET", kMetadataUrl, 200, testing::Metadata());
  http.OnJson("GET", kMetadataUrl, 502, "{}");
  ZoneMetadataCache zone(http, clock, {.zone_url = kZone, .ttl = std::chrono::seconds(60)});
  ASSERT_TRUE(zone.Get().ok());
  clock.Advance(std::chrono::seconds(61));

  const auto metadata = zone.Get();

  ASSERT_TRUE(metadata.ok());
  EXPECT_EQ(metadata->token_endpoint, testing::kTokenEndpoint);
  EXPECT_EQ(http.requests().size(), 2U);
}

TEST(ZoneMetadataCache, UnsetZoneIsAnAdminError) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  ZoneMetadataCache zone(http, clock, {});

  const auto metadata = zone.Get();

  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(http.requests().empty());
}

TEST(MetadataUrlFor, InsertsTheWellKnownSegmentBeforeAnIssuerPath) {
  EXPECT_EQ(MetadataUrlFor("http://127.0.0.1:4010").value(), kMetadataUrl);
  EXPECT_EQ(MetadataUrlFor("http://127.0.0.1:4010/").value(), kMetadataUrl);
  EXPECT_EQ(MetadataUrlFor("https://localhost:8443/tenant/one/").value(),
            "https://localhost:8443/.well-known/oauth-authorization-server/tenant/one");
  EXPECT_FALSE(MetadataUrlFor("https://localhost:8443/?x=1").ok());
  EXPECT_FALSE(MetadataUrlFor("not a url").ok());
}

}  // namespace
}  // namespace auth
