#include "tools/json_read.h"

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
  return member != nullptr && member->is_number_integer() ? member->get<std::int64_t>() : fallback;
}

int ValueOr(const Json& object, std::string_view key, int fallback) {
  const std::int64_t value = ValueOr(object, key, static_cast<std::int64_t>(fallback));
  return value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max()
             ? static_cast<int>(value)
             : fallback;
}

}  // namespace tools
