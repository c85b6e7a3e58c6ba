#include "tools/tool_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <set>

#include "core/base64.h"
#include "core/log.h"
#include "core/memory.h"
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

// Where a site-bound cursor keeps the cloudId and the name of its site.
constexpr const char* kSiteIdKey = "c";
constexpr const char* kSiteNameKey = "cn";

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

// What an identifier argument must look like. Jira's keys and ids never hold '/', '?', '#' or
// whitespace; where the shape is known it is checked whole, so a mistyped value is refused with
// what it should look like instead of reaching Jira percent-encoded.
enum class Shape {
  kAnyKey,      // no '/', '?', '#' or whitespace
  kIssueKey,    // PROJ-123, or an issue id (digits)
  kProjectKey,  // PROJ, or a project id (digits)
  kNumericId,   // digits: comments, attachments, links, worklogs
};

// An argument of `input_schema` that names one Jira item and so may end up in a path (or, for
// issue_keys, in the JQL of a read-back): a top-level string called `*_key` or `*_id`, or an array
// of strings called `*_keys`. `required` is set when the schema requires it to be non-empty.
struct IdentifierArgument {
  std::string name;
  Shape shape = Shape::kAnyKey;
  bool required = false;
  bool list = false;
};

Shape ShapeOf(std::string_view name) {
  if (name == "project_key") {
    return Shape::kProjectKey;
  }
  if (name == "issue_key" || name == "issue_keys" || name == "from_key" || name == "to_key" ||
      name == "parent_key") {
    return Shape::kIssueKey;
  }
  if (name == "comment_id" || name == "attachment_id" || name == "link_id" ||
      name == "worklog_id") {
    return Shape::kNumericId;
  }
  return Shape::kAnyKey;
}

std::vector<IdentifierArgument> IdentifierArguments(const Json& input_schema) {
  std::vector<IdentifierArgument> arguments;
  const Json properties = input_schema.value("properties", Json::object());
  for (const auto& [name, property] : properties.items()) {
    if (!property.is_object()) {
      continue;
    }
    const std::string type = ValueOr(property, "type", "");
    const bool one = (name.ends_with("_key") || name.ends_with("_id")) && type == "string";
    const bool list = name.ends_with("_keys") && type == "array";
    if (one || list) {
      arguments.push_back({.name = name,
                           .shape = ShapeOf(name),
                           .required = one && ValueOr(property, "minLength", 0) >= 1,
                           .list = list});
    }
  }
  return arguments;
}

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A project key as Jira Cloud allows it: an ASCII letter, then letters, digits or '_'.
bool IsProjectKey(std::string_view text) {
  return !text.empty() && std::isalpha(static_cast<unsigned char>(text.front())) != 0 &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; });
}

bool IsIssueKey(std::string_view text) {
  const std::size_t dash = text.rfind('-');
  return dash != std::string_view::npos && IsProjectKey(text.substr(0, dash)) &&
         AllDigits(text.substr(dash + 1));
}

bool HasShape(std::string_view value, Shape shape) {
  switch (shape) {
    case Shape::kIssueKey:
      return IsIssueKey(value) || AllDigits(value);
    case Shape::kProjectKey:
      return IsProjectKey(value) || AllDigits(value);
    case Shape::kNumericId:
      return AllDigits(value);
    case Shape::kAnyKey:
      break;
  }
  return value.find_first_of("/?# \t\r\n\f\v") == std::string_view::npos;
}

std::string_view ShapeHint(Shape shape) {
  switch (shape) {
    case Shape::kIssueKey:
      return "An issue key looks like PROJ-123 (a project key, '-', a number); an issue id is a "
             "number like 10042.";
    case Shape::kProjectKey:
      return "A project key looks like PROJ (a letter, then letters, digits or '_'); a project id "
             "is a number like 10000.";
    case Shape::kNumericId:
      return "This id is a number like 10042, as Jira lists it.";
    case Shape::kAnyKey:
      break;
  }
  return "A Jira key or id has no '/', '?', '#' or whitespace in it.";
}

// The value as a quoted JSON string, cut short: safe to show whatever it holds.
std::string Shown(const std::string& value) {
  constexpr std::size_t kShownBytes = 60;
  std::string shown = Utf8Prefix(value, kShownBytes);
  if (shown.size() < value.size()) {
    shown += "…";
  }
  return Json(shown).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Refuses one identifier value that is blank, "." or ".." (F7: none names a Jira item, and "."
// or ".." in a path could address another endpoint), or that has not the argument's shape.
core::Status CheckIdentifier(const std::string& name, const std::string& value, Shape shape,
                             bool required) {
  if (value.empty() && !required) {
    return {};
  }
  if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
    return {core::Code::kInvalidArgument,
            fmt::format("`{}` is empty. Give the key or id of the Jira item.", name)};
  }
  if (IsDotSegment(value)) {
    return {core::Code::kInvalidArgument,
            fmt::format("`{}` is '{}', which is not a Jira key or id. Give the key or id of the "
                        "Jira item.",
                        name, value)};
  }
  if (!HasShape(value, shape)) {
    return {core::Code::kInvalidArgument,
            fmt::format("`{}` is {}, which is not a Jira key or id. {}", name, Shown(value),
                        ShapeHint(shape))};
  }
  return {};
}

core::Status CheckIdentifiers(const std::vector<IdentifierArgument>& identifiers,
                              const Json& arguments) {
  for (const auto& identifier : identifiers) {
    if (!arguments.is_object() || !arguments.contains(identifier.name)) {
      continue;
    }
    const Json& value = arguments[identifier.name];
    if (value.is_string()) {
      auto status = CheckIdentifier(identifier.name, value.get_ref<const std::string&>(),
                                    identifier.shape, identifier.required);
      if (!status.ok()) {
        return status;
      }
    }
    if (!identifier.list || !value.is_array()) {
      continue;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_string()) {
        continue;
      }
      auto status = CheckIdentifier(fmt::format("{}[{}]", identifier.name, i),
                                    value[i].get_ref<const std::string&>(), identifier.shape, true);
      if (!status.ok()) {
        return status;
      }
    }
  }
  return {};
}

