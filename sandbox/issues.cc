// Issues: create (single and bulk), get, edit, delete, assign, transitions, comments, worklogs,
// links and the changelog, with Jira's validation texts.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "sandbox/internal.h"
#include "sandbox/search.h"

namespace sandbox {
namespace {

constexpr const char* kNoIssue = "Issue does not exist or you do not have permission to see it.";
constexpr std::size_t kMaxBulk = 50;

std::string CannotSet(const std::string& field) {
  return fmt::format("Field '{}' cannot be set. It is not on the appropriate screen, or unknown.",
                     field);
}

bool IsAdf(const Json& value) {
  return value.is_object() && value.value("type", "") == "doc" && value.contains("version") &&
         value["version"] == 1 && value.contains("content") && value["content"].is_array();
}

// {"id": ..} / {"key": ..} / {"name": ..} / {"accountId": ..} reference, or a bare string.
std::string RefOf(const Json& value, std::initializer_list<const char*> keys) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (!value.is_object()) {
    return {};
  }
  for (const char* key : keys) {
    if (value.contains(key) && value[key].is_string()) {
      return value[key].get<std::string>();
    }
    if (value.contains(key) && value[key].is_number_integer()) {
      return std::to_string(value[key].get<std::int64_t>());
    }
  }
  return {};
}

// body[key] when it is an object, else an empty object (a copy: callers iterate it).
Json ObjectMember(const Json& body, const char* key) {
  return body.contains(key) && body[key].is_object() ? body[key] : Json::object();
}

Issue* LookupIssue(JiraCall& call, std::size_t param = 1) {
  Issue* issue = call.site.FindIssue(call.Param(param));
  if (issue == nullptr) {
    SendJiraError(call.res, 404, {kNoIssue});
  }
  return issue;
}

bool HasAccess(const JiraCall& call, const std::string& account_id) {
  const User* user = call.core.state.FindUser(account_id);
  return user != nullptr &&
         std::find(user->sites.begin(), user->sites.end(), call.site.cloud_id) != user->sites.end();
}

std::string UserName(const JiraCall& call, const std::string& account_id) {
  const User* user = call.core.state.FindUser(account_id);
  return user == nullptr ? std::string() : user->display_name;
}

// ---- the changelog ----

std::vector<ChangeItem> Diff(const JiraCall& call, const Issue& before, const Issue& after) {
  std::vector<ChangeItem> items;
  const auto add = [&](const char* field, const std::string& from, const std::string& from_string,
                       const std::string& to, const std::string& to_string) {
    if (from != to || from_string != to_string) {
      items.push_back({field, from, from_string, to, to_string});
    }
  };
  const auto name_of = [](const auto* def) { return def == nullptr ? std::string() : def->name; };
  add("summary", "", before.summary, "", after.summary);
  add("status", before.status_id, name_of(FindStatus(before.status_id)), after.status_id,
      name_of(FindStatus(after.status_id)));
  add("assignee", before.assignee, UserName(call, before.assignee), after.assignee,
      UserName(call, after.assignee));
  add("priority", before.priority_id, name_of(FindPriority(before.priority_id)), after.priority_id,
      name_of(FindPriority(after.priority_id)));
  add("resolution", before.resolution_id,
      before.resolution_id.empty() ? "" : name_of(FindResolution(before.resolution_id)),
      after.resolution_id,
      after.resolution_id.empty() ? "" : name_of(FindResolution(after.resolution_id)));
  std::string from_labels;
  std::string to_labels;
  for (const auto& label : before.labels) {
    from_labels += (from_labels.empty() ? "" : " ") + label;
  }
  for (const auto& label : after.labels) {
    to_labels += (to_labels.empty() ? "" : " ") + label;
  }
  add("labels", "", from_labels, "", to_labels);
  if (before.description != after.description) {
    // Jira keeps the text of each side (not the ADF); a cleared side is empty.
    items.push_back(
        {"description", "", AdfPlainText(before.description), "", AdfPlainText(after.description)});
  }
  // As Jira: the id on each side, and the parent's key or the sprint's name as its text.
  const auto key_of = [&call](const std::string& id) {
    const Issue* issue = id.empty() ? nullptr : call.site.FindIssue(id);
    return issue == nullptr ? std::string() : issue->key;
  };
  const auto sprint_of = [&call](std::int64_t id) {
    const Sprint* sprint = id == 0 ? nullptr : call.site.FindSprint(id);
    return sprint == nullptr ? std::string() : sprint->name;
  };
  add("parent", before.parent_id, key_of(before.parent_id), after.parent_id,
      key_of(after.parent_id));
  add("Sprint", before.sprint_id == 0 ? "" : std::to_string(before.sprint_id),
      sprint_of(before.sprint_id), after.sprint_id == 0 ? "" : std::to_string(after.sprint_id),
      sprint_of(after.sprint_id));
  return items;
}

void Record(JiraCall& call, const Issue& before, Issue& after) {
  auto items = Diff(call, before, after);
  after.updated = call.core.NowMillis();
  call.mutated = true;
  if (items.empty()) {
    return;
  }
  after.changelog.push_back(History{.id = call.site.NewId(),
                                    .author = call.user.account_id,
                                    .created = after.updated,
                                    .items = std::move(items)});
}

// ---- fields ----

// Applies one field value to `issue`, or records Jira's error for it in `errors`.
void ApplyField(const JiraCall& call, const Project& project, Issue& issue, const std::string& id,
                const Json& value, Json& errors) {
  if (id == "summary") {
    const std::string summary = value.is_string() ? value.get<std::string>() : "";
    if (summary.empty()) {
      errors["summary"] = "You must specify a summary of the issue.";
    } else if (summary.size() > 255) {
      errors["summary"] = "Summary must be less than 255 characters.";
    } else {
      issue.summary = summary;
    }
  } else if (id == "description") {
    if (!value.is_null() && !IsAdf(value)) {
      errors["description"] =
          "Operation value must be an Atlassian Document (see the Atlassian Document Format).";
    } else {
      issue.description = value;
    }
  } else if (id == "assignee" || id == "reporter") {
    const std::string account = value.is_null() ? "" : RefOf(value, {"accountId", "id"});
    if (!value.is_null() && !HasAccess(call, account)) {
      errors[id] = "Specified user does not exist or you do not have required permissions";
    } else if (id == "reporter" && account.empty()) {
      errors[id] = "Reporter is required.";
    } else {
      (id == "assignee" ? issue.assignee : issue.reporter) = account;
    }
  } else if (id == "priority") {
    const NamedDef* priority = FindPriority(RefOf(value, {"id", "name"}));
    if (priority == nullptr) {
      errors["priority"] = "Specify a valid priority.";
    } else {
      issue.priority_id = priority->id;
    }
  } else if (id == "labels") {
    std::vector<std::string> labels;
    for (const auto& label : value.is_array() ? value : Json::array()) {
      const std::string text = label.is_string() ? label.get<std::string>() : "";
      if (text.empty() || text.find(' ') != std::string::npos) {
        errors["labels"] = fmt::format("The label '{}' contains spaces which is invalid.", text);
        return;
      }
      labels.push_back(text);
    }
    if (!value.is_array()) {
      errors["labels"] = "Labels must be a list of strings.";
      return;
    }
    issue.labels = std::move(labels);
  } else if (id == "parent") {
    if (value.is_null() || (value.is_object() && value.value("none", false))) {
      issue.parent_id.clear();
      return;
    }
    const Issue* parent = call.site.FindIssue(RefOf(value, {"key", "id"}));
    const IssueTypeDef* type = FindIssueType(issue.issue_type_id);
    const IssueTypeDef* parent_type =
        parent == nullptr ? nullptr : FindIssueType(parent->issue_type_id);
    if (parent == nullptr || type == nullptr || parent_type == nullptr ||
        parent_type->hierarchy_level != type->hierarchy_level + 1 || parent->id == issue.id ||
        (type->hierarchy_level < 0 && parent->project_id != project.id)) {
      errors["parent"] = "Given parent work item does not belong to appropriate hierarchy.";
      return;
    }
    issue.parent_id = parent->id;
  } else if (id == kStoryPointsField && project.type == "software") {
    if (!value.is_null() && !value.is_number()) {
      errors[id] = "Operation value must be a number.";
    } else {
      issue.custom[id] = value;
    }
  } else if (id == kSprintField && project.type == "software") {
    if (value.is_null()) {
      issue.sprint_id = 0;
      return;
    }
    const Sprint* sprint =
        value.is_number_integer() ? call.site.FindSprint(value.get<std::int64_t>()) : nullptr;
    if (sprint == nullptr || sprint->state == "closed") {
      errors[id] = "Sprint with the given id does not exist or is closed.";
    } else {
      issue.sprint_id = sprint->id;
    }
  } else {
    errors[id] = CannotSet(id);
  }
}

// `update` operations: {"labels":[{"add":"x"},{"remove":"y"}], "summary":[{"set":"..."}]}.
void ApplyUpdate(const JiraCall& call, const Project& project, Issue& issue, const Json& update,
                 Json& errors, std::vector<Json>& comments) {
  for (const auto& [field, operations] : update.items()) {
    for (const auto& operation : operations.is_array() ? operations : Json::array()) {
      if (!operation.is_object() || operation.size() != 1) {
        errors[field] = "Each update operation must be one of set, add, remove or edit.";
        continue;
      }
      const auto first = operation.begin();
      const std::string& verb = first.key();
      const Json& value = first.value();
      if (field == "comment" && verb == "add") {
        comments.push_back(value.is_object() ? value.value("body", Json()) : Json());
      } else if (field == "labels" && (verb == "add" || verb == "remove") && value.is_string()) {
        auto& labels = issue.labels;
        const std::string label = value.get<std::string>();
        labels.erase(std::remove(labels.begin(), labels.end(), label), labels.end());
        if (verb == "add") {
          labels.push_back(label);
        }
      } else if (verb == "set") {
        ApplyField(call, project, issue, field, value, errors);
      } else {
        errors[field] = CannotSet(field);
      }
    }
  }
}
// Jira keeps a sub-task under a parent: creating one without, or clearing its parent, is refused.
void RequireSubtaskParent(const Issue& issue, Json& errors) {
  const IssueTypeDef* type = FindIssueType(issue.issue_type_id);
  if (type != nullptr && type->hierarchy_level < 0 && issue.parent_id.empty() &&
      !errors.contains("parent")) {
    errors["parent"] = "Parent is required for sub-task issue types.";
  }
}

// ---- create ----

// Validates and creates one issue from an IssueUpdateDetails body; nullptr with `errors` set.
const Issue* CreateIssue(JiraCall& call, const Json& body, Json& errors) {
  const Json fields = body.is_object() ? body.value("fields", Json::object()) : Json::object();
  if (!fields.is_object()) {
    errors["fields"] = "fields must be an object.";
    return nullptr;
  }
  Project* project = fields.contains("project")
                         ? call.site.FindProject(RefOf(fields["project"], {"id", "key"}))
                         : nullptr;
  if (project == nullptr) {
    errors["project"] = "Specify a valid project ID or key";
  }
  const IssueTypeDef* type = fields.contains("issuetype")
                                 ? FindIssueType(RefOf(fields["issuetype"], {"id", "name"}))
                                 : nullptr;
  if (!fields.contains("issuetype")) {
    errors["issuetype"] = "Specify an issue type";
  } else if (type == nullptr ||
             (project != nullptr &&
              std::find(project->issue_type_ids.begin(), project->issue_type_ids.end(), type->id) ==
                  project->issue_type_ids.end())) {
    errors["issuetype"] = "The issue type selected is invalid.";
  }
  if (!fields.contains("summary")) {
    errors["summary"] = "You must specify a summary of the issue.";
  }
  if (project == nullptr || type == nullptr || !errors.empty()) {
    for (const auto& [id, value] : fields.items()) {
      if (id != "project" && id != "issuetype" && FindField(id) == nullptr) {
        errors[id] = CannotSet(id);
      }
    }
    return nullptr;
  }

  Issue issue{.project_id = project->id,
              .issue_type_id = type->id,
              .status_id = Statuses().front().id,
              .priority_id = std::string(kDefaultPriorityId),
              .reporter = call.user.account_id};
  for (const auto& [id, value] : fields.items()) {
    if (id != "project" && id != "issuetype") {
      ApplyField(call, *project, issue, id, value, errors);
    }
  }
  std::vector<Json> comments;
  if (body.contains("update") && body["update"].is_object()) {
    ApplyUpdate(call, *project, issue, body["update"], errors, comments);
  }
  RequireSubtaskParent(issue, errors);
  if (!errors.empty()) {
    return nullptr;
  }

  issue.id = call.site.NewId();
  issue.key = fmt::format("{}-{}", project->key, project->next_number++);
  issue.created = issue.updated = call.core.NowMillis();
  call.site.issues.push_back(std::move(issue));
  call.mutated = true;
  return &call.site.issues.back();
}

Json Created(const JiraCall& call, const Issue& issue) {
  return {
      {"id", issue.id}, {"key", issue.key}, {"self", call.api + "/rest/api/3/issue/" + issue.id}};
}

void PostIssue(JiraCall& call) {
  Json body;
  if (!call.Body(body)) {
    return;
  }
  Json errors = Json::object();
  const Issue* issue = CreateIssue(call, body, errors);
  if (issue == nullptr) {
    SendJiraError(call.res, 400, {}, errors);
    return;
  }
  SendJson(call.res, 201, Created(call, *issue));
}

void PostBulk(JiraCall& call) {
  Json body;
  if (!call.Body(body)) {
    return;
  }
  const Json updates = body.value("issueUpdates", Json::array());
  if (!updates.is_array() || updates.empty() || updates.size() > kMaxBulk) {
    SendJiraError(call.res, 400,
                  {fmt::format("issueUpdates must hold between 1 and {} issues.", kMaxBulk)});
    return;
  }
  Json issues = Json::array();
  Json failures = Json::array();
  for (std::size_t i = 0; i < updates.size(); ++i) {
    Json errors = Json::object();
    const Issue* issue = CreateIssue(call, updates[i], errors);
    if (issue != nullptr) {
      issues.push_back(Created(call, *issue));
      continue;
    }
    failures.push_back({{"status", 400},
                        {"elementErrors", {{"errorMessages", Json::array()}, {"errors", errors}}},
                        {"failedElementNumber", i}});
  }
  SendJson(call.res, issues.empty() ? 400 : 201, {{"issues", issues}, {"errors", failures}});
}

// ---- read, edit, delete, assign ----

void GetIssue(JiraCall& call) {
  const Issue* issue = LookupIssue(call);
  if (issue == nullptr) {
    return;
  }
  SendJson(call.res, 200,
           RenderIssue(call, *issue, ParseFields(ListParam(call.req, "fields"), true),
                       ListParam(call.req, "expand")));
}

void PutIssue(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Json body;
  if (issue == nullptr || !call.Body(body)) {
    return;
  }
  const Project* project = call.site.ProjectOf(*issue);
  Issue edited = *issue;
  Json errors = Json::object();
  std::vector<Json> comments;
  const Json fields = ObjectMember(body, "fields");
  for (const auto& [id, value] : fields.items()) {
    ApplyField(call, *project, edited, id, value, errors);
  }
  if (body.contains("update") && body["update"].is_object()) {
    ApplyUpdate(call, *project, edited, body["update"], errors, comments);
  }
  RequireSubtaskParent(edited, errors);
  for (const auto& comment : comments) {
    if (!IsAdf(comment)) {
      errors["comment"] = "Comment body is not a valid Atlassian Document.";
    }
  }
  if (!errors.empty()) {
    SendJiraError(call.res, 400, {}, errors);
    return;
  }
  const std::int64_t now = call.core.NowMillis();
  for (const auto& comment : comments) {
    edited.comments.push_back(Comment{.id = call.site.NewId(),
                                      .author = call.user.account_id,
                                      .body = comment,
                                      .created = now,
                                      .updated = now});
  }
  const Issue before = *issue;
  *issue = std::move(edited);
  Record(call, before, *issue);
  if (call.req.get_param_value("returnIssue") == "true") {
    SendJson(call.res, 200, RenderIssue(call, *issue, ParseFields({}, true), {}));
    return;
  }
  SendEmpty(call.res, 204);
}

void DeleteIssue(JiraCall& call) {
  const Issue* issue = LookupIssue(call);
  if (issue == nullptr) {
    return;
  }
  const std::string id = issue->id;
  auto& issues = call.site.issues;
  const bool has_children = std::any_of(issues.begin(), issues.end(),
                                        [&](const Issue& other) { return other.parent_id == id; });
  const IssueTypeDef* type = FindIssueType(issue->issue_type_id);
  if (has_children && type != nullptr && type->hierarchy_level == 0 &&
      call.req.get_param_value("deleteSubtasks") != "true") {
    SendJiraError(call.res, 400,
                  {"The issue has subtasks. Set deleteSubtasks to true to delete them."});
    return;
  }
  std::set<std::string> removed = {id};
  for (const auto& other : issues) {
    const IssueTypeDef* other_type = FindIssueType(other.issue_type_id);
    if (other.parent_id == id && other_type != nullptr && other_type->hierarchy_level < 0) {
      removed.insert(other.id);
    }
  }
  for (auto& other : issues) {
    if (other.parent_id == id) {
      other.parent_id.clear();  // an epic's children stay, without a parent
    }
  }
  std::erase_if(issues, [&](const Issue& other) { return removed.contains(other.id); });
  std::erase_if(call.site.links, [&](const Link& link) {
    return removed.contains(link.inward_issue_id) || removed.contains(link.outward_issue_id);
  });
  call.mutated = true;
  SendEmpty(call.res, 204);
}

void PutAssignee(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Json body;
  if (issue == nullptr || !call.Body(body)) {
    return;
  }
  const Json account = body.value("accountId", Json());
  std::string assignee;
  if (account.is_string() && account.get<std::string>() == "-1") {
    assignee = call.site.ProjectOf(*issue)->lead;  // the project's default assignee
  } else if (account.is_string()) {
    assignee = account.get<std::string>();
    if (!HasAccess(call, assignee)) {
      SendJiraError(call.res, 400, {},
                    {{"assignee", fmt::format("User '{}' cannot be assigned issues.", assignee)}});
      return;
    }
  } else if (!account.is_null()) {
    SendJiraError(call.res, 400, {}, {{"assignee", "accountId must be a string or null."}});
    return;
  }
  const Issue before = *issue;
  issue->assignee = assignee;
  Record(call, before, *issue);
  SendEmpty(call.res, 204);
}

// ---- transitions ----

const TransitionDef* AvailableTransition(const Issue& issue, const std::string& id) {
  for (const auto& transition : Transitions()) {
    if (transition.id == id &&
        std::find(transition.from_status_ids.begin(), transition.from_status_ids.end(),
                  issue.status_id) != transition.from_status_ids.end()) {
      return &transition;
    }
  }
  return nullptr;
}

void GetTransitions(JiraCall& call) {
  const Issue* issue = LookupIssue(call);
  if (issue == nullptr) {
    return;
  }
  const auto expand = ListParam(call.req, "expand");
  const bool with_fields =
      std::find(expand.begin(), expand.end(), "transitions.fields") != expand.end();
  const std::string only = call.req.get_param_value("transitionId");
  Json transitions = Json::array();
  for (const auto& transition : Transitions()) {
    if ((only.empty() || only == transition.id) && AvailableTransition(*issue, transition.id)) {
      transitions.push_back(RenderTransition(call, transition, with_fields));
    }
  }
  SendJson(call.res, 200, {{"expand", "transitions"}, {"transitions", transitions}});
}

void PostTransition(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Json body;
  if (issue == nullptr || !call.Body(body)) {
    return;
  }
  const std::string id = RefOf(body.value("transition", Json()), {"id"});
  if (id.empty()) {
    SendJiraError(call.res, 400, {"Missing 'transition' identifier"});
    return;
  }
  const TransitionDef* transition = AvailableTransition(*issue, id);
  if (transition == nullptr) {
    SendJiraError(call.res, 400,
                  {fmt::format("Transition id '{}' is not valid for this issue.", id)});
    return;
  }

  Issue moved = *issue;
  Json errors = Json::object();
  moved.resolution_id.clear();
  moved.resolved = 0;
  if (transition->resolution_screen) {
    moved.resolution_id = Resolutions().front().id;
    moved.resolved = call.core.NowMillis();
  }
  const Json fields = ObjectMember(body, "fields");
  for (const auto& [field, value] : fields.items()) {
    const NamedDef* resolution = FindResolution(RefOf(value, {"id", "name"}));
    if (!transition->resolution_screen || field != "resolution") {
      errors[field] = CannotSet(field);
    } else if (resolution == nullptr) {
      errors["resolution"] = "Specify a valid resolution.";
    } else {
      moved.resolution_id = resolution->id;
    }
  }
  std::vector<Json> comments;
  const Json update = ObjectMember(body, "update");
  for (const auto& [field, operations] : update.items()) {
    if (!transition->resolution_screen || field != "comment" || !operations.is_array()) {
      errors[field] = CannotSet(field);
      continue;
    }
    for (const auto& operation : operations) {
      const Json comment = operation.is_object() && operation.contains("add")
                               ? operation["add"].value("body", Json())
                               : Json();
      if (!IsAdf(comment)) {
        errors["comment"] = "Comment body is not a valid Atlassian Document.";
      }
      comments.push_back(comment);
    }
  }
  if (!errors.empty()) {
    SendJiraError(call.res, 400, {}, errors);
    return;
  }

  moved.status_id = transition->to_status_id;
  const std::int64_t now = call.core.NowMillis();
  for (const auto& comment : comments) {
    moved.comments.push_back(Comment{.id = call.site.NewId(),
                                     .author = call.user.account_id,
                                     .body = comment,
                                     .created = now,
                                     .updated = now});
  }
  const Issue before = *issue;
  *issue = std::move(moved);
  Record(call, before, *issue);
  SendEmpty(call.res, 204);
}

// ---- comments ----

Comment* LookupComment(JiraCall& call, Issue& issue) {
  const std::string id = call.Param(2);
  for (auto& comment : issue.comments) {
    if (comment.id == id) {
      return &comment;
    }
  }
  SendJiraError(call.res, 404, {fmt::format("Can not find a comment for the id: {}.", id)});
  return nullptr;
}

void GetComments(JiraCall& call) {
  const Issue* issue = LookupIssue(call);
  const std::int64_t start = IntParam(call.req, "startAt", 0);
  const std::int64_t max = IntParam(call.req, "maxResults", 100);
  if (issue == nullptr) {
    return;
  }
  if (start < 0 || max < 0) {
    SendJiraError(call.res, 400, {"startAt and maxResults must be non-negative integers."});
    return;
  }
  std::vector<const Comment*> ordered;
  ordered.reserve(issue->comments.size());
  for (const auto& comment : issue->comments) {
    ordered.push_back(&comment);
  }
  if (call.req.get_param_value("orderBy") == "-created") {
    std::reverse(ordered.begin(), ordered.end());
  }
  Json comments = Json::array();
  for (std::size_t i = static_cast<std::size_t>(start);
       i < ordered.size() &&
       comments.size() < static_cast<std::size_t>(std::min<std::int64_t>(max, 5000));
       ++i) {
    comments.push_back(RenderComment(call, *issue, *ordered[i]));
  }
  SendJson(
      call.res, 200,
      {{"startAt", start}, {"maxResults", max}, {"total", ordered.size()}, {"comments", comments}});
}

bool ReadCommentBody(JiraCall& call, Json& body) {
  if (!call.Body(body)) {
    return false;
  }
  if (!body.contains("body") || body["body"].is_null()) {
    SendJiraError(call.res, 400, {}, {{"comment", "Comment body can not be empty!"}});
    return false;
  }
  if (!IsAdf(body["body"])) {
    SendJiraError(call.res, 400, {},
                  {{"comment", "Comment body is not a valid Atlassian Document."}});
    return false;
  }
  return true;
}

void PostComment(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Json body;
  if (issue == nullptr || !ReadCommentBody(call, body)) {
    return;
  }
  const std::int64_t now = call.core.NowMillis();
  issue->comments.push_back(Comment{.id = call.site.NewId(),
                                    .author = call.user.account_id,
                                    .body = body["body"],
                                    .visibility = body.value("visibility", Json()),
                                    .created = now,
                                    .updated = now});
  issue->updated = now;
  call.mutated = true;
  SendJson(call.res, 201, RenderComment(call, *issue, issue->comments.back()));
}

void GetComment(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Comment* comment = issue == nullptr ? nullptr : LookupComment(call, *issue);
  if (comment != nullptr) {
    SendJson(call.res, 200, RenderComment(call, *issue, *comment));
  }
}

void PutComment(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Comment* comment = issue == nullptr ? nullptr : LookupComment(call, *issue);
  Json body;
  if (comment == nullptr || !ReadCommentBody(call, body)) {
    return;
  }
  if (comment->author != call.user.account_id && !call.user.admin) {
    SendJiraError(call.res, 403, {"You do not have the permission to edit this comment."});
    return;
  }
  comment->body = body["body"];
  if (body.contains("visibility")) {
    comment->visibility = body["visibility"];
  }
  comment->updated = call.core.NowMillis();
  call.mutated = true;
  SendJson(call.res, 200, RenderComment(call, *issue, *comment));
}

void DeleteComment(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  const Comment* comment = issue == nullptr ? nullptr : LookupComment(call, *issue);
  if (comment == nullptr) {
    return;
  }
  const std::string id = comment->id;
  std::erase_if(issue->comments, [&](const Comment& c) { return c.id == id; });
  call.mutated = true;
  SendEmpty(call.res, 204);
}

// ---- worklogs ----

// "1w 2d 3h 30m" with Jira's 8-hour days and 5-day weeks; false when malformed.
bool ParseDuration(const std::string& text, std::int64_t& seconds) {
  seconds = 0;
  std::size_t at = 0;
  bool any = false;
  while (at < text.size()) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    std::int64_t number = 0;
    const std::size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0 &&
           at - start < 6) {
      number = number * 10 + (text[at++] - '0');
    }
    if (at == start || at >= text.size()) {
      return false;
    }
    const char unit = text[at++];
    const std::int64_t scale = unit == 'w'   ? 5 * 8 * 3600
                               : unit == 'd' ? 8 * 3600
                               : unit == 'h' ? 3600
                               : unit == 'm' ? 60
                                             : 0;
    if (scale == 0) {
      return false;
    }
    seconds += number * scale;
    any = true;
  }
  return any && seconds > 0;
}

