#pragma once

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace tools {

// HTML as a GFM renderer that passes HTML through makes it (autolinks, tables and task lists
// on): what a host showing a tool's text as markdown could make of it.
inline std::string RenderGfmUnsafe(const std::string& markdown) {
  cmark_gfm_core_extensions_ensure_registered();
  cmark_parser* parser = cmark_parser_new(CMARK_OPT_UNSAFE);
  for (const char* name : {"autolink", "table", "strikethrough", "tasklist"}) {
    cmark_parser_attach_syntax_extension(parser, cmark_find_syntax_extension(name));
  }
  cmark_parser_feed(parser, markdown.data(), markdown.size());
  cmark_node* document = cmark_parser_finish(parser);
  char* html =
      cmark_render_html(document, CMARK_OPT_UNSAFE, cmark_parser_get_syntax_extensions(parser));
  std::string out(html);
  free(html);  // NOLINT(cppcoreguidelines-no-malloc): cmark's allocation
  cmark_node_free(document);
  cmark_parser_free(parser);
  return out;
}

// How many times `what` occurs in `text`, overlapping occurrences included.
inline std::size_t CountOf(std::string_view text, std::string_view what) {
  std::size_t count = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace tools
