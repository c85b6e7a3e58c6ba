#include "auth/jwt_verifier.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/base64.h"
#include "core/log.h"
#include "tests/auth_jwt/test_support.h"
#include "tests/fakes/capturing_sink.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace auth {
namespace {

using auth_jwt_test::Decoded;
using auth_jwt_test::EcKey;
using auth_jwt_test::OtherRsaKey;
using auth_jwt_test::RsaKey;
using auth_jwt_test::SignatureOf;
using nlohmann::json;
using std::chrono::seconds;

constexpr char kIssuer[] = "https://localhost:7443";
constexpr char kJwksUri[] = "https://localhost:7443/.well-known/jwks.json";
constexpr char kResource[] = "https://localhost:8443/mcp";
constexpr char kAlias[] = "https://127.0.0.1:8443/mcp";
constexpr char kOtherService[] = "https://localhost:9443/other";
constexpr char kRsaKid[] = "rsa-1";
constexpr char kEcKid[] = "ec-1";

class JwksVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.OnCall("GET", kJwksUri, [this](const core::HttpRequest&) {
      return core::Result<core::HttpResponse>(
          core::HttpResponse{.status = 200, .headers = {}, .body = jwks_body_});
    });
    Serve({RsaKey().PublicJwk(kRsaKid), EcKey().PublicJwk(kEcKid)});
    verifier_ = Make({});
  }

  // A verifier for kIssuer and kResource (alias kAlias), with `leeway` unless left default.
  std::unique_ptr<JwksVerifier> Make(std::optional<seconds> leeway,
                                     seconds refetch_interval = seconds(30)) {
    JwksVerifier::Options options{
        .issuer = kIssuer,
        .resource_url = kResource,
        .resource_aliases = {kAlias},
        .jwks = {.uri = kJwksUri, .min_refetch_interval = refetch_interval}};
    if (leeway) {
      options.leeway = *leeway;
    }
    auto verifier = JwksVerifier::Create(std::move(options), http_, clock_);
    EXPECT_TRUE(verifier.ok()) << verifier.status().message();
    return std::move(verifier).value();
  }

  // What the zone's jwks_uri answers from now on.
  void Serve(const std::vector<json>& keys) { jwks_body_ = fakes::JwksJson(keys); }

  std::size_t Fetches() const { return http_.RequestsTo(kJwksUri).size(); }

  std::int64_t Now() const {
    return std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
  }

  // Claims that pass every check at the fake clock's current time.
  json Claims() const {
    return {{"iss", kIssuer},
            {"sub", "user-42"},
            {"aud", kResource},
            {"iat", Now()},
            {"nbf", Now()},
            {"exp", Now() + 600},
            {"scope", "mcp:tools read:jira-work"},
            {"client_id", "agent-7"}};
  }

  json With(const char* name, json value) const {
    json claims = Claims();
    claims[name] = std::move(value);
    return claims;
  }

  json Without(const char* name) const {
    json claims = Claims();
    claims.erase(name);
    return claims;
  }

  std::string Rs256(const json& claims) const {
    return fakes::SignJwt(RsaKey(), "RS256", kRsaKid, claims);
  }

  // nullopt when the token is accepted.
  std::optional<TokenError> ReasonOf(const std::string& token) {
    auto outcome = verifier_->Check(token);
    if (const auto* failure = std::get_if<TokenFailure>(&outcome)) {
      return failure->reason;
    }
    return std::nullopt;
  }

  ::testing::AssertionResult Accepts(const std::string& token) {
    auto outcome = verifier_->Check(token);
    if (const auto* failure = std::get_if<TokenFailure>(&outcome)) {
      return ::testing::AssertionFailure()
             << "refused: " << TokenErrorName(failure->reason) << ": " << failure->detail;
    }
    return ::testing::AssertionSuccess();
  }

  fakes::FakeHttpClient http_;
  fakes::FakeClock clock_;
  std::string jwks_body_;
  std::unique_ptr<JwksVerifier> verifier_;
};

TEST_F(JwksVerifierTest, AcceptsRs256TokenAndReportsItsClaims) {
  const std::string token = Rs256(Claims());

  auto verified = verifier_->Verify(token);

  ASSERT_TRUE(verified.ok()) << verified.status().detail();
  EXPECT_EQ(verified->subject, "user-42");
  EXPECT_EQ(verified->scopes, (std::vector<std::string>{"mcp:tools", "read:jira-work"}));
  EXPECT_EQ(verified->expiry, clock_.Now() + seconds(600));
  EXPECT_EQ(verified->audience, std::vector<std::string>{kResource});
  EXPECT_EQ(verified->client_id, "agent-7");
  EXPECT_EQ(verified->raw.Reveal(), token);
}

