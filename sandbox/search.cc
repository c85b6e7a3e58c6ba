#include "sandbox/search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>

namespace sandbox {
namespace {

using core::Code;
using core::Result;
using core::Status;
using jql::Op;
using jql::Operand;

constexpr std::int64_t kMinute = 60LL * 1000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

enum class FieldKind { kText, kValue, kUser, kLabels, kDate };

struct FieldSpec {
  std::string_view name;  // canonical, lowercase
  FieldKind kind;
};

constexpr FieldSpec kFieldSpecs[] = {
    {"project", FieldKind::kValue},   {"key", FieldKind::kValue},
    {"status", FieldKind::kValue},    {"statuscategory", FieldKind::kValue},
    {"assignee", FieldKind::kUser},   {"reporter", FieldKind::kUser},
    {"summary", FieldKind::kText},    {"description", FieldKind::kText},
    {"comment", FieldKind::kText},    {"text", FieldKind::kText},
    {"labels", FieldKind::kLabels},   {"priority", FieldKind::kValue},
    {"issuetype", FieldKind::kValue}, {"resolution", FieldKind::kValue},
    {"parent", FieldKind::kValue},    {"sprint", FieldKind::kValue},
    {"created", FieldKind::kDate},    {"updated", FieldKind::kDate},
    {"resolved", FieldKind::kDate},
};

std::string Canonical(std::string_view field) {
  std::string name = Lower(field);
  if (name == "issuekey" || name == "id") {
    return "key";
  }
  if (name == "type") {
    return "issuetype";
  }
  if (name == "resolutiondate") {
    return "resolved";
  }
  if (name == "createddate") {
    return "created";
  }
  if (name == "updateddate") {
    return "updated";
  }
  if (name == "cf[10020]") {
    return "sprint";
  }
  return name;
}

const FieldSpec* FindSpec(std::string_view canonical) {
  for (const auto& spec : kFieldSpecs) {
    if (spec.name == canonical) {
      return &spec;
    }
  }
  return nullptr;
}

bool IsFunction(const Operand& operand, std::string_view name) {
  return operand.kind == Operand::Kind::kFunction && EqualsIgnoreCase(operand.text, name);
}

// Words of `text`, lowercased, for ~.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || u >= 0x80 || c == '*') {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) {
    words.push_back(std::move(word));
  }
  return words;
}

bool TextMatches(const std::string& haystack, const std::string& query) {
  const auto have = Words(haystack);
  const auto want = Words(query);
  if (want.empty()) {
    return false;
  }
  return std::all_of(want.begin(), want.end(), [&](std::string term) {
    if (!term.empty() && term.back() == '*') {
      term.pop_back();
    }
    return std::any_of(have.begin(), have.end(),
                       [&](const std::string& word) { return word.rfind(term, 0) == 0; });
  });
}

// The text of ADF: the text nodes of a block run together, as they read; blocks are parted by a
// space.
void CollectText(const Json& node, std::string& out) {
  if (node.is_object()) {
    if (node.value("type", "") == "text" && node.contains("text") && node["text"].is_string()) {
      out += node["text"].get<std::string>();
    }
    if (node.contains("content")) {
      if (!out.empty() && out.back() != ' ') {
        out += ' ';
      }
      CollectText(node["content"], out);
    }
  } else if (node.is_array()) {
    for (const auto& child : node) {
      CollectText(child, out);
    }
  }
}

// "-5d", "4w 2d", "2h", "-30m" relative to now.
bool ParsePeriod(std::string_view text, std::int64_t& millis) {
  if (text.empty()) {
    return false;
  }
  std::int64_t sign = 1;
  std::size_t at = 0;
  if (text[0] == '-' || text[0] == '+') {
    sign = text[0] == '-' ? -1 : 1;
    ++at;
  }
  std::int64_t total = 0;
  bool any = false;
  while (at < text.size()) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    std::int64_t number = 0;
    const std::size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0 &&
           at - start < 9) {
      number = number * 10 + (text[at] - '0');
      ++at;
    }
    if (at == start || at >= text.size()) {
      return false;
    }
    const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text[at])));
    const std::int64_t scale = unit == 'w'   ? 7 * kDay
                               : unit == 'd' ? kDay
                               : unit == 'h' ? kHour
                               : unit == 'm' ? kMinute
                                             : 0;
    if (scale == 0) {
      return false;
    }
    total += number * scale;
    any = true;
    ++at;
  }
  millis = sign * total;
  return any;
}

