// Link and hierarchy tools: list_link_types, link_issues, remove_link, set_parent.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

core::Result<Json> LinkTypes(JiraClient& client, const mcp::CallContext& context,
                             const Json& arguments, const std::vector<std::string>& scopes) {
  auto response =
      client.Call(context, Request("GET", "/rest/api/3/issueLinkType", scopes, arguments));
  if (!response.ok()) {
    return response.status().WithContext("Reading the link types");
  }
  auto types = PageEntries(*response, "issueLinkTypes");
  if (!types.ok()) {
    return types.status().WithContext("Reading the link types");
  }
  Json out = Json::array();
  for (const auto& type : **types) {
    out.push_back({{"id", ValueOr(type, "id", "")},
                   {"name", ValueOr(type, "name", "")},
                   {"inward", ValueOr(type, "inward", "")},
                   {"outward", ValueOr(type, "outward", "")}});
  }
  return out;
}

std::string TypeLine(const Json& type) {
  return fmt::format("{} (X {} Y; Y {} X)", PlainText(type["name"].get<std::string>()),
                     PlainText(type["outward"].get<std::string>()),
                     PlainText(type["inward"].get<std::string>()));
}

core::Result<mcp::ToolResult> ListLinkTypes(JiraClient& client, const Json& arguments,
                                            const mcp::CallContext& context) {
  auto types = LinkTypes(client, context, arguments, ReadWork());
  if (!types.ok()) {
    return types.status();
  }
  std::string text = Count(types->size(), "link type");
  for (const auto& type : *types) {
    text += "\n" + TypeLine(type);
  }
  return mcp::ToolResult::Success(std::move(text), {{"link_types", *types}});
}

// The link's direction. Jira's POST /issueLink puts the issue that the type's outward wording
// describes in `inwardIssue`: {inwardIssue: A, outwardIssue: B} of type Blocks is "A blocks B",
// and A then lists the link with `outwardIssue: B` (B lists it with `inwardIssue: A`). The
// field names read the other way round, so the request is built from the roles, not the names.
// A type given by its inward wording ("is blocked by") swaps the roles.
struct Direction {
  std::string type_name;
  std::string source_key;  // "A" of "A blocks B": the issue the outward wording describes
  std::string target_key;  // "B"
  std::string phrase;      // what the caller asked for, in the caller's order
  bool symmetric = false;  // inward and outward read the same ("relates to"): no direction
};

core::Result<Direction> Orient(const Json& types, const std::string& wanted,
                               const std::string& from, const std::string& to) {
  for (const auto& type : types) {
    const std::string name = type["name"].get<std::string>();
    const std::string outward = type["outward"].get<std::string>();
    const std::string inward = type["inward"].get<std::string>();
    const bool symmetric = Lower(inward) == Lower(outward);
    if (Lower(wanted) == Lower(name) || Lower(wanted) == Lower(outward)) {
      return Direction{name, from, to, fmt::format("{} {} {}", from, outward, to), symmetric};
    }
    if (Lower(wanted) == Lower(inward)) {
      return Direction{name, to, from, fmt::format("{} {} {}", from, inward, to), symmetric};
    }
  }
  std::vector<std::string> known;
  for (const auto& type : types) {
    known.push_back(TypeLine(type));
  }
  return core::Status(core::Code::kInvalidArgument,
                      fmt::format("No link type '{}'. Known: {}.", wanted, fmt::join(known, "; ")));
}

// The source issue's links as Jira lists them (`fields.issuelinks`).
core::Result<Json> SourceLinks(JiraClient& client, const mcp::CallContext& context,
                               const Json& arguments, const std::string& source_key) {
  auto response = client.Call(
      context,
      Request("GET", fmt::format("/rest/api/3/issue/{}?fields=issuelinks", Encode(source_key)),
              WriteWork(), arguments));
  if (!response.ok()) {
    return response.status();
  }
  const Json& body = response->body;
  if (!body.is_object() || !body.contains("fields") || !body["fields"].is_object()) {
    return Json::array();
  }
  const Json links = body["fields"].value("issuelinks", Json::array());
  return links.is_array() ? links : Json::array();
}