void GetWorklogs(JiraCall& call) {
  const Issue* issue = LookupIssue(call);
  const std::int64_t start = IntParam(call.req, "startAt", 0);
  const std::int64_t max = IntParam(call.req, "maxResults", 5000);
  if (issue == nullptr) {
    return;
  }
  if (start < 0 || max < 0) {
    SendJiraError(call.res, 400, {"startAt and maxResults must be non-negative integers."});
    return;
  }
  Json worklogs = Json::array();
  for (std::size_t i = static_cast<std::size_t>(start);
       i < issue->worklogs.size() &&
       worklogs.size() < static_cast<std::size_t>(std::min<std::int64_t>(max, 5000));
       ++i) {
    worklogs.push_back(RenderWorklog(call, *issue, issue->worklogs[i]));
  }
  SendJson(call.res, 200,
           {{"startAt", start},
            {"maxResults", max},
            {"total", issue->worklogs.size()},
            {"worklogs", worklogs}});
}

void PostWorklog(JiraCall& call) {
  Issue* issue = LookupIssue(call);
  Json body;
  if (issue == nullptr || !call.Body(body)) {
    return;
  }
  std::int64_t seconds = 0;
  if (body.contains("timeSpentSeconds") && body["timeSpentSeconds"].is_number_integer()) {
    seconds = body["timeSpentSeconds"].get<std::int64_t>();
  } else if (!body.contains("timeSpent") || !body["timeSpent"].is_string() ||
             !ParseDuration(body["timeSpent"].get<std::string>(), seconds)) {
    seconds = 0;
  }
  if (seconds <= 0) {
    SendJiraError(call.res, 400, {}, {{"timeLogged", "You must indicate the time spent working."}});
    return;
  }
  const std::int64_t now = call.core.NowMillis();
  std::int64_t started = now;
  if (body.contains("started") &&
      (!body["started"].is_string() || !ParseTime(body["started"].get<std::string>(), started))) {
    SendJiraError(call.res, 400, {}, {{"started", "The started date is invalid."}});
    return;
  }
  const Json comment = body.value("comment", Json());
  if (!comment.is_null() && !IsAdf(comment)) {
    SendJiraError(call.res, 400, {}, {{"comment", "Comment is not a valid Atlassian Document."}});
    return;
  }
  issue->worklogs.push_back(Worklog{.id = call.site.NewId(),
                                    .author = call.user.account_id,
                                    .comment = comment,
                                    .started = started,
                                    .seconds = seconds,
                                    .created = now,
                                    .updated = now});
  issue->updated = now;
  call.mutated = true;
  SendJson(call.res, 201, RenderWorklog(call, *issue, issue->worklogs.back()));
}

