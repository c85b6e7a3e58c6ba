#include "auth/jwks.h"

#include <openssl/core_names.h>

#include <algorithm>
#include <utility>

#include "auth/jwt_openssl.h"
#include "core/base64.h"
#include "core/log.h"

namespace auth {
namespace {

// P-256 coordinates are exactly 32 bytes (RFC 7518 §6.2.1.2 forbids shortened ones).
constexpr std::size_t kP256CoordinateBytes = 32;
// RSA public exponents are small in practice; a huge one would only make verification slow.
constexpr std::size_t kMaxRsaExponentBytes = 8;

core::Status Unusable(std::string why) {
  return {core::Code::kInvalidArgument, "unusable key", std::move(why)};
}

std::optional<std::string> StringMember(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

// A base64url member decoded to bytes; nullopt when missing, not a string or not base64url.
std::optional<std::string> BytesMember(const nlohmann::json& object, const char* name) {
  const auto text = StringMember(object, name);
  if (!text || text->empty()) {
    return std::nullopt;
  }
  return core::Base64UrlDecode(*text);
}

ossl::Ptr<BIGNUM> ToBignum(const std::string& bytes) {
  return ossl::Ptr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()), nullptr));
}

// Turns OSSL_PARAMs into a public EVP_PKEY of `type` ("RSA", "EC") and checks it is sound (RSA:
// odd modulus and exponent; EC: the point lies on the curve).
core::Result<std::shared_ptr<EVP_PKEY>> KeyFromParams(const char* type, OSSL_PARAM_BLD* builder) {
  const ossl::Ptr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
  const ossl::Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Unusable(std::string(type) + " key rejected by OpenSSL: " + ossl::TakeErrors());
  }
  std::shared_ptr<EVP_PKEY> key(raw, ossl::Free());

  const ossl::Ptr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return Unusable(std::string(type) + " key fails its public check: " + ossl::TakeErrors());
  }
  return key;
}

core::Result<std::shared_ptr<EVP_PKEY>> RsaKey(const nlohmann::json& jwk) {
  const auto n = BytesMember(jwk, "n");
  const auto e = BytesMember(jwk, "e");
  if (!n || !e) {
    return Unusable("RSA key without base64url n and e");
  }
  if (e->size() > kMaxRsaExponentBytes) {
    return Unusable("RSA exponent of " + std::to_string(e->size()) + " bytes");
  }

  const auto n_bn = ToBignum(*n);
  const auto e_bn = ToBignum(*e);
  const ossl::Ptr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!n_bn || !e_bn || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1) {
    return Unusable("RSA parameters: " + ossl::TakeErrors());
  }

  auto key = KeyFromParams("RSA", builder.get());
  if (!key.ok()) {
    return key;
  }

  const int bits = EVP_PKEY_get_bits(key->get());
  if (bits < kMinRsaBits) {
    return Unusable("RSA modulus of " + std::to_string(bits) + " bits is too small");
  }
  return key;
}

core::Result<std::shared_ptr<EVP_PKEY>> EcP256Key(const nlohmann::json& jwk) {
  if (StringMember(jwk, "crv") != "P-256") {
    return Unusable("EC key on a curve other than P-256");
  }

  const auto x = BytesMember(jwk, "x");
  const auto y = BytesMember(jwk, "y");
  if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return Unusable("EC key without 32-byte base64url x and y");
  }

  // SEC 1 §2.3.3 uncompressed point: 0x04 || x || y.
  const std::string point = std::string(1, '\x04') + *x + *y;
  const ossl::Ptr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Unusable("EC parameters: " + ossl::TakeErrors());
  }
  return KeyFromParams("EC", builder.get());
}

