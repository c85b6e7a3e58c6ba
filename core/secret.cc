#include "core/secret.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

namespace core {

Secret::~Secret() {
  // Best effort: do not leave the credential in freed heap memory.
  if (!value_.empty()) {
    OPENSSL_cleanse(value_.data(), value_.size());
  }
}

std::string Secret::Fingerprint() const {
  if (value_.empty()) {
    return "(none)";
  }
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(value_.data()), value_.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace core