class Evaluator {
 public:
  explicit Evaluator(const SearchContext& context) : context_(context) {}

  // ---- validation ----

  void Check(const jql::Node& node, std::vector<std::string>& errors) const {
    if (node.kind != jql::Node::Kind::kClause) {
      for (const auto& child : node.children) {
        Check(child, errors);
      }
      return;
    }
    CheckClause(node.clause, errors);
  }

  void CheckOrder(const jql::Query& query, std::vector<std::string>& errors) const {
    static constexpr std::string_view kSortable[] = {
        "key",      "project",  "created",   "updated",  "priority",   "status", "summary",
        "assignee", "reporter", "issuetype", "resolved", "resolution", "rank"};
    for (const auto& key : query.order_by) {
      const std::string name = Canonical(key.field);
      if (std::find(std::begin(kSortable), std::end(kSortable), name) == std::end(kSortable)) {
        errors.push_back(
            FindSpec(name) != nullptr
                ? fmt::format("Not able to sort using field '{}'.", key.field)
                : fmt::format("Field '{}' does not exist or you do not have permission to view it.",
                              key.field));
      }
    }
  }

  // ---- matching ----

  bool Matches(const jql::Node& node, const Issue& issue) const {
    switch (node.kind) {
      case jql::Node::Kind::kAnd:
        return std::all_of(node.children.begin(), node.children.end(),
                           [&](const jql::Node& child) { return Matches(child, issue); });
      case jql::Node::Kind::kOr:
        return std::any_of(node.children.begin(), node.children.end(),
                           [&](const jql::Node& child) { return Matches(child, issue); });
      case jql::Node::Kind::kNot:
        return !Matches(node.children.front(), issue);
      case jql::Node::Kind::kClause:
        return MatchClause(node.clause, issue);
    }
    return false;
  }

  void Sort(const jql::Query& query, std::vector<const Issue*>& issues) const {
    std::vector<jql::SortKey> keys = query.order_by;
    if (keys.empty()) {
      keys.push_back({.field = "created", .descending = true});
    }
    std::stable_sort(issues.begin(), issues.end(), [&](const Issue* a, const Issue* b) {
      for (const auto& key : keys) {
        const int order = Compare(Canonical(key.field), *a, *b);
        if (order != 0) {
          return key.descending ? order > 0 : order < 0;
        }
      }
      return std::stoll(a->id) > std::stoll(b->id);
    });
  }

 private:
  void CheckClause(const jql::Clause& clause, std::vector<std::string>& errors) const {
    const std::string name = Canonical(clause.field);
    const FieldSpec* spec = FindSpec(name);
    if (spec == nullptr) {
      errors.push_back(fmt::format(
          "Field '{}' does not exist or you do not have permission to view it.", clause.field));
      return;
    }
    if (!OperatorAllowed(spec->kind, clause.op)) {
      errors.push_back(fmt::format("The operator '{}' is not supported by the '{}' field.",
                                   jql::OpText(clause.op), clause.field));
      return;
    }
    std::vector<const Operand*> values;
    Flatten(clause.operand, values);
    for (const Operand* value : values) {
      CheckValue(name, *spec, clause.field, *value, errors);
    }
  }

  static bool OperatorAllowed(FieldKind kind, Op op) {
    const bool is_op = op == Op::kIs || op == Op::kIsNot;
    const bool text_op = op == Op::kContains || op == Op::kNotContains;
    const bool range_op = op == Op::kGreater || op == Op::kGreaterOrEquals || op == Op::kLess ||
                          op == Op::kLessOrEquals;
    switch (kind) {
      case FieldKind::kText:
        return text_op || is_op;
      case FieldKind::kDate:
        return !text_op;
      case FieldKind::kValue:
      case FieldKind::kUser:
      case FieldKind::kLabels:
        return !text_op && !range_op;
    }
    return false;
  }

