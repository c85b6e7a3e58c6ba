#include "core/secret.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <string_view>

namespace core {

Secret::~Secret() {
  // Best effort: do not leave the credential in freed heap memory.
  if (!value_.empty()) {
    OPENSSL_cleanse(value_.data(), value_.size());
  }
}

std::string Secret::RedactFrom(std::string text) const {
  if (value_.empty()) {
    return text;
  }
  static constexpr std::string_view kRedacted = "[redacted]";
  for (std::size_t at = text.find(value_); at != std::string::npos;
       at = text.find(value_, at + kRedacted.size())) {
    text.replace(at, value_.size(), kRedacted);
  }
  return text;
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
