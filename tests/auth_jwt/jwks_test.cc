#include "auth/jwks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/base64.h"
#include "tests/auth_jwt/test_support.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace auth {
namespace {

using auth_jwt_test::Decoded;
using auth_jwt_test::EcKey;
using auth_jwt_test::OtherRsaKey;
using auth_jwt_test::RsaKey;
using std::chrono::seconds;

constexpr char kJwksUri[] = "https://localhost:7443/.well-known/jwks.json";

std::string Reason(const core::Status& status) { return status.detail(); }

TEST(ParseJwk, BuildsRsaKey) {
  auto jwk = ParseJwk(RsaKey().PublicJwk("r1"));

  ASSERT_TRUE(jwk.ok()) << jwk.status().detail();
  EXPECT_EQ(jwk->kid, "r1");
  EXPECT_EQ(jwk->type, KeyType::kRsa);
  EXPECT_EQ(EVP_PKEY_get_bits(jwk->key.get()), 2048);
  EXPECT_EQ(EVP_PKEY_eq(jwk->key.get(), RsaKey().get()), 1);
}

TEST(ParseJwk, BuildsEcP256Key) {
  auto jwk = ParseJwk(EcKey().PublicJwk("e1"));

  ASSERT_TRUE(jwk.ok()) << jwk.status().detail();
  EXPECT_EQ(jwk->type, KeyType::kEcP256);
  EXPECT_EQ(EVP_PKEY_eq(jwk->key.get(), EcKey().get()), 1);
}

TEST(ParseJwk, KeepsDeclaredAlgAndAcceptsMissingUse) {
  nlohmann::json json = RsaKey().PublicJwk("r1");
  json.erase("use");
  json["alg"] = "PS256";

  auto jwk = ParseJwk(json);

  ASSERT_TRUE(jwk.ok()) << jwk.status().detail();
  EXPECT_EQ(jwk->alg, "PS256");
}

TEST(ParseJwk, RefusesKeysNotMeantForSignatures) {
  nlohmann::json encryption = RsaKey().PublicJwk("r1");
  encryption["use"] = "enc";
  nlohmann::json wrap_only = RsaKey().PublicJwk("r1");
  wrap_only["key_ops"] = {"wrapKey"};
  nlohmann::json use_not_string = RsaKey().PublicJwk("r1");
  use_not_string["use"] = 1;

  EXPECT_FALSE(ParseJwk(encryption).ok());
  EXPECT_FALSE(ParseJwk(wrap_only).ok());
  EXPECT_FALSE(ParseJwk(use_not_string).ok());
}

TEST(ParseJwk, RefusesUnknownKeyTypesAndCurves) {
  nlohmann::json okp = {{"kty", "OKP"}, {"crv", "Ed25519"}, {"kid", "o"}, {"x", "AAAA"}};
  nlohmann::json oct = {{"kty", "oct"}, {"kid", "s"}, {"k", "c2VjcmV0"}};
  nlohmann::json p384 = EcKey().PublicJwk("e1");
  p384["crv"] = "P-384";
  nlohmann::json no_kty = RsaKey().PublicJwk("r1");
  no_kty.erase("kty");

  EXPECT_FALSE(ParseJwk(okp).ok());
  EXPECT_FALSE(ParseJwk(oct).ok());
  EXPECT_FALSE(ParseJwk(p384).ok());
  EXPECT_FALSE(ParseJwk(no_kty).ok());
}

TEST(ParseJwk, RefusesRsaKeyUnder2048Bits) {
  const fakes::TestKey small = fakes::TestKey::Rsa(1024);

  auto jwk = ParseJwk(small.PublicJwk("small"));

  ASSERT_FALSE(jwk.ok());
  EXPECT_NE(Reason(jwk.status()).find("1024 bits"), std::string::npos) << Reason(jwk.status());
}

TEST(ParseJwk, RefusesKeyWithoutKid) {
  nlohmann::json json = RsaKey().PublicJwk("r1");
  json.erase("kid");
  nlohmann::json empty = RsaKey().PublicJwk("");

  EXPECT_FALSE(ParseJwk(json).ok());
  EXPECT_FALSE(ParseJwk(empty).ok());
}

TEST(ParseJwk, RefusesBrokenRsaMembers) {
  nlohmann::json no_n = RsaKey().PublicJwk("r1");
  no_n.erase("n");
  nlohmann::json bad_n = RsaKey().PublicJwk("r1");
  bad_n["n"] = "!!!";
  nlohmann::json even_e = RsaKey().PublicJwk("r1");
  even_e["e"] = core::Base64UrlEncode("\x01\x00\x00");
  nlohmann::json huge_e = RsaKey().PublicJwk("r1");
  huge_e["e"] = core::Base64UrlEncode(std::string(9, '\x01'));

  EXPECT_FALSE(ParseJwk(no_n).ok());
  EXPECT_FALSE(ParseJwk(bad_n).ok());
  EXPECT_FALSE(ParseJwk(even_e).ok());
  EXPECT_FALSE(ParseJwk(huge_e).ok());
}

TEST(ParseJwk, RefusesEcPointOffTheCurveOrShortened) {
  nlohmann::json off_curve = EcKey().PublicJwk("e1");
  std::string y = Decoded(off_curve["y"].get<std::string>());
  y.back() = static_cast<char>(y.back() ^ 1);
  off_curve["y"] = core::Base64UrlEncode(y);
  nlohmann::json short_x = EcKey().PublicJwk("e1");
  short_x["x"] = core::Base64UrlEncode(Decoded(short_x["x"].get<std::string>()).substr(1));

  auto off = ParseJwk(off_curve);

  EXPECT_FALSE(off.ok());
  EXPECT_FALSE(ParseJwk(short_x).ok());
}

TEST(JwkSet, SkipsUnusableKeysAndFindsTheRest) {
  nlohmann::json encryption = OtherRsaKey().PublicJwk("enc");
  encryption["use"] = "enc";
  const std::string text = fakes::JwksJson({RsaKey().PublicJwk("r1"),
                                            encryption,
                                            {{"kty", "OKP"}, {"kid", "o"}},
                                            EcKey().PublicJwk("e1"),
                                            "not an object"});

  auto set = JwkSet::Parse(text);

  ASSERT_TRUE(set.ok()) << set.status().detail();
  EXPECT_EQ(set->size(), 2U);
  EXPECT_EQ(set->skipped(), 3U);
  ASSERT_NE(set->Find("r1"), nullptr);
  ASSERT_NE(set->Find("e1"), nullptr);
  EXPECT_EQ(set->Find("e1")->type, KeyType::kEcP256);
  EXPECT_EQ(set->Find("enc"), nullptr);
  EXPECT_EQ(set->Find("nope"), nullptr);
}

TEST(JwkSet, KeepsTheFirstOfTwoKeysWithOneKid) {
  const std::string text =
      fakes::JwksJson({RsaKey().PublicJwk("dup"), OtherRsaKey().PublicJwk("dup")});

  auto set = JwkSet::Parse(text);

  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->size(), 1U);
  EXPECT_EQ(EVP_PKEY_eq(set->Find("dup")->key.get(), RsaKey().get()), 1);
}

