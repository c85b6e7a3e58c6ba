#include "tools/tool_support.h"

#include <fmt/format.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/url.h"
#include "mcp/schema_profile.h"
#include "tools/adf.h"
#include "tools/fields.h"

namespace jira_schemas {
std::string_view Embedded(std::string_view file_name);
}  // namespace jira_schemas

namespace tools {
namespace {

constexpr std::string_view kCursorPrefix = "c1.";

std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

core::Result<Json> LoadSchema(const std::string& file) {
  const std::string_view text = jira_schemas::Embedded(file);
  if (text.empty()) {
    return core::Status(core::Code::kInternal, "schema file " + file + " is not embedded");
  }
  Json schema = Json::parse(text, nullptr, false);
  if (schema.is_discarded()) {
    return core::Status(core::Code::kInternal, "schema file " + file + " is not valid JSON");
  }
  return schema;
}

mcp::ToolResult RunHandler(const JiraTool& tool, const Json& arguments,
                           const mcp::CallContext& context) {
  try {
    auto result = tool.handler(arguments, context);
    if (!result.ok()) {
      return mcp::ToolResult::FromStatus(result.status());
    }
    return std::move(*result);
  } catch (const nlohmann::json::exception& error) {
    core::GetLogger("jira")->error("tool_shape_error request_id={} tool={} what=\"{}\"",
                                   context.request_id(), tool.info.name, error.what());
    return mcp::ToolResult::Error(
        "Jira answered in a shape this tool did not expect; the call may or may not have taken "
        "effect. Read the item back before retrying.");
  }
}

}  // namespace

mcp::ToolAnnotations ReadOnly() {
  return {.read_only = true, .destructive = false, .idempotent = true, .open_world = true};
}
mcp::ToolAnnotations Additive() {
  return {.read_only = false, .destructive = false, .idempotent = false, .open_world = true};
}
mcp::ToolAnnotations Idempotent() {
  return {.read_only = false, .destructive = false, .idempotent = true, .open_world = true};
}
mcp::ToolAnnotations Destructive() {
  return {.read_only = false, .destructive = true, .idempotent = true, .open_world = true};
}

core::Result<mcp::ToolDefinition> Define(const JiraTool& tool) {
  auto input = LoadSchema(tool.info.name + ".input.json");
  if (!input.ok()) {
    return input.status();
  }
  auto output = LoadSchema(tool.info.name + ".output.json");
  if (!output.ok()) {
    return output.status();
  }
  mcp::ToolDefinition definition;
  definition.name = tool.info.name;
  definition.title = tool.title;
  definition.description = tool.description;
  definition.annotations = tool.annotations;
  definition.input_schema = std::move(*input);
  definition.output_schema = std::move(*output);
  definition.scopes = tool.scopes;
  definition.handler = [tool](const Json& arguments, const mcp::CallContext& context) {
    return RunHandler(tool, arguments, context);
  };
  return definition;
}

JiraRequest Request(std::string method, std::string path, const std::vector<std::string>& scopes,
                    const Json& arguments) {
  JiraRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.scopes = scopes;
  request.site = StringArg(arguments, "site");
  return request;
}

std::string Encode(std::string_view text) { return core::PercentEncode(text); }

std::string EncodeCursor(Json state, std::string_view binding) {
  state["h"] = fmt::format("{:016x}", Fnv1a(binding));
  return std::string(kCursorPrefix) + core::Base64UrlEncode(state.dump());
}

core::Result<Json> DecodeCursor(const std::string& cursor, std::string_view binding) {
  const core::Status bad(core::Code::kInvalidArgument,
                         "The cursor is not one this tool issued for these arguments. Repeat the "
                         "call without `cursor` to start from the first page.");
  if (cursor.rfind(kCursorPrefix, 0) != 0) {
    return bad;
  }
  const auto decoded = core::Base64UrlDecode(cursor.substr(kCursorPrefix.size()));
  if (!decoded) {
    return bad;
  }
  Json state = Json::parse(*decoded, nullptr, false);
  if (!state.is_object() || state.value("h", "") != fmt::format("{:016x}", Fnv1a(binding))) {
    return bad;
  }
  return state;
}

std::string StringArg(const Json& arguments, const char* name, std::string fallback) {
  if (!arguments.is_object() || !arguments.contains(name) || !arguments[name].is_string()) {
    return fallback;
  }
  return arguments[name].get<std::string>();
}

std::vector<std::string> StringListArg(const Json& arguments, const char* name) {
  std::vector<std::string> out;
  if (!arguments.is_object() || !arguments.contains(name) || !arguments[name].is_array()) {
    return out;
  }
  for (const auto& item : arguments[name]) {
    if (item.is_string()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::string ValueText(const Json& value, std::size_t max_bytes) {
  std::string text;
  if (value.is_null()) {
    text = "-";
  } else if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_object() && value.contains("displayName")) {
    text = ValueText(value["displayName"], max_bytes);
  } else if (value.is_object() && value.contains("key") && value.contains("summary")) {
    text = fmt::format("{} {}", ValueText(value["key"]), ValueText(value["summary"]));
  } else if (value.is_array()) {
    std::vector<std::string> items;
    for (const auto& item : value) {
      items.push_back(ValueText(item, max_bytes));
    }
    text = fmt::format("{}", fmt::join(items, ", "));
  } else {
    text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r') {
      c = ' ';
    }
  }
  if (text.size() > max_bytes) {
    text = Utf8Prefix(text, max_bytes) + "…";
  }
  return text;
}

std::string IssueLine(const Json& issue, std::size_t max_value_bytes) {
  std::string line = ValueText(issue.value("key", Json()), max_value_bytes);
  for (const auto& [name, value] : issue.items()) {
    if (name == "id" || name == "key") {
      continue;
    }
    if (name == "summary") {
      line += " · " + ValueText(value, max_value_bytes);
    } else {
      line += fmt::format(" · {}: {}", name, ValueText(value, max_value_bytes));
    }
  }
  return line;
}

core::Result<Json> RichText(const Json& value, const char* argument) {
  if (value.is_string()) {
    return MarkdownToAdf(value.get<std::string>());
  }
  auto status = CheckAdfShape(value);
  if (!status.ok()) {
    return status.WithContext(fmt::format("argument '{}'", argument));
  }
  return value;
}

}  // namespace tools