TEST_F(JwksVerifierTest, AcceptsEs256AndPs256Tokens) {
  EXPECT_TRUE(Accepts(fakes::SignJwt(EcKey(), "ES256", kEcKid, Claims())));
  EXPECT_TRUE(Accepts(fakes::SignJwt(RsaKey(), "PS256", kRsaKid, Claims())));
}

TEST_F(JwksVerifierTest, VerifyAnswersInvalidTokenWithTheReasonInTheDetail) {
  auto refused = verifier_->Verify(Rs256(With("exp", Now() - 3600)));
  auto forged = verifier_->Verify(Rs256(Claims()) + "x");

  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.status().message(), "invalid token");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::kUnauthenticated);
  // Past the signature, the holder is told what to fix.
  EXPECT_EQ(refused.status().message(), "the token has expired: get a new one");
  EXPECT_EQ(refused.status().detail().rfind("reason=expired: ", 0), 0U)
      << refused.status().detail();
}

TEST_F(JwksVerifierTest, PrincipalCarriesSubjectTokenAndExpiry) {
  const std::string token = Rs256(Claims());
  auto verified = verifier_->Verify(token);
  ASSERT_TRUE(verified.ok());

  const core::Principal principal = PrincipalOf(*verified);

  EXPECT_EQ(principal.subject, "user-42");
  EXPECT_EQ(principal.token.value_or(core::Secret()).Reveal(), token);
  EXPECT_EQ(principal.token_expiry, verified->expiry);
}

// The bad-token corpus of issue #3, one reason each.

TEST_F(JwksVerifierTest, RejectsNoToken) { EXPECT_EQ(ReasonOf(""), TokenError::kMissing); }

TEST_F(JwksVerifierTest, RejectsMalformedTokens) {
  const std::string valid = Rs256(Claims());
  const std::string header = valid.substr(0, valid.find('.'));
  const std::string claims_and_sig = valid.substr(valid.find('.') + 1);

  EXPECT_EQ(ReasonOf(header), TokenError::kMalformed);
  EXPECT_EQ(ReasonOf(header + "." + claims_and_sig.substr(0, claims_and_sig.find('.'))),
            TokenError::kMalformed);
  EXPECT_EQ(ReasonOf(valid + ".c2ln"), TokenError::kMalformed);
  EXPECT_EQ(ReasonOf("%%%." + claims_and_sig), TokenError::kBadEncoding);
  EXPECT_EQ(ReasonOf(core::Base64UrlEncode("<xml/>") + "." + claims_and_sig),
            TokenError::kBadHeader);
  EXPECT_EQ(ReasonOf(header + "." + core::Base64UrlEncode("sub=alice") + ".c2ln"),
            TokenError::kBadClaims);
  EXPECT_EQ(Fetches(), 0U);
}

TEST_F(JwksVerifierTest, RejectsAlgNoneInAnySpelling) {
  const std::string valid = Rs256(Claims());
  const std::string real_signature = SignatureOf(valid);
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    const std::string unsigned_token =
        fakes::UnsignedJws({{"alg", none}, {"kid", kRsaKid}}, Claims());
    const std::string with_real_signature = fakes::WithSignature(unsigned_token, real_signature);

    EXPECT_EQ(ReasonOf(unsigned_token), TokenError::kAlgNotAllowed) << none;
    EXPECT_EQ(ReasonOf(with_real_signature), TokenError::kAlgNotAllowed) << none;
  }
  EXPECT_EQ(Fetches(), 0U);
}

TEST_F(JwksVerifierTest, RejectsHs256SignedWithTheRsaPublicKey) {
  const json header = {{"alg", "HS256"}, {"kid", kRsaKid}, {"typ", "JWT"}};
  const std::string with_pem = fakes::SignHs256(RsaKey().PublicPem(), header, Claims());
  const std::string with_jwk =
      fakes::SignHs256(RsaKey().PublicJwk(kRsaKid).dump(), header, Claims());
  const std::string with_modulus = fakes::SignHs256(
      Decoded(RsaKey().PublicJwk(kRsaKid)["n"].get<std::string>()), header, Claims());

  EXPECT_EQ(ReasonOf(with_pem), TokenError::kAlgNotAllowed);
  EXPECT_EQ(ReasonOf(with_jwk), TokenError::kAlgNotAllowed);
  EXPECT_EQ(ReasonOf(with_modulus), TokenError::kAlgNotAllowed);
  // Refused before any key is looked up.
  EXPECT_EQ(Fetches(), 0U);
}