// ---- links ----

Json RenderLink(const JiraCall& call, const Link& link) {
  const LinkTypeDef* type = FindLinkType(link.type_id);
  const Issue* inward = call.site.FindIssue(link.inward_issue_id);
  const Issue* outward = call.site.FindIssue(link.outward_issue_id);
  return {{"id", link.id},
          {"self", call.api + "/rest/api/3/issueLink/" + link.id},
          {"type", RenderLinkType(call, *type)},
          {"inwardIssue", RenderLinkedIssue(call, *inward)},
          {"outwardIssue", RenderLinkedIssue(call, *outward)}};
}

void PostLink(JiraCall& call) {
  Json body;
  if (!call.Body(body)) {
    return;
  }
  const std::string type_name = RefOf(body.value("type", Json()), {"name", "id"});
  const LinkTypeDef* type = FindLinkType(type_name);
  if (type == nullptr) {
    SendJiraError(call.res, 404,
                  {fmt::format("No issue link type with name '{}' found.", type_name)});
    return;
  }
  Issue* inward = call.site.FindIssue(RefOf(body.value("inwardIssue", Json()), {"key", "id"}));
  Issue* outward = call.site.FindIssue(RefOf(body.value("outwardIssue", Json()), {"key", "id"}));
  if (inward == nullptr || outward == nullptr) {
    SendJiraError(call.res, 404, {"Issue Does Not Exist"});
    return;
  }
  if (inward->id == outward->id) {
    SendJiraError(call.res, 400, {"You cannot link an issue to itself."});
    return;
  }
  // Jira keeps one link of a type between two issues in one direction: linking them again
  // answers 201 and adds nothing.
  const bool exists =
      std::any_of(call.site.links.begin(), call.site.links.end(), [&](const Link& link) {
        return link.type_id == type->id && link.inward_issue_id == inward->id &&
               link.outward_issue_id == outward->id;
      });
  if (exists) {
    SendJson(call.res, 201, Json::object());
    return;
  }
  call.site.links.push_back(Link{.id = call.site.NewId(),
                                 .type_id = type->id,
                                 .inward_issue_id = inward->id,
                                 .outward_issue_id = outward->id});
  const Json comment = body.value("comment", Json());
  const std::int64_t now = call.core.NowMillis();
  if (comment.is_object() && IsAdf(comment.value("body", Json()))) {
    inward->comments.push_back(Comment{.id = call.site.NewId(),
                                       .author = call.user.account_id,
                                       .body = comment["body"],
                                       .created = now,
                                       .updated = now});
  }
  inward->updated = outward->updated = now;
  call.mutated = true;
  // Jira answers 201 with an empty body; the OpenAPI document promises JSON, and a contract
  // checker cannot parse nothing, so the sandbox sends an empty object. Clients must accept both.
  SendJson(call.res, 201, Json::object());
  call.res.set_header("Location", call.api + "/rest/api/3/issueLink/" + call.site.links.back().id);
}

