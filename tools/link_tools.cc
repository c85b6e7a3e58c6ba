// Link and hierarchy tools: list_link_types, link_issues, remove_link, set_parent.
#include <fmt/format.h>

#include <optional>

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
  Json out = Json::array();
  for (const auto& type : response->body.value("issueLinkTypes", Json::array())) {
    out.push_back({{"id", type.value("id", "")},
                   {"name", type.value("name", "")},
                   {"inward", type.value("inward", "")},
                   {"outward", type.value("outward", "")}});
  }
  return out;
}

std::string TypeLine(const Json& type) {
  return fmt::format("{} (X {} Y; Y {} X)", type["name"].get<std::string>(),
                     type["outward"].get<std::string>(), type["inward"].get<std::string>());
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
};

core::Result<Direction> Orient(const Json& types, const std::string& wanted,
                               const std::string& from, const std::string& to) {
  for (const auto& type : types) {
    const std::string name = type["name"].get<std::string>();
    const std::string outward = type["outward"].get<std::string>();
    const std::string inward = type["inward"].get<std::string>();
    if (Lower(wanted) == Lower(name) || Lower(wanted) == Lower(outward)) {
      return Direction{name, from, to, fmt::format("{} {} {}", from, outward, to)};
    }
    if (Lower(wanted) == Lower(inward)) {
      return Direction{name, to, from, fmt::format("{} {} {}", from, inward, to)};
    }
  }
  std::vector<std::string> known;
  for (const auto& type : types) {
    known.push_back(TypeLine(type));
  }
  return core::Status(core::Code::kInvalidArgument,
                      fmt::format("No link type '{}'. Known: {}.", wanted, fmt::join(known, "; ")));
}

// What the source issue lists for a link of the type to the target: `outward` when Jira stored
// the direction asked for, `inward` when it stored the reverse, nothing when it has no such link.
struct StoredLink {
  std::string id;
  bool reversed = false;
};

std::optional<StoredLink> FindLink(const Json& source_issue, const Direction& direction) {
  const Json links =
      source_issue.value("fields", Json::object()).value("issuelinks", Json::array());
  for (const auto& link : links) {
    if (!link.is_object() ||
        link.value("type", Json::object()).value("name", "") != direction.type_name) {
      continue;
    }
    for (const bool reversed : {false, true}) {
      const Json other = link.value(reversed ? "inwardIssue" : "outwardIssue", Json::object());
      if (other.is_object() && other.value("key", "") == direction.target_key) {
        return StoredLink{.id = link.value("id", ""), .reversed = reversed};
      }
    }
  }
  return std::nullopt;
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
  JiraRequest request = Request("POST", "/rest/api/3/issueLink", WriteWork(), arguments);
  request.body = Json{{"type", {{"name", direction->type_name}}},
                      {"inwardIssue", {{"key", direction->source_key}}},
                      {"outwardIssue", {{"key", direction->target_key}}}};
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return response.status().WithContext("Linking the issues");
  }
  // Jira answers 201 without the link; read it back from the source issue.
  auto stored = client.Call(context, Request("GET",
                                             fmt::format("/rest/api/3/issue/{}?fields=issuelinks",
                                                         Encode(direction->source_key)),
                                             WriteWork(), arguments));
  Json structured = {{"relation", direction->phrase}};
  std::string text = "Linked: " + direction->phrase;
  const auto link = stored.ok() ? FindLink(stored->body, *direction) : std::nullopt;
  std::string warning;
  if (!link.has_value() || link->id.empty()) {
    warning = "the link could not be found when read back";
  } else if (link->reversed) {
    warning =
        "Jira stored the link in the reverse direction; remove it with remove_link and "
        "link again with the type's other wording";
  }
  if (link.has_value() && !link->id.empty()) {
    structured["link_id"] = link->id;
    text += fmt::format(" (link {})", link->id);
  }
  if (!warning.empty()) {
    structured["warnings"] = {warning};
    text += "; " + warning;
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
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
    return response.status().WithContext("Setting the parent of " + key);
  }
  auto stored = client.Call(
      context, Request("GET", fmt::format("/rest/api/3/issue/{}?fields=parent", Encode(key)),
                       WriteWork(), arguments));
  Json structured = {{"key", key}};
  std::string text = parent.empty() ? "Cleared the parent of " + key
                                    : fmt::format("{} is now under {}", key, parent);
  const Json stored_parent =
      stored.ok() ? stored->body.value("fields", Json::object()).value("parent", Json()) : Json();
  const std::string now = stored_parent.is_object() ? stored_parent.value("key", "") : "";
  if (!stored.ok() || now != parent) {
    structured["warnings"] = {fmt::format("the parent reads back as '{}'", now)};
    text += fmt::format("; but the parent reads back as '{}'", now);
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
               Idempotent(), WriteWork(), client, SetParent),
  };
}

}  // namespace tools