  static void Flatten(const Operand& operand, std::vector<const Operand*>& out) {
    if (operand.kind == Operand::Kind::kList) {
      for (const auto& item : operand.items) {
        out.push_back(&item);
      }
      return;
    }
    out.push_back(&operand);
  }

  void CheckValue(const std::string& name, const FieldSpec& spec, const std::string& written,
                  const Operand& value, std::vector<std::string>& errors) const {
    if (value.kind == Operand::Kind::kEmpty) {
      return;
    }
    if (value.kind == Operand::Kind::kFunction) {
      if (!FunctionAllowed(name, spec, value)) {
        errors.push_back(fmt::format("Unable to find JQL function '{}({})'.", value.text,
                                     fmt::join(value.args, ", ")));
      }
      return;
    }
    if (spec.kind == FieldKind::kDate) {
      std::int64_t ignored = 0;
      if (!DateValue(value, ignored)) {
        errors.push_back(fmt::format(
            "Date value '{}' for field '{}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
            "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', "
            "'4w 2d'.",
            value.text, written));
      }
      return;
    }
    if (!ValueExists(name, value.text)) {
      if (name == "key" || name == "parent") {
        errors.push_back(fmt::format("An issue with key '{}' does not exist for field '{}'.",
                                     value.text, written));
      } else {
        errors.push_back(
            fmt::format("The value '{}' does not exist for the field '{}'.", value.text, written));
      }
    }
  }

  static bool FunctionAllowed(const std::string& name, const FieldSpec& spec,
                              const Operand& value) {
    if (spec.kind == FieldKind::kUser) {
      return IsFunction(value, "currentUser") && value.args.empty();
    }
    if (name == "sprint") {
      return (IsFunction(value, "openSprints") || IsFunction(value, "closedSprints")) &&
             value.args.empty();
    }
    if (spec.kind == FieldKind::kDate) {
      std::int64_t ignored = 0;
      return DateFunction(value, 0, ignored);
    }
    return false;
  }

  bool ValueExists(const std::string& name, const std::string& text) const {
    const Site& site = context_.site;
    if (name == "project") {
      return site.FindProject(text) != nullptr || FindProjectByName(text) != nullptr;
    }
    if (name == "key" || name == "parent") {
      return site.FindIssue(text) != nullptr;
    }
    if (name == "status") {
      return FindStatus(text) != nullptr;
    }
    if (name == "statuscategory") {
      return CategoryOf(text) != 0;
    }
    if (name == "priority") {
      return FindPriority(text) != nullptr;
    }
    if (name == "issuetype") {
      return FindIssueType(text) != nullptr;
    }
    if (name == "resolution") {
      return FindResolution(text) != nullptr || EqualsIgnoreCase(text, "Unresolved");
    }
    if (name == "sprint") {
      return std::any_of(site.sprints.begin(), site.sprints.end(), [&](const Sprint& sprint) {
        return std::to_string(sprint.id) == text || EqualsIgnoreCase(sprint.name, text);
      });
    }
    if (name == "assignee" || name == "reporter") {
      return FindUser(text) != nullptr;
    }
    return true;  // labels and text take any value
  }

  const Project* FindProjectByName(const std::string& text) const {
    for (const auto& project : context_.site.projects) {
      if (EqualsIgnoreCase(project.name, text)) {
        return &project;
      }
    }
    return nullptr;
  }

  const User* FindUser(const std::string& text) const {
    for (const auto& user : context_.state.users) {
      if (user.account_id == text || EqualsIgnoreCase(user.email, text) ||
          EqualsIgnoreCase(user.display_name, text)) {
        return &user;
      }
    }
    return nullptr;
  }

  static int CategoryOf(std::string_view text) {
    if (EqualsIgnoreCase(text, "new") || EqualsIgnoreCase(text, "To Do") || text == "2") {
      return 2;
    }
    if (EqualsIgnoreCase(text, "indeterminate") || EqualsIgnoreCase(text, "In Progress") ||
        text == "4") {
      return 4;
    }
    if (EqualsIgnoreCase(text, "done") || text == "3") {
      return 3;
    }
    return 0;
  }