// An error's text as markdown that holds no link, image, HTML or block of what it quotes: it
// quotes arguments and Jira's messages, which hold anything. Line breaks become spaces (no block
// or link definition can start), `](` is escaped (no link text can end) and a `<` that could open
// HTML or an autolink reads as `&lt;` and a bidirectional control as its name; nothing else
// changes, so that the examples and cursors it gives stay exact.
std::string ErrorText(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (std::size_t at = 0; at < message.size(); ++at) {
    const char next = at + 1 < message.size() ? message[at + 1] : '\0';
    if (message[at] == '\r' || message[at] == '\n') {
      out += ' ';
      continue;
    }
    if (message[at] == '<' && OpensTag(next)) {
      out += "&lt;";
      continue;
    }
    if (const std::size_t bidi = BidiControlAt(message, at); bidi > 0) {
      out += BidiName(message.substr(at, bidi));
      at += bidi - 1;
      continue;
    }
    if (message[at] == ']' && next == '(') {
      out += '\\';
    }
    out += message[at];
  }
  return out;
}

// The error result of a tool call, its text as ErrorText.
mcp::ToolResult ErrorResult(const core::Status& status) {
  return mcp::ToolResult::FromStatus(
      core::Status(status.code(), ErrorText(status.message()), status.detail()));
}

// Ends every tool call, also one that throws: the Jira answers it read are gone by then, so its
// place for large answers goes back, and so does the free memory a large one leaves behind.
struct EndOfCall {
  EndOfCall() = default;
  EndOfCall(const EndOfCall&) = delete;
  EndOfCall& operator=(const EndOfCall&) = delete;
  EndOfCall(EndOfCall&&) = delete;
  EndOfCall& operator=(EndOfCall&&) = delete;
  ~EndOfCall() { core::ReleaseNotedMemory(); }
};

// The state a cursor of ours holds, its binding not checked; null for anything else.
Json CursorState(const std::string& cursor) {
  if (cursor.rfind(kCursorPrefix, 0) != 0) {
    return nullptr;
  }
  const auto decoded = core::Base64UrlDecode(cursor.substr(kCursorPrefix.size()));
  Json state = decoded ? Json::parse(*decoded, nullptr, false) : Json();
  return state.is_object() ? state : Json();
}

// The arguments as the tool sees them, when they differ from the caller's:
// - issue keys spelled in small letters are in capitals, as Jira answers with them, so that a
//   reply names the issue as Jira does;
// - a call with a cursor and no `site` continues on the site the cursor names, resolved as any
//   `site` is, among the caller's own sites.
std::optional<Json> Prepared(const std::vector<IdentifierArgument>& identifiers,
                             const Json& arguments) {
  if (!arguments.is_object()) {
    return std::nullopt;
  }
  std::optional<Json> out;
  const auto changed = [&]() -> Json& {
    if (!out) {
      out = arguments;
    }
    return *out;
  };
  // "mob-12": Jira reads it as MOB-12 and answers with that.
  const auto in_small_letters = [](const Json& value) {
    if (!value.is_string()) {
      return false;
    }
    const auto& text = value.get_ref<const std::string&>();
    return IsIssueKey(text) &&
           std::any_of(text.begin(), text.end(), [](unsigned char c) { return std::islower(c); });
  };
  for (const auto& identifier : identifiers) {
    const auto found = arguments.find(identifier.name);
    if (identifier.shape != Shape::kIssueKey || found == arguments.end()) {
      continue;
    }
    if (in_small_letters(*found)) {
      changed()[identifier.name] = Upper(found->get<std::string>());
    }
    for (std::size_t i = 0; identifier.list && found->is_array() && i < found->size(); ++i) {
      if (in_small_letters((*found)[i])) {
        changed()[identifier.name][i] = Upper((*found)[i].get<std::string>());
      }
    }
  }
  if (!arguments.contains("site") && arguments.contains("cursor") &&
      arguments["cursor"].is_string()) {
    if (std::string site =
            ValueOr(CursorState(arguments["cursor"].get<std::string>()), kSiteIdKey, "");
        !site.empty()) {
      changed()["site"] = std::move(site);
    }
  }
  return out;
}

