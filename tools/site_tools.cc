// Identity and sites: list_sites, get_current_user, find_users, list_assignable_users.
#include <fmt/format.h>

#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

Json UserSummary(const Json& user) {
  Json out = {{"accountId", ValueOr(user, "accountId", "")},
              {"displayName", ValueOr(user, "displayName", "")}};
  if (user.contains("emailAddress") && user["emailAddress"].is_string()) {
    out["emailAddress"] = user["emailAddress"];
  }
  if (user.contains("active")) {
    out["active"] = user["active"];
  }
  return out;
}

std::string UserLine(const Json& user) {
  std::string line = fmt::format("{} · {}", PlainText(ValueOr(user, "displayName", "")),
                                 PlainText(ValueOr(user, "accountId", "")));
  if (user.contains("emailAddress")) {
    line += " · " + PlainText(user["emailAddress"].get<std::string>());
  }
  return line;
}

core::Result<mcp::ToolResult> UserList(JiraClient& client, const mcp::CallContext& context,
                                       const Json& arguments, const std::string& path) {
  auto response = client.Call(context, Request("GET", path, ReadUser(), arguments));
  if (!response.ok()) {
    return response.status();
  }
  Json users = Json::array();
  std::string text;
  for (const auto& user : response->body.is_array() ? response->body : Json::array()) {
    users.push_back(UserSummary(user));
    text += "\n" + UserLine(users.back());
  }
  std::string head = Count(users.size(), "user");
  return mcp::ToolResult::Success(head + text, {{"users", users}});
}

core::Result<mcp::ToolResult> ListSites(JiraClient& client, const Json& /*arguments*/,
                                        const mcp::CallContext& context) {
  auto sites = client.Sites(context, ReadWork());
  if (!sites.ok()) {
    return sites.status();
  }
  Json out = Json::array();
  std::string text = Count(sites->size(), "accessible Jira site");
  for (const auto& site : *sites) {
    out.push_back({{"id", site.id}, {"name", site.name}, {"url", site.url}});
    text += fmt::format("\n{} · {} · cloudId {}", site.name, site.url, site.id);
  }
  if (sites->empty()) {
    text += ". Re-authorize the Jira app and select a site in Atlassian's consent screen.";
  }
  return mcp::ToolResult::Success(std::move(text), {{"sites", out}});
}

core::Result<mcp::ToolResult> GetCurrentUser(JiraClient& client, const Json& arguments,
                                             const mcp::CallContext& context) {
  auto response = client.Call(context, Request("GET", "/rest/api/3/myself", ReadUser(), arguments));
  if (!response.ok()) {
    return response.status();
  }
  Json user = UserSummary(response->body);
  if (response->body.contains("timeZone")) {
    user["timeZone"] = response->body["timeZone"];
  }
  user["site"] = response->site.url;
  std::string text = fmt::format("{} on {}", UserLine(user), response->site.url);
  return mcp::ToolResult::Success(std::move(text), std::move(user));
}

core::Result<mcp::ToolResult> FindUsers(JiraClient& client, const Json& arguments,
                                        const mcp::CallContext& context) {
  return UserList(
      client, context, arguments,
      fmt::format("/rest/api/3/user/search?query={}&maxResults={}",
                  Encode(StringArg(arguments, "query")), ValueOr(arguments, "max_results", 20)));
}

core::Result<mcp::ToolResult> ListAssignableUsers(JiraClient& client, const Json& arguments,
                                                  const mcp::CallContext& context) {
  const std::string project = StringArg(arguments, "project_key");
  const std::string issue = StringArg(arguments, "issue_key");
  if (project.empty() == issue.empty()) {
    return core::Status(core::Code::kInvalidArgument,
                        "Give exactly one of `project_key` or `issue_key`.");
  }
  std::string path = fmt::format("/rest/api/3/user/assignable/search?maxResults={}",
                                 ValueOr(arguments, "max_results", 20));
  path += project.empty() ? "&issueKey=" + Encode(issue) : "&project=" + Encode(project);
  if (const std::string query = StringArg(arguments, "query"); !query.empty()) {
    path += "&query=" + Encode(query);
  }
  return UserList(client, context, arguments, path);
}

}  // namespace

std::vector<JiraTool> SiteTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "list_sites", .toolset = "sites", .http_methods = {"GET"}},
               "List Jira sites", "Jira sites you can reach (name, URL, cloudId).", ReadOnly(),
               ReadWork(), client, ListSites),
      MakeTool({.name = "get_current_user", .toolset = "sites", .http_methods = {"GET"}},
               "Current user", "Who you are in Jira (accountId, name, time zone).", ReadOnly(),
               ReadUser(), client, GetCurrentUser),
      MakeTool({.name = "find_users", .toolset = "sites", .http_methods = {"GET"}}, "Find users",
               "Users by name or e-mail, with their accountIds.", ReadOnly(), ReadUser(), client,
               FindUsers),
      MakeTool({.name = "list_assignable_users", .toolset = "sites", .http_methods = {"GET"}},
               "Assignable users", "Users who can be assigned in a project or issue.", ReadOnly(),
               ReadUser(), client, ListAssignableUsers),
  };
}

}  // namespace tools