Link* LookupLink(JiraCall& call) {
  const std::string id = call.Param(1);
  for (auto& link : call.site.links) {
    if (link.id == id) {
      return &link;
    }
  }
  SendJiraError(call.res, 404, {fmt::format("No issue link with id '{}' exists.", id)});
  return nullptr;
}

void GetLink(JiraCall& call) {
  if (const Link* link = LookupLink(call)) {
    SendJson(call.res, 200, RenderLink(call, *link));
  }
}

void DeleteLink(JiraCall& call) {
  const Link* link = LookupLink(call);
  if (link == nullptr) {
    return;
  }
  const std::string id = link->id;
  std::erase_if(call.site.links, [&](const Link& l) { return l.id == id; });
  call.mutated = true;
  SendEmpty(call.res, 204);
}

void GetLinkTypes(JiraCall& call) {
  Json types = Json::array();
  for (const auto& type : LinkTypes()) {
    types.push_back(RenderLinkType(call, type));
  }
  SendJson(call.res, 200, {{"issueLinkTypes", types}});
}

void GetLinkType(JiraCall& call) {
  const LinkTypeDef* type = FindLinkType(call.Param(1));
  if (type == nullptr || type->id != call.Param(1)) {
    SendJiraError(call.res, 404,
                  {fmt::format("No issue link type with id '{}' exists.", call.Param(1))});
    return;
  }
  SendJson(call.res, 200, RenderLinkType(call, *type));
}