mcp::ToolResult RunHandler(const JiraTool& tool, const std::vector<IdentifierArgument>& identifiers,
                           const Json& given, const mcp::CallContext& context) {
  const EndOfCall end_of_call;
  if (auto status = CheckIdentifiers(identifiers, given); !status.ok()) {
    return ErrorResult(status);
  }
  const std::optional<Json> prepared = Prepared(identifiers, given);
  const Json& arguments = prepared ? *prepared : given;
  try {
    auto result = tool.handler(arguments, context);
    if (!result.ok()) {
      return ErrorResult(result.status());
    }
    return std::move(*result);
  } catch (const nlohmann::json::exception& error) {
    core::GetLogger("jira")->error("tool_shape_error request_id={} tool={} what=\"{}\"",
                                   context.request_id(), tool.info.name, error.what());
    if (tool.annotations.read_only) {
      return mcp::ToolResult::Error(
          "Jira answered in a shape this tool did not expect, so its answer could not be read. "
          "Try again; if it persists, ask for fewer fields.");
    }
    return mcp::ToolResult::Error(
        "Jira answered in a shape this tool did not expect; the call may or may not have taken "
        "effect. Read the item back before retrying.");
  }
}

}  // namespace

std::optional<long long> CursorStart(const Json& state) {
  const Json start_at = state.value("s", Json(0));
  // Edited by hand: a position is a count, and Jira's startAt a 32-bit integer.
  if (!start_at.is_number_unsigned() ||
      start_at.get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
    return std::nullopt;
  }
  return start_at.get<long long>();
}

core::Status ForeignCursor() {
  return {core::Code::kInvalidArgument,
          "The cursor is not one this tool issued for these arguments. Pass it with the same "
          "arguments as the call that returned it (only max_results may change), or repeat the "
          "call without `cursor` to start from the first page."};
}

mcp::ToolAnnotations ReadOnly() {
  return {.read_only = true, .destructive = false, .idempotent = true, .open_world = true};
}
mcp::ToolAnnotations Additive() {
  return {.read_only = false, .destructive = false, .idempotent = false, .open_world = true};
}
mcp::ToolAnnotations Destructive(bool idempotent) {
  return {.read_only = false, .destructive = true, .idempotent = idempotent, .open_world = true};
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
  definition.handler = [tool, identifiers = IdentifierArguments(definition.input_schema)](
                           const Json& arguments, const mcp::CallContext& context) {
    return RunHandler(tool, identifiers, arguments, context);
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

bool IsDotSegment(std::string_view text) { return text == "." || text == ".."; }

std::string Encode(std::string_view text) {
  if (IsDotSegment(text)) {
    // '.' is unreserved, so PercentEncode keeps it; a segment of only dots must not stay one.
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      out += "%2E";
    }
    return out;
  }
  return core::PercentEncode(text);
}

std::string EncodeCursor(Json state, std::string_view binding) {
  state["h"] = fmt::format("{:016x}", Fnv1a(binding));
  return std::string(kCursorPrefix) + core::Base64UrlEncode(state.dump());
}

core::Result<Json> DecodeCursor(const std::string& cursor, std::string_view binding) {
  Json state = CursorState(cursor);
  if (ValueOr(state, "h", "") != fmt::format("{:016x}", Fnv1a(binding))) {
    return ForeignCursor();
  }
  return state;
}

std::string EncodeSiteCursor(Json state, std::string_view binding, const JiraSite& site) {
  state[kSiteIdKey] = site.id;
  state[kSiteNameKey] = site.name;
  return EncodeCursor(std::move(state), binding);
}

core::Result<Json> DecodeSiteCursor(JiraClient& client, const mcp::CallContext& context,
                                    const Json& arguments, const std::vector<std::string>& scopes,
                                    const std::string& cursor, std::string_view binding) {
  auto state = DecodeCursor(cursor, binding);
  if (!state.ok()) {
    return state;
  }
  const std::string cloud_id = ValueOr(*state, kSiteIdKey, "");
  if (cloud_id.empty()) {
    return ForeignCursor();
  }

  // The site this call goes to, resolved as the request will resolve it (cached).
  const std::string asked = StringArg(arguments, "site");
  auto site = client.ResolveSite(context, scopes, asked);
  if (!site.ok() && asked == cloud_id && site.status().code() == core::Code::kInvalidArgument) {
    // The site came from the cursor (Prepared): another user's, or edited by hand.
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("The cursor continues a listing on a Jira site that is not "
                                    "among yours (cloudId {}). Repeat the call without `cursor` "
                                    "to start over.",
                                    cloud_id));
  }
  if (!site.ok()) {
    return site.status();
  }
  if (site->id != cloud_id) {
    const std::string name = ValueOr(*state, kSiteNameKey, "");
    if (name == site->name) {
      return ForeignCursor();  // the site's id edited by hand: no advice would lead anywhere
    }
    return core::Status(
        core::Code::kInvalidArgument,
        fmt::format("The cursor continues a listing on Jira site '{}' (cloudId {}), but this call "
                    "goes to '{}'. Repeat the call without `site` to continue where the cursor "
                    "points, or without `cursor` to start on '{}'.",
                    name, cloud_id, site->name, site->name));
  }
  if (const std::string name = ValueOr(*state, kSiteNameKey, "");
      !name.empty() && name != site->name) {
    return ForeignCursor();  // the id edited to another of the user's sites: its name disagrees
  }
  return state;
}

int CursorPageSize(const Json& state, const char* name, int fallback) {
  constexpr int kMaxPageSize = 100;
  if (!state.is_object() || !state.contains(name) || !state[name].is_number_integer()) {
    return fallback;
  }
  return static_cast<int>(std::clamp(state[name].get<long long>(), 1LL, 0LL + kMaxPageSize));
}

