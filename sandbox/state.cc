#include "sandbox/state.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace sandbox {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(User, account_id, login, display_name, email,
                                                time_zone, sites, denied_by_policy, consented,
                                                admin)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Comment, id, author, body, visibility, created,
                                                updated)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Worklog, id, author, comment, started, seconds,
                                                created, updated)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ChangeItem, field, from, from_string, to, to_string)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(History, id, author, created, items)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Issue, id, key, project_id, issue_type_id, summary,
                                                description, status_id, priority_id, resolution_id,
                                                assignee, reporter, labels, parent_id, sprint_id,
                                                custom, created, updated, resolved, comments,
                                                worklogs, changelog)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Link, id, type_id, inward_issue_id,
                                                outward_issue_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Project, id, key, name, type, lead, description,
                                                issue_type_ids, next_number)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Board, id, name, type, project_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Sprint, id, board_id, name, state, goal, start, end,
                                                complete)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Site, cloud_id, name, url, projects, issues, links,
                                                boards, sprints, next_id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(State, users, sites)

namespace {

constexpr int kStateVersion = 1;

template <typename T>
const T* FindDef(const std::vector<T>& defs, std::string_view id_or_name) {
  for (const auto& def : defs) {
    if (def.id == id_or_name || EqualsIgnoreCase(def.name, id_or_name)) {
      return &def;
    }
  }
  return nullptr;
}

bool ReadNumber(std::string_view text, std::size_t& at, std::size_t digits, int& out) {
  if (at + digits > text.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[at + i];
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
    out = out * 10 + (c - '0');
  }
  at += digits;
  return true;
}

}  // namespace

// ---- lookups ----

Issue* Site::FindIssue(std::string_view id_or_key) {
  for (auto& issue : issues) {
    if (issue.id == id_or_key || EqualsIgnoreCase(issue.key, id_or_key)) {
      return &issue;
    }
  }
  return nullptr;
}

const Issue* Site::FindIssue(std::string_view id_or_key) const {
  return const_cast<Site*>(this)->FindIssue(
      id_or_key);  // NOLINT(cppcoreguidelines-pro-type-const-cast): one lookup, two constnesses
}

Project* Site::FindProject(std::string_view id_or_key) {
  for (auto& project : projects) {
    if (project.id == id_or_key || EqualsIgnoreCase(project.key, id_or_key)) {
      return &project;
    }
  }
  return nullptr;
}

const Project* Site::FindProject(std::string_view id_or_key) const {
  return const_cast<Site*>(this)->FindProject(
      id_or_key);  // NOLINT(cppcoreguidelines-pro-type-const-cast): as above
}

const Project* Site::ProjectOf(const Issue& issue) const { return FindProject(issue.project_id); }

const Board* Site::FindBoard(std::int64_t id) const {
  auto it = std::find_if(boards.begin(), boards.end(), [&](const Board& b) { return b.id == id; });
  return it == boards.end() ? nullptr : &*it;
}

Sprint* Site::FindSprint(std::int64_t id) {
  auto it =
      std::find_if(sprints.begin(), sprints.end(), [&](const Sprint& s) { return s.id == id; });
  return it == sprints.end() ? nullptr : &*it;
}

const Sprint* Site::FindSprint(std::int64_t id) const {
  return const_cast<Site*>(this)->FindSprint(
      id);  // NOLINT(cppcoreguidelines-pro-type-const-cast): as above
}

const User* State::FindUser(std::string_view account_id) const {
  auto it = std::find_if(users.begin(), users.end(),
                         [&](const User& u) { return u.account_id == account_id; });
  return it == users.end() ? nullptr : &*it;
}

const User* State::FindUserByName(std::string_view name) const {
  for (const auto& user : users) {
    if (user.account_id == name || EqualsIgnoreCase(user.login, name) ||
        EqualsIgnoreCase(user.email, name)) {
      return &user;
    }
  }
  return nullptr;
}

Site* State::FindSite(std::string_view cloud_id) {
  auto it = std::find_if(sites.begin(), sites.end(),
                         [&](const Site& s) { return s.cloud_id == cloud_id; });
  return it == sites.end() ? nullptr : &*it;
}

// ---- JSON ----

Json ToJson(const State& state) {
  Json json = state;
  json["version"] = kStateVersion;
  return json;
}

