#include "tools/fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "tools/adf.h"
#include "tools/json_read.h"

namespace tools {
namespace {

constexpr std::array<std::string_view, 5> kNoiseKeys = {"self", "avatarUrls", "iconUrl", "expand",
                                                        "avatarId"};

bool Has(const Json& object, const char* key) { return object.contains(key); }

bool HasString(const Json& object, const char* key) {
  return object.contains(key) && object[key].is_string();
}

Json UserOf(const Json& user) {
  if (!user.is_object()) {
    return user;
  }
  return {{"accountId", user.value("accountId", Json())},
          {"displayName", user.value("displayName", Json())}};
}

Json StatusName(const Json& fields) {
  if (!fields.is_object() || !fields.contains("status")) {
    return nullptr;
  }
  const Json& status = fields["status"];
  return status.is_object() ? status.value("name", Json()) : status;
}

Json IssueReference(const Json& issue) {
  const Json& fields = MemberOrNull(issue, "fields");
  Json out = {{"key", issue.value("key", Json())}};
  if (fields.is_object() && fields.contains("summary")) {
    out["summary"] = fields["summary"];
  }
  if (fields.is_object() && fields.contains("status")) {
    out["status"] = StatusName(fields);
  }
  return out;
}

Json IssueLink(const Json& link) {
  const bool outward = Has(link, "outwardIssue");
  const Json& other = outward ? link["outwardIssue"] : link["inwardIssue"];
  const Json type = link.value("type", Json::object());
  Json out = IssueReference(other.is_object() ? other : Json::object());
  out["relation"] = type.is_object() ? type.value(outward ? "outward" : "inward", Json()) : type;
  out["id"] = link.value("id", Json());
  return out;
}

Json TextOf(const Json& body) { return IsAdfDocument(body) ? Json(AdfToMarkdown(body)) : body; }

Json CommentPage(const Json& page) {
  Json comments = Json::array();
  for (const auto& comment : page["comments"]) {
    if (!comment.is_object()) {
      continue;
    }
    comments.push_back({{"id", comment.value("id", Json())},
                        {"author", UserOf(comment.value("author", Json()))},
                        {"created", comment.value("created", Json())},
                        {"body", TextOf(comment.value("body", Json()))}});
  }
  return {{"total", page.value("total", Json(comments.size()))}, {"comments", comments}};
}

Json WorklogPage(const Json& page) {
  Json worklogs = Json::array();
  for (const auto& worklog : page["worklogs"]) {
    if (!worklog.is_object()) {
      continue;
    }
    worklogs.push_back({{"id", worklog.value("id", Json())},
                        {"author", UserOf(worklog.value("author", Json()))},
                        {"started", worklog.value("started", Json())},
                        {"timeSpent", worklog.value("timeSpent", Json())}});
  }
  return {{"total", page.value("total", Json(worklogs.size()))}, {"worklogs", worklogs}};
}

Json Attachment(const Json& attachment) {
  return {{"id", attachment.value("id", Json())},
          {"filename", attachment.value("filename", Json())},
          {"size", attachment.value("size", Json())},
          {"mimeType", attachment.value("mimeType", Json())},
          {"created", attachment.value("created", Json())},
          {"author", UserOf(attachment.value("author", Json()))}};
}

Json OptionValue(const Json& option) {
  std::string value = option["value"].get<std::string>();
  if (option.contains("child") && option["child"].is_object() &&
      HasString(option["child"], "value")) {
    value += " / " + option["child"]["value"].get<std::string>();
  }
  return value;
}

Json CompactObject(const Json& object) {
  if (IsAdfDocument(object)) {
    return AdfToMarkdown(object);
  }
  if (HasString(object, "accountId")) {
    return UserOf(object);
  }
  if (Has(object, "key") && Has(object, "fields")) {
    return IssueReference(object);
  }
  if (Has(object, "type") && (Has(object, "inwardIssue") || Has(object, "outwardIssue"))) {
    return IssueLink(object);
  }
  if (Has(object, "comments") && object["comments"].is_array()) {
    return CommentPage(object);
  }
  if (Has(object, "worklogs") && object["worklogs"].is_array()) {
    return WorklogPage(object);
  }
  if (HasString(object, "filename") && Has(object, "mimeType")) {
    return Attachment(object);
  }
  if (HasString(object, "value")) {
    return OptionValue(object);
  }
  if (HasString(object, "key") && HasString(object, "name")) {
    return {{"key", object["key"]}, {"name", object["name"]}};
  }
  if (HasString(object, "name") && !(Has(object, "state") && Has(object, "boardId"))) {
    return object["name"];
  }
  Json out = Json::object();
  for (const auto& [key, item] : object.items()) {
    if (std::find(kNoiseKeys.begin(), kNoiseKeys.end(), key) == kNoiseKeys.end()) {
      out[key] = CompactValue(item);
    }
  }
  return out;
}

std::string IdText(const Json& issue, const char* name) {
  if (!issue.is_object() || !issue.contains(name)) {
    return {};
  }
  const Json& value = issue[name];
  return value.is_string() ? value.get<std::string>() : (value.is_null() ? "" : value.dump());
}

}  // namespace

bool WantsAll(const std::vector<std::string>& fields) {
  return fields.empty() || std::any_of(fields.begin(), fields.end(), [](const std::string& f) {
           return f == "*all" || f == "*navigable";
         });
}

Json CompactValue(const Json& value) {
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) {
      out.push_back(CompactValue(item));
    }
    return out;
  }
  if (value.is_object()) {
    return CompactObject(value);
  }
  return value;
}