std::set<std::string> LinkIds(const Json& links) {
  std::set<std::string> ids;
  for (const auto& link : links) {
    if (link.is_object() && link.contains("id") && link["id"].is_string()) {
      ids.insert(link["id"].get<std::string>());
    }
  }
  return ids;
}

// A link of the type between the source and the target, as the source lists it. `reversed`: the
// source lists the target as `inwardIssue`, so Jira stored the opposite of what was asked (never
// for a symmetric type). `is_new`: the source did not list it before this call.
struct StoredLink {
  std::string id;
  bool reversed = false;
  bool is_new = false;
};

std::vector<StoredLink> MatchingLinks(const Json& links, const Direction& direction,
                                      const std::set<std::string>& before) {
  std::vector<StoredLink> out;
  for (const auto& link : links) {
    if (!link.is_object() || !link.contains("type") || !link["type"].is_object() ||
        ValueOr(link["type"], "name", "") != direction.type_name || !link.contains("id") ||
        !link["id"].is_string()) {
      continue;
    }
    const std::string id = link["id"].get<std::string>();
    for (const bool reversed : {false, true}) {
      const Json other = link.value(reversed ? "inwardIssue" : "outwardIssue", Json::object());
      if (!id.empty() && other.is_object() && NamesIssue(direction.target_key, other)) {
        out.push_back({.id = id,
                       .reversed = reversed && !direction.symmetric,
                       .is_new = before.count(id) == 0});
      }
    }
  }
  return out;
}

// The link this call made: a new link in the asked direction, else a new reversed one, else one
// that already existed in the asked direction (linking what is linked adds nothing new). A
// reversed link that existed before was made by someone else, so it is never taken.
std::optional<StoredLink> FindLink(const Json& links, const Direction& direction,
                                   const std::set<std::string>& before) {
  const std::vector<StoredLink> matches = MatchingLinks(links, direction, before);
  for (const auto& wanted :
       {std::pair{true, false}, std::pair{true, true}, std::pair{false, false}}) {
    const auto it = std::find_if(matches.begin(), matches.end(), [&wanted](const StoredLink& link) {
      return link.is_new == wanted.first && link.reversed == wanted.second;
    });
    if (it != matches.end()) {
      return *it;
    }
  }
  return std::nullopt;
}

