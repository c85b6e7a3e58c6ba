#include "tools/adf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tests/tools/gfm_render.h"

namespace tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The document converted from `markdown`, which must be within the conversion's limits.
Json Converted(std::string_view markdown) {
  auto doc = MarkdownToAdf(markdown);
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  return doc.ok() ? *doc : Json();
}

// The block nodes of a converted document, after checking the document's own shape.
Json Blocks(const std::string& markdown) {
  const Json doc = Converted(markdown);
  EXPECT_TRUE(CheckAdfShape(doc).ok()) << CheckAdfShape(doc).message() << "\n" << doc.dump(2);
  return doc["content"];
}

Json Text(const std::string& text, Json marks = Json::array()) {
  Json node = {{"type", "text"}, {"text", text}};
  if (!marks.empty()) {
    node["marks"] = std::move(marks);
  }
  return node;
}

Json Para(Json inlines) { return {{"type", "paragraph"}, {"content", std::move(inlines)}}; }

Json Doc(Json blocks) { return {{"type", "doc"}, {"version", 1}, {"content", std::move(blocks)}}; }

// C3
TEST(MarkdownToAdf, KeepsHeadingOrderedListAndCodeBlockWithLanguage) {
  const Json blocks = Blocks("## Steps\n1. open\n2. click\n\n```sh\nmake\n```");

  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0],
            (Json{{"type", "heading"}, {"attrs", {{"level", 2}}}, {"content", {Text("Steps")}}}));
  EXPECT_EQ(blocks[1]["type"], "orderedList");
  ASSERT_EQ(blocks[1]["content"].size(), 2U);
  EXPECT_EQ(blocks[1]["content"][0],
            (Json{{"type", "listItem"}, {"content", {Para({Text("open")})}}}));
  EXPECT_EQ(blocks[1]["content"][1]["content"][0], Para({Text("click")}));
  EXPECT_FALSE(blocks[1].contains("attrs"));
  EXPECT_EQ(
      blocks[2],
      (Json{{"type", "codeBlock"}, {"attrs", {{"language", "sh"}}}, {"content", {Text("make")}}}));
}

TEST(MarkdownToAdf, EmptyTextIsAnEmptyDocument) { EXPECT_EQ(Converted(""), Doc(Json::array())); }

TEST(MarkdownToAdf, HeadingsOfEveryLevel) {
  const Json blocks = Blocks("# 1\n## 2\n### 3\n#### 4\n##### 5\n###### 6\n");

  ASSERT_EQ(blocks.size(), 6U);
  for (int level = 1; level <= 6; ++level) {
    EXPECT_EQ(blocks[level - 1]["attrs"]["level"], level);
    EXPECT_EQ(blocks[level - 1]["content"][0]["text"], std::to_string(level));
  }
}

TEST(MarkdownToAdf, InlineMarks) {
  const Json blocks = Blocks("a **b** *c* ~~d~~ `e` [f](https://x.test/f \"T\") ***g***");

  const Json expected = Para({
      Text("a "),
      Text("b", {{{"type", "strong"}}}),
      Text(" "),
      Text("c", {{{"type", "em"}}}),
      Text(" "),
      Text("d", {{{"type", "strike"}}}),
      Text(" "),
      Text("e", {{{"type", "code"}}}),
      Text(" "),
      Text("f", {{{"type", "link"}, {"attrs", {{"href", "https://x.test/f"}, {"title", "T"}}}}}),
      Text(" "),
      Text("g", {{{"type", "em"}}, {{"type", "strong"}}}),
  });
  ASSERT_EQ(blocks.size(), 1U);
  EXPECT_EQ(blocks[0], expected) << blocks[0].dump(2);
}

TEST(MarkdownToAdf, CodeInsideALinkKeepsOnlyTheLinkMark) {
  const Json inline_node = Blocks("**[`x`](https://y.test)**")[0]["content"][0];

  EXPECT_EQ(inline_node["text"], "x");
  EXPECT_EQ(inline_node["marks"], (Json{{{"type", "link"}, {"attrs", {{"href", "https://y.test"}}}},
                                        {{"type", "code"}}}));
}

TEST(MarkdownToAdf, AutolinksBareUrls) {
  const Json inlines = Blocks("see www.example.com and https://x.test/z")[0]["content"];

  ASSERT_EQ(inlines.size(), 4U);
  EXPECT_EQ(inlines[1]["text"], "www.example.com");
  EXPECT_EQ(inlines[1]["marks"][0]["attrs"]["href"], "http://www.example.com");
  EXPECT_EQ(inlines[3]["marks"][0]["attrs"]["href"], "https://x.test/z");
}

TEST(MarkdownToAdf, HardAndSoftBreaks) {
  const Json inlines = Blocks("one  \ntwo\nthree")[0]["content"];

  EXPECT_EQ(inlines, (Json{Text("one"), {{"type", "hardBreak"}}, Text("two three")}));
}

TEST(MarkdownToAdf, OrderedListKeepsItsStart) {
  const Json list = Blocks("3. c\n4. d\n")[0];

  EXPECT_EQ(list["type"], "orderedList");
  EXPECT_EQ(list["attrs"]["order"], 3);
}

TEST(MarkdownToAdf, NestsLists) {
  const Json list = Blocks("- a\n  - b\n    1. c\n- d\n")[0];

  EXPECT_EQ(list["type"], "bulletList");
  ASSERT_EQ(list["content"].size(), 2U);
  const Json first = list["content"][0]["content"];
  ASSERT_EQ(first.size(), 2U);
  EXPECT_EQ(first[0], Para({Text("a")}));
  EXPECT_EQ(first[1]["type"], "bulletList");
  const Json inner = first[1]["content"][0]["content"];
  EXPECT_EQ(inner[1]["type"], "orderedList");
  EXPECT_EQ(inner[1]["content"][0]["content"][0], Para({Text("c")}));
}

TEST(MarkdownToAdf, ListItemsStartWithAParagraph) {
  const Json item = Blocks("- - x\n")[0]["content"][0];

  EXPECT_EQ(item["content"][0], Para(Json::array()));
  EXPECT_EQ(item["content"][1]["type"], "bulletList");
}

TEST(MarkdownToAdf, HeadingInsideAListBecomesBoldText) {
  const Json item = Blocks("- # Big\n")[0]["content"][0];

  EXPECT_EQ(item["content"][0], Para({Text("Big", {{{"type", "strong"}}})}));
}

TEST(MarkdownToAdf, BlockquotesAndRules) {
  const Json blocks = Blocks("> quoted *text*\n>\n> - item\n\n---\n\nafter");

  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0]["type"], "blockquote");
  EXPECT_EQ(blocks[0]["content"][0], Para({Text("quoted "), Text("text", {{{"type", "em"}}})}));
  EXPECT_EQ(blocks[0]["content"][1]["type"], "bulletList");
  EXPECT_EQ(blocks[1], (Json{{"type", "rule"}}));
  EXPECT_EQ(blocks[2], Para({Text("after")}));
}

TEST(MarkdownToAdf, NestedQuotesAreFlattenedIntoOne) {
  const Json blocks = Blocks("> a\n>> b\n");

  ASSERT_EQ(blocks.size(), 1U);
  EXPECT_EQ(blocks[0]["type"], "blockquote");
  for (const auto& child : blocks[0]["content"]) {
    EXPECT_NE(child["type"], "blockquote");
  }
}

