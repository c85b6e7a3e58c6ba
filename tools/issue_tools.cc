// Issue tools: get_issue, create_issue, create_issues, update_issue, assign_issue,
// delete_issue, get_changelog.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/adf.h"
#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

std::vector<std::string> DefaultIssueFields() {
  return {"summary", "status",  "issuetype", "priority", "assignee",   "reporter",
          "labels",  "created", "updated",   "parent",   "description"};
}
constexpr std::size_t kIssueValueCap = 20000;
constexpr std::size_t kMaxBulk = 50;

std::string IssuePath(const std::string& key, const std::vector<std::string>& fields) {
  return fmt::format("/rest/api/3/issue/{}?fields={}", Encode(key),
                     Encode(fmt::format("{}", fmt::join(fields, ","))));
}

// `text` with its continuation lines indented under a list item.
std::string Indented(const Json& value) {
  if (!value.is_string()) {
    return ValueText(value);
  }
  std::string text = value.get<std::string>();
  for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 3)) {
    text.replace(at, 1, "\n  ");
  }
  return text;
}

// One line per changed field of compacted change sets (see Changes), each after `prefix`:
// "created author · field: from → to".
std::string ChangeLines(const Json& histories, std::string_view prefix) {
  std::string lines;
  for (const auto& history : histories) {
    for (const auto& change : history.value("changes", Json::array())) {
      lines += fmt::format(
          "{}{} {} · {}: {} → {}", prefix, ValueText(history.value("created", Json())),
          ValueText(history.value("author", Json())), ValueText(change.value("field", Json())),
          ValueText(change.value("from", Json()), 100), ValueText(change.value("to", Json()), 100));
    }
  }
  return lines;
}

// An included comment page, transitions list or changelog as one line per entry (author, date,
// markdown body); empty when `value` is none of these.
std::string EntryLines(const std::string& name, const Json& value) {
  std::string lines;
  if (name == "comment" && value.is_object() && value.contains("comments") &&
      value["comments"].is_array()) {
    for (const auto& comment : value["comments"]) {
      // The body as blocks of its own under the item (after a blank line), as it reads alone:
      // on the item's line, a code fence would not open and its code would read as text.
      lines += fmt::format("\n- {} · {}:\n\n  {}", ValueText(comment.value("author", Json())),
                           ValueText(comment.value("created", Json())),
                           comment.value("body", Json()).is_null() ? std::string("(no body)")
                                                                   : Indented(comment["body"]));
    }
    return fmt::format("\n\n{} ({} of {}):{}", name, value["comments"].size(),
                       ValueText(value.value("total", Json())), lines);
  }
  if (name == "transitions" && value.is_array()) {
    for (const auto& transition : value) {
      lines += fmt::format("\n- {} (id {}) → {}", ValueText(transition.value("name", Json())),
                           ValueText(transition.value("id", Json())),
                           ValueText(transition.value("to", Json())));
    }
    return fmt::format("\n\n{}:{}", name, lines.empty() ? " none" : lines);
  }
  if (name == "changelog" && value.is_array()) {
    lines = ChangeLines(value, "\n- ");
    return fmt::format("\n\n{}:{}", name, lines.empty() ? " none" : lines);
  }
  return {};
}

// `rich`: the names of the values that are rich text read back as markdown; each reads as blocks
// of its own. The other values read as plain text on lines of their own (ValueText).
std::string IssueText(const Json& issue, const std::string& url,
                      const std::set<std::string>& rich) {
  std::string text = fmt::format("{}", ValueOr(issue, "key", ""));
  if (issue.contains("summary")) {
    text += " · " + ValueText(issue["summary"], 1000);
  }
  if (!url.empty()) {
    text += "\n" + url;
  }
  std::string long_values;
  for (const auto& [name, value] : issue.items()) {
    if (name == "id" || name == "key" || name == "summary") {
      continue;
    }
    if (std::string entries = EntryLines(name, value); !entries.empty()) {
      long_values += entries;
    } else if (value.is_string() && rich.contains(name)) {
      // After a blank line: the markdown's blocks read as they would alone.
      long_values += fmt::format("\n\n{}:\n\n{}", PlainText(name), value.get<std::string>());
    } else {
      text += fmt::format("\n{}: {}", PlainText(name), ValueText(value, kIssueValueCap + 64));
    }
  }
  return text + long_values;
}

Json Transitions(const Json& body) {
  Json out = Json::array();
  for (const auto& transition : body.value("transitions", Json::array())) {
    out.push_back({{"id", ValueOr(transition, "id", "")},
                   {"name", ValueOr(transition, "name", "")},
                   {"to", CompactValue(transition.value("to", Json()))}});
  }
  return out;
}

