// Base64 (RFC 4648 §4) and base64url without padding (§5, as JWTs use it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace core {

std::string Base64Encode(std::string_view bytes);
std::string Base64UrlEncode(std::string_view bytes);  // no '=' padding

// nullopt on any character outside the alphabet or a bad length. Base64UrlDecode accepts input
// with or without padding; Base64Decode requires standard padding.
std::optional<std::string> Base64Decode(std::string_view text);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace core
