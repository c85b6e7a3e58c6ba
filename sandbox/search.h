// JQL evaluation over one site's issues, with Jira's error texts for what it does not know.
//
// Fields: project, key (issuekey, id), status, statusCategory, assignee, reporter, summary,
// description, comment, text, labels, priority, issuetype (type), resolution, parent, sprint,
// created, updated, resolved (resolutiondate). Functions: currentUser(), openSprints(),
// closedSprints(), now(), startOfDay(), endOfDay(), startOfWeek(), startOfMonth() (the last four
// with an optional offset such as "-1d"). As in Jira, != and NOT IN never match an empty field,
// and ~ matches words by prefix, case-insensitively.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sandbox/jql.h"
#include "sandbox/state.h"

namespace sandbox {

struct SearchContext {
  const State& state;
  const Site& site;
  std::string current_account;  // for currentUser()
  std::int64_t now = 0;         // milliseconds since the epoch, for relative dates
};

// Jira's messages for every field, operator, function or value the query names that this site
// does not have ("Field 'cf[99999]' does not exist or you do not have permission to view it.");
// empty when the query can run.
std::vector<std::string> Validate(const jql::Query& query, const SearchContext& context);

// The matching issues in the query's order (default: created, newest first). kInvalidArgument
// carrying the first Validate() message when the query cannot run.
core::Result<std::vector<const Issue*>> RunQuery(const jql::Query& query,
                                                 const SearchContext& context);

// Plain text of an ADF document (text nodes joined by spaces), for ~ and for read-backs.
std::string AdfPlainText(const Json& adf);

}  // namespace sandbox
