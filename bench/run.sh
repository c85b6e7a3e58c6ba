#!/usr/bin/env bash
# bench/run.sh: jira-mcp and three Jira MCP servers from npm, side by side, on this machine,
# against one local Jira (the sandbox); prints one table (issue #6).
#
#   bash bench/run.sh            # from the repository root, after the release build
#
# Needs: build/release (jira-mcp, bench_mcp), Node 20 and npm, openssl, util-linux unshare and
# iproute2, root (for the network and mount namespaces). Optional: valgrind (instruction counts).
# Settings (environment): BENCH_RUNS (cold starts, 30), BENCH_CALLS (stdio calls, 1000),
# BENCH_HTTP_CALLS (calls per HTTP level, 2000), BENCH_CALLGRIND (1: also count instructions),
# JIRA_MCP_BUILD (build folder, build/release), BENCH_OUT (results folder, build/bench; not under
# /tmp, which is private to the run).
#
# Everything runs inside a fresh network namespace that has only loopback (unshare -n), with
# /etc/hosts replaced in a private mount namespace so that <site>.atlassian.net is 127.0.0.1:
# no peer can reach any other host, whatever its configuration says. /tmp is a private tmpfs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${JIRA_MCP_BUILD:-$root/build/release}
out=${BENCH_OUT:-$root/build/bench}
runs=${BENCH_RUNS:-30}
calls=${BENCH_CALLS:-1000}
http_calls=${BENCH_HTTP_CALLS:-2000}
callgrind=${BENCH_CALLGRIND:-1}

server_bin=$build/app/jira-mcp
bench_bin=$build/bench/bench_mcp

