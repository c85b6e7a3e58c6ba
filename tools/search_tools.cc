// Search tools: search_issues, count_issues, validate_jql.
#include <fmt/format.h>

#include "tools/fields.h"
#include "tools/json_read.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

std::vector<std::string> DefaultSearchFields() {
  return {"summary", "status", "assignee", "priority", "issuetype", "updated"};
}
constexpr std::size_t kSearchValueCap = 2000;
// How an empty answer's JQL is checked (C15). "strict": in "warn" mode Jira reports an unknown
// field or value as a warning, and exactly that JQL is what answers nothing instead of failing.
constexpr const char* kEmptyAnswerCheck = "strict";

// A search cursor: the page token that produced the page ("" for the first), how many of that
// page's issues were already returned, the page size that token was fetched with, and how many
// issues a reply holds (the caller's max_results, kept until the caller gives it again).
struct SearchPosition {
  std::string token;
  std::size_t offset = 0;
  int page_size = 0;
  int reply_size = 0;
};

struct JqlCheck {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

// Parses `jql` with /rest/api/3/jql/parse (a read-only POST).
core::Result<JqlCheck> CheckJql(JiraClient& client, const mcp::CallContext& context,
                                const Json& arguments, const std::string& jql,
                                const char* validation) {
  JiraRequest request =
      Request("POST", fmt::format("/rest/api/3/jql/parse?validation={}", validation), ReadWork(),
              arguments);
  request.body = Json{{"queries", {jql}}};
  request.idempotent = true;
  request.accepted_statuses = {400};  // a JQL syntax error answers 400 with errorMessages
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Validating the JQL");
  }
  JqlCheck check;
  const auto add_texts = [](const Json& messages, std::vector<std::string>& to) {
    if (!messages.is_array()) {
      return;
    }
    for (const auto& message : messages) {
      if (message.is_string()) {
        to.push_back(message.get<std::string>());
      }
    }
  };
  add_texts(MemberOrNull(response->body, "errorMessages"), check.errors);
  const Json& queries = MemberOrNull(response->body, "queries");
  if (check.errors.empty() && (!queries.is_array() || queries.empty())) {
    // No verdict is not "valid": a proxy or a changed API answered in another shape.
    return core::Status(core::Code::kUnavailable,
                        "Validating the JQL: Jira's answer holds no parsed query, so the JQL "
                        "could not be checked. Try again later.");
  }
  for (const auto& query : queries) {
    add_texts(query.value("errors", Json()), check.errors);
    add_texts(query.value("warnings", Json()), check.warnings);
  }
  return check;
}

// Jira answers some JQL it cannot honour with nothing rather than an error (C15), so an empty
// answer is checked with CheckJql. Errors fail the call, saying to fix the JQL and `retry`
// ("search again"); Jira's warnings, or why the JQL could not be checked, are notes for the reply.
core::Result<std::vector<std::string>> CheckAfterEmptyAnswer(JiraClient& client,
                                                             const mcp::CallContext& context,
                                                             const Json& arguments,
                                                             const std::string& jql,
                                                             std::string_view retry) {
  auto check = CheckJql(client, context, arguments, jql, kEmptyAnswerCheck);
  if (!check.ok()) {
    return std::vector<std::string>{
        EndSentence(fmt::format("the JQL could not be checked, and Jira answers nothing for some "
                                "JQL it cannot honour: {}",
                                check.status().message())) +
        " validate_jql checks it."};
  }
  if (!check->errors.empty()) {
    return core::Status(
        core::Code::kInvalidArgument,
        EndSentence(fmt::format("The JQL is not valid: {}", fmt::join(check->errors, "; "))) +
            fmt::format(" Fix it (validate_jql checks it) and {}.", retry));
  }
  return std::move(check->warnings);
}

