#include "auth/jwt.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <variant>

#include "core/base64.h"
#include "tests/auth_jwt/test_support.h"

namespace auth {
namespace {

using fakes::EncodePart;

nlohmann::json Header() { return {{"alg", "RS256"}, {"kid", "k1"}}; }
nlohmann::json Claims() { return {{"sub", "alice"}}; }

std::optional<TokenError> ReasonOf(std::string_view token) {
  auto parsed = ParseJws(token);
  if (const auto* failure = std::get_if<TokenFailure>(&parsed)) {
    return failure->reason;
  }
  return std::nullopt;
}

TEST(ParseJws, DecodesHeaderClaimsAndSignature) {
  const std::string signing_input = EncodePart(Header()) + "." + EncodePart(Claims());
  const std::string token = signing_input + "." + core::Base64UrlEncode("sig\x01\xff");

  auto parsed = ParseJws(token);

  ASSERT_TRUE(std::holds_alternative<Jws>(parsed));
  const Jws& jws = std::get<Jws>(parsed);
  EXPECT_EQ(jws.header, Header());
  EXPECT_EQ(jws.claims, Claims());
  EXPECT_EQ(jws.signing_input, signing_input);
  EXPECT_EQ(jws.signature, "sig\x01\xff");
}

TEST(ParseJws, AcceptsEmptySignatureForTheVerifierToRefuse) {
  auto parsed = ParseJws(fakes::UnsignedJws({{"alg", "none"}}, Claims()));

  ASSERT_TRUE(std::holds_alternative<Jws>(parsed));
  EXPECT_TRUE(std::get<Jws>(parsed).signature.empty());
}

TEST(ParseJws, RejectsEmptyTokenAsMissing) { EXPECT_EQ(ReasonOf(""), TokenError::kMissing); }

TEST(ParseJws, RejectsWrongNumberOfParts) {
  const std::string h = EncodePart(Header());
  const std::string c = EncodePart(Claims());

  EXPECT_EQ(ReasonOf(h), TokenError::kMalformed);
  EXPECT_EQ(ReasonOf(h + "." + c), TokenError::kMalformed);
  EXPECT_EQ(ReasonOf(h + "." + c + ".c2ln.c2ln"), TokenError::kMalformed);
  EXPECT_EQ(ReasonOf("..."), TokenError::kMalformed);
}

TEST(ParseJws, RejectsEmptyHeaderOrClaims) {
  EXPECT_EQ(ReasonOf("." + EncodePart(Claims()) + ".c2ln"), TokenError::kMalformed);
  EXPECT_EQ(ReasonOf(EncodePart(Header()) + "..c2ln"), TokenError::kMalformed);
}

TEST(ParseJws, RejectsOverlongToken) {
  const std::string token = EncodePart(Header()) + "." + std::string(kMaxTokenBytes, 'A') + ".c2ln";

  EXPECT_EQ(ReasonOf(token), TokenError::kMalformed);
}

TEST(ParseJws, RejectsBadBase64Url) {
  const std::string h = EncodePart(Header());
  const std::string c = EncodePart(Claims());

  EXPECT_EQ(ReasonOf("e30*." + c + ".c2ln"), TokenError::kBadEncoding);
  EXPECT_EQ(ReasonOf(h + "." + c + ".c2l+"), TokenError::kBadEncoding);      // standard alphabet
  EXPECT_EQ(ReasonOf(h + "." + c + ".c2lnAA=="), TokenError::kBadEncoding);  // padding
  EXPECT_EQ(ReasonOf(h + "." + c + ".c2lnA"), TokenError::kBadEncoding);     // 4n+1 chars
  EXPECT_EQ(ReasonOf(h + "." + c + ".c2lnAB"), TokenError::kBadEncoding);    // non-zero pad bits
  EXPECT_EQ(ReasonOf(h + ".e30 ." + "c2ln"), TokenError::kBadEncoding);
}

TEST(ParseJws, RejectsHeaderThatIsNotAJsonObject) {
  const std::string c = EncodePart(Claims());

  EXPECT_EQ(ReasonOf(core::Base64UrlEncode("not json") + "." + c + ".c2ln"),
            TokenError::kBadHeader);
  EXPECT_EQ(ReasonOf(core::Base64UrlEncode("[1,2]") + "." + c + ".c2ln"), TokenError::kBadHeader);
  EXPECT_EQ(ReasonOf(core::Base64UrlEncode("{\"alg\":") + "." + c + ".c2ln"),
            TokenError::kBadHeader);
}

TEST(ParseJws, RejectsClaimsThatAreNotAJsonObject) {
  const std::string h = EncodePart(Header());

  EXPECT_EQ(ReasonOf(h + "." + core::Base64UrlEncode("hello") + ".c2ln"), TokenError::kBadClaims);
  EXPECT_EQ(ReasonOf(h + "." + core::Base64UrlEncode("\"sub\"") + ".c2ln"), TokenError::kBadClaims);
  EXPECT_EQ(ReasonOf(h + "." + core::Base64UrlEncode("{\"sub\":\"\xff\"}") + ".c2ln"),
            TokenError::kBadClaims);  // invalid UTF-8
}

TEST(ParseJws, SurvivesDeeplyNestedClaims) {
  const std::string nested = std::string(20000, '[') + std::string(20000, ']');
  const std::string token = EncodePart(Header()) + "." + core::Base64UrlEncode(nested) + ".c2ln";

  EXPECT_EQ(ReasonOf(token), TokenError::kBadClaims);
}

TEST(TokenErrorName, NamesEveryReasonDistinctly) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(TokenError::kBadClaim); ++i) {
    names.insert(TokenErrorName(static_cast<TokenError>(i)));
  }

  EXPECT_EQ(names.size(), static_cast<std::size_t>(TokenError::kBadClaim) + 1);
  EXPECT_EQ(names.count("unknown"), 0U);
  EXPECT_STREQ(TokenErrorName(TokenError::kAlgNotAllowed), "alg_not_allowed");
}

TEST(QuoteForLog, EscapesControlCharactersAndShortens) {
  EXPECT_EQ(QuoteForLog("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(QuoteForLog(std::string(200, 'x'), 10), "\"xxxxxxxxx...");
}

}  // namespace
}  // namespace auth