Json FlattenIssue(const Json& issue, const std::vector<std::string>& fields) {
  // A key Jira did not send is left out, not given as "": an agent could not act on it.
  Json out = {{"id", IdText(issue, "id")}};
  if (std::string key = IdText(issue, "key"); !key.empty()) {
    out["key"] = std::move(key);
  }
  const auto found = issue.find("fields");  // end() for a non-object issue too
  if (found == issue.end() || !found->is_object()) {
    return out;
  }
  const Json& jira_fields = *found;
  if (WantsAll(fields)) {
    for (const auto& [name, value] : jira_fields.items()) {
      out[name] = CompactValue(value);
    }
    return out;
  }
  for (const auto& name : fields) {
    if (name == "id" || name == "key") {
      continue;
    }
    out[name] = jira_fields.contains(name) ? CompactValue(jira_fields[name]) : Json();
  }
  return out;
}

std::string Utf8Prefix(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  std::size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) {
    --end;
  }
  return text.substr(0, end);
}

namespace {

// The length of the run of backticks at `at`.
std::size_t BacktickRun(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && text[end] == '`') {
    ++end;
  }
  return end - at;
}

// Where the code span (or fence) that the run of backticks at `at` opens ends: just past the next
// run of the same length, or npos when no run closes it. Inside code, backslashes are text.
std::size_t CodeEnd(std::string_view text, std::size_t at) {
  const std::size_t run = BacktickRun(text, at);
  for (std::size_t close = text.find('`', at + run); close != std::string_view::npos;
       close = text.find('`', close)) {
    const std::size_t length = BacktickRun(text, close);
    if (length == run) {
      return close + run;
    }
    close += length;
  }
  return std::string_view::npos;
}

