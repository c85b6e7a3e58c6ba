// Reading members of JSON that came from outside (Jira's answers, ADF, cursors, arguments)
// without exceptions: nlohmann's value() throws when a member holds another type, and Jira sends
// null where its documents show a value.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tools {

using Json = nlohmann::json;

// object[key] when `object` is an object whose `key` holds a value of the fallback's JSON type;
// else the fallback (key missing, null, another type, or no object at all). Jira sends null
// where its documents show a value (a hidden emailAddress, for one); reading never throws, where
// nlohmann's value() would.
std::string ValueOr(const Json& object, std::string_view key, std::string_view fallback);
inline std::string ValueOr(const Json& object, std::string_view key, const char* fallback) {
  return ValueOr(object, key, std::string_view(fallback));
}
bool ValueOr(const Json& object, std::string_view key, bool fallback);
// An integer member: a whole number written as a float (1.0) counts; one past int64 does not.
std::int64_t ValueOr(const Json& object, std::string_view key, std::int64_t fallback);
// An int member: also the fallback when the value is past int's range.
int ValueOr(const Json& object, std::string_view key, int fallback);

// object[key] by reference, or a null value when `object` is no object or has no `key`. For the
// large parts of Jira's answers (issues, comments, histories), which value() would copy whole.
// A null iterates as empty and has size 0.
const Json& MemberOrNull(const Json& object, std::string_view key);

}  // namespace tools