std::string StringArg(const Json& arguments, const char* name, std::string_view fallback) {
  return ValueOr(arguments, name, fallback);
}

std::vector<std::string> StringListArg(const Json& arguments, const char* name) {
  std::vector<std::string> out;
  if (!arguments.is_object() || !arguments.contains(name) || !arguments[name].is_array()) {
    return out;
  }
  for (const auto& item : arguments[name]) {
    if (item.is_string() &&
        std::find(out.begin(), out.end(), item.get_ref<const std::string&>()) == out.end()) {
      out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::string Count(std::size_t count, std::string_view singular, std::string_view plural) {
  if (count == 1) {
    return fmt::format("1 {}", singular);
  }
  if (plural.empty()) {
    return fmt::format("{} {}s", count, singular);
  }
  return fmt::format("{} {}", count, plural);
}

std::string BudgetMarker(std::string_view what) {
  return fmt::format("[truncated to fit the reply budget; {}]", what);
}

std::size_t JsonSize(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace).size();
}

std::size_t TrimToBudget(Json& entries, std::size_t& size, std::size_t budget) {
  while (entries.is_array() && !entries.empty() && size > budget) {
    // The entry and the comma before it (none before a first entry).
    const std::size_t entry = JsonSize(entries.back()) + (entries.size() > 1 ? 1 : 0);
    entries.erase(entries.size() - 1);
    size -= std::min(size, entry);
  }
  return entries.is_array() ? entries.size() : 0;
}

std::string ValueText(const Json& value, std::size_t max_bytes) {
  std::string text;
  if (value.is_null()) {
    text = "-";
  } else if (value.is_string()) {
    const auto& whole = value.get_ref<const std::string&>();
    const std::string cut = Utf8Prefix(whole, max_bytes);
    return PlainText(cut) + (cut.size() < whole.size() ? "…" : "");
  } else if (value.is_object() && value.contains("displayName")) {
    text = ValueText(value["displayName"], max_bytes);
  } else if (value.is_object() && value.contains("key") && value.contains("relation")) {
    // A linked issue (IssueLink): "is blocked by DEMO-2 Fix login", the way this issue relates.
    text = fmt::format("{} {}", ValueText(value["relation"]), ValueText(value["key"]));
    if (value.contains("summary")) {
      text += " " + ValueText(value["summary"]);
    }
  } else if (value.is_object() && value.contains("key") && value.contains("summary")) {
    text = fmt::format("{} {}", ValueText(value["key"]), ValueText(value["summary"]));
  } else if (value.is_array() && value.empty()) {
    text = "none";
  } else if (value.is_array()) {
    std::vector<std::string> items;
    for (const auto& item : value) {
      items.push_back(ValueText(item, max_bytes));
    }
    text = fmt::format("{}", fmt::join(items, ", "));
  } else if (value.is_object()) {
    // "(total: 1; comments: (id: 7; body: text))". Not JSON: JSON would double the backslash of
    // every escape.
    std::vector<std::string> members;
    for (const auto& [name, member] : value.items()) {
      members.push_back(fmt::format("{}: {}", PlainText(name), ValueText(member, max_bytes)));
    }
    text = fmt::format("({})", fmt::join(members, "; "));
  } else {
    text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  if (text.size() > max_bytes) {
    // Its parts are escaped already: the cut keeps whole escapes.
    std::string cut = Utf8Prefix(text, max_bytes);
    std::size_t slashes = 0;
    while (slashes < cut.size() && cut[cut.size() - 1 - slashes] == '\\') {
      ++slashes;
    }
    cut.resize(cut.size() - slashes % 2);
    text = cut + "…";
  }
  return text;
}

std::string IssueLine(const Json& issue, std::size_t max_value_bytes) {
  std::string line = issue.contains("key")
                         ? ValueText(issue["key"], max_value_bytes)
                         : "(id " + ValueText(issue.value("id", Json()), max_value_bytes) + ")";
  if (issue.contains("summary")) {
    line += " · " + ValueText(issue["summary"], max_value_bytes);
  }
  for (const auto& [name, value] : issue.items()) {
    if (name != "id" && name != "key" && name != "summary") {
      line += fmt::format(" · {}: {}", name, ValueText(value, max_value_bytes));
    }
  }
  return line;
}

core::Result<Json> RichText(const Json& value, const char* argument, RichTextBudget& budget) {
  if (value.is_string()) {
    const auto& markdown = value.get_ref<const std::string&>();
    if (markdown.size() > budget.markdown_bytes) {
      return core::Status(
          core::Code::kInvalidArgument,
          fmt::format("`{}` is not converted: one call converts at most {} KiB of markdown in "
                      "all its rich-text values. Split the change over several calls.",
                      argument, kMaxCallMarkdownBytes >> 10));
    }
    auto adf = MarkdownToAdf(markdown, std::min(kMaxAdfBytes, budget.adf_bytes));
    if (!adf.ok()) {
      return core::Status(
          adf.status().code(),
          fmt::format("`{}` is not converted: {}{}.", argument, adf.status().message(),
                      budget.adf_bytes < kMaxAdfBytes
                          ? fmt::format(" (one call builds at most {} KiB of ADF in all its "
                                        "rich-text values)",
                                        kMaxCallAdfBytes >> 10)
                          : ""));
    }
    budget.markdown_bytes -= markdown.size();
    budget.adf_bytes -= std::min(budget.adf_bytes, JsonSize(*adf));
    return adf;
  }
  auto status = CheckAdfShape(value);
  if (!status.ok()) {
    return status.WithContext(fmt::format("argument '{}'", argument));
  }
  // An ADF object is held to the same bounds as the ADF that markdown converts to.
  const std::size_t size = JsonSize(value);
  if (size > std::min(kMaxAdfBytes, budget.adf_bytes)) {
    return core::Status(
        core::Code::kInvalidArgument,
        fmt::format("`{}` is {} KiB of ADF; this server passes at most {} KiB per value and {} "
                    "KiB per call. Shorten it, or split the change over several calls.",
                    argument, size >> 10, kMaxAdfBytes >> 10, kMaxCallAdfBytes >> 10));
  }
  budget.adf_bytes -= size;
  return value;
}

namespace {

// One value of a write request that may be rich text: the field it sets, where the agent gave it
// (for errors), and whether it is rich text whatever its field's type.
struct RichTextSlot {
  std::string field;
  std::string where;
  Json* value;
  bool rich;
};

bool IsSystemRichText(std::string_view field) {
  return field == "description" || field == "environment";
}

core::Status CollectUpdateSlots(Json& update, std::vector<RichTextSlot>& slots) {
  if (!update.is_object()) {
    return core::Status(core::Code::kInvalidArgument,
                        "`update` maps field ids to lists of operations, such as "
                        "{\"labels\": [{\"add\": \"triage\"}]}.");
  }
  for (auto& [field, operations] : update.items()) {
    if (!operations.is_array()) {
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("`update.{}` must be a list of operations, such as "
                                      "[{{\"set\": value}}] or [{{\"add\": value}}].",
                                      field));
    }
    for (std::size_t i = 0; i < operations.size(); ++i) {
      Json& operation = operations[i];
      if (!operation.is_object() || operation.empty()) {
        return core::Status(
            core::Code::kInvalidArgument,
            fmt::format("`update.{}[{}]` must be an operation object: {{\"set\" | \"add\" | "
                        "\"remove\" | \"edit\": value}}.",
                        field, i));
      }
      for (auto& [verb, operand] : operation.items()) {
        const std::string where = fmt::format("update.{}[{}].{}", field, i, verb);
        if (field == "comment" && (verb == "add" || verb == "edit")) {
          const bool needs_id = verb == "edit";
          if (!operand.is_object() || !operand.contains("body") || operand["body"].is_null() ||
              (needs_id && (!operand.contains("id") ||
                            !(operand["id"].is_string() || operand["id"].is_number_integer())))) {
            return core::Status(
                core::Code::kInvalidArgument,
                fmt::format("`{}` must be an object with the comment's `body` (markdown or an "
                            "ADF document){}, such as {{{}\"body\": \"Fixed in **1.2**\"}}.",
                            where, needs_id ? " and its `id`" : "",
                            needs_id ? "\"id\": \"10001\", " : ""));
          }
          slots.push_back({field, where + ".body", &operand["body"], true});
        } else if (IsSystemRichText(field) && verb != "set") {
          return core::Status(core::Code::kInvalidArgument,
                              fmt::format("`{}`: {} takes only `set` (the whole text), such as "
                                          "[{{\"set\": \"## Steps\"}}].",
                                          where, field));
        } else if (verb == "set") {
          slots.push_back({field, where, &operand, IsSystemRichText(field)});
        }
      }
    }
  }
  return core::Status::Ok();
}

}  // namespace

core::Status ConvertRawRichText(JiraClient& client, const mcp::CallContext& context,
                                const Json& arguments, Json& fields, Json& update,
                                RichTextBudget& budget) {
  std::vector<RichTextSlot> slots;
  for (auto& [field, value] : fields.items()) {
    slots.push_back({field, "fields." + field, &value, IsSystemRichText(field)});
  }
  if (auto status = CollectUpdateSlots(update, slots); !status.ok()) {
    return status;
  }
  // Custom fields set to text may be text areas: their types come from the field list.
  std::set<std::string> text_areas;
  const bool custom_text = std::any_of(slots.begin(), slots.end(), [](const RichTextSlot& slot) {
    return slot.field.starts_with("customfield_") && slot.value->is_string();
  });
  if (custom_text) {
    auto known = client.Call(context, Request("GET", "/rest/api/3/field", ReadWork(), arguments));
    if (!known.ok()) {
      return known.status().WithContext("Looking up the types of the custom fields");
    }
    for (const auto& field : known->body.is_array() ? known->body : Json::array()) {
      if (field.is_object() &&
          ValueOr(field.value("schema", Json()), "custom", "").ends_with(":textarea")) {
        text_areas.insert(ValueOr(field, "id", ""));
      }
    }
  }
  for (const auto& slot : slots) {
    const bool rich = slot.rich || (slot.value->is_string() && text_areas.count(slot.field) != 0);
    if (!rich || slot.value->is_null()) {
      continue;
    }
    auto adf = RichText(*slot.value, slot.where.c_str(), budget);
    if (!adf.ok()) {
      return adf.status();
    }
    *slot.value = std::move(*adf);
  }
  return core::Status::Ok();
}

}  // namespace tools

namespace tools {
namespace {

bool LooksLikeAccountId(const std::string& who) {
  // Atlassian accountIds: 24 hex digits, or "<number>:<uuid>"; never an '@' or a space.
  if (who.size() < 20 || who.find_first_of("@ ") != std::string::npos) {
    return false;
  }
  return std::all_of(who.begin(), who.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == ':' || c == '-'; });
}

// Ids that need no lookup: Jira's system fields, custom field ids, and the forms a field list
// may take ("*all", "*navigable", "-comment"). Anything else may be a name.
bool IsKnownFieldId(std::string_view field) {
  static constexpr std::array<std::string_view, 41> kSystem = {"aggregateprogress",
                                                               "aggregatetimeestimate",
                                                               "aggregatetimeoriginalestimate",
                                                               "aggregatetimespent",
                                                               "assignee",
                                                               "attachment",
                                                               "comment",
                                                               "components",
                                                               "created",
                                                               "creator",
                                                               "description",
                                                               "duedate",
                                                               "environment",
                                                               "fixVersions",
                                                               "issuelinks",
                                                               "issuerestriction",
                                                               "issuetype",
                                                               "labels",
                                                               "lastViewed",
                                                               "parent",
                                                               "priority",
                                                               "progress",
                                                               "project",
                                                               "reporter",
                                                               "resolution",
                                                               "resolutiondate",
                                                               "security",
                                                               "status",
                                                               "statusCategory",
                                                               "statuscategorychangedate",
                                                               "subtasks",
                                                               "summary",
                                                               "timeestimate",
                                                               "timeoriginalestimate",
                                                               "timespent",
                                                               "timetracking",
                                                               "updated",
                                                               "versions",
                                                               "votes",
                                                               "watches",
                                                               "worklog"};
  if (field == "*all" || field == "*navigable" || field == "id" || field == "key") {
    return true;  // id and key come with every issue
  }
  if (field.starts_with('-')) {
    field.remove_prefix(1);
  }
  constexpr std::string_view kCustom = "customfield_";
  if (field.starts_with(kCustom) && field.size() > kCustom.size()) {
    return std::all_of(field.begin() + kCustom.size(), field.end(),
                       [](unsigned char c) { return std::isdigit(c) != 0; });
  }
  return std::find(kSystem.begin(), kSystem.end(), field) != kSystem.end();
}

}  // namespace

std::string DescribeUser(const Json& user) {
  // No "<e-mail>": an error's text would show the '<' as an entity.
  std::string text = ValueOr(user, "displayName", "?") + " (";
  if (user.contains("emailAddress") && user["emailAddress"].is_string()) {
    text += user["emailAddress"].get<std::string>() + ", ";
  }
  return text + "accountId " + ValueOr(user, "accountId", "?") + ")";
}

JiraTool MakeTool(JiraToolInfo info, std::string title, std::string description,
                  mcp::ToolAnnotations annotations, std::vector<std::string> scopes,
                  const std::shared_ptr<JiraClient>& client, ToolImpl impl) {
  JiraTool tool;
  tool.info = std::move(info);
  tool.title = std::move(title);
  tool.description = std::move(description);
  tool.annotations = annotations;
  tool.scopes = std::move(scopes);
  tool.handler = [client, impl](const Json& arguments, const mcp::CallContext& context) {
    return impl(*client, arguments, context);
  };
  return tool;
}

core::Result<OffsetPage> ReadOffsetCursor(JiraClient& client, const mcp::CallContext& context,
                                          const Json& arguments,
                                          const std::vector<std::string>& scopes,
                                          std::string binding, int default_max_results) {
  OffsetPage page;
  page.max_results = arguments.value("max_results", default_max_results);
  page.binding = std::move(binding);
  if (const std::string cursor = StringArg(arguments, "cursor"); !cursor.empty()) {
    auto state = DecodeSiteCursor(client, context, arguments, scopes, cursor, page.binding);
    if (!state.ok()) {
      return state.status();
    }
    const auto start_at = CursorStart(*state);
    if (!start_at) {
      return ForeignCursor();
    }
    page.start_at = *start_at;
    if (!arguments.contains("max_results")) {
      page.max_results = CursorPageSize(*state, "m", page.max_results);
    }
  }
  return page;
}

core::Result<JiraResponse> CallShrinkingPage(
    JiraClient& client, const mcp::CallContext& context, OffsetPage& page,
    const std::function<JiraRequest(const OffsetPage&)>& make, std::string_view one_too_large) {
  const int asked = page.max_results;
  JiraRequest request = make(page);
  auto response = client.Call(context, request);
  while (!response.ok() && AnswerTooLarge(response.status()) && page.max_results > 1) {
    page.max_results = std::max(1, page.max_results / 4);
    page.next_max_results = asked;
    request = make(page);
    response = client.Call(context, request);
  }
  if (!response.ok() && AnswerTooLarge(response.status())) {
    std::string past;
    if (auto site = client.ResolveSite(context, request.scopes, request.site); site.ok()) {
      past = fmt::format(" To list what comes after it, pass cursor \"{}\".",
                         OffsetCursor(page.binding, page.start_at + 1, asked, *site));
    }
    return core::Status(core::Code::kResourceExhausted,
                        fmt::format("Jira's answer for the single entry at offset {} alone is "
                                    "larger than this server reads. {}{}",
                                    page.start_at, one_too_large, past),
                        response.status().detail());
  }
  return response;
}

core::Result<const Json*> PageEntries(const JiraResponse& response, const char* key) {
  const Json& entries = MemberOrNull(response.body, key);
  if (!entries.is_array()) {
    return core::Status(core::Code::kUnavailable,
                        fmt::format("Jira's answer has no \"{}\" list where this tool reads one; "
                                    "the site or a proxy answered in another shape. Try again "
                                    "later.",
                                    key));
  }
  return &entries;
}

void AddOffsetCursor(const OffsetPage& page, const JiraResponse& response, std::size_t returned,
                     Json& structured, std::string& head, std::size_t left_out) {
  const Json& body = response.body;
  const long long next = page.start_at + static_cast<long long>(returned);
  bool has_more = false;
  if (body.is_object() && body.contains("isLast") && body["isLast"].is_boolean()) {
    has_more = !body["isLast"].get<bool>();
  } else if (body.is_object() && body.contains("total") && body["total"].is_number()) {
    has_more = next < body["total"].get<long long>();
  } else {
    has_more = returned >= static_cast<std::size_t>(page.max_results);
  }
  has_more = (has_more || left_out > 0) && returned > 0;
  structured["has_more"] = has_more;
  if (has_more) {
    structured["next_cursor"] = OffsetCursor(
        page.binding, next, page.next_max_results > 0 ? page.next_max_results : page.max_results,
        response.site);
    head += kMoreHint;
  }
  if (left_out > 0) {
    head += " " + BudgetMarker(fmt::format("the next {} come with next_cursor", left_out));
  }
}

mcp::ToolResult OffsetPageReply(const OffsetPage& page, const JiraResponse& response,
                                const char* key, std::string_view noun, Json entries,
                                std::vector<std::string> lines) {
  std::size_t used = 0;
  std::size_t kept = 0;
  for (; kept < lines.size() && kept < entries.size(); ++kept) {
    used += lines[kept].size() + JsonSize(entries[kept]);
    if (kept > 0 && used > kReplyBudget) {
      break;
    }
  }
  const std::size_t left_out = lines.size() - kept;
  lines.resize(kept);
  entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(kept), entries.end());
  std::string head = Count(kept, noun);
  Json structured = {{key, std::move(entries)}};
  AddOffsetCursor(page, response, kept, structured, head, left_out);
  return mcp::ToolResult::Success(head + fmt::format("{}", fmt::join(lines, "")),
                                  std::move(structured));
}