TEST(MarkdownToAdf, CodeBlocksWithAndWithoutLanguage) {
  const Json blocks =
      Blocks("```python title=x\nprint(1)\n\nprint(2)\n```\n\n    indented\n\n```\n```");

  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0]["attrs"]["language"], "python");
  EXPECT_EQ(blocks[0]["content"][0]["text"], "print(1)\n\nprint(2)");
  EXPECT_FALSE(blocks[1].contains("attrs"));
  EXPECT_EQ(blocks[1]["content"][0]["text"], "indented");
  EXPECT_EQ(blocks[2]["content"], Json::array());
}

TEST(MarkdownToAdf, Tables) {
  const Json table = Blocks("| Name | **Qty** |\n|:--|--:|\n| apple | 3 |\n| pear |  |\n")[0];

  EXPECT_EQ(table["type"], "table");
  ASSERT_EQ(table["content"].size(), 3U);
  const Json header = table["content"][0]["content"];
  EXPECT_EQ(header[0]["type"], "tableHeader");
  EXPECT_EQ(header[0]["content"][0], Para({Text("Name")}));
  EXPECT_EQ(header[1]["content"][0], Para({Text("Qty", {{{"type", "strong"}}})}));
  const Json row = table["content"][1]["content"];
  EXPECT_EQ(row[0]["type"], "tableCell");
  EXPECT_EQ(row[1]["content"][0], Para({Text("3")}));
  EXPECT_EQ(table["content"][2]["content"][1]["content"][0], Para(Json::array()));
}

TEST(MarkdownToAdf, TaskLists) {
  const Json list = Blocks("- [ ] write\n- [x] test\n  - [ ] nested\n")[0];

  EXPECT_EQ(list["type"], "taskList");
  ASSERT_EQ(list["content"].size(), 3U);
  EXPECT_EQ(list["content"][0]["type"], "taskItem");
  EXPECT_EQ(list["content"][0]["attrs"]["state"], "TODO");
  EXPECT_EQ(list["content"][0]["content"], (Json{Text("write")}));
  EXPECT_EQ(list["content"][1]["attrs"]["state"], "DONE");
  EXPECT_EQ(list["content"][2]["type"], "taskList");
  EXPECT_EQ(list["content"][2]["content"][0]["content"], (Json{Text("nested")}));
  std::set<std::string> ids = {list["attrs"]["localId"].get<std::string>()};
  for (const auto& item : list["content"]) {
    ids.insert(item["attrs"]["localId"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 4U) << "every localId is distinct";
}

TEST(MarkdownToAdf, MixedTaskAndPlainItemsStayABulletList) {
  const Json list = Blocks("- [x] done\n- plain\n")[0];

  EXPECT_EQ(list["type"], "bulletList");
  EXPECT_EQ(list["content"][0]["content"][0], Para({Text("[x] done")}));
}

// A link that would run script or embed content where it is opened keeps its text only.
TEST(MarkdownToAdf, LinksThatRunContentKeepOnlyTheirText) {
  for (const std::string url :
       {"javascript:alert(1)", "JavaScript:alert(1)", "java&#9;script:x",
        "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x", "file:///etc"}) {
    const Json doc = Converted("[click](" + url + ")");

    EXPECT_EQ(doc["content"][0], Para({Text("click")})) << url;
  }
  EXPECT_EQ(Converted("[a](https://e.com/x:y)")["content"][0]["content"][0]["marks"][0]["type"],
            "link");
  EXPECT_EQ(Converted("[a](docs/data:x)")["content"][0]["content"][0]["marks"][0]["type"], "link");
}

TEST(MarkdownToAdf, ImagesBecomeLinks) {
  const Json inline_node = Blocks("![diagram](https://x.test/d.png)")[0]["content"][0];

  EXPECT_EQ(inline_node["text"], "diagram");
  EXPECT_EQ(inline_node["marks"][0]["attrs"]["href"], "https://x.test/d.png");
}

// After other text, an image's alt text joins that text and nothing else does: a refused address
// is never glued to it, and an image with no alt text and a refused address reads "image".
TEST(MarkdownToAdf, AnImageAfterTextKeepsOnlyItsAltText) {
  EXPECT_EQ(Blocks("a ![img](javascript:x) b"), (Json{Para({Text("a img b")})}));
  EXPECT_EQ(Blocks("a ![img](data:image/png;base64,AAA)"), (Json{Para({Text("a img")})}));
  EXPECT_EQ(Blocks("a ![](javascript:alert(1)) b"), (Json{Para({Text("a image b")})}));
  const Json linked = Blocks("see ![diagram](https://x.test/d.png)")[0]["content"];
  ASSERT_EQ(linked.size(), 2U);
  EXPECT_EQ(linked[1]["text"], "diagram");
}

// A linked image (a badge) is one link, the outer one: ADF allows one link mark per text.
TEST(MarkdownToAdf, ALinkedImageKeepsTheOuterLinkOnly) {
  const Json node = Blocks("[![img](https://a/b.png)](https://c/d)")[0]["content"][0];

  EXPECT_EQ(node["text"], "img");
  ASSERT_EQ(node["marks"].size(), 1U);
  EXPECT_EQ(node["marks"][0]["attrs"]["href"], "https://c/d");
}

TEST(MarkdownToAdf, RawHtmlStaysText) {
  const Json blocks = Blocks("<div>hi</div>\n\na <b>b</b>");

  EXPECT_EQ(blocks[0], Para({Text("<div>hi</div>")}));
  EXPECT_EQ(blocks[1], Para({Text("a <b>b</b>")}));
}

// C5
TEST(MarkdownToAdf, UnicodeSurvivesByteForByte) {
  const std::string text =
      "line\u2028sep 👩‍💻 family 👨‍👩‍👧 שלום עולם مرحبا";

  const Json blocks = Blocks(text);

  EXPECT_EQ(blocks, (Json{Para({Text(text)})}));
}

TEST(MarkdownToAdf, InvalidUtf8IsReplacedNotPassedOn) {
  const Json doc = Converted(std::string("bad \xff byte"));

  EXPECT_NO_THROW(static_cast<void>(doc.dump()));
}

TEST(MarkdownToAdf, SurvivesDeepNesting) {
  const Json quotes = Converted(std::string(kMaxMarkdownLineNesting, '>') + " deep");
  std::string lists;
  for (int i = 0; i < 150; ++i) {
    lists += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- x\n";
  }
  const Json nested = Converted(lists);

  EXPECT_TRUE(CheckAdfShape(quotes).ok());
  EXPECT_THAT(quotes.dump(), HasSubstr("deep"));
  EXPECT_TRUE(CheckAdfShape(nested).ok()) << CheckAdfShape(nested).message();
}

// A table of `columns` columns (header and delimiter row), then `rows` lines of one short cell
// each, every line ended with `eol` and started with `prefix`.
std::string WideTable(int columns, int rows, const std::string& eol = "\n",
                      const std::string& prefix = "") {
  std::string header = prefix;
  std::string delimiter = prefix;
  for (int i = 0; i < columns; ++i) {
    header += "|a";
    delimiter += "|-";
  }
  std::string table = header + "|" + eol + delimiter + "|" + eol;
  for (int i = 0; i < rows; ++i) {
    table += prefix + "x" + eol;
  }
  return table;
}

// GFM pads each row to the header's width: 4 kB of short rows under a 512-column header were half
// a million cells and a gigabyte of memory. Such tables are refused before parsing, whatever the
// line endings or the container.
TEST(MarkdownToAdf, RefusesTablesPastTheCellLimitBeforeParsing) {
  for (const auto& markdown :
       {WideTable(512, 1000), WideTable(512, 1000, "\r"), WideTable(512, 1000, "\r\n"),
        WideTable(512, 1000, "\n", "> "), "- item\n\n" + WideTable(512, 1000, "\n", "  ")}) {
    const auto doc = MarkdownToAdf(markdown);

    ASSERT_FALSE(doc.ok()) << markdown.substr(0, 40);
    EXPECT_EQ(doc.status().code(), core::Code::kInvalidArgument);
    EXPECT_THAT(doc.status().message(), HasSubstr("converts at most 10000"));
  }
}

TEST(MarkdownToAdf, ConvertsTablesWithinTheCellLimit) {
  // 10 columns of 500 rows; a wide table whose rows end at a blank line before many more lines.
  const Json tall = Converted(WideTable(10, 499));
  const Json wide = Converted(WideTable(900, 3) + "\n" + std::string(20000, 'x') + "\n" +
                              std::string(9000, '\n'));

  ASSERT_EQ(tall["content"][0]["type"], "table");
  EXPECT_EQ(tall["content"][0]["content"].size(), 500U);
  ASSERT_EQ(wide["content"][0]["type"], "table");
  EXPECT_EQ(wide["content"][0]["content"][1]["content"].size(), 900U);
}

// Narrow tables count their real columns; a line of only quote markers ends a table.
TEST(MarkdownToAdf, CountsTheColumnsOfATable) {
  std::string two_columns = "| key | value |\n| --- | --- |\n";
  for (int i = 0; i < 2600; ++i) {
    two_columns += "| k | v |\n";
  }
  std::string quoted;
  for (int i = 0; i < 5; ++i) {
    quoted += WideTable(10, 150, "\n", "> ") + ">\n";
  }

  EXPECT_EQ(Converted(two_columns)["content"][0]["content"].size(), 2601U);
  EXPECT_EQ(Converted(quoted)["content"][0]["type"], "blockquote");
}

// The parser splits a table row in time that grows with the square of its pipes.
TEST(MarkdownToAdf, RefusesATableRowOfTooManyPipes) {
  const auto doc = MarkdownToAdf("|a|\n|-|\n" + std::string(60000, '|'));

  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("holds 60000 \"|\""));
  EXPECT_TRUE(MarkdownToAdf("text\n" + std::string(60000, '|')).ok());  // not a table
}

// Each text inside a link carries the link's address: one long address around many marked words
// would be hundreds of megabytes of ADF. Building stops at the budget.
TEST(MarkdownToAdf, RefusesMarkdownThatBuildsTooMuchAdf) {
  std::string words;
  while (words.size() < 50000) {
    words += "a*b*";
  }
  const std::string link = "[" + words + "](http://e/" + std::string(8000, 'u') + ")";

  const auto doc = MarkdownToAdf(link);

  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("converts to more than 1024 KiB of ADF"));
  EXPECT_TRUE(MarkdownToAdf(link, std::size_t{1} << 30).ok());
}

