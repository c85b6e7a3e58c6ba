#!/usr/bin/env bash
# Installs what is missing and runs every test. First the fuzz targets (libFuzzer, clang 16: a
# fixed number of inputs each from its kept corpus), the in-process C++ tests under
# ThreadSanitizer and the full load test on a Release build; last the whole suite under
# AddressSanitizer and UndefinedBehaviorSanitizer: unit, protocol, binary, hardening, end-to-end,
# conformance, fuzz-corpus replay and the style gates. The closing lines are that run's summary.
set -euo pipefail
cd "$(dirname "$0")/.."

# The contract tests check every request against Atlassian's Jira OpenAPI documents, which are
# not part of this repository: they sit in jira-openapi/ of the project's `shared` folder, beside
# the checkout by default. Say so now rather than after half an hour of building.
shared="${JIRA_MCP_SHARED_DIR:-$PWD/../shared}"
for spec in derived/jira-prism.json swagger-v3.v3.json software-swagger.v3.json; do
  if [ ! -f "$shared/jira-openapi/$spec" ]; then
    echo "test.sh: $shared/jira-openapi/$spec is missing." >&2
    echo "  The contract tests need the Jira OpenAPI documents of the project's shared folder." >&2
    echo "  Clone this repository beside that folder (as ../shared), or set JIRA_MCP_SHARED_DIR" >&2
    echo "  to it, and run again." >&2
    exit 2
  fi
done
export JIRA_MCP_SHARED_DIR="$(cd "$shared" && pwd)"

bash scripts/install-deps.sh --test
for dir in tests/e2e tests/conformance; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# Fuzzing: JIRA_MCP_FUZZ_RUNS inputs per target (20000 by default; -D to change).
cmake --preset fuzz
cmake --build --preset fuzz -j 2
ctest --preset fuzz -j 2

# ThreadSanitizer: the in-process test binaries only. The lint gates, the npm end-to-end run and
# the suites that drive the jira-mcp binary (label `hardening`) add no thread coverage that the
# in-process HTTP, stdio and broker tests lack, and would double the time.
cmake --preset tsan
cmake --build --preset tsan -j 2 --target \
  core_test auth_test auth_jwt_test mcp_test mcp_http_test tools_test sandbox_test app_test
ctest --preset tsan -j 2 -LE 'e2e|hardening|fuzz|conformance' -E '^lint_|_NOT_BUILT$'

# Load on a Release build, where resident memory means something: 64 HTTP sessions x 1,000
# calls against the sandbox, every answer checked, memory flat after warm-up.
cmake --preset release-tests
cmake --build --preset release-tests -j 2
ctest --preset load

cmake --preset asan
cmake --build --preset asan -j 2
ctest --preset asan -j 2
