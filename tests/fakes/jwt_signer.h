// Test-only JWT signing: fresh key pairs, their public JWKs, and compact JWS tokens signed with
// RS256, PS256, ES256 or HS256 over any header and claims, well-formed or not.
//
// Written straight on OpenSSL 3 and shares no code with auth/, so a bug in the verifier cannot
// hide behind the same bug here. Helpers throw std::runtime_error if OpenSSL fails, which only a
// broken test set-up can cause. A test using this header links OpenSSL::Crypto.
//
//   fakes::TestKey key = fakes::TestKey::Rsa();
//   http.OnJson("GET", jwks_uri, 200, fakes::JwksJson({key.PublicJwk("k1")}));
//   std::string token = fakes::SignJwt(key, "RS256", "k1", {{"sub", "alice"}, ...});
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.h"

namespace fakes {

namespace jwt_signer_detail {

inline void Check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("jwt_signer: OpenSSL failed in ") + what);
  }
}

inline std::string BignumBytes(const EVP_PKEY* key, const char* param, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  Check(EVP_PKEY_get_bn_param(key, param, &bn) == 1, param);
  const std::unique_ptr<BIGNUM, decltype(&BN_free)> owner(bn, &BN_free);
  const int size = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(size), '\0');
  Check(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size) == size,
        "BN_bn2binpad");
  return out;
}

// EVP produces DER; JWS wants r || s with each half padded to 32 bytes (RFC 7518 §3.4).
inline std::string DerToRawEcdsa(const std::string& der) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size()));
  Check(sig != nullptr, "d2i_ECDSA_SIG");
  const std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> owner(sig, &ECDSA_SIG_free);
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  Check(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32 &&
            BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32,
        "BN_bn2binpad");
  return raw;
}

}  // namespace jwt_signer_detail

// A key pair generated when made. Copies share the key.
class TestKey {
 public:
  static TestKey Rsa(int bits = 2048) {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
    jwt_signer_detail::Check(key != nullptr, "RSA keygen");
    return TestKey(key, true);
  }

  static TestKey EcP256() {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    jwt_signer_detail::Check(key != nullptr, "EC keygen");
    return TestKey(key, false);
  }

  bool is_rsa() const { return is_rsa_; }
  EVP_PKEY* get() const { return key_.get(); }

  // The public half as a JWK (RFC 7517, RFC 7518 §6): kty, kid, use "sig", and n/e or crv/x/y.
  nlohmann::json PublicJwk(const std::string& kid) const {
    using jwt_signer_detail::BignumBytes;
    if (is_rsa_) {
      return {{"kty", "RSA"},
              {"kid", kid},
              {"use", "sig"},
              {"n", core::Base64UrlEncode(BignumBytes(get(), OSSL_PKEY_PARAM_RSA_N))},
              {"e", core::Base64UrlEncode(BignumBytes(get(), OSSL_PKEY_PARAM_RSA_E))}};
    }
    return {{"kty", "EC"},
            {"kid", kid},
            {"use", "sig"},
            {"crv", "P-256"},
            {"x", core::Base64UrlEncode(BignumBytes(get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
            {"y", core::Base64UrlEncode(BignumBytes(get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  }

  // The public key as PEM (SubjectPublicKeyInfo): what a key-confusion attacker feeds to HMAC.
  std::string PublicPem() const {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    jwt_signer_detail::Check(bio && PEM_write_bio_PUBKEY(bio.get(), get()) == 1, "PEM write");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
  }

 private:
  TestKey(EVP_PKEY* key, bool is_rsa) : key_(key, &EVP_PKEY_free), is_rsa_(is_rsa) {}

  std::shared_ptr<EVP_PKEY> key_;
  bool is_rsa_;
};

// {"keys": [...]} around the given JWKs.
inline std::string JwksJson(const std::vector<nlohmann::json>& keys) {
  return nlohmann::json{{"keys", keys}}.dump();
}

// base64url(JSON) of one token part.
inline std::string EncodePart(const nlohmann::json& value) {
  return core::Base64UrlEncode(value.dump());
}

// The signature bytes of `signing_input` with `alg`: "RS256", "PS256" (MGF1 SHA-256, salt of
// `pss_salt_bytes`, which RFC 7518 §3.5 fixes at 32) for an RSA key, "ES256" (r || s) for an EC
// P-256 key.
inline std::string SignatureBytes(const TestKey& key, std::string_view alg,
                                  std::string_view signing_input, int pss_salt_bytes = 32) {
  using jwt_signer_detail::Check;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  Check(ctx && EVP_DigestSignInit_ex(ctx.get(), &pkey_ctx, "SHA256", nullptr, nullptr, key.get(),
                                     nullptr) == 1,
        "EVP_DigestSignInit_ex");
  if (alg == "PS256") {
    Check(EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
              EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, pss_salt_bytes) == 1 &&
              EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_ctx, EVP_sha256()) == 1,
          "PSS parameters");
  }
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  std::size_t size = 0;
  Check(EVP_DigestSign(ctx.get(), nullptr, &size, data, signing_input.size()) == 1,
        "EVP_DigestSign size");
  std::string signature(size, '\0');
  Check(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                       signing_input.size()) == 1,
        "EVP_DigestSign");
  signature.resize(size);
  return alg == "ES256" ? jwt_signer_detail::DerToRawEcdsa(signature) : signature;
}

// A compact JWS over exactly `header` and `claims`, signed with `alg` whatever the header says.
inline std::string SignJws(const TestKey& key, std::string_view alg, const nlohmann::json& header,
                           const nlohmann::json& claims) {
  const std::string signing_input = EncodePart(header) + "." + EncodePart(claims);
  return signing_input + "." + core::Base64UrlEncode(SignatureBytes(key, alg, signing_input));
}

// The usual case: header {"alg": alg, "kid": kid, "typ": "JWT"}.
inline std::string SignJwt(const TestKey& key, std::string_view alg, const std::string& kid,
                           const nlohmann::json& claims) {
  return SignJws(key, alg, {{"alg", std::string(alg)}, {"kid", kid}, {"typ", "JWT"}}, claims);
}

// HS256 over `header` and `claims` with `secret` as the HMAC key (RFC 7518 §3.2).
inline std::string SignHs256(std::string_view secret, const nlohmann::json& header,
                             const nlohmann::json& claims) {
  const std::string signing_input = EncodePart(header) + "." + EncodePart(claims);
  std::string mac(EVP_MAX_MD_SIZE, '\0');
  std::size_t size = 0;
  jwt_signer_detail::Check(
      EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
                reinterpret_cast<unsigned char*>(mac.data()), mac.size(), &size) != nullptr,
      "HMAC");
  mac.resize(size);
  return signing_input + "." + core::Base64UrlEncode(mac);
}

// "header.claims." with an empty signature, as "alg": "none" tokens look (RFC 7519 §6).
inline std::string UnsignedJws(const nlohmann::json& header, const nlohmann::json& claims) {
  return EncodePart(header) + "." + EncodePart(claims) + ".";
}

// `token` with its signature part replaced by base64url(`signature`).
inline std::string WithSignature(const std::string& token, std::string_view signature) {
  return token.substr(0, token.rfind('.') + 1) + core::Base64UrlEncode(signature);
}

}  // namespace fakes