// Past the depth limit a subtree is kept as text: its blocks stay apart.
TEST(MarkdownToAdf, TextPastTheDepthLimitKeepsItsWordsApart) {
  std::string lists;
  for (int i = 0; i < 70; ++i) {
    lists +=
        std::string(static_cast<std::size_t>(i) * 2, ' ') + "- level " + std::to_string(i) + "\n";
  }

  const std::string text = Converted(lists).dump();

  EXPECT_THAT(text, HasSubstr("level 60 level 61"));
  EXPECT_THAT(text, Not(HasSubstr("level 60level")));
}

// The parser copies a reference definition's address into every link that uses it, before any
// ADF is built: many uses of one long definition are refused before parsing.
TEST(MarkdownToAdf, RefusesReferenceLinksThatCopyTooMuch) {
  std::string uses;
  for (int i = 0; i < 8000; ++i) {
    uses += "[x] ";
  }
  std::string fifty_links = "[docs]: https://example.test/" + std::string(100, 'p') + "\n\n";
  for (int i = 0; i < 50; ++i) {
    fifty_links += "See [the docs][docs]. ";
  }

  std::string title_lines;
  for (int i = 0; i < 16384; ++i) {
    title_lines += "t\n";
  }

  const auto copies = MarkdownToAdf("[x]: http://e/" + std::string(32768, 'a') + "\n\n" + uses);
  const auto long_title = MarkdownToAdf("[x]: http://e/\n\"" + title_lines + "\"\n\n" + uses);
  const auto escaped = MarkdownToAdf("[x]: http://e/\n\"t\\\"\n" + title_lines + "\"\n\n" + uses);
  // A quote in the address or the label makes the title's line look closed.
  for (const std::string& definition :
       {"[x]: http://e/\" \"" + title_lines + "\"", "[x]: <http://e/)> (" + title_lines + ")",
        "> [x]: http://e/\n> \"" + title_lines + "\"",
        "[x]: <http://e/\\>x> \"" + title_lines + "\"", "[x]:\n    > \"" + title_lines + "\""}) {
    EXPECT_FALSE(MarkdownToAdf(definition + "\n\n" + uses).ok()) << definition.substr(0, 30);
  }

  ASSERT_FALSE(copies.ok());
  EXPECT_THAT(copies.status().message(), HasSubstr("reference links"));
  EXPECT_FALSE(escaped.ok());
  ASSERT_FALSE(long_title.ok());
  EXPECT_THAT(long_title.status().message(), HasSubstr("reference links"));
  // Log lines that look like definitions, with closed parentheses, in one long run of lines.
  std::string log = "```\n";
  for (int i = 0; i < 1500; ++i) {
    log += "[INFO]: started worker (pid 42)\n";
  }
  EXPECT_TRUE(MarkdownToAdf(log + "```\n").ok());
  EXPECT_TRUE(MarkdownToAdf(fifty_links).ok());
  // A short definition right before a long paragraph of uses copies only its address.
  EXPECT_TRUE(MarkdownToAdf("[x]: http://e/\n" + uses).ok());
  EXPECT_TRUE(MarkdownToAdf("[x]:\nhttp://e/\n" + uses).ok());
}

// Lines of "-" are headings' underlines, rules or list items, never a table: YAML documents,
// changelogs and long plain text convert.
TEST(MarkdownToAdf, ConvertsLongTextWithoutTables) {
  std::string yaml = "```yaml\n";
  std::string steps;
  for (int i = 0; i < 2000; ++i) {
    yaml += "kind: Pod\n---\n";
    steps += "step ok\n---\n";
  }
  yaml += "```\n";
  std::string lines;
  std::string code_spans;
  for (int i = 0; i < 15000; ++i) {
    lines += "x\n";
  }
  for (int i = 0; i < 7000; ++i) {
    code_spans += "`x` ";
  }

  for (const auto& markdown : {yaml, steps, lines, code_spans}) {
    const auto doc = MarkdownToAdf(markdown);
    EXPECT_TRUE(doc.ok()) << doc.status().message();
  }
}

