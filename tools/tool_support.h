// Internal helpers shared by the Jira tool implementations; not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mcp/tool.h"
#include "tools/adf.h"
#include "tools/jira_client.h"
#include "tools/jira_tools.h"
#include "tools/json_read.h"

namespace tools {

// The Jira OAuth scopes of each kind of tool; the token exchange asks for exactly these.
inline std::vector<std::string> ReadWork() { return {"read:jira-work"}; }
inline std::vector<std::string> WriteWork() { return {"read:jira-work", "write:jira-work"}; }
inline std::vector<std::string> ReadUser() { return {"read:jira-user"}; }
inline std::vector<std::string> ReadWorkUser() { return {"read:jira-work", "read:jira-user"}; }
inline std::vector<std::string> WriteWorkUser() {
  return {"read:jira-work", "write:jira-work", "read:jira-user"};
}

// A handler that may fail with a Status; the wrapper turns that into an error ToolResult (with
// no structured content, C27) and catches a JSON exception from an unexpected Jira shape.
using JiraHandler = std::function<core::Result<mcp::ToolResult>(const Json& arguments,
                                                                const mcp::CallContext& context)>;

struct JiraTool {
  JiraToolInfo info;
  std::string title;
  std::string description;
  mcp::ToolAnnotations annotations;
  std::vector<std::string> scopes;
  JiraHandler handler;
};

// Annotations for the usual kinds of tool.
mcp::ToolAnnotations ReadOnly();
mcp::ToolAnnotations Additive();  // creates something new: not idempotent, not destructive
// Removes, overwrites or moves something (MCP's destructiveHint: more than additive updates);
// idempotent when repeating it changes nothing more.
mcp::ToolAnnotations Destructive(bool idempotent = true);

// A tool body: the client, the validated arguments and the call's context.
using ToolImpl = core::Result<mcp::ToolResult> (*)(JiraClient& client, const Json& arguments,
                                                   const mcp::CallContext& context);

// A JiraTool whose handler calls `impl` with `client` (which may be null when the tool is only
// described, never called).
JiraTool MakeTool(JiraToolInfo info, std::string title, std::string description,
                  mcp::ToolAnnotations annotations, std::vector<std::string> scopes,
                  const std::shared_ptr<JiraClient>& client, ToolImpl impl);

// The tools of each file, built around one client.
std::vector<JiraTool> SiteTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> SearchTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> IssueTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> WorkflowTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> CommentTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> LinkTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> AgileTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> ProjectTools(const std::shared_ptr<JiraClient>& client);
std::vector<JiraTool> AttachmentTools(const std::shared_ptr<JiraClient>& client);

// Offset paging (startAt/maxResults) behind an opaque cursor bound to `binding` and to the Jira
// site of the page (see DecodeSiteCursor). The cursor keeps the page size, so later pages keep
// the caller's max_results unless it is given again.
struct OffsetPage {
  long long start_at = 0;
  int max_results = 0;
  std::string binding;
  // The page size the next cursor keeps when this page was read smaller (CallShrinkingPage);
  // 0: max_results.
  int next_max_results = 0;
};
core::Result<OffsetPage> ReadOffsetCursor(JiraClient& client, const mcp::CallContext& context,
                                          const Json& arguments,
                                          const std::vector<std::string>& scopes,
                                          std::string binding, int default_max_results);
// Sends the request `make` builds for `page`. While Jira's answer is past the size cap
// (AnswerTooLarge), asks again for a quarter of the page, down to one entry, so that a page with
// a few heavy entries still reads; `page.max_results` ends as the size read, and the next cursor
// goes back to the size asked for. One entry alone past the cap is told as such, with
// `one_too_large` (what to do instead) and a cursor that goes on after it.
core::Result<JiraResponse> CallShrinkingPage(
    JiraClient& client, const mcp::CallContext& context, OffsetPage& page,
    const std::function<JiraRequest(const OffsetPage&)>& make, std::string_view one_too_large);
// The entries of a page that Jira answered (`key`, an array), or kUnavailable saying the answer
// is not such a page: a proxy or a changed API, which an empty success would hide.
core::Result<const Json*> PageEntries(const JiraResponse& response, const char* key);
// Sets has_more (and next_cursor when more remain) from Jira's isLast or total; appends the
// continuation hint to `head`. The cursor is bound to the site `response` came from and continues
// after the `returned` entries; `left_out` more of Jira's page (cut by OffsetPageReply) make
// more remain whatever Jira says, and `head` says so with BudgetMarker.
void AddOffsetCursor(const OffsetPage& page, const JiraResponse& response, std::size_t returned,
                     Json& structured, std::string& head, std::size_t left_out = 0);
// The reply of one page of an offset listing, one text line and one structured entry per item:
// the first items, at least one, whose lines and entries fit kReplyBudget together, under `key`,
// after a count of `noun`s; AddOffsetCursor continues after them.
mcp::ToolResult OffsetPageReply(const OffsetPage& page, const JiraResponse& response,
                                const char* key, std::string_view noun, Json entries,
                                std::vector<std::string> lines);
// A cursor that ReadOffsetCursor with `binding` reads as "continue at `start_at`, `max_results`
// a page, on `site`"; for a tool that hands out the continuation of another tool's listing.
std::string OffsetCursor(std::string_view binding, long long start_at, int max_results,
                         const JiraSite& site);
// The bindings of list_comments (comments in `order`) and get_changelog for one issue, as the
// issue_key argument spells it.
std::string CommentsBinding(std::string_view issue_key, std::string_view order);
std::string ChangelogBinding(std::string_view issue_key);

// "Name (e-mail, accountId X)" for a Jira user object; raw, for PlainText or an error's text.
std::string DescribeUser(const Json& user);

// The accountId for `who`: an accountId as it is, else the single user whose e-mail or display
// name matches through user search (read:jira-user). No single match is kInvalidArgument
// listing the candidates (C4); there is never a silent fallback.
core::Result<std::string> ResolveAccountId(JiraClient& client, const mcp::CallContext& context,
                                           const Json& arguments, const std::string& who,
                                           const std::vector<std::string>& scopes);

// Replaces field display names ("Story Points", in any case) by field ids through
// /rest/api/3/field; ids (exactly as Jira spells them) pass unchanged, and a list of only system
// and custom field ids needs no lookup. Returns the ids in order, each once, and fills `labels`
// (id → the name asked for) so replies can use the caller's names. kInvalidArgument for an
// empty entry, an entry that is no field's id or name, or a name several fields share.
core::Result<std::vector<std::string>> ResolveFieldNames(
    JiraClient& client, const mcp::CallContext& context, const Json& arguments,
    const std::vector<std::string>& fields,
    std::vector<std::pair<std::string, std::string>>& labels);

// Renames keys of a flattened issue from field ids back to the names the caller used.
void RelabelFields(Json& issue, const std::vector<std::pair<std::string, std::string>>& labels);

// `status` with `advice` (the next step) after its message when Jira refused the arguments
// (kInvalidArgument) with a message that holds one of `needles`; else `status` as it is.
core::Status WithAdvice(const core::Status& status, std::initializer_list<std::string_view> needles,
                        std::string_view advice);

// Whether `given` (an issue key in any case, or an issue id, as an agent may pass either) names
// `issue`, an issue object of Jira's answer with its `key` and `id`.
bool NamesIssue(std::string_view given, const Json& issue);

// A note naming the asked `fields` that Jira did not send (`sent` is false): Jira leaves out a
// field it does not know, or that the caller cannot see, which would otherwise read as a field
// that is empty. `of` and `have` name the issues ("this issue", "this issue has"). Empty when
// each was sent.
std::string FieldsNotSentNote(const std::vector<std::string>& fields,
                              const std::function<bool(const std::string&)>& sent,
                              std::string_view of, std::string_view have);

// "A-1" from arguments["issue_key"], for paths.
std::string IssueKey(const Json& arguments);

// `text` as a sentence: a period added unless it already ends in one, '!', '?' or an ellipsis
// (Jira's own messages mostly end in a period, and we join them with our own text).
std::string EndSentence(std::string text);

// Lowercase ASCII.
std::string Lower(std::string text);
std::string Upper(std::string text);

// Builds the ToolDefinition, loading `<name>.input.json` and `<name>.output.json` from the
// embedded schemas.
core::Result<mcp::ToolDefinition> Define(const JiraTool& tool);

// A request for `path` with the tool's scopes and the call's `site` argument.
JiraRequest Request(std::string method, std::string path, const std::vector<std::string>& scopes,
                    const Json& arguments);

// Percent-encodes one path segment or query value: everything but RFC 3986 unreserved
// characters, and "." and ".." as "%2E" and "%2E%2E" so that no value acts as a dot segment.
// Every path segment built from an argument goes through here.
std::string Encode(std::string_view text);
// Is `text` "." or ".." (a dot segment, RFC 3986 §3.3)?
bool IsDotSegment(std::string_view text);

// Opaque pagination cursors: `state` plus a hash of what the cursor belongs to (`binding`), so
// a cursor from one query is refused for another.
std::string EncodeCursor(Json state, std::string_view binding);
core::Result<Json> DecodeCursor(const std::string& cursor, std::string_view binding);
// The same, also bound to the Jira site the page came from: decoding resolves the call's `site`
// argument as JiraClient::Call would (cached) and refuses a cursor issued for another site with
// kInvalidArgument naming both sites and how to go on. Every paged tool uses these.
std::string EncodeSiteCursor(Json state, std::string_view binding, const JiraSite& site);
core::Result<Json> DecodeSiteCursor(JiraClient& client, const mcp::CallContext& context,
                                    const Json& arguments, const std::vector<std::string>& scopes,
                                    const std::string& cursor, std::string_view binding);
// The error for a cursor this tool did not issue for these arguments (or one edited by hand).
core::Status ForeignCursor();

// The end of a page's first line when more follow.
inline constexpr std::string_view kMoreHint =
    " (more: call again with the same arguments and next_cursor as cursor)";

// The start position ("s") kept in a decoded offset cursor; nullopt when it is not a count (a
// cursor edited by hand, answered with ForeignCursor()).
std::optional<long long> CursorStart(const Json& state);

// A page size kept in a decoded cursor under `name`, clamped to the schemas' 1..100; `fallback`
// when the cursor has none.
int CursorPageSize(const Json& state, const char* name, int fallback);

// A string argument, or `fallback` when it is absent.
std::string StringArg(const Json& arguments, const char* name, std::string_view fallback = {});
// The strings of an array argument, each once, in the order first given ("summary" asked 1,000
// times is one column, not a reply past every size budget).
std::vector<std::string> StringListArg(const Json& arguments, const char* name);

// "1 board", "3 boards": `count` and the noun in the number it takes. `plural` defaults to
// `singular` plus "s"; give it for irregular nouns ("priority", "priorities").
std::string Count(std::size_t count, std::string_view singular, std::string_view plural = {});

// The reply budget: a reply's structured content stays below this many bytes. What does not fit
// is left out, the text says so with BudgetMarker, and a cursor (or a narrower call) gets the
// rest.
inline constexpr std::size_t kReplyBudget = std::size_t{48} * 1024;
// "[truncated to fit the reply budget; <what>]": the explicit marker of a reply the budget cut.
std::string BudgetMarker(std::string_view what);
// The bytes `value` takes as compact JSON: what the budget counts.
std::size_t JsonSize(const Json& value);
// Drops trailing entries of the array `entries` while `size` (the JSON size of the reply that
// holds it, kept current) is over `budget`; returns how many entries remain.
std::size_t TrimToBudget(Json& entries, std::size_t& size, std::size_t budget);

// One line of text for a compacted value (users by name, references by key, other objects as
// "(name: value; …)"), every string in it as PlainText: markdown reads it as written, whatever
// values stand beside it. Rich text read back as markdown is written without it, as blocks of
// its own (get_issue, list_comments).
std::string ValueText(const Json& value, std::size_t max_bytes = 300);

// "KEY-1 · summary · status: Done · …" for a flattened issue: the summary first, then the other
// fields by name.
std::string IssueLine(const Json& issue, std::size_t max_value_bytes = 200);

// What the markdown of one call may take in all, across its rich-text values (a bulk create
// holds fifty): the markdown converted and the ADF built, each value within MarkdownToAdf's own
// limits too. It bounds the time and memory one call spends converting.
inline constexpr std::size_t kMaxCallMarkdownBytes = std::size_t{256} * 1024;
inline constexpr std::size_t kMaxCallAdfBytes = std::size_t{2} << 20;
struct RichTextBudget {
  std::size_t markdown_bytes = kMaxCallMarkdownBytes;  // left to convert
  std::size_t adf_bytes = kMaxCallAdfBytes;            // left to build
};

// An ADF document from a markdown string (converted, charged to the call's `budget`) or an ADF
// object (shape-checked, passed unchanged).
core::Result<Json> RichText(const Json& value, const char* argument, RichTextBudget& budget);

// Rich text given as text in raw `fields` or in `update` operations is markdown: each such value
// becomes ADF in place. Rich text is description, environment, a comment body (`update.comment`
// add and edit) and text-area custom fields, known by their schema in /rest/api/3/field (read
// only when a custom field is set to text). ADF objects pass after a shape check; null (clearing
// a field) passes unchanged. An `update` that is not a list of operations is refused.
core::Status ConvertRawRichText(JiraClient& client, const mcp::CallContext& context,
                                const Json& arguments, Json& fields, Json& update,
                                RichTextBudget& budget);

}  // namespace tools
