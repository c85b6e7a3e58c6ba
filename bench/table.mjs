// Prints the side-by-side table of bench/run.sh from its results file (one JSON object a line:
// {server, kind, data}), as Markdown.
//
// usage: node table.mjs RESULTS.jsonl
import fs from 'node:fs';

const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const results = {};
for (const line of lines) {
  const { server, kind, data } = JSON.parse(line);
  (results[server] ??= {})[kind] = data;
}
const servers = ['jira-mcp', 'nexus2520', 'aashari', 'mcp-jira-cloud'];
const labels = {
  'jira-mcp': 'jira-mcp',
  nexus2520: '@nexus2520/jira-mcp-server',
  aashari: '@aashari/mcp-server-atlassian-jira',
  'mcp-jira-cloud': 'mcp-jira-cloud',
};
const get = (server, kind, path) =>
  path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), results[server]?.[kind]);

const ms = (v) => (v == null ? '—' : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`);
const mib = (kib) => (kib == null ? '—' : `${(kib / 1024).toFixed(1)} MiB`);
const bytes = (b) => (b == null ? '—' : b >= 10240 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`);
const rate = (r) => (r == null ? '—' : r >= 100 ? `${Math.round(r)}/s` : `${r.toFixed(1)}/s`);

// The upstream request alone, measured just before and just after the server's calls: the mean
// of the two medians, since the machine's load drifts.
function upstream(server) {
  const before = get(server, 'upstream_before', 'ms.median');
  const after = get(server, 'upstream_after', 'ms.median');
  return before == null || after == null ? null : (before + after) / 2;
}
function overhead(server) {
  const call = get(server, 'stdio', 'call_ms.median');
  const alone = upstream(server);
  return call == null || alone == null ? null : call - alone;
}
function httpCell(server, n, field, format) {
  const data = results[server]?.[`http_${n}`];
  if (!data) return 'no HTTP';
  const errors = data.errors > 0 ? ` (${data.errors} errors in ${data.calls})` : '';
  return data.errors >= data.calls ? `${data.errors} errors in ${data.calls}` : format(field(data)) + errors;
}
function exchanges(server, kind) {
  const data = results[server]?.[kind];
  if (!data) return '—';
  if (server !== 'jira-mcp') return 'none (static API token)';
  return `${data.exchanges} in ${data.calls.toLocaleString('en-US')} calls`;
}
function reply(server, kind) {
  const b = get(server, kind, 'reply_bytes');
  const keys = get(server, kind, 'reply_issue_keys');
  if (b == null) return '—';
  const error = get(server, kind, 'reply_is_error') ? ', tool error' : '';
  return `${bytes(b)} (${keys} keys${error})`;
}

const rows = [
  ['launch → `initialize` answered, stdio (median of N)', (s) => ms(get(s, 'stdio', 'to_initialize_ms.median'))],
  ['launch → `tools/list` answered, stdio (median of N)', (s) => ms(get(s, 'stdio', 'to_tools_list_ms.median'))],
  ['peak RSS at ready (after `tools/list`)', (s) => mib(get(s, 'stdio', 'rss_ready_kib'))],
  ['peak RSS after 1,000 calls, stdio', (s) => mib(get(s, 'stdio', 'rss_after_calls_kib'))],
  ['peak RSS after the HTTP runs (1, 8, 32 and 64 sessions)', (s) => (results[s]?.http_rss ? mib(results[s].http_rss.rss_peak_kib) : 'no HTTP')],
  ['tools listed', (s) => String(get(s, 'stdio', 'tools') ?? '—')],
  ['`tools/list` bytes', (s) => bytes(get(s, 'stdio', 'tools_list_bytes'))],
  ['50-issue search reply, default fields (issue keys named)', (s) => reply(s, 'default_fields')],
  ['50-issue search reply, fields summary+status', (s) => reply(s, 'stdio')],
  ['per-call latency, stdio, median / p99 (search, summary+status)', (s) => `${ms(get(s, 'stdio', 'call_ms.median'))} / ${ms(get(s, 'stdio', 'call_ms.p99'))}`],
  ['upstream alone: that search\'s Jira request, median (before, after)', (s) => `${ms(upstream(s))} (${ms(get(s, 'upstream_before', 'ms.median'))}, ${ms(get(s, 'upstream_after', 'ms.median'))})`],
  ['per-call overhead over upstream, stdio, median', (s) => ms(overhead(s))],
  ['per-call latency, HTTP, 1 session, median / p99 (same search)', (s) => httpCell(s, 1, (d) => d, (d) => `${ms(d.call_ms.median)} / ${ms(d.call_ms.p99)}`)],
  ['calls per second, HTTP, 1 session', (s) => httpCell(s, 1, (d) => d.calls_per_s, rate)],
  ['calls per second, HTTP, 8 sessions', (s) => httpCell(s, 8, (d) => d.calls_per_s, rate)],
  ['calls per second, HTTP, 32 sessions', (s) => httpCell(s, 32, (d) => d.calls_per_s, rate)],
  ['calls per second, HTTP, 64 sessions', (s) => httpCell(s, 64, (d) => d.calls_per_s, rate)],
  ['64 sessions: time until all are initialized / p99 call latency', (s) => httpCell(s, 64, (d) => d, (d) => `${(d.initialize_all_seconds * 1000).toFixed(0)} ms / ${ms(d.call_ms.p99)}`)],
  ['token exchanges of one user, stdio', (s) => exchanges(s, 'exchanges_stdio')],
  ['token exchanges of one user, HTTP (every call of the 1-, 8-, 32- and 64-session runs)', (s) => (results[s]?.exchanges_http ? exchanges(s, 'exchanges_http') : 'no HTTP')],
];

