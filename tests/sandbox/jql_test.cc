#include "sandbox/jql.h"

#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <string>

namespace sandbox::jql {
namespace {

Query ParseOk(const std::string& text) {
  auto query = Parse(text);
  EXPECT_TRUE(query.ok()) << text << ": " << query.status().message();
  return query.ok() ? *query : Query{};
}

// The where clause, or an empty clause node (and a test failure) when there is none.
const Node& WhereOf(const Query& query) {
  static const Node none;
  if (!query.where.has_value()) {
    ADD_FAILURE() << "the query has no where clause";
    return none;
  }
  return query.where.value();
}

std::string ParseError(const std::string& text) {
  auto query = Parse(text);
  EXPECT_FALSE(query.ok()) << text;
  return query.ok() ? std::string() : query.status().message();
}

TEST(JqlParser, ParsesOneClause) {
  const Query query = ParseOk("project = MOB");

  ASSERT_TRUE(query.where);
  EXPECT_EQ(WhereOf(query).kind, Node::Kind::kClause);
  EXPECT_EQ(WhereOf(query).clause.field, "project");
  EXPECT_EQ(WhereOf(query).clause.op, Op::kEquals);
  EXPECT_EQ(WhereOf(query).clause.operand.text, "MOB");
  EXPECT_TRUE(query.order_by.empty());
}

TEST(JqlParser, GivesAndPrecedenceOverOr) {
  const Query query = ParseOk("a = 1 OR b = 2 and c = 3");

  ASSERT_TRUE(query.where);
  ASSERT_EQ(WhereOf(query).kind, Node::Kind::kOr);
  ASSERT_EQ(WhereOf(query).children.size(), 2U);
  EXPECT_EQ(WhereOf(query).children[0].clause.field, "a");
  EXPECT_EQ(WhereOf(query).children[1].kind, Node::Kind::kAnd);
}

TEST(JqlParser, ParenthesesOverridePrecedence) {
  const Query query = ParseOk("(a = 1 OR b = 2) AND NOT c = 3");

  ASSERT_EQ(WhereOf(query).kind, Node::Kind::kAnd);
  EXPECT_EQ(WhereOf(query).children[0].kind, Node::Kind::kOr);
  EXPECT_EQ(WhereOf(query).children[1].kind, Node::Kind::kNot);
}

TEST(JqlParser, ParsesListsAndNegatedLists) {
  const Query in = ParseOk("status IN (\"To Do\", 'In Progress', Done)");
  const Query not_in = ParseOk("labels not in (a, b)");

  EXPECT_EQ(WhereOf(in).clause.op, Op::kIn);
  ASSERT_EQ(WhereOf(in).clause.operand.items.size(), 3U);
  EXPECT_EQ(WhereOf(in).clause.operand.items[1].text, "In Progress");
  EXPECT_TRUE(WhereOf(in).clause.operand.items[1].quoted);
  EXPECT_EQ(WhereOf(not_in).clause.op, Op::kNotIn);
}

TEST(JqlParser, ParsesEmptyNullAndIsNot) {
  const Query is_empty = ParseOk("assignee IS EMPTY");
  const Query is_not_null = ParseOk("resolution is not null");
  const Query equals_empty = ParseOk("labels = EMPTY");

  EXPECT_EQ(WhereOf(is_empty).clause.op, Op::kIs);
  EXPECT_EQ(WhereOf(is_empty).clause.operand.kind, Operand::Kind::kEmpty);
  EXPECT_EQ(WhereOf(is_not_null).clause.op, Op::kIsNot);
  EXPECT_EQ(WhereOf(equals_empty).clause.operand.kind, Operand::Kind::kEmpty);
}

TEST(JqlParser, ParsesFunctionsWithArguments) {
  const Query query = ParseOk("assignee = currentUser() AND created >= startOfDay(\"-7d\")");

  const Operand& user = WhereOf(query).children[0].clause.operand;
  const Operand& day = WhereOf(query).children[1].clause.operand;
  EXPECT_EQ(user.kind, Operand::Kind::kFunction);
  EXPECT_EQ(user.text, "currentUser");
  EXPECT_TRUE(user.args.empty());
  EXPECT_EQ(day.text, "startOfDay");
  ASSERT_EQ(day.args.size(), 1U);
  EXPECT_EQ(day.args[0], "-7d");
}

TEST(JqlParser, ParsesOrderByWithDirections) {
  const Query query = ParseOk("project = MOB ORDER BY priority DESC, key asc, created");

  ASSERT_EQ(query.order_by.size(), 3U);
  EXPECT_EQ(query.order_by[0].field, "priority");
  EXPECT_TRUE(query.order_by[0].descending);
  EXPECT_FALSE(query.order_by[1].descending);
  EXPECT_EQ(query.order_by[2].field, "created");
}

TEST(JqlParser, AcceptsOrderByAloneAndEmptyQuery) {
  const Query order_only = ParseOk("order by updated DESC");
  const Query empty = ParseOk("   ");

  EXPECT_FALSE(order_only.where);
  EXPECT_EQ(order_only.order_by.size(), 1U);
  EXPECT_FALSE(empty.where);
  EXPECT_TRUE(empty.order_by.empty());
}

TEST(JqlParser, KeepsEscapesAndUnquotedEmailsAndKeys) {
  const Query escaped = ParseOk(R"(summary ~ "say \"hi\"")");
  const Query email = ParseOk("assignee = dana@example.com AND key = MOB-12");

  EXPECT_EQ(WhereOf(escaped).clause.operand.text, "say \"hi\"");
  EXPECT_EQ(WhereOf(email).children[0].clause.operand.text, "dana@example.com");
  EXPECT_EQ(WhereOf(email).children[1].clause.operand.text, "MOB-12");
}

TEST(JqlParser, ParsesCustomFieldReferencesAndQuotedFieldNames) {
  const Query cf = ParseOk("cf[10016] = 5");
  const Query quoted = ParseOk("\"Story point estimate\" = 3");

  EXPECT_EQ(WhereOf(cf).clause.field, "cf[10016]");
  EXPECT_EQ(WhereOf(quoted).clause.field, "Story point estimate");
}

TEST(JqlParser, ReportsAMissingOperatorWithItsPosition) {
  const std::string error = ParseError("project MOB");

  EXPECT_EQ(error.rfind("Error in the JQL Query: Expecting operator but got 'MOB'.", 0), 0U)
      << error;
  EXPECT_NE(error.find("(line 1, character 9)"), std::string::npos) << error;
}

TEST(JqlParser, ReportsAnUnfinishedString) {
  EXPECT_EQ(ParseError("summary ~ \"open"),
            "Error in the JQL Query: The quoted string 'open' has not been completed. (line 1, "
            "character 11)");
}

TEST(JqlParser, ReportsReservedCharacters) {
  const std::string error = ParseError("summary ~ a#b");

  EXPECT_NE(error.find("The character '#' is a reserved JQL character."), std::string::npos)
      << error;
}

TEST(JqlParser, ReportsDanglingAndMissingPieces) {
  EXPECT_NE(ParseError("project = MOB AND").find("but reached the end of the query"),
            std::string::npos);
  EXPECT_NE(ParseError("project =").find("Expecting either a value, list or function"),
            std::string::npos);
  EXPECT_NE(ParseError("(project = MOB").find("Expecting ')'"), std::string::npos);
  EXPECT_NE(ParseError("project = MOB extra").find("Expecting either 'OR' or 'AND'"),
            std::string::npos);
  EXPECT_NE(ParseError("project = MOB ORDER key").find("Expecting 'BY'"), std::string::npos);
}

TEST(JqlParser, ChecksOperandsAgainstOperators) {
  EXPECT_NE(ParseError("status IN Done").find("only supports a list value"), std::string::npos);
  EXPECT_NE(ParseError("status = (a, b)").find("does not support the list value"),
            std::string::npos);
  EXPECT_NE(ParseError("assignee IS bob").find("only supports the EMPTY or NULL value"),
            std::string::npos);
  EXPECT_NE(ParseError("status == Done").find("Expecting either a value"), std::string::npos);
}

TEST(JqlParser, RefusesDeepNestingWithoutCrashing) {
  const std::string deep = std::string(10000, '(') + "a = 1" + std::string(10000, ')');
  const std::string many_nots = [] {
    std::string text;
    for (int i = 0; i < 5000; ++i) {
      text += "NOT ";
    }
    return text + "a = 1";
  }();

  EXPECT_NE(ParseError(deep).find("nested too deeply"), std::string::npos);
  EXPECT_NE(ParseError(many_nots).find("nested too deeply"), std::string::npos);
}

// A smoke test until the fuzzer exists: token soup from a fixed seed must parse or fail
// cleanly, and whatever parses must have the shape the header promises.
TEST(JqlParser, SurvivesTokenSoup) {
  static constexpr const char* kPieces[] = {"project", " = ",
                                            "MOB",     " AND ",
                                            " OR ",    " NOT ",
                                            "(",       ")",
                                            ",",       " IN ",
                                            " is ",    "EMPTY",
                                            "\"",      "'",
                                            "~",       "!=",
                                            " order ", " by ",
                                            "desc",    "cf[",
                                            "1]",      "currentUser()",
                                            "#",       "\\",
                                            "\n"};
  std::mt19937 rng(42);
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const auto length = rng() % 12;
    for (unsigned i = 0; i < length; ++i) {
      text += kPieces[rng() % std::size(kPieces)];
    }
    auto query = Parse(text);
    if (query.ok()) {
      ++parsed;
      if (query->where && WhereOf(*query).kind != Node::Kind::kClause) {
        EXPECT_FALSE(WhereOf(*query).children.empty()) << text;
      }
    } else {
      EXPECT_EQ(query.status().message().rfind("Error in the JQL Query: ", 0), 0U) << text;
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(JqlParser, ReportsPositionsOnLaterLines) {
  EXPECT_EQ(Position("a = 1\nAND b", 10), "line 2, character 5");
}

}  // namespace
}  // namespace sandbox::jql
