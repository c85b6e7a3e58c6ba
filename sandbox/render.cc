// Renderers: the sandbox's state in the shapes of Atlassian's OpenAPI documents.
#include <fmt/format.h>

#include <algorithm>

#include "sandbox/internal.h"

namespace sandbox {
namespace {

struct Category {
  int id;
  const char* key;
  const char* color;
  const char* name;
};

Category CategoryOf(int id) {
  switch (id) {
    case 4:
      return {4, "indeterminate", "yellow", "In Progress"};
    case 3:
      return {3, "done", "green", "Done"};
    default:
      return {2, "new", "blue-gray", "To Do"};
  }
}

}  // namespace

Json AvatarUrls(const std::string& base, const std::string& kind, const std::string& id) {
  const std::string root = fmt::format("{}/avatars/{}/{}", base, kind, id);
  return {{"16x16", root + "?s=16"},
          {"24x24", root + "?s=24"},
          {"32x32", root + "?s=32"},
          {"48x48", root + "?s=48"}};
}

FieldSelection ParseFields(const std::vector<std::string>& fields, bool default_all) {
  FieldSelection selection;
  if (fields.empty()) {
    selection.all = default_all;
    return selection;
  }
  for (const auto& field : fields) {
    if (field == "*all" || field == "*navigable") {
      selection.all = true;
      if (field == "*navigable") {
        selection.exclude.insert({"comment", "worklog"});
      }
    } else if (field.size() > 1 && field[0] == '-') {
      selection.exclude.insert(Lower(field.substr(1)));
    } else if (field != "id" && field != "key") {
      const FieldDef* def = FindField(field);
      selection.include.insert(def != nullptr ? def->id : Lower(field));
    }
  }
  return selection;
}

Json RenderUser(const JiraCall& call, const User& user) {
  return {{"self", call.api + "/rest/api/3/user?accountId=" + user.account_id},
          {"accountId", user.account_id},
          {"accountType", "atlassian"},
          {"emailAddress", user.email},
          {"avatarUrls", AvatarUrls(call.core.settings.base_url, "user", user.account_id)},
          {"displayName", user.display_name},
          {"active", true},
          {"timeZone", user.time_zone},
          {"locale", "en_US"}};
}

Json RenderUserDetails(const JiraCall& call, const std::string& account_id) {
  const User* user = call.core.state.FindUser(account_id);
  if (user == nullptr) {
    return nullptr;
  }
  return {{"self", call.api + "/rest/api/3/user?accountId=" + user->account_id},
          {"accountId", user->account_id},
          {"accountType", "atlassian"},
          {"emailAddress", user->email},
          {"avatarUrls", AvatarUrls(call.core.settings.base_url, "user", user->account_id)},
          {"displayName", user->display_name},
          {"active", true},
          {"timeZone", user->time_zone}};
}

Json RenderStatus(const JiraCall& call, const StatusDef& status) {
  const Category category = CategoryOf(status.category_id);
  return {{"self", call.api + "/rest/api/3/status/" + status.id},
          {"description", status.description},
          {"iconUrl", call.api + "/images/icons/statuses/generic.png"},
          {"name", status.name},
          {"id", status.id},
          {"statusCategory",
           {{"self", fmt::format("{}/rest/api/3/statuscategory/{}", call.api, category.id)},
            {"id", category.id},
            {"key", category.key},
            {"colorName", category.color},
            {"name", category.name}}}};
}

Json RenderPriority(const JiraCall& call, const NamedDef& priority) {
  return {
      {"self", call.api + "/rest/api/3/priority/" + priority.id},
      {"iconUrl", fmt::format("{}/images/icons/priorities/{}.svg", call.api, Lower(priority.name))},
      {"name", priority.name},
      {"id", priority.id}};
}

Json RenderResolution(const JiraCall& call, const NamedDef& resolution) {
  return {{"self", call.api + "/rest/api/3/resolution/" + resolution.id},
          {"id", resolution.id},
          {"description", resolution.description},
          {"name", resolution.name}};
}

Json RenderIssueType(const JiraCall& call, const IssueTypeDef& type) {
  return {{"self", call.api + "/rest/api/3/issuetype/" + type.id},
          {"id", type.id},
          {"description", type.description},
          {"iconUrl", fmt::format("{}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{}",
                                  call.api, type.avatar_id)},
          {"name", type.name},
          {"subtask", type.hierarchy_level < 0},
          {"avatarId", type.avatar_id},
          {"hierarchyLevel", type.hierarchy_level}};
}

Json RenderProjectRef(const JiraCall& call, const Project& project) {
  return {{"self", call.api + "/rest/api/3/project/" + project.id},
          {"id", project.id},
          {"key", project.key},
          {"name", project.name},
          {"projectTypeKey", project.type},
          {"simplified", false},
          {"avatarUrls", AvatarUrls(call.core.settings.base_url, "project", project.id)}};
}

Json RenderLinkedIssue(const JiraCall& call, const Issue& issue) {
  Json fields = {{"summary", issue.summary}};
  if (const StatusDef* status = FindStatus(issue.status_id)) {
    fields["status"] = RenderStatus(call, *status);
  }
  if (const NamedDef* priority = FindPriority(issue.priority_id)) {
    fields["priority"] = RenderPriority(call, *priority);
  }
  if (const IssueTypeDef* type = FindIssueType(issue.issue_type_id)) {
    fields["issuetype"] = RenderIssueType(call, *type);
  }
  return {{"id", issue.id},
          {"key", issue.key},
          {"self", call.api + "/rest/api/3/issue/" + issue.id},
          {"fields", fields}};
}

Json RenderLinkType(const JiraCall& call, const LinkTypeDef& type) {
  return {{"id", type.id},
          {"name", type.name},
          {"inward", type.inward},
          {"outward", type.outward},
          {"self", call.api + "/rest/api/3/issueLinkType/" + type.id}};
}

Json RenderComment(const JiraCall& call, const Issue& issue, const Comment& comment) {
  Json out = {
      {"self", fmt::format("{}/rest/api/3/issue/{}/comment/{}", call.api, issue.id, comment.id)},
      {"id", comment.id},
      {"author", RenderUserDetails(call, comment.author)},
      {"body", comment.body},
      {"updateAuthor", RenderUserDetails(call, comment.author)},
      {"created", FormatTime(comment.created)},
      {"updated", FormatTime(comment.updated)},
      {"jsdPublic", true}};
  if (comment.visibility.is_object()) {
    out["visibility"] = comment.visibility;
  }
  return out;
}

std::string FormatDuration(std::int64_t seconds) {
  // Jira's defaults: a day is 8 hours, a week 5 days.
  static constexpr std::pair<std::int64_t, const char*> kUnits[] = {
      {5 * 8 * 3600, "w"}, {8 * 3600, "d"}, {3600, "h"}, {60, "m"}};
  std::string out;
  for (const auto& [size, unit] : kUnits) {
    if (seconds >= size) {
      out += fmt::format("{}{} ", seconds / size, unit);
      seconds %= size;
    }
  }
  if (out.empty()) {
    return "0m";
  }
  out.pop_back();
  return out;
}

Json RenderWorklog(const JiraCall& call, const Issue& issue, const Worklog& worklog) {
  Json out = {
      {"self", fmt::format("{}/rest/api/3/issue/{}/worklog/{}", call.api, issue.id, worklog.id)},
      {"author", RenderUserDetails(call, worklog.author)},
      {"updateAuthor", RenderUserDetails(call, worklog.author)},
      {"created", FormatTime(worklog.created)},
      {"updated", FormatTime(worklog.updated)},
      {"started", FormatTime(worklog.started)},
      {"timeSpent", FormatDuration(worklog.seconds)},
      {"timeSpentSeconds", worklog.seconds},
      {"id", worklog.id},
      {"issueId", issue.id}};
  if (!worklog.comment.is_null()) {
    out["comment"] = worklog.comment;
  }
  return out;
}

Json RenderIssueLinks(const JiraCall& call, const Issue& issue) {
  Json links = Json::array();
  for (const auto& link : call.site.links) {
    const bool inward_side = link.inward_issue_id == issue.id;
    if (!inward_side && link.outward_issue_id != issue.id) {
      continue;
    }
    const Issue* other =
        call.site.FindIssue(inward_side ? link.outward_issue_id : link.inward_issue_id);
    const LinkTypeDef* type = FindLinkType(link.type_id);
    if (other == nullptr || type == nullptr) {
      continue;
    }
    Json entry = {{"id", link.id},
                  {"self", call.api + "/rest/api/3/issueLink/" + link.id},
                  {"type", RenderLinkType(call, *type)}};
    entry[inward_side ? "outwardIssue" : "inwardIssue"] = RenderLinkedIssue(call, *other);
    links.push_back(std::move(entry));
  }
  return links;
}

Json RenderSprints(const JiraCall& call, const Issue& issue) {
  const Sprint* sprint = issue.sprint_id == 0 ? nullptr : call.site.FindSprint(issue.sprint_id);
  if (sprint == nullptr) {
    return nullptr;
  }
  Json out = {{"id", sprint->id},
              {"name", sprint->name},
              {"state", sprint->state},
              {"boardId", sprint->board_id},
              {"goal", sprint->goal}};
  if (sprint->start != 0) {
    out["startDate"] = FormatTime(sprint->start);
    out["endDate"] = FormatTime(sprint->end);
  }
  return Json::array({out});
}

Json RenderFieldValue(const JiraCall& call, const Issue& issue, const std::string& id) {
  if (id == "summary") {
    return issue.summary;
  }
  if (id == "description") {
    return issue.description;
  }
  if (id == "status") {
    const StatusDef* status = FindStatus(issue.status_id);
    return status == nullptr ? Json(nullptr) : RenderStatus(call, *status);
  }
  if (id == "assignee" || id == "reporter") {
    return RenderUserDetails(call, id == "assignee" ? issue.assignee : issue.reporter);
  }
  if (id == "priority") {
    const NamedDef* priority = FindPriority(issue.priority_id);
    return priority == nullptr ? Json(nullptr) : RenderPriority(call, *priority);
  }
  if (id == "labels") {
    return issue.labels;
  }
  if (id == "issuetype") {
    const IssueTypeDef* type = FindIssueType(issue.issue_type_id);
    return type == nullptr ? Json(nullptr) : RenderIssueType(call, *type);
  }
  if (id == "project") {
    const Project* project = call.site.ProjectOf(issue);
    return project == nullptr ? Json(nullptr) : RenderProjectRef(call, *project);
  }
  if (id == "created" || id == "updated") {
    return FormatTime(id == "created" ? issue.created : issue.updated);
  }
  if (id == "resolution") {
    const NamedDef* resolution =
        issue.resolution_id.empty() ? nullptr : FindResolution(issue.resolution_id);
    return resolution == nullptr ? Json(nullptr) : RenderResolution(call, *resolution);
  }
  if (id == "resolutiondate") {
    return issue.resolved == 0 ? Json(nullptr) : Json(FormatTime(issue.resolved));
  }
  if (id == "parent") {
    const Issue* parent = issue.parent_id.empty() ? nullptr : call.site.FindIssue(issue.parent_id);
    return parent == nullptr ? Json(nullptr) : RenderLinkedIssue(call, *parent);
  }
  if (id == "subtasks") {
    Json subtasks = Json::array();
    for (const auto& other : call.site.issues) {
      const IssueTypeDef* type = FindIssueType(other.issue_type_id);
      if (other.parent_id == issue.id && type != nullptr && type->hierarchy_level < 0) {
        subtasks.push_back(RenderLinkedIssue(call, other));
      }
    }
    return subtasks;
  }
  if (id == "issuelinks") {
    return RenderIssueLinks(call, issue);
  }
  if (id == "comment") {
    Json comments = Json::array();
    for (const auto& comment : issue.comments) {
      comments.push_back(RenderComment(call, issue, comment));
    }
    return {{"comments", comments},
            {"self", fmt::format("{}/rest/api/3/issue/{}/comment", call.api, issue.id)},
            {"maxResults", comments.size()},
            {"total", comments.size()},
            {"startAt", 0}};
  }
  if (id == "worklog") {
    Json worklogs = Json::array();
    for (const auto& worklog : issue.worklogs) {
      worklogs.push_back(RenderWorklog(call, issue, worklog));
    }
    return {{"startAt", 0}, {"maxResults", 20}, {"total", worklogs.size()}, {"worklogs", worklogs}};
  }
  if (id == kSprintField) {
    return RenderSprints(call, issue);
  }
  return issue.custom.contains(id) ? issue.custom[id] : Json(nullptr);
}

// Project-specific: the sprint and story point fields live on software projects only.
bool FieldApplies(const JiraCall& call, const Issue& issue, const FieldDef& field) {
  if (field.id == "statuscategory") {
    return false;
  }
  if (!field.custom) {
    return true;
  }
  const Project* project = call.site.ProjectOf(issue);
  return project != nullptr && project->type == "software";
}

Json RenderChangelog(const JiraCall& call, const History& history) {
  Json items = Json::array();
  for (const auto& item : history.items) {
    // Jira sends null for an empty side; the OpenAPI document types them as strings, so an
    // empty side is left out instead.
    Json entry = {{"field", item.field}, {"fieldtype", "jira"}, {"fieldId", item.field}};
    const std::pair<const char*, const std::string*> sides[] = {{"from", &item.from},
                                                                {"fromString", &item.from_string},
                                                                {"to", &item.to},
                                                                {"toString", &item.to_string}};
    for (const auto& [name, value] : sides) {
      if (!value->empty()) {
        entry[name] = *value;
      }
    }
    items.push_back(std::move(entry));
  }
  return {{"id", history.id},
          {"author", RenderUserDetails(call, history.author)},
          {"created", FormatTime(history.created)},
          {"items", items}};
}

Json RenderIssue(const JiraCall& call, const Issue& issue, const FieldSelection& fields,
                 const std::vector<std::string>& expand) {
  const auto expanded = [&](std::string_view name) {
    return std::find(expand.begin(), expand.end(), name) != expand.end();
  };
  Json out = {{"expand",
               "renderedFields,names,schema,operations,editmeta,changelog,"
               "versionedRepresentations"},
              {"id", issue.id},
              {"self", call.api + "/rest/api/3/issue/" + issue.id},
              {"key", issue.key}};
  Json values = Json::object();
  Json names = Json::object();
  for (const auto& field : Fields()) {
    if (!fields.Wants(field.id) || !FieldApplies(call, issue, field)) {
      continue;
    }
    values[field.id] = RenderFieldValue(call, issue, field.id);
    names[field.id] = field.name;
  }
  out["fields"] = std::move(values);
  if (expanded("names")) {
    out["names"] = std::move(names);
  }
  if (expanded("transitions")) {
    Json transitions = Json::array();
    for (const auto& transition : Transitions()) {
      if (std::find(transition.from_status_ids.begin(), transition.from_status_ids.end(),
                    issue.status_id) != transition.from_status_ids.end()) {
        transitions.push_back(RenderTransition(call, transition, false));
      }
    }
    out["transitions"] = std::move(transitions);
  }
  if (expanded("changelog")) {
    Json histories = Json::array();
    for (const auto& history : issue.changelog) {
      histories.push_back(RenderChangelog(call, history));
    }
    out["changelog"] = {{"startAt", 0},
                        {"maxResults", histories.size()},
                        {"total", histories.size()},
                        {"histories", histories}};
  }
  return out;
}

Json RenderTransition(const JiraCall& call, const TransitionDef& transition, bool with_fields) {
  Json out = {{"id", transition.id},
              {"name", transition.name},
              {"to", RenderStatus(call, *FindStatus(transition.to_status_id))},
              {"hasScreen", transition.resolution_screen},
              {"isGlobal", false},
              {"isInitial", false},
              {"isAvailable", true},
              {"isConditional", false},
              {"looped", false}};
  if (with_fields) {
    Json fields = Json::object();
    if (transition.resolution_screen) {
      Json allowed = Json::array();
      for (const auto& resolution : Resolutions()) {
        allowed.push_back(RenderResolution(call, resolution));
      }
      fields["resolution"] = {{"required", false},
                              {"schema", {{"type", "resolution"}, {"system", "resolution"}}},
                              {"name", "Resolution"},
                              {"key", "resolution"},
                              {"operations", {"set"}},
                              {"allowedValues", allowed},
                              {"hasDefaultValue", true},
                              {"defaultValue", RenderResolution(call, Resolutions().front())}};
    }
    out["fields"] = std::move(fields);
  }
  return out;
}

}  // namespace sandbox
