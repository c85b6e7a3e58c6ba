#include "sandbox/jql.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace sandbox::jql {
namespace {

using core::Code;
using core::Result;
using core::Status;

enum class TokenKind { kWord, kQuoted, kOperator, kLeftParen, kRightParen, kComma, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  std::size_t offset = 0;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Characters Jira reserves outside quoted strings. '.', '@', '/', ':' and '-' stay legal in
// words because e-mail addresses, dates and issue keys are written unquoted in practice.
bool IsReserved(char c) {
  static constexpr std::string_view kReserved = "+;?|*%^$#[]{}`";
  return kReserved.find(c) != std::string_view::npos;
}

bool IsOperatorStart(char c) { return c == '=' || c == '!' || c == '~' || c == '<' || c == '>'; }

bool IsWordChar(char c) {
  return !IsSpace(c) && !IsReserved(c) && !IsOperatorStart(c) && c != '(' && c != ')' && c != ',' &&
         c != '"' && c != '\'';
}

std::string Upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Query> Run() {
    if (text_.size() > kMaxLength) {
      return Status(Code::kInvalidArgument, "Error in the JQL Query: The query is too long.");
    }
    if (auto status = Lex(); !status.ok()) {
      return status;
    }
    Query query;
    if (!AtEnd() && !AtKeyword("ORDER")) {
      auto where = ParseOr(0);
      if (!where.ok()) {
        return where.status();
      }
      query.where = std::move(*where);
    }
    if (AtKeyword("ORDER")) {
      if (auto status = ParseOrderBy(query); !status.ok()) {
        return status;
      }
    }
    if (!AtEnd()) {
      return Error(fmt::format("Expecting either 'OR' or 'AND' but got '{}'.", Peek().text),
                   Peek().offset);
    }
    return query;
  }

 private:
  // ---- lexing ----

  Status Lex() {
    std::size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (IsSpace(c)) {
        ++i;
        continue;
      }
      const std::size_t start = i;
      if (c == '(' || c == ')' || c == ',') {
        tokens_.push_back({c == '('   ? TokenKind::kLeftParen
                           : c == ')' ? TokenKind::kRightParen
                                      : TokenKind::kComma,
                           std::string(1, c), start});
        ++i;
        continue;
      }
      if (c == '"' || c == '\'') {
        auto status = LexQuoted(i);
        if (!status.ok()) {
          return status;
        }
        continue;
      }
      if (IsOperatorStart(c)) {
        auto status = LexOperator(i);
        if (!status.ok()) {
          return status;
        }
        continue;
      }
      if (IsReserved(c)) {
        return ReservedError(c, start);
      }
      while (i < text_.size() && IsWordChar(text_[i])) {
        ++i;
      }
      std::string word(text_.substr(start, i - start));
      // cf[12345] names a custom field.
      if (Upper(word) == "CF" && i < text_.size() && text_[i] == '[') {
        std::size_t j = i + 1;
        while (j < text_.size() && std::isdigit(static_cast<unsigned char>(text_[j])) != 0) {
          ++j;
        }
        if (j > i + 1 && j < text_.size() && text_[j] == ']') {
          word = std::string(text_.substr(start, j + 1 - start));
          i = j + 1;
        }
      }
      tokens_.push_back({TokenKind::kWord, std::move(word), start});
    }
    tokens_.push_back({TokenKind::kEnd, "", text_.size()});
    return Status::Ok();
  }

  Status LexQuoted(std::size_t& i) {
    const char quote = text_[i];
    const std::size_t start = i;
    std::string value;
    ++i;
    while (i < text_.size() && text_[i] != quote) {
      if (text_[i] == '\\' && i + 1 < text_.size()) {
        const char next = text_[i + 1];
        value += next == 'n' ? '\n' : next == 't' ? '\t' : next;
        i += 2;
        continue;
      }
      value += text_[i];
      ++i;
    }
    if (i >= text_.size()) {
      return Error(fmt::format("The quoted string '{}' has not been completed.", value), start);
    }
    ++i;
    tokens_.push_back({TokenKind::kQuoted, std::move(value), start});
    return Status::Ok();
  }

