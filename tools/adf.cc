#include "tools/adf.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "tools/fields.h"
#include "tools/json_read.h"

namespace tools {
namespace {

// Hostile input can nest without end (">>>>…", "- - - …"); past this depth of the markdown tree
// a subtree is kept as plain text instead of being walked recursively. One markdown level can
// take up to four ADF levels (list, item, paragraph, text), hence the ADF limits.
constexpr int kMaxDepth = 48;
static_assert(kMaxAdfDepth >= 4 * kMaxDepth + 8);
// A hard line break in markdown: a backslash ending the line (a visible form of "two spaces").
constexpr std::string_view kHardBreak = "\\\n";

// ---------------------------------------------------------------------------------------------
// markdown → ADF

enum class Container { kTop, kListItem, kQuote };

std::string_view TypeString(cmark_node* node) {
  const char* type = cmark_node_get_type_string(node);
  return type == nullptr ? std::string_view() : std::string_view(type);
}

std::string Literal(cmark_node* node) {
  const char* literal = cmark_node_get_literal(node);
  return literal == nullptr ? std::string() : std::string(literal);
}

// All text below `node`, without recursion (for subtrees past kMaxDepth).
std::string PlainText(cmark_node* node) {
  std::string text;
  cmark_iter* iter = cmark_iter_new(node);
  for (auto event = cmark_iter_next(iter); event != CMARK_EVENT_DONE;
       event = cmark_iter_next(iter)) {
    cmark_node* current = cmark_iter_get_node(iter);
    if (event == CMARK_EVENT_EXIT) {
      // The end of a block (a paragraph, an item): words on either side stay apart.
      if ((cmark_node_get_type(current) & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK &&
          !text.empty() && text.back() != ' ') {
        text += ' ';
      }
      continue;
    }
    if (event != CMARK_EVENT_ENTER) {
      continue;
    }
    const auto type = cmark_node_get_type(current);
    if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
      text += ' ';
    } else {
      text += Literal(current);
    }
  }
  cmark_iter_free(iter);
  return text;
}

Json TextNode(std::string text, const Json& marks) {
  Json node = {{"type", "text"}, {"text", std::move(text)}};
  if (!marks.empty()) {
    node["marks"] = marks;
  }
  return node;
}

Json Paragraph(Json inlines) { return {{"type", "paragraph"}, {"content", std::move(inlines)}}; }

// Appends a text node, merging it into the previous one when both carry the same marks.
// Whether text with `marks` appended to `out` joins the text node that ends it.
bool JoinsLastText(const Json& out, const Json& marks) {
  if (out.empty()) {
    return false;
  }
  const Json& last = out.back();
  const auto last_marks = last.find("marks");
  return last.value("type", "") == "text" &&
         (last_marks == last.end() ? marks.empty() : *last_marks == marks);
}

void AppendText(Json& out, std::string text, const Json& marks) {
  if (text.empty()) {
    return;
  }
  if (JoinsLastText(out, marks)) {
    out.back()["text"].get_ref<std::string&>() += text;
    return;
  }
  out.push_back(TextNode(std::move(text), marks));
}

Json WithMark(Json marks, Json mark) {
  marks.push_back(std::move(mark));
  return marks;
}

// What a node of ADF takes serialized, besides its text and its marks' attributes: the
// estimate each block and each text node is charged ({"type":"text","text":""} is 24 bytes).
constexpr std::size_t kAdfNodeBytes = 26;

class AdfBuilder {
 public:
  // `budget`: the most ADF (serialized, estimated as it is built) the document may take.
  explicit AdfBuilder(std::size_t budget) : budget_(budget) {}

  Json Document(cmark_node* document) {
    return {{"type", "doc"}, {"version", 1}, {"content", Blocks(document, Container::kTop, 0)}};
  }

  // Whether the document outgrew the budget; it is then incomplete, and building stopped early.
  [[nodiscard]] bool OverBudget() const { return over_budget_; }

 private:
  // Charges `bytes` to the budget; false once it is spent. A link's address is copied into the
  // marks of every text inside the link, so a few bytes of markdown can ask for megabytes.
  bool Charge(std::size_t bytes) {
    if (over_budget_ || bytes > budget_) {
      over_budget_ = true;
      return false;
    }
    budget_ -= bytes;
    return true;
  }

  bool ChargeText(std::size_t text_bytes, const Json& marks) {
    std::size_t bytes = kAdfNodeBytes + text_bytes;
    for (const auto& mark : marks) {
      bytes += kAdfNodeBytes;
      if (const auto attrs = mark.find("attrs"); attrs != mark.end() && attrs->is_object()) {
        for (const auto& [name, value] : attrs->items()) {
          bytes +=
              name.size() + (value.is_string() ? value.get_ref<const std::string&>().size() : 8);
        }
      }
    }
    return Charge(bytes);
  }

  // A text from the syntax tree, charged once where it is read (not again as it is merged):
  // a new text node with its marks, or only its bytes when it joins the text before it.
  void AppendLeafText(Json& out, std::string text, const Json& marks) {
    if (JoinsLastText(out, marks) ? Charge(text.size()) : ChargeText(text.size(), marks)) {
      AppendText(out, std::move(text), marks);
    }
  }

  Json Blocks(cmark_node* parent, Container container, int depth) {
    Json out = Json::array();
    for (cmark_node* child = cmark_node_first_child(parent); child != nullptr;
         child = cmark_node_next(child)) {
      Block(child, container, depth + 1, out);
    }
    return out;
  }

  void Block(cmark_node* node, Container container, int depth, Json& out) {
    if (!Charge(kAdfNodeBytes)) {
      return;
    }
    if (depth > kMaxDepth) {
      // An empty subtree (">>>>" with nothing inside) leaves no paragraph: ADF text is never empty.
      AppendLiteralParagraph(PlainText(node), out);
      return;
    }
    const std::string_view type = TypeString(node);
    if (type == "table") {
      Table(node, container, depth, out);
      return;
    }
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_PARAGRAPH:
        out.push_back(Paragraph(Inlines(node, Json::array(), depth)));
        return;
      case CMARK_NODE_HEADING:
        Heading(node, container, depth, out);
        return;
      case CMARK_NODE_LIST:
        out.push_back(List(node, depth));
        return;
      case CMARK_NODE_CODE_BLOCK:
        out.push_back(CodeBlock(node));
        return;
      case CMARK_NODE_BLOCK_QUOTE:
        Quote(node, container, depth, out);
        return;
      case CMARK_NODE_THEMATIC_BREAK:
        if (container == Container::kTop) {
          out.push_back({{"type", "rule"}});
        }
        return;
      case CMARK_NODE_HTML_BLOCK:
        // ADF has no raw HTML; keep what the author typed as text.
        AppendLiteralParagraph(Literal(node), out);
        return;
      default:
        AppendLiteralParagraph(PlainText(node), out);
        return;
    }
  }

  static void AppendLiteralParagraph(std::string text, Json& out) {
    while (!text.empty() && text.back() == '\n') {
      text.pop_back();
    }
    if (!text.empty()) {
      out.push_back(Paragraph(Json::array({TextNode(std::move(text), Json::array())})));
    }
  }

  void Heading(cmark_node* node, Container container, int depth, Json& out) {
    if (container != Container::kTop) {
      // Lists and quotes cannot hold headings in ADF: keep the words, in bold.
      out.push_back(Paragraph(Inlines(node, Json::array({{{"type", "strong"}}}), depth)));
      return;
    }
    out.push_back({{"type", "heading"},
                   {"attrs", {{"level", cmark_node_get_heading_level(node)}}},
                   {"content", Inlines(node, Json::array(), depth)}});
  }