TEST(JwkSet, RejectsDocumentsThatAreNotKeySets) {
  EXPECT_FALSE(JwkSet::Parse("not json").ok());
  EXPECT_FALSE(JwkSet::Parse("[]").ok());
  EXPECT_FALSE(JwkSet::Parse(R"({"keys": {}})").ok());
  EXPECT_FALSE(JwkSet::Parse(R"({"key": []})").ok());
  EXPECT_TRUE(JwkSet::Parse(R"({"keys": []})").ok());
}

class JwksSourceTest : public ::testing::Test {
 protected:
  JwksSource MakeSource(seconds interval = seconds(30), seconds max_age = seconds(3600)) {
    return JwksSource(http_, clock_,
                      {.uri = kJwksUri, .min_refetch_interval = interval, .max_age = max_age});
  }
  void Serve(const std::vector<nlohmann::json>& keys) {
    http_.OnJson("GET", kJwksUri, 200, fakes::JwksJson(keys));
  }
  std::size_t Fetches() const { return http_.RequestsTo("jwks.json").size(); }

  fakes::FakeHttpClient http_;
  fakes::FakeClock clock_;
};

TEST_F(JwksSourceTest, FetchesOnFirstUseAndThenCaches) {
  Serve({RsaKey().PublicJwk("r1"), EcKey().PublicJwk("e1")});
  JwksSource source = MakeSource();
  EXPECT_EQ(Fetches(), 0U);

  auto first = source.Find("r1");
  auto second = source.Find("e1");

  ASSERT_TRUE(first.ok()) << first.status().detail();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Fetches(), 1U);
  const auto request = http_.requests().front();
  EXPECT_EQ(request.url, kJwksUri);
  EXPECT_EQ(core::FindHeader(request.headers, "accept"), "application/json");
}