// The error for an issue whose answer alone, with the asked fields, passes the size cap: it names
// the issue and gives a cursor past it, both from the same place asked for with its summary only.
core::Status OneIssueTooLarge(JiraClient& client, const mcp::CallContext& context,
                              JiraRequest request, const SearchPosition& position,
                              const std::string& binding, const core::Status& too_large) {
  std::string which = "a single issue";
  std::string past;
  if (request.body.has_value()) {
    (*request.body)["fields"] = Json::array({"summary"});
  }
  if (auto light = client.Call(context, request); light.ok()) {
    const Json& issues = MemberOrNull(light->body, "issues");
    if (issues.is_array() && position.offset < issues.size()) {
      which = ValueOr(issues[position.offset], "key", which);
    }
    const std::string next_token = ValueOr(light->body, "nextPageToken", "");
    if (!next_token.empty() && !ValueOr(light->body, "isLast", false)) {
      past = fmt::format(
          " To go on after it, pass cursor \"{}\".",
          EncodeSiteCursor(
              {{"t", next_token}, {"o", 0}, {"m", position.reply_size}, {"n", position.reply_size}},
              binding, light->site));
    }
  }
  return core::Status(
      core::Code::kResourceExhausted,
      fmt::format("Searching issues: Jira's answer for {} alone, with these fields, is larger "
                  "than this server reads. Read it with get_issue (its comments with "
                  "list_comments), or search without heavy fields (comment, description, "
                  "\"*all\").{}",
                  which, past),
      too_large.detail());
}

