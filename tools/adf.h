// Atlassian Document Format (ADF), the rich text of Jira REST v3, to and from markdown.
//
// Writing: agents send markdown; MarkdownToAdf parses it with cmark-gfm (CommonMark plus the GFM
// table, strikethrough, tasklist and autolink extensions) and walks the syntax tree. No regular
// expressions decide structure. An ADF object an agent sends instead is checked with
// CheckAdfShape and then passed through unchanged.
//
// Reading: AdfToMarkdown renders compact markdown (headings, lists, task lists, code blocks
// with their language, quotes, tables, links, mentions as @name); a node it does not know keeps
// the text inside it.
//
// Text is UTF-8 and passes through byte for byte both ways (U+2028, emoji ZWJ sequences and
// right-to-left text included). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tools {

using Json = nlohmann::json;

// The most markdown MarkdownToAdf converts (Jira keeps at most 32,767 characters in a rich-text
// field), and the most table cells it lets the parser build: GFM pads every row of a table to its
// header's width, so a few kilobytes of short rows under a wide header would be millions of cells.
inline constexpr std::size_t kMaxMarkdownBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxMarkdownTableCells = 10'000;
// The most pipes on one line of a table: the parser splits a row in time that grows with the
// square of its cells (64 KiB of "|" took seconds).
inline constexpr std::size_t kMaxMarkdownTableRowPipes = 1'000;
// The most levels of quotes, list items and indent (two columns each) one line may start with:
// the parser walks every container a line keeps open for each line after it, so 32 KiB of ">"
// followed by lines of text took half a minute.
inline constexpr std::size_t kMaxMarkdownLineNesting = 256;
// The most ADF one conversion may build, serialized (estimated as it is built): many times what
// Jira keeps, so only text that copies itself (one long link around many marked words) meets it.
inline constexpr std::size_t kMaxAdfBytes = std::size_t{1} << 20;

// The deepest ADF (in nodes, the document one) that this server writes, passes on or renders.
// Its JSON nests twice as deep: each node is an object whose `content` is an array.
inline constexpr int kMaxAdfDepth = 200;

// Returns an ADF document: {"type":"doc","version":1,"content":[...]}. Any text is some
// markdown; images become links (ADF media needs an upload) and raw HTML stays as text. Fails
// (kInvalidArgument, saying what to shorten) only past the limits above (the ADF one as
// `max_adf_bytes`), checked before parsing or as the document is built, so the time and memory
// a conversion takes stay bounded whatever the input.
core::Result<Json> MarkdownToAdf(std::string_view markdown,
                                 std::size_t max_adf_bytes = kMaxAdfBytes);

// kInvalidArgument, naming the path of the first problem, unless `adf` is an ADF document: an
// object with type "doc", version 1 and a content array, whose nodes are objects with a string
// type, whose `content` and `marks` are arrays and whose text nodes carry a non-empty string.
core::Status CheckAdfShape(const Json& adf);

// True for an object that claims to be an ADF document (type "doc" and a content array), the
// shape Jira answers for rich-text fields.
bool IsAdfDocument(const Json& value);

// Compact markdown for reading. Accepts any ADF node (a doc or a fragment); never fails.
std::string AdfToMarkdown(const Json& adf);

}  // namespace tools