// The parser walks every quote and list item a line keeps open again for each lazy line after
// it: 32 KiB of ">" or "- " followed by 16,000 lines of text took the parser half a minute. A
// line that starts that deep is refused before parsing; deep indent alone counts too.
TEST(MarkdownToAdf, RefusesALineThatNestsPastTheLimit) {
  std::string lazy;
  for (int i = 0; i < 16000; ++i) {
    lazy += "a\n";
  }
  std::string repeated_items;
  for (int i = 0; i < 16000; ++i) {
    repeated_items += "- ";
  }
  for (const auto& markdown :
       {std::string(32768, '>') + lazy, repeated_items + lazy,
        "text\n\n" + std::string(2 * kMaxMarkdownLineNesting + 2, ' ') + "- x\n" + lazy,
        "1. 2) > - + * \t" + std::string(kMaxMarkdownLineNesting, '>')}) {
    const auto doc = MarkdownToAdf(markdown);

    ASSERT_FALSE(doc.ok()) << markdown.substr(0, 40);
    EXPECT_THAT(doc.status().message(), HasSubstr("converts at most 256. Nest less"));
  }
  // Up to the limit, and markers that open nothing ("-x", "1.5", "**"), convert.
  EXPECT_TRUE(MarkdownToAdf(std::string(kMaxMarkdownLineNesting, '>') + lazy).ok());
  EXPECT_TRUE(MarkdownToAdf(std::string(60000, '-') + "x\n1.5 **bold**").ok());
  EXPECT_TRUE(MarkdownToAdf(std::string(512, ' ') + "indented code").ok());
}

// The autolink extension reads a domain-like run to its end for each "www." in it, so 64 KiB of
// "www._" took seconds. Addresses apart, any number of them convert.
TEST(MarkdownToAdf, RefusesAddressesThatRunIntoEachOther) {
  std::string run;
  std::string apart;
  while (run.size() < 60000) {
    run += "www._";
  }
  while (apart.size() < 60000) {
    apart += "www.example.com ";
  }

  const auto doc = MarkdownToAdf(run);

  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("\"www.\" addresses run into each other"));
  const auto links = MarkdownToAdf(apart);
  ASSERT_TRUE(links.ok()) << links.status().message();
  EXPECT_THAT(links->dump(), HasSubstr("http://www.example.com"));
}

// The parser walks the emphasis markers before a link again for every link: "*_" 16,384 times
// and then 8,190 empty links took seven seconds. Such a paragraph is refused before parsing;
// the same markers and links in separate paragraphs, or a text with a usual share of both,
// convert.
TEST(MarkdownToAdf, RefusesManyEmphasisMarkersBeforeManyLinks) {
  std::string markers;
  std::string links;
  for (int i = 0; i < 16000; ++i) {
    markers += "*_";
  }
  for (int i = 0; i < 8000; ++i) {
    links += "[]()";
  }
  std::string usual;
  while (usual.size() < 60000) {
    usual += "Some **bold** and _italic_ text with [a link](https://e.com) and ~~old~~ words.\n";
  }

  for (const auto& markdown : {markers + links, markers + "\n" + links, "- " + markers + links}) {
    const auto doc = MarkdownToAdf(markdown);

    ASSERT_FALSE(doc.ok());
    EXPECT_THAT(doc.status().message(), HasSubstr("mixes 32000 runs of emphasis markers"));
  }
  std::string images;
  while (images.size() < 60000) {
    images += "![[]()![[]()![";  // 64 KiB of it took two seconds
  }
  const auto nested = MarkdownToAdf(images);
  ASSERT_FALSE(nested.ok());
  EXPECT_THAT(nested.status().message(), HasSubstr("and images (![) with"));
  EXPECT_TRUE(MarkdownToAdf(markers + "\n\n" + links).ok());
  const auto text = MarkdownToAdf(usual);
  EXPECT_TRUE(text.ok()) << text.status().message();
}

TEST(MarkdownToAdf, RefusesMarkdownPastTheByteLimit) {
  const auto doc = MarkdownToAdf(std::string(kMaxMarkdownBytes + 1, 'x'));

  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(doc.status().message(), HasSubstr("converts at most 65536 bytes"));
  EXPECT_TRUE(MarkdownToAdf(std::string(kMaxMarkdownBytes, 'x')).ok());
}

TEST(MarkdownToAdf, EmptyQuotesPastTheDepthLimitLeaveNoEmptyText) {
  const Json doc = Converted(std::string(88, '>') + "\n`x` after\n");

  const core::Status shape = CheckAdfShape(doc);

  EXPECT_TRUE(shape.ok()) << shape.message();
  EXPECT_THAT(doc.dump(), HasSubstr("after"));
}

// Rendering keeps at most 64 KiB of one list of blocks, so a deep list around a long code block
// is not indented again in full at every level.
TEST(AdfToMarkdown, KeepsABoundedAmountOfADeepDocument) {
  Json node = {{"type", "codeBlock"}, {"content", {Text(std::string(200000, '\n') + "x")}}};
  for (int i = 0; i < 90; ++i) {
    node = {{"type", "bulletList"}, {"content", {{{"type", "listItem"}, {"content", {node}}}}}};
  }

  const std::string markdown = AdfToMarkdown(Doc({node}));

  EXPECT_LE(markdown.size(), std::size_t{70} * 1024);
  EXPECT_THAT(markdown, HasSubstr("…"));
}

// C2
TEST(CheckAdfShape, AcceptsAnAdfDocument) {
  const Json adf = Doc({{{"type", "heading"}, {"attrs", {{"level", 1}}}, {"content", {Text("T")}}},
                        Para({Text("body", {{{"type", "strong"}}})})});

  EXPECT_TRUE(CheckAdfShape(adf).ok());
  EXPECT_TRUE(IsAdfDocument(adf));
}

TEST(CheckAdfShape, RejectsWhatIsNotAnAdfDocument) {
  const std::vector<std::pair<Json, std::string>> cases = {
      {Json("text"), "the root"},
      {Json{{"type", "paragraph"}, {"version", 1}, {"content", Json::array()}}, "\"doc\""},
      {Json{{"type", "doc"}, {"version", 2}, {"content", Json::array()}}, "version"},
      {Json{{"type", "doc"}, {"version", 1}}, "content"},
      {Doc({Json(3)}), "doc.content[0]"},
      {Doc({Json{{"content", Json::array()}}}), "string 'type'"},
      {Doc({Para({Text("")})}), "doc.content[0].content[0]"},
      {Doc({Para({{{"type", "text"}, {"text", "x"}, {"marks", "strong"}}})}), "marks"},
      {Doc({{{"type", "paragraph"}, {"content", {{"x", 1}}}}}), "content[0]"},
      {Doc({{{"type", "heading"}, {"attrs", 1}}}), "attrs"},
  };
  for (const auto& [adf, where] : cases) {
    const auto status = CheckAdfShape(adf);
    EXPECT_FALSE(status.ok()) << adf.dump();
    EXPECT_EQ(status.code(), core::Code::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(where)) << adf.dump();
  }
}