TEST_F(JwksVerifierTest, RejectsEveryAlgOutsideTheAllowList) {
  for (const char* alg : {"HS256", "HS384", "HS512", "RS384", "RS512", "ES384", "ES512", "PS384",
                          "PS512", "EdDSA", "rs256", "RS256 ", ""}) {
    const std::string token =
        fakes::SignJws(RsaKey(), "RS256", {{"alg", alg}, {"kid", kRsaKid}}, Claims());

    EXPECT_EQ(ReasonOf(token), TokenError::kAlgNotAllowed) << alg;
  }
  const std::string no_alg = fakes::SignJws(RsaKey(), "RS256", {{"kid", kRsaKid}}, Claims());
  const std::string numeric_alg =
      fakes::SignJws(RsaKey(), "RS256", {{"alg", 256}, {"kid", kRsaKid}}, Claims());

  EXPECT_EQ(ReasonOf(no_alg), TokenError::kAlgNotAllowed);
  EXPECT_EQ(ReasonOf(numeric_alg), TokenError::kAlgNotAllowed);
}

TEST_F(JwksVerifierTest, RejectsTokenWithoutKid) {
  const std::string no_kid = fakes::SignJws(RsaKey(), "RS256", {{"alg", "RS256"}}, Claims());
  const std::string empty_kid = fakes::SignJwt(RsaKey(), "RS256", "", Claims());
  const std::string numeric_kid =
      fakes::SignJws(RsaKey(), "RS256", {{"alg", "RS256"}, {"kid", 1}}, Claims());

  EXPECT_EQ(ReasonOf(no_kid), TokenError::kMissingKid);
  EXPECT_EQ(ReasonOf(empty_kid), TokenError::kMissingKid);
  EXPECT_EQ(ReasonOf(numeric_kid), TokenError::kMissingKid);
}

TEST_F(JwksVerifierTest, RejectsUnsupportedCriticalHeader) {
  const std::string token =
      fakes::SignJws(RsaKey(), "RS256",
                     {{"alg", "RS256"}, {"kid", kRsaKid}, {"crit", {"exp"}}, {"exp", 1}}, Claims());

  EXPECT_EQ(ReasonOf(token), TokenError::kCriticalHeader);
}

TEST_F(JwksVerifierTest, UnknownKidRefetchesAtABoundedRate) {
  ASSERT_TRUE(Accepts(Rs256(Claims())));
  ASSERT_EQ(Fetches(), 1U);
  const std::string ghost = fakes::SignJwt(OtherRsaKey(), "RS256", "ghost", Claims());

  const auto within_interval = ReasonOf(ghost);
  const std::size_t fetches_within_interval = Fetches();
  clock_.Advance(seconds(30));
  const auto after_interval = ReasonOf(ghost);
  const std::size_t fetches_after_interval = Fetches();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(ReasonOf(ghost), TokenError::kUnknownKid);
  }
  const std::size_t fetches_after_flood = Fetches();
  clock_.Advance(seconds(29));
  EXPECT_EQ(ReasonOf(ghost), TokenError::kUnknownKid);
  const std::size_t fetches_at_29s = Fetches();
  clock_.Advance(seconds(1));
  EXPECT_EQ(ReasonOf(ghost), TokenError::kUnknownKid);

  EXPECT_EQ(within_interval, TokenError::kUnknownKid);
  EXPECT_EQ(fetches_within_interval, 1U);
  EXPECT_EQ(after_interval, TokenError::kUnknownKid);
  EXPECT_EQ(fetches_after_interval, 2U);
  EXPECT_EQ(fetches_after_flood, 2U);
  EXPECT_EQ(fetches_at_29s, 2U);
  EXPECT_EQ(Fetches(), 3U);
}

TEST_F(JwksVerifierTest, RefetchIntervalIsConfigurable) {
  verifier_ = Make({}, seconds(5));
  const std::string ghost = fakes::SignJwt(OtherRsaKey(), "RS256", "ghost", Claims());
  ASSERT_EQ(ReasonOf(ghost), TokenError::kUnknownKid);

  clock_.Advance(seconds(4));
  ASSERT_EQ(ReasonOf(ghost), TokenError::kUnknownKid);
  const std::size_t fetches_at_4s = Fetches();
  clock_.Advance(seconds(1));
  ASSERT_EQ(ReasonOf(ghost), TokenError::kUnknownKid);

  EXPECT_EQ(fetches_at_4s, 1U);
  EXPECT_EQ(Fetches(), 2U);
}