// One line per issue under a header naming the columns once: "key | summary | status ...".
std::string TableRow(const Json& issue, const std::vector<std::string>& columns) {
  std::string row = issue.contains("key") ? ValueOr(issue, "key", "")
                                          : "(id " + PlainText(ValueOr(issue, "id", "")) + ")";
  for (const auto& column : columns) {
    std::string value = ValueText(issue.value(column, Json()), 200);
    // A pipe ends a cell unless an odd run of backslashes escapes it (plain values come
    // escaped already; rich text may not).
    for (std::size_t at = value.find('|'); at != std::string::npos; at = value.find('|', at + 1)) {
      std::size_t backslashes = 0;
      while (backslashes < at && value[at - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 0) {
        value.insert(at++, 1, '\\');
      }
    }
    row += " | " + value;
  }
  return row;
}

core::Result<mcp::ToolResult> SearchIssues(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  const std::string jql = StringArg(arguments, "jql");
  std::vector<std::string> asked = StringListArg(arguments, "fields");
  if (asked.empty()) {
    asked = DefaultSearchFields();
  }
  std::vector<std::pair<std::string, std::string>> labels;
  auto resolved = ResolveFieldNames(client, context, arguments, asked, labels);
  if (!resolved.ok()) {
    return resolved.status();
  }
  const std::vector<std::string>& fields = *resolved;
  const bool every_field = WantsAll(asked);
  const int max_results = ValueOr(arguments, "max_results", 20);
  const std::string binding = fmt::format("search_issues\n{}\n{}", jql, fmt::join(fields, ","));

  SearchPosition position{.page_size = max_results, .reply_size = max_results};
  if (const std::string cursor = StringArg(arguments, "cursor"); !cursor.empty()) {
    auto state = DecodeSiteCursor(client, context, arguments, ReadWork(), cursor, binding);
    if (!state.ok()) {
      return state.status();
    }
    const Json token = state->value("t", Json(""));
    const Json offset = state->value("o", Json(0));
    constexpr std::size_t kMaxPageSize = 100;  // the schemas' max_results; an offset is within
    // Edited by hand: a page token is text, an offset a count, and a cursor never points at
    // the first issue of the first page (a reply holds at least one issue).
    if (!token.is_string() || !offset.is_number_unsigned() ||
        offset.get<std::size_t>() > kMaxPageSize ||
        (token.get_ref<const std::string&>().empty() && offset.get<std::size_t>() == 0)) {
      return ForeignCursor();
    }
    position.token = token.get<std::string>();
    position.offset = offset.get<std::size_t>();
    const int fetched_with = CursorPageSize(*state, "m", max_results);
    if (!arguments.contains("max_results")) {
      position.reply_size = CursorPageSize(*state, "n", fetched_with);
    }
    // Within a page the offset counts in the page as fetched; a new page takes the reply size.
    position.page_size = position.offset == 0 ? position.reply_size : fetched_with;
  }

  // Only /search/jql (the old /search answers 410); `fields` always explicit, since it returns
  // ids only without them. A POST that only reads: safe to re-send after a 429.
  Json body = {{"jql", jql}, {"fields", fields}, {"maxResults", position.page_size}};
  if (!position.token.empty()) {
    body["nextPageToken"] = position.token;
  }
  JiraRequest request = Request("POST", "/rest/api/3/search/jql", ReadWork(), arguments);
  request.body = std::move(body);
  request.idempotent = true;
  auto response = client.Call(context, request);
  // Heavy fields (comments, descriptions) can take an answer past the size cap: ask for a quarter
  // of the page from the same place, down to the issue the reply starts at. The cursor keeps the
  // size read while it stays in this page; the next page has the size asked for again.
  while (!response.ok() && AnswerTooLarge(response.status()) &&
         position.page_size > static_cast<int>(position.offset) + 1) {
    position.page_size = std::max(static_cast<int>(position.offset) + 1, position.page_size / 4);
    request.body->at("maxResults") = position.page_size;
    response = client.Call(context, request);
  }
  if (!response.ok() && AnswerTooLarge(response.status())) {
    return OneIssueTooLarge(client, context, request, position, binding, response.status());
  }
  if (!response.ok() && !position.token.empty() &&
      response.status().code() == core::Code::kInvalidArgument &&
      Lower(response.status().message()).find("token") != std::string::npos) {
    // Jira's page tokens expire; the arguments are fine, the place in the results is gone.
    return core::Status(core::Code::kInvalidArgument,
                        "Searching issues: Jira no longer accepts this cursor's page token (it "
                        "may have expired). Repeat the call without `cursor` to start from the "
                        "first page.",
                        response.status().message());
  }
  if (!response.ok()) {
    return response.status().WithContext("Searching issues");
  }

  auto entries = PageEntries(*response, "issues");
  if (!entries.ok()) {
    return entries.status().WithContext("Searching issues");
  }
  const Json& page = **entries;
  Json issues = Json::array();
  std::string text;
  std::size_t used = 0;
  std::size_t index = position.offset;
  bool truncated = false;
  for (; index < page.size() && issues.size() < static_cast<std::size_t>(position.reply_size);
       ++index) {
    Json issue = FlattenIssue(page[index], fields);
    RelabelFields(issue, labels);
    truncated = CapStrings(issue, kSearchValueCap) || truncated;
    const std::size_t size = JsonSize(issue);
    if (!issues.empty() && used + size > kReplyBudget) {
      truncated = true;
      break;
    }
    used += size;
    // "*all" names no column: each issue is a line of its own fields instead.
    text += "\n" + (every_field ? IssueLine(issue) : TableRow(issue, asked));
    issues.push_back(std::move(issue));
  }

  const std::string next_token = ValueOr(response->body, "nextPageToken", "");
  const bool last_page = response->body.value("isLast", next_token.empty());
  const std::size_t count = issues.size();
  Json structured = {{"issues", std::move(issues)}, {"has_more", false}};
  if (index < page.size()) {
    structured["next_cursor"] = EncodeSiteCursor({{"t", position.token},
                                                  {"o", index},
                                                  {"m", position.page_size},
                                                  {"n", position.reply_size}},
                                                 binding, response->site);
  } else if (!last_page && !next_token.empty()) {
    structured["next_cursor"] = EncodeSiteCursor(
        {{"t", next_token}, {"o", 0}, {"m", position.reply_size}, {"n", position.reply_size}},
        binding, response->site);
  }
  structured["has_more"] = structured.contains("next_cursor");
  if (truncated) {
    structured["truncated"] = true;
  }

  auto sent = [&](const std::string& field) {
    for (std::size_t i = position.offset; i < index; ++i) {
      if (MemberOrNull(page[i], "fields").contains(field)) {
        return true;
      }
    }
    return false;
  };
  Json warnings = Json::array();
  if (auto note = position.offset < index
                      ? FieldsNotSentNote(fields, sent, "any of these issues", "these issues have")
                      : std::string();
      !note.empty()) {
    warnings.push_back(std::move(note));
  }
  if (const auto keyless = std::count_if(structured["issues"].begin(), structured["issues"].end(),
                                         [](const Json& issue) { return !issue.contains("key"); });
      keyless > 0) {
    warnings.push_back(fmt::format("Jira sent {} without a key; get_issue reads one by its id.",
                                   Count(static_cast<std::size_t>(keyless), "issue")));
  }
  if (!warnings.empty()) {
    text += fmt::format("\nNote: {}", fmt::join(warnings, " "));
    structured["warnings"] = std::move(warnings);
  }

  if (count == 0 && position.token.empty()) {
    // Jira answers an empty page for some JQL it cannot honour (C15): check before saying so.
    auto notes = CheckAfterEmptyAnswer(client, context, arguments, jql, "search again");
    if (!notes.ok()) {
      return notes.status();
    }
    if (!notes->empty()) {
      text += fmt::format("\nNote: {}", fmt::join(*notes, "; "));
      structured["warnings"] = std::move(*notes);
    }
  }

  // A page after the first may be empty (its issues changed since): that is not "no match".
  const bool continued = arguments.contains("cursor");
  std::string head = count > 0   ? Count(count, "issue")
                     : continued ? std::string("No issues on this page.")
                                 : std::string("No issues match this JQL.");
  if (structured["has_more"].get<bool>()) {
    head += kMoreHint;
  }
  if (truncated) {
    head += " " + BudgetMarker("long values were cut");
  }
  if (count > 0 && !every_field) {
    head += fmt::format("\nkey | {}", fmt::join(asked, " | "));
  }
  return mcp::ToolResult::Success(head + text, std::move(structured));
}

core::Result<mcp::ToolResult> CountIssues(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  JiraRequest request =
      Request("POST", "/rest/api/3/search/approximate-count", ReadWork(), arguments);
  const std::string jql = StringArg(arguments, "jql");
  request.body = Json{{"jql", jql}};
  request.idempotent = true;
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Counting issues");
  }
  const Json count = response->body.value("count", Json());
  if (!count.is_number_unsigned()) {
    return core::Status(core::Code::kUnavailable, "Jira answered the count without a number.");
  }
  std::string text =
      fmt::format("About {} (approximate)", Count(count.get<std::size_t>(), "issue"));
  if (count.get<std::size_t>() == 0) {
    auto notes = CheckAfterEmptyAnswer(client, context, arguments, jql, "count again");
    if (!notes.ok()) {
      return notes.status();
    }
    if (!notes->empty()) {
      text += fmt::format("\nNote: {}", fmt::join(*notes, "; "));
    }
  }
  return mcp::ToolResult::Success(std::move(text), {{"count", count}, {"approximate", true}});
}