TEST(CheckAdfShape, RejectsHostileNesting) {
  Json doc = Doc(Json::array());
  Json* parent = &doc;
  for (int i = 0; i < 1000; ++i) {
    parent->at("content").push_back({{"type", "blockquote"}, {"content", Json::array()}});
    parent = &parent->at("content").back();
  }

  const auto status = CheckAdfShape(doc);

  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("nested too deeply"));
  // The path to the node is shortened, not a thousand steps long.
  EXPECT_LT(status.message().size(), 400U);
  EXPECT_THAT(status.message(), HasSubstr("doc.content[0].content[0]"));
  EXPECT_THAT(status.message(), HasSubstr("steps left out"));
}

// Another client may have stored a link to a script: it reads back as its text only, so an agent
// that copies the markdown into a new comment does not pass the link on.
// Stored text that spells an entity reads as those characters, not the one it names, and a
// bidirectional override reads as its name.
TEST(AdfToMarkdown, EntitiesAndBidiControlsInTextReadAsWritten) {
  const std::string markdown =
      AdfToMarkdown(Doc({Para({Text("&lt;b&gt; &amp; AT&T \u202Egnp.exe")})}));

  EXPECT_EQ(markdown, "\\&lt;b\\&gt; \\&amp; AT&T (U+202E)gnp.exe");
  EXPECT_THAT(RenderGfmUnsafe(markdown), HasSubstr("&amp;lt;b&amp;gt; &amp;amp; AT&amp;T"));
}

TEST(AdfToMarkdown, LinksThatRunContentReadAsTheirText) {
  const auto link = [](const std::string& href) {
    return Json::array({{{"type", "link"}, {"attrs", {{"href", href}}}}});
  };
  const Json doc = Doc({Para({Text("a", link("javascript:alert(1)")), Text(" "),
                              Text("b", link(" Data:text/html,x")), Text(" "),
                              Text("c", link("https://x.test/c"))})});

  EXPECT_EQ(AdfToMarkdown(doc), "a b [c](https://x.test/c)");
}

// Stored text or addresses that hold markdown link syntax cannot make a link when read back:
// not by breaking out of a link's address or text, nor by text next to other markup.
TEST(AdfToMarkdown, StoredTextCannotBreakOutIntoALink) {
  const Json breakout =
      Text("safe", Json::array({{{"type", "link"},
                                 {"attrs", {{"href", "https://ok.test/) [x](javascript:1"}}}}}));
  EXPECT_EQ(AdfToMarkdown(Doc({Para({breakout})})),
            "[safe](https://ok.test/%29%20[x]%28javascript:1)");
  const Json text_breakout =
      Text("a](javascript:1) [b",
           Json::array({{{"type", "link"}, {"attrs", {{"href", "https://ok"}}}}}));
  EXPECT_EQ(AdfToMarkdown(Doc({Para({text_breakout})})), "[a\\](javascript:1) \\[b](https://ok)");

  const Json mention = {{"type", "mention"},
                        {"attrs", {{"id", "1"}, {"text", "[a](javascript:1)"}}}};
  const Json status = {{"type", "status"}, {"attrs", {{"text", "s"}}}};
  EXPECT_EQ(
      AdfToMarkdown(Doc({Para({mention, Text(" "), status, Text("(javascript:1)"),
                               Text(" <javascript:2> [d]: javascript:3 !"), Text("[e](f)")})})),
      "@\\[a\\](javascript:1) [s]\\(javascript:1) &lt;javascript:2> [d\\]: javascript:3 "
      "\\![e\\](f)");
}

// Calls `visit` with every node of an ADF document, the document first.
void VisitNodes(const Json& node, const std::function<void(const Json&)>& visit) {
  if (!node.is_object()) {
    return;
  }
  visit(node);
  for (const auto& child : node.value("content", Json::array())) {
    VisitNodes(child, visit);
  }
}

// The addresses of the links in `markdown`, as MarkdownToAdf (cmark-gfm) parses it.
std::vector<std::string> LinkHrefs(const std::string& markdown) {
  std::vector<std::string> hrefs;
  const auto adf = MarkdownToAdf(markdown);
  EXPECT_TRUE(adf.ok()) << markdown;
  if (!adf.ok()) {
    return hrefs;
  }
  VisitNodes(*adf, [&](const Json& node) {
    for (const auto& mark : node.value("marks", Json::array())) {
      if (mark.value("type", "") == "link") {
        hrefs.push_back(mark["attrs"]["href"].get<std::string>());
      }
    }
  });
  return hrefs;
}

// What the reads above render, parsed as markdown again (cmark-gfm, as a host would), holds
// only the one link each document had.
TEST(AdfToMarkdown, EscapedReadsParseToNoOtherLink) {
  EXPECT_EQ(LinkHrefs("[safe](https://ok.test/%29%20[x]%28javascript:1)"),
            std::vector<std::string>{"https://ok.test/%29%20[x]%28javascript:1"});
  EXPECT_EQ(LinkHrefs("[a\\](javascript:1) \\[b](https://ok)"),
            std::vector<std::string>{"https://ok"});
  EXPECT_TRUE(LinkHrefs("@[a\\](javascript:1) [s]\\(javascript:1) \\<javascript:2> [d\\]: "
                        "javascript:3 \\![e\\](f)")
                  .empty());
}

// Backslashes, dates, panels, code in table cells, HTML and entities cannot be used to make a
// link either: each document below, read and parsed again, has only the links it had.
TEST(AdfToMarkdown, NoOtherWayMakesALink) {
  const Json status = {{"type", "status"}, {"attrs", {{"text", "x"}}}};
  const Json date = {{"type", "date"}, {"attrs", {{"timestamp", "(//evil.test/d)"}}}};
  const Json linked =
      Text("p", Json::array({{{"type", "link"}, {"attrs", {{"href", "https://ok.test/p.png"}}}}}));
  const Json cell_code = {
      {"type", "table"},
      {"content",
       {{{"type", "tableRow"},
         {"content",
          {{{"type", "tableCell"},
            {"content",
             {Para({Text("```")}),
              {{"type", "codeBlock"}, {"content", {Text("[x](http://evil.test/cell)")}}}}}}}}}}}};
  const Json panel = {{"type", "panel"},
                      {"attrs", {{"panelType", "x](http://evil.test/panel) [y"}}},
                      {"content", {Para({Text("body")})}}};
  const std::vector<Json> documents = {
      Doc({Para({Text("[click\\](http://evil.test/x)")})}),
      Doc({Para({Text("x\\"), linked})}),
      Doc({Para({Text("see \\<javascript:alert(1)>")})}),
      Doc({Para({Text("[ok\\]: http://evil.test/def")}), Para({status, Text("[ok]")})}),
      Doc({Para({status, date})}),
      Doc({cell_code}),
      Doc({panel}),
      Doc({Para({Text("mail <1x> here <?x?> </p> <a href=//evil.test>")})}),
  };
  for (const auto& document : documents) {
    const std::string markdown = AdfToMarkdown(document);
    const auto found = LinkHrefs(markdown);
    EXPECT_TRUE(found.empty() || found == std::vector<std::string>{"https://ok.test/p.png"})
        << markdown;
    // No HTML: every `<` is escaped or stands before what cannot open a tag.
    for (std::size_t at = markdown.find('<'); at != std::string::npos;
         at = markdown.find('<', at + 1)) {
      EXPECT_TRUE(at > 0 && markdown[at - 1] == '\\') << markdown;
    }
  }
  // An image needs a `!` right before a link: one ending the text before it is escaped.
  EXPECT_EQ(AdfToMarkdown(Doc({Para({Text("x!"), linked})})), "x\\![p](https://ok.test/p.png)");
  // An entity in an address stays as written instead of being decoded into `javascript:`.
  const Json entity = Text(
      "c", Json::array({{{"type", "link"}, {"attrs", {{"href", "javascript&colon;alert(1)"}}}}}));
  EXPECT_EQ(AdfToMarkdown(Doc({Para({entity})})), "[c](javascript%26colon;alert%281%29)");
  EXPECT_EQ(LinkHrefs("[c](javascript%26colon;alert%281%29)"),
            std::vector<std::string>{"javascript%26colon;alert%281%29"});
}