std::string OffsetCursor(std::string_view binding, long long start_at, int max_results,
                         const JiraSite& site) {
  return EncodeSiteCursor({{"s", start_at}, {"m", max_results}}, binding, site);
}

std::string CommentsBinding(std::string_view issue_key, std::string_view order) {
  return fmt::format("list_comments\n{}\n{}", issue_key, order);
}

std::string ChangelogBinding(std::string_view issue_key) {
  return fmt::format("get_changelog\n{}", issue_key);
}

core::Result<std::string> ResolveAccountId(JiraClient& client, const mcp::CallContext& context,
                                           const Json& arguments, const std::string& who,
                                           const std::vector<std::string>& scopes) {
  if (LooksLikeAccountId(who)) {
    return who;
  }
  auto found = client.Call(
      context, Request("GET", "/rest/api/3/user/search?maxResults=20&query=" + Encode(who), scopes,
                       arguments));
  if (!found.ok()) {
    return found.status().WithContext(fmt::format("Finding the user '{}'", who));
  }
  std::vector<Json> users;
  for (const auto& user : found->body.is_array() ? found->body : Json::array()) {
    if (user.is_object() && ValueOr(user, "active", true) && user.contains("accountId")) {
      users.push_back(user);
    }
  }
  std::vector<Json> exact;
  for (const auto& user : users) {
    if (Lower(ValueOr(user, "emailAddress", "")) == Lower(who) ||
        Lower(ValueOr(user, "displayName", "")) == Lower(who)) {
      exact.push_back(user);
    }
  }
  if (exact.size() == 1) {
    return exact.front()["accountId"].get<std::string>();
  }
  if (exact.empty() && users.size() == 1) {
    return users.front()["accountId"].get<std::string>();
  }
  if (users.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("No active Jira user matches '{}'. Check the spelling, or pass "
                                    "the user's accountId (find_users, in the sites toolset, "
                                    "looks one up).",
                                    who));
  }
  std::vector<std::string> candidates;
  for (const auto& user : exact.empty() ? users : exact) {
    candidates.push_back(DescribeUser(user));
  }
  return core::Status(core::Code::kInvalidArgument,
                      fmt::format("'{}' matches several Jira users: {}. Pass the accountId of "
                                  "the one you mean.",
                                  who, fmt::join(candidates, "; ")));
}

