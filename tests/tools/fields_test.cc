#include "tools/fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/tools/gfm_render.h"
#include "tools/adf.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

using ::testing::HasSubstr;

TEST(CompactValue, KeepsWhatAnAgentActsOn) {
  const Json user = {{"accountId", "5b10"},
                     {"displayName", "Dana Scully"},
                     {"avatarUrls", {{"48x48", "https://x.test/a.png"}}},
                     {"self", "https://x.test/user"}};
  const Json status = {{"name", "In Progress"},
                       {"id", "3"},
                       {"statusCategory", {{"key", "indeterminate"}, {"name", "In Progress"}}}};
  const Json parent = {{"id", "10"},
                       {"key", "A-1"},
                       {"fields", {{"summary", "Epic"}, {"status", {{"name", "Open"}}}}}};
  const Json adf = {
      {"type", "doc"},
      {"version", 1},
      {"content", {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", "hello"}}}}}}}};

  EXPECT_EQ(CompactValue(user), (Json{{"accountId", "5b10"}, {"displayName", "Dana Scully"}}));
  EXPECT_EQ(CompactValue(status), "In Progress");
  EXPECT_EQ(CompactValue(Json{{"name", "High"}, {"id", "2"}, {"iconUrl", "x"}}), "High");
  EXPECT_EQ(CompactValue(parent), (Json{{"key", "A-1"}, {"summary", "Epic"}, {"status", "Open"}}));
  EXPECT_EQ(CompactValue(adf), "hello");
  EXPECT_EQ(CompactValue(Json{{"value", "Red"}, {"id", "1"}}), "Red");
  EXPECT_EQ(CompactValue(Json{{"value", "EU"}, {"child", {{"value", "Paris"}}}}), "EU / Paris");
  EXPECT_EQ(CompactValue(Json{{"key", "PRJ"}, {"name", "Project"}, {"projectTypeKey", "software"}}),
            (Json{{"key", "PRJ"}, {"name", "Project"}}));
  EXPECT_EQ(CompactValue(Json::array({{{"name", "v1"}}, {{"name", "v2"}}})), (Json{"v1", "v2"}));
  EXPECT_EQ(CompactValue("text"), "text");
  EXPECT_EQ(CompactValue(nullptr), nullptr);
  EXPECT_EQ(CompactValue(Json{{"originalEstimate", "1d"}, {"self", "x"}}),
            (Json{{"originalEstimate", "1d"}}));
}

TEST(CompactValue, IssueLinksNameTheRelationAndTheOtherIssue) {
  const Json link = {
      {"id", "100"},
      {"type", {{"name", "Blocks"}, {"inward", "is blocked by"}, {"outward", "blocks"}}},
      {"inwardIssue", {{"key", "A-2"}, {"fields", {{"summary", "Other"}}}}}};

  EXPECT_EQ(
      CompactValue(link),
      (Json{{"key", "A-2"}, {"summary", "Other"}, {"relation", "is blocked by"}, {"id", "100"}}));
  // get_issue's text says which way the link goes, as its structured content does.
  EXPECT_EQ(ValueText(Json::array({CompactValue(link)})), "is blocked by A-2 Other");
}

TEST(CompactValue, CommentsAndAttachments) {
  const Json page = {
      {"total", 1},
      {"comments",
       {{{"id", "c1"},
         {"author", {{"accountId", "a"}, {"displayName", "Ann"}}},
         {"created", "2026-01-01T00:00:00.000+0000"},
         {"body",
          {{"type", "doc"},
           {"version", 1},
           {"content",
            {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", "hi"}}}}}}}}}}}}};
  const Json attachment = {{"id", "9"},
                           {"filename", "a.png"},
                           {"size", 10},
                           {"mimeType", "image/png"},
                           {"content", "https://x.test/c"},
                           {"created", "t"}};

  const Json comments = CompactValue(page);
  EXPECT_EQ(comments["total"], 1);
  EXPECT_EQ(comments["comments"][0]["body"], "hi");
  EXPECT_EQ(comments["comments"][0]["author"]["displayName"], "Ann");
  EXPECT_EQ(CompactValue(attachment)["filename"], "a.png");
  EXPECT_FALSE(CompactValue(attachment).contains("content"));
}

// C6
TEST(FlattenIssue, ExactlyTheAskedFieldsPlusIdAndKey) {
  const Json issue = {{"id", "10001"},
                      {"key", "A-1"},
                      {"self", "https://x.test"},
                      {"fields",
                       {{"summary", "S"},
                        {"status", {{"name", "Done"}}},
                        {"description", "D"},
                        {"assignee", {{"accountId", "a"}}},
                        {"project", {{"key", "A"}, {"name", "Alpha"}}}}}};

  const Json flat = FlattenIssue(issue, {"summary", "status", "labels"});

  EXPECT_EQ(flat, (Json{{"id", "10001"},
                        {"key", "A-1"},
                        {"summary", "S"},
                        {"status", "Done"},
                        {"labels", nullptr}}));
}

TEST(FlattenIssue, StarAllKeepsEveryField) {
  const Json issue = {{"id", "1"}, {"key", "A-1"}, {"fields", {{"summary", "S"}, {"x", 1}}}};

  EXPECT_EQ(FlattenIssue(issue, {"*all"}),
            (Json{{"id", "1"}, {"key", "A-1"}, {"summary", "S"}, {"x", 1}}));
}

TEST(CapStrings, CutsLongStringsOnACharacterBoundaryAndMarksTheCut) {
  Json value = {{"a", std::string(10, 'x')}, {"b", {"é€😀é€😀"}}};

  const bool cut = CapStrings(value, 5);

  EXPECT_TRUE(cut);
  EXPECT_THAT(value["a"].get<std::string>(), HasSubstr("xxxxx… [truncated, 5 more bytes]"));
  const std::string b = value["b"][0].get<std::string>();
  EXPECT_EQ(b.rfind("é€", 0), 0U);
  EXPECT_NO_THROW(static_cast<void>(value.dump()));
  EXPECT_FALSE(CapStrings(value["a"], 1000));
}

TEST(Utf8Prefix, NeverSplitsACharacter) {
  const std::string text = "a😀b";

  EXPECT_EQ(Utf8Prefix(text, 1), "a");
  EXPECT_EQ(Utf8Prefix(text, 3), "a");
  EXPECT_EQ(Utf8Prefix(text, 5), "a😀");
  EXPECT_EQ(Utf8Prefix(text, 99), text);
}

// Plain text reads as written: nothing in it opens markup, and a link in it is its text.
TEST(PlainText, EscapesWhatCouldOpenMarkup) {
  EXPECT_EQ(PlainText("tick ` here"), "tick \\` here");
  EXPECT_EQ(PlainText("[ok]: /x"), "\\[ok\\]: /x");
  EXPECT_EQ(PlainText("[x](javascript&#58;a) ![i](/p)"),
            "\\[x\\](javascript\\&#58;a) !\\[i\\](/p)");
  EXPECT_EQ(PlainText("Fix &amp; ship & go"), "Fix \\&amp; ship & go");
  // Emphasis and struck text cannot open in it and close in another value.
  EXPECT_EQ(PlainText("tilde ~~start a** _first"), "tilde \\~\\~start a\\*\\* \\_first");
  // An '_' inside a word opens nothing and stays, so ids copy back exactly.
  EXPECT_EQ(PlainText("customfield_10016 __init__ x_"), "customfield_10016 \\_\\_init\\_\\_ x\\_");
  EXPECT_EQ(RenderGfmUnsafe(PlainText("a_b_c d_e _f g_")), "<p>a_b_c d_e _f g_</p>\n");
  // Where it starts a line, it opens no block.
  EXPECT_EQ(PlainText("# Heading"), "\\# Heading");
  EXPECT_EQ(PlainText("    > quote"), "\\> quote");
  EXPECT_EQ(PlainText("12. item"), "12\\. item");
  EXPECT_EQ(PlainText("- dash"), "\\- dash");
  EXPECT_EQ(PlainText("a - b # c"), "a - b # c");
  EXPECT_EQ(PlainText("<img src=x> a < b"), "&lt;img src=x> a < b");
  EXPECT_EQ(PlainText("h|h\n|-|-|\r\n"), "h\\|h \\|-\\|-\\|  ");
  EXPECT_EQ(PlainText("C:\\dir \\[ \\"), "C:\\dir \\\\\\[ \\\\");
  EXPECT_EQ(PlainText("see http://x` <img src=x> `"), "see http://x\\` &lt;img src=x> \\`");
}

// Only an `&` that starts an entity, which markdown would read as another character, is escaped.
TEST(PlainText, EscapesAnAmpersandOnlyWhereItStartsAnEntity) {
  EXPECT_EQ(PlainText("AT&T &lt;b&gt; &#60; &#x3C; &#; &x y&"),
            "AT&T \\&lt;b\\&gt; \\&#60; \\&#x3C; &#; &x y&");
  EXPECT_TRUE(EntityAt("&amp;", 0));
  EXPECT_TRUE(EntityAt("a&#x1F;", 1));
  EXPECT_FALSE(EntityAt("&#x;", 0));
  EXPECT_FALSE(EntityAt("&amp", 0));
  EXPECT_FALSE(EntityAt("&;", 0));
}

// A bidirectional override would turn the text after it around as it is shown, beyond the
// value: it reads as its name. Other marks (U+200F) and right-to-left text itself stay.
TEST(PlainText, ShowsBidirectionalControlsByName) {
  EXPECT_EQ(PlainText("a\u202Etxt.exe b"), "a(U+202E)txt.exe b");
  EXPECT_EQ(PlainText("\u2066x\u2069 \u202A"), "(U+2066)x(U+2069) (U+202A)");
  EXPECT_EQ(PlainText("שלום \u200F ok"), "שלום \u200F ok");
  EXPECT_EQ(BidiControlAt("\u202E", 0), 3U);
  EXPECT_EQ(BidiControlAt("\u2029", 0), 0U);
}

// A value stays on its line: Unicode line and paragraph separators read as spaces, like CR/LF.
TEST(PlainText, KeepsAValueOnOneLine) {
  EXPECT_EQ(PlainText("a\u2028b\u2029c\u0085d\r\ne"), "a b c d  e");
  EXPECT_EQ(PlainText("\u2027\u202F"), "\u2027\u202F");
}

// Values side by side in one paragraph: whatever the plain ones hold, the rich one's code and
// text read as they do alone, and nothing links, loads or opens HTML.
TEST(PlainText, PlainValuesCannotTakeInTheOnesBesideThem) {
  const Json code = {{"type", "text"}, {"text", "rm -rf /"}, {"marks", {{{"type", "code"}}}}};
  const Json paragraph = {{"type", "paragraph"},
                          {"content", {{{"type", "text"}, {"text", "open [ "}}, code}}};
  const Json doc = {{"type", "doc"}, {"version", 1}, {"content", {paragraph}}};
  const std::string rich = AdfToMarkdown(doc);
  for (const auto& [before, after] : std::vector<std::pair<std::string, std::string>>{
           {"x", "](/evil/a)"},
           {"[", "](/evil/b)"},
           {"see ![", "](/evil/c.png)"},
           {"<a href=\"/evil/d\" title=\"", "\">click"},
           {"<a href=/evil/e>", "</a>"},
           {"[x](<", ">)"},
           {"[a](/evil/f \"x)", "\")"},
           {"[a](http://x`) <img src=/evil/g> `", "`"},
           {"see http://x` <img src=/evil/h> `", "www.x.test` [b](/evil/i) `"},
           {"[j](javascript&#58;alert%281%29)", "[k](&#x6A;avascript:x)"},
           {"h|h\n|-|-|", "`a|[x](/evil/j)|`"}}) {
    const std::string line = ValueText(before) + " · " + rich + " · " + ValueText(after);
    const std::string html = RenderGfmUnsafe(line);
    EXPECT_EQ(CountOf(html, "<a "), CountOf(html, "<a href=\"http://")) << line << "\n" << html;
    EXPECT_EQ(CountOf(html, "href=\"/evil"), 0U) << line << "\n" << html;
    EXPECT_EQ(CountOf(html, "href=\"javascript"), 0U) << html;
    EXPECT_EQ(CountOf(html, "<img"), 0U) << line << "\n" << html;
    EXPECT_EQ(CountOf(html, "<a href=\"/"), 0U) << line << "\n" << html;
    EXPECT_EQ(CountOf(html, "<code>rm -rf /</code>"), 1U) << line << "\n" << html;
  }
}

// A cut inside code ends before the code: left open, the code would read as text, unescaped.
TEST(MarkdownPrefix, EndsBeforeCodeTheCutWouldLeaveOpen) {
  const std::string span = "see `[x](/evil/s)` and more";
  EXPECT_EQ(MarkdownPrefix(span, 14), "see ");
  EXPECT_EQ(MarkdownPrefix(span, 22), "see `[x](/evil/s)` and");
  EXPECT_EQ(MarkdownPrefix(span, 99), span);
  // An escaped backtick is text; a backslash inside code is not an escape.
  EXPECT_EQ(MarkdownPrefix("a \\` b `c\\` d `e f", 16), "a \\` b `c\\` d ");
  // A run closes only a run of its own length.
  EXPECT_EQ(MarkdownPrefix("``a`b`` c ``d``", 12), "``a`b`` c ");
  const std::string fenced = "text\n```\n[x](/evil/f)\n```\nafter";
  // A fence keeps the code read so far and is closed.
  EXPECT_EQ(MarkdownPrefix(fenced, 15), "text\n```\n[x](/e\n```\n");
  EXPECT_EQ(MarkdownPrefix("- a\n  ```\n  code", 14), "- a\n  ```\n  co\n  ```\n");
  // A text with backticks it never closes keeps them when it is not cut.
  EXPECT_EQ(MarkdownPrefix("a ` b", 99), "a ` b");
}

// Wherever a read-back text with code in it is cut, the markdown makes only the links stored.
TEST(MarkdownPrefix, NoCutOfAReadBackTextMakesALink) {
  const Json code = {{"type", "text"}, {"text", "[x](/evil/c)"}, {"marks", {{{"type", "code"}}}}};
  const Json block = {{"type", "codeBlock"},
                      {"content", {{{"type", "text"}, {"text", "[y](/evil/b)"}}}}};
  const Json doc = {
      {"type", "doc"},
      {"version", 1},
      {"content",
       {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", "a "}}, code}}}, block}}};
  const std::string markdown = AdfToMarkdown(doc);
  for (std::size_t max = 0; max <= markdown.size(); ++max) {
    const std::string cut = MarkdownPrefix(markdown, max) + "… more";
    EXPECT_EQ(CountOf(RenderGfmUnsafe(cut), "<a "), 0U) << cut;
    EXPECT_EQ(CountOf(RenderGfmUnsafe(ValueText(markdown, max)), "<a "), 0U) << max;
  }
}

// An object with no name of its own reads as "(name: value; …)", never as JSON: JSON doubles
// the backslash of each markdown escape in it, and an escaped link would be live again.
TEST(ValueText, ObjectsReadAsNamesAndValues) {
  const Json page = {{"total", 1},
                     {"comments",
                      {{{"id", "7"},
                        {"author", {{"accountId", "a"}, {"displayName", "Ann"}}},
                        {"body", "\\[x\\](/evil/v)"}}}}};
  const std::string text = ValueText(page, 1000);
  EXPECT_EQ(text, "(comments: (author: Ann; body: \\\\\\[x\\\\\\](/evil/v); id: 7); total: 1)");
  EXPECT_EQ(CountOf(RenderGfmUnsafe(text), "<a "), 0U) << text;
}

}  // namespace
}  // namespace tools
