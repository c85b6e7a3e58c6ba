#include "tools/adf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace tools {
namespace {

using ::testing::HasSubstr;

// The block nodes of a converted document, after checking the document's own shape.
Json Blocks(const std::string& markdown) {
  const Json doc = MarkdownToAdf(markdown);
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

TEST(MarkdownToAdf, EmptyTextIsAnEmptyDocument) {
  EXPECT_EQ(MarkdownToAdf(""), Doc(Json::array()));
}

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

TEST(MarkdownToAdf, ImagesBecomeLinks) {
  const Json inline_node = Blocks("![diagram](https://x.test/d.png)")[0]["content"][0];

  EXPECT_EQ(inline_node["text"], "diagram");
  EXPECT_EQ(inline_node["marks"][0]["attrs"]["href"], "https://x.test/d.png");
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
  const Json doc = MarkdownToAdf(std::string("bad \xff byte"));

  EXPECT_NO_THROW(static_cast<void>(doc.dump()));
}

TEST(MarkdownToAdf, SurvivesDeepNesting) {
  const Json quotes = MarkdownToAdf(std::string(5000, '>') + " deep");
  std::string lists;
  for (int i = 0; i < 300; ++i) {
    lists += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- x\n";
  }
  const Json nested = MarkdownToAdf(lists);

  EXPECT_TRUE(CheckAdfShape(quotes).ok());
  EXPECT_THAT(quotes.dump(), HasSubstr("deep"));
  EXPECT_TRUE(CheckAdfShape(nested).ok()) << CheckAdfShape(nested).message();
}

TEST(MarkdownToAdf, EmptyQuotesPastTheDepthLimitLeaveNoEmptyText) {
  const Json doc = MarkdownToAdf(std::string(88, '>') + "\n`x` after\n");

  const core::Status shape = CheckAdfShape(doc);

  EXPECT_TRUE(shape.ok()) << shape.message();
  EXPECT_THAT(doc.dump(), HasSubstr("after"));
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
            "---");
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
            "> [warning] careful\n\ninside\n\nkept\n\n[media: shot.png]\n\n**More**\nhidden");
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
  EXPECT_EQ(MarkdownToAdf(markdown)["content"], adf["content"]);
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
  EXPECT_EQ(MarkdownToAdf("line one\\\nline two")["content"][0], adf["content"][2]);
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
      "---";

  EXPECT_EQ(AdfToMarkdown(MarkdownToAdf(markdown)), markdown);
}

}  // namespace
}  // namespace tools
