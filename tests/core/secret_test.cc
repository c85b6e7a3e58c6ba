#include "core/secret.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace core {
namespace {

TEST(Secret, RevealsOnlyOnRequest) {
  const Secret secret("eyJhbGciOi.payload.sig");

  EXPECT_EQ(secret.Reveal(), "eyJhbGciOi.payload.sig");
  EXPECT_FALSE(secret.empty());
}

TEST(Secret, FingerprintIsShortAndDoesNotContainTheValue) {
  const Secret secret("super-secret-token-value");

  const std::string fingerprint = secret.Fingerprint();

  EXPECT_EQ(fingerprint.size(), 8U);
  EXPECT_EQ(fingerprint.find("secret"), std::string::npos);
  EXPECT_EQ(fingerprint, Secret("super-secret-token-value").Fingerprint());
  EXPECT_NE(fingerprint, Secret("another-token").Fingerprint());
}

TEST(Secret, RedactsItselfFromText) {
  const Secret secret("tok-123");

  EXPECT_EQ(secret.RedactFrom("a tok-123 b tok-123tok-123"), "a [redacted] b [redacted][redacted]");
  EXPECT_EQ(secret.RedactFrom("nothing here"), "nothing here");
  EXPECT_EQ(Secret().RedactFrom("tok-123"), "tok-123");
}

TEST(Secret, IsNotConvertibleToString) {
  static_assert(!std::is_convertible_v<Secret, std::string>);
  static_assert(!std::is_convertible_v<Secret, std::string_view>);
}

TEST(Secret, MovedFromIsEmpty) {
  Secret source("token");

  Secret target = std::move(source);

  EXPECT_EQ(target.Reveal(), "token");
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): the point of the test
}

}  // namespace
}  // namespace core