  Status LexOperator(std::size_t& i) {
    static constexpr std::string_view kTwo[] = {"!=", "!~", ">=", "<="};
    const std::size_t start = i;
    for (const auto op : kTwo) {
      if (text_.substr(i, 2) == op) {
        tokens_.push_back({TokenKind::kOperator, std::string(op), start});
        i += 2;
        return Status::Ok();
      }
    }
    const char c = text_[i];
    if (c == '!') {
      return ReservedError(c, start);
    }
    tokens_.push_back({TokenKind::kOperator, std::string(1, c), start});
    ++i;
    return Status::Ok();
  }

  // ---- parsing ----

  const Token& Peek(std::size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& token = Peek();
    next_ = std::min(next_ + 1, tokens_.size() - 1);
    return token;
  }
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  bool AtKeyword(std::string_view keyword, std::size_t ahead = 0) const {
    const Token& token = Peek(ahead);
    return token.kind == TokenKind::kWord && Upper(token.text) == keyword;
  }

  Result<Node> ParseOr(std::size_t depth) { return ParseJunction(depth, "OR", Node::Kind::kOr); }

  Result<Node> ParseJunction(std::size_t depth, std::string_view keyword, Node::Kind kind) {
    auto first =
        kind == Node::Kind::kOr ? ParseJunction(depth, "AND", Node::Kind::kAnd) : ParseNot(depth);
    if (!first.ok()) {
      return first;
    }
    if (!AtKeyword(keyword)) {
      return first;
    }
    Node node{.kind = kind};
    node.children.push_back(std::move(*first));
    while (AtKeyword(keyword)) {
      Take();
      auto next =
          kind == Node::Kind::kOr ? ParseJunction(depth, "AND", Node::Kind::kAnd) : ParseNot(depth);
      if (!next.ok()) {
        return next;
      }
      node.children.push_back(std::move(*next));
    }
    return node;
  }

  Result<Node> ParseNot(std::size_t depth) {
    if (depth >= kMaxDepth) {
      return Error("The query is nested too deeply.", Peek().offset);
    }
    if (AtKeyword("NOT")) {
      Take();
      auto inner = ParseNot(depth + 1);
      if (!inner.ok()) {
        return inner;
      }
      Node node{.kind = Node::Kind::kNot};
      node.children.push_back(std::move(*inner));
      return node;
    }
    if (Peek().kind == TokenKind::kLeftParen) {
      Take();
      auto inner = ParseOr(depth + 1);
      if (!inner.ok()) {
        return inner;
      }
      if (Peek().kind != TokenKind::kRightParen) {
        return Expecting("')'");
      }
      Take();
      return inner;
    }
    return ParseClause(depth);
  }

  Result<Node> ParseClause(std::size_t depth) {
    const Token& field = Peek();
    if (field.kind != TokenKind::kWord && field.kind != TokenKind::kQuoted) {
      return Expecting("a field name");
    }
    if (field.kind == TokenKind::kWord && IsReservedWord(field.text)) {
      return Error(
          fmt::format("Expecting a field name but got the reserved word '{}'.", field.text),
          field.offset);
    }
    Take();
    Clause clause{.field = field.text, .position = field.offset};

    auto op = ParseOperator();
    if (!op.ok()) {
      return op.status();
    }
    clause.op = *op;

    auto operand = ParseOperand(depth, /*allow_list=*/true);
    if (!operand.ok()) {
      return operand.status();
    }
    clause.operand = std::move(*operand);
    if (auto status = CheckOperand(clause); !status.ok()) {
      return status;
    }
    return Node{.kind = Node::Kind::kClause, .clause = std::move(clause)};
  }

