// The Jira platform API's metadata routes: myself, users, projects, issue types, create
// metadata, fields, priorities, statuses, resolutions. Issue and search routes live in
// issues.cc and search_api.cc.
#include <fmt/format.h>

#include <algorithm>

#include "sandbox/internal.h"

namespace sandbox {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return Lower(haystack).find(Lower(needle)) != std::string::npos;
}

bool OnSite(const User& user, const Site& site) {
  return std::find(user.sites.begin(), user.sites.end(), site.cloud_id) != user.sites.end();
}

// Pages a JSON array as Jira's list endpoints do: startAt/maxResults, or 400 when malformed.
bool Page(JiraCall& call, std::int64_t default_max, std::int64_t& start, std::int64_t& max) {
  start = IntParam(call.req, "startAt", 0);
  max = IntParam(call.req, "maxResults", default_max);
  if (start < 0 || max < 0) {
    SendJiraError(call.res, 400, {"startAt and maxResults must be non-negative integers."});
    return false;
  }
  return true;
}

Json Slice(const Json& all, std::int64_t start, std::int64_t max) {
  Json out = Json::array();
  for (auto i = static_cast<std::size_t>(start);
       i < all.size() && out.size() < static_cast<std::size_t>(max); ++i) {
    out.push_back(all[i]);
  }
  return out;
}

// ---- users ----

void GetMyself(JiraCall& call) {
  Json me = RenderUser(call, call.user);
  me["groups"] = {{"size", 1}, {"items", Json::array()}};
  me["applicationRoles"] = {{"size", 1}, {"items", Json::array()}};
  me["expand"] = "groups,applicationRoles";
  SendJson(call.res, 200, me);
}

void GetUser(JiraCall& call) {
  const User* user = call.core.state.FindUser(call.req.get_param_value("accountId"));
  if (user == nullptr || !OnSite(*user, call.site)) {
    SendJiraError(call.res, 404,
                  {"Specified user does not exist or you do not have required permissions"});
    return;
  }
  SendJson(call.res, 200, RenderUser(call, *user));
}

bool UserMatches(const User& user, const std::string& query, const std::string& account_id) {
  if (!account_id.empty()) {
    return user.account_id == account_id;
  }
  return Contains(user.display_name, query) || Contains(user.email, query) ||
         EqualsIgnoreCase(user.login, query);
}

void SearchUsers(JiraCall& call, bool assignable) {
  const std::string query = call.req.get_param_value("query");
  const std::string account_id = call.req.get_param_value("accountId");
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (!Page(call, 50, start, max)) {
    return;
  }
  if (assignable) {
    const std::string project = call.req.get_param_value("project");
    const std::string issue = call.req.has_param("issueKey") ? call.req.get_param_value("issueKey")
                                                             : call.req.get_param_value("issueId");
    if (project.empty() && issue.empty()) {
      SendJiraError(call.res, 400, {"One of project, issueKey or issueId must be given."});
      return;
    }
    if ((!project.empty() && call.site.FindProject(project) == nullptr) ||
        (!issue.empty() && call.site.FindIssue(issue) == nullptr)) {
      SendJiraError(call.res, 404, {"The project or issue was not found."});
      return;
    }
  } else if (query.empty() && account_id.empty()) {
    SendJiraError(call.res, 400, {"The query parameter 'query' or 'accountId' is required."});
    return;
  }
  Json users = Json::array();
  for (const auto& user : call.core.state.users) {
    if (OnSite(user, call.site) && UserMatches(user, query, account_id)) {
      users.push_back(RenderUser(call, user));
    }
  }
  SendJson(call.res, 200, Slice(users, start, max));
}

// ---- projects ----

Json RenderProject(const JiraCall& call, const Project& project,
                   const std::vector<std::string>& expand, bool full) {
  const auto wants = [&](const char* what) {
    return full || std::find(expand.begin(), expand.end(), what) != expand.end();
  };
  Json out = {{"expand", "description,lead,issueTypes,url,projectKeys,permissions,insight"},
              {"self", call.api + "/rest/api/3/project/" + project.id},
              {"id", project.id},
              {"key", project.key},
              {"name", project.name},
              {"avatarUrls", AvatarUrls(call.core.settings.base_url, "project", project.id)},
              {"projectTypeKey", project.type},
              {"simplified", false},
              {"style", "classic"},
              {"isPrivate", false},
              {"properties", Json::object()}};
  if (wants("description")) {
    out["description"] = project.description;
  }
  if (wants("lead")) {
    if (const User* lead = call.core.state.FindUser(project.lead)) {
      out["lead"] = RenderUser(call, *lead);
    }
  }
  if (wants("issueTypes")) {
    Json types = Json::array();
    for (const auto& id : project.issue_type_ids) {
      types.push_back(RenderIssueType(call, *FindIssueType(id)));
    }
    out["issueTypes"] = types;
  }
  if (full) {
    out["assigneeType"] = "UNASSIGNED";
    out["components"] = Json::array();
    out["versions"] = Json::array();
    out["roles"] = Json::object();
  }
  return out;
}