namespace {

// The id of `field` in Jira's field list `all`: an id as Jira spells it, else the one field with
// that name in any case (of several, the one spelt exactly so).
core::Result<std::string> FieldIdIn(const Json& all, const std::string& field) {
  if (IsKnownFieldId(field) || std::any_of(all.begin(), all.end(), [&field](const Json& known) {
        return ValueOr(known, "id", "") == field;
      })) {
    return field;
  }
  std::vector<std::string> any_case;
  std::vector<std::string> exact;
  for (const auto& candidate : all) {
    const std::string name = ValueOr(candidate, "name", "");
    if (Lower(name) == Lower(field)) {
      any_case.push_back(ValueOr(candidate, "id", ""));
      if (name == field) {
        exact.push_back(any_case.back());
      }
    }
  }
  const std::vector<std::string>& named = exact.size() == 1 ? exact : any_case;
  if (named.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("No Jira field has the id or name '{}'. Use search_fields to "
                                    "find its id or exact name.",
                                    field));
  }
  if (named.size() > 1) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("{} Jira fields are named '{}' ({}): pass the id of the one "
                                    "you mean.",
                                    named.size(), field, fmt::join(named, ", ")));
  }
  return named.front();
}

}  // namespace

core::Result<std::vector<std::string>> ResolveFieldNames(
    JiraClient& client, const mcp::CallContext& context, const Json& arguments,
    const std::vector<std::string>& fields,
    std::vector<std::pair<std::string, std::string>>& labels) {
  const auto blank = [](const std::string& field) {
    return field.find_first_not_of(" \t") == std::string::npos;
  };
  if (std::any_of(fields.begin(), fields.end(), blank)) {
    return core::Status(core::Code::kInvalidArgument,
                        "`fields` holds an empty entry; give field ids or names, or leave "
                        "`fields` out for the default ones.");
  }
  // Jira's "-field" leaves a field out of "*all" or "*navigable"; alone it leaves out all but ids.
  const bool everything = std::any_of(fields.begin(), fields.end(), [](const std::string& field) {
    return field == "*all" || field == "*navigable";
  });
  if (auto excluded = std::find_if(fields.begin(), fields.end(),
                                   [](const std::string& field) { return field.starts_with('-'); });
      excluded != fields.end() && !everything) {
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("`fields` holds '{}', which leaves a field out of \"*all\" or "
                                    "\"*navigable\": give it with one of those, or list only the "
                                    "fields you want.",
                                    *excluded));
  }
  if (std::all_of(fields.begin(), fields.end(), IsKnownFieldId)) {
    return fields;
  }
  auto known = client.Call(context, Request("GET", "/rest/api/3/field", ReadWork(), arguments));
  if (!known.ok()) {
    return known.status().WithContext("Looking up field names");
  }
  const Json& all = known->body.is_array() ? known->body : Json::array();
  std::vector<std::string> ids;
  std::set<std::string> asked_by_id;
  for (const auto& entry : fields) {
    // "-name" leaves out the field of that id or name.
    const bool exclude = entry.starts_with('-');
    const std::string field = exclude ? entry.substr(1) : entry;
    auto found = FieldIdIn(all, field);
    if (!found.ok()) {
      return found.status();
    }
    const bool is_id = *found == field;
    const std::string id = (exclude ? "-" : "") + *found;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
    if (exclude) {
      continue;
    }
    if (is_id) {
      asked_by_id.insert(id);
    } else {
      labels.emplace_back(id, field);
    }
  }
  // A field asked for by its id and by a name is answered under both.
  for (const std::string& id : asked_by_id) {
    const bool renamed = std::any_of(labels.begin(), labels.end(),
                                     [&id](const auto& label) { return label.first == id; });
    if (renamed) {
      labels.emplace_back(id, id);
    }
  }
  return ids;
}