Json Changes(const Json& histories) {
  Json out = Json::array();
  for (const auto& history : histories) {
    Json changes = Json::array();
    for (const auto& item : history.value("items", Json::array())) {
      // A side's text (a name, a key), else its raw value (an id), else null: some fields
      // (a sprint, a parent) may come with the id alone.
      const auto side = [&item](const char* text, const char* raw) {
        for (const char* name : {text, raw}) {
          if (Json value = item.value(name, Json());
              value.is_string() && !value.get<std::string>().empty()) {
            return value;
          }
        }
        return Json();
      };
      changes.push_back({{"field", item.value("field", Json())},
                         {"from", side("fromString", "from")},
                         {"to", side("toString", "to")}});
    }
    out.push_back({{"id", ValueOr(history, "id", "")},
                   {"author", CompactValue(history.value("author", Json()))},
                   {"changes", changes}});
    if (const Json created = history.value("created", Json()); created.is_string()) {
      out.back()["created"] = created;  // never a null where get_changelog's schema wants text
    }
  }
  return out;
}

// The key under which a flattened issue holds field `id`: the name the caller used for it.
std::string LabelOf(const std::string& id,
                    const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& [field, name] : labels) {
    if (field == id) {
      return name;
    }
  }
  return id;
}

// A number of a Jira page (startAt, total), or `fallback` when Jira gave none.
long long PageNumber(const Json& page, const char* name, long long fallback) {
  if (!page.is_object() || !page.contains(name) || !page[name].is_number_integer()) {
    return fallback;
  }
  return page[name].get<long long>();
}

// What get_issue left out and how to reach it: the entries of the reply's `omitted` and the
// phrases of the text's marker.
struct Omissions {
  Json entries = Json::array();
  std::vector<std::string> phrases;
  bool budget_cut = false;

  // `shown` entries of a listing of `total` are included, from `start`; `tool` with `cursor`
  // gives the rest. Nothing is recorded when none remain.
  void AddListing(const std::string& field, std::size_t shown, long long start, long long total,
                  const std::string& tool, const std::string& cursor) {
    const long long next = start + static_cast<long long>(shown);
    if (next >= total) {
      return;
    }
    entries.push_back(
        {{"field", field}, {"shown", shown}, {"total", total}, {"tool", tool}, {"cursor", cursor}});
    phrases.push_back(fmt::format("{}: {} of {} shown, the rest from {} with cursor \"{}\"", field,
                                  shown, total, tool, cursor));
  }

  void AddField(const std::string& field) {
    entries.push_back({{"field", field}, {"tool", "get_issue"}});
    phrases.push_back(
        fmt::format("{} shortened, all of it from get_issue with fields [\"{}\"]", field, field));
  }
};

// The page sizes of the continuation cursors: get_changelog's and list_comments' defaults.
constexpr int kChangelogPage = 50;
constexpr int kCommentPage = 20;
constexpr std::size_t kShortestValueCap = 256;

// Cuts one included listing (`entries`, from Jira's `page`) to what fits the reply budget,
// counting down `size`; records what is left out (also what Jira itself left out of the page)
// and the cursor of `tool` (bound as `binding`, `page_size` a page) that continues it.
void TrimListing(Json& entries, const Json& page, std::size_t& size, const std::string& field,
                 const std::string& tool, const std::string& binding, int page_size,
                 const JiraSite& site, Omissions& omitted) {
  const auto all = static_cast<long long>(entries.size());
  const std::size_t shown = TrimToBudget(entries, size, kReplyBudget);
  omitted.budget_cut = omitted.budget_cut || static_cast<long long>(shown) < all;
  const long long start = PageNumber(page, "startAt", 0);
  const long long next = start + static_cast<long long>(shown);
  omitted.AddListing(field, shown, start, PageNumber(page, "total", start + all), tool,
                     OffsetCursor(binding, next, page_size, site));
}