// Stored documents that try to leave a code span, a code block or a paragraph: rendered by GFM
// with HTML passed through, none makes an element, link or block it did not have.
TEST(AdfToMarkdown, NothingLeavesItsCodeSpanBlockOrParagraph) {
  const auto link = [](const std::string& href) {
    return Json::array({{{"type", "link"}, {"attrs", {{"href", href}}}}});
  };
  const Json code = Json::array({{{"type", "code"}}});
  const Json hard_break = {{"type", "hardBreak"}};
  const Json code_block = {
      {"type", "codeBlock"},
      {"content", {Text("~~~\n<img src=x onerror=alert(5)>\n[x](http://evil.test/)")}}};
  const Json expand = {
      {"type", "expand"}, {"attrs", {{"title", "T\n~~~"}}}, {"content", {Para({Text("body")})}}};
  const std::vector<std::pair<Json, std::size_t>> documents = {
      {Doc({Para(
           {Text("`", link("http://ok.test/")), Text("<img src=x onerror=alert(9)>", code)})}),
       1},
      {Doc({Para(
           {Text("[a"), Text("`", link("http://ok.test/")), Text("](http://evil.test/)", code)})}),
       1},
      {Doc({Para({Text("note"), hard_break, Text("~~~")}), code_block}), 0},
      {Doc({expand, code_block}), 0},
      {Doc({Para({Text("a"), hard_break, Text("# b"), hard_break, Text("    c")})}), 0},
      {Doc({Para({Text("see http://e.test/a"), Text("<img src=x onerror=alert(3)>", code)})}), 1},
      {Doc({Para({Text("1. x\n- y\n> z\n| a |\n|---|")})}), 0},
      {Doc({Para({Text("a", code), Text("`<img src=x onerror=alert(1)>`", code)})}), 0},
      {Doc({Para({Text("see http://e.test/<img src=x onerror=alert(1)>")})}), 1},
      {Doc({{{"type", "panel"},
             {"attrs", {{"panelType", "info"}}},
             {"content", {{{"type", "codeBlock"}, {"content", {Text("<img src=x>")}}}}}}}),
       0},
      {Doc({{{"type", "blockquote"},
             {"content", {{{"type", "codeBlock"}, {"content", {Text("x\r<img src=x>")}}}}}}}),
       0},
      {Doc({Para({Text("a\r# h\rb\r- item\r> quote\r***")})}), 0},
      {Doc({Para({Text("a | b"), hard_break, Text(":-: | :-:")})}), 0},
      {Doc({Para({Text("ls\n``y", code)}), Para({Text("<img src=x>")})}), 0},
      {Doc({Para({Text("ba|\n", Json::array({{{"type", "strike"}}})),
                  Text("#1.", Json::array({{{"type", "strike"}}}))}),
            Para({Text("<img src=x>")})}),
       0},
  };
  for (const auto& [document, links] : documents) {
    const std::string markdown = AdfToMarkdown(document);
    const std::string html = RenderGfmUnsafe(markdown);
    EXPECT_EQ(CountOf(html, "<a "), links) << markdown << "\n" << html;
    std::size_t blocks = 0;  // code blocks the document has
    std::size_t quotes = 0;  // quotes and panels (read as quotes)
    VisitNodes(document, [&](const Json& node) {
      const std::string type = node.value("type", "");
      blocks += type == "codeBlock" ? 1 : 0;
      quotes += type == "blockquote" || type == "panel" ? 1 : 0;
    });
    for (const char* element : {"<img", "<svg", "<h1", "<h2", "<ol", "<ul", "<table", "<hr"}) {
      EXPECT_EQ(CountOf(html, element), 0U) << element << "\n" << markdown << "\n" << html;
    }
    EXPECT_EQ(CountOf(html, "<blockquote"), quotes) << markdown << html;
    EXPECT_LE(CountOf(html, "<pre"), blocks) << markdown << html;
  }
}

// Line breaks inside a text or an attribute (which other clients write) keep their paragraph
// one paragraph: blank lines in them would end it.
TEST(AdfToMarkdown, LineBreaksInTextKeepTheParagraphWhole) {
  const Json hard_break = {{"type", "hardBreak"}};
  const Json date = {{"type", "date"}, {"attrs", {{"timestamp", "\n|"}}}};
  const Json status = {{"type", "status"}, {"attrs", {{"text", "x\n\ny"}}}};
  const Json mention = {{"type", "mention"}, {"attrs", {{"id", "1"}, {"text", "@a\r\n\r\nb"}}}};
  const std::vector<Json> paragraphs = {
      Para({Text("a\n\nb")}),
      Para({Text("a\r\n\r\nb\r\rc")}),
      Para({Text("a\n  \t\nb")}),
      Para({Text("a\n"), Text("\nb")}),
      Para({Text("a"), hard_break, Text("\n\nb")}),
      Para({Text("a"), date, Text("b")}),
      Para({Text("a"), status, mention, Text("\n")}),
  };
  for (const auto& paragraph : paragraphs) {
    const std::string markdown = AdfToMarkdown(Doc({paragraph}));
    EXPECT_EQ(CountOf(RenderGfmUnsafe(markdown), "<p>"), 1U) << markdown;
  }
}

// Only a task item reads as a task: an item of another list whose text starts like a box keeps
// its brackets as text.
TEST(AdfToMarkdown, OnlyTaskItemsReadAsTasks) {
  const auto item = [](const std::string& text) {
    return Json{{"type", "listItem"}, {"content", {Para({Text(text)})}}};
  };
  const Json bullets = {{"type", "bulletList"}, {"content", {item("[ ] x"), item("[x]")}}};
  const Json numbered = {{"type", "orderedList"}, {"content", {item("[X]\ty")}}};
  const Json decisions = {{"type", "decisionList"},
                          {"content", {{{"type", "decisionItem"}, {"content", {Text("[ ] z")}}}}}};
  const Json tasks = {
      {"type", "taskList"},
      {"content",
       {{{"type", "taskItem"}, {"attrs", {{"state", "TODO"}}}, {"content", {Text("[x] t")}}}}}};
  const std::string markdown = AdfToMarkdown(Doc({bullets, numbered, decisions, tasks}));
  EXPECT_THAT(markdown, HasSubstr("- \\[ ] x"));
  EXPECT_EQ(CountOf(RenderGfmUnsafe(markdown), "<input"), 1U) << markdown;
  // Read back as markdown, the brackets are the items' text again.
  const Json again = Converted(markdown);
  EXPECT_EQ(again["content"][0]["content"][0]["content"][0]["content"][0]["text"], "[ ] x");
}