  Result<Op> ParseOperator() {
    const Token& token = Peek();
    if (token.kind == TokenKind::kOperator) {
      static constexpr std::pair<std::string_view, Op> kOps[] = {
          {"=", Op::kEquals},       {"!=", Op::kNotEquals},   {"~", Op::kContains},
          {"!~", Op::kNotContains}, {">", Op::kGreater},      {">=", Op::kGreaterOrEquals},
          {"<", Op::kLess},         {"<=", Op::kLessOrEquals}};
      for (const auto& [text, op] : kOps) {
        if (token.text == text) {
          Take();
          return op;
        }
      }
    }
    if (AtKeyword("IN")) {
      Take();
      return Op::kIn;
    }
    if (AtKeyword("NOT") && AtKeyword("IN", 1)) {
      Take();
      Take();
      return Op::kNotIn;
    }
    if (AtKeyword("IS")) {
      Take();
      if (AtKeyword("NOT")) {
        Take();
        return Op::kIsNot;
      }
      return Op::kIs;
    }
    return ExpectingOperator();
  }

  Result<Operand> ParseOperand(std::size_t depth, bool allow_list) {
    const Token& token = Peek();
    if (token.kind == TokenKind::kLeftParen && allow_list) {
      return ParseList(depth);
    }
    if (token.kind == TokenKind::kQuoted) {
      Take();
      return Operand{.text = token.text, .quoted = true};
    }
    if (token.kind != TokenKind::kWord || IsReservedWord(token.text)) {
      return ExpectingValue();
    }
    Take();
    const std::string upper = Upper(token.text);
    if (upper == "EMPTY" || upper == "NULL") {
      return Operand{.kind = Operand::Kind::kEmpty, .text = token.text};
    }
    if (Peek().kind == TokenKind::kLeftParen) {
      return ParseFunctionArgs(token.text);
    }
    return Operand{.text = token.text};
  }

  Result<Operand> ParseList(std::size_t depth) {
    if (depth >= kMaxDepth) {
      return Error("The query is nested too deeply.", Peek().offset);
    }
    Take();  // (
    Operand list{.kind = Operand::Kind::kList};
    while (true) {
      auto item = ParseOperand(depth + 1, /*allow_list=*/false);
      if (!item.ok()) {
        return item;
      }
      list.items.push_back(std::move(*item));
      if (Peek().kind == TokenKind::kComma) {
        Take();
        continue;
      }
      if (Peek().kind == TokenKind::kRightParen) {
        Take();
        return list;
      }
      return Expecting("')'");
    }
  }

  Result<Operand> ParseFunctionArgs(const std::string& name) {
    Take();  // (
    Operand function{.kind = Operand::Kind::kFunction, .text = name};
    if (Peek().kind == TokenKind::kRightParen) {
      Take();
      return function;
    }
    while (true) {
      const Token& arg = Peek();
      if (arg.kind != TokenKind::kWord && arg.kind != TokenKind::kQuoted) {
        return ExpectingValue();
      }
      function.args.push_back(arg.text);
      Take();
      if (Peek().kind == TokenKind::kComma) {
        Take();
        continue;
      }
      if (Peek().kind == TokenKind::kRightParen) {
        Take();
        return function;
      }
      return Expecting("')'");
    }
  }

  // The operator decides which operands make sense, as in Jira.
  Status CheckOperand(const Clause& clause) const {
    const bool list = clause.operand.kind == Operand::Kind::kList;
    const bool empty = clause.operand.kind == Operand::Kind::kEmpty;
    const bool list_op = clause.op == Op::kIn || clause.op == Op::kNotIn;
    const bool is_op = clause.op == Op::kIs || clause.op == Op::kIsNot;
    if (list && !list_op) {
      return Error(
          fmt::format("The operator '{}' does not support the list value.", OpText(clause.op)),
          clause.position);
    }
    if (is_op && !empty) {
      return Error(fmt::format("The operator '{}' only supports the EMPTY or NULL value.",
                               OpText(clause.op)),
                   clause.position);
    }
    if (list_op && !list && clause.operand.kind != Operand::Kind::kFunction) {
      return Error(fmt::format("The operator '{}' only supports a list value or a function.",
                               OpText(clause.op)),
                   clause.position);
    }
    return Status::Ok();
  }