if [[ "${1:-}" != "--inside" ]]; then
  for bin in "$server_bin" "$bench_bin"; do
    [[ -x "$bin" ]] || { echo "run.sh: $bin is missing; build the release preset first" >&2; exit 1; }
  done
  if [[ ! -d "$here/node_modules" ]]; then
    # --ignore-scripts: keytar's install script would fetch a prebuilt binary; mcp-jira-cloud
    # loads keytar only to store credentials, which the benchmark passes in the environment.
    (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)
  fi
  [[ $(id -u) == 0 ]] || { echo "run.sh: needs root for unshare -n -m" >&2; exit 1; }
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  [[ $out != /tmp && $out != /tmp/* ]] || { echo "run.sh: BENCH_OUT must be outside /tmp" >&2; exit 1; }
  unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
  exec unshare -n -m --propagation private env BENCH_OUT="$out" bash "$0" --inside
fi

# ---- inside the namespaces -------------------------------------------------------------------
ip link set lo up
# A private /tmp: whatever a peer writes there (one does, a file per call) goes with the namespace.
mount -t tmpfs -o size=1g jira-mcp-bench /tmp
tmp=$(mktemp -d /tmp/jira-mcp-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  mkdir -p "$out/logs"
  cp "$tmp"/*.log "$out/logs/" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

site=acme
printf '127.0.0.1 localhost\n127.0.0.1 %s.atlassian.net\n' "$site" >"$tmp/hosts"
mount --bind "$tmp/hosts" /etc/hosts
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$site.atlassian.net" \
  -addext "subjectAltName=DNS:$site.atlassian.net" \
  -keyout "$tmp/front-key.pem" -out "$tmp/front-cert.pem" 2>/dev/null
mkdir -p "$tmp/home" "$tmp/work"
cd "$tmp/work"  # no .env or config file of anyone's in the peers' working folder
export HOME=$tmp/home

results=$out/results.jsonl
: >"$results"
record() {  # record SERVER KIND JSON
  printf '{"server":"%s","kind":"%s","data":%s}\n' "$1" "$2" "$3" >>"$results"
}
note() { echo "run.sh: $*" >&2; }

wait_for_line() {  # wait_for_line FILE PATTERN [SECONDS]
  for _ in $(seq 1 $((${3:-30} * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  note "timed out waiting for '$2' in $1"; cat "$1" >&2; return 1
}

sandbox_port=18931
"$server_bin" sandbox --port "$sandbox_port" >"$tmp/sandbox.out" 2>"$tmp/sandbox.log" &
pids+=($!)
wait_for_line "$tmp/sandbox.out" "sandbox listening"
sandbox=http://127.0.0.1:$sandbox_port
exchanges() { grep -c 'event=exchange_granted' "$tmp/sandbox.log" || true; }

email=bench@example.com
api_token=bench-api-token
node "$here/front.mjs" --sandbox "$sandbox" --user alice --site "$site" --email "$email" \
  --api-token "$api_token" --http-port 18443 --https-port 443 \
  --cert "$tmp/front-cert.pem" --key "$tmp/front-key.pem" >"$tmp/front.out" 2>"$tmp/front.log" &
front_pid=$!
pids+=("$front_pid")
wait_for_line "$tmp/front.out" "front ready"
cloud_id=$(sed -n 's/.*cloudId=\([^ ]*\).*/\1/p' "$tmp/front.out")
front=http://127.0.0.1:18443

# The search: the first 50 issues of the site through each server's own search tool, once with
# its default fields (reply size) and once with summary and status, which every one of them can
# ask for: the timed calls use the latter, so that the sandbox does the same work for each.
jql='project in (MOB, MKT) ORDER BY key ASC'  # 58 issues on the seeded site
ours_fields='["summary","status","assignee","priority","issuetype","updated"]'
jql_q=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$jql")

declare -A cmd envs tool args args_same upstream_method upstream_path upstream_body
ours_env=(KEYCARD_ZONE_URL="$sandbox" ATLASSIAN_API_URL="$sandbox" KEYCARD_CLIENT_ID=jira-mcp-sandbox
  KEYCARD_CLIENT_SECRET=sandbox-secret JIRA_SITE="$site"
  KEYCARD_SUBJECT_TOKEN="$("$server_bin" sandbox --print-token alice --port "$sandbox_port")")
servers=(jira-mcp nexus2520 aashari mcp-jira-cloud)
nm=$here/node_modules
node=$(command -v node)
envs[jira-mcp]="${ours_env[*]}"
cmd[jira-mcp]="$server_bin"
tool[jira-mcp]=search_issues
args[jira-mcp]="{\"jql\":\"$jql\",\"max_results\":50}"
args_same[jira-mcp]="{\"jql\":\"$jql\",\"max_results\":50,\"fields\":[\"summary\",\"status\"]}"
upstream_method[jira-mcp]=POST
upstream_path[jira-mcp]="$sandbox/ex/jira/$cloud_id/rest/api/3/search/jql"
upstream_body[jira-mcp]="{\"jql\":\"$jql\",\"fields\":[\"summary\",\"status\"],\"maxResults\":50}"

envs[nexus2520]="JIRA_BASE_URL=$front JIRA_EMAIL=$email JIRA_API_TOKEN=$api_token"
cmd[nexus2520]="$node $nm/@nexus2520/jira-mcp-server/build/index.js"
tool[nexus2520]=jira_search
args[nexus2520]="{\"action\":\"issues\",\"jql\":\"$jql\",\"maxResults\":50}"
args_same[nexus2520]="{\"action\":\"issues\",\"jql\":\"$jql\",\"maxResults\":50,\"fields\":[\"summary\",\"status\"]}"
upstream_method[nexus2520]=POST
upstream_path[nexus2520]="$front/rest/api/3/search/jql"
upstream_body[nexus2520]="{\"jql\":\"$jql\",\"maxResults\":50,\"fields\":[\"summary\",\"status\"]}"

# aashari hard-codes https://<site>.atlassian.net: it reaches the front's TLS port through
# the namespace's /etc/hosts and trusts the front's certificate through NODE_EXTRA_CA_CERTS.
aashari_env="ATLASSIAN_SITE_NAME=$site ATLASSIAN_USER_EMAIL=$email ATLASSIAN_API_TOKEN=$api_token NODE_EXTRA_CA_CERTS=$tmp/front-cert.pem"
envs[aashari]=$aashari_env
cmd[aashari]="$node $nm/@aashari/mcp-server-atlassian-jira/dist/index.js"
tool[aashari]=jira_get
args[aashari]="{\"path\":\"/rest/api/3/search/jql\",\"queryParams\":{\"jql\":\"$jql\",\"maxResults\":\"50\"}}"
args_same[aashari]="{\"path\":\"/rest/api/3/search/jql\",\"queryParams\":{\"jql\":\"$jql\",\"maxResults\":\"50\",\"fields\":\"summary,status\"}}"
upstream_method[aashari]=GET
upstream_path[aashari]="$front/rest/api/3/search/jql?jql=$jql_q&maxResults=50&fields=summary,status"

envs[mcp-jira-cloud]="JIRA_BASE_URL=$front JIRA_EMAIL=$email JIRA_API_TOKEN=$api_token"
cmd[mcp-jira-cloud]="$node $nm/mcp-jira-cloud/dist/index.js"
tool[mcp-jira-cloud]=jira_search_issues
args[mcp-jira-cloud]="{\"jql\":\"$jql\",\"maxResults\":50}"
args_same[mcp-jira-cloud]="{\"jql\":\"$jql\",\"maxResults\":50,\"fields\":[\"summary\",\"status\"]}"
upstream_method[mcp-jira-cloud]=GET
upstream_path[mcp-jira-cloud]="$front/rest/api/3/search/jql?jql=$jql_q&maxResults=50&fields=summary,status"

upstream() {  # upstream SERVER CONNS REQUESTS: the request that SERVER's search sends upstream
  local s=$1 auth=(--basic "$email:$api_token")
  [[ $s == jira-mcp ]] && auth=(--bearer "$jira_token")
  "$bench_bin" upstream --url "${upstream_path[$s]}" "${auth[@]}" --method "${upstream_method[$s]}" \
    --body "${upstream_body[$s]:-}" --conns "$2" --requests "$3"
}
jira_token_of() {  # jira_token_of ZONE_URL: alice's token, exchanged for a Jira token
  node --input-type=module -e '
  const [zone, user] = process.argv.slice(1);
  const post = async (fields, auth) => (await (await fetch(zone + "/oauth/2/token", { method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(auth ? { Authorization: auth } : {}) },
    body: new URLSearchParams(fields) })).json());
  const u = await post({ grant_type: "password", username: user, password: "sandbox" });
  const x = await post({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: u.access_token, subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
    resource: "https://api.atlassian.com/ex/jira", scope: "read:jira-work" },
    "Basic " + Buffer.from("jira-mcp-sandbox:sandbox-secret").toString("base64"));
  process.stdout.write(x.access_token);' "$1" alice
}
jira_token=$(jira_token_of "$sandbox")

note "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
record machine info "{\"nproc\":$(nproc),\"load_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"interfaces\":\"$(ip -o link | awk -F': ' '{print $2}' | tr '\n' ' ')\"}"

# ---- the sandbox alone, and the front's hop ---------------------------------------------------
note "sandbox: 50-issue search requests/second"
sandbox_search=(--url "${upstream_path[jira-mcp]}" --bearer "$jira_token" --method POST
  --body "{\"jql\":\"$jql\",\"fields\":$ours_fields,\"maxResults\":50}")
record sandbox search_1conn "$("$bench_bin" upstream "${sandbox_search[@]}" --conns 1 --requests 2000)"
record sandbox search_8conn "$("$bench_bin" upstream "${sandbox_search[@]}" --conns 8 --requests 4000)"


# ---- stdio: cold starts, reply sizes, 1,000 calls -------------------------------------------------
for s in "${servers[@]}"; do
  note "$s: stdio, $runs cold starts and $calls calls, with its search's Jira request alone before and after"
  record "$s" upstream_before "$(upstream "$s" 1 500)"
  before=$(exchanges)
  # shellcheck disable=SC2086  # cmd holds words on purpose
  record "$s" stdio "$(env ${envs[$s]} "$bench_bin" stdio --runs "$runs" --calls "$calls" --tool "${tool[$s]}" \
    --args "${args_same[$s]}" --save-reply "$out/reply-$s-summary-status.json" -- ${cmd[$s]})"
  record "$s" upstream_after "$(upstream "$s" 1 500)"
  record "$s" exchanges_stdio "{\"exchanges\":$(($(exchanges) - before)),\"calls\":$((calls + 1))}"
  # shellcheck disable=SC2086
  record "$s" default_fields "$(env ${envs[$s]} "$bench_bin" stdio --runs 1 --calls 0 --tool "${tool[$s]}" \
    --args "${args[$s]}" --save-reply "$out/reply-$s-default.json" -- ${cmd[$s]})"
done

# ---- HTTP: ours and the peers that serve Streamable HTTP ---------------------------------------
http_level() {  # http_level SERVER URL BEARER PID
  local s=$1 url=$2 bearer=$3 pid=$4 before total=0
  before=$(exchanges)
  for n in 1 8 32 64; do
    note "$s: HTTP, $n sessions"
    record "$s" "http_$n" "$("$bench_bin" http --url "$url" --bearer "$bearer" --sessions "$n" \
      --calls $((http_calls / n)) --tool "${tool[$s]}" --args "${args_same[$s]}")"
    total=$((total + (http_calls / n) * n))
  done
  record "$s" exchanges_http "{\"exchanges\":$(($(exchanges) - before)),\"calls\":$total}"
  record "$s" http_rss "{\"rss_peak_kib\":$(awk '/VmHWM/{print $2}' "/proc/$pid/status")}"
}

ours_port=18080
public_url=http://127.0.0.1:$ours_port/mcp
env "${ours_env[@]}" "$server_bin" --transport http --port "$ours_port" --auth keycard \
  --public-url "$public_url" --keycard-zone-url "$sandbox" 2>"$tmp/ours-http.log" &
ours_pid=$!
pids+=("$ours_pid")
wait_for_line "$tmp/ours-http.log" "serving MCP"
bearer=$("$server_bin" sandbox --print-token alice --port "$sandbox_port" --resource "$public_url")
http_level jira-mcp "$public_url" "$bearer" "$ours_pid"
kill "$ours_pid"

# shellcheck disable=SC2086
env $aashari_env TRANSPORT_MODE=http PORT=13000 \
  node "$nm/@aashari/mcp-server-atlassian-jira/dist/index.js" 2>"$tmp/aashari-http.log" >&2 &
aashari_pid=$!
pids+=("$aashari_pid")
for _ in $(seq 1 100); do
  curl -s -o /dev/null http://127.0.0.1:13000/ 2>/dev/null && break
  sleep 0.1
done
http_level aashari http://127.0.0.1:13000/mcp "" "$aashari_pid"
kill "$aashari_pid"

# ---- instruction counts (valgrind), less sensitive to the machine's load ------------------------
if [[ $callgrind == 1 ]] && command -v valgrind >/dev/null; then
  note "jira-mcp: callgrind"
  for n in 20 220; do
    rm -f "$tmp"/cg.[0-9]*
    env "${ours_env[@]}" "$bench_bin" stdio --runs 1 --calls "$n" --grace-ms 120000 \
      --tool "${tool[jira-mcp]}" --args "${args_same[jira-mcp]}" -- "$(command -v valgrind)" --tool=callgrind --callgrind-out-file="$tmp/cg.%p" \
      "$server_bin" >/dev/null 2>"$tmp/callgrind.log"
    files=$(ls -tr "$tmp"/cg.[0-9]*)
    first=$(echo "$files" | head -1)
    last=$(echo "$files" | tail -1)
    ir_start=$(sed -n 's/^summary: //p' "$first")
    ir_session=$(sed -n 's/^summary: //p' "$last")
    record jira-mcp "callgrind_$n" "{\"ir_start_to_exit\":$ir_start,\"ir_session\":$ir_session,\"calls\":$((n + 1))}"
  done
fi

# Instruction counts of a server under valgrind, start-up left out: counters zeroed once it
# serves, N requests, counters dumped. callgrind_phase SERVER PID KIND N COMMAND...: runs COMMAND (the N
# requests) between a zero and a dump of PID's counters and records the dump's total for SERVER.
callgrind_phase() {
  local server=$1 pid=$2 kind=$3 n=$4 before dumps
  shift 4
  before=$(find "$tmp" -maxdepth 1 -name "cg.$pid.*" | wc -l)
  callgrind_control --zero "$pid" >/dev/null || return 1
  "$@" >"$tmp/phase.json" || return 1
  callgrind_control --dump "$pid" >/dev/null || return 1
  mapfile -t dumps < <(find "$tmp" -maxdepth 1 -name "cg.$pid.*" | sort -V)
  ((${#dumps[@]} > before)) || return 1
  record "$server" "$kind" "{\"ir\":$(sed -n 's/^summary: //p' "${dumps[-1]}"),\"requests\":$n,\"run\":$(cat "$tmp/phase.json")}"
}

# A second sandbox (same seed, so the same cloudId and issues): one 50-issue search with
# jira-mcp's default fields (issue #5's figure) and with summary+status (the timed calls').
sandbox_callgrind() {
  local pid token search=(--url "${upstream_path[jira-mcp]/18931/18932}" --method POST --requests 200)
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "$server_bin" sandbox \
    --port 18932 >"$tmp/sandbox-cg.out" 2>"$tmp/sandbox-callgrind.log" &
  pid=$!
  pids+=("$pid")
  wait_for_line "$tmp/sandbox-cg.out" "sandbox listening" 300 || return 1
  token=$(jira_token_of http://127.0.0.1:18932)
  callgrind_phase sandbox "$pid" callgrind_default 200 "$bench_bin" upstream "${search[@]}" --bearer "$token" \
    --body "{\"jql\":\"$jql\",\"fields\":$ours_fields,\"maxResults\":50}" || return 1
  callgrind_phase sandbox "$pid" callgrind_same 200 "$bench_bin" upstream "${search[@]}" --bearer "$token" \
    --body "${upstream_body[jira-mcp]}" || return 1
  kill -TERM "$pid"
  wait "$pid" || true
}

# jira-mcp over HTTP (bearer JWTs verified, one session), after 20 warm-up calls (exchange, JWKS).
ours_http_callgrind() {
  local pid bearer url=http://127.0.0.1:18081/mcp
  env "${ours_env[@]}" valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" "$server_bin" \
    --transport http --port 18081 --auth keycard --public-url "$url" \
    --keycard-zone-url "$sandbox" 2>"$tmp/ours-http-callgrind.log" &
  pid=$!
  pids+=("$pid")
  wait_for_line "$tmp/ours-http-callgrind.log" "serving MCP" 300 || return 1
  bearer=$("$server_bin" sandbox --print-token alice --port "$sandbox_port" --resource "$url")
  local call=(http --url "$url" --bearer "$bearer" --tool "${tool[jira-mcp]}" --args "${args_same[jira-mcp]}")
  "$bench_bin" "${call[@]}" --calls 20 >/dev/null || return 1
  callgrind_phase jira-mcp "$pid" callgrind_http 200 "$bench_bin" "${call[@]}" --calls 200 || return 1
  kill -TERM "$pid"
  wait "$pid" || true
}
if [[ $callgrind == 1 ]] && command -v valgrind >/dev/null; then
  note "sandbox: callgrind"
  sandbox_callgrind || note "sandbox under callgrind failed; its figures are left out"
  note "jira-mcp over HTTP: callgrind"
  ours_http_callgrind || note "jira-mcp over HTTP under callgrind failed; its figure is left out"
fi

kill -TERM "$front_pid"
wait "$front_pid" 2>/dev/null || true
served=$(sed -n 's/front: served \([0-9]*\).*/\1/p' "$tmp/front.log" | tail -1)
record machine finished "{\"load_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"front_served\":${served:-0}}"

node "$here/table.mjs" "$results"
