// Comment and worklog tools: list_comments, add_comment, edit_comment, delete_comment,
// list_worklogs, add_worklog.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tools/adf.h"
#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

constexpr std::size_t kCommentCap = 8000;

// A comment as list_comments answers it. Jira can send a comment without a body (absent or
// null, e.g. one whose text was removed) or without a date: such a comment has no `body` (or
// `created`) key, never a null where the schema promises a string.
Json CommentSummary(const Json& comment) {
  Json out = {{"id", ValueOr(comment, "id", "")},
              {"author", CompactValue(comment.value("author", Json()))}};
  if (const Json created = comment.value("created", Json()); created.is_string()) {
    out["created"] = created;
  }
  const Json body = CompactValue(comment.value("body", Json()));
  if (body.is_string()) {
    out["body"] = body;
  } else if (!body.is_null()) {
    out["body"] = ValueText(body, kCommentCap);
  }
  if (comment.contains("visibility")) {
    out["visibility"] = comment["visibility"];
  }
  return out;
}

// A comment's or a worklog's markdown, as its own lines (lists, tables and code in it need
// them; ValueText would flatten it to one line, as for a table cell). CapStrings has already cut
// it to kCommentCap and marked the cut. Empty when the entry has no such text.
std::string MarkdownOf(const Json& summary, const char* key) {
  const auto body = summary.find(key);
  return body == summary.end() || !body->is_string() ? std::string() : body->get<std::string>();
}

// Where the whole of a cut text is: the entry in the issue's page in Jira.
std::string CutNote(std::string_view noun, const std::string& issue_url, std::string_view focus,
                    const std::string& id) {
  return fmt::format(
      "\n[this {0}'s text, as markdown, is longer than the {1} bytes this server shows; the "
      "whole {0} is in Jira: {2}?{3}={4}]",
      noun, kCommentCap, issue_url, focus, PlainText(id));
}

std::string CommentLine(const Json& summary) {
  std::string body = MarkdownOf(summary, "body");
  return fmt::format("\n[{}] {} {}:\n{}", summary["id"].get<std::string>(),
                     ValueText(summary.value("created", Json())),
                     ValueText(summary.value("author", Json())), body.empty() ? "(no body)" : body);
}

// The comment body from `body` (markdown) or `body_adf`, and the optional visibility.
core::Result<Json> CommentBody(const Json& arguments) {
  if (arguments.contains("body") == arguments.contains("body_adf")) {
    return core::Status(core::Code::kInvalidArgument,
                        "Give exactly one of `body` (markdown) or `body_adf`.");
  }
  const char* name = arguments.contains("body") ? "body" : "body_adf";
  RichTextBudget budget;
  auto adf = RichText(arguments[name], name, budget);
  if (!adf.ok()) {
    return adf.status();
  }
  if (const std::string shown = AdfToMarkdown(*adf);
      shown.find_first_not_of(" \t\r\n") == std::string::npos) {
    // Jira refuses an empty comment; blank markdown, a link definition alone, empty links and
    // ADF with no content all show nothing. Say so before sending it.
    return core::Status(core::Code::kInvalidArgument,
                        fmt::format("`{0}` is empty, or `{0}` has no text to show once converted "
                                    "(a link definition alone shows nothing). Write the "
                                    "comment's text (markdown).",
                                    name));
  }
  Json body = {{"body", std::move(*adf)}};
  const std::string role = StringArg(arguments, "visible_to_role");
  const std::string group = StringArg(arguments, "visible_to_group");
  if (!role.empty() && !group.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        "Restrict a comment to a role or to a group, not both.");
  }
  if (!role.empty()) {
    body["visibility"] = {{"type", "role"}, {"value", role}};
  } else if (!group.empty()) {
    body["visibility"] = {{"type", "group"}, {"value", group}};
  }
  return body;
}

std::string CommentPath(const Json& arguments) {
  return fmt::format("/rest/api/3/issue/{}/comment", IssueKey(arguments));
}

