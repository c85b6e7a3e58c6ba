#!/usr/bin/env bash
# Installs what a bare Debian 12 lacks to build jira-mcp (and, with --test, to run every test).
# Debian packages only; the test tools come from npm, pinned in tests/e2e/package-lock.json.
set -euo pipefail

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

packages=(ca-certificates g++ cmake ninja-build pkg-config git
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libssl-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev libsimdjson-dev libgtest-dev libgmock-dev)
if [ $want_tests = 1 ]; then
  packages+=(clang-format-16 clang-tidy-16 curl procps)
  # libFuzzer for the fuzz targets (the `fuzz` preset): clang 16 and its runtime libraries.
  packages+=(clang-16 libclang-rt-16-dev)
  # Node runs the end-to-end stand-ins. Debian's nodejs is enough to run `npm ci`; keep a Node
  # that is already installed (it may bring its own npm).
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