// Cuts the included changelog, then the included comments, to the reply budget.
void TrimIncluded(Json& issue, const Json& raw, const std::string& comment_field,
                  const std::string& key, const JiraSite& site, Omissions& omitted) {
  std::size_t size = JsonSize(issue);
  if (issue.contains("changelog") && issue["changelog"].is_array()) {
    TrimListing(issue["changelog"], MemberOrNull(raw, "changelog"), size, "changelog",
                "get_changelog", ChangelogBinding(key), kChangelogPage, site, omitted);
  }
  if (issue.contains(comment_field) && issue[comment_field].is_object() &&
      issue[comment_field].contains("comments")) {
    // Jira lists an issue's comments oldest first, as list_comments does by default.
    TrimListing(issue[comment_field]["comments"],
                MemberOrNull(MemberOrNull(raw, "fields"), "comment"), size, comment_field,
                "list_comments", CommentsBinding(key, "created"), kCommentPage, site, omitted);
  }
}

// Cuts the changelog and comments of `uncut` to as many entries as `issue` kept.
void KeepSameEntries(const Json& issue, const std::string& comment_field, Json& uncut) {
  const auto keep = [](const Json& kept, Json& entries) {
    while (kept.is_array() && entries.is_array() && entries.size() > kept.size()) {
      entries.erase(entries.size() - 1);
    }
  };
  if (issue.contains("changelog") && uncut.contains("changelog")) {
    keep(issue["changelog"], uncut["changelog"]);
  }
  if (issue.contains(comment_field) && issue[comment_field].is_object() &&
      uncut.contains(comment_field) && uncut[comment_field].is_object() &&
      uncut[comment_field].contains("comments")) {
    keep(issue[comment_field].value("comments", Json()), uncut[comment_field]["comments"]);
  }
}

// Caps the long values of `issue` ever shorter until it fits the reply budget; names each field
// the budget shortened. `uncut` is the issue before any cap, so each cut counts from the whole.
void ShortenValues(Json& issue, const Json& uncut, Omissions& omitted) {
  if (JsonSize(issue) <= kReplyBudget) {
    return;
  }
  Json shorter;
  for (std::size_t cap = kIssueValueCap / 2; cap >= kShortestValueCap; cap /= 2) {
    shorter = uncut;
    CapStrings(shorter, cap);
    if (JsonSize(shorter) <= kReplyBudget) {
      break;
    }
  }
  for (const auto& [name, value] : shorter.items()) {
    if (issue.contains(name) && issue[name] != value) {
      omitted.AddField(name);
    }
  }
  omitted.budget_cut = true;
  issue = std::move(shorter);
}

// The reply budget for get_issue: every value capped at kIssueValueCap, then the included
// changelog and comments cut, then long values shortened, until `issue` fits. Returns whether
// the value cap cut anything; `omitted` records the rest.
bool FitBudget(Json& issue, const JiraResponse& response, const std::string& comment_field,
               const std::string& key, Omissions& omitted) {
  Json uncut = issue;
  const bool value_cut = CapStrings(issue, kIssueValueCap);
  TrimIncluded(issue, response.body, comment_field, key, response.site, omitted);
  KeepSameEntries(issue, comment_field, uncut);
  ShortenValues(issue, uncut, omitted);
  return value_cut;
}