mcp::ToolResult LinkReply(const Direction& direction, const std::optional<StoredLink>& link) {
  Json structured = {{"relation", direction.phrase}};
  std::string text = "Linked: " + direction.phrase;
  if (!link.has_value()) {
    const std::string warning = "the link could not be found when read back";
    structured["warnings"] = {warning};
    return mcp::ToolResult::Success(text + "; " + warning, std::move(structured));
  }
  structured["link_id"] = link->id;
  text += fmt::format(" (link {}{})", link->id, link->is_new ? "" : ", which already existed");
  if (link->reversed) {
    const std::string warning =
        "Jira stored the link in the reverse direction; remove it with remove_link and "
        "link again with the type's other wording";
    structured["warnings"] = {warning};
    text += "; " + warning;
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

core::Result<mcp::ToolResult> LinkIssues(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  auto types = LinkTypes(client, context, arguments, WriteWork());
  if (!types.ok()) {
    return types.status();
  }
  auto direction = Orient(*types, StringArg(arguments, "link_type"),
                          StringArg(arguments, "from_key"), StringArg(arguments, "to_key"));
  if (!direction.ok()) {
    return direction.status();
  }
  // Jira answers 201 without the link, so the link is found by reading the source issue's links
  // before and after: the one this call made is the one that was not there before.
  auto before = SourceLinks(client, context, arguments, direction->source_key);
  if (!before.ok()) {
    return before.status().WithContext("Reading the links of " + direction->source_key);
  }
  JiraRequest request = Request("POST", "/rest/api/3/issueLink", WriteWork(), arguments);
  request.body = Json{{"type", {{"name", direction->type_name}}},
                      {"inwardIssue", {{"key", direction->source_key}}},
                      {"outwardIssue", {{"key", direction->target_key}}}};
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Linking the issues");
  }
  auto after = SourceLinks(client, context, arguments, direction->source_key);
  const auto link = after.ok() ? FindLink(*after, *direction, LinkIds(*before)) : std::nullopt;
  return LinkReply(*direction, link);
}

core::Result<mcp::ToolResult> RemoveLink(JiraClient& client, const Json& arguments,
                                         const mcp::CallContext& context) {
  const std::string id = StringArg(arguments, "link_id");
  auto response = client.Call(
      context, Request("DELETE", "/rest/api/3/issueLink/" + Encode(id), WriteWork(), arguments));
  if (!response.ok()) {
    return response.status().WithContext("Removing link " + id);
  }
  return mcp::ToolResult::Success("Removed link " + id, {{"deleted", id}});
}

core::Result<mcp::ToolResult> SetParent(JiraClient& client, const Json& arguments,
                                        const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  const std::string parent = StringArg(arguments, "parent_key");
  JiraRequest request = Request("PUT", "/rest/api/3/issue/" + Encode(key), WriteWork(), arguments);
  request.body = Json{{"fields", {{"parent", parent.empty() ? Json() : Json{{"key", parent}}}}}};
  auto response = client.Call(context, request);
  if (!response.ok()) {
    // Jira says the same whether the parent is missing or on the wrong level.
    return WithAdvice(response.status(), {"hierarchy"},
                      fmt::format("Check that {} exists (get_issue) and is one level above {}: an "
                                  "epic over a story, task or bug; one of those over a subtask.",
                                  parent, key))
        .WithContext("Setting the parent of " + key);
  }
  auto stored = client.Call(
      context, Request("GET", fmt::format("/rest/api/3/issue/{}?fields=parent", Encode(key)),
                       WriteWork(), arguments));
  const Json stored_parent =
      stored.ok() ? MemberOrNull(MemberOrNull(stored->body, "fields"), "parent") : Json();
  const std::string now = stored_parent.is_object() ? ValueOr(stored_parent, "key", "") : "";
  const bool landed = parent.empty() ? now.empty() : NamesIssue(parent, stored_parent);
  Json structured = {{"key", key}};
  std::string text = parent.empty() ? "Cleared the parent of " + key
                                    : fmt::format("{} is now under {}", key,
                                                  landed ? PlainText(now) : PlainText(parent));
  if (!stored.ok() || !landed) {
    structured["warnings"] = {fmt::format("the parent reads back as '{}'", now)};
    text += fmt::format("; but the parent reads back as '{}'", PlainText(now));
  }
  if (!now.empty()) {
    structured["parent"] = now;
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

}  // namespace

std::vector<JiraTool> LinkTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "list_link_types", .toolset = "links", .http_methods = {"GET"}},
               "Link types", "Issue link types with their inward and outward wording.", ReadOnly(),
               ReadWork(), client, ListLinkTypes),
      MakeTool({.name = "link_issues",
                .toolset = "links",
                .http_methods = {"GET", "POST"},
                .writes = true},
               "Link issues",
               "Link from_key to to_key: 'A blocks B' is from A, link_type Blocks or blocks.",
               Additive(), WriteWork(), client, LinkIssues),
      MakeTool(
          {.name = "remove_link", .toolset = "links", .http_methods = {"DELETE"}, .writes = true},
          "Remove link", "Delete an issue link by id.", Destructive(), WriteWork(), client,
          RemoveLink),
      MakeTool({.name = "set_parent",
                .toolset = "links",
                .http_methods = {"PUT", "GET"},
                .writes = true},
               "Set parent",
               "Put an issue under a parent (epic or task); omit parent_key to clear.",
               Destructive(), WriteWork(), client, SetParent),
  };
}

}  // namespace tools
