#!/usr/bin/env bash
# Installs what is missing, builds jira-mcp with AddressSanitizer and UndefinedBehaviorSanitizer,
# and runs every test: unit, protocol, binary, hardening and end-to-end (ctest prints the
# summary). Then the C++ unit and protocol tests under ThreadSanitizer, and each fuzz target for a
# fixed number of runs from its kept corpus (libFuzzer, clang 16).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
if [ -f tests/e2e/package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
cmake --preset asan
cmake --build --preset asan -j 2
ctest --preset asan -j 2

# ThreadSanitizer: the in-process test binaries only. The lint gates, the npm end-to-end run and
# the suites that drive the jira-mcp binary (label `hardening`) add no thread coverage that the
# in-process HTTP, stdio and broker tests lack, and would double the time.
cmake --preset tsan
cmake --build --preset tsan -j 2 --target \
  core_test auth_test auth_jwt_test mcp_test mcp_http_test tools_test sandbox_test app_test
ctest --preset tsan -j 2 -LE 'e2e|hardening|fuzz' -E '^lint_|_NOT_BUILT$'

# Fuzzing: JIRA_MCP_FUZZ_RUNS inputs per target (20000 by default; -D to change).
cmake --preset fuzz
cmake --build --preset fuzz -j 2
ctest --preset fuzz -j 2