  // ---- dates ----

  bool DateValue(const Operand& value, std::int64_t& millis) const {
    if (value.kind == Operand::Kind::kFunction) {
      return DateFunction(value, context_.now, millis);
    }
    std::int64_t offset = 0;
    if (ParsePeriod(value.text, offset)) {
      millis = context_.now + offset;
      return true;
    }
    return ParseTime(value.text, millis);
  }

  static bool DateFunction(const Operand& value, std::int64_t now, std::int64_t& millis) {
    std::int64_t offset = 0;
    if (value.args.size() > 1 || (value.args.size() == 1 && !ParsePeriod(value.args[0], offset))) {
      return false;
    }
    const std::int64_t day_start = now - ((now % kDay) + kDay) % kDay;
    if (IsFunction(value, "now")) {
      millis = now + offset;
    } else if (IsFunction(value, "startOfDay")) {
      millis = day_start + offset;
    } else if (IsFunction(value, "endOfDay")) {
      millis = day_start + kDay - 1 + offset;
    } else if (IsFunction(value, "startOfWeek")) {
      // 1970-01-01 was a Thursday; Jira's weeks start on Sunday by default.
      const std::int64_t days = day_start / kDay;
      millis = day_start - ((days + 4) % 7) * kDay + offset;
    } else if (IsFunction(value, "startOfMonth")) {
      const std::chrono::sys_days day{std::chrono::days(day_start / kDay)};
      const std::chrono::year_month_day date{day};
      const std::chrono::sys_days first{date.year() / date.month() / 1};
      millis = first.time_since_epoch().count() * kDay + offset;
    } else {
      return false;
    }
    return true;
  }

  // ---- matching ----

  bool MatchClause(const jql::Clause& clause, const Issue& issue) const {
    const std::string name = Canonical(clause.field);
    const FieldSpec* spec = FindSpec(name);
    if (spec == nullptr) {
      return false;
    }
    if (spec->kind == FieldKind::kText) {
      return MatchText(name, clause, issue);
    }
    if (spec->kind == FieldKind::kDate) {
      return MatchDate(name, clause, issue);
    }
    const std::vector<std::string> have = Values(name, issue);
    switch (clause.op) {
      case Op::kIs:
        return have.empty();
      case Op::kIsNot:
        return !have.empty();
      case Op::kEquals:
      case Op::kIn:
        return AnyEqual(name, have, issue, clause.operand);
      case Op::kNotEquals:
      case Op::kNotIn:
        return !have.empty() && !AnyEqual(name, have, issue, clause.operand);
      default:
        return false;
    }
  }

  bool AnyEqual(const std::string& name, const std::vector<std::string>& have, const Issue& issue,
                const Operand& operand) const {
    std::vector<const Operand*> wanted;
    Flatten(operand, wanted);
    for (const Operand* want : wanted) {
      if (want->kind == Operand::Kind::kEmpty) {
        if (have.empty()) {
          return true;
        }
        continue;
      }
      if (want->kind == Operand::Kind::kFunction) {
        if (FunctionMatches(name, *want, issue)) {
          return true;
        }
        continue;
      }
      for (const auto& value : have) {
        if (EqualsIgnoreCase(value, want->text)) {
          return true;
        }
      }
      if (name == "resolution" && have.empty() && EqualsIgnoreCase(want->text, "Unresolved")) {
        return true;
      }
    }
    return false;
  }

  bool FunctionMatches(const std::string& name, const Operand& function, const Issue& issue) const {
    if (IsFunction(function, "currentUser")) {
      const std::string& who = name == "assignee" ? issue.assignee : issue.reporter;
      return !who.empty() && who == context_.current_account;
    }
    const Sprint* sprint =
        issue.sprint_id == 0 ? nullptr : context_.site.FindSprint(issue.sprint_id);
    if (sprint == nullptr) {
      return false;
    }
    if (IsFunction(function, "openSprints")) {
      return sprint->state == "active" || sprint->state == "future";
    }
    return IsFunction(function, "closedSprints") && sprint->state == "closed";
  }