// ---- changelog ----

void GetChangelog(JiraCall& call) {
  const Issue* issue = LookupIssue(call);
  const std::int64_t start = IntParam(call.req, "startAt", 0);
  const std::int64_t max = IntParam(call.req, "maxResults", 100);
  if (issue == nullptr) {
    return;
  }
  if (start < 0 || max <= 0) {
    SendJiraError(call.res, 400, {"startAt and maxResults must be non-negative integers."});
    return;
  }
  Json values = Json::array();
  const auto total = static_cast<std::int64_t>(issue->changelog.size());
  for (std::int64_t i = start; i < total && i < start + max; ++i) {
    values.push_back(RenderChangelog(call, issue->changelog[static_cast<std::size_t>(i)]));
  }
  SendJson(call.res, 200,
           {{"self", fmt::format("{}/rest/api/3/issue/{}/changelog?startAt={}&maxResults={}",
                                 call.api, issue->key, start, max)},
            {"maxResults", max},
            {"startAt", start},
            {"total", total},
            {"isLast", start + max >= total},
            {"values", values}});
}

}  // namespace

void RegisterIssueRoutes(httplib::Server& server, ServerCore& core) {
  const std::string issue = "/rest/api/3/issue/([^/]+)";
  JiraRoute(server, core, "POST", "/rest/api/3/issue", "write:jira-work", PostIssue);
  JiraRoute(server, core, "POST", "/rest/api/3/issue/bulk", "write:jira-work", PostBulk);
  JiraRoute(server, core, "GET", issue, "read:jira-work", GetIssue);
  JiraRoute(server, core, "PUT", issue, "write:jira-work", PutIssue);
  JiraRoute(server, core, "DELETE", issue, "write:jira-work", DeleteIssue);
  JiraRoute(server, core, "PUT", issue + "/assignee", "write:jira-work", PutAssignee);
  JiraRoute(server, core, "GET", issue + "/transitions", "read:jira-work", GetTransitions);
  JiraRoute(server, core, "POST", issue + "/transitions", "write:jira-work", PostTransition);
  JiraRoute(server, core, "GET", issue + "/comment", "read:jira-work", GetComments);
  JiraRoute(server, core, "POST", issue + "/comment", "write:jira-work", PostComment);
  JiraRoute(server, core, "GET", issue + "/comment/([^/]+)", "read:jira-work", GetComment);
  JiraRoute(server, core, "PUT", issue + "/comment/([^/]+)", "write:jira-work", PutComment);
  JiraRoute(server, core, "DELETE", issue + "/comment/([^/]+)", "write:jira-work", DeleteComment);
  JiraRoute(server, core, "GET", issue + "/worklog", "read:jira-work", GetWorklogs);
  JiraRoute(server, core, "POST", issue + "/worklog", "write:jira-work", PostWorklog);
  JiraRoute(server, core, "GET", issue + "/changelog", "read:jira-work", GetChangelog);
  JiraRoute(server, core, "POST", "/rest/api/3/issueLink", "write:jira-work", PostLink);
  JiraRoute(server, core, "GET", "/rest/api/3/issueLink/([^/]+)", "read:jira-work", GetLink);
  JiraRoute(server, core, "DELETE", "/rest/api/3/issueLink/([^/]+)", "write:jira-work", DeleteLink);
  JiraRoute(server, core, "GET", "/rest/api/3/issueLinkType", "read:jira-work", GetLinkTypes);
  JiraRoute(server, core, "GET", "/rest/api/3/issueLinkType/([^/]+)", "read:jira-work",
            GetLinkType);
}

}  // namespace sandbox
