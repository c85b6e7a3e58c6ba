#include "mcp/schema_profile.h"

#include <fmt/format.h>

#include <array>
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
    return value.is_number_integer() ||
           (value.is_number_float() &&
            value.get<double>() == static_cast<double>(value.get<std::int64_t>()));
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

core::Status Fail(const std::string& path, const std::string& why) {
  return {core::Code::kInvalidArgument, fmt::format("argument '{}' {}", path, why)};
}

core::Status Validate(const Json& schema, const Json& value, const std::string& path, bool root);

core::Status ValidateObject(const Json& schema, const Json& value, const std::string& path,
                            bool root) {
  const Json properties = schema.value("properties", Json::object());
  for (const auto& name : schema.value("required", Json::array())) {
    if (!value.contains(name.get<std::string>())) {
      return Fail(path.empty() ? name.get<std::string>() : path + "." + name.get<std::string>(),
                  "is required");
    }
  }
  for (const auto& [name, item] : value.items()) {
    const std::string item_path = path.empty() ? name : path + "." + name;
    if (properties.contains(name)) {
      if (auto status = Validate(properties[name], item, item_path, false); !status.ok()) {
        return status;
      }
    } else if (root && schema.value("additionalProperties", true) == false) {
      std::string known;
      for (const auto& [key, unused] : properties.items()) {
        known += known.empty() ? key : ", " + key;
      }
      return Fail(item_path, fmt::format("is not a known argument (known: {})", known));
    }
  }
  return core::Status::Ok();
}

core::Status ValidateBounds(const Json& schema, const Json& value, const std::string& path) {
  if (value.is_number()) {
    const double number = value.get<double>();
    if (schema.contains("minimum") && number < schema["minimum"].get<double>()) {
      return Fail(path, fmt::format("must be at least {}", schema["minimum"].dump()));
    }
    if (schema.contains("maximum") && number > schema["maximum"].get<double>()) {
      return Fail(path, fmt::format("must be at most {}", schema["maximum"].dump()));
    }
  }
  if (value.is_string()) {
    const auto length = value.get_ref<const std::string&>().size();
    if (schema.contains("minLength") && length < schema["minLength"].get<std::size_t>()) {
      return Fail(path,
                  fmt::format("must have at least {} characters", schema["minLength"].dump()));
    }
    if (schema.contains("maxLength") && length > schema["maxLength"].get<std::size_t>()) {
      return Fail(path, fmt::format("must have at most {} characters", schema["maxLength"].dump()));
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<std::size_t>()) {
      return Fail(path, fmt::format("must have at least {} items", schema["minItems"].dump()));
    }
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<std::size_t>()) {
      return Fail(path, fmt::format("must have at most {} items", schema["maxItems"].dump()));
    }
  }
  return core::Status::Ok();
}

core::Status Validate(const Json& schema, const Json& value, const std::string& path, bool root) {
  const std::string type = schema.value("type", "");
  if (!type.empty() && !HasType(value, type)) {
    // The property's own description often says what to pass instead (ADF vs markdown).
    const Json note = schema.value("description", Json());
    return Fail(path, fmt::format("must be of type {}, not {}{}", type, Describe(value),
                                  note.is_string() ? " (" + note.get<std::string>() + ")" : ""));
  }
  if (schema.contains("enum")) {
    const auto& options = schema["enum"];
    if (std::find(options.begin(), options.end(), value) == options.end()) {
      return Fail(path, fmt::format("must be one of {}", options.dump()));
    }
  }
  if (auto status = ValidateBounds(schema, value, path); !status.ok()) {
    return status;
  }
  if (value.is_object() && schema.contains("properties")) {
    return ValidateObject(schema, value, path, root);
  }
  if (value.is_array() && schema.contains("items")) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      auto status = Validate(schema["items"], value[i], fmt::format("{}[{}]", path, i), false);
      if (!status.ok()) {
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
  return Validate(schema, value, "", true);
}

}  // namespace mcp