void RelabelFields(Json& issue, const std::vector<std::pair<std::string, std::string>>& labels) {
  std::set<std::string> kept;  // ids the caller asked for by id too
  for (const auto& [id, name] : labels) {
    if (issue.contains(id) && name != id) {
      issue[name] = issue[id];
    }
    if (name == id) {
      kept.insert(id);
    }
  }
  for (const auto& [id, name] : labels) {
    if (!kept.contains(id)) {
      issue.erase(id);
    }
  }
}

core::Status WithAdvice(const core::Status& status, std::initializer_list<std::string_view> needles,
                        std::string_view advice) {
  const bool holds = std::any_of(needles.begin(), needles.end(), [&status](std::string_view n) {
    return status.message().find(n) != std::string::npos;
  });
  if (status.code() != core::Code::kInvalidArgument || !holds) {
    return status;
  }
  return {status.code(), fmt::format("{} {}", status.message(), advice), status.detail()};
}

bool NamesIssue(std::string_view given, const Json& issue) {
  const std::string key = ValueOr(issue, "key", "");
  const bool same_key =
      !key.empty() && key.size() == given.size() &&
      std::equal(key.begin(), key.end(), given.begin(), [](unsigned char a, unsigned char b) {
        return std::toupper(a) == std::toupper(b);
      });
  return same_key || (!given.empty() && ValueOr(issue, "id", "") == given);
}

std::string FieldsNotSentNote(const std::vector<std::string>& fields,
                              const std::function<bool(const std::string&)>& sent,
                              std::string_view of, std::string_view have) {
  std::vector<std::string> missing;
  for (const auto& field : fields) {
    // "*all" and "-comment" name no one field; id and key are not fields.
    if (!field.starts_with('*') && !field.starts_with('-') && field != "id" && field != "key" &&
        !sent(field)) {
      missing.push_back(PlainText(field));
    }
  }
  if (missing.empty()) {
    return {};
  }
  return fmt::format(
      "Jira sent no {} for {}: it is not a field id Jira knows, or not one {}. "
      "search_fields finds a field's id.",
      fmt::join(missing, ", "), of, have);
}

std::string IssueKey(const Json& arguments) { return Encode(StringArg(arguments, "issue_key")); }

std::string EndSentence(std::string text) {
  for (const std::string_view end : {".", "!", "?", "…"}) {
    if (text.ends_with(end)) {
      return text;
    }
  }
  return text + ".";
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace tools
