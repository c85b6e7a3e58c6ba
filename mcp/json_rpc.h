// JSON-RPC 2.0 framing for MCP: parsing one message, building answers, and writing JSON that is
// valid UTF-8 whatever the input held.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/status.h"
#include "mcp/tool.h"

namespace mcp {

namespace rpc {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// 2026-07-28 (spec-reserved range -32020..-32099).
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingRequiredClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;
}  // namespace rpc

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  Json id;  // as sent: string or number (integer or not); null for notifications
  std::string method;
  Json params = Json::object();
  // Responses only (answers to server-to-client requests): exactly one of them is set.
  Json result;
  Json error;
};

// A message that could not be accepted, with the error answer to send (if any: a broken
// notification gets none, and a parse error answers with id null).
struct Rejection {
  std::optional<Json> answer;
  std::string reason;  // for logs
};

// How deep a message may nest: room for a rich-text document given as an argument (an ADF
// list nested fifty levels takes two JSON levels per node, some 200 in all) and its envelope.
inline constexpr int kMaxMessageNesting = 512;
// How many JSON values a message may hold: fifty issues with rich-text documents fit, and the
// parsed message stays in tens of MiB.
inline constexpr std::size_t kMaxMessageValues = 300'000;

// Parses one message. Rejects batches (-32600), invalid JSON and invalid UTF-8 (-32700), nesting
// deeper than `max_depth` (-32600), and anything that is not a JSON-RPC 2.0 request,
// notification or response (-32600, echoing the id when one can be read).
std::variant<Message, Rejection> ParseMessage(std::string_view text,
                                              int max_depth = kMaxMessageNesting);

// True when no array or object in the JSON `text` nests deeper than `max_depth`, counted without
// parsing. Whatever walks a parsed document recursively (and nlohmann's parser) needs a bound on
// its depth, so hostile or broken input is measured first, from a client and from upstream alike.
bool NestingWithin(std::string_view text, int max_depth);

// Whether JSON `text` nests deeper than `max_depth` or holds more than `max_values` values, found
// in one pass without parsing (the value count an upper bound) that stops at the first excess.
struct JsonExtent {
  bool too_deep = false;
  bool too_many = false;
};
JsonExtent MeasureJson(std::string_view text, int max_depth, std::size_t max_values);

Json MakeResult(const Json& id, Json result);
Json MakeError(const Json& id, int code, std::string message, Json data = nullptr);
Json MakeNotification(std::string method, Json params);

// Compact serialization that never throws: invalid UTF-8 from upstream is replaced with U+FFFD,
// and U+2028 and U+2029 are written as escapes, so that a message is one line for any reader.
std::string Serialize(const Json& message);

// The id as short text for logs ("7", "\"abc\"").
std::string IdForLog(const Json& id);

}  // namespace mcp
