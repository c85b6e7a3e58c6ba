// The sandbox's starting data: a small product team on two Jira sites.
//
// Deterministic: the same seed gives the same State, byte for byte, on every machine.
//
// Team (login, e-mail at example.com): alice (admin, the only one on both sites), bob, carol,
// dana, erik (refused by the zone policy "contractors-no-jira"), farah (has not consented).
// Site "acme": MOB (software, scrum board 1, three sprints, epics with stories, subtasks, bugs)
// and MKT (business). Site "acme-labs": OPS (software, kanban board 2).
#pragma once

#include <cstdint>

#include "sandbox/state.h"

namespace sandbox {

inline constexpr std::uint32_t kDefaultSeed = 20250106;

State SeedState(std::uint32_t seed);

// ADF helpers, shared with the server for texts it composes.
Json AdfText(const std::string& text);
Json AdfParagraph(const std::string& text);
Json AdfDoc(Json content);

}  // namespace sandbox
