// Compact Jira field values for agents: the shape every issue-reading tool answers with.
//
// Jira's issue JSON is verbose (self links, avatar URLs, nested categories). CompactValue keeps
// what an agent acts on:
//   ADF document                      → markdown text
//   user (has accountId)              → {accountId, displayName}
//   issue reference (parent, subtask) → {key, summary, status}
//   issue link                        → {id, relation, key, summary, status}
//   comment / worklog page            → {total, comments|worklogs: [...]}, bodies as markdown
//   attachment                        → {id, filename, size, mimeType, created, author}
//   option ({value})                  → its value ("parent / child" when cascading)
//   project ({key, name})             → {key, name}
//   status, priority, issue type, resolution, component, version (has name) → the name
//   arrays element by element; other objects without self/avatarUrls/iconUrl/expand.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

using Json = nlohmann::json;

Json CompactValue(const Json& value);

// Whether a field list asks for every field: "*all", "*navigable", or no field at all.
bool WantsAll(const std::vector<std::string>& fields);

// {id, key, <field>...}: each requested field compacted, null when Jira sent none. A request of
// "*all" or "*navigable" (or of no field) keeps every field Jira sent.
Json FlattenIssue(const Json& issue, const std::vector<std::string>& fields);

// Cuts every string in `value` longer than `max_bytes` (MarkdownPrefix) and marks the cut
// ("… [truncated, N more bytes]"). Returns true when something was cut.
bool CapStrings(Json& value, std::size_t max_bytes);

// The longest prefix of `text` of at most `max_bytes` that ends on a UTF-8 character boundary.
std::string Utf8Prefix(const std::string& text, std::size_t max_bytes);

// Utf8Prefix for text that may be read as markdown that leaves no code open: an open code span
// or fence would read as text, and code is not escaped the way text is (a link written in code
// would be live). The cut ends before a code span it would leave open; a fenced block keeps the
// code read so far and is closed on a line of its own (so the result can be a few bytes longer
// than `max_bytes`, and ends in a line break then).
std::string MarkdownPrefix(const std::string& text, std::size_t max_bytes);

// The length of the longest run of backticks in `text`.
std::size_t LongestBacktickRun(std::string_view text);

// `code` as a fenced code block: the fence is longer than any run of backticks in it, so the code
// cannot close it, and `info` (a language) keeps only its first word, which cannot end the fence's
// line early or hold a backtick.
std::string FencedCode(std::string_view code, std::string_view info = {});

// Whether `<` followed by `next` may open HTML or an autolink.
bool OpensTag(char next);

// Whether an entity (`&name;`, `&#123;`, `&#x1F;`) starts at `text[at]`, which markdown would
// read as the character it names.
bool EntityAt(std::string_view text, std::size_t at);

// The length of the bidirectional embedding, override or isolate control (U+202A to U+202E,
// U+2066 to U+2069) at `text[at]`, 0 when there is none: one would turn the text after it around
// as it is shown, beside other values too. `BidiName` writes it as visible text, "(U+202E)".
std::size_t BidiControlAt(std::string_view text, std::size_t at);
std::string BidiName(std::string_view control);

// A plain-text value (a summary, a label, a name, Jira's text of a change) as text that markdown
// reads as written, beside any other value and at the start of a line: backticks, brackets, `|`,
// `*`, `_` and `~` escaped, and so are a backslash that would escape what follows it, an `&` that
// starts an entity and a first character (or list number) that would open a block; a `<` that
// could open HTML reads as `&lt;`, line breaks as spaces, a bidirectional control as its name
// (BidiControlAt), leading blanks go. No code span,
// link, image, emphasis, table cell, block or tag can open in it or reach past it; a link written
// in it reads as its text.
std::string PlainText(std::string_view text);

// Whether `url` names a scheme that runs or embeds content where the link is opened
// (javascript:, vbscript:, data:, file:), as a browser reads it: without the tabs, line
// breaks and other control characters it ignores, in any case.
bool RunsContent(std::string_view url);

}  // namespace tools
