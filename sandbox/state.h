// The sandbox's data: demo users, Jira sites and everything in them, plus the fixed catalog
// (statuses, workflow, priorities, issue types, link types, fields) every site shares.
//
// Plain structs; the server guards one State with one mutex. The whole State converts to and
// from JSON for --state files (ToJson/FromJson). Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sandbox {

using Json = nlohmann::json;

// The one resource the zone issues Jira tokens for (DESIGN.md §3), and the Jira scopes it knows:
// the platform's classic scopes, Jira Software's board and sprint scopes, and the granular
// platform scopes that Jira Software's API documents beside them.
inline constexpr std::string_view kJiraResource = "https://api.atlassian.com/ex/jira";
inline constexpr std::string_view kJiraScopes[] = {"read:jira-work",
                                                   "write:jira-work",
                                                   "read:jira-user",
                                                   "manage:jira-project",
                                                   "manage:jira-configuration",
                                                   "read:board-scope:jira-software",
                                                   "write:board-scope:jira-software",
                                                   "read:sprint:jira-software",
                                                   "write:sprint:jira-software",
                                                   "read:project:jira",
                                                   "read:issue-details:jira",
                                                   "read:jql:jira"};

struct User {
  std::string account_id;
  std::string login;  // what --print-token and the password grant take
  std::string display_name;
  std::string email;
  std::string time_zone;
  std::vector<std::string> sites;  // cloud ids this user can reach
  std::string denied_by_policy;    // non-empty: the zone's policy refuses exchanges for them
  bool consented = true;           // false: exchanges fail with consent_required
  bool admin = false;              // a Jira administrator (field search, configuration)
};

struct Comment {
  std::string id;
  std::string author;  // account id
  Json body;           // ADF document
  Json visibility;     // {"type","value"} or null
  std::int64_t created = 0;
  std::int64_t updated = 0;
};

struct Worklog {
  std::string id;
  std::string author;
  Json comment;  // ADF document or null
  std::int64_t started = 0;
  std::int64_t seconds = 0;
  std::int64_t created = 0;
  std::int64_t updated = 0;
};

struct ChangeItem {
  std::string field;
  std::string from;
  std::string from_string;
  std::string to;
  std::string to_string;
};

struct History {
  std::string id;
  std::string author;
  std::int64_t created = 0;
  std::vector<ChangeItem> items;
};

struct Issue {
  std::string id;
  std::string key;
  std::string project_id;
  std::string issue_type_id;
  std::string summary;
  Json description;  // ADF document or null
  std::string status_id;
  std::string priority_id;
  std::string resolution_id;  // empty: unresolved
  std::string assignee;       // account id; empty: unassigned
  std::string reporter;
  std::vector<std::string> labels;
  std::string parent_id;         // empty: no parent
  std::int64_t sprint_id = 0;    // 0: backlog
  Json custom = Json::object();  // customfield_NNNNN -> value
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t resolved = 0;
  std::vector<Comment> comments;
  std::vector<Worklog> worklogs;
  std::vector<History> changelog;
};

struct Link {
  std::string id;
  std::string type_id;
  // As in POST /issueLink: the inward issue's page reads "<outward text> <outward issue>"
  // ("A blocks B"), the outward issue's page "<inward text> <inward issue>" ("B is blocked by A").
  std::string inward_issue_id;
  std::string outward_issue_id;
};

struct Project {
  std::string id;
  std::string key;
  std::string name;
  std::string type;  // "software" or "business"
  std::string lead;  // account id
  std::string description;
  std::vector<std::string> issue_type_ids;
  int next_number = 1;
};

struct Board {
  std::int64_t id = 0;
  std::string name;
  std::string type;  // "scrum" or "kanban"
  std::string project_id;
};

struct Sprint {
  std::int64_t id = 0;
  std::int64_t board_id = 0;
  std::string name;
  std::string state;  // "closed", "active", "future"
  std::string goal;
  std::int64_t start = 0;  // 0: not set
  std::int64_t end = 0;
  std::int64_t complete = 0;
};

struct Site {
  std::string cloud_id;
  std::string name;
  std::string url;
  std::vector<Project> projects;
  std::vector<Issue> issues;
  std::vector<Link> links;
  std::vector<Board> boards;
  std::vector<Sprint> sprints;
  std::int64_t next_id = 10000;  // issues, comments, worklogs, links, histories

  std::string NewId() { return std::to_string(next_id++); }
  Issue* FindIssue(std::string_view id_or_key);
  const Issue* FindIssue(std::string_view id_or_key) const;
  Project* FindProject(std::string_view id_or_key);
  const Project* FindProject(std::string_view id_or_key) const;
  const Project* ProjectOf(const Issue& issue) const;
  const Board* FindBoard(std::int64_t id) const;
  Sprint* FindSprint(std::int64_t id);
  const Sprint* FindSprint(std::int64_t id) const;
};

struct State {
  std::vector<User> users;
  std::vector<Site> sites;

  const User* FindUser(std::string_view account_id) const;
  // By account id, login or e-mail (case-insensitive for the last two).
  const User* FindUserByName(std::string_view name) const;
  Site* FindSite(std::string_view cloud_id);
};

Json ToJson(const State& state);
core::Result<State> FromJson(const Json& json);

// ---- the catalog shared by every site ----

struct StatusDef {
  std::string id;
  std::string name;
  std::string description;
  int category_id;  // 2 new, 4 indeterminate, 3 done
};

struct TransitionDef {
  std::string id;
  std::string name;
  std::string to_status_id;
  std::vector<std::string> from_status_ids;
  bool resolution_screen = false;  // the Done screen: resolution (and a comment) may be set
};

struct NamedDef {
  std::string id;
  std::string name;
  std::string description;
};

struct IssueTypeDef {
  std::string id;
  std::string name;
  std::string description;
  int hierarchy_level;  // 1 epic, 0 standard, -1 subtask
  int avatar_id;
};

struct LinkTypeDef {
  std::string id;
  std::string name;
  std::string inward;
  std::string outward;
};

struct FieldDef {
  std::string id;
  std::string name;
  bool custom;
  bool searchable;
  std::string type;    // JsonTypeBean type
  std::string items;   // for arrays
  std::string system;  // system field name, or custom type key
  std::vector<std::string> clause_names;
};

const std::vector<StatusDef>& Statuses();
const std::vector<TransitionDef>& Transitions();
const std::vector<NamedDef>& Priorities();
const std::vector<NamedDef>& Resolutions();
const std::vector<IssueTypeDef>& IssueTypes();
const std::vector<LinkTypeDef>& LinkTypes();
const std::vector<FieldDef>& Fields();

const StatusDef* FindStatus(std::string_view id_or_name);
const NamedDef* FindPriority(std::string_view id_or_name);
const NamedDef* FindResolution(std::string_view id_or_name);
const IssueTypeDef* FindIssueType(std::string_view id_or_name);
const LinkTypeDef* FindLinkType(std::string_view id_or_name);
const FieldDef* FindField(std::string_view id_or_name);

inline constexpr std::string_view kDefaultPriorityId = "3";
inline constexpr std::string_view kSprintField = "customfield_10020";
inline constexpr std::string_view kStoryPointsField = "customfield_10016";

// Jira's timestamp form, "2025-01-06T09:15:00.000+0000" (UTC).
std::string FormatTime(std::int64_t millis);
// Accepts "YYYY-MM-DD", "YYYY/MM/DD", optional " HH:MM", and full ISO forms; UTC.
bool ParseTime(std::string_view text, std::int64_t& millis);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string Lower(std::string_view text);

}  // namespace sandbox
