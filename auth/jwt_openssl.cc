#include "auth/jwt_openssl.h"

#include <openssl/err.h>

#include <array>

namespace auth::ossl {

std::string TakeErrors() {
  std::string text;
  for (unsigned long code = ERR_get_error(); code != 0; code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) {
      text += "; ";
    }
    text += buffer.data();
  }
  return text.empty() ? "(none)" : text;
}

}  // namespace auth::ossl