TEST_F(JwksVerifierTest, AcceptsKeyThatAppearsInARefetchedJwks) {
  ASSERT_TRUE(Accepts(Rs256(Claims())));
  Serve({OtherRsaKey().PublicJwk("rsa-2")});  // the zone rotates its signing key
  const auto rotated = [this] { return fakes::SignJwt(OtherRsaKey(), "RS256", "rsa-2", Claims()); };

  const auto before_refetch_allowed = ReasonOf(rotated());
  clock_.Advance(seconds(30));
  const bool accepted_after_refetch = Accepts(rotated());
  const auto retired_key = ReasonOf(Rs256(Claims()));

  EXPECT_EQ(before_refetch_allowed, TokenError::kUnknownKid);
  EXPECT_TRUE(accepted_after_refetch);
  EXPECT_EQ(retired_key, TokenError::kUnknownKid);
  EXPECT_EQ(Fetches(), 2U);
}

// A zone may replace a key and keep its kid: a signature that fails under the held key is
// checked once more against a set fetched again, within the same rate limit.
TEST_F(JwksVerifierTest, AcceptsAKeyReplacedUnderTheSameKid) {
  ASSERT_TRUE(Accepts(Rs256(Claims())));
  Serve({OtherRsaKey().PublicJwk(kRsaKid)});
  const auto replaced = [this] {
    return fakes::SignJwt(OtherRsaKey(), "RS256", kRsaKid, Claims());
  };

  const auto before_refetch_allowed = ReasonOf(replaced());
  const std::size_t fetches_before = Fetches();
  clock_.Advance(seconds(30));
  const bool accepted_after_refetch = Accepts(replaced());
  const auto old_key = ReasonOf(Rs256(Claims()));

  EXPECT_EQ(before_refetch_allowed, TokenError::kBadSignature);
  EXPECT_EQ(fetches_before, 1U);
  EXPECT_TRUE(accepted_after_refetch);
  EXPECT_EQ(old_key, TokenError::kBadSignature);
  EXPECT_EQ(Fetches(), 2U);
}

TEST_F(JwksVerifierTest, RejectsWhenTheJwksCannotBeFetched) {
  fakes::FakeHttpClient down;
  down.OnJson("GET", kJwksUri, 502, "bad gateway");
  auto verifier = JwksVerifier::Create(
      {.issuer = kIssuer, .resource_url = kResource, .jwks = {.uri = kJwksUri}}, down, clock_);
  ASSERT_TRUE(verifier.ok());

  auto outcome = (*verifier)->Check(Rs256(Claims()));

  ASSERT_TRUE(std::holds_alternative<TokenFailure>(outcome));
  EXPECT_EQ(std::get<TokenFailure>(outcome).reason, TokenError::kJwksUnavailable);
}

// The HTTP transport answers kUnavailable with 503 and Retry-After, kUnauthenticated with 401:
// a token that could not be checked is no invalid token.
TEST_F(JwksVerifierTest, VerifyAnswersUnavailableWhenTheJwksCannotBeFetched) {
  fakes::FakeHttpClient down;
  down.OnJson("GET", kJwksUri, 502, "bad gateway");
  auto verifier = JwksVerifier::Create(
      {.issuer = kIssuer, .resource_url = kResource, .jwks = {.uri = kJwksUri}}, down, clock_);
  ASSERT_TRUE(verifier.ok());

  auto refused = (*verifier)->Verify(Rs256(Claims()));

  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), core::Code::kUnavailable);
  EXPECT_EQ(refused.status().detail().rfind("reason=jwks_unavailable", 0), 0U)
      << refused.status().detail();
}

TEST_F(JwksVerifierTest, RejectsKeyOfTheWrongTypeForTheAlg) {
  const std::string es256_naming_rsa_key = fakes::SignJwt(EcKey(), "ES256", kRsaKid, Claims());
  const std::string rs256_naming_ec_key = fakes::SignJwt(RsaKey(), "RS256", kEcKid, Claims());

  EXPECT_EQ(ReasonOf(es256_naming_rsa_key), TokenError::kKeyMismatch);
  EXPECT_EQ(ReasonOf(rs256_naming_ec_key), TokenError::kKeyMismatch);
}