  bool MatchText(const std::string& name, const jql::Clause& clause, const Issue& issue) const {
    const std::string text = TextOf(name, issue);
    switch (clause.op) {
      case Op::kIs:
        return text.empty();
      case Op::kIsNot:
        return !text.empty();
      case Op::kContains:
        return TextMatches(text, clause.operand.text);
      case Op::kNotContains:
        return !TextMatches(text, clause.operand.text);
      default:
        return false;
    }
  }

  std::string TextOf(const std::string& name, const Issue& issue) const {
    std::string text;
    if (name == "summary" || name == "text") {
      text += issue.summary;
    }
    if (name == "description" || name == "text") {
      text += ' ' + AdfPlainText(issue.description);
    }
    if (name == "comment" || name == "text") {
      for (const auto& comment : issue.comments) {
        text += ' ' + AdfPlainText(comment.body);
      }
    }
    const bool blank = std::all_of(text.begin(), text.end(), [](char c) { return c == ' '; });
    return blank ? std::string() : text;
  }

  bool MatchDate(const std::string& name, const jql::Clause& clause, const Issue& issue) const {
    const std::int64_t have = name == "created"   ? issue.created
                              : name == "updated" ? issue.updated
                                                  : issue.resolved;
    if (clause.op == Op::kIs || clause.op == Op::kIsNot) {
      return (have == 0) == (clause.op == Op::kIs);
    }
    if (have == 0) {
      return false;
    }
    std::vector<const Operand*> values;
    Flatten(clause.operand, values);
    const auto equal_any = [&] {
      return std::any_of(values.begin(), values.end(), [&](const Operand* value) {
        std::int64_t want = 0;
        return DateValue(*value, want) && want == have;
      });
    };
    std::int64_t want = 0;
    if (!DateValue(*values.front(), want) && clause.op != Op::kIn && clause.op != Op::kNotIn) {
      return false;
    }
    switch (clause.op) {
      case Op::kEquals:
      case Op::kIn:
        return equal_any();
      case Op::kNotEquals:
      case Op::kNotIn:
        return !equal_any();
      case Op::kGreater:
        return have > want;
      case Op::kGreaterOrEquals:
        return have >= want;
      case Op::kLess:
        return have < want;
      case Op::kLessOrEquals:
        return have <= want;
      default:
        return false;
    }
  }

  std::vector<std::string> Values(const std::string& name, const Issue& issue) const {
    const Site& site = context_.site;
    if (name == "project") {
      const Project* project = site.ProjectOf(issue);
      return project == nullptr
                 ? std::vector<std::string>{}
                 : std::vector<std::string>{project->id, project->key, project->name};
    }
    if (name == "key") {
      return {issue.key, issue.id};
    }
    if (name == "status" || name == "statuscategory") {
      const StatusDef* status = FindStatus(issue.status_id);
      if (status == nullptr) {
        return {};
      }
      if (name == "status") {
        return {status->id, status->name};
      }
      static constexpr const char* kCategoryKeys[] = {"", "", "new", "done", "indeterminate"};
      static constexpr const char* kCategoryNames[] = {"", "", "To Do", "Done", "In Progress"};
      const auto c = static_cast<std::size_t>(status->category_id);
      return {std::to_string(c), kCategoryKeys[c], kCategoryNames[c]};
    }
    if (name == "assignee" || name == "reporter") {
      const User* user =
          context_.state.FindUser(name == "assignee" ? issue.assignee : issue.reporter);
      return user == nullptr
                 ? std::vector<std::string>{}
                 : std::vector<std::string>{user->account_id, user->email, user->display_name};
    }
    if (name == "labels") {
      return issue.labels;
    }
    return NamedValues(name, issue);
  }

