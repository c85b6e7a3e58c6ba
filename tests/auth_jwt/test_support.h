// Shared by the auth_jwt tests: readable names for TokenError in gtest messages, and the keys
// every test signs with (generated once per test binary: RSA key generation is slow).
#pragma once

#include <ostream>
#include <string>

#include "auth/jwt.h"
#include "core/base64.h"
#include "tests/fakes/jwt_signer.h"

namespace auth {

// Found by argument-dependent lookup, so EXPECT_EQ on reasons prints "expired", not "14".
inline void PrintTo(TokenError error, std::ostream* out) { *out << TokenErrorName(error); }

}  // namespace auth

namespace auth_jwt_test {

// The decoded bytes of a base64url text; empty when it is not base64url.
inline std::string Decoded(const std::string& text) {
  return core::Base64UrlDecode(text).value_or("");
}

// The decoded signature of a compact JWS.
inline std::string SignatureOf(const std::string& token) {
  return Decoded(token.substr(token.rfind('.') + 1));
}

inline const fakes::TestKey& RsaKey() {
  static const fakes::TestKey key = fakes::TestKey::Rsa(2048);
  return key;
}

inline const fakes::TestKey& OtherRsaKey() {
  static const fakes::TestKey key = fakes::TestKey::Rsa(2048);
  return key;
}

inline const fakes::TestKey& EcKey() {
  static const fakes::TestKey key = fakes::TestKey::EcP256();
  return key;
}

}  // namespace auth_jwt_test