// A heading keeps the `#`s its text ends in: unescaped, markdown reads them as closing marks.
TEST(AdfToMarkdown, HeadingsKeepTrailingHashes) {
  const auto heading = [](const std::string& text) {
    return Doc({{{"type", "heading"}, {"attrs", {{"level", 2}}}, {"content", {Text(text)}}}});
  };
  for (const std::string text : {"Issue #", "Issue ##  ", "#", "C#", "a # b"}) {
    const std::string markdown = AdfToMarkdown(heading(text));
    const Json again = Converted(markdown);
    const std::string trimmed = text.substr(0, text.find_last_not_of(' ') + 1);
    EXPECT_EQ(again["content"][0]["content"][0]["text"], trimmed) << markdown;
  }
}

// Emphasis keeps blanks at its ends outside its marks, so that it still reads as emphasis.
TEST(AdfToMarkdown, MarksKeepBlanksOutside) {
  const auto marked = [](const std::string& text, const std::vector<std::string>& types) {
    Json marks = Json::array();
    for (const auto& type : types) {
      marks.push_back({{"type", type}});
    }
    return AdfToMarkdown(Doc({Para({Text("x"), Text(text, marks), Text("y")})}));
  };
  EXPECT_EQ(marked(" a ", {"strong", "em"}), "x ***a*** y");
  EXPECT_EQ(marked("a\\ ", {"em"}), "x*a\\\\* y");
  EXPECT_EQ(marked("  ", {"strike"}), "x  y");
  for (const std::string text : {" a ", "a\\ ", "b  "}) {
    const std::string html = RenderGfmUnsafe(marked(text, {"strong", "em", "strike"}));
    EXPECT_EQ(CountOf(html, "<em>"), 1U) << html;
    EXPECT_EQ(CountOf(html, "<del>"), 1U) << html;
  }
}

// A mention's, emoji's or lozenge's text cannot start emphasis that runs into the text around it.
TEST(AdfToMarkdown, NamesInTextKeepTheirMarksToThemselves) {
  const auto mention = [](const std::string& name) {
    return Json{{"type", "mention"}, {"attrs", {{"id", "1"}, {"text", name}}}};
  };
  const Json status = {{"type", "status"}, {"attrs", {{"text", "~~ok_"}}}};
  const std::string markdown = AdfToMarkdown(
      Doc({Para({mention("@Bob`s *x_"), Text(" said "), mention("@_Carol* ~~ `"), status})}));
  const std::string html = RenderGfmUnsafe(markdown);
  for (const char* element : {"<em>", "<strong>", "<del>", "<code>"}) {
    EXPECT_EQ(CountOf(html, element), 0U) << element << "\n" << markdown << "\n" << html;
  }
}

// Ordinary text reads as written.
TEST(AdfToMarkdown, OrdinaryBracketsAndComparisonsReadAsWritten) {
  EXPECT_EQ(AdfToMarkdown(Doc({Para({Text("[WIP] a < b, x [1] y (z)")})})),
            "[WIP] a < b, x [1] y (z)");
  EXPECT_EQ(AdfToMarkdown(Doc({Para({Text("Thanks!"), Text(" Fixed [WIP]"),
                                     Text("(optional) step", {{{"type", "strong"}}})})})),
            "Thanks! Fixed [WIP]**(optional) step**");
}

TEST(AdfToMarkdown, RendersBlocksCompactly) {
  const Json adf = Doc({
      {{"type", "heading"}, {"attrs", {{"level", 3}}}, {"content", {Text("Title")}}},
      Para({Text("plain "), Text("bold", {{{"type", "strong"}}}), Text(" "),
            Text("it", {{{"type", "em"}}}), Text(" "), Text("gone", {{{"type", "strike"}}}),
            Text(" "), Text("a`b", {{{"type", "code"}}}), Text(" "),
            Text("site", {{{"type", "link"}, {"attrs", {{"href", "https://x.test"}}}}})}),
      {{"type", "codeBlock"}, {"attrs", {{"language", "cpp"}}}, {"content", {Text("int x;")}}},
      {{"type", "blockquote"}, {"content", {Para({Text("q1")}), Para({Text("q2")})}}},
      {{"type", "rule"}},
  });

  EXPECT_EQ(AdfToMarkdown(adf),
            "### Title\n\n"
            "plain **bold** *it* ~~gone~~ ``a`b`` [site](https://x.test)\n\n"
            "```cpp\nint x;\n```\n\n"
            "> q1\n> \n> q2\n\n"
            "***");
}

// ADF from Jira is upstream input: members of the wrong type are skipped, never thrown on
// (found by tests/fuzz/fuzz_adf_to_markdown).
TEST(AdfToMarkdown, SkipsMembersOfTheWrongTypeInsteadOfThrowing) {
  const Json adf = Json::parse(R"({"type":"doc","version":1,"content":[
      {"type":["paragraph"],"content":[{"type":"text","text":"a"}]},
      {"type":"codeBlock","content":[1,{"type":"text","text":5},{"type":"text","text":"code"}]},
      {"type":"paragraph","content":[{"type":"text","text":"ok","marks":[{"type":7},"x"]}]},
      {"type":"taskList","content":[{"type":{},"content":[{"type":"text","text":"t"}]}]}]})");

  std::string markdown;
  EXPECT_NO_THROW(markdown = AdfToMarkdown(adf));

  EXPECT_THAT(markdown, HasSubstr("```\ncode\n```"));
  EXPECT_THAT(markdown, HasSubstr("ok"));
  EXPECT_THAT(markdown, HasSubstr("- t"));
}

TEST(AdfToMarkdown, RendersNestedListsWithIndentation) {
  const Json adf =
      Doc({{{"type", "orderedList"},
            {"attrs", {{"order", 4}}},
            {"content",
             {{{"type", "listItem"},
               {"content",
                {Para({Text("four")}),
                 {{"type", "bulletList"},
                  {"content",
                   {{{"type", "listItem"},
                     {"content", {Para({Text("a"), {{"type", "hardBreak"}}, Text("b")})}}}}}}}}},
              {{"type", "listItem"}, {"content", {Para({Text("five")})}}}}}}});

  EXPECT_EQ(AdfToMarkdown(adf), "4. four\n   - a\\\n     b\n5. five");
}