core::Result<mcp::ToolResult> GetIssue(JiraClient& client, const Json& arguments,
                                       const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  std::vector<std::string> asked = StringListArg(arguments, "fields");
  if (asked.empty()) {
    asked = DefaultIssueFields();
  }
  const auto include = StringListArg(arguments, "include");
  auto wants = [&include](const char* what) {
    return std::find(include.begin(), include.end(), what) != include.end();
  };
  if (wants("comments") && std::find(asked.begin(), asked.end(), "comment") == asked.end()) {
    asked.emplace_back("comment");
  }
  std::vector<std::pair<std::string, std::string>> labels;
  auto fields = ResolveFieldNames(client, context, arguments, asked, labels);
  if (!fields.ok()) {
    return fields.status();
  }
  std::string path = IssuePath(key, *fields);
  std::vector<std::string> expand;
  if (wants("transitions")) {
    expand.emplace_back("transitions");
  }
  if (wants("changelog")) {
    expand.emplace_back("changelog");
  }
  if (!expand.empty()) {
    path += "&expand=" + Encode(fmt::format("{}", fmt::join(expand, ",")));
  }

  auto response = client.Call(context, Request("GET", path, ReadWork(), arguments));
  const bool listings =
      std::find(asked.begin(), asked.end(), "comment") != asked.end() || wants("changelog");
  if (!response.ok() && AnswerTooLarge(response.status()) && listings) {
    return core::Status(core::Code::kResourceExhausted,
                        fmt::format("Reading {}: Jira's answer with its comments or changelog is "
                                    "larger than this server reads. Read the issue without them, "
                                    "and page through them with list_comments and get_changelog.",
                                    key),
                        response.status().detail());
  }
  if (!response.ok()) {
    return response.status().WithContext("Reading " + key);
  }
  if (!response->body.is_object() || !MemberOrNull(response->body, "key").is_string()) {
    // A proxy or a broken answer: read as an issue, it would be an empty success.
    return core::Status(
        core::Code::kUnavailable,
        fmt::format("Reading {}: Jira's answer is not an issue object. Try again later.", key));
  }
  Json issue = FlattenIssue(response->body, *fields);
  RelabelFields(issue, labels);
  if (wants("transitions")) {
    issue["transitions"] = Transitions(response->body);
  }
  if (wants("changelog")) {
    issue["changelog"] =
        Changes(MemberOrNull(MemberOrNull(response->body, "changelog"), "histories"));
  }

  Omissions omitted;
  const bool value_cut = FitBudget(issue, *response, LabelOf("comment", labels), key, omitted);

  std::set<std::string> rich;
  for (const auto& [id, raw] : MemberOrNull(response->body, "fields").items()) {
    if (IsAdfDocument(raw)) {
      rich.insert(id);  // under its id, and under every name it was asked for by
      for (const auto& [field, name] : labels) {
        if (field == id) {
          rich.insert(name);
        }
      }
    }
  }
  std::string text =
      IssueText(issue, JiraClient::BrowseUrl(response->site, issue.value("key", key)), rich);
  const Json& sent_fields = MemberOrNull(response->body, "fields");
  if (const std::string note = FieldsNotSentNote(
          *fields, [&](const std::string& field) { return sent_fields.contains(field); },
          "this issue", "this issue has");
      !note.empty()) {
    text += "\nNote: " + note;
  }
  if (value_cut) {
    text += fmt::format(
        "\n[long values were truncated: this server reads {} bytes of one value at most; the "
        "rest is in Jira, at the issue's address]",
        kIssueValueCap);
  }
  const std::string cuts = fmt::format("{}", fmt::join(omitted.phrases, "; "));
  if (omitted.budget_cut) {
    text += "\n" + BudgetMarker(cuts);
  } else if (!omitted.phrases.empty()) {
    text += "\n[more: " + cuts + "]";
  }
  if (value_cut || omitted.budget_cut) {
    issue["truncated"] = true;
  }
  if (!omitted.entries.empty()) {
    issue["omitted"] = std::move(omitted.entries);
  }
  return mcp::ToolResult::Success(std::move(text), std::move(issue));
}

// The `fields` of a create or edit request from the named arguments and the raw `fields`.
// `create` adds project and issue type. Rich text in raw `fields` and in `update` (the raw
// update operations, converted in place; empty for a create) becomes ADF, charged to `budget`.
// A field is set in one place only: a named argument, `fields` or `update`.
core::Result<Json> IssueFields(JiraClient& client, const mcp::CallContext& context,
                               const Json& arguments, bool create, Json& update,
                               RichTextBudget& budget) {
  Json fields = arguments.value("fields", Json::object());
  if (auto status = ConvertRawRichText(client, context, arguments, fields, update, budget);
      !status.ok()) {
    return status;
  }
  Json named = Json::object();
  if (create) {
    named["project"] = {{"key", StringArg(arguments, "project_key")}};
    named["issuetype"] = {{"name", StringArg(arguments, "issue_type")}};
  }
  if (arguments.contains("summary")) {
    named["summary"] = StringArg(arguments, "summary");
  }
  if (arguments.contains("description_markdown") && arguments.contains("description_adf")) {
    return core::Status(core::Code::kInvalidArgument,
                        "Give either `description_markdown` or `description_adf`, not both.");
  }
  for (const char* name : {"description_markdown", "description_adf"}) {
    if (arguments.contains(name)) {
      auto adf = RichText(arguments[name], name, budget);
      if (!adf.ok()) {
        return adf.status();
      }
      named["description"] = std::move(*adf);
    }
  }
  if (arguments.contains("labels")) {
    named["labels"] = arguments["labels"];
  }
  if (arguments.contains("priority")) {
    named["priority"] = {{"name", StringArg(arguments, "priority")}};
  }
  if (const std::string who = StringArg(arguments, "assignee"); !who.empty()) {
    // C4: an e-mail or name becomes an accountId, or the call fails with the candidates.
    auto account = ResolveAccountId(client, context, arguments, who, WriteWorkUser());
    if (!account.ok()) {
      return account.status();
    }
    named["assignee"] = {{"accountId", *account}};
  }
  for (const auto& [name, value] : named.items()) {
    if (fields.contains(name)) {
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("`fields.{}` repeats a named argument; give it once.", name));
    }
    fields[name] = value;
  }
  for (const auto& [name, operations] : update.items()) {
    if (fields.contains(name)) {
      // Jira would apply one of the two and drop the other without a word.
      return core::Status(core::Code::kInvalidArgument,
                          fmt::format("`update.{0}` and {1} both set {0}; give it once.", name,
                                      named.contains(name) ? "a named argument"
                                                           : fmt::format("`fields.{}`", name)));
    }
  }
  return fields;
}

