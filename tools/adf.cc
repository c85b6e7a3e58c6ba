#include "tools/adf.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

#include "tools/json_read.h"

namespace tools {
namespace {

// Hostile input can nest without end (">>>>…", "- - - …"); past this depth of the markdown tree
// a subtree is kept as plain text instead of being walked recursively. One markdown level can
// take up to four ADF levels (list, item, paragraph, text), hence the ADF limits.
constexpr int kMaxDepth = 48;
constexpr int kMaxAdfDepth = 4 * kMaxDepth + 8;
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
void AppendText(Json& out, std::string text, const Json& marks) {
  if (text.empty()) {
    return;
  }
  if (!out.empty()) {
    Json& last = out.back();
    if (last["type"] == "text" && last.value("marks", Json::array()) == marks) {
      last["text"] = last["text"].get<std::string>() + text;
      return;
    }
  }
  out.push_back(TextNode(std::move(text), marks));
}

Json WithMark(Json marks, Json mark) {
  marks.push_back(std::move(mark));
  return marks;
}

class AdfBuilder {
 public:
  Json Document(cmark_node* document) {
    return {{"type", "doc"}, {"version", 1}, {"content", Blocks(document, Container::kTop, 0)}};
  }

 private:
  Json Blocks(cmark_node* parent, Container container, int depth) {
    Json out = Json::array();
    for (cmark_node* child = cmark_node_first_child(parent); child != nullptr;
         child = cmark_node_next(child)) {
      Block(child, container, depth + 1, out);
    }
    return out;
  }

  void Block(cmark_node* node, Container container, int depth, Json& out) {
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

  void InlineChildren(cmark_node* node, const Json& marks, int depth, Json& out) {
    for (auto& child : Inlines(node, marks, depth)) {
      if (child["type"] == "text") {
        AppendText(out, child["text"].get<std::string>(), child.value("marks", Json::array()));
      } else {
        out.push_back(std::move(child));
      }
    }
  }

  void Inline(cmark_node* node, const Json& marks, int depth, Json& out) {
    if (depth > kMaxDepth) {
      AppendText(out, PlainText(node), marks);
      return;
    }
    if (TypeString(node) == "strikethrough") {
      InlineChildren(node, WithMark(marks, {{"type", "strike"}}), depth, out);
      return;
    }
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_HTML_INLINE:
        AppendText(out, Literal(node), marks);
        return;
      case CMARK_NODE_SOFTBREAK:
        AppendText(out, " ", marks);
        return;
      case CMARK_NODE_LINEBREAK:
        out.push_back({{"type", "hardBreak"}});
        return;
      case CMARK_NODE_CODE:
        AppendText(out, Literal(node), CodeMarks(marks));
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
        AppendText(out, PlainText(node), marks);
        return;
    }
  }

  static Json WithLink(const Json& marks, cmark_node* node) {
    const char* url = cmark_node_get_url(node);
    if (url == nullptr || *url == '\0') {
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
    const Json link_marks = WithLink(marks, node);
    const std::size_t before = out.size();
    InlineChildren(node, link_marks, depth, out);
    if (out.size() == before) {
      const char* url = cmark_node_get_url(node);
      AppendText(out, url == nullptr ? "image" : url, link_marks);
    }
  }

  int local_ids_ = 0;
};

cmark_syntax_extension* Extension(const char* name) {
  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  return cmark_find_syntax_extension(name);
}

// ---------------------------------------------------------------------------------------------
// ADF → markdown

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

std::string CodeSpan(const std::string& text) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
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
    return value.get<std::string>();
  }
  return value.is_number() ? value.dump() : std::string();
}

std::string IsoDate(const std::string& timestamp_ms) {
  long long ms = 0;
  try {
    ms = std::stoll(timestamp_ms);
  } catch (const std::exception&) {
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
    }
    return out;
  }

