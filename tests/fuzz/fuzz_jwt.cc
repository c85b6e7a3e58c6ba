// Bearer JWTs on any bytes: auth::ParseJws and the whole JwksVerifier, against a key set held in
// memory and a fixed clock. An input starting with an even byte is taken as a token as it is;
// otherwise the rest is "header JSON \n claims JSON", signed with the set's ES256 key, so the
// fuzzer also reaches the checks after the signature (issuer, times, audience, subject).
// Properties: nothing crashes; a token the verifier accepts parses, names the key's kid and
// this server's audience.
#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>

#include "auth/jwt.h"
#include "auth/jwt_verifier.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/jwt_signer.h"

namespace {

constexpr char kIssuer[] = "http://127.0.0.1:9";
constexpr char kJwksUri[] = "http://127.0.0.1:9/jwks";
constexpr char kResource[] = "http://127.0.0.1:8/mcp";

struct Fixture {
  Fixture() {
    http.OnJson("GET", kJwksUri, 200, fakes::JwksJson({key.PublicJwk("k1")}));
    verifier =
        auth::JwksVerifier::Create(
            {.issuer = kIssuer, .resource_url = kResource, .jwks = {.uri = kJwksUri}}, http, clock)
            .value();
  }

  fakes::TestKey key = fakes::TestKey::EcP256();
  fakes::FakeHttpClient http;
  fakes::FakeClock clock;  // 2026-01-01; key set fetched once, refetches rate-limited for good
  std::unique_ptr<auth::JwksVerifier> verifier;
};

Fixture& TheFixture() {
  static auto* fixture = new Fixture();
  return *fixture;
}

std::string TokenFrom(std::string_view input, Fixture& fixture) {
  if (input.empty() || (static_cast<unsigned char>(input[0]) & 1U) == 0) {
    return std::string(input.empty() ? input : input.substr(1));
  }
  input.remove_prefix(1);
  const std::size_t newline = input.find('\n');
  const auto header = nlohmann::json::parse(input.substr(0, newline), nullptr, false);
  const auto claims = nlohmann::json::parse(
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1), nullptr,
      false);
  if (!header.is_object() || !claims.is_object()) {
    return std::string(input);
  }
  return fakes::SignJws(fixture.key, "ES256", header, claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& fixture = TheFixture();
  const std::string token =
      TokenFrom(std::string_view(reinterpret_cast<const char*>(data), size), fixture);

  (void)auth::ParseJws(token);
  auto outcome = fixture.verifier->Check(token);
  if (auto* verified = std::get_if<auth::VerifiedToken>(&outcome)) {
    const auto parsed = auth::ParseJws(token);
    const auto* jws = std::get_if<auth::Jws>(&parsed);
    if (jws == nullptr || jws->header.value("kid", "") != "k1" || verified->subject.empty()) {
      __builtin_trap();
    }
  } else {
    (void)auth::QuoteForLog(std::get<auth::TokenFailure>(outcome).detail);
  }
  return 0;
}