std::string NameOf(const Json& value) {
  const Json compact = CompactValue(value);
  return compact.is_string() ? compact.get<std::string>() : std::string();
}

// Compares what was sent with what Jira stored; one warning per field that did not land.
std::vector<std::string> CheckStored(const Json& sent, const Json& stored) {
  std::vector<std::string> warnings;
  const Json& fields = MemberOrNull(stored, "fields");
  if (sent.contains("summary") && fields.value("summary", Json()) != sent["summary"]) {
    warnings.push_back(
        fmt::format("summary reads back as {}", fields.value("summary", Json()).dump()));
  }
  if (sent.contains("issuetype") && Lower(NameOf(fields.value("issuetype", Json()))) !=
                                        Lower(ValueOr(sent["issuetype"], "name", ""))) {
    warnings.push_back(
        fmt::format("issue type reads back as '{}'", NameOf(fields.value("issuetype", Json()))));
  }
  if (sent.contains("labels")) {
    std::set<std::string> want;
    std::set<std::string> got;
    for (const auto& label : sent["labels"]) {
      want.insert(label.get<std::string>());
    }
    for (const auto& label : fields.value("labels", Json::array())) {
      got.insert(label.get<std::string>());
    }
    if (want != got) {
      warnings.push_back(fmt::format("labels read back as [{}]", fmt::join(got, ", ")));
    }
  }
  if (sent.contains("priority") && sent["priority"].contains("name") &&
      Lower(NameOf(fields.value("priority", Json()))) !=
          Lower(sent["priority"]["name"].get<std::string>())) {
    warnings.push_back(
        fmt::format("priority reads back as '{}'", NameOf(fields.value("priority", Json()))));
  }
  if (sent.contains("assignee")) {
    const Json assignee = fields.value("assignee", Json());
    const Json want =
        sent["assignee"].is_object() ? sent["assignee"].value("accountId", Json()) : Json();
    const Json got = assignee.is_object() ? assignee.value("accountId", Json()) : Json();
    if (want != got) {
      warnings.push_back(fmt::format("assignee reads back as {}", got.dump()));
    }
  }
  for (const auto& [name, value] : sent.items()) {
    const bool checked = name == "summary" || name == "issuetype" || name == "labels" ||
                         name == "priority" || name == "assignee" || name == "project";
    if (!checked && !value.is_null() && fields.value(name, Json()).is_null()) {
      warnings.push_back(fmt::format("{} reads back empty", name));
    }
  }
  return warnings;
}

std::vector<std::string> FieldNames(const Json& fields) {
  std::vector<std::string> names;
  for (const auto& [name, unused] : fields.items()) {
    if (name != "project") {
      names.push_back(name);
    }
  }
  return names;
}

constexpr std::string_view kNotChecked = "Not checked:";

// Why a read-back failed, in words an agent can weigh.
std::string_view ReadFailure(core::Code code) {
  switch (code) {
    case core::Code::kNotFound:
      return "Jira did not find it";
    case core::Code::kPermissionDenied:
      return "this user may not read it";
    case core::Code::kUnauthenticated:
      return "Jira refused the token";
    case core::Code::kResourceExhausted:
      return "Jira's rate limit";
    case core::Code::kDeadlineExceeded:
      return "Jira took too long";
    case core::Code::kUnavailable:
    case core::Code::kConnectionLost:
      return "Jira was unavailable";
    case core::Code::kCancelled:
      return "the call was cancelled";
    default:
      return "Jira's answer could not be read";
  }
}

// Reads `key` back and compares it with `sent`; a failed read is itself a warning. `stored_issue`,
// if given, receives the issue as read.
std::vector<std::string> ReadBack(JiraClient& client, const mcp::CallContext& context,
                                  const Json& arguments, const std::string& key, const Json& sent,
                                  Json* stored_issue = nullptr) {
  auto stored = client.Call(
      context, Request("GET", IssuePath(key, FieldNames(sent)), WriteWorkUser(), arguments));
  if (!stored.ok()) {
    // Jira accepted the write: the failed read says nothing of it, so no advice to send it again.
    return {
        fmt::format("{} reading {} back failed ({}); Jira accepted the change, so read it "
                    "with get_issue rather than sending it again",
                    kNotChecked, key, ReadFailure(stored.status().code()))};
  }
  if (stored_issue != nullptr) {
    *stored_issue = stored->body;
  }
  return CheckStored(sent, stored->body);
}

