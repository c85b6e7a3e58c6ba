// Minimal absolute-URL handling for the URLs this server calls (http and https only).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace core {

struct Url {
  std::string scheme;  // "http" or "https", lowercase
  std::string host;    // lowercase; IPv6 literals keep their brackets
  int port = 0;        // explicit or the scheme's default
  std::string path;    // starts with '/', includes any query; "/" when empty

  // scheme://host[:port], with the port only when it is not the default.
  std::string Origin() const;
};

Result<Url> ParseUrl(std::string_view text);

// Percent-encodes everything but RFC 3986 unreserved characters. With `space_as_plus`, a space
// becomes '+', as application/x-www-form-urlencoded has it (RFC 6749 Appendix B).
std::string PercentEncode(std::string_view text, bool space_as_plus = false);

// ASCII lowercase copy (scheme, host and header names; never locale-dependent).
std::string ToLower(std::string_view text);

// Joins `base` (no trailing slash needed) and `path` (leading slash optional) with one slash.
std::string JoinUrl(std::string_view base, std::string_view path);

}  // namespace core