TEST_F(JwksSourceTest, RefetchesUnknownKidAtMostOncePerInterval) {
  Serve({RsaKey().PublicJwk("r1")});
  JwksSource source = MakeSource(seconds(10));
  ASSERT_TRUE(source.Find("r1").ok());

  auto early = source.Find("ghost");
  clock_.Advance(seconds(9));
  auto still_early = source.Find("ghost");
  const std::size_t fetches_before_interval = Fetches();
  clock_.Advance(seconds(1));
  auto after_interval = source.Find("ghost");

  EXPECT_EQ(early.status().code(), core::Code::kNotFound);
  EXPECT_EQ(still_early.status().code(), core::Code::kNotFound);
  EXPECT_EQ(fetches_before_interval, 1U);
  EXPECT_EQ(after_interval.status().code(), core::Code::kNotFound);
  EXPECT_EQ(Fetches(), 2U);
}

TEST_F(JwksSourceTest, PicksUpRotatedKeyOnRefetch) {
  Serve({RsaKey().PublicJwk("old")});
  Serve({OtherRsaKey().PublicJwk("new")});
  JwksSource source = MakeSource();
  ASSERT_TRUE(source.Find("old").ok());

  clock_.Advance(seconds(30));
  auto rotated = source.Find("new");
  auto retired = source.Find("old");

  ASSERT_TRUE(rotated.ok()) << rotated.status().detail();
  EXPECT_EQ(EVP_PKEY_eq(rotated->key.get(), OtherRsaKey().get()), 1);
  EXPECT_EQ(retired.status().code(), core::Code::kNotFound);
  EXPECT_EQ(Fetches(), 2U);
}

TEST_F(JwksSourceTest, RefreshesAnOldSetEvenForAKnownKid) {
  Serve({RsaKey().PublicJwk("r1")});
  Serve({});
  JwksSource source = MakeSource(seconds(30), seconds(300));
  ASSERT_TRUE(source.Find("r1").ok());

  clock_.Advance(seconds(299));
  auto fresh = source.Find("r1");
  clock_.Advance(seconds(1));
  auto revoked = source.Find("r1");

  EXPECT_TRUE(fresh.ok());
  EXPECT_EQ(revoked.status().code(), core::Code::kNotFound);
  EXPECT_EQ(Fetches(), 2U);
}

TEST_F(JwksSourceTest, KeepsThePreviousSetWhenARefetchFails) {
  Serve({RsaKey().PublicJwk("r1")});
  http_.OnJson("GET", kJwksUri, 503, "{}");
  JwksSource source = MakeSource(seconds(30), seconds(60));
  ASSERT_TRUE(source.Find("r1").ok());

  clock_.Advance(seconds(60));
  auto stale = source.Find("r1");
  auto unknown = source.Find("ghost");

  ASSERT_TRUE(stale.ok()) << stale.status().detail();
  EXPECT_EQ(Fetches(), 2U);
  EXPECT_EQ(unknown.status().code(), core::Code::kNotFound);
}

TEST_F(JwksSourceTest, ReportsUnavailableWhenNoSetCanBeFetched) {
  http_.OnJson("GET", kJwksUri, 500, "oops");
  JwksSource source = MakeSource();

  auto server_error = source.Find("r1");
  auto rate_limited = source.Find("r1");

  EXPECT_EQ(server_error.status().code(), core::Code::kUnavailable);
  EXPECT_NE(server_error.status().detail().find("500"), std::string::npos);
  EXPECT_EQ(rate_limited.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(Fetches(), 1U);
}

TEST_F(JwksSourceTest, ReportsUnavailableOnTransportErrorOrGarbage) {
  JwksSource unreachable = MakeSource();
  auto refused = unreachable.Find("r1");
  http_.OnJson("GET", kJwksUri, 200, "<html>");
  JwksSource garbled = MakeSource();
  auto garbage = garbled.Find("r1");

  EXPECT_EQ(refused.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(garbage.status().code(), core::Code::kUnavailable);
}

}  // namespace
}  // namespace auth