void SearchProjects(JiraCall& call) {
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (!Page(call, 50, start, max)) {
    return;
  }
  const std::string query = call.req.get_param_value("query");
  const std::string type = call.req.get_param_value("typeKey");
  const auto keys = ListParam(call.req, "keys");
  const auto expand = ListParam(call.req, "expand");
  std::vector<const Project*> matches;
  for (const auto& project : call.site.projects) {
    if ((query.empty() || Contains(project.name, query) || EqualsIgnoreCase(project.key, query)) &&
        (type.empty() || type == project.type) &&
        (keys.empty() || std::find(keys.begin(), keys.end(), project.key) != keys.end())) {
      matches.push_back(&project);
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const Project* a, const Project* b) { return a->key < b->key; });
  Json values = Json::array();
  const auto total = static_cast<std::int64_t>(matches.size());
  for (std::int64_t i = start; i < total && i < start + max; ++i) {
    values.push_back(RenderProject(call, *matches[static_cast<std::size_t>(i)], expand, false));
  }
  const bool last = start + max >= total;
  Json body = {{"self", fmt::format("{}/rest/api/3/project/search?startAt={}&maxResults={}",
                                    call.api, start, max)},
               {"maxResults", max},
               {"startAt", start},
               {"total", total},
               {"isLast", last},
               {"values", values}};
  if (!last) {
    body["nextPage"] = fmt::format("{}/rest/api/3/project/search?startAt={}&maxResults={}",
                                   call.api, start + max, max);
  }
  SendJson(call.res, 200, body);
}

const Project* LookupProject(JiraCall& call, const std::string& id_or_key) {
  const Project* project = call.site.FindProject(id_or_key);
  if (project == nullptr) {
    SendJiraError(call.res, 404,
                  {fmt::format("No project could be found with key '{}'.", id_or_key)});
  }
  return project;
}

void GetProject(JiraCall& call) {
  if (const Project* project = LookupProject(call, call.Param(1))) {
    SendJson(call.res, 200, RenderProject(call, *project, {}, true));
  }
}

// Every issue type of the project with the statuses its workflow can reach; the sandbox has
// one workflow, so each type lists all of them.
void GetProjectStatuses(JiraCall& call) {
  const Project* project = LookupProject(call, call.Param(1));
  if (project == nullptr) {
    return;
  }
  Json statuses = Json::array();
  for (const auto& status : Statuses()) {
    statuses.push_back(RenderStatus(call, status));
  }
  Json types = Json::array();
  for (const auto& id : project->issue_type_ids) {
    const IssueTypeDef* type = FindIssueType(id);
    if (type == nullptr) {
      continue;
    }
    types.push_back({{"self", call.api + "/rest/api/3/issueType/" + type->id},
                     {"id", type->id},
                     {"name", type->name},
                     {"subtask", type->hierarchy_level < 0},
                     {"statuses", statuses}});
  }
  SendJson(call.res, 200, types);
}

// ---- issue types and create metadata ----

void GetIssueTypes(JiraCall& call) {
  Json types = Json::array();
  for (const auto& type : IssueTypes()) {
    types.push_back(RenderIssueType(call, type));
  }
  SendJson(call.res, 200, types);
}

void GetIssueType(JiraCall& call) {
  const IssueTypeDef* type = FindIssueType(call.Param(1));
  if (type == nullptr || type->id != call.Param(1)) {
    SendJiraError(call.res, 404, {"The issue type was not found."});
    return;
  }
  SendJson(call.res, 200, RenderIssueType(call, *type));
}

void GetProjectIssueTypes(JiraCall& call) {
  const Project* project = LookupProject(call, call.req.get_param_value("projectId"));
  if (project == nullptr) {
    return;
  }
  Json types = Json::array();
  for (const auto& id : project->issue_type_ids) {
    types.push_back(RenderIssueType(call, *FindIssueType(id)));
  }
  SendJson(call.res, 200, types);
}

void GetCreateMetaTypes(JiraCall& call) {
  const Project* project = LookupProject(call, call.Param(1));
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (project == nullptr || !Page(call, 50, start, max)) {
    return;
  }
  Json types = Json::array();
  for (const auto& id : project->issue_type_ids) {
    types.push_back(RenderIssueType(call, *FindIssueType(id)));
  }
  SendJson(call.res, 200,
           {{"startAt", start},
            {"maxResults", max},
            {"total", types.size()},
            {"issueTypes", Slice(types, start, max)}});
}

