// Jira Software's Agile API (/rest/agile/1.0): boards, sprints, sprint and backlog issues, and
// moving issues between sprints and the backlog. Each route takes the Jira Software scope its
// API documents (*:board-scope:jira-software, *:sprint:jira-software) or the platform's classic
// read:jira-work / write:jira-work, which Jira Software also accepts.
#include <fmt/format.h>

#include <algorithm>

#include "sandbox/internal.h"
#include "sandbox/search.h"

namespace sandbox {
namespace {

constexpr std::size_t kMaxMove = 50;

bool ReadPage(JiraCall& call, std::int64_t& start, std::int64_t& max) {
  start = IntParam(call.req, "startAt", 0);
  max = IntParam(call.req, "maxResults", 50);
  if (start < 0 || max < 0) {
    SendJiraError(call.res, 400, {"startAt and maxResults must be non-negative integers."});
    return false;
  }
  return true;
}

std::int64_t IdParam(const JiraCall& call, std::size_t index) {
  const std::string text = call.Param(index);
  if (text.empty() || text.size() > 15 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(text);
}

Json RenderBoard(const JiraCall& call, const Board& board) {
  const Project* project = call.site.FindProject(board.project_id);
  Json out = {{"id", board.id},
              {"self", fmt::format("{}/rest/agile/1.0/board/{}", call.api, board.id)},
              {"name", board.name},
              {"type", board.type}};
  if (project != nullptr) {
    out["location"] = {{"projectId", std::stoll(project->id)},
                       {"displayName", fmt::format("{} ({})", project->name, project->key)},
                       {"projectName", project->name},
                       {"projectKey", project->key},
                       {"projectTypeKey", project->type},
                       {"avatarURI", fmt::format("{}/avatars/project/{}?s=48",
                                                 call.core.settings.base_url, project->id)},
                       {"name", fmt::format("{} ({})", project->name, project->key)}};
  }
  return out;
}

Json RenderSprint(const JiraCall& call, const Sprint& sprint) {
  Json out = {{"id", sprint.id},
              {"self", fmt::format("{}/rest/agile/1.0/sprint/{}", call.api, sprint.id)},
              {"state", sprint.state},
              {"name", sprint.name},
              {"originBoardId", sprint.board_id},
              {"goal", sprint.goal}};
  if (sprint.start != 0) {
    out["startDate"] = FormatTime(sprint.start);
    out["endDate"] = FormatTime(sprint.end);
  }
  if (sprint.complete != 0) {
    out["completeDate"] = FormatTime(sprint.complete);
  }
  return out;
}

const Board* LookupBoard(JiraCall& call) {
  const Board* board = call.site.FindBoard(IdParam(call, 1));
  if (board == nullptr) {
    SendJiraError(call.res, 404,
                  {"The requested board cannot be viewed because it either does "
                   "not exist or you do not have permission to view it."});
  }
  return board;
}

Sprint* LookupSprint(JiraCall& call) {
  Sprint* sprint = call.site.FindSprint(IdParam(call, 1));
  if (sprint == nullptr) {
    SendJiraError(call.res, 404,
                  {"The requested sprint cannot be viewed because it either does "
                   "not exist or you do not have permission to view it."});
  }
  return sprint;
}

void GetBoards(JiraCall& call) {
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (!ReadPage(call, start, max)) {
    return;
  }
  const std::string type = call.req.get_param_value("type");
  const std::string name = Lower(call.req.get_param_value("name"));
  const std::string project = call.req.get_param_value("projectKeyOrId");
  const Project* wanted = project.empty() ? nullptr : call.site.FindProject(project);
  if (!project.empty() && wanted == nullptr) {
    SendJiraError(call.res, 400,
                  {fmt::format("No project could be found with key '{}'.", project)});
    return;
  }
  Json values = Json::array();
  std::int64_t total = 0;
  for (const auto& board : call.site.boards) {
    if ((!type.empty() && type != board.type) ||
        (!name.empty() && Lower(board.name).find(name) == std::string::npos) ||
        (wanted != nullptr && wanted->id != board.project_id)) {
      continue;
    }
    if (total >= start && total < start + max) {
      values.push_back(RenderBoard(call, board));
    }
    ++total;
  }
  SendJson(call.res, 200,
           {{"maxResults", max},
            {"startAt", start},
            {"total", total},
            {"isLast", start + max >= total},
            {"values", values}});
}

void GetBoard(JiraCall& call) {
  if (const Board* board = LookupBoard(call)) {
    SendJson(call.res, 200, RenderBoard(call, *board));
  }
}

void GetBoardSprints(JiraCall& call) {
  const Board* board = LookupBoard(call);
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (board == nullptr || !ReadPage(call, start, max)) {
    return;
  }
  if (board->type != "scrum") {
    SendJiraError(call.res, 400, {"The board does not support sprints"});
    return;
  }
  const auto states = ListParam(call.req, "state");
  Json values = Json::array();
  std::int64_t total = 0;
  for (const auto& sprint : call.site.sprints) {
    if (sprint.board_id != board->id ||
        (!states.empty() &&
         std::find(states.begin(), states.end(), sprint.state) == states.end())) {
      continue;
    }
    if (total >= start && total < start + max) {
      values.push_back(RenderSprint(call, sprint));
    }
    ++total;
  }
  SendJson(call.res, 200,
           {{"maxResults", max},
            {"startAt", start},
            {"isLast", start + max >= total},
            {"values", values}});
}

void GetSprint(JiraCall& call) {
  if (const Sprint* sprint = LookupSprint(call)) {
    SendJson(call.res, 200, RenderSprint(call, *sprint));
  }
}

// Agile issue lists: the issues `keep` selects, narrowed by an optional ?jql=.
void SendIssues(JiraCall& call, const std::function<bool(const Issue&)>& keep) {
  std::int64_t start = 0;
  std::int64_t max = 0;
  if (!ReadPage(call, start, max)) {
    return;
  }
  std::vector<const Issue*> candidates;
  const std::string jql = call.req.get_param_value("jql");
  if (!jql.empty()) {
    auto query = jql::Parse(jql);
    if (!query.ok()) {
      SendJiraError(call.res, 400, {query.status().message()});
      return;
    }
    auto result = RunQuery(*query, SearchContext{.state = call.core.state,
                                                 .site = call.site,
                                                 .current_account = call.user.account_id,
                                                 .now = call.core.NowMillis()});
    if (!result.ok()) {
      SendJiraError(call.res, 400, {result.status().message()});
      return;
    }
    candidates = std::move(*result);
  } else {
    for (const auto& issue : call.site.issues) {
      candidates.push_back(&issue);  // board order: rank, which here is creation order
    }
  }
  const FieldSelection fields = ParseFields(ListParam(call.req, "fields"), true);
  const auto expand = ListParam(call.req, "expand");
  Json issues = Json::array();
  std::int64_t total = 0;
  for (const Issue* issue : candidates) {
    if (!keep(*issue)) {
      continue;
    }
    if (total >= start && total < start + max) {
      issues.push_back(RenderIssue(call, *issue, fields, expand));
    }
    ++total;
  }
  SendJson(call.res, 200,
           {{"expand", "schema,names"},
            {"startAt", start},
            {"maxResults", max},
            {"total", total},
            {"issues", issues}});
}

void GetSprintIssues(JiraCall& call) {
  const Sprint* sprint = LookupSprint(call);
  if (sprint == nullptr) {
    return;
  }
  const std::int64_t id = sprint->id;
  SendIssues(call, [id](const Issue& issue) { return issue.sprint_id == id; });
}

// A scrum backlog: the board's open work that is in no active or future sprint.
void GetBacklog(JiraCall& call) {
  const Board* board = LookupBoard(call);
  if (board == nullptr) {
    return;
  }
  const std::string project = board->project_id;
  const Site& site = call.site;
  SendIssues(call, [project, &site](const Issue& issue) {
    if (issue.project_id != project) {
      return false;
    }
    const StatusDef* status = FindStatus(issue.status_id);
    const Sprint* sprint = issue.sprint_id == 0 ? nullptr : site.FindSprint(issue.sprint_id);
    const bool planned = sprint != nullptr && sprint->state != "closed";
    return !planned && status != nullptr && status->category_id != 3;
  });
}

// Reads {"issues": [...]} (keys or ids, at most 50); answers 400 and returns false on trouble.
bool ReadMove(JiraCall& call, std::vector<Issue*>& issues) {
  Json body;
  if (!call.Body(body)) {
    return false;
  }
  const Json list = body.value("issues", Json());
  if (!list.is_array() || list.empty() || list.size() > kMaxMove) {
    SendJiraError(call.res, 400, {fmt::format("Between 1 and {} issues must be given.", kMaxMove)});
    return false;
  }
  for (const auto& item : list) {
    Issue* issue = item.is_string() ? call.site.FindIssue(item.get<std::string>()) : nullptr;
    if (issue == nullptr) {
      SendJiraError(call.res, 400,
                    {fmt::format("Issue '{}' does not exist.",
                                 item.is_string() ? item.get<std::string>() : item.dump())});
      return false;
    }
    issues.push_back(issue);
  }
  return true;
}

void MoveIssues(JiraCall& call, const std::vector<Issue*>& issues, std::int64_t sprint_id) {
  const std::int64_t now = call.core.NowMillis();
  for (Issue* issue : issues) {
    if (issue->sprint_id == sprint_id) {
      continue;
    }
    issue->changelog.push_back(
        History{.id = call.site.NewId(),
                .author = call.user.account_id,
                .created = now,
                .items = {{"Sprint", issue->sprint_id == 0 ? "" : std::to_string(issue->sprint_id),
                           "", sprint_id == 0 ? "" : std::to_string(sprint_id), ""}}});
    issue->sprint_id = sprint_id;
    issue->updated = now;
  }
  call.mutated = true;
  SendEmpty(call.res, 204);
}

void PostSprintIssues(JiraCall& call) {
  const Sprint* sprint = LookupSprint(call);
  std::vector<Issue*> issues;
  if (sprint == nullptr || !ReadMove(call, issues)) {
    return;
  }
  if (sprint->state == "closed") {
    SendJiraError(call.res, 400, {"Issues can't be moved to a closed sprint."});
    return;
  }
  const Board* board = call.site.FindBoard(sprint->board_id);
  for (const Issue* issue : issues) {
    const IssueTypeDef* type = FindIssueType(issue->issue_type_id);
    if (board == nullptr || issue->project_id != board->project_id || type == nullptr ||
        type->hierarchy_level != 0) {
      SendJiraError(call.res, 400,
                    {fmt::format("Issue '{}' cannot be moved to this sprint.", issue->key)});
      return;
    }
  }
  MoveIssues(call, issues, sprint->id);
}

void PostBacklogIssues(JiraCall& call) {
  std::vector<Issue*> issues;
  if (ReadMove(call, issues)) {
    MoveIssues(call, issues, 0);
  }
}

}  // namespace

void RegisterAgile(httplib::Server& server, ServerCore& core) {
  const std::string agile = "/rest/agile/1.0";
  const std::string read_boards = "read:jira-work read:board-scope:jira-software";
  const std::string read_sprints = "read:jira-work read:sprint:jira-software";
  JiraRoute(server, core, "GET", agile + "/board", read_boards, GetBoards);
  JiraRoute(server, core, "GET", agile + "/board/([0-9]+)", read_boards, GetBoard);
  JiraRoute(server, core, "GET", agile + "/board/([0-9]+)/sprint", read_sprints, GetBoardSprints);
  JiraRoute(server, core, "GET", agile + "/board/([0-9]+)/backlog", read_boards, GetBacklog);
  JiraRoute(server, core, "GET", agile + "/sprint/([0-9]+)", read_sprints, GetSprint);
  JiraRoute(server, core, "GET", agile + "/sprint/([0-9]+)/issue", read_sprints, GetSprintIssues);
  JiraRoute(server, core, "POST", agile + "/sprint/([0-9]+)/issue",
            "write:jira-work write:sprint:jira-software", PostSprintIssues);
  JiraRoute(server, core, "POST", agile + "/backlog/issue",
            "write:jira-work write:board-scope:jira-software", PostBacklogIssues);
}

}  // namespace sandbox
