#!/usr/bin/env bash
# Installs what is missing, builds jira-mcp with AddressSanitizer and UndefinedBehaviorSanitizer,
# and runs every test: unit, protocol, binary and end-to-end (ctest prints the summary).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
if [ -f tests/e2e/package-lock.json ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -f tests/conformance/package-lock.json ]; then
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error)
fi
cmake --preset asan
cmake --build --preset asan -j 2
ctest --preset asan -j 2
