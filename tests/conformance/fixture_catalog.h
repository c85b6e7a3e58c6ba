// The tools, prompts and resources the MCP conformance suite expects of a server under test
// (@modelcontextprotocol/conformance 0.1.16 and 0.2.0-alpha.12 server scenarios), built on mcp/.
// Test-only: the product binary registers Jira tools and nothing of this.
#pragma once

#include <memory>

#include "mcp/server.h"

namespace conformance {

// Every fixture tool, prompt and resource; the resources allow subscriptions.
mcp::Catalog FixtureCatalog();

// The 1x1 PNG and the short WAV the content fixtures carry, base64-encoded.
extern const char* const kPngBase64;
extern const char* const kWavBase64;

}  // namespace conformance