TEST_F(JwksVerifierTest, HonoursTheAlgAJwkDeclares) {
  json pss_only = RsaKey().PublicJwk("pss-only");
  pss_only["alg"] = "PS256";
  Serve({pss_only});

  EXPECT_TRUE(Accepts(fakes::SignJwt(RsaKey(), "PS256", "pss-only", Claims())));
  EXPECT_EQ(ReasonOf(fakes::SignJwt(RsaKey(), "RS256", "pss-only", Claims())),
            TokenError::kKeyMismatch);
}

TEST_F(JwksVerifierTest, RejectsSignatureByAnotherKey) {
  EXPECT_EQ(ReasonOf(fakes::SignJwt(OtherRsaKey(), "RS256", kRsaKid, Claims())),
            TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(fakes::SignJwt(OtherRsaKey(), "PS256", kRsaKid, Claims())),
            TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(fakes::SignJwt(fakes::TestKey::EcP256(), "ES256", kEcKid, Claims())),
            TokenError::kBadSignature);
}

TEST_F(JwksVerifierTest, RejectsRs256SignatureUnderPs256AndViceVersa) {
  const std::string rs256 = Rs256(Claims());
  const std::string ps256 = fakes::SignJwt(RsaKey(), "PS256", kRsaKid, Claims());
  const std::string rs_sig = SignatureOf(rs256);
  const std::string ps_sig = SignatureOf(ps256);

  EXPECT_EQ(ReasonOf(fakes::WithSignature(ps256, rs_sig)), TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(fakes::WithSignature(rs256, ps_sig)), TokenError::kBadSignature);
}

TEST_F(JwksVerifierTest, RejectsPs256WithAnotherSaltLength) {
  const std::string signing_input =
      fakes::EncodePart({{"alg", "PS256"}, {"kid", kRsaKid}}) + "." + fakes::EncodePart(Claims());
  const auto signed_with_salt = [&](int salt) {
    return signing_input + "." +
           core::Base64UrlEncode(fakes::SignatureBytes(RsaKey(), "PS256", signing_input, salt));
  };

  EXPECT_TRUE(Accepts(signed_with_salt(32)));
  EXPECT_EQ(ReasonOf(signed_with_salt(20)), TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(signed_with_salt(0)), TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(signed_with_salt(64)), TokenError::kBadSignature);
}

TEST_F(JwksVerifierTest, RejectsTamperedClaims) {
  const std::string token = Rs256(Claims());
  const std::string forged_claims = fakes::EncodePart(With("sub", "admin"));
  const std::size_t first_dot = token.find('.');
  const std::size_t last_dot = token.rfind('.');
  const std::string tampered =
      token.substr(0, first_dot + 1) + forged_claims + token.substr(last_dot);

  EXPECT_EQ(ReasonOf(tampered), TokenError::kBadSignature);
}

TEST_F(JwksVerifierTest, RejectsEs256SignatureOfTheWrongShape) {
  const std::string token = fakes::SignJwt(EcKey(), "ES256", kEcKid, Claims());
  const std::string raw = SignatureOf(token);

  EXPECT_EQ(ReasonOf(fakes::WithSignature(token, raw.substr(0, 63))), TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(fakes::WithSignature(token, raw + '\0')), TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(fakes::WithSignature(token, std::string(64, '\0'))),
            TokenError::kBadSignature);
  EXPECT_EQ(ReasonOf(fakes::WithSignature(token, "")), TokenError::kBadSignature);
}

class SignatureBitFlipTest : public JwksVerifierTest,
                             public ::testing::WithParamInterface<const char*> {};

TEST_P(SignatureBitFlipTest, RejectsEverySingleBitFlip) {
  const std::string alg = GetParam();
  const bool ec = alg == "ES256";
  const std::string token =
      fakes::SignJwt(ec ? EcKey() : RsaKey(), alg, ec ? kEcKid : kRsaKid, Claims());
  ASSERT_TRUE(Accepts(token));
  const std::string signature = SignatureOf(token);

  std::size_t accepted = 0;
  std::size_t other_reason = 0;
  for (std::size_t bit = 0; bit < signature.size() * 8; ++bit) {
    std::string flipped = signature;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    const auto reason = ReasonOf(fakes::WithSignature(token, flipped));
    accepted += reason ? 0 : 1;
    other_reason += reason && *reason != TokenError::kBadSignature ? 1 : 0;
  }

  EXPECT_EQ(signature.size(), ec ? 64U : 256U);
  EXPECT_EQ(accepted, 0U);
  EXPECT_EQ(other_reason, 0U);
}