// ReadBack's warnings as a sentence: a read that failed, or what did not land.
std::string ReadBackText(const std::vector<std::string>& warnings) {
  if (warnings.size() == 1 && warnings.front().starts_with(kNotChecked)) {
    return warnings.front();
  }
  return fmt::format("Did not land as asked: {}", fmt::join(warnings, "; "));
}

core::Result<mcp::ToolResult> CreateIssue(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  Json no_update = Json::object();
  RichTextBudget budget;
  auto fields = IssueFields(client, context, arguments, true, no_update, budget);
  if (!fields.ok()) {
    return fields.status();
  }
  JiraRequest request = Request("POST", "/rest/api/3/issue", WriteWorkUser(), arguments);
  request.body = Json{{"fields", *fields}};
  auto created = client.Call(context, request);
  if (!created.ok()) {
    return created.status().WithContext("Creating the issue");
  }
  const std::string key = ValueOr(created->body, "key", "");
  const std::string id = ValueOr(created->body, "id", "");
  if (key.empty()) {
    return core::Status(core::Code::kUnavailable,
                        "Jira accepted the create request but answered without an issue key; "
                        "search for the summary before creating it again.");
  }

  // Writes are checked: read back what was asked for.
  const std::vector<std::string> warnings = ReadBack(client, context, arguments, key, *fields);
  const std::string url = JiraClient::BrowseUrl(created->site, key);
  Json structured = {{"id", id}, {"key", key}, {"url", url}};
  std::string text = fmt::format("Created {} {}", key, url);
  if (!warnings.empty()) {
    structured["warnings"] = warnings;
    text += "\n" + ReadBackText(warnings);
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

std::string ItemError(const Json& error) {
  const Json element = error.value("elementErrors", Json::object());
  std::vector<std::string> parts;
  for (const auto& message : element.value("errorMessages", Json::array())) {
    parts.push_back(message.get<std::string>());
  }
  const Json by_field = element.value("errors", Json::object());
  for (const auto& [field, message] : by_field.items()) {
    parts.push_back(fmt::format("{}: {}", field,
                                message.is_string() ? message.get<std::string>() : message.dump()));
  }
  return parts.empty() ? fmt::format("HTTP {}", ValueOr(error, "status", 0))
                       : fmt::format("{}", fmt::join(parts, "; "));
}

core::Result<mcp::ToolResult> CreateIssues(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  const Json items = arguments.value("issues", Json::array());
  if (items.empty() || items.size() > kMaxBulk) {
    return core::Status(core::Code::kInvalidArgument, "Give 1 to 50 issues.");
  }
  Json updates = Json::array();
  RichTextBudget budget;  // one for the whole call
  for (std::size_t i = 0; i < items.size(); ++i) {
    Json item = items[i];
    if (arguments.contains("site")) {
      item["site"] = arguments["site"];
    }
    Json no_update = Json::object();
    auto fields = IssueFields(client, context, item, true, no_update, budget);
    if (!fields.ok()) {
      // Checked before anything is sent: no item of the batch was created.
      const core::Status status = fields.status().WithContext(fmt::format("issues[{}]", i));
      return core::Status(status.code(),
                          EndSentence(status.message()) +
                              " Nothing was created: fix that item and send the batch again.",
                          status.detail());
    }
    updates.push_back({{"fields", std::move(*fields)}});
  }

  JiraRequest request = Request("POST", "/rest/api/3/issue/bulk", WriteWorkUser(), arguments);
  request.body = Json{{"issueUpdates", updates}};
  request.accepted_statuses = {400};  // every item failed: per-item errors in the body
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Creating the issues");
  }

  // Jira lists the created issues in request order, skipping the failed elements (C13).
  std::set<std::size_t> failed_indexes;
  Json failed = Json::array();
  for (const auto& error : response->body.value("errors", Json::array())) {
    const auto index = error.value("failedElementNumber", std::size_t{0});
    failed_indexes.insert(index);
    failed.push_back({{"index", index}, {"error", ItemError(error)}});
  }
  const Json& issues = MemberOrNull(response->body, "issues");
  Json created = Json::array();
  std::string text;
  std::size_t next = 0;
  for (std::size_t i = 0; i < updates.size() && next < issues.size(); ++i) {
    if (failed_indexes.count(i) != 0) {
      continue;
    }
    const std::string key = ValueOr(issues[next++], "key", "");
    created.push_back(
        {{"index", i}, {"key", key}, {"url", JiraClient::BrowseUrl(response->site, key)}});
    const auto warnings = ReadBack(client, context, arguments, key, updates[i]["fields"]);
    if (!warnings.empty()) {
      created.back()["warnings"] = warnings;
    }
    text += fmt::format("\n[{}] created {}{}", i, key,
                        warnings.empty() ? "" : fmt::format(" ({})", ReadBackText(warnings)));
  }
  for (const auto& failure : failed) {
    text += fmt::format("\n[{}] failed: {}", failure["index"].get<std::size_t>(),
                        failure["error"].get<std::string>());
  }
  const std::string head =
      fmt::format("Created {} of {}", created.size(), Count(updates.size(), "issue"));
  if (created.empty()) {
    // Nothing landed: the call failed, whatever each item's reason (a client may read isError
    // alone). The text still gives every item's error.
    return mcp::ToolResult::Error(head + text);
  }
  return mcp::ToolResult::Success(head + text, {{"created", created}, {"failed", failed}});
}

core::Result<mcp::ToolResult> UpdateIssue(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  Json update = arguments.value("update", Json::object());
  RichTextBudget budget;
  auto fields = IssueFields(client, context, arguments, false, update, budget);
  if (!fields.ok()) {
    return fields.status();
  }
  // What the call changes: the fields it sets and those its update operations change.
  std::vector<std::string> changed = FieldNames(*fields);
  // An "add" (a comment, a worklog) or "copy" operation adds again when repeated: such a PUT is
  // never re-sent on its own, and a failure says it may have landed.
  bool adds = false;
  for (const auto& [name, operations] : update.items()) {
    changed.push_back(name);
    for (const auto& operation : operations.is_array() ? operations : Json::array()) {
      adds = adds ||
             (operation.is_object() && (operation.contains("add") || operation.contains("copy")));
    }
  }
  Json body = Json::object();
  if (!fields->empty()) {
    body["fields"] = *fields;
  }
  if (!update.empty()) {
    body["update"] = std::move(update);
  }
  if (body.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        "Nothing to change: give fields, update or a named field.");
  }
  JiraRequest request = Request("PUT",
                                fmt::format("/rest/api/3/issue/{}?notifyUsers={}", Encode(key),
                                            ValueOr(arguments, "notify", true) ? "true" : "false"),
                                WriteWorkUser(), arguments);
  request.body = std::move(body);
  request.idempotent = !adds;
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Updating " + key);
  }
  std::vector<std::string> warnings;
  if (!fields->empty()) {
    warnings = ReadBack(client, context, arguments, key, *fields);
  }
  std::string text = fmt::format("Updated {}: {}", key, fmt::join(changed, ", "));
  Json structured = {{"key", key}, {"updated", std::move(changed)}};
  if (!warnings.empty()) {
    structured["warnings"] = warnings;
    text += "\n" + ReadBackText(warnings);
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

core::Result<mcp::ToolResult> AssignIssue(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  const std::string who = StringArg(arguments, "assignee");
  const bool unassign = ValueOr(arguments, "unassign", false);
  if (who.empty() == !unassign) {
    return core::Status(core::Code::kInvalidArgument,
                        unassign ? "Both `assignee` and `unassign: true` were given: give only "
                                   "one, `assignee` to assign or `unassign: true` to clear."
                                 : "Give `assignee` (accountId, e-mail or name) or "
                                   "`unassign: true`.");
  }
  Json account = nullptr;
  if (!unassign) {
    auto resolved = ResolveAccountId(client, context, arguments, who, WriteWorkUser());
    if (!resolved.ok()) {
      return resolved.status();
    }
    account = *resolved;
  }
  JiraRequest request = Request("PUT", fmt::format("/rest/api/3/issue/{}/assignee", Encode(key)),
                                WriteWorkUser(), arguments);
  request.body = Json{{"accountId", account}};
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Assigning " + key);
  }
  Json stored;
  const auto warnings =
      ReadBack(client, context, arguments, key, {{"assignee", {{"accountId", account}}}}, &stored);
  Json structured = {{"key", key}};
  if (!unassign) {
    structured["accountId"] = account;
  }
  // The assignee as Jira now has it names the person, not just the accountId.
  const Json& assignee = MemberOrNull(MemberOrNull(stored, "fields"), "assignee");
  const bool named = assignee.is_object() && assignee.value("accountId", Json()) == account;
  std::string text = unassign ? fmt::format("Unassigned {}", key)
                     : named
                         ? fmt::format("Assigned {} to {}", key, PlainText(DescribeUser(assignee)))
                         : fmt::format("Assigned {} to {}", key, account.get<std::string>());
  if (!warnings.empty()) {
    structured["warnings"] = warnings;
    text += "\n" + ReadBackText(warnings);
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

core::Result<mcp::ToolResult> DeleteIssue(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  const bool subtasks = ValueOr(arguments, "delete_subtasks", false);
  auto response =
      client.Call(context, Request("DELETE",
                                   fmt::format("/rest/api/3/issue/{}?deleteSubtasks={}",
                                               Encode(key), subtasks ? "true" : "false"),
                                   WriteWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Deleting " + key);
  }
  return mcp::ToolResult::Success(fmt::format("Deleted {}", key), {{"deleted", key}});
}

core::Result<mcp::ToolResult> GetChangelog(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  auto page = ReadOffsetCursor(client, context, arguments, ReadWork(), ChangelogBinding(key), 50);
  if (!page.ok()) {
    return page.status();
  }
  auto response = CallShrinkingPage(
      client, context, *page,
      [&](const OffsetPage& at) {
        return Request("GET",
                       fmt::format("/rest/api/3/issue/{}/changelog?startAt={}&maxResults={}",
                                   Encode(key), at.start_at, at.max_results),
                       ReadWork(), arguments);
      },
      "Open the issue's history in Jira.");
  if (!response.ok()) {
    return response.status().WithContext("Reading the changelog of " + key);
  }
  auto entries = PageEntries(*response, "values");
  if (!entries.ok()) {
    return entries.status().WithContext("Reading the changelog of " + key);
  }
  Json changes = Changes(**entries);
  // A change to a description carries the whole text before and after: a long one is cut.
  constexpr std::size_t kValueCap = 2000;
  CapStrings(changes, kValueCap);
  std::vector<std::string> lines;
  for (const auto& change : changes) {
    lines.push_back(ChangeLines(Json::array({change}), "\n"));
  }
  return OffsetPageReply(*page, *response, "histories", "change set", std::move(changes),
                         std::move(lines));
}

}  // namespace

std::vector<JiraTool> IssueTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "get_issue", .toolset = "issues", .http_methods = {"GET"}}, "Get issue",
               "One issue with the fields asked for; include adds comments, transitions or "
               "changelog.",
               ReadOnly(), ReadWork(), client, GetIssue),
      MakeTool({.name = "create_issue",
                .toolset = "issues",
                .http_methods = {"POST", "GET"},
                .writes = true},
               "Create issue",
               "Create an issue; description_markdown (or description_adf) sets the description. "
               "Reads it back and reports fields that did not land.",
               Additive(), WriteWorkUser(), client, CreateIssue),
      MakeTool({.name = "create_issues",
                .toolset = "issues",
                .http_methods = {"POST", "GET"},
                .writes = true},
               "Create issues", "Create up to 50 issues in one call; reports each item.",
               Additive(), WriteWorkUser(), client, CreateIssues),
      MakeTool(
          {.name = "update_issue",
           .toolset = "issues",
           .http_methods = {"PUT", "GET"},
           .writes = true},
          "Update issue",
          "Edit fields (named, raw fields, or update operations); reads back the fields it set.",
          // It replaces values (the changelog keeps the old ones); an "add" operation adds
          // again when repeated.
          Destructive(/*idempotent=*/false), WriteWorkUser(), client, UpdateIssue),
      MakeTool({.name = "assign_issue",
                .toolset = "issues",
                .http_methods = {"PUT", "GET"},
                .writes = true},
               "Assign issue", "Assign to an accountId, e-mail or name, or unassign.",
               Destructive(), WriteWorkUser(), client, AssignIssue),
      MakeTool(
          {.name = "delete_issue", .toolset = "issues", .http_methods = {"DELETE"}, .writes = true},
          "Delete issue", "Delete an issue for good (and its subtasks if asked).", Destructive(),
          WriteWork(), client, DeleteIssue),
      MakeTool({.name = "get_changelog", .toolset = "issues", .http_methods = {"GET"}},
               "Issue changelog", "Who changed which field when, paged.", ReadOnly(), ReadWork(),
               client, GetChangelog),
  };
}

}  // namespace tools