core::Result<State> FromJson(const Json& json) {
  if (!json.is_object() || json.value("version", 0) != kStateVersion) {
    return core::Status(core::Code::kInvalidArgument, "not a sandbox state file (version 1)");
  }
  try {
    State state = json.get<State>();
    if (state.users.empty() || state.sites.empty()) {
      return core::Status(core::Code::kInvalidArgument, "the state file has no users or sites");
    }
    return state;
  } catch (const Json::exception& e) {
    return core::Status(core::Code::kInvalidArgument, "the state file is malformed", e.what());
  }
}

// ---- catalog ----

const std::vector<StatusDef>& Statuses() {
  static const std::vector<StatusDef> kStatuses = {
      {"10000", "To Do", "Work that has not been started.", 2},
      {"3", "In Progress", "This issue is being actively worked on.", 4},
      {"10001", "In Review", "Waiting for a reviewer.", 4},
      {"10002", "Done", "Work that is finished.", 3},
  };
  return kStatuses;
}

// To Do -> In Progress -> In Review -> Done, with the way back open; Done asks for a resolution.
const std::vector<TransitionDef>& Transitions() {
  static const std::vector<TransitionDef> kTransitions = {
      {"11", "To Do", "10000", {"3", "10001", "10002"}, false},
      {"21", "In Progress", "3", {"10000", "10001"}, false},
      {"31", "In Review", "10001", {"3"}, false},
      {"41", "Done", "10002", {"3", "10001"}, true},
  };
  return kTransitions;
}

const std::vector<NamedDef>& Priorities() {
  static const std::vector<NamedDef> kPriorities = {
      {"1", "Highest", "This problem will block progress."},
      {"2", "High", "Serious problem that could block progress."},
      {"3", "Medium", "Has the potential to affect progress."},
      {"4", "Low", "Minor problem or easily worked around."},
      {"5", "Lowest", "Trivial problem with little or no impact on progress."},
  };
  return kPriorities;
}

const std::vector<NamedDef>& Resolutions() {
  static const std::vector<NamedDef> kResolutions = {
      {"10000", "Done", "Work has been completed on this issue."},
      {"10001", "Won't Do", "This issue won't be actioned."},
      {"10002", "Duplicate", "The problem is a duplicate of an existing issue."},
      {"10003", "Cannot Reproduce", "All attempts at reproducing this issue failed."},
  };
  return kResolutions;
}

const std::vector<IssueTypeDef>& IssueTypes() {
  static const std::vector<IssueTypeDef> kTypes = {
      {"10000", "Epic", "A big user story that needs to be broken down.", 1, 10307},
      {"10001", "Story", "Functionality or a feature expressed as a user goal.", 0, 10315},
      {"10002", "Task", "A small, distinct piece of work.", 0, 10318},
      {"10003", "Bug", "A problem or error.", 0, 10303},
      {"10004", "Subtask", "A small piece of work that's part of a larger task.", -1, 10316},
  };
  return kTypes;
}

const std::vector<LinkTypeDef>& LinkTypes() {
  static const std::vector<LinkTypeDef> kTypes = {
      {"10000", "Blocks", "is blocked by", "blocks"},
      {"10001", "Cloners", "is cloned by", "clones"},
      {"10002", "Duplicate", "is duplicated by", "duplicates"},
      {"10003", "Relates", "relates to", "relates to"},
  };
  return kTypes;
}