// True for JQL with no search condition: blank, or only an ORDER BY clause. Jira parses it, but
// its search and count refuse it ("Unbounded JQL queries are not allowed here").
bool Unbounded(std::string_view jql) {
  constexpr std::string_view kBlanks = " \t\r\n";
  std::vector<std::string> words;  // the first two, lower case
  for (std::size_t at = 0; words.size() < 2;) {
    const std::size_t start = jql.find_first_not_of(kBlanks, at);
    if (start == std::string_view::npos) {
      break;
    }
    at = std::min(jql.find_first_of(kBlanks, start), jql.size());
    words.push_back(Lower(std::string(jql.substr(start, at - start))));
  }
  return words.empty() || (words.size() == 2 && words[0] == "order" && words[1] == "by");
}

core::Result<mcp::ToolResult> ValidateJql(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  const std::string jql = StringArg(arguments, "jql");
  auto check = CheckJql(client, context, arguments, jql, "strict");
  if (!check.ok()) {
    return check.status();
  }
  if (check->errors.empty() && Unbounded(jql)) {
    check->warnings.emplace_back(
        "It has no search condition: search_issues and count_issues refuse such a query (Jira "
        "allows no unbounded search). Add one, such as project = KEY.");
  }
  const bool valid = check->errors.empty();
  std::string text = valid ? "The JQL is valid." : "The JQL is not valid:";
  for (const auto& error : check->errors) {
    text += "\n- " + PlainText(error);  // Jira's words quote the query
  }
  for (const auto& warning : check->warnings) {
    text += "\nwarning: " + PlainText(warning);
  }
  return mcp::ToolResult::Success(
      std::move(text),
      {{"valid", valid}, {"errors", check->errors}, {"warnings", check->warnings}});
}

}  // namespace

std::vector<JiraTool> SearchTools(const std::shared_ptr<JiraClient>& client) {
  std::vector<JiraTool> tools;
  tools.push_back({
      .info = {.name = "search_issues", .toolset = "search", .http_methods = {"POST", "GET"}},
      .title = "Search issues",
      .description = "Find issues by JQL; returns id, key and the fields asked for, paged.",
      .annotations = ReadOnly(),
      .scopes = ReadWork(),
      .handler =
          [client](const Json& arguments, const mcp::CallContext& context) {
            return SearchIssues(*client, arguments, context);
          },
  });
  tools.push_back(MakeTool({.name = "count_issues", .toolset = "search", .http_methods = {"POST"}},
                           "Count issues", "Approximate number of issues matching a JQL.",
                           ReadOnly(), ReadWork(), client, CountIssues));
  tools.push_back(MakeTool({.name = "validate_jql", .toolset = "search", .http_methods = {"POST"}},
                           "Validate JQL", "Check a JQL query; returns its errors and warnings.",
                           ReadOnly(), ReadWork(), client, ValidateJql));
  return tools;
}

}  // namespace tools
