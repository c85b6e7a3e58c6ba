// SigningKey: the sandbox zone's RS256 key, its public JWK, and compact JWS signing/verifying.
//
// Only the OpenSSL 3 EVP interfaces are used. The key lives in memory for the life of the
// process; a restarted sandbox has a new key (and a new kid), so old tokens stop verifying, as
// they would after a real key rotation. Thread-safe after construction.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

using evp_pkey_st = struct evp_pkey_st;

namespace sandbox {

// SHA-256 of `data` (raw 32 bytes); empty if OpenSSL fails.
std::string Sha256(std::string_view data);

class SigningKey {
 public:
  // A fresh 2048-bit RSA key. kInternal if OpenSSL fails.
  static core::Result<SigningKey> Generate();

  const std::string& kid() const { return kid_; }

  // The public key as an RFC 7517 JWK: kty, use, alg, kid, n, e.
  nlohmann::json PublicJwk() const;

  // header.payload.signature with header {"alg":"RS256","typ":typ,"kid":kid}.
  std::string Sign(const nlohmann::json& claims, std::string_view typ = "JWT") const;

  // Checks the shape, that alg is RS256 and kid is ours, and the signature; returns the claims.
  // Times (exp, nbf) and audience are the caller's business. kUnauthenticated with a precise
  // reason on any failure.
  core::Result<nlohmann::json> Verify(std::string_view token) const;

 private:
  SigningKey(std::shared_ptr<evp_pkey_st> key, std::string n, std::string e);

  std::shared_ptr<evp_pkey_st> key_;
  std::string n_;  // base64url big-endian modulus
  std::string e_;  // base64url exponent
  std::string kid_;
};

}  // namespace sandbox
