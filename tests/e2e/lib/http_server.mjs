// jira-mcp as a shared Streamable HTTP server verifying Keycard bearer tokens, for the tests that
// drive it with real MCP clients: the process on a port the system picks, bearer tokens minted for
// its resource URL, and a fetch that records every exchange and refuses any non-loopback host.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import { apiRequests, exchangeProblems, exchangesOf, jiraRequestProblems } from './checks.mjs';
import { binaryPath, control, scratchDir, serverEnv } from './harness.mjs';
import { kLoopback } from './http_util.mjs';

// This server's resource URL (RFC 9728 `resource`, the audience of its bearer tokens). A
// loopback name on purpose: a client that followed it would still reach only this machine. The
// server listens on another port than the URL says, as it would behind a proxy.
export const kPublicUrl = 'http://localhost/mcp';
export const kMetadataPath = '/.well-known/oauth-protected-resource/mcp';

const kStartTimeoutMs = 30000;
const live = new Set();

process.on('exit', () => {
  for (const child of live) {
    child.kill('SIGKILL');
  }
});

// A user's Keycard token for this server: signed by the zone stand-in, aud = kPublicUrl.
export function mintBearer(sub, claims = {}) {
  return control.mintSubject(sub, { claims: { aud: kPublicUrl, ...claims } });
}

// Starts `jira-mcp --transport http --port 0 --auth keycard` and resolves, once it logs the
// address it listens on, to {url, origin, port, pid, stderr(), stop()}. stop() sends SIGTERM and
// resolves to {code, signal}.
export async function startHttpServer({ extraArgs = [], extraEnv = {} } = {}) {
  const args = ['--transport', 'http', '--host', kLoopback, '--port', '0', '--auth', 'keycard',
    '--public-url', kPublicUrl, ...extraArgs];
  const child = spawn(binaryPath(), args, {
    env: serverEnv(undefined, extraEnv),
    cwd: scratchDir('http'),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let stderr = '';
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const listening = new Promise((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      const match = /serving MCP url=\S+ listen=([0-9.]+):(\d+)/.exec(stderr);
      if (match) {
        resolve(Number(match[2]));
      }
    });
  });
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), kStartTimeoutMs);
  });
  const port = await Promise.race([listening, exited, timeout]);
  clearTimeout(timer);
  if (typeof port !== 'number') {
    child.kill('SIGKILL');
    throw new Error(`jira-mcp --transport http did not start (${JSON.stringify(port)}); `
      + `stderr:\n${stderr.slice(-4000)}`);
  }
  const origin = `http://${kLoopback}:${port}`;
  return {
    url: `${origin}/mcp`,
    origin,
    port,
    pid: child.pid,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, 'SIGTERM');
      }
      return exited;
    },
  };
}

function isLoopback(url) {
  const { hostname } = new URL(url);
  return hostname === kLoopback || hostname === 'localhost' || hostname === '[::1]';
}

// The JSON-RPC messages of an answer's body: the JSON itself, or each `data:` event of an SSE
// stream.
function messagesOf(contentType, text) {
  if (contentType.startsWith('application/json')) {
    return text ? [JSON.parse(text)].flat() : [];
  }
  return text.split(/\r?\n\r?\n/)
    .map((event) => event.split(/\r?\n/).filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trimStart()).join('\n'))
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data));
}

// A fetch for an MCP client's transport that keeps one entry per exchange in `log`: method, url,
// request headers and body, status, response headers, and the JSON-RPC messages of the answer to
// a POST (JSON or SSE; the stream of a GET is not read). A request to any host but this machine
// fails before it is sent.
export function recordingFetch(log) {
  return async (input, init = {}) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!isLoopback(url)) {
      throw new Error(`e2e: refusing a request to ${url}: loopback only`);
    }
    const entry = {
      method: init.method ?? (input instanceof Request ? input.method : 'GET'),
      url,
      headers: Object.fromEntries(new Headers(init.headers ?? input.headers)),
      body: typeof init.body === 'string' ? init.body : undefined,
    };
    log.push(entry);
    const res = await fetch(input, init);
    entry.status = res.status;
    entry.responseHeaders = Object.fromEntries(res.headers);
    entry.responseMessages = [];
    const type = res.headers.get('content-type') ?? '';
    if (entry.method === 'POST' && /^(application\/json|text\/event-stream)/.test(type)) {
      entry.responseMessages = messagesOf(type, await res.clone().text());
    }
    return res;
  };
}

// Runs `act` (a client's tools/call) and resolves to {result, window, problems}: what the stand-ins
// recorded meanwhile, and every fault of Jira's side of it: a request without a token the zone
// issued for `bearer`'s subject, the bearer itself anywhere in a request, a contract violation, no
// /ex/jira request at all, or an exchange that failed or asked for another resource.
export async function callAndRecord(bearer, act) {
  const { cloudId, clientId } = await control.state();
  const mark = await control.mark();
  const result = await act();
  const window = await control.records(mark);
  const exchanges = exchangesOf(await control.records(0), bearer);
  if (exchanges.length === 0) {
    return { result, window, problems: ['the bearer token was never exchanged'] };
  }
  const problems = [
    ...jiraRequestProblems(window.jira, { exchanges, subjectToken: bearer, cloudId }),
    ...exchangeProblems(exchangesOf(window, bearer), { clientId }),
  ];
  if (apiRequests(window.jira).length === 0) {
    problems.push('Jira received no /ex/jira request');
  }
  return { result, window, problems };
}

// The JSON-RPC messages the client POSTed, parsed, with the exchange each came in.
export function postedMessages(log) {
  return log
    .filter((e) => e.method === 'POST' && e.body !== undefined)
    .map((e) => ({ entry: e, message: JSON.parse(e.body) }));
}

// The tail of the server's stderr, to append to an assertion's message.
export function stderrTail(server) {
  return `\n--- jira-mcp stderr (tail) ---\n${server.stderr().slice(-4000)}`;
}

// Stops the server (SIGTERM) and asserts that it ended cleanly.
export async function stopCleanly(server) {
  const exit = await server?.stop();
  assert.deepEqual(exit, { code: 0, signal: null },
    `jira-mcp did not end cleanly on SIGTERM; stderr:\n${server?.stderr().slice(-3000)}`);
}
