#!/usr/bin/env bash
# Installs what is missing, builds jira-mcp (Debug, with the tests) and runs every test: unit,
# protocol, binary, end-to-end, conformance and the style gates (ctest prints the summary).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
for dir in tests/e2e tests/conformance; do
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
cmake --preset debug
cmake --build --preset debug -j 2
ctest --preset debug -j 2
