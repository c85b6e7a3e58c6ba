#!/usr/bin/env bash
# Installs what is missing, builds jira-mcp with AddressSanitizer and UndefinedBehaviorSanitizer,
# and runs every test: unit, protocol, binary and end-to-end (ctest prints the summary).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
for dir in tests/e2e tests/conformance; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
cmake --preset asan
cmake --build --preset asan -j 2
ctest --preset asan -j 2