  void Quote(cmark_node* node, Container container, int depth, Json& out) {
    Json content = Blocks(node, Container::kQuote, depth);
    if (container != Container::kTop) {
      // No quote inside a quote or a list item in ADF: keep its blocks in place.
      for (auto& block : content) {
        out.push_back(std::move(block));
      }
      return;
    }
    if (content.empty()) {
      content.push_back(Paragraph(Json::array()));
    }
    out.push_back({{"type", "blockquote"}, {"content", std::move(content)}});
  }

  static Json CodeBlock(cmark_node* node) {
    std::string text = Literal(node);
    if (!text.empty() && text.back() == '\n') {
      text.pop_back();
    }
    Json block = {{"type", "codeBlock"}, {"content", Json::array()}};
    const char* info = cmark_node_get_fence_info(node);
    if (info != nullptr) {
      std::string language(info);
      language = language.substr(0, language.find_first_of(" \t"));
      if (!language.empty()) {
        block["attrs"] = {{"language", language}};
      }
    }
    if (!text.empty()) {
      block["content"].push_back(TextNode(std::move(text), Json::array()));
    }
    return block;
  }

  static bool IsTaskItem(cmark_node* item) { return TypeString(item) == "tasklist"; }

  Json List(cmark_node* node, int depth) {
    bool all_tasks = cmark_node_first_child(node) != nullptr;
    for (cmark_node* item = cmark_node_first_child(node); item != nullptr;
         item = cmark_node_next(item)) {
      all_tasks = all_tasks && IsTaskItem(item);
    }
    if (all_tasks) {
      return TaskList(node, depth);
    }
    const bool ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
    Json list = {{"type", ordered ? "orderedList" : "bulletList"}, {"content", Json::array()}};
    if (ordered && cmark_node_get_list_start(node) != 1) {
      list["attrs"] = {{"order", cmark_node_get_list_start(node)}};
    }
    for (cmark_node* item = cmark_node_first_child(node); item != nullptr;
         item = cmark_node_next(item)) {
      list["content"].push_back(ListItem(item, depth));
    }
    return list;
  }

  Json ListItem(cmark_node* item, int depth) {
    Json content = Blocks(item, Container::kListItem, depth);
    if (IsTaskItem(item)) {
      // A task item in a list that is not all tasks: keep its box as text.
      const bool done = cmark_gfm_extensions_get_tasklist_item_checked(item);
      if (!content.empty() && content.front()["type"] == "paragraph") {
        Json& inlines = content.front()["content"];
        const std::string box = done ? "[x] " : "[ ] ";
        if (!inlines.empty() && inlines[0]["type"] == "text" && !inlines[0].contains("marks")) {
          inlines[0]["text"] = box + inlines[0]["text"].get<std::string>();
        } else {
          inlines.insert(inlines.begin(), TextNode(box, Json::array()));
        }
      }
    }
    // ADF wants a paragraph (or code block) first in a list item.
    if (content.empty() ||
        (content.front()["type"] != "paragraph" && content.front()["type"] != "codeBlock")) {
      content.insert(content.begin(), Paragraph(Json::array()));
    }
    return {{"type", "listItem"}, {"content", std::move(content)}};
  }

  std::string NextLocalId() {
    // ADF asks for a localId on tasks; a UUID-shaped counter keeps output deterministic.
    return fmt::format("00000000-0000-4000-8000-{:012x}", ++local_ids_);
  }

  Json TaskList(cmark_node* node, int depth) {
    Json list = {
        {"type", "taskList"}, {"attrs", {{"localId", NextLocalId()}}}, {"content", Json::array()}};
    for (cmark_node* item = cmark_node_first_child(node); item != nullptr;
         item = cmark_node_next(item)) {
      const bool done = cmark_gfm_extensions_get_tasklist_item_checked(item);
      Json task = {{"type", "taskItem"},
                   {"attrs", {{"localId", NextLocalId()}, {"state", done ? "DONE" : "TODO"}}},
                   {"content", Json::array()}};
      Json nested = Json::array();
      TaskItemContent(item, depth, task["content"], nested);
      list["content"].push_back(std::move(task));
      for (auto& sublist : nested) {
        list["content"].push_back(std::move(sublist));
      }
    }
    return list;
  }

  // A task item holds inline content only: its paragraphs are joined with hard breaks; a nested
  // task list follows the item inside the task list (as ADF nests them); other blocks keep
  // their text.
  void TaskItemContent(cmark_node* item, int depth, Json& inlines, Json& nested) {
    for (cmark_node* child = cmark_node_first_child(item); child != nullptr;
         child = cmark_node_next(child)) {
      if (cmark_node_get_type(child) == CMARK_NODE_LIST && depth < kMaxDepth) {
        Json list = List(child, depth + 1);
        if (list["type"] == "taskList") {
          nested.push_back(std::move(list));
          continue;
        }
      }
      if (!inlines.empty()) {
        inlines.push_back({{"type", "hardBreak"}});
      }
      if (cmark_node_get_type(child) == CMARK_NODE_PARAGRAPH) {
        for (auto& node : Inlines(child, Json::array(), depth + 1)) {
          inlines.push_back(std::move(node));
        }
      } else {
        AppendText(inlines, PlainText(child), Json::array());
      }
    }
  }