  Status ParseOrderBy(Query& query) {
    Take();  // ORDER
    if (!AtKeyword("BY")) {
      return Expecting("'BY'");
    }
    Take();
    while (true) {
      const Token& field = Peek();
      if ((field.kind != TokenKind::kWord && field.kind != TokenKind::kQuoted) ||
          (field.kind == TokenKind::kWord && IsReservedWord(field.text))) {
        return Expecting("a field name");
      }
      Take();
      SortKey key{.field = field.text};
      if (AtKeyword("ASC") || AtKeyword("DESC")) {
        key.descending = Upper(Take().text) == "DESC";
      }
      query.order_by.push_back(std::move(key));
      if (Peek().kind != TokenKind::kComma) {
        return Status::Ok();
      }
      Take();
    }
  }

  static bool IsReservedWord(std::string_view word) {
    static constexpr std::string_view kWords[] = {"AND", "OR", "NOT", "IN", "IS", "ORDER", "BY"};
    const std::string upper = Upper(word);
    return std::find(std::begin(kWords), std::end(kWords), upper) != std::end(kWords);
  }

  // ---- errors, in Jira's words ----

  Status Error(const std::string& what, std::size_t offset) const {
    return {Code::kInvalidArgument,
            fmt::format("Error in the JQL Query: {} ({})", what, Position(text_, offset))};
  }

  Status EndError(const std::string& what) const {
    return {Code::kInvalidArgument,
            fmt::format("Error in the JQL Query: {} but reached the end of the query.", what)};
  }

  Status Expecting(const std::string& what) const {
    if (AtEnd()) {
      return EndError("Expecting " + what);
    }
    return Error(fmt::format("Expecting {} but got '{}'.", what, Peek().text), Peek().offset);
  }

  Status ExpectingOperator() const {
    if (AtEnd()) {
      return EndError("Expecting operator");
    }
    return Error(fmt::format("Expecting operator but got '{}'. The valid operators are '=', "
                             "'!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and "
                             "'IS NOT'.",
                             Peek().text),
                 Peek().offset);
  }

  Status ExpectingValue() const {
    if (AtEnd()) {
      return EndError("Expecting either a value, list or function");
    }
    return Error(fmt::format("Expecting either a value, list or function but got '{}'. You must "
                             "surround '{}' in quotation marks to use it as a value.",
                             Peek().text, Peek().text),
                 Peek().offset);
  }

  Status ReservedError(char c, std::size_t offset) const {
    return Error(fmt::format("The character '{}' is a reserved JQL character. You must enclose "
                             "it in a string or use the escape '\\u{:04x}' instead.",
                             c, static_cast<unsigned char>(c)),
                 offset);
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  std::size_t next_ = 0;
};

}  // namespace

const char* OpText(Op op) {
  switch (op) {
    case Op::kEquals:
      return "=";
    case Op::kNotEquals:
      return "!=";
    case Op::kContains:
      return "~";
    case Op::kNotContains:
      return "!~";
    case Op::kGreater:
      return ">";
    case Op::kGreaterOrEquals:
      return ">=";
    case Op::kLess:
      return "<";
    case Op::kLessOrEquals:
      return "<=";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "not in";
    case Op::kIs:
      return "is";
    case Op::kIsNot:
      return "is not";
  }
  return "?";
}

std::string Position(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, character {}", line, column);
}

Result<Query> Parse(std::string_view text) { return Parser(text).Run(); }

}  // namespace sandbox::jql