INSTANTIATE_TEST_SUITE_P(AllowedAlgs, SignatureBitFlipTest,
                         ::testing::Values("RS256", "ES256", "PS256"));

TEST_F(JwksVerifierTest, RejectsWrongIssuer) {
  EXPECT_EQ(ReasonOf(Rs256(With("iss", "https://localhost:7443/"))), TokenError::kWrongIssuer);
  EXPECT_EQ(ReasonOf(Rs256(With("iss", "https://LOCALHOST:7443"))), TokenError::kWrongIssuer);
  EXPECT_EQ(ReasonOf(Rs256(With("iss", "https://localhost:7444"))), TokenError::kWrongIssuer);
  EXPECT_EQ(ReasonOf(Rs256(With("iss", json::array({kIssuer})))), TokenError::kWrongIssuer);
  EXPECT_EQ(ReasonOf(Rs256(Without("iss"))), TokenError::kWrongIssuer);
}

TEST_F(JwksVerifierTest, RejectsExpiredToken) {
  EXPECT_EQ(ReasonOf(Rs256(With("exp", Now() - 3600))), TokenError::kExpired);
}

TEST_F(JwksVerifierTest, RejectsTokenNotYetValid) {
  EXPECT_EQ(ReasonOf(Rs256(With("nbf", Now() + 3600))), TokenError::kNotYetValid);
}

TEST_F(JwksVerifierTest, RequiresExpAndAcceptsMissingNbf) {
  EXPECT_EQ(ReasonOf(Rs256(Without("exp"))), TokenError::kMissingExpiry);
  EXPECT_TRUE(Accepts(Rs256(Without("nbf"))));
}

TEST_F(JwksVerifierTest, RejectsTimeClaimsOfTheWrongTypeOrRange) {
  EXPECT_EQ(ReasonOf(Rs256(With("exp", std::to_string(Now() + 600)))), TokenError::kBadClaim);
  EXPECT_EQ(ReasonOf(Rs256(With("exp", 1e300))), TokenError::kBadClaim);
  EXPECT_EQ(ReasonOf(Rs256(With("exp", -1))), TokenError::kBadClaim);
  EXPECT_EQ(ReasonOf(Rs256(With("nbf", true))), TokenError::kBadClaim);
}

TEST_F(JwksVerifierTest, AppliesTheDefaultLeewayOf60SecondsAtItsEdges) {
  EXPECT_TRUE(Accepts(Rs256(With("exp", Now() - 59))));
  EXPECT_EQ(ReasonOf(Rs256(With("exp", Now() - 60))), TokenError::kExpired);
  EXPECT_TRUE(Accepts(Rs256(With("nbf", Now() + 60))));
  EXPECT_EQ(ReasonOf(Rs256(With("nbf", Now() + 61))), TokenError::kNotYetValid);
}

TEST_F(JwksVerifierTest, AppliesAConfiguredLeeway) {
  verifier_ = Make(seconds(0));

  EXPECT_TRUE(Accepts(Rs256(With("exp", Now() + 1))));
  EXPECT_EQ(ReasonOf(Rs256(With("exp", Now()))), TokenError::kExpired);
  EXPECT_TRUE(Accepts(Rs256(With("nbf", Now()))));
  EXPECT_EQ(ReasonOf(Rs256(With("nbf", Now() + 1))), TokenError::kNotYetValid);
}

TEST_F(JwksVerifierTest, ExpiresAsTheClockMoves) {
  const std::string token = Rs256(With("exp", Now() + 10));
  ASSERT_TRUE(Accepts(token));

  clock_.Advance(seconds(69));
  const bool inside_leeway = Accepts(token);
  clock_.Advance(seconds(1));

  EXPECT_TRUE(inside_leeway);
  EXPECT_EQ(ReasonOf(token), TokenError::kExpired);
}

// CASES.md C21: the five audience shapes.
TEST_F(JwksVerifierTest, AcceptsTheThreeAudienceShapesThatNameUs) {
  EXPECT_TRUE(Accepts(Rs256(With("aud", kResource))));
  EXPECT_TRUE(Accepts(Rs256(With("aud", json::array({kOtherService, kResource})))));
  json zone_with_resource = With("aud", kIssuer);
  zone_with_resource["resource"] = kResource;
  EXPECT_TRUE(Accepts(Rs256(zone_with_resource)));
}

