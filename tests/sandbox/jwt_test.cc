#include "sandbox/jwt.h"

#include <gtest/gtest.h>

#include <string>

#include "core/base64.h"

namespace sandbox {
namespace {

using Json = nlohmann::json;

const SigningKey& Key() {
  static const SigningKey key = SigningKey::Generate().value();
  return key;
}

std::string WithHeader(const std::string& token, const Json& header) {
  return core::Base64UrlEncode(header.dump()) + token.substr(token.find('.'));
}

TEST(SigningKey, SignsAndVerifiesItsOwnTokens) {
  const std::string token = Key().Sign({{"sub", "alice"}, {"n", 1}}, "at+jwt");

  auto claims = Key().Verify(token);

  ASSERT_TRUE(claims.ok()) << claims.status().detail();
  EXPECT_EQ((*claims)["sub"], "alice");
}

TEST(SigningKey, PublishesAStableKidInItsJwk) {
  const Json jwk = Key().PublicJwk();

  EXPECT_EQ(jwk["kid"], Key().kid());
  EXPECT_EQ(Key().kid().size(), 16U);
  EXPECT_EQ(jwk["kty"], "RSA");
}

TEST(SigningKey, RefusesEveryFlippedSignatureByte) {
  const std::string token = Key().Sign({{"sub", "alice"}});
  const std::size_t start = token.rfind('.') + 1;

  for (std::size_t i = start; i < token.size(); i += 7) {
    std::string forged = token;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(Key().Verify(forged).ok()) << i;
  }
}

TEST(SigningKey, RefusesOtherKeysAlgorithmsAndShapes) {
  const std::string token = Key().Sign({{"sub", "alice"}});
  const SigningKey other = SigningKey::Generate().value();

  EXPECT_EQ(other.Verify(token).status().detail(), "unknown kid");
  EXPECT_EQ(
      Key().Verify(WithHeader(token, {{"alg", "none"}, {"kid", Key().kid()}})).status().detail(),
      "alg is not RS256");
  EXPECT_FALSE(Key().Verify(WithHeader(token, {{"alg", 256}, {"kid", 7}})).ok());
  EXPECT_FALSE(Key().Verify("a.b").ok());
  EXPECT_FALSE(Key().Verify("a.b.c.d").ok());
  EXPECT_FALSE(Key().Verify("!!.??.**").ok());
  EXPECT_EQ(Key().Verify(token + "x").status().code(), core::Code::kUnauthenticated);
}

}  // namespace
}  // namespace sandbox
