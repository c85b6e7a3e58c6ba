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

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tools {

using Json = nlohmann::json;

// Returns an ADF document: {"type":"doc","version":1,"content":[...]}. Never fails: any text is
// some markdown. Images become links (ADF media needs an upload); raw HTML stays as text.
Json MarkdownToAdf(std::string_view markdown);

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