  void Table(cmark_node* node, Container container, int depth, Json& out) {
    if (container != Container::kTop) {
      // ADF tables live at the top level only: keep one paragraph per row.
      for (cmark_node* row = cmark_node_first_child(node); row != nullptr;
           row = cmark_node_next(row)) {
        Json inlines = Json::array();
        for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr;
             cell = cmark_node_next(cell)) {
          AppendText(inlines, inlines.empty() ? "" : " | ", Json::array());
          for (auto& inline_node : Inlines(cell, Json::array(), depth + 1)) {
            inlines.push_back(std::move(inline_node));
          }
        }
        out.push_back(Paragraph(std::move(inlines)));
      }
      return;
    }
    Json table = {{"type", "table"},
                  {"attrs", {{"isNumberColumnEnabled", false}, {"layout", "default"}}},
                  {"content", Json::array()}};
    for (cmark_node* row = cmark_node_first_child(node); row != nullptr;
         row = cmark_node_next(row)) {
      const bool header = TypeString(row) == "table_header";
      Json cells = Json::array();
      for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr;
           cell = cmark_node_next(cell)) {
        cells.push_back({{"type", header ? "tableHeader" : "tableCell"},
                         {"attrs", Json::object()},
                         {"content", {Paragraph(Inlines(cell, Json::array(), depth + 1))}}});
      }
      table["content"].push_back({{"type", "tableRow"}, {"content", std::move(cells)}});
    }
    out.push_back(std::move(table));
  }

  Json Inlines(cmark_node* parent, const Json& marks, int depth) {
    Json out = Json::array();
    for (cmark_node* child = cmark_node_first_child(parent); child != nullptr;
         child = cmark_node_next(child)) {
      Inline(child, marks, depth + 1, out);
    }
    return out;
  }

  // Whether `node` had any inline content to add.
  bool InlineChildren(cmark_node* node, const Json& marks, int depth, Json& out) {
    Json children = Inlines(node, marks, depth);
    for (auto& child : children) {
      if (child["type"] == "text") {
        AppendText(out, child["text"].get<std::string>(), child.value("marks", Json::array()));
      } else {
        out.push_back(std::move(child));
      }
    }
    return !children.empty();
  }

  void Inline(cmark_node* node, const Json& marks, int depth, Json& out) {
    if (over_budget_) {
      return;
    }
    if (depth > kMaxDepth) {
      AppendLeafText(out, PlainText(node), marks);
      return;
    }
    if (TypeString(node) == "strikethrough") {
      InlineChildren(node, WithMark(marks, {{"type", "strike"}}), depth, out);
      return;
    }
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_HTML_INLINE:
        AppendLeafText(out, Literal(node), marks);
        return;
      case CMARK_NODE_SOFTBREAK:
        AppendLeafText(out, " ", marks);
        return;
      case CMARK_NODE_LINEBREAK:
        out.push_back({{"type", "hardBreak"}});
        return;
      case CMARK_NODE_CODE:
        AppendLeafText(out, Literal(node), CodeMarks(marks));
        return;
      case CMARK_NODE_EMPH:
        InlineChildren(node, WithMark(marks, {{"type", "em"}}), depth, out);
        return;
      case CMARK_NODE_STRONG:
        InlineChildren(node, WithMark(marks, {{"type", "strong"}}), depth, out);
        return;
      case CMARK_NODE_LINK:
        InlineChildren(node, WithLink(marks, node), depth, out);
        return;
      case CMARK_NODE_IMAGE:
        Image(node, marks, depth, out);
        return;
      default:
        AppendLeafText(out, PlainText(node), marks);
        return;
    }
  }

  // A link keeps its text; its address becomes a link mark unless it RunsContent. Inside a link
  // (an image that is a link's text) the outer link stays the only one: ADF allows one per text.
  static Json WithLink(const Json& marks, cmark_node* node) {
    const char* url = cmark_node_get_url(node);
    const bool linked = std::any_of(marks.begin(), marks.end(),
                                    [](const Json& mark) { return mark["type"] == "link"; });
    if (url == nullptr || *url == '\0' || RunsContent(url) || linked) {
      return marks;
    }
    Json attrs = {{"href", url}};
    const char* title = cmark_node_get_title(node);
    if (title != nullptr && *title != '\0') {
      attrs["title"] = title;
    }
    return WithMark(marks, {{"type", "link"}, {"attrs", std::move(attrs)}});
  }

  // The code mark combines with a link only (ADF).
  static Json CodeMarks(const Json& marks) {
    Json out = Json::array();
    for (const auto& mark : marks) {
      if (mark["type"] == "link") {
        out.push_back(mark);
      }
    }
    out.push_back({{"type", "code"}});
    return out;
  }

  void Image(cmark_node* node, const Json& marks, int depth, Json& out) {
    // An ADF image needs a media upload; a link to the image keeps what the author meant.
    // Its alt text, else its address, else (an address refused as a link) the word "image".
    const Json link_marks = WithLink(marks, node);
    if (!InlineChildren(node, link_marks, depth, out)) {
      const char* url = cmark_node_get_url(node);
      const bool shown = url != nullptr && *url != '\0' && !RunsContent(url);
      AppendLeafText(out, shown ? url : "image", link_marks);
    }
  }

  int local_ids_ = 0;
  std::size_t budget_;
  bool over_budget_ = false;
};

cmark_syntax_extension* Extension(const char* name) {
  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  return cmark_find_syntax_extension(name);
}

// ---------------------------------------------------------------------------------------------
// ADF → markdown

// The most markdown one rendered list of blocks or inlines keeps: more than any reply shows, and
// a bound on the work of indenting a deep list again at every level.
constexpr std::size_t kMaxRenderedBytes = std::size_t{64} * 1024;

// Cuts `out` to kMaxRenderedBytes (at a UTF-8 character boundary) with a marker; true if cut.
bool CapRendered(std::string& out) {
  if (out.size() <= kMaxRenderedBytes) {
    return false;
  }
  out = MarkdownPrefix(out, kMaxRenderedBytes) + "…";
  return true;
}

std::string Indent(const std::string& text, const std::string& first, const std::string& rest) {
  std::string out = first;
  for (const char c : text) {
    out += c;
    if (c == '\n') {
      out += rest;
    }
  }
  return out;
}

bool IsAsciiPunctuation(char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; }

// Whether `]` followed by `next` may end a link's text: an inline link, a full reference or a
// reference definition.
bool ClosesLinkText(char next) { return next == '(' || next == '[' || next == ':'; }

// Text with every line ending (CR LF, a lone CR) as LF: a markdown reader ends lines at each,
// and the guards of line starts here look for LF.
std::string Newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
    } else {
      out += text[i];
    }
  }
  return out;
}

// Where a backslash keeps the line starting at `at` from opening a block inside a paragraph (or
// the paragraph): a heading, quote, list item, thematic break, setext underline, table row or
// code fence; npos when it opens none. That is `at` itself, or after the digits of a list number.
// `*` and `~` open one only as `* `, a line of stars or `~~~`, which the markup this renderer
// writes (`*em*`, `~~strike~~`) is not.
std::size_t BlockOpenerAt(std::string_view text, std::size_t at) {
  const char c = at < text.size() ? text[at] : '\0';
  const char next = at + 1 < text.size() ? text[at + 1] : '\0';
  switch (c) {
    case '#':
    case '>':
    case '-':
    case '+':
    case '=':
    case '_':
    case '|':
    case ':':  // a table's delimiter row (`:--`)
      return at;
    case '*': {
      if (next == ' ' || next == '\t' || next == '\0') {
        return at;
      }
      // `***`, `* * *`: a thematic break is a line of three or more stars and blanks only.
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view line = text.substr(at, end - at);
      const bool rule = line.find_first_not_of("* \t") == std::string_view::npos &&
                        std::count(line.begin(), line.end(), '*') >= 3;
      return rule ? at : std::string_view::npos;
    }
    case '~':
      return text.substr(at, 3) == "~~~" ? at : std::string_view::npos;
    default:
      break;
  }
  std::size_t digits = at;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) {
    ++digits;
  }
  const bool numbered =
      digits > at && digits < text.size() && (text[digits] == '.' || text[digits] == ')');
  return numbered ? digits : std::string_view::npos;
}

// Makes every line start of `text` (its first character when `at_line_start`, and each one after a
// line break) read as paragraph text: leading blanks, which a paragraph drops anyway and four of
// which would start an indented code block, go, and so do blank lines, which would end the
// paragraph; a start that would open a block gets a backslash (BlockOpenerAt).
std::string GuardLineStarts(std::string_view text, bool at_line_start) {
  std::string out;
  out.reserve(text.size());
  bool line_start = at_line_start;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (line_start) {
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) {
        ++i;
      }
      if (const std::size_t escape = BlockOpenerAt(text, i); escape != std::string_view::npos) {
        out.append(text.substr(i, escape - i));
        out += '\\';
        i = escape;
      }
      if (i >= text.size()) {
        break;
      }
    }
    out += text[i];
    line_start = text[i] == '\n';
  }
  return out;
}