const runs = get('jira-mcp', 'stdio', 'to_tools_list_ms.n');
console.log(`| figure | ${servers.map((s) => labels[s]).join(' | ')} |`);
console.log(`|---|${servers.map(() => '---').join('|')}|`);
for (const [label, cell] of rows) {
  console.log(`| ${label.replace('median of N', `median of ${runs}`)} | ${servers.map(cell).join(' | ')} |`);
}

const sb1 = results.sandbox?.search_1conn;
const sb8 = results.sandbox?.search_8conn;
const machine = results.machine ?? {};
console.log('');
if (sb1 && sb8) {
  console.log(
    `- Sandbox alone, 50-issue search (POST /search/jql, jira-mcp's default fields, ${sb1.body_bytes} B): ` +
      `${rate(sb1.rps)} on 1 connection (median ${ms(sb1.ms.median)}, p99 ${ms(sb1.ms.p99)}), ` +
      `${rate(sb8.rps)} on 8 connections; errors ${sb1.errors + sb8.errors}.`,
  );
}
const cg = [results['jira-mcp']?.callgrind_20, results['jira-mcp']?.callgrind_220];
if (cg[0] && cg[1]) {
  const perCall = (cg[1].ir_session - cg[0].ir_session) / (cg[1].calls - cg[0].calls);
  console.log(
    `- jira-mcp instructions (callgrind): ${(cg[0].ir_start_to_exit / 1e6).toFixed(1)} M from exec through ` +
      `initialize and tools/list to exit; ${(perCall / 1e3).toFixed(0)} k per 50-issue search call over stdio.`,
  );
}
// Instructions per request from a zeroed-then-dumped phase of a server under callgrind.
const perRequest = (phase) => (phase && phase.run.errors === 0 ? phase.ir / phase.requests : null);
const sandboxDefault = perRequest(results.sandbox?.callgrind_default);
const sandboxSame = perRequest(results.sandbox?.callgrind_same);
const oursHttp = perRequest(results['jira-mcp']?.callgrind_http);
if (sandboxDefault && sandboxSame) {
  console.log(
    `- Sandbox instructions (callgrind) per 50-issue search: ${(sandboxDefault / 1e6).toFixed(2)} M with ` +
      `jira-mcp's default fields, ${(sandboxSame / 1e6).toFixed(2)} M with summary+status.`,
  );
}
if (oursHttp) {
  console.log(
    `- jira-mcp over HTTP (callgrind): ${(oursHttp / 1e6).toFixed(2)} M instructions per call ` +
      `(bearer JWT verified, the summary+status search); with the sandbox's own ` +
      `${sandboxSame ? (sandboxSame / 1e6).toFixed(2) : '?'} M, ` +
      `${sandboxSame ? ((oursHttp + sandboxSame) / 1e6).toFixed(2) : '?'} M per call for server and sandbox together.`,
  );
}
if (machine.info) {
  console.log(
    `- Network namespace interfaces: ${machine.info.interfaces.trim()}; load average before ${machine.info.load_before}` +
      (machine.finished ? `, after ${machine.finished.load_after}; the front served ${machine.finished.front_served} requests.` : '.'),
  );
}