// A bare origin as the public URL and the same origin with "/" are one resource; nothing else
// is stretched: a path, or a "/" after a path, still has to match exactly.
TEST_F(JwksVerifierTest, ABareOriginAndTheOriginWithASlashAreOneResource) {
  auto made = JwksVerifier::Create(
      {.issuer = kIssuer, .resource_url = "https://localhost:8443", .jwks = {.uri = kJwksUri}},
      http_, clock_);
  ASSERT_TRUE(made.ok()) << made.status().message();
  verifier_ = std::move(made).value();

  EXPECT_TRUE(Accepts(Rs256(With("aud", "https://localhost:8443/"))));
  EXPECT_TRUE(Accepts(Rs256(With("aud", "https://localhost:8443"))));
  EXPECT_EQ(ReasonOf(Rs256(With("aud", "https://localhost:8443/mcp"))), TokenError::kWrongAudience);
  EXPECT_EQ(ReasonOf(Rs256(With("aud", "https://localhost:8443//"))), TokenError::kWrongAudience);
  // The server's own URL with a path does not take a trailing "/" the other way round either.
  verifier_ = Make({});
  EXPECT_EQ(ReasonOf(Rs256(With("aud", std::string(kResource) + "/"))), TokenError::kWrongAudience);
}

TEST_F(JwksVerifierTest, RejectsAnotherServiceAndNoAudienceWithDistinctReasons) {
  const auto other_service = ReasonOf(Rs256(With("aud", kOtherService)));
  const auto no_audience = ReasonOf(Rs256(Without("aud")));

  EXPECT_EQ(other_service, TokenError::kWrongAudience);
  EXPECT_EQ(no_audience, TokenError::kMissingAudience);
  EXPECT_NE(other_service, no_audience);
}

TEST_F(JwksVerifierTest, AcceptsConfiguredAliasesInAudOrResource) {
  json zone_with_alias = With("aud", kIssuer);
  zone_with_alias["resource"] = json::array({kAlias});

  EXPECT_TRUE(Accepts(Rs256(With("aud", kAlias))));
  EXPECT_TRUE(Accepts(Rs256(zone_with_alias)));
}

TEST_F(JwksVerifierTest, RejectsZoneAudienceUnlessResourceNamesUs) {
  json other_resource = With("aud", kIssuer);
  other_resource["resource"] = kOtherService;
  json resource_not_string = With("aud", kIssuer);
  resource_not_string["resource"] = 7;
  // `resource` only counts next to the zone audience.
  json other_aud_with_our_resource = With("aud", kOtherService);
  other_aud_with_our_resource["resource"] = kResource;

  EXPECT_EQ(ReasonOf(Rs256(With("aud", kIssuer))), TokenError::kWrongResource);
  EXPECT_EQ(ReasonOf(Rs256(other_resource)), TokenError::kWrongResource);
  EXPECT_EQ(ReasonOf(Rs256(resource_not_string)), TokenError::kBadClaim);
  EXPECT_EQ(ReasonOf(Rs256(other_aud_with_our_resource)), TokenError::kWrongAudience);
}

TEST_F(JwksVerifierTest, ComparesAudienceExactly) {
  EXPECT_EQ(ReasonOf(Rs256(With("aud", std::string(kResource) + "/"))), TokenError::kWrongAudience);
  EXPECT_EQ(ReasonOf(Rs256(With("aud", "https://localhost:8443/MCP"))), TokenError::kWrongAudience);
  EXPECT_EQ(ReasonOf(Rs256(With("aud", json::array()))), TokenError::kMissingAudience);
  EXPECT_EQ(ReasonOf(Rs256(With("aud", json::array({kResource, 1})))), TokenError::kBadClaim);
}

TEST_F(JwksVerifierTest, RequiresSubject) {
  EXPECT_EQ(ReasonOf(Rs256(Without("sub"))), TokenError::kMissingSubject);
  EXPECT_EQ(ReasonOf(Rs256(With("sub", ""))), TokenError::kMissingSubject);
  EXPECT_EQ(ReasonOf(Rs256(With("sub", 42))), TokenError::kMissingSubject);
}

TEST_F(JwksVerifierTest, ReadsScopesFromScpAndClientIdFromAzp) {
  json claims = Without("scope");
  claims.erase("client_id");
  claims["scp"] = {"read:jira-work", "write:jira-work"};
  claims["azp"] = "agent-9";

  auto verified = verifier_->Verify(Rs256(claims));

  ASSERT_TRUE(verified.ok()) << verified.status().detail();
  EXPECT_EQ(verified->scopes, (std::vector<std::string>{"read:jira-work", "write:jira-work"}));
  EXPECT_EQ(verified->client_id, "agent-9");
}