// Where the first run of backticks that nothing closes starts, or npos. A backslash before a run
// outside code makes it text.
std::size_t FirstUnclosedBackticks(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    if (text[at] == '\\') {
      at += 2;
    } else if (text[at] != '`') {
      ++at;
    } else if (const std::size_t end = CodeEnd(text, at); end != std::string_view::npos) {
      at = end;
    } else {
      return at;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string MarkdownPrefix(const std::string& text, std::size_t max_bytes) {
  std::string cut = Utf8Prefix(text, max_bytes);
  if (cut.size() == text.size()) {
    return cut;
  }
  const std::size_t open = FirstUnclosedBackticks(cut);
  if (open == std::string::npos) {
    return cut;
  }
  // A fence (three or more backticks after nothing but blanks and quote marks on its line) keeps
  // the code read so far and is closed on a line of its own, with the same marks before it; a
  // code span is cut off before it.
  const std::size_t newline = cut.rfind('\n', open);
  const std::size_t line = newline == std::string::npos ? 0 : newline + 1;
  const std::string lead = cut.substr(line, open - line);
  const std::size_t run = BacktickRun(cut, open);
  if (run >= 3 && lead.find_first_not_of(" >") == std::string::npos) {
    if (!cut.ends_with('\n')) {
      cut += '\n';
    }
    return cut + lead + std::string(run, '`') + "\n";
  }
  cut.resize(open);
  return cut;
}

bool OpensTag(char next) {
  return std::isalnum(static_cast<unsigned char>(next)) != 0 || next == '?' || next == '!' ||
         next == '/';
}

std::size_t LongestBacktickRun(std::string_view text) {
  std::size_t longest = 0;
  for (std::size_t run = 0; const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

std::string FencedCode(std::string_view code, std::string_view info) {
  const std::string fence(std::max<std::size_t>(3, LongestBacktickRun(code) + 1), '`');
  std::string out = fence;
  out.append(info.substr(0, std::min(info.size(), info.find_first_of(" \t\r\n`"))));
  out += '\n';
  out.append(code);
  out += '\n';
  out += fence;
  return out;
}

bool RunsContent(std::string_view url) {
  std::string scheme;
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20) {
      continue;
    }
    if (c == ':') {
      return scheme == "javascript" || scheme == "vbscript" || scheme == "data" || scheme == "file";
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;  // a relative address
    }
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return false;
}

bool EntityAt(std::string_view text, std::size_t at) {
  if (at >= text.size() || text[at] != '&') {
    return false;
  }
  std::size_t i = at + 1;
  auto is = [&](auto&& test) {
    return i < text.size() && test(static_cast<unsigned char>(text[i])) != 0;
  };
  const std::size_t name = i;
  if (i < text.size() && text[i] == '#') {
    ++i;
    const bool hex = i < text.size() && (text[i] == 'x' || text[i] == 'X');
    i += hex ? 1 : 0;
    const std::size_t digits = i;
    while (hex ? is(::isxdigit) : is(::isdigit)) {
      ++i;
    }
    return i > digits && i < text.size() && text[i] == ';';
  }
  while (is(::isalnum)) {
    ++i;
  }
  return i > name && i < text.size() && text[i] == ';';
}

std::size_t BidiControlAt(std::string_view text, std::size_t at) {
  if (at + 2 >= text.size() || text[at] != '\xE2') {
    return 0;
  }
  const auto second = static_cast<unsigned char>(text[at + 1]);
  const auto third = static_cast<unsigned char>(text[at + 2]);
  const bool embedding = second == 0x80 && third >= 0xAA && third <= 0xAE;  // U+202A..U+202E
  const bool isolate = second == 0x81 && third >= 0xA6 && third <= 0xA9;    // U+2066..U+2069
  return embedding || isolate ? 3 : 0;
}

std::string BidiName(std::string_view control) {
  const unsigned code = ((static_cast<unsigned char>(control[0]) & 0x0FU) << 12U) |
                        ((static_cast<unsigned char>(control[1]) & 0x3FU) << 6U) |
                        (static_cast<unsigned char>(control[2]) & 0x3FU);
  return fmt::format("(U+{:04X})", code);
}

namespace {

// The length of a Unicode line break other than CR and LF at `at` (NEL U+0085, LINE SEPARATOR
// U+2028, PARAGRAPH SEPARATOR U+2029), else 0: a reader may start a new line there.
std::size_t LineBreakAt(std::string_view text, std::size_t at) {
  const std::string_view rest = text.substr(at);
  if (rest.starts_with("\xC2\x85")) {
    return 2;
  }
  if (rest.starts_with("\xE2\x80\xA8") || rest.starts_with("\xE2\x80\xA9")) {
    return 3;
  }
  return 0;
}

}  // namespace

std::string PlainText(std::string_view text) {
  // Leading blanks go: four of them would start a code block where the value starts a line.
  text.remove_prefix(std::min(text.size(), text.find_first_not_of(" \t")));
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  // Where the value starts a line, what could open a block there (a heading, quote, list item,
  // rule or fence) gets a backslash: a list number's `.` or `)`, else the first character.
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
    ++digits;
  }
  std::size_t opener = std::string_view::npos;
  if (digits > 0 && digits < text.size() && (text[digits] == '.' || text[digits] == ')')) {
    opener = digits;
  } else if (digits == 0 && !text.empty() &&
             std::string_view("#>-+=").find(text[0]) != std::string_view::npos) {
    opener = 0;
  }
  for (std::size_t at = 0; at < text.size(); ++at) {
    const char c = text[at];
    const char next = at + 1 < text.size() ? text[at + 1] : '\0';
    if (c == '\r' || c == '\n') {
      out += ' ';
    } else if (const std::size_t breaks = LineBreakAt(text, at); breaks > 0) {
      out += ' ';
      at += breaks - 1;
    } else if (c == '<' && OpensTag(next)) {
      out += "&lt;";
    } else if (const std::size_t bidi = BidiControlAt(text, at); bidi > 0) {
      out += BidiName(text.substr(at, bidi));
      at += bidi - 1;
    } else {
      // Markup that could open here and close in another value (code, links, emphasis, struck
      // text, table cells), an entity that would read as another character, and a backslash that
      // would escape what follows it.
      // An '_' between letters or digits (customfield_10016, snake_case) opens and closes
      // nothing, so it stays as it is and copies back exactly.
      const bool inert_underscore = c == '_' && at > 0 &&
                                    std::isalnum(static_cast<unsigned char>(text[at - 1])) != 0 &&
                                    std::isalnum(static_cast<unsigned char>(next)) != 0;
      const bool escape =
          (std::string_view("`[]|*_~").find(c) != std::string_view::npos && !inert_underscore) ||
          (c == '&' && EntityAt(text, at)) ||
          (c == '\\' && (next == '\0' || std::ispunct(static_cast<unsigned char>(next)) != 0)) ||
          at == opener;
      if (escape) {
        out += '\\';
      }
      out += c;
    }
  }
  return out;
}

bool CapStrings(Json& value, std::size_t max_bytes) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() <= max_bytes) {
      return false;
    }
    std::string cut = MarkdownPrefix(text, max_bytes);
    const std::size_t rest = text.size() - cut.size();
    value = fmt::format("{}… [truncated, {} more {}]", cut, rest, rest == 1 ? "byte" : "bytes");
    return true;
  }
  bool cut = false;
  if (value.is_array() || value.is_object()) {
    for (auto& item : value) {
      cut = CapStrings(item, max_bytes) || cut;
    }
  }
  return cut;
}

}  // namespace tools