core::Result<mcp::ToolResult> ListComments(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  const std::string order = StringArg(arguments, "order", "created");
  auto page = ReadOffsetCursor(client, context, arguments, ReadWork(),
                               CommentsBinding(StringArg(arguments, "issue_key"), order), 20);
  if (!page.ok()) {
    return page.status();
  }
  auto response = CallShrinkingPage(
      client, context, *page,
      [&](const OffsetPage& at) {
        return Request("GET",
                       fmt::format("{}?startAt={}&maxResults={}&orderBy={}", CommentPath(arguments),
                                   at.start_at, at.max_results, Encode(order)),
                       ReadWork(), arguments);
      },
      "Open that comment in Jira.");
  if (!response.ok()) {
    return response.status().WithContext("Reading comments");
  }
  auto entries = PageEntries(*response, "comments");
  if (!entries.ok()) {
    return entries.status().WithContext("Reading comments");
  }
  const Json& values = **entries;
  const std::string issue_url = JiraClient::BrowseUrl(response->site, IssueKey(arguments));
  Json comments = Json::array();
  std::vector<std::string> lines;
  for (const auto& comment : values) {
    Json summary = CommentSummary(comment);
    const bool cut = CapStrings(summary, kCommentCap);
    std::string line = CommentLine(summary);
    if (cut) {
      line += CutNote("comment", issue_url, "focusedCommentId", summary["id"].get<std::string>());
    }
    lines.push_back(std::move(line));
    comments.push_back(std::move(summary));
  }
  return OffsetPageReply(*page, *response, "comments", "comment", std::move(comments),
                         std::move(lines));
}

core::Result<mcp::ToolResult> AddComment(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  auto body = CommentBody(arguments);
  if (!body.ok()) {
    return body.status();
  }
  JiraRequest request = Request("POST", CommentPath(arguments), WriteWork(), arguments);
  const bool restricted = body->contains("visibility");
  request.body = std::move(*body);
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Adding the comment");
  }
  // Jira answers with the stored comment: that is the read-back.
  const std::string id = ValueOr(response->body, "id", "");
  if (id.empty()) {
    return core::Status(core::Code::kUnavailable,
                        "Jira answered without a comment id; list the comments before adding "
                        "it again.");
  }
  Json structured = {{"id", id}, {"created", ValueOr(response->body, "created", "")}};
  std::string text = fmt::format("Added comment {} to {}", id, StringArg(arguments, "issue_key"));
  if (restricted && !response->body.contains("visibility")) {
    structured["warnings"] = {"the visibility restriction did not land"};
    text += "; the visibility restriction did not land";
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

core::Result<mcp::ToolResult> EditComment(JiraClient& client, const Json& arguments,
                                          const mcp::CallContext& context) {
  auto body = CommentBody(arguments);
  if (!body.ok()) {
    return body.status();
  }
  const std::string id = StringArg(arguments, "comment_id");
  JiraRequest request = Request("PUT", fmt::format("{}/{}", CommentPath(arguments), Encode(id)),
                                WriteWork(), arguments);
  request.body = std::move(*body);
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Editing comment " + id);
  }
  return mcp::ToolResult::Success(
      fmt::format("Edited comment {}", id),
      {{"id", id}, {"updated", ValueOr(response->body, "updated", "")}});
}