Json CreateField(const char* id, const char* name, bool required, Json schema,
                 std::vector<std::string> operations) {
  return {{"required", required},
          {"schema", std::move(schema)},
          {"name", name},
          {"key", id},
          {"fieldId", id},
          {"operations", operations},
          {"hasDefaultValue", false}};
}

void GetCreateMetaFields(JiraCall& call) {
  const Project* project = LookupProject(call, call.Param(1));
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (project == nullptr || !Page(call, 50, start, max)) {
    return;
  }
  const IssueTypeDef* type = FindIssueType(call.Param(2));
  if (type == nullptr || type->id != call.Param(2) ||
      std::find(project->issue_type_ids.begin(), project->issue_type_ids.end(), type->id) ==
          project->issue_type_ids.end()) {
    SendJiraError(call.res, 400, {"The issue type is not valid for this project."});
    return;
  }
  const auto system = [](const char* type_name, const char* field) {
    return Json{{"type", type_name}, {"system", field}};
  };
  Json fields = Json::array();
  Json issuetype =
      CreateField("issuetype", "Issue Type", true, system("issuetype", "issuetype"), {});
  issuetype["allowedValues"] = {RenderIssueType(call, *type)};
  fields.push_back(issuetype);
  Json project_field =
      CreateField("project", "Project", true, system("project", "project"), {"set"});
  project_field["allowedValues"] = {RenderProjectRef(call, *project)};
  fields.push_back(project_field);
  fields.push_back(CreateField("summary", "Summary", true, system("string", "summary"), {"set"}));
  fields.push_back(
      CreateField("description", "Description", false, system("string", "description"), {"set"}));
  Json reporter = CreateField("reporter", "Reporter", true, system("user", "reporter"), {"set"});
  reporter["hasDefaultValue"] = true;
  reporter["autoCompleteUrl"] = call.api + "/rest/api/3/user/search?query=";
  fields.push_back(reporter);
  Json assignee = CreateField("assignee", "Assignee", false, system("user", "assignee"), {"set"});
  assignee["autoCompleteUrl"] =
      call.api + "/rest/api/3/user/assignable/search?project=" + project->key + "&query=";
  fields.push_back(assignee);
  Json priority =
      CreateField("priority", "Priority", false, system("priority", "priority"), {"set"});
  priority["allowedValues"] = Json::array();
  for (const auto& def : Priorities()) {
    priority["allowedValues"].push_back(RenderPriority(call, def));
  }
  priority["hasDefaultValue"] = true;
  priority["defaultValue"] = RenderPriority(call, *FindPriority(kDefaultPriorityId));
  fields.push_back(priority);
  fields.push_back(CreateField("labels", "Labels", false,
                               {{"type", "array"}, {"items", "string"}, {"system", "labels"}},
                               {"add", "set", "remove"}));
  if (type->hierarchy_level <= 0) {
    fields.push_back(CreateField("parent", "Parent", type->hierarchy_level < 0,
                                 system("issuelink", "parent"), {"set"}));
  }
  if (project->type == "software") {
    fields.push_back(CreateField(kSprintField.data(), "Sprint", false,
                                 {{"type", "array"},
                                  {"items", "json"},
                                  {"custom", "com.pyxis.greenhopper.jira:gh-sprint"},
                                  {"customId", 10020}},
                                 {"set"}));
    fields.push_back(CreateField(kStoryPointsField.data(), "Story point estimate", false,
                                 {{"type", "number"},
                                  {"custom", "com.pyxis.greenhopper.jira:jsw-story-points"},
                                  {"customId", 10016}},
                                 {"set"}));
  }
  SendJson(call.res, 200,
           {{"startAt", start},
            {"maxResults", max},
            {"total", fields.size()},
            {"fields", Slice(fields, start, max)}});
}

// ---- fields, priorities, statuses, resolutions ----

Json FieldSchema(const FieldDef& field) {
  Json schema = {{"type", field.type}};
  if (!field.items.empty()) {
    schema["items"] = field.items;
  }
  if (field.custom) {
    schema["custom"] = field.system;
    schema["customId"] = std::stoll(field.id.substr(std::string("customfield_").size()));
  } else {
    schema["system"] = field.system;
  }
  return schema;
}

void GetFields(JiraCall& call) {
  Json fields = Json::array();
  for (const auto& field : Fields()) {
    fields.push_back({{"id", field.id},
                      {"key", field.id},
                      {"name", field.name},
                      {"custom", field.custom},
                      {"orderable", field.id != "status" && field.id != "created"},
                      {"navigable", true},
                      {"searchable", field.searchable},
                      {"clauseNames", field.clause_names},
                      {"schema", FieldSchema(field)}});
  }
  SendJson(call.res, 200, fields);
}