TEST_F(JwksVerifierTest, ToleratesExtraSpacesInScopeAndNoScopeOrClient) {
  json claims = With("scope", "  a   b ");
  json bare = Without("scope");
  bare.erase("client_id");

  auto spaced = verifier_->Verify(Rs256(claims));
  auto minimal = verifier_->Verify(Rs256(bare));

  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->scopes, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(minimal.ok());
  EXPECT_TRUE(minimal->scopes.empty());
  EXPECT_FALSE(minimal->client_id.has_value());
}

TEST_F(JwksVerifierTest, RejectsScopeAndClientClaimsOfTheWrongType) {
  EXPECT_EQ(ReasonOf(Rs256(With("scope", json::array({"a"})))), TokenError::kBadClaim);
  EXPECT_EQ(ReasonOf(Rs256(With("client_id", 5))), TokenError::kBadClaim);
  json bad_scp = Without("scope");
  bad_scp["scp"] = {1, 2};
  EXPECT_EQ(ReasonOf(Rs256(bad_scp)), TokenError::kBadClaim);
}

TEST_F(JwksVerifierTest, ConcurrentFirstCallsShareOneFetch) {
  const std::string token = Rs256(Claims());
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::atomic<int> accepted{0};

  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { accepted += verifier_->Verify(token).ok() ? 1 : 0; });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(accepted.load(), 8);
  EXPECT_EQ(Fetches(), 1U);
}

TEST_F(JwksVerifierTest, NeverLogsTheToken) {
  auto sink = std::make_shared<fakes::CapturingSink>();
  core::SetLogSink(sink);
  ASSERT_TRUE(core::SetLogLevel("trace"));
  const std::vector<std::string> tokens = {
      Rs256(Claims()),
      fakes::SignJwt(OtherRsaKey(), "RS256", kRsaKid, Claims()),
      Rs256(With("exp", Now() - 3600)),
      Rs256(With("aud", kOtherService)),
      fakes::SignJwt(OtherRsaKey(), "RS256", "ghost", Claims()),
      fakes::UnsignedJws({{"alg", "none"}, {"kid", kRsaKid}}, Claims()),
      "garbage." + Rs256(Claims()).substr(0, 40) + ".x"};

  for (const auto& token : tokens) {
    static_cast<void>(verifier_->Verify(token));
  }
  const std::string logs = sink->Text();
  core::SetLogSink(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  ASSERT_TRUE(core::SetLogLevel("info"));

  EXPECT_NE(logs.find("jwt accepted"), std::string::npos) << logs;
  EXPECT_NE(logs.find("reason=bad_signature"), std::string::npos) << logs;
  EXPECT_NE(logs.find("reason=wrong_audience"), std::string::npos) << logs;
  EXPECT_NE(logs.find("jwks fetched"), std::string::npos) << logs;
  for (const auto& token : tokens) {
    EXPECT_EQ(logs.find(token), std::string::npos);
    std::size_t start = 0;
    while (start < token.size()) {
      const std::size_t end = std::min(token.find('.', start), token.size());
      // Any 16 characters of a part would already say too much.
      for (std::size_t at = start; at + 16 <= end; at += 8) {
        EXPECT_EQ(logs.find(token.substr(at, 16)), std::string::npos)
            << "log shows part of a token: " << token.substr(at, 16);
      }
      start = end + 1;
    }
  }
}

TEST(JwksVerifierCreate, RefusesIncompleteOrUnsafeOptions) {
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;
  const JwksVerifier::Options good{
      .issuer = kIssuer, .resource_url = kResource, .jwks = {.uri = kJwksUri}};
  auto with = [&](auto change) {
    JwksVerifier::Options options = good;
    change(options);
    return JwksVerifier::Create(options, http, clock).status().code();
  };

  EXPECT_TRUE(JwksVerifier::Create(good, http, clock).ok());
  EXPECT_EQ(with([](auto& o) { o.issuer.clear(); }), core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.resource_url.clear(); }), core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.resource_aliases = {""}; }), core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.jwks.uri = "https://localhost:9999/jwks"; }),
            core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.jwks.uri = "http://localhost:7443/jwks"; }),
            core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.jwks.uri = "jwks.json"; }), core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.leeway = seconds(-1); }), core::Code::kInvalidArgument);
  EXPECT_EQ(with([](auto& o) { o.leeway = seconds(301); }), core::Code::kInvalidArgument);
  EXPECT_TRUE(http.requests().empty());
}

}  // namespace
}  // namespace auth