const std::vector<FieldDef>& Fields() {
  static const std::vector<FieldDef> kFields = {
      {"summary", "Summary", false, true, "string", "", "summary", {"summary"}},
      {"description", "Description", false, true, "string", "", "description", {"description"}},
      {"status", "Status", false, true, "status", "", "status", {"status"}},
      {"assignee", "Assignee", false, true, "user", "", "assignee", {"assignee"}},
      {"reporter", "Reporter", false, true, "user", "", "reporter", {"reporter"}},
      {"priority", "Priority", false, true, "priority", "", "priority", {"priority"}},
      {"labels", "Labels", false, true, "array", "string", "labels", {"labels"}},
      {"issuetype", "Issue Type", false, true, "issuetype", "", "issuetype", {"issuetype", "type"}},
      {"project", "Project", false, true, "project", "", "project", {"project"}},
      {"created", "Created", false, true, "datetime", "", "created", {"created", "createdDate"}},
      {"updated", "Updated", false, true, "datetime", "", "updated", {"updated", "updatedDate"}},
      {"resolution", "Resolution", false, true, "resolution", "", "resolution", {"resolution"}},
      {"resolutiondate",
       "Resolved",
       false,
       true,
       "datetime",
       "",
       "resolutiondate",
       {"resolutiondate", "resolved"}},
      {"parent", "Parent", false, true, "issuelink", "", "parent", {"parent"}},
      {"subtasks", "Sub-tasks", false, false, "array", "issuelinks", "subtasks", {"subtasks"}},
      {"issuelinks",
       "Linked Issues",
       false,
       false,
       "array",
       "issuelinks",
       "issuelinks",
       {"issueLink"}},
      {"comment", "Comment", false, true, "comments-page", "", "comment", {"comment"}},
      {"worklog", "Log Work", false, false, "array", "worklog", "worklog", {"worklog"}},
      {"statuscategory",
       "Status Category",
       false,
       true,
       "statusCategory",
       "",
       "statusCategory",
       {"statusCategory"}},
      {std::string(kSprintField),
       "Sprint",
       true,
       true,
       "array",
       "json",
       "com.pyxis.greenhopper.jira:gh-sprint",
       {"sprint", "cf[10020]"}},
      {std::string(kStoryPointsField),
       "Story point estimate",
       true,
       true,
       "number",
       "",
       "com.pyxis.greenhopper.jira:jsw-story-points",
       {"cf[10016]", "Story point estimate"}},
  };
  return kFields;
}

const StatusDef* FindStatus(std::string_view id_or_name) { return FindDef(Statuses(), id_or_name); }
const NamedDef* FindPriority(std::string_view id_or_name) {
  return FindDef(Priorities(), id_or_name);
}
const NamedDef* FindResolution(std::string_view id_or_name) {
  return FindDef(Resolutions(), id_or_name);
}
const IssueTypeDef* FindIssueType(std::string_view id_or_name) {
  return FindDef(IssueTypes(), id_or_name);
}
const LinkTypeDef* FindLinkType(std::string_view id_or_name) {
  return FindDef(LinkTypes(), id_or_name);
}
const FieldDef* FindField(std::string_view id_or_name) { return FindDef(Fields(), id_or_name); }

// ---- time and text ----

std::string FormatTime(std::int64_t millis) {
  using std::chrono::duration_cast;
  const std::chrono::sys_time<std::chrono::milliseconds> point{std::chrono::milliseconds(millis)};
  const auto day = std::chrono::floor<std::chrono::days>(point);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{point - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
                     static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                     static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

bool ParseTime(std::string_view text, std::int64_t& millis) {
  std::size_t at = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  if (!ReadNumber(text, at, 4, year) || at >= text.size() || (text[at] != '-' && text[at] != '/')) {
    return false;
  }
  ++at;
  if (!ReadNumber(text, at, 2, month) || at >= text.size() ||
      (text[at] != '-' && text[at] != '/')) {
    return false;
  }
  ++at;
  if (!ReadNumber(text, at, 2, day)) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month(month),
                                         std::chrono::day(day)};
  if (!date.ok()) {
    return false;
  }
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (at < text.size() && (text[at] == ' ' || text[at] == 'T')) {
    ++at;
    if (!ReadNumber(text, at, 2, hour) || at >= text.size() || text[at] != ':' ||
        !ReadNumber(text, ++at, 2, minute)) {
      return false;
    }
    if (at < text.size() && text[at] == ':' && !ReadNumber(text, ++at, 2, second)) {
      return false;
    }
    // Fractions and a UTC offset of +0000/Z are accepted and ignored.
    while (at < text.size() && (text[at] == '.' || text[at] == '+' || text[at] == 'Z' ||
                                std::isdigit(static_cast<unsigned char>(text[at])) != 0)) {
      ++at;
    }
  }
  if (at != text.size() || hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  const auto days = std::chrono::sys_days{date}.time_since_epoch();
  millis = std::chrono::duration_cast<std::chrono::milliseconds>(days).count() +
           ((hour * 60LL + minute) * 60LL + second) * 1000LL;
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace sandbox