  std::string Inlines(const Json& nodes, int depth) {
    std::string out;
    for (const auto& node : nodes) {
      if (node.is_object()) {
        out += Inline(node, depth + 1);
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
             OneLine(Inlines(content, depth));
    }
    if (type == "bulletList" || type == "orderedList") {
      return List(node, type == "orderedList", depth);
    }
    if (type == "taskList" || type == "decisionList") {
      return TaskList(node, depth);
    }
    if (type == "codeBlock") {
      std::string text;
      for (const auto& child : content) {
        text += ValueOr(child, "text", "");
      }
      // The fence is longer than any run of backticks inside, so the code cannot close it.
      std::size_t longest = 0;
      for (std::size_t run = 0; const char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
      }
      const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
      return fence + StringAttr(node, "language") + "\n" + text + "\n" + fence;
    }
    if (type == "blockquote") {
      return Indent(Blocks(content, "\n\n", depth), "> ", "> ");
    }
    if (type == "panel") {
      const std::string label = StringAttr(node, "panelType");
      return Indent((label.empty() ? "" : "[" + label + "] ") + Blocks(content, "\n\n", depth),
                    "> ", "> ");
    }
    if (type == "rule") {
      return "---";
    }
    if (type == "table") {
      return Table(node, depth);
    }
    if (type == "expand" || type == "nestedExpand") {
      const std::string title = StringAttr(node, "title");
      const std::string body = Blocks(content, "\n\n", depth);
      return title.empty() ? body : "**" + title + "**\n" + body;
    }
    if (type == "media") {
      const std::string alt = StringAttr(node, "alt");
      return "[media: " + (alt.empty() ? StringAttr(node, "id") : alt) + "]";
    }
    if (type == "blockCard" || type == "embedCard") {
      return StringAttr(node, "url");
    }
    // Unknown (or container-like: mediaSingle, mediaGroup, layouts, extensions): keep the text.
    if (node.contains("text") && node["text"].is_string()) {
      return node["text"].get<std::string>();
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
      out += Indent(Blocks(Content(item), "\n", depth), marker, std::string(marker.size(), ' '));
    }
    return out;
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
        line = Indent(Inlines(Content(item), depth), "- " + box, "  ");
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
    std::string text = OneLine(Blocks(Content(cell), " ", depth));
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
      return text;
    }
    auto has = [&marks](std::string_view type) {
      return std::any_of(marks.begin(), marks.end(),
                         [type](const Json& mark) { return ValueOr(mark, "type", "") == type; });
    };
    if (has("code")) {
      text = CodeSpan(text);
    }
    if (has("strike")) {
      text = "~~" + text + "~~";
    }
    if (has("em")) {
      text = "*" + text + "*";
    }
    if (has("strong")) {
      text = "**" + text + "**";
    }
    for (const auto& mark : marks) {
      if (ValueOr(mark, "type", "") == "link") {
        const std::string href = StringAttr(mark, "href");
        if (!href.empty() && href != text) {
          text = fmt::format("[{}]({})", text, href);
        }
      }
    }
    return text;
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
      return "@" + (name.empty() ? StringAttr(node, "id") : name);
    }
    if (type == "emoji") {
      const std::string text = StringAttr(node, "text");
      return text.empty() ? StringAttr(node, "shortName") : text;
    }
    if (type == "inlineCard") {
      return StringAttr(node, "url");
    }
    if (type == "date") {
      return IsoDate(StringAttr(node, "timestamp"));
    }
    if (type == "status") {
      return "[" + StringAttr(node, "text") + "]";
    }
    if (type == "placeholder") {
      return StringAttr(node, "text");
    }
    if (type == "mediaInline") {
      return "[attachment]";
    }
    if (node.contains("text") && node["text"].is_string()) {
      return node["text"].get<std::string>();
    }
    return Inlines(Content(node), depth);
  }
};

core::Status ShapeError(const std::string& path, const std::string& why) {
  return {core::Code::kInvalidArgument,
          fmt::format("The ADF document is malformed at {}: {}. Send an ADF object "
                      "{{\"type\":\"doc\",\"version\":1,\"content\":[...]}} or markdown text.",
                      path, why)};
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

}  // namespace

Json MarkdownToAdf(std::string_view markdown) {
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
  AdfBuilder builder;
  return builder.Document(document.get());
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
