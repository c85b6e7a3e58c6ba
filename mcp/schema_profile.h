// The portable JSON Schema profile every tool schema must stay in (DESIGN.md §5), and a
// validator for tool arguments written against that profile.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "mcp/tool.h"

namespace mcp {

// Returns every way `schema` leaves the portable profile, as "path: problem" lines; empty when
// it conforms. The profile: an object schema at the root; no anyOf/oneOf/allOf/not/$ref; no
// additionalProperties below the root; every array has `items`; no property named like a JSON
// Schema keyword; every `required` name is a declared property.
std::vector<std::string> PortabilityProblems(const Json& schema);

// Checks `value` against `schema` (the profile's keywords: type, properties, required,
// additionalProperties at the root, items, enum, minimum/maximum, minLength/maxLength,
// minItems/maxItems). On failure, the message names the argument path and what is expected.
core::Status ValidateArguments(const Json& schema, const Json& value);

}  // namespace mcp