// Text from ADF as markdown that cannot make a link, an image, HTML or a code span: a backslash
// goes before a backslash that would escape what follows it, a `]` before `(`, `[` or `:` (inline
// link, full reference, definition), a `<` before a letter, a digit, `?`, `!` or `/` (autolink or
// HTML), every backtick and an `&` that starts an entity; a bidirectional control reads as its
// name (BidiControlAt); a line inside it cannot open a block (GuardLineStarts). Where the text
// meets other markup, JoinInline does the same. Other text reads as written.
std::string NoLinkSyntax(std::string_view raw) {
  const std::string text = Newlines(raw);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '<' && OpensTag(next)) {
      out += "&lt;";  // an entity, which no autolink before it takes in as a backslash would be
      continue;
    }
    if (const std::size_t bidi = ::tools::BidiControlAt(text, i); bidi > 0) {
      out += ::tools::BidiName(text.substr(i, bidi));
      i += bidi - 1;
      continue;
    }
    const bool escape = (c == '\\' && (next == '\0' || IsAsciiPunctuation(next))) ||
                        (c == ']' && ClosesLinkText(next)) || c == '`' ||
                        (c == '&' && ::tools::EntityAt(text, i));
    if (escape) {
      out += '\\';
    }
    out += c;
  }
  // A line break inside (an attribute written by another client) starts a line of its own.
  return out.find('\n') == std::string::npos ? out : GuardLineStarts(out, false);
}

// Whether the last character of `text` is `c` and not escaped by an odd run of backslashes.
bool EndsUnescaped(const std::string& text, char c) {
  if (text.empty() || text.back() != c) {
    return false;
  }
  std::size_t slashes = 0;
  for (std::size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) {
    ++slashes;
  }
  return slashes % 2 == 0;
}

// Whether `text` ends in what GFM makes a link without brackets (a URL, a `www.` address or an
// e-mail address), which would take in a backtick that follows it.
bool EndsInBareLink(const std::string& text) {
  const std::size_t space = text.find_last_of(" \t\n");
  const std::string_view whole = text;
  const std::string_view word = whole.substr(space == std::string::npos ? 0 : space + 1);
  return word.find("://") != std::string_view::npos || word.starts_with("www.") ||
         word.find('@') != std::string_view::npos;
}

// Appends the markdown of one inline node to what its paragraph has so far, escaping where the
// two meet what would make a link, an image or HTML neither had: `]` then `(`, `[` or `:`; `!`
// then `[`; `<` then a letter, digit, `?`, `!` or `/`. A node that starts a line cannot open a
// block (GuardLineStarts), and a code span keeps apart from a bare link before it.
void JoinInline(std::string& out, std::string next) {
  next = GuardLineStarts(next, out.empty() || out.back() == '\n');
  if (next.empty()) {
    return;
  }
  const char first = next.front();
  if (EndsUnescaped(out, ']') && ClosesLinkText(first)) {
    next.insert(0, 1, '\\');
  } else if (EndsUnescaped(out, '!') && first == '[') {
    out.insert(out.size() - 1, 1, '\\');
  } else if (EndsUnescaped(out, '<') && OpensTag(first)) {
    out.replace(out.size() - 1, 1, "&lt;");
  } else if (first == '`' && (EndsInBareLink(out) || EndsUnescaped(out, '`'))) {
    out += ' ';  // a code span apart from a bare link or another code span before it
  }
  out += next;
}

// Text inside a link's brackets: every bracket, backslash, `<` and backtick escaped, so that the
// link ends where it should and holds no other link or code span.
std::string LinkText(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '<') {
      out += "&lt;";
      continue;
    }
    if (c == '[' || c == ']' || c == '\\' || c == '`') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// An address as a markdown link destination: the characters that would end it or open other