core::Result<mcp::ToolResult> DeleteComment(JiraClient& client, const Json& arguments,
                                            const mcp::CallContext& context) {
  const std::string id = StringArg(arguments, "comment_id");
  auto response = client.Call(
      context, Request("DELETE", fmt::format("{}/{}", CommentPath(arguments), Encode(id)),
                       WriteWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Deleting comment " + id);
  }
  return mcp::ToolResult::Success(fmt::format("Deleted comment {}", id), {{"deleted", id}});
}

std::string WorklogPath(const Json& arguments) {
  return fmt::format("/rest/api/3/issue/{}/worklog", IssueKey(arguments));
}

core::Result<mcp::ToolResult> ListWorklogs(JiraClient& client, const Json& arguments,
                                           const mcp::CallContext& context) {
  auto page = ReadOffsetCursor(client, context, arguments, ReadWork(),
                               "list_worklogs\n" + StringArg(arguments, "issue_key"), 20);
  if (!page.ok()) {
    return page.status();
  }
  auto response = CallShrinkingPage(
      client, context, *page,
      [&](const OffsetPage& at) {
        return Request("GET",
                       fmt::format("{}?startAt={}&maxResults={}", WorklogPath(arguments),
                                   at.start_at, at.max_results),
                       ReadWork(), arguments);
      },
      "Open that worklog in Jira.");
  if (!response.ok()) {
    return response.status().WithContext("Reading worklogs");
  }
  auto entries = PageEntries(*response, "worklogs");
  if (!entries.ok()) {
    return entries.status().WithContext("Reading worklogs");
  }
  const Json& values = **entries;
  const std::string issue_url = JiraClient::BrowseUrl(response->site, IssueKey(arguments));
  Json worklogs = Json::array();
  std::vector<std::string> lines;
  for (const auto& worklog : values) {
    Json summary = {{"id", ValueOr(worklog, "id", "")},
                    {"author", CompactValue(worklog.value("author", Json()))},
                    {"comment", CompactValue(MemberOrNull(worklog, "comment"))}};
    // Like a comment's body: a missing value is left out, never a null where a string goes.
    for (const char* key : {"started", "timeSpent"}) {
      if (const Json value = worklog.value(key, Json()); value.is_string()) {
        summary[key] = value;
      }
    }
    const bool cut = CapStrings(summary, kCommentCap);
    std::string line =
        fmt::format("\n{} {} {}", ValueText(summary.value("started", Json())),
                    ValueText(summary["author"]), ValueText(summary.value("timeSpent", Json())));
    if (const std::string comment = MarkdownOf(summary, "comment"); !comment.empty()) {
      line += ":\n" + comment;
    }
    if (cut) {
      line += CutNote("worklog", issue_url, "focusedWorklogId", summary["id"].get<std::string>());
    }
    lines.push_back(std::move(line));
    worklogs.push_back(std::move(summary));
  }
  return OffsetPageReply(*page, *response, "worklogs", "worklog", std::move(worklogs),
                         std::move(lines));
}

core::Result<mcp::ToolResult> AddWorklog(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  Json body = {{"timeSpent", StringArg(arguments, "time_spent")}};
  if (const std::string started = StringArg(arguments, "started"); !started.empty()) {
    body["started"] = started;
  }
  if (arguments.contains("comment")) {
    RichTextBudget budget;
    auto adf = RichText(arguments["comment"], "comment", budget);
    if (!adf.ok()) {
      return adf.status();
    }
    body["comment"] = *adf;
  }
  JiraRequest request = Request("POST", WorklogPath(arguments), WriteWork(), arguments);
  request.body = std::move(body);
  auto response = client.Call(context, request);
  if (!response.ok()) {
    // Jira's message says the time is wrong, not how to write it.
    return WithAdvice(response.status(), {"timeLogged", "timeSpent"},
                      "`time_spent` is a duration in Jira's form, such as \"2h 30m\", \"1d\" or "
                      "\"45m\" (units w, d, h, m), more than zero.")
        .WithContext("Logging work");
  }
  const std::string id = ValueOr(response->body, "id", "");
  const std::string spent = ValueOr(response->body, "timeSpent", "");
  Json structured = {{"id", id}, {"timeSpent", spent}};
  std::string text =
      fmt::format("Logged {} on {} (worklog {})", spent, StringArg(arguments, "issue_key"), id);
  if (id.empty()) {
    structured["warnings"] = {"Jira answered without a worklog id"};
    text += "; Jira answered without a worklog id: list the worklogs before logging again";
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

}  // namespace

std::vector<JiraTool> CommentTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "list_comments", .toolset = "comments", .http_methods = {"GET"}},
               "List comments", "Comments of an issue as markdown, paged.", ReadOnly(), ReadWork(),
               client, ListComments),
      MakeTool(
          {.name = "add_comment", .toolset = "comments", .http_methods = {"POST"}, .writes = true},
          "Add comment", "Comment on an issue (markdown), optionally for a role or group.",
          Additive(), WriteWork(), client, AddComment),
      MakeTool(
          {.name = "edit_comment", .toolset = "comments", .http_methods = {"PUT"}, .writes = true},
          "Edit comment", "Replace a comment's text.", Destructive(), WriteWork(), client,
          EditComment),
      MakeTool({.name = "delete_comment",
                .toolset = "comments",
                .http_methods = {"DELETE"},
                .writes = true},
               "Delete comment", "Delete a comment for good.", Destructive(), WriteWork(), client,
               DeleteComment),
      MakeTool({.name = "list_worklogs", .toolset = "worklogs", .http_methods = {"GET"}},
               "List worklogs", "Time logged on an issue, paged.", ReadOnly(), ReadWork(), client,
               ListWorklogs),
      MakeTool(
          {.name = "add_worklog", .toolset = "worklogs", .http_methods = {"POST"}, .writes = true},
          "Log work", "Log time on an issue (\"2h 30m\"), with an optional comment.", Additive(),
          WriteWork(), client, AddWorklog),
  };
}

}  // namespace tools