  std::vector<std::string> NamedValues(const std::string& name, const Issue& issue) const {
    const auto pair = [](const auto* def) {
      return def == nullptr ? std::vector<std::string>{}
                            : std::vector<std::string>{def->id, def->name};
    };
    if (name == "priority") {
      return pair(FindPriority(issue.priority_id));
    }
    if (name == "issuetype") {
      return pair(FindIssueType(issue.issue_type_id));
    }
    if (name == "resolution") {
      return issue.resolution_id.empty() ? std::vector<std::string>{}
                                         : pair(FindResolution(issue.resolution_id));
    }
    if (name == "parent") {
      const Issue* parent =
          issue.parent_id.empty() ? nullptr : context_.site.FindIssue(issue.parent_id);
      return parent == nullptr ? std::vector<std::string>{}
                               : std::vector<std::string>{parent->id, parent->key};
    }
    if (name == "sprint") {
      const Sprint* sprint =
          issue.sprint_id == 0 ? nullptr : context_.site.FindSprint(issue.sprint_id);
      return sprint == nullptr ? std::vector<std::string>{}
                               : std::vector<std::string>{std::to_string(sprint->id), sprint->name};
    }
    return {};
  }

  // <0, 0, >0 like strcmp, in Jira's natural order of the field.
  int Compare(const std::string& name, const Issue& a, const Issue& b) const {
    const auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
    if (name == "created") {
      return cmp(a.created, b.created);
    }
    if (name == "updated") {
      return cmp(a.updated, b.updated);
    }
    if (name == "resolved") {
      return cmp(a.resolved, b.resolved);
    }
    if (name == "priority") {
      // Highest ranks highest: ascending runs from Lowest to Highest.
      return cmp(std::stoi(b.priority_id), std::stoi(a.priority_id));
    }
    if (name == "status") {
      return cmp(StatusRank(a.status_id), StatusRank(b.status_id));
    }
    if (name == "summary") {
      return cmp(Lower(a.summary), Lower(b.summary));
    }
    if (name == "assignee" || name == "reporter") {
      return cmp(DisplayName(name == "assignee" ? a.assignee : a.reporter),
                 DisplayName(name == "assignee" ? b.assignee : b.reporter));
    }
    if (name == "issuetype" || name == "resolution") {
      return cmp(name == "issuetype" ? a.issue_type_id : a.resolution_id,
                 name == "issuetype" ? b.issue_type_id : b.resolution_id);
    }
    return CompareKeys(a, b);
  }

  static int CompareKeys(const Issue& a, const Issue& b) {
    const auto split = [](const std::string& key) {
      const auto dash = key.rfind('-');
      return std::pair(key.substr(0, dash), std::stoll(key.substr(dash + 1)));
    };
    const auto x = split(a.key);
    const auto y = split(b.key);
    return x < y ? -1 : (y < x ? 1 : 0);
  }

  static int StatusRank(const std::string& id) {
    const auto& statuses = Statuses();
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      if (statuses[i].id == id) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  std::string DisplayName(const std::string& account_id) const {
    const User* user = context_.state.FindUser(account_id);
    return user == nullptr ? std::string("\x7f") : Lower(user->display_name);  // unassigned last
  }

  const SearchContext& context_;
};

}  // namespace

std::string AdfPlainText(const Json& adf) {
  std::string out;
  CollectText(adf, out);
  return out;
}

std::vector<std::string> Validate(const jql::Query& query, const SearchContext& context) {
  const Evaluator evaluator(context);
  std::vector<std::string> errors;
  if (query.where) {
    evaluator.Check(*query.where, errors);
  }
  evaluator.CheckOrder(query, errors);
  return errors;
}

Result<std::vector<const Issue*>> RunQuery(const jql::Query& query, const SearchContext& context) {
  const auto errors = Validate(query, context);
  if (!errors.empty()) {
    return Status(Code::kInvalidArgument, errors.front());
  }
  const Evaluator evaluator(context);
  std::vector<const Issue*> matches;
  for (const auto& issue : context.site.issues) {
    if (!query.where || evaluator.Matches(*query.where, issue)) {
      matches.push_back(&issue);
    }
  }
  evaluator.Sort(query, matches);
  return matches;
}

}  // namespace sandbox