// syntax (space, parentheses, angle brackets, backslash, controls) percent-encoded.
std::string LinkDestination(std::string_view href) {
  std::string out;
  for (std::size_t i = 0; i < href.size(); ++i) {
    const char c = href[i];
    const auto byte = static_cast<unsigned char>(c);
    // `&` that starts an entity (`&colon;`, `&#106;`) is percent-encoded: a parser would decode
    // the entity (a backslash does not stop cmark-gfm), and `javascript&colon;` run as script.
    if (c == '&' && ::tools::EntityAt(href, i)) {
      out += "%26";
      continue;
    }
    if (byte <= 0x20 || byte == 0x7F || c == '(' || c == ')' || c == '<' || c == '>' || c == '\\' ||
        c == '`') {
      out += fmt::format("%{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

// Code as a code span on one line (a reader turns its line endings into spaces anyway; one at the
// start of a line could open a fence).
std::string CodeSpan(std::string text) {
  std::replace(text.begin(), text.end(), '\r', ' ');
  std::replace(text.begin(), text.end(), '\n', ' ');
  const std::string fence(LongestBacktickRun(text) + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return pad ? fence + " " + text + " " + fence : fence + text + fence;
}

std::string StringAttr(const Json& node, const char* name) {
  const Json attrs = node.value("attrs", Json::object());
  if (!attrs.is_object() || !attrs.contains(name)) {
    return {};
  }
  const Json& value = attrs[name];
  if (value.is_string()) {
    return Newlines(value.get_ref<const std::string&>());
  }
  return value.is_number() ? value.dump() : std::string();
}

std::string IsoDate(const std::string& timestamp_ms) {
  // Years 0000 to 9999, the ones a four-digit date can show; any other text is shown as it is.
  constexpr long long kFirstMs = -62167219200000;  // 0000-01-01T00:00:00Z
  constexpr long long kLastMs = 253402300799999;   // 9999-12-31T23:59:59.999Z
  long long ms = 0;
  const char* const end = timestamp_ms.data() + timestamp_ms.size();
  const auto [stop, error] = std::from_chars(timestamp_ms.data(), end, ms);
  if (error != std::errc() || stop != end || ms < kFirstMs || ms > kLastMs) {
    return timestamp_ms;
  }
  const auto days = std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
  const std::chrono::year_month_day date(days);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

class MarkdownRenderer {
 public:
  std::string Render(const Json& node) {
    if (node.is_array()) {
      return Blocks(node, "\n\n", 0);
    }
    if (!node.is_object()) {
      return {};
    }
    if (IsInline(node)) {
      return Inline(node, 0);
    }
    return Block(node, 0);
  }

 private:
  static bool IsInline(const Json& node) {
    static constexpr std::string_view kInline[] = {
        "text", "hardBreak", "mention",     "emoji",       "inlineCard",
        "date", "status",    "placeholder", "mediaInline", "inlineExtension"};
    const std::string type = ValueOr(node, "type", "");
    return std::find(std::begin(kInline), std::end(kInline), type) != std::end(kInline);
  }

  static const Json& Content(const Json& node) {
    static const Json kEmpty = Json::array();
    const auto it = node.find("content");
    return it != node.end() && it->is_array() ? *it : kEmpty;
  }

  // The text of a code block, line endings as LF.
  static std::string CodeText(const Json& code_block) {
    std::string text;
    for (const auto& child : Content(code_block)) {
      text += Newlines(ValueOr(child, "text", ""));
    }
    return text;
  }

  std::string Blocks(const Json& nodes, const std::string& separator, int depth) {
    std::string out;
    for (const auto& node : nodes) {
      if (!node.is_object()) {
        continue;
      }
      std::string text = IsInline(node) ? Inline(node, depth) : Block(node, depth + 1);
      if (text.empty()) {
        continue;
      }
      if (!out.empty()) {
        out += separator;
      }
      out += text;
      if (CapRendered(out)) {
        break;
      }
    }
    return out;
  }

  std::string Inlines(const Json& nodes, int depth) {
    std::string out;
    for (const auto& node : nodes) {
      if (node.is_object()) {
        JoinInline(out, Inline(node, depth + 1));
        if (CapRendered(out)) {
          break;
        }
      }
    }
    return out;
  }

  std::string Block(const Json& node, int depth) {
    if (depth > kMaxAdfDepth) {
      return {};
    }
    const std::string type = ValueOr(node, "type", "");
    const Json& content = Content(node);
    if (type == "doc") {
      return Blocks(content, "\n\n", depth);
    }
    if (type == "paragraph") {
      return Inlines(content, depth);
    }
    if (type == "heading") {
      int level = 1;
      const Json attrs = node.value("attrs", Json::object());
      if (attrs.is_object() && attrs.contains("level") && attrs["level"].is_number_integer()) {
        level = std::clamp(attrs["level"].get<int>(), 1, 6);
      }
      return std::string(static_cast<std::size_t>(level), '#') + " " +
             NoClosingHashes(OneLine(Inlines(content, depth)));
    }
    if (type == "bulletList" || type == "orderedList") {
      return List(node, type == "orderedList", depth);
    }
    if (type == "taskList" || type == "decisionList") {
      return TaskList(node, depth);
    }
    if (type == "codeBlock") {
      return FencedCode(CodeText(node), StringAttr(node, "language"));
    }
    if (type == "blockquote") {
      return Indent(Blocks(content, "\n\n", depth), "> ", "> ");
    }
    if (type == "panel") {
      const std::string label = StringAttr(node, "panelType");
      return Indent(
          (label.empty() ? "" : "[" + NoLinkSyntax(label) + "]\n") + Blocks(content, "\n\n", depth),
          "> ", "> ");
    }
    if (type == "rule") {
      return "***";  // `---` under a line of text would make that line a heading
    }
    if (type == "table") {
      return Table(node, depth);
    }
    if (type == "expand" || type == "nestedExpand") {
      const std::string title = StringAttr(node, "title");
      const std::string body = Blocks(content, "\n\n", depth);
      return title.empty() ? body : "**" + NoLinkSyntax(title) + "**\n\n" + body;
    }
    if (type == "media") {
      const std::string alt = StringAttr(node, "alt");
      return "[media: " + NoLinkSyntax(alt.empty() ? StringAttr(node, "id") : alt) + "]";
    }
    if (type == "blockCard" || type == "embedCard") {
      return GuardLineStarts(NoLinkSyntax(StringAttr(node, "url")), true);
    }
    // Unknown (or container-like: mediaSingle, mediaGroup, layouts, extensions): keep the text.
    if (node.contains("text") && node["text"].is_string()) {
      return GuardLineStarts(NoLinkSyntax(node["text"].get<std::string>()), true);
    }
    return Blocks(content, "\n\n", depth);
  }

  std::string List(const Json& node, bool ordered, int depth) {
    long long number = 1;
    const Json attrs = node.value("attrs", Json::object());
    if (ordered && attrs.is_object() && attrs.contains("order") &&
        attrs["order"].is_number_integer()) {
      number = attrs["order"].get<long long>();
    }
    std::string out;
    for (const auto& item : Content(node)) {
      if (!item.is_object()) {
        continue;
      }
      const std::string marker = ordered ? fmt::format("{}. ", number++) : "- ";
      if (!out.empty()) {
        out += "\n";
      }
      out += Indent(NoTaskBox(Blocks(Content(item), "\n", depth)), marker,
                    std::string(marker.size(), ' '));
    }
    return out;
  }

  // A heading's text that ends in `#`s after a blank (or is only `#`s) would lose them as the
  // heading's closing sequence: the run gets a backslash.
  static std::string NoClosingHashes(std::string text) {
    const std::size_t end = text.find_last_not_of(" \t");
    if (end == std::string::npos || text[end] != '#') {
      return text;
    }
    const std::size_t before = text.find_last_not_of('#', end);
    if (before == std::string::npos || text[before] == ' ' || text[before] == '\t') {
      text.insert(before == std::string::npos ? 0 : before + 1, 1, '\\');
    }
    return text;
  }

  // A list item's text that starts like a task box (`[ ]`, `[x]`) would read as a task: the
  // bracket gets a backslash.
  static std::string NoTaskBox(std::string text) {
    const bool box = text.size() >= 3 && text[0] == '[' &&
                     (text[1] == ' ' || text[1] == 'x' || text[1] == 'X') && text[2] == ']' &&
                     (text.size() == 3 || text[3] == ' ' || text[3] == '\t' || text[3] == '\n');
    if (box) {
      text.insert(0, 1, '\\');
    }
    return text;
  }

  std::string TaskList(const Json& node, int depth) {
    std::string out;
    for (const auto& item : Content(node)) {
      if (!item.is_object()) {
        continue;
      }
      const std::string type = ValueOr(item, "type", "");
      std::string line;
      if (type == "taskList" || type == "decisionList") {
        line = Indent(TaskList(item, depth + 1), "  ", "  ");
      } else {
        const std::string state = StringAttr(item, "state");
        const std::string box = type == "taskItem" ? (state == "DONE" ? "[x] " : "[ ] ") : "";
        std::string text = Inlines(Content(item), depth);
        line = Indent(box.empty() ? NoTaskBox(std::move(text)) : text, "- " + box, "  ");
      }
      if (!out.empty()) {
        out += "\n";
      }
      out += line;
    }
    return out;
  }

  // Text that must stay on one line (a heading, a table cell): breaks become spaces.
  static std::string OneLine(std::string_view text) {
    std::string out;
    for (std::size_t at = 0; at < text.size(); ++at) {
      if (text.substr(at).starts_with(kHardBreak)) {
        out += ' ';
        at += kHardBreak.size() - 1;
      } else {
        out += text[at] == '\n' ? ' ' : text[at];
      }
    }
    return out;
  }

  std::string Cell(const Json& cell, int depth) {
    // A cell is one line: a code block in it becomes a code span, whose fence its code cannot
    // close (a fenced block made one line would be a span that text before it could close).
    std::string text;
    for (const auto& node : Content(cell)) {
      if (!node.is_object()) {
        continue;
      }
      std::string part;
      if (ValueOr(node, "type", "") == "codeBlock") {
        part = CodeSpan(CodeText(node));  // on one line
      } else {
        part = OneLine(IsInline(node) ? Inline(node, depth) : Block(node, depth + 1));
      }
      if (!part.empty()) {
        text += (text.empty() ? "" : " ") + part;
      }
    }
    std::string out;
    for (const char c : text) {
      if (c == '|') {
        out += "\\|";
      } else {
        out += c;
      }
    }
    return out;
  }

  std::string Table(const Json& node, int depth) {
    std::string out;
    bool first = true;
    for (const auto& row : Content(node)) {
      std::vector<std::string> cells;
      for (const auto& cell : Content(row)) {
        cells.push_back(Cell(cell, depth + 1));
      }
      if (cells.empty()) {
        continue;
      }
      out += fmt::format("| {} |\n", fmt::join(cells, " | "));
      if (first) {
        std::vector<std::string> rule(cells.size(), "---");
        out += fmt::format("| {} |\n", fmt::join(rule, " | "));
        first = false;
      }
    }
    if (!out.empty()) {
      out.pop_back();
    }
    return out;
  }

  static std::string ApplyMarks(std::string text, const Json& marks) {
    if (!marks.is_array()) {
      return NoLinkSyntax(text);
    }
    text = Newlines(text);
    auto has = [&marks](std::string_view type) {
      return std::any_of(marks.begin(), marks.end(),
                         [type](const Json& mark) { return ValueOr(mark, "type", "") == type; });
    };
    // A link another client wrote to a script or an embedded document reads as its text.
    std::string href;
    for (const auto& mark : marks) {
      if (ValueOr(mark, "type", "") == "link") {
        href = StringAttr(mark, "href");
      }
    }
    const bool linked = !href.empty() && href != text && !RunsContent(href);
    if (linked || has("strike") || has("em") || has("strong")) {
      // Markup around the text stays on the lines it opens and closes on.
      std::replace(text.begin(), text.end(), '\n', ' ');
    }
    if (has("code")) {
      text = CodeSpan(text);
    } else {
      text = linked ? LinkText(text) : NoLinkSyntax(text);
    }
    // Blanks at either end stay outside the markup: `*a *` would read as stars, not emphasis.
    const std::size_t first = text.find_first_not_of(" \t");
    const std::size_t end = first == std::string::npos ? 0 : text.find_last_not_of(" \t") + 1;
    const std::string lead = text.substr(0, first == std::string::npos ? text.size() : first);
    const std::string trail = text.substr(std::max(end, lead.size()));
    std::string core = text.substr(lead.size(), end > lead.size() ? end - lead.size() : 0);
    if (EndsUnescaped(core, '\\')) {
      core += '\\';  // a backslash the blank kept from escaping the closing mark
    }
    if (!core.empty() && has("strike")) {
      core = "~~" + core + "~~";
    }
    if (!core.empty() && has("em")) {
      core = "*" + core + "*";
    }
    if (!core.empty() && has("strong")) {
      core = "**" + core + "**";
    }
    text = lead + core + trail;
    return linked ? fmt::format("[{}]({})", text, LinkDestination(href)) : text;
  }

  std::string Inline(const Json& node, int depth) {
    if (depth > kMaxAdfDepth) {
      return {};
    }
    const std::string type = ValueOr(node, "type", "");
    if (type == "text") {
      const Json& text = node.contains("text") ? node["text"] : Json();
      return text.is_string()
                 ? ApplyMarks(text.get<std::string>(), node.value("marks", Json::array()))
                 : std::string();
    }
    if (type == "hardBreak") {
      return std::string(kHardBreak);  // a bare newline would read back as a space
    }
    if (type == "mention") {
      std::string name = StringAttr(node, "text");
      if (!name.empty() && name.front() == '@') {
        name.erase(0, 1);
      }
      // Names, emoji and lozenge texts are plain text: their `*`, `_` or `~` cannot reach into
      // the text around them.
      return "@" + ::tools::PlainText(name.empty() ? StringAttr(node, "id") : name);
    }
    if (type == "emoji") {
      const std::string text = StringAttr(node, "text");
      return ::tools::PlainText(text.empty() ? StringAttr(node, "shortName") : text);
    }
    if (type == "inlineCard") {
      return NoLinkSyntax(StringAttr(node, "url"));
    }
    if (type == "date") {
      return NoLinkSyntax(IsoDate(StringAttr(node, "timestamp")));
    }
    if (type == "status") {
      return "[" + ::tools::PlainText(StringAttr(node, "text")) + "]";
    }
    if (type == "placeholder") {
      return ::tools::PlainText(StringAttr(node, "text"));
    }
    if (type == "mediaInline") {
      return "[attachment]";
    }
    if (node.contains("text") && node["text"].is_string()) {
      return NoLinkSyntax(node["text"].get<std::string>());
    }
    return Inlines(Content(node), depth);
  }
};

// A path deep into a document would fill the error: its start and its end locate the node.
std::string ShortPath(const std::string& path) {
  constexpr std::size_t kKept = 60;
  if (path.size() <= 3 * kKept) {
    return path;
  }
  const std::size_t head = path.find('.', kKept);
  const std::size_t tail = path.rfind('.', path.size() - kKept);
  if (head == std::string::npos || tail == std::string::npos || head >= tail) {
    return path;
  }
  const auto left_out = std::count(path.begin() + static_cast<std::ptrdiff_t>(head),
                                   path.begin() + static_cast<std::ptrdiff_t>(tail), '.');
  return fmt::format("{}.….{} ({} steps left out)", path.substr(0, head), path.substr(tail + 1),
                     left_out);
}

core::Status ShapeError(const std::string& path, const std::string& why) {
  return {core::Code::kInvalidArgument,
          fmt::format("The ADF document is malformed at {}: {}. Send an ADF object "
                      "{{\"type\":\"doc\",\"version\":1,\"content\":[...]}} or markdown text.",
                      ShortPath(path), why)};
}

core::Status CheckNode(const Json& node, const std::string& path, int depth) {
  if (depth > kMaxAdfDepth) {
    return ShapeError(path, "nested too deeply");
  }
  if (!node.is_object()) {
    return ShapeError(path, "a node must be an object");
  }
  if (!node.contains("type") || !node["type"].is_string()) {
    return ShapeError(path, "a node needs a string 'type'");
  }
  if (node["type"] == "text") {
    if (!node.contains("text") || !node["text"].is_string() ||
        node["text"].get_ref<const std::string&>().empty()) {
      return ShapeError(path, "a text node needs a non-empty string 'text'");
    }
  }
  if (node.contains("marks")) {
    if (!node["marks"].is_array()) {
      return ShapeError(path + ".marks", "must be an array");
    }
    for (std::size_t i = 0; i < node["marks"].size(); ++i) {
      const Json& mark = node["marks"][i];
      if (!mark.is_object() || !mark.contains("type") || !mark["type"].is_string()) {
        return ShapeError(fmt::format("{}.marks[{}]", path, i), "a mark needs a string 'type'");
      }
    }
  }
  if (node.contains("attrs") && !node["attrs"].is_object()) {
    return ShapeError(path + ".attrs", "must be an object");
  }
  if (!node.contains("content")) {
    return core::Status::Ok();
  }
  if (!node["content"].is_array()) {
    return ShapeError(path + ".content", "must be an array");
  }
  for (std::size_t i = 0; i < node["content"].size(); ++i) {
    auto status = CheckNode(node["content"][i], fmt::format("{}.content[{}]", path, i), depth + 1);
    if (!status.ok()) {
      return status;
    }
  }
  return core::Status::Ok();
}

bool IsBlankLine(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

// A blank line ends any table; so does a line with only the markers of quotes (">"), which is
// blank inside its quote or starts a new one.
bool EndsTables(std::string_view line) {
  return line.find_first_not_of(" \t>") == std::string_view::npos;
}

// The cells of `line` if it is a GFM table's delimiter row ("| --- | :-: |") once the markers of
// the quotes and the indent of the list items that hold it are taken away; 0 if it is not one.
// Lenient on purpose: a line it takes for one only makes the bound below larger.
std::size_t DelimiterCells(std::string_view line) {
  const std::size_t start = line.find_first_not_of(" \t>");
  if (start == std::string_view::npos) {
    return 0;
  }
  std::string_view row = line.substr(start);
  row = row.substr(0, row.find_last_not_of(" \t\v\f") + 1);
  if (row.find('-') == std::string_view::npos ||
      row.find_first_not_of("|-: \t\v\f") != std::string_view::npos ||
      row.find_first_of("|:") == std::string_view::npos) {
    return 0;  // a line of only "-" and spaces is a heading's underline, a rule or a list item
  }
  const auto pipes = static_cast<std::size_t>(std::count(row.begin(), row.end(), '|'));
  const std::size_t edges =
      (row.front() == '|' ? 1 : 0) + (row.size() > 1 && row.back() == '|' ? 1 : 0);
  return std::max<std::size_t>(1, pipes + 1 - std::min(edges, pipes));
}

// Refuses, without parsing, markdown whose tables would take the parser too long or too much
// memory. A table has as many columns as its delimiter row has cells, and every row is padded
// to that width; its rows (the header and the lines below the delimiter row) end at the next
// line that EndsTables at the latest. The parser splits each row in time that grows with the
// square of its pipes.
// The lines of `markdown`, ended by \n, \r or \r\n as CommonMark reads them.
std::vector<std::string_view> Lines(std::string_view markdown) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= markdown.size();) {
    const std::size_t end = std::min(markdown.find_first_of("\r\n", start), markdown.size());
    lines.push_back(markdown.substr(start, end - start));
    start = end + (markdown.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
  return lines;
}

// Whether the reference definition whose label ends at `lines[i]` column `at` ("]:") may have
// a title: after the address (the next word, or <…>) comes '"', '\'' or '(', each of the two
// perhaps on the next line (after the markers of the quotes that hold it). Lenient on purpose.
bool MayHaveTitle(const std::vector<std::string_view>& lines, std::size_t i, std::size_t at) {
  std::size_t line = i;
  std::size_t pos = at + 2;
  bool unsure = false;  // a '>' that starts a next line may be a quote marker or an address
  const auto skip_space = [&lines, &line, &pos, &unsure] {
    bool crossed = false;
    while (true) {
      const std::string_view text = lines[line];
      while (pos < text.size() &&
             (text[pos] == ' ' || text[pos] == '\t' || (crossed && text[pos] == '>'))) {
        unsure = unsure || text[pos] == '>';
        ++pos;
      }
      if (pos < text.size() || crossed || line + 1 >= lines.size()) {
        return;
      }
      ++line;
      pos = 0;
      crossed = true;
    }
  };
  skip_space();
  const std::string_view address_line = lines[line];
  if (pos >= address_line.size()) {
    return false;  // no address: not a definition
  }
  if (address_line[pos] == '<') {
    // <…> ends at the first '>' that is not escaped.
    std::size_t close = pos + 1;
    while (close < address_line.size() && address_line[close] != '>') {
      close += address_line[close] == '\\' ? 2 : 1;
    }
    if (close >= address_line.size()) {
      return true;
    }
    pos = close + 1;
  } else {
    while (pos < address_line.size() && address_line[pos] != ' ' && address_line[pos] != '\t') {
      ++pos;
    }
  }
  skip_space();
  const std::string_view title_line = lines[line];
  return unsure || (pos < title_line.size() &&
                    (title_line[pos] == '"' || title_line[pos] == '\'' || title_line[pos] == '('));
}

// Refuses, without parsing, markdown whose reference links would copy too much: the parser copies
// a definition's address and title ("[x]: http://…") into every link that uses it, before any
// ADF is built. A use needs a "["; a definition starts on a line with "]:".
core::Status CheckReferenceCopies(const std::vector<std::string_view>& lines,
                                  std::string_view markdown, std::size_t max_bytes) {
  // A definition takes its line and the next two (its address and its title may each start on
  // a line of their own). One with a title may run on to the next blank line: then all of that
  // counts, and so it does for a line of many "]:".
  std::vector<std::size_t> to_blank(lines.size() + 1, 0);  // bytes from a line to a blank one
  for (std::size_t i = lines.size(); i-- > 0;) {
    const bool blank = IsBlankLine(lines[i]);
    to_blank[i] = blank ? 0 : to_blank[i + 1] + lines[i].size() + 1;
  }
  constexpr std::size_t kMostLabelEnds = 8;
  std::size_t longest_definition = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::size_t label_ends = 0;
    for (std::size_t at = lines[i].find("]:"); at != std::string_view::npos;
         at = lines[i].find("]:", at + 2)) {
      std::size_t bytes = to_blank[i];
      if (++label_ends <= kMostLabelEnds && !MayHaveTitle(lines, i, at)) {
        // Without a title only the address is copied: the rest of this line, or the next line
        // when the address starts there.
        const std::string_view rest = lines[i].substr(at + 2);
        const bool next_line = IsBlankLine(rest) && i + 1 < lines.size();
        bytes = rest.size() + (next_line ? lines[i + 1].size() + 1 : 0);
      }
      longest_definition = std::max(longest_definition, bytes);
      if (bytes == to_blank[i]) {
        break;
      }
    }
  }
  const auto uses = static_cast<std::size_t>(std::count(markdown.begin(), markdown.end(), '['));
  if (longest_definition > 0 && uses * longest_definition > max_bytes) {
    return {core::Code::kInvalidArgument,
            fmt::format("its reference links (\"[text][label]\" with \"[label]: address\") may "
                        "copy their definitions {} times, up to {} KiB, and this server converts "
                        "at most {} KiB. Use shorter addresses or inline links",
                        uses, uses * longest_definition >> 10, max_bytes >> 10)};
  }
  return core::Status::Ok();
}

core::Status CheckTables(const std::vector<std::string_view>& lines) {
  const auto pipes = [](std::string_view line) {
    return static_cast<std::size_t>(std::count(line.begin(), line.end(), '|'));
  };
  std::size_t cells = 0;
  std::size_t run_end = lines.size();  // the first line after this one that ends tables
  std::size_t run_pipes = 0;           // the most pipes on a line from this one to run_end
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (EndsTables(lines[i])) {
      run_end = i;
      run_pipes = 0;
      continue;
    }
    run_pipes = std::max(run_pipes, pipes(lines[i]));
    const std::size_t columns = i > 0 ? DelimiterCells(lines[i]) : 0;
    if (columns == 0) {
      continue;
    }
    if (const std::size_t widest = std::max(run_pipes, pipes(lines[i - 1]));
        widest > kMaxMarkdownTableRowPipes) {
      return {core::Code::kInvalidArgument,
              fmt::format(
                  "a line of its table that starts at line {} holds {} \"|\"; this server converts "
                  "table rows of at most {}. Split the table, or escape the pipes that "
                  "are not cell borders as \\|",
                  i, widest, kMaxMarkdownTableRowPipes)};
    }
    cells += columns * (run_end - i);
  }
  if (cells > kMaxMarkdownTableCells) {
    return {core::Code::kInvalidArgument,
            fmt::format("its tables hold {} cells (each row as many as its table has columns), "
                        "and this server converts at most {}. Use fewer rows or columns, or "
                        "split the text",
                        cells, kMaxMarkdownTableCells)};
  }
  return core::Status::Ok();
}

// An upper bound on the quotes and list items that `line` opens or keeps open: one for each '>'
// and list marker ("-", "+", "*", "1.", "1)") at its start, and one for every two columns of
// indent among them (a list item's text sits at least two columns in, and a line that continues
// it must be indented as far). Lazy lines after a line that opens many make the parser walk all of
// them again, line by line.
std::size_t ContainerDepth(std::string_view line) {
  const auto blank_after = [&line](std::size_t at) {
    return at >= line.size() || line[at] == ' ' || line[at] == '\t';
  };
  std::size_t markers = 0;
  std::size_t columns = 0;
  for (std::size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      columns += c == ' ' ? 1 : 4 - columns % 4;
      ++i;
    } else if (c == '>' || ((c == '-' || c == '+' || c == '*') && blank_after(i + 1))) {
      ++markers;
      ++i;
    } else if (c >= '0' && c <= '9') {
      std::size_t end = i;
      while (end < line.size() && end - i < 9 && line[end] >= '0' && line[end] <= '9') {
        ++end;
      }
      if (end >= line.size() || (line[end] != '.' && line[end] != ')') || !blank_after(end + 1)) {
        break;
      }
      ++markers;
      i = end + 1;
    } else {
      break;
    }
  }
  return markers + columns / 2;
}

core::Status CheckNesting(const std::vector<std::string_view>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (const std::size_t depth = ContainerDepth(lines[i]); depth > kMaxMarkdownLineNesting) {
      return {core::Code::kInvalidArgument,
              fmt::format("line {} starts with {} levels of quotes, list items and indent (two "
                          "columns each), and this server converts at most {}. Nest less, or "
                          "indent less",
                          i + 1, depth, kMaxMarkdownLineNesting)};
    }
  }
  return core::Status::Ok();
}

// Refuses, without parsing, a paragraph that holds many runs of emphasis markers ("*", "_",
// "~") or images ("![") before many links: the parser walks them again for every link
// ("*_" 16,384 times, then "[]()" 8,190 times, took seven seconds). Every "]" counts as a link
// and a blank line as the end of a paragraph: an upper bound.
core::Status CheckEmphasisBeforeLinks(const std::vector<std::string_view>& lines) {
  constexpr std::size_t kMaxWalk = std::size_t{8} << 20;  // some 0.2 s of the parser's time
  std::size_t runs = 0;
  std::size_t links = 0;
  std::size_t start = 0;  // the paragraph's first line
  for (std::size_t i = 0; i <= lines.size(); ++i) {
    if (i == lines.size() || IsBlankLine(lines[i])) {
      if (runs * links > kMaxWalk) {
        return {core::Code::kInvalidArgument,
                fmt::format("the paragraph at line {} mixes {} runs of emphasis markers (*, _, ~) "
                            "and images (![) with {} links or brackets, more than the parser can "
                            "take in time. "
                            "Split the paragraph, or escape the markers that are not emphasis "
                            "as \\*, \\_ or \\~",
                            start + 1, runs, links)};
      }
      runs = 0;
      links = 0;
      start = i + 1;
      continue;
    }
    char previous = '\0';
    for (const char c : lines[i]) {
      if (((c == '*' || c == '_' || c == '~') && c != previous) || (c == '[' && previous == '!')) {
        ++runs;  // an image inside a link is walked again for every link, as a marker is
      }
      links += c == ']' ? 1 : 0;
      previous = c;
    }
  }
  return core::Status::Ok();
}

// The bytes the autolink extension reads to decide whether "www." starts a link: from there to
// the end of the domain-like run (letters, digits, '.', '_', '-', escapes, any non-ASCII byte),
// once for every "www." in a run, so a run of "www._www._…" is read over and over. An upper
// bound: every "www." counts, whatever precedes it.
std::size_t AutolinkScanBytes(std::string_view markdown) {
  const auto in_run = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  std::vector<std::size_t> run_end(markdown.size() + 2, markdown.size());
  for (std::size_t i = markdown.size(); i-- > 0;) {
    if (markdown[i] == '\\') {
      run_end[i] = run_end[std::min(i + 2, markdown.size())];
    } else {
      run_end[i] = in_run(markdown[i]) ? run_end[i + 1] : i;
    }
  }
  std::size_t bytes = 0;
  for (std::size_t at = markdown.find("www."); at != std::string_view::npos;
       at = markdown.find("www.", at + 1)) {
    bytes += run_end[at] - at;
  }
  return bytes;
}

core::Status CheckAutolinks(std::string_view markdown) {
  // Some 30 ms of the parser's time; the text of a whole issue tracker reads a fraction of it.
  constexpr std::size_t kMaxScanBytes = std::size_t{4} << 20;
  if (const std::size_t bytes = AutolinkScanBytes(markdown); bytes > kMaxScanBytes) {
    return {core::Code::kInvalidArgument,
            fmt::format("its \"www.\" addresses run into each other (the parser would read {} "
                        "KiB to find where they end, at most {} KiB here). Put a space or "
                        "<…> around each address",
                        bytes >> 10, kMaxScanBytes >> 10)};
  }
  return core::Status::Ok();
}

}  // namespace

core::Result<Json> MarkdownToAdf(std::string_view markdown, std::size_t max_adf_bytes) {
  if (markdown.size() > kMaxMarkdownBytes) {
    return core::Status(
        core::Code::kInvalidArgument,
        fmt::format("it is {} bytes of markdown, and this server converts at most {} bytes "
                    "per value. Shorten it (Jira itself keeps at most 32,767 characters of a "
                    "rich-text field), or attach the full text as a file",
                    markdown.size(), kMaxMarkdownBytes));
  }
  const std::vector<std::string_view> lines = Lines(markdown);
  if (auto status = CheckNesting(lines); !status.ok()) {
    return status;
  }
  if (auto status = CheckTables(lines); !status.ok()) {
    return status;
  }
  if (auto status = CheckAutolinks(markdown); !status.ok()) {
    return status;
  }
  if (auto status = CheckEmphasisBeforeLinks(lines); !status.ok()) {
    return status;
  }
  if (auto status = CheckReferenceCopies(lines, markdown, max_adf_bytes); !status.ok()) {
    return status;
  }
  std::unique_ptr<cmark_parser, decltype(&cmark_parser_free)> parser(
      cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8), &cmark_parser_free);
  for (const char* name : {"table", "strikethrough", "tasklist", "autolink"}) {
    if (cmark_syntax_extension* extension = Extension(name); extension != nullptr) {
      cmark_parser_attach_syntax_extension(parser.get(), extension);
    }
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> document(
      cmark_parser_finish(parser.get()), &cmark_node_free);
  AdfBuilder builder(max_adf_bytes);
  Json adf = builder.Document(document.get());
  if (builder.OverBudget()) {
    return core::Status(
        core::Code::kInvalidArgument,
        fmt::format("it converts to more than {} KiB of ADF (each text inside a link or a "
                    "mark carries a copy of it, a link's address included), the most this "
                    "server builds per value. Shorten it, or use fewer links and marks",
                    max_adf_bytes >> 10));
  }
  return adf;
}

core::Status CheckAdfShape(const Json& adf) {
  if (!adf.is_object()) {
    return ShapeError("the root", "it must be an object");
  }
  if (adf.value("type", Json()) != "doc") {
    return ShapeError("the root", "'type' must be \"doc\"");
  }
  if (adf.value("version", Json()) != 1) {
    return ShapeError("the root", "'version' must be 1");
  }
  if (!adf.contains("content") || !adf["content"].is_array()) {
    return ShapeError("the root", "'content' must be an array");
  }
  return CheckNode(adf, "doc", 0);
}

bool IsAdfDocument(const Json& value) {
  return value.is_object() && value.value("type", Json()) == "doc" && value.contains("content") &&
         value["content"].is_array();
}

std::string AdfToMarkdown(const Json& adf) {
  MarkdownRenderer renderer;
  return renderer.Render(adf);
}

}  // namespace tools
