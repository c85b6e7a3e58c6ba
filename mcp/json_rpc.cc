#include "mcp/json_rpc.h"

#include <fmt/format.h>

#include <limits>
#include <variant>

namespace mcp {
namespace {

bool IsValidId(const Json& id) { return id.is_string() || id.is_number(); }

Rejection Invalid(const Json& id, const std::string& why) {
  return {MakeError(id, rpc::kInvalidRequest, "Invalid Request: " + why), why};
}

std::variant<Message, Rejection> Classify(Json&& json) {
  const bool has_id = json.contains("id");
  const Json id = has_id && IsValidId(json["id"]) ? json["id"] : Json();
  if (json.value("jsonrpc", Json()) != "2.0") {
    return Invalid(id, "\"jsonrpc\" must be \"2.0\"");
  }
  if (has_id && !IsValidId(json["id"])) {
    return Invalid(nullptr, "\"id\" must be a string or a number");
  }

  Message message;
  message.id = id;
  if (!json.contains("method")) {
    if (!has_id || (!json.contains("result") && !json.contains("error"))) {
      return Invalid(id, "a message needs \"method\", or \"id\" with \"result\" or \"error\"");
    }
    message.kind = Message::Kind::kResponse;
    if (json.contains("error")) {
      message.error = std::move(json["error"]);
    } else {
      message.result = std::move(json["result"]);
    }
    return message;
  }
  if (!json["method"].is_string()) {
    return Invalid(id, "\"method\" must be a string");
  }
  message.method = json["method"].get<std::string>();
  message.kind = has_id ? Message::Kind::kRequest : Message::Kind::kNotification;
  if (json.contains("params")) {
    if (!json["params"].is_object()) {
      // MCP params are always objects; positional (array) params are not used.
      return Rejection{MakeError(id, rpc::kInvalidParams, "Invalid params: must be an object"),
                       "params not an object"};
    }
    message.params = std::move(json["params"]);
  }
  return message;
}

}  // namespace

JsonExtent MeasureJson(std::string_view text, int max_depth, std::size_t max_values) {
  JsonExtent extent;
  int depth = 0;
  std::size_t values = 1;  // each "{", "[" and "," outside strings starts at most one more
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c == '[' || c == '{') {
      extent.too_deep = ++depth > max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
    if (c == '[' || c == '{' || c == ',') {
      extent.too_many = ++values > max_values;
    }
    if (extent.too_deep || extent.too_many) {
      break;
    }
  }
  return extent;
}

bool NestingWithin(std::string_view text, int max_depth) {
  return !MeasureJson(text, max_depth, std::numeric_limits<std::size_t>::max()).too_deep;
}

std::variant<Message, Rejection> ParseMessage(std::string_view text, int max_depth) {
  const JsonExtent extent = MeasureJson(text, max_depth, kMaxMessageValues);
  if (extent.too_deep) {
    return Invalid(nullptr, fmt::format("nested deeper than {} levels", max_depth));
  }
  if (extent.too_many) {
    // A parsed value takes some 200 bytes: 4 MiB of "{}," would hold gigabytes once parsed.
    return Invalid(nullptr, fmt::format("more than {} JSON values", kMaxMessageValues));
  }
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Rejection{MakeError(nullptr, rpc::kParseError, "Parse error: not valid JSON (UTF-8)"),
                     "parse error"};
  }
  if (json.is_array()) {
    return Invalid(nullptr,
                   "batches are not supported; send each message on its own (a line on stdio, a "
                   "POST over HTTP)");
  }
  if (!json.is_object()) {
    return Invalid(nullptr, "a message must be a JSON object");
  }
  const bool notification = !json.contains("id") && json.contains("method");
  auto classified = Classify(std::move(json));
  if (auto* rejection = std::get_if<Rejection>(&classified); rejection && notification) {
    // A notification never gets an answer, even a malformed one: there is no id to answer.
    rejection->answer.reset();
  }
  return classified;
}

Json MakeResult(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json MakeError(const Json& id, int code, std::string message, Json data) {
  Json error = {{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) {
    error["data"] = std::move(data);
  }
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

Json MakeNotification(std::string method, Json params) {
  return {{"jsonrpc", "2.0"}, {"method", std::move(method)}, {"params", std::move(params)}};
}

std::string Serialize(const Json& message) {
  std::string text = message.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  // U+2028 and U+2029 (E2 80 A8/A9, only ever inside a string here) as escapes: readers that
  // split lines on every Unicode line break would cut the message there.
  for (std::size_t at = text.find("\xE2\x80"); at != std::string::npos;
       at = text.find("\xE2\x80", at + 1)) {
    const char last = at + 2 < text.size() ? text[at + 2] : '\0';
    if (last == '\xA8' || last == '\xA9') {
      text.replace(at, 3, last == '\xA8' ? "\\u2028" : "\\u2029");
    }
  }
  return text;
}

std::string IdForLog(const Json& id) { return id.is_null() ? "-" : Serialize(id); }

}  // namespace mcp
