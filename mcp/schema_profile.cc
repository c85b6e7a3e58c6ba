#include "mcp/schema_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace mcp {
namespace {

// Names a property must not take: some clients mistake such properties for schema keywords.
constexpr std::array<std::string_view, 24> kKeywordNames = {
    "description", "title",     "type",      "properties", "required", "items",
    "enum",        "const",     "default",   "format",     "pattern",  "minimum",
    "maximum",     "minLength", "maxLength", "minItems",   "maxItems", "anyOf",
    "oneOf",       "allOf",     "not",       "$ref",       "$schema",  "additionalProperties"};

constexpr std::array<std::string_view, 6> kForbiddenKeywords = {
    "anyOf", "oneOf", "allOf", "not", "$ref", "patternProperties"};

bool IsKeywordName(std::string_view name) {
  for (const auto keyword : kKeywordNames) {
    if (keyword == name) {
      return true;
    }
  }
  return false;
}

void CheckSchema(const Json& schema, const std::string& path, bool root,
                 std::vector<std::string>& problems) {
  if (!schema.is_object()) {
    problems.push_back(path + ": a schema must be an object");
    return;
  }
  for (const auto keyword : kForbiddenKeywords) {
    if (schema.contains(keyword)) {
      problems.push_back(fmt::format("{}: '{}' is not portable", path, keyword));
    }
  }
  if (!root && schema.contains("additionalProperties")) {
    problems.push_back(path + ": additionalProperties is allowed at the root only");
  }
  const Json type = schema.value("type", Json());
  if (!type.is_string()) {
    problems.push_back(path + ": needs a single 'type' string");
  }
  if (type == "array") {
    if (!schema.contains("items")) {
      problems.push_back(path + ": an array needs 'items'");
    } else {
      CheckSchema(schema["items"], path + ".items", false, problems);
    }
  }
  if (schema.contains("properties")) {
    for (const auto& [name, sub] : schema["properties"].items()) {
      if (IsKeywordName(name)) {
        problems.push_back(
            fmt::format("{}: property '{}' is named like a schema keyword", path, name));
      }
      CheckSchema(sub, path + "." + name, false, problems);
    }
  }
  if (schema.contains("required")) {
    for (const auto& name : schema["required"]) {
      if (!name.is_string() || !schema.contains("properties") ||
          !schema["properties"].contains(name.get<std::string>())) {
        problems.push_back(
            fmt::format("{}: required '{}' is not a declared property", path, name.dump()));
      }
    }
  }
}

bool HasType(const Json& value, const std::string& type) {
  if (type == "object") {
    return value.is_object();
  }
  if (type == "array") {
    return value.is_array();
  }
  if (type == "string") {
    return value.is_string();
  }
  if (type == "integer") {
    // Within int64, where the tools read it: 2^63 would wrap to a negative id.
    if (value.is_number_unsigned()) {
      return value.get<std::uint64_t>() <=
             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    }
    if (value.is_number_integer()) {
      return true;
    }
    if (!value.is_number_float()) {
      return false;
    }
    const double number = value.get<double>();
    constexpr double kTwoTo63 = 9223372036854775808.0;
    return std::isfinite(number) && number >= -kTwoTo63 && number < kTwoTo63 &&
           number == std::trunc(number);
  }
  if (type == "number") {
    return value.is_number();
  }
  if (type == "boolean") {
    return value.is_boolean();
  }
  if (type == "null") {
    return value.is_null();
  }
  return true;
}

std::string Describe(const Json& value) {
  std::string text = value.dump();
  if (text.size() > 40) {
    text = text.substr(0, 37) + "...";
  }
  return text;
}

// Where a value sits in the arguments ("fields.labels[2]"). Steps live on the validator's stack
// and are rendered only when a check fails: a 50-issue result is checked on every call, and
// formatting a path for each of its values cost more than the checks.
struct PathStep {
  const PathStep* parent = nullptr;
  std::string_view name;  // a property's name, unless is_index
  std::size_t index = 0;
  bool is_index = false;
};

std::string Render(const PathStep* step) {
  if (step == nullptr) {
    return {};
  }
  std::string head = Render(step->parent);
  if (!step->is_index) {
    return head.empty() ? std::string(step->name) : head + "." + std::string(step->name);
  }
  return fmt::format("{}[{}]", head, step->index);
}

core::Status Fail(const PathStep* path, const std::string& why) {
  return {core::Code::kInvalidArgument, fmt::format("argument '{}' {}", Render(path), why)};
}

// The member `key` of `schema`, or null when absent (a reference: schemas are never copied).
const Json& Keyword(const Json& schema, const char* key) {
  static const Json kAbsent;
  const auto found = schema.find(key);
  return found == schema.end() ? kAbsent : *found;
}

core::Status Validate(const Json& schema, const Json& value, const PathStep* path, bool root);

core::Status ValidateObject(const Json& schema, const Json& value, const PathStep* path,
                            bool root) {
  const Json& properties = Keyword(schema, "properties");
  for (const auto& name : Keyword(schema, "required")) {
    if (!value.contains(name.get_ref<const std::string&>())) {
      const PathStep step{path, name.get_ref<const std::string&>()};
      return Fail(&step, "is required");
    }
  }
  for (const auto& [name, item] : value.items()) {
    const PathStep step{path, name};
    const auto declared = properties.find(name);
    if (declared != properties.end()) {
      if (auto status = Validate(*declared, item, &step, false); !status.ok()) {
        return status;
      }
    } else if (root && schema.value("additionalProperties", true) == false) {
      std::string known;
      for (const auto& [key, unused] : properties.items()) {
        known += known.empty() ? key : ", " + key;
      }
      return Fail(&step, fmt::format("is not a known argument (known: {})", known));
    }
  }
  return core::Status::Ok();
}

// "be at least 3", "have at most 1 item", "have at least 2 characters".
std::string Bound(const char* relation, const Json& bound, const char* unit) {
  if (*unit == '\0') {
    return fmt::format("be {} {}", relation, bound.dump());
  }
  return fmt::format("have {} {} {}{}", relation, bound.dump(), unit,
                     bound.get<double>() == 1 ? "" : "s");
}

// minimum/maximum, minLength/maxLength or minItems/maxItems against `measure`; `unit` is what
// is counted, singular ("" for a number's own value).
core::Status CheckRange(const Json& schema, const PathStep* path, double measure,
                        const char* min_key, const char* max_key, const char* unit) {
  const Json& low = Keyword(schema, min_key);
  if (low.is_number() && measure < low.get<double>()) {
    return Fail(path, "must " + Bound("at least", low, unit));
  }
  const Json& high = Keyword(schema, max_key);
  if (high.is_number() && measure > high.get<double>()) {
    return Fail(path, "must " + Bound("at most", high, unit));
  }
  return core::Status::Ok();
}

core::Status ValidateBounds(const Json& schema, const Json& value, const PathStep* path) {
  if (value.is_number()) {
    return CheckRange(schema, path, value.get<double>(), "minimum", "maximum", "");
  }
  if (value.is_string()) {
    const auto length = static_cast<double>(value.get_ref<const std::string&>().size());
    return CheckRange(schema, path, length, "minLength", "maxLength", "character");
  }
  if (value.is_array()) {
    return CheckRange(schema, path, static_cast<double>(value.size()), "minItems", "maxItems",
                      "item");
  }
  return core::Status::Ok();
}

core::Status Validate(const Json& schema, const Json& value, const PathStep* path, bool root) {
  const Json& type = Keyword(schema, "type");
  if (type.is_string() && !HasType(value, type.get_ref<const std::string&>())) {
    // The property's own description often says what to pass instead (ADF vs markdown).
    const Json& note = Keyword(schema, "description");
    return Fail(path, fmt::format("must be of type {}, not {}{}",
                                  type.get_ref<const std::string&>(), Describe(value),
                                  note.is_string() ? " (" + note.get<std::string>() + ")" : ""));
  }
  const Json& options = Keyword(schema, "enum");
  if (options.is_array() && std::find(options.begin(), options.end(), value) == options.end()) {
    return Fail(path, fmt::format("must be one of {}", options.dump()));
  }
  if (auto status = ValidateBounds(schema, value, path); !status.ok()) {
    return status;
  }
  if (value.is_object() && schema.contains("properties")) {
    return ValidateObject(schema, value, path, root);
  }
  const Json& items = Keyword(schema, "items");
  if (value.is_array() && items.is_object()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      const PathStep step{path, {}, i, true};
      if (auto status = Validate(items, value[i], &step, false); !status.ok()) {
        return status;
      }
    }
  }
  return core::Status::Ok();
}

}  // namespace

std::vector<std::string> PortabilityProblems(const Json& schema) {
  std::vector<std::string> problems;
  CheckSchema(schema, "$", true, problems);
  if (schema.is_object() && schema.value("type", "") != "object") {
    problems.emplace_back("$: the root must be of type object");
  }
  return problems;
}

core::Status ValidateArguments(const Json& schema, const Json& value) {
  if (!value.is_object()) {
    return {core::Code::kInvalidArgument, "arguments must be a JSON object"};
  }
  return Validate(schema, value, nullptr, true);
}

}  // namespace mcp
