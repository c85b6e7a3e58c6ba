// Parsing Jira's answers quickly: simdjson reads the text, and only what is kept is built as
// nlohmann::json, the type every tool works on.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tools {

// `text` parsed as nlohmann would parse it, keeping of each `issues[i].fields` object only the
// members named in `keep_issue_fields` (all of them when it is null). What simdjson does not read
// (a lone surrogate escape, an integer past 64 bits, invalid UTF-8) is handed to nlohmann's
// parser, so the result is the same as nlohmann's for every text; a discarded value when the text
// is not JSON.
nlohmann::json ParseJsonFast(const std::string& text,
                             const std::vector<std::string>* keep_issue_fields);

// nlohmann's parser alone, with the same keep rule: the reference ParseJsonFast matches.
nlohmann::json ParseJsonSlow(const std::string& text,
                             const std::vector<std::string>* keep_issue_fields);

}  // namespace tools