// Jira allows this endpoint to administrators only; agents fall back to GET /field.
void SearchFields(JiraCall& call) {
  if (!call.user.admin) {
    SendJiraError(call.res, 403, {"Only Jira administrators can access fields."});
    return;
  }
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (!Page(call, 50, start, max)) {
    return;
  }
  const auto types = ListParam(call.req, "type");
  const auto ids = ListParam(call.req, "id");
  const std::string query = call.req.get_param_value("query");
  Json values = Json::array();
  for (const auto& field : Fields()) {
    const char* kind = field.custom ? "custom" : "system";
    if ((!types.empty() && std::find(types.begin(), types.end(), kind) == types.end()) ||
        (!ids.empty() && std::find(ids.begin(), ids.end(), field.id) == ids.end()) ||
        (!query.empty() && !Contains(field.name, query) && !Contains(field.id, query))) {
      continue;
    }
    Json value = {{"id", field.id},
                  {"key", field.id},
                  {"name", field.name},
                  {"schema", FieldSchema(field)},
                  {"typeDisplayName", field.custom ? "Custom" : "System"},
                  {"isLocked", !field.custom},
                  {"searcherKey", field.custom ? field.system + "-searcher" : ""}};
    if (field.custom) {
      value["description"] = field.name;
    } else {
      value.erase("searcherKey");
    }
    values.push_back(std::move(value));
  }
  const auto total = static_cast<std::int64_t>(values.size());
  SendJson(call.res, 200,
           {{"self", call.api + "/rest/api/3/field/search"},
            {"maxResults", max},
            {"startAt", start},
            {"total", total},
            {"isLast", start + max >= total},
            {"values", Slice(values, start, max)}});
}

void GetPriorities(JiraCall& call) {
  static constexpr const char* kColors[] = {"#d04437", "#f15C75", "#f79232", "#707070", "#999999"};
  Json priorities = Json::array();
  std::size_t i = 0;
  for (const auto& def : Priorities()) {
    Json priority = RenderPriority(call, def);
    priority["description"] = def.description;
    priority["statusColor"] = kColors[i++ % std::size(kColors)];
    priority["isDefault"] = def.id == kDefaultPriorityId;
    priorities.push_back(std::move(priority));
  }
  SendJson(call.res, 200, priorities);
}

void GetStatuses(JiraCall& call) {
  Json statuses = Json::array();
  for (const auto& status : Statuses()) {
    statuses.push_back(RenderStatus(call, status));
  }
  SendJson(call.res, 200, statuses);
}

void GetResolutions(JiraCall& call) {
  Json resolutions = Json::array();
  for (const auto& resolution : Resolutions()) {
    resolutions.push_back(RenderResolution(call, resolution));
  }
  SendJson(call.res, 200, resolutions);
}

}  // namespace

void RegisterJira(httplib::Server& server, ServerCore& core) {
  const char* read = "read:jira-work";
  JiraRoute(server, core, "GET", "/rest/api/3/myself", "read:jira-user", GetMyself);
  JiraRoute(server, core, "GET", "/rest/api/3/user", "read:jira-user", GetUser);
  JiraRoute(server, core, "GET", "/rest/api/3/user/search", "read:jira-user",
            [](JiraCall& call) { SearchUsers(call, false); });
  JiraRoute(server, core, "GET", "/rest/api/3/user/assignable/search", "read:jira-user",
            [](JiraCall& call) { SearchUsers(call, true); });
  JiraRoute(server, core, "GET", "/rest/api/3/project/search", read, SearchProjects);
  JiraRoute(server, core, "GET", "/rest/api/3/project/([^/]+)", read, GetProject);
  JiraRoute(server, core, "GET", "/rest/api/3/project/([^/]+)/statuses", read, GetProjectStatuses);
  JiraRoute(server, core, "GET", "/rest/api/3/issuetype", read, GetIssueTypes);
  JiraRoute(server, core, "GET", "/rest/api/3/issuetype/project", read, GetProjectIssueTypes);
  JiraRoute(server, core, "GET", "/rest/api/3/issuetype/([^/]+)", read, GetIssueType);
  JiraRoute(server, core, "GET", "/rest/api/3/issue/createmeta/([^/]+)/issuetypes", read,
            GetCreateMetaTypes);
  JiraRoute(server, core, "GET", "/rest/api/3/issue/createmeta/([^/]+)/issuetypes/([^/]+)", read,
            GetCreateMetaFields);
  JiraRoute(server, core, "GET", "/rest/api/3/field", read, GetFields);
  JiraRoute(server, core, "GET", "/rest/api/3/field/search", read, SearchFields);
  JiraRoute(server, core, "GET", "/rest/api/3/priority", read, GetPriorities);
  JiraRoute(server, core, "GET", "/rest/api/3/status", read, GetStatuses);
  JiraRoute(server, core, "GET", "/rest/api/3/resolution", read, GetResolutions);
  RegisterSearchRoutes(server, core);
  RegisterIssueRoutes(server, core);
}

}  // namespace sandbox
