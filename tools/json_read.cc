#include "tools/json_read.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace tools {
namespace {

const Json* Member(const Json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

const Json& MemberOrNull(const Json& object, std::string_view key) {
  static const Json kNull;
  const Json* member = Member(object, key);
  return member != nullptr ? *member : kNull;
}

std::string ValueOr(const Json& object, std::string_view key, std::string_view fallback) {
  const Json* member = Member(object, key);
  return member != nullptr && member->is_string() ? member->get<std::string>()
                                                  : std::string(fallback);
}

bool ValueOr(const Json& object, std::string_view key, bool fallback) {
  const Json* member = Member(object, key);
  return member != nullptr && member->is_boolean() ? member->get<bool>() : fallback;
}

std::int64_t ValueOr(const Json& object, std::string_view key, std::int64_t fallback) {
  const Json* member = Member(object, key);
  if (member == nullptr || !member->is_number()) {
    return fallback;
  }
  if (member->is_number_unsigned()) {
    const auto value = member->get<std::uint64_t>();
    return value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? static_cast<std::int64_t>(value)
               : fallback;
  }
  if (member->is_number_integer()) {
    return member->get<std::int64_t>();
  }
  // 1.0 is the integer 1 (the schema check takes it as one); 1.5 or 1e300 is not an integer.
  const double value = member->get<double>();
  constexpr double kTwoTo63 = 9223372036854775808.0;
  return std::isfinite(value) && value == std::trunc(value) && value >= -kTwoTo63 &&
                 value < kTwoTo63
             ? static_cast<std::int64_t>(value)
             : fallback;
}

int ValueOr(const Json& object, std::string_view key, int fallback) {
  const std::int64_t value = ValueOr(object, key, static_cast<std::int64_t>(fallback));
  return value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max()
             ? static_cast<int>(value)
             : fallback;
}

}  // namespace tools
