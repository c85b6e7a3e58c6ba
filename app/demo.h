// `jira-mcp demo`: a scripted agent session on the local sandbox, printed as a transcript.
//
// Starts the sandbox in this process on 127.0.0.1 (a free port), signs in a demo user at its
// zone, launches this same executable as an MCP server over stdio with a real client, and walks
// through what an agent does: list projects, create an issue from markdown, find it by JQL, move
// it along the workflow, comment on it, and read it back. Exits non-zero when any step fails.
// `argv[0]` is "demo"; it takes no other arguments: --help prints the usage and returns 0, any
// other argument prints one `jira-mcp: ...` line on stderr and returns 2, starting nothing.
#pragma once

namespace app {

int RunDemo(int argc, char** argv);

}  // namespace app