TEST(AdfToMarkdown, RendersTablesTaskListsAndInlineNodes) {
  const Json cell = {{"type", "tableCell"}, {"content", {Para({Text("x|y")})}}};
  const Json head = {{"type", "tableHeader"}, {"content", {Para({Text("H")})}}};
  const Json adf = Doc({
      {{"type", "table"},
       {"content",
        {{{"type", "tableRow"}, {"content", {head, head}}},
         {{"type", "tableRow"}, {"content", {cell, cell}}}}}},
      {{"type", "taskList"},
       {"attrs", {{"localId", "l"}}},
       {"content",
        {{{"type", "taskItem"}, {"attrs", {{"state", "DONE"}}}, {"content", {Text("done")}}},
         {{"type", "taskItem"}, {"attrs", {{"state", "TODO"}}}, {"content", {Text("todo")}}}}}},
      Para({{{"type", "mention"}, {"attrs", {{"id", "acc-1"}, {"text", "@Dana Scully"}}}},
            Text(" "),
            {{"type", "emoji"}, {"attrs", {{"shortName", ":smile:"}, {"text", "😄"}}}},
            Text(" "),
            {{"type", "inlineCard"}, {"attrs", {{"url", "https://x.test/card"}}}},
            Text(" "),
            {{"type", "date"}, {"attrs", {{"timestamp", "1767225600000"}}}},
            Text(" "),
            {{"type", "status"}, {"attrs", {{"text", "IN REVIEW"}, {"color", "blue"}}}}}),
  });

  EXPECT_EQ(AdfToMarkdown(adf),
            "| H | H |\n| --- | --- |\n| x\\|y | x\\|y |\n\n"
            "- [x] done\n- [ ] todo\n\n"
            "@Dana Scully 😄 https://x.test/card 2026-01-01 [IN REVIEW]");
}

// A date is shown as a day of years 0000 to 9999; any other timestamp as it was stored.
TEST(AdfToMarkdown, DatesOutsideFourDigitYearsShowAsStored) {
  const auto date = [](const std::string& timestamp) {
    return AdfToMarkdown(Doc({Para({{{"type", "date"}, {"attrs", {{"timestamp", timestamp}}}}})}));
  };
  EXPECT_EQ(date("1767225600000"), "2026-01-01");
  EXPECT_EQ(date("-62167219200000"), "0000-01-01");
  EXPECT_EQ(date("253402300799999"), "9999-12-31");
  EXPECT_EQ(date("253402300800000"), "253402300800000");
  EXPECT_EQ(date("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(date("-9223372036854775808"), "\\-9223372036854775808");  // not a list item
  EXPECT_EQ(date("99999999999999999999"), "99999999999999999999");
  EXPECT_EQ(date("12abc"), "12abc");
  EXPECT_EQ(date(" 12"), "12");  // a paragraph drops its leading blanks
}

TEST(AdfToMarkdown, UnknownNodesKeepTheirText) {
  const Json adf = Doc({
      {{"type", "panel"},
       {"attrs", {{"panelType", "warning"}}},
       {"content", {Para({Text("careful")})}}},
      {{"type", "futureBlock"}, {"content", {Para({Text("inside")})}}},
      Para({{{"type", "futureInline"}, {"text", "kept"}}}),
      {{"type", "mediaSingle"},
       {"content", {{{"type", "media"}, {"attrs", {{"id", "m1"}, {"alt", "shot.png"}}}}}}},
      {{"type", "expand"}, {"attrs", {{"title", "More"}}}, {"content", {Para({Text("hidden")})}}},
  });

  EXPECT_EQ(AdfToMarkdown(adf),
            "> [warning]\n> careful\n\ninside\n\nkept\n\n[media: shot.png]\n\n**More**\n\nhidden");
}

TEST(AdfToMarkdown, IgnoresGarbageWithoutFailing) {
  EXPECT_EQ(AdfToMarkdown(Json()), "");
  EXPECT_EQ(AdfToMarkdown(Json("x")), "");
  EXPECT_EQ(AdfToMarkdown(Doc({Json(1), Para({Json("y"), {{"type", "text"}, {"text", 5}}})})), "");
  Json deep = Text("bottom");
  for (int i = 0; i < 5000; ++i) {
    Json wrapper = {{"type", "blockquote"}, {"content", Json::array()}};
    wrapper["content"].push_back(std::move(deep));  // moved, never copied: copies recurse
    deep = std::move(wrapper);
  }
  Json doc = Doc(Json::array());
  doc["content"].push_back(std::move(deep));
  EXPECT_NO_THROW(static_cast<void>(AdfToMarkdown(doc)));
}

// C5, the reading direction.
TEST(AdfToMarkdown, UnicodeSurvivesByteForByte) {
  const std::string text = "a\u2028b 👩‍💻 שלום";

  EXPECT_EQ(AdfToMarkdown(Doc({Para({Text(text)})})), text);
}

// Code that holds a fence of its own gets a longer one, so markdown read back and sent again keeps
// the code block whole and the paragraph after it outside.
TEST(AdfToMarkdown, ACodeBlockHoldingAFenceGetsALongerOne) {
  const Json adf = Doc({{{"type", "codeBlock"},
                         {"attrs", {{"language", "markdown"}}},
                         {"content", {Text("```sh\nmake\n```")}}},
                        Para({Text("then")})});

  const std::string markdown = AdfToMarkdown(adf);

  EXPECT_EQ(markdown, "````markdown\n```sh\nmake\n```\n````\n\nthen");
  EXPECT_EQ(Converted(markdown)["content"], adf["content"]);
}

// A language attribute written by another client cannot end the fence or start the code: it
// keeps its first word, up to a backtick or a line break.
TEST(AdfToMarkdown, ACodeBlockLanguageStaysOnTheFenceLine) {
  const auto block = [](const std::string& language) {
    return Doc({{{"type", "codeBlock"},
                 {"attrs", {{"language", language}}},
                 {"content", {Text("not code")}}},
                Para({Text("after")})});
  };

  EXPECT_EQ(AdfToMarkdown(block("```evil\n")), "```\nnot code\n```\n\nafter");
  EXPECT_EQ(AdfToMarkdown(block("c++ extra\nline")), "```c++\nnot code\n```\n\nafter");
  EXPECT_EQ(Converted(AdfToMarkdown(block("py`x")))["content"][1], Para({Text("after")}));
}

// A bare newline would come back as a space when the markdown is sent again (edit_comment after
// list_comments); a heading or a table cell holds one line, so there the break is a space.
TEST(AdfToMarkdown, HardBreaksStayBreaksWhereALineCanBreak) {
  const Json hard = {{"type", "hardBreak"}};
  const Json adf = Doc({
      {{"type", "heading"}, {"attrs", {{"level", 2}}}, {"content", {Text("a"), hard, Text("b")}}},
      {{"type", "table"},
       {"content",
        {{{"type", "tableRow"},
          {"content",
           {{{"type", "tableCell"}, {"content", {Para({Text("c"), hard, Text("d")})}}}}}}}}},
      Para({Text("line one"), hard, Text("line two")}),
  });

  const std::string markdown = AdfToMarkdown(adf);

  EXPECT_EQ(markdown, "## a b\n\n| c d |\n| --- |\n\nline one\\\nline two");
  EXPECT_EQ(Converted("line one\\\nline two")["content"][0], adf["content"][2]);
}

TEST(AdfRoundTrip, MarkdownComesBackAsItWasWritten) {
  const std::string markdown =
      "# Plan\n\n"
      "Some **bold** and *em* and `code` and [a link](https://x.test).\n\n"
      "1. one\n2. two\n   - nested\n\n"
      "- [ ] open\n- [x] closed\n\n"
      "```sh\nmake test\n```\n\n"
      "> quoted\n\n"
      "first line\\\nsecond line\n\n"
      "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n"
      "***";

  EXPECT_EQ(AdfToMarkdown(Converted(markdown)), markdown);
}

}  // namespace
}  // namespace tools
