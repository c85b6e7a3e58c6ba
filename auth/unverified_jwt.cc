#include "auth/unverified_jwt.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/base64.h"

namespace auth {
namespace {

// A payload beyond this is not a token we would ever be handed; do not decode it.
constexpr std::size_t kMaxTokenBytes = std::size_t{64} * 1024;
// Keep time arithmetic far from overflow: no token lives past the year 10000.
constexpr double kMaxExp = 253402300799.0;

// The payload of a compact JWS as a JSON object; a discarded or non-object value otherwise.
nlohmann::json UnverifiedClaims(std::string_view token) {
  if (token.size() > kMaxTokenBytes || std::count(token.begin(), token.end(), '.') != 2) {
    return nlohmann::json::value_t::discarded;
  }
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  const auto payload = core::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) {
    return nlohmann::json::value_t::discarded;
  }
  return nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::optional<std::string> UnverifiedJwtSubject(std::string_view token) {
  const auto claims = UnverifiedClaims(token);
  if (!claims.is_object()) {
    return std::nullopt;
  }
  const auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return sub->get<std::string>();
}

std::optional<std::chrono::system_clock::time_point> UnverifiedJwtExpiry(std::string_view token) {
  const auto claims = UnverifiedClaims(token);
  if (!claims.is_object()) {
    return std::nullopt;
  }
  const auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) {
    return std::nullopt;
  }

  const double seconds = exp->get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxExp) {
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<std::int64_t>(std::floor(seconds))));
}

}  // namespace auth