// RFC 7517 §4.2 and §4.3: a key marked for encryption only is not a verification key.
core::Status CheckIntendedUse(const nlohmann::json& jwk) {
  if (jwk.contains("use") && StringMember(jwk, "use") != "sig") {
    return Unusable("use is not \"sig\"");
  }
  const auto ops = jwk.find("key_ops");
  if (ops != jwk.end() &&
      (!ops->is_array() || std::find(ops->begin(), ops->end(), "verify") == ops->end())) {
    return Unusable("key_ops lacks \"verify\"");
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<Jwk> ParseJwk(const nlohmann::json& jwk) {
  if (!jwk.is_object()) {
    return Unusable("not a JSON object");
  }

  if (core::Status use = CheckIntendedUse(jwk); !use.ok()) {
    return use;
  }

  Jwk out;
  out.kid = StringMember(jwk, "kid").value_or("");
  if (out.kid.empty()) {
    return Unusable("no kid, so no token could name it");
  }

  if (jwk.contains("alg") && !StringMember(jwk, "alg")) {
    return Unusable("alg is not a string");
  }
  out.alg = StringMember(jwk, "alg").value_or("");

  const auto kty = StringMember(jwk, "kty");
  core::Result<std::shared_ptr<EVP_PKEY>> key = Unusable("unsupported kty");
  if (kty == "RSA") {
    out.type = KeyType::kRsa;
    key = RsaKey(jwk);
  } else if (kty == "EC") {
    out.type = KeyType::kEcP256;
    key = EcP256Key(jwk);
  }
  if (!key.ok()) {
    return key.status();
  }
  out.key = std::move(*key);
  return out;
}

core::Result<JwkSet> JwkSet::Parse(std::string_view json_text) {
  const nlohmann::json document =
      nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return core::Status(core::Code::kInvalidArgument, "bad key set", "JWKS is not a JSON object");
  }
  const auto keys = document.find("keys");
  if (keys == document.end() || !keys->is_array()) {
    return core::Status(core::Code::kInvalidArgument, "bad key set", "JWKS has no keys array");
  }

  JwkSet set;
  for (const auto& entry : *keys) {
    auto jwk = ParseJwk(entry);
    if (!jwk.ok() || set.Find(jwk->kid) != nullptr) {
      ++set.skipped_;
      continue;
    }
    set.keys_.push_back(std::move(*jwk));
  }
  return set;
}

const Jwk* JwkSet::Find(std::string_view kid) const {
  const auto it =
      std::find_if(keys_.begin(), keys_.end(), [kid](const Jwk& key) { return key.kid == kid; });
  return it == keys_.end() ? nullptr : &*it;
}

JwksSource::JwksSource(core::HttpClient& http, const core::Clock& clock, Options options)
    : http_(http), clock_(clock), options_(std::move(options)) {}

core::Result<Jwk> JwksSource::Find(std::string_view kid) {
  if (auto key = Cached(kid, /*fresh_only=*/true)) {
    return *std::move(key);
  }

  const std::lock_guard fetch_lock(fetch_mutex_);
  // Another thread may have fetched while this one waited for the lock.
  if (auto key = Cached(kid, /*fresh_only=*/true)) {
    return *std::move(key);
  }

  const bool fetched = MayFetchNow();
  const core::Status fetch = fetched ? Fetch() : core::Status::Ok();
  // A set that is too old, or that a failed refetch left in place, still beats no set.
  if (auto key = Cached(kid, /*fresh_only=*/false)) {
    return *std::move(key);
  }

  if (!fetch.ok()) {
    return fetch;
  }
  bool have_keys = false;
  {
    const std::lock_guard lock(mutex_);
    have_keys = keys_ != nullptr;
  }
  if (!have_keys) {
    return core::Status(core::Code::kUnavailable, "signing keys unavailable",
                        "no JWKS fetched yet and the refetch is rate-limited");
  }
  return core::Status(
      core::Code::kNotFound, "signing key not found",
      fetched ? "kid not in the refetched JWKS" : "kid not in the JWKS; refetch rate-limited");
}

core::Result<Jwk> JwksSource::FindReplacement(std::string_view kid, const Jwk& refused) {
  const std::lock_guard fetch_lock(fetch_mutex_);
  // Another thread may have fetched the new set while this one waited for the lock.
  if (auto key = Cached(kid, /*fresh_only=*/false); key.has_value() && key->key != refused.key) {
    return *std::move(key);
  }
  if (MayFetchNow()) {
    if (auto fetched = Fetch(); !fetched.ok()) {
      return fetched;
    }
    if (auto key = Cached(kid, /*fresh_only=*/false); key.has_value() && key->key != refused.key) {
      return *std::move(key);
    }
  }
  return core::Status(core::Code::kNotFound, "signing key not found",
                      "no other key with this kid in the JWKS");
}

std::optional<Jwk> JwksSource::Cached(std::string_view kid, bool fresh_only) const {
  const std::lock_guard lock(mutex_);
  if (keys_ == nullptr) {
    return std::nullopt;
  }
  if (fresh_only && clock_.Now() - fetched_at_ >= options_.max_age) {
    return std::nullopt;
  }
  const Jwk* key = keys_->Find(kid);
  return key == nullptr ? std::nullopt : std::optional<Jwk>(*key);
}

bool JwksSource::MayFetchNow() {
  const std::lock_guard lock(mutex_);
  const TimePoint now = clock_.Now();
  // A clock that stepped backwards must not hold fetches off until it catches up.
  if (last_attempt_ && now >= *last_attempt_ &&
      now - *last_attempt_ < options_.min_refetch_interval) {
    return false;
  }
  last_attempt_ = now;
  return true;
}

core::Status JwksSource::Fetch() {
  static const auto kLogger = core::GetLogger("auth");
  auto response = http_.Send({.method = "GET",
                              .url = options_.uri,
                              .headers = {{"Accept", "application/json"}},
                              .timeout = options_.timeout,
                              .max_response_bytes = options_.max_bytes});
  if (!response.ok()) {
    kLogger->warn("jwks fetch failed uri={} error={} detail={}", options_.uri,
                  response.status().message(), response.status().detail());
    return {core::Code::kUnavailable, "signing keys unavailable",
            "JWKS fetch failed: " + response.status().message()};
  }
  if (response->status != 200) {
    kLogger->warn("jwks fetch failed uri={} status={}", options_.uri, response->status);
    return {core::Code::kUnavailable, "signing keys unavailable",
            "JWKS answered HTTP " + std::to_string(response->status)};
  }

  auto set = JwkSet::Parse(response->body);
  if (!set.ok()) {
    kLogger->warn("jwks unusable uri={} detail={}", options_.uri, set.status().detail());
    return {core::Code::kUnavailable, "signing keys unavailable", set.status().detail()};
  }

  kLogger->info("jwks fetched uri={} keys={} skipped={}", options_.uri, set->size(),
                set->skipped());
  const std::lock_guard lock(mutex_);
  keys_ = std::make_shared<const JwkSet>(std::move(*set));
  fetched_at_ = clock_.Now();
  return core::Status::Ok();
}

}  // namespace auth
