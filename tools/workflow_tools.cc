// Workflow tools: list_transitions, transition_issue.
#include <fmt/format.h>

#include <algorithm>

#include "tools/adf.h"
#include "tools/fields.h"
#include "tools/tool_support.h"

namespace tools {
namespace {

std::string TransitionsPath(const Json& arguments) {
  return fmt::format("/rest/api/3/issue/{}/transitions?expand=transitions.fields",
                     IssueKey(arguments));
}

// A transition with the fields its screen takes, the required ones marked.
Json DescribeTransition(const Json& transition) {
  Json fields = Json::array();
  const Json screen = transition.value("fields", Json::object());
  for (const auto& [id, field] : screen.items()) {
    fields.push_back({{"id", id},
                      {"name", field.value("name", id)},
                      {"mandatory", ValueOr(field, "required", false)}});
  }
  return {{"id", ValueOr(transition, "id", "")},
          {"name", ValueOr(transition, "name", "")},
          {"to", CompactValue(transition.value("to", Json()))},
          {"fields", fields}};
}

core::Result<Json> ReadTransitions(JiraClient& client, const mcp::CallContext& context,
                                   const Json& arguments, const std::vector<std::string>& scopes) {
  auto response =
      client.Call(context, Request("GET", TransitionsPath(arguments), scopes, arguments));
  if (!response.ok()) {
    return response.status().WithContext("Reading the transitions of " +
                                         StringArg(arguments, "issue_key"));
  }
  auto transitions = PageEntries(*response, "transitions");
  if (!transitions.ok()) {
    return transitions.status().WithContext("Reading the transitions of " +
                                            StringArg(arguments, "issue_key"));
  }
  Json out = Json::array();
  for (const auto& transition : **transitions) {
    out.push_back(DescribeTransition(transition));
  }
  return out;
}

std::string TransitionLine(const Json& transition) {
  std::string line =
      fmt::format("{} · {} → {}", PlainText(transition["id"].get<std::string>()),
                  PlainText(transition["name"].get<std::string>()), ValueText(transition["to"]));
  std::vector<std::string> required;
  for (const auto& field : transition["fields"]) {
    if (field["mandatory"].get<bool>()) {
      required.push_back(PlainText(field["id"].get<std::string>()));
    }
  }
  if (!required.empty()) {
    line += fmt::format(" (requires {})", fmt::join(required, ", "));
  }
  return line;
}

core::Result<mcp::ToolResult> ListTransitions(JiraClient& client, const Json& arguments,
                                              const mcp::CallContext& context) {
  auto transitions = ReadTransitions(client, context, arguments, ReadWork());
  if (!transitions.ok()) {
    return transitions.status();
  }
  std::string text = Count(transitions->size(), "transition") + " available";
  for (const auto& transition : *transitions) {
    text += "\n" + TransitionLine(transition);
  }
  return mcp::ToolResult::Success(std::move(text), {{"transitions", *transitions}});
}

bool IsNumber(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(),
                                      [](unsigned char c) { return std::isdigit(c) != 0; });
}

// The transition id for `wanted` (an id, a transition name or a target status name).
core::Result<std::string> TransitionId(const Json& transitions, const std::string& wanted) {
  for (const auto& transition : transitions) {
    if (transition["id"] == wanted ||
        Lower(transition["name"].get<std::string>()) == Lower(wanted) ||
        Lower(ValueText(transition["to"])) == Lower(wanted)) {
      return transition["id"].get<std::string>();
    }
  }
  std::vector<std::string> available;
  for (const auto& transition : transitions) {
    available.push_back(TransitionLine(transition));
  }
  return core::Status(
      core::Code::kInvalidArgument,
      fmt::format("No transition '{}' is available for this issue now. "
                  "Available: {}.",
                  wanted,
                  available.empty() ? "none" : fmt::format("{}", fmt::join(available, "; "))));
}

core::Status ExplainScreenError(const core::Status& status) {
  // A comment is no field update_issue sets: it has a tool of its own.
  const bool comment = status.message().find("'comment'") != std::string::npos;
  return WithAdvice(status, {"appropriate screen"},
                    comment ? "The transition's screen takes no comment: drop `comment`, and add "
                              "it with add_comment before or after the transition."
                            : "The transition's screen does not take that field: list_transitions "
                              "shows the fields it accepts; drop the field, or set it with "
                              "update_issue before or after the transition.");
}

core::Result<mcp::ToolResult> TransitionIssue(JiraClient& client, const Json& arguments,
                                              const mcp::CallContext& context) {
  const std::string key = StringArg(arguments, "issue_key");
  const std::string wanted = StringArg(arguments, "transition");
  std::string id = wanted;
  if (!IsNumber(wanted)) {
    // Transition ids differ per workflow: look the name up first.
    auto transitions = ReadTransitions(client, context, arguments, WriteWork());
    if (!transitions.ok()) {
      return transitions.status();
    }
    auto found = TransitionId(*transitions, wanted);
    if (!found.ok()) {
      return found.status();
    }
    id = *found;
  }

  // One POST carries the transition, its fields, update operations and the comment (C8).
  Json body = {{"transition", {{"id", id}}}};
  Json fields = arguments.value("fields", Json::object());
  Json update = arguments.value("update", Json::object());
  RichTextBudget budget;
  if (auto status = ConvertRawRichText(client, context, arguments, fields, update, budget);
      !status.ok()) {
    return status;
  }
  if (arguments.contains("comment")) {
    auto adf = RichText(arguments["comment"], "comment", budget);
    if (!adf.ok()) {
      return adf.status();
    }
    // After any comment operations given in `update`, never in place of them.
    update["comment"].push_back({{"add", {{"body", *adf}}}});
  }
  if (!fields.empty()) {
    body["fields"] = std::move(fields);
  }
  if (!update.empty()) {
    body["update"] = std::move(update);
  }
  JiraRequest request = Request(
      "POST", fmt::format("/rest/api/3/issue/{}/transitions", Encode(key)), WriteWork(), arguments);
  request.body = std::move(body);
  auto response = client.Call(context, request);
  if (!response.ok()) {
    return WithAdvice(ExplainScreenError(response.status().WithContext("Transitioning " + key)),
                      {"is not valid for this issue"},
                      "list_transitions shows the transitions this issue has now.");
  }

  auto stored = client.Call(
      context, Request("GET", fmt::format("/rest/api/3/issue/{}?fields=status", Encode(key)),
                       WriteWork(), arguments));
  Json structured = {{"key", key}, {"transition_id", id}};
  std::string text = fmt::format("Transitioned {}", key);
  if (stored.ok()) {
    const std::string status =
        ValueText(CompactValue(MemberOrNull(MemberOrNull(stored->body, "fields"), "status")));
    structured["status"] = status;
    text += " to " + status;
  } else {
    structured["warnings"] = {"could not read the status back: " + stored.status().message()};
    text += "; could not read the status back";
  }
  return mcp::ToolResult::Success(std::move(text), std::move(structured));
}

}  // namespace

std::vector<JiraTool> WorkflowTools(const std::shared_ptr<JiraClient>& client) {
  return {
      MakeTool({.name = "list_transitions", .toolset = "workflow", .http_methods = {"GET"}},
               "List transitions",
               "Transitions available for an issue now, with the fields each takes.", ReadOnly(),
               ReadWork(), client, ListTransitions),
      MakeTool({.name = "transition_issue",
                .toolset = "workflow",
                .http_methods = {"POST", "GET"},
                .writes = true},
               "Transition issue",
               "Move an issue by transition id or name, with fields, update and a comment.",
               Destructive(/*idempotent=*/false), WriteWork(), client, TransitionIssue),
  };
}

}  // namespace tools
