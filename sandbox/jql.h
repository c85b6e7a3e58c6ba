// JQL: lexer and parser for the subset of Jira Query Language the sandbox understands.
//
// Grammar (keywords case-insensitive):
//   query   := [or] [ORDER BY sort (',' sort)*]
//   or      := and (OR and)*
//   and     := not (AND not)*
//   not     := NOT not | '(' or ')' | clause
//   clause  := field op operand
//   op      := = != ~ !~ > >= < <= IN | NOT IN | IS | IS NOT
//   operand := value | function | EMPTY | NULL | '(' operand (',' operand)* ')'
//   value   := unquoted word | "double" or 'single' quoted string (backslash escapes)
//   field   := word | quoted string | cf[digits]
//   sort    := field [ASC | DESC]
// Only syntax is checked here; which fields exist and what values mean is the evaluator's
// business (sandbox/search.h). Pure functions, no exceptions, no I/O: safe to fuzz. Nesting is
// limited (kMaxDepth) so hostile input cannot exhaust the stack.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sandbox::jql {

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxLength = 64 * 1024;

enum class Op {
  kEquals,
  kNotEquals,
  kContains,
  kNotContains,
  kGreater,
  kGreaterOrEquals,
  kLess,
  kLessOrEquals,
  kIn,
  kNotIn,
  kIs,
  kIsNot,
};

// "=", "NOT IN", ...
const char* OpText(Op op);

struct Operand {
  enum class Kind { kValue, kFunction, kEmpty, kList };
  Kind kind = Kind::kValue;
  std::string text;               // the value, or the function's name as written
  bool quoted = false;            // a quoted value is never a keyword
  std::vector<std::string> args;  // function arguments
  std::vector<Operand> items;     // list members
};

struct Clause {
  std::string field;  // as written (quotes removed)
  Op op = Op::kEquals;
  Operand operand;
  std::size_t position = 0;  // byte offset of the field in the query
};

struct Node {
  enum class Kind { kClause, kAnd, kOr, kNot };
  Kind kind = Kind::kClause;
  Clause clause;               // kClause only
  std::vector<Node> children;  // kAnd/kOr: two or more; kNot: one
};

struct SortKey {
  std::string field;
  bool descending = false;
};

struct Query {
  std::optional<Node> where;  // empty: no restriction
  std::vector<SortKey> order_by;
};

// Parses `text`. On bad syntax, kInvalidArgument whose message is Jira's wording, e.g.
// "Error in the JQL Query: Expecting operator but got 'foo'. ... (line 1, character 9)".
core::Result<Query> Parse(std::string_view text);

// "line L, character C" (1-based) of byte `offset` in `text`, as Jira reports positions.
std::string Position(std::string_view text, std::size_t offset);

}  // namespace sandbox::jql
