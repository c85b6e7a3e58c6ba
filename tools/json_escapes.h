// Repairs of JSON text that Jira sends and a strict parser refuses.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tools {

// Jira can cut a string between the two halves of a UTF-16 surrogate pair and send
// "\ud83d" alone; nlohmann::json (RFC 8259 §7 read strictly) then rejects the whole body.
// Returns `json` with every unpaired surrogate escape (a high \uD800–\uDBFF not followed by a
// low \uDC00–\uDFFF escape, or a low one on its own) replaced by \uFFFD, the replacement
// character; a pair and an escaped backslash ("\\ud83d" is text, not an escape) are kept.
// Returns nullopt when there is nothing to replace. The text is not otherwise validated.
std::optional<std::string> ReplaceLoneSurrogates(std::string_view json);

}  // namespace tools
