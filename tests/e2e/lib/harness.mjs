// Test-side helpers: the stand-ins' control API, the environment jira-mcp is launched with, an
// MCP SDK client over stdio that records every message, and a raw stdio session for the cases
// that need exact bytes on the wire.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

import { getJson } from './http_util.mjs';

export { kJiraResource } from './zone.mjs';
export const kProtocolVersion = '2025-11-25';

// The jira-mcp binary under test, or undefined when JIRA_MCP_BINARY is not set (the tests that
// need it are then skipped; run.mjs says so). A set but missing path is an error.
export function binaryPath() {
  const binary = process.env.JIRA_MCP_BINARY;
  if (!binary) {
    return undefined;
  }
  if (!fs.existsSync(binary)) {
    throw new Error(`JIRA_MCP_BINARY=${binary} does not exist`);
  }
  return binary;
}

export const kSkipWithoutBinary = binaryPath() ? false : 'JIRA_MCP_BINARY is not set';

function controlUrl() {
  const url = process.env.E2E_CONTROL_URL;
  if (!url) {
    throw new Error('E2E_CONTROL_URL is not set: run the tests through run.sh');
  }
  return url;
}

async function call(method, route, body) {
  const res = await getJson(`${controlUrl()}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status !== 200) {
    throw new Error(`control ${method} ${route}: ${res.status} ${JSON.stringify(res.json)}`);
  }
  return res.json;
}

export const control = {
  state: () => call('GET', '/state'),
  records: (since = 0) => call('GET', `/records?since=${since}`),
  mark: async () => (await call('GET', '/records?since=0')).seq,
  mintSubject: async (sub, options = {}) =>
    (await call('POST', '/subjects', { sub, ...options })).token,
  setPolicy: (sub, policy) => call('PUT', `/policies/${encodeURIComponent(sub)}`, policy),
  clearPolicy: (sub) => call('DELETE', `/policies/${encodeURIComponent(sub)}`),
  setSites: (sub, sites) => call('PUT', `/sites/${encodeURIComponent(sub)}`, sites),
  clearSites: (sub) => call('DELETE', `/sites/${encodeURIComponent(sub)}`),
};

// A subject name no other test uses, so records and policies can be told apart.
export function uniqueSub(label) {
  return `e2e-${label}-${crypto.randomBytes(4).toString('hex')}`;
}

// The environment jira-mcp gets: only what it needs, nothing from the developer's shell.
export function serverEnv(subjectToken, extra = {}) {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // Not the developer's home: nothing kept there (a login, a token file) may take part.
    HOME: scratchDir('home'),
    KEYCARD_ZONE_URL: process.env.E2E_ZONE_URL,
    KEYCARD_CLIENT_ID: process.env.E2E_CLIENT_ID,
    KEYCARD_CLIENT_SECRET: process.env.E2E_CLIENT_SECRET,
    ATLASSIAN_API_URL: process.env.E2E_JIRA_URL,
    JIRA_MCP_LOG_LEVEL: 'debug',
  };
  // A sanitizer build reads its options from the environment the test runs in.
  for (const name of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) {
    if (process.env[name] !== undefined) {
      env[name] = process.env[name];
    }
  }
  Object.assign(env, extra);
  if (subjectToken !== undefined) {
    env.KEYCARD_SUBJECT_TOKEN = subjectToken;
  }
  return env;
}

const scratch = [];
process.on('exit', () => {
  for (const dir of scratch) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// An empty folder, removed when the test file ends: a working folder where no .env or settings
// file of the repository is picked up, or a home.
export function scratchDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `jira-mcp-e2e-${label}-`));
  scratch.push(dir);
  return dir;
}

// The SDK's stdio transport, with every message in both directions kept in `log`.
class RecordingTransport {
  constructor(inner) {
    this.inner = inner;
    this.log = [];
    inner.onmessage = (m) => {
      this.log.push({ dir: 'in', message: m });
      this.onmessage?.(m);
    };
    inner.onerror = (e) => this.onerror?.(e);
    inner.onclose = () => this.onclose?.();
  }

  start() {
    return this.inner.start();
  }

  send(message, options) {
    this.log.push({ dir: 'out', message });
    return this.inner.send(message, options);
  }

  close() {
    return this.inner.close();
  }

  setProtocolVersion(version) {
    this.inner.setProtocolVersion?.(version);
  }

  get pid() {
    return this.inner.pid;
  }
}

// Launches jira-mcp through the SDK's StdioClientTransport and connects an SDK Client.
// Resolves to {client, transport, stderr(), close()}; close() waits for the process to end.
export async function connectClient({ env, cwd = scratchDir('sdk') }) {
  const inner = new StdioClientTransport({
    command: binaryPath(),
    args: [],
    env,
    cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  inner.stderr?.setEncoding('utf8');
  inner.stderr?.on('data', (d) => {
    stderr += d;
  });
  const transport = new RecordingTransport(inner);
  const client = new Client({ name: 'jira-mcp-e2e', version: '0.0.0' }, { capabilities: {} });
  await client.connect(transport);
  return {
    client,
    transport,
    stderr: () => stderr,
    close: () => client.close(),
  };
}

const live = new Set();

// Ends every jira-mcp process a test started and did not finish (for an `after` hook, so that a
// test that timed out leaves nothing running).
export function killLeftovers() {
  for (const session of live) {
    session.kill();
  }
}

// A jira-mcp process driven byte by byte: lines in, every stdout byte kept.
export class RawSession {
  constructor({ env, cwd = scratchDir('raw') }) {
    this.child = spawn(binaryPath(), [], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(this);
    this.rawLines = new Map();
    this.stdoutChunks = [];
    this.stderr = '';
    this.pending = '';
    this.messages = [];
    this.taken = new Set();
    this.waiters = [];
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        live.delete(this);
        resolve({ code, signal });
      });
    });
    this.child.stdout.on('data', (chunk) => this.onStdout(chunk));
    this.child.stderr.setEncoding('utf8').on('data', (d) => {
      this.stderr += d;
    });
    this.child.stdin.on('error', () => {});
  }

  onStdout(chunk) {
    this.stdoutChunks.push(chunk);
    this.pending += chunk.toString('latin1');
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      const line = Buffer.from(this.pending.slice(0, newline), 'latin1');
      this.pending = this.pending.slice(newline + 1);
      this.onLine(line);
      newline = this.pending.indexOf('\n');
    }
  }

  onLine(bytes) {
    let message;
    let text = '';
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      message = JSON.parse(text);
    } catch (e) {
      message = { unparsable: bytes.toString('utf8'), reason: e.message };
    }
    if (message === null || typeof message !== 'object') {
      message = { unparsable: text, reason: 'not a JSON object' };
    }
    this.messages.push(message);
    this.rawLines.set(message, text);
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      this.taken.add(message);
      waiter.resolve(message);
    }
  }

  // Writes one line; `message` is an object (compact JSON) or a string sent as is.
  send(message, eol = '\n') {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    this.child.stdin.write(text + eol);
  }

  // Resolves with the first message (already received or still to come) that `match` accepts
  // and that no earlier call took.
  next(match) {
    const found = this.messages.find((m) => !this.taken.has(m) && match(m));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    const waiting = new Promise((resolve) => {
      this.waiters.push({ match, resolve });
    });
    // 'close' comes after the last stdout byte, so a process that ended without the message
    // will never send it.
    const ended = this.exited.then(({ code, signal }) => {
      throw new Error(`jira-mcp ended (code ${code}, signal ${signal}) without the awaited `
        + `message; stderr tail:\n${this.stderr.slice(-3000)}`);
    });
    ended.catch(() => {});
    return Promise.race([waiting, ended]);
  }

  // The line `message` came in, as text.
  rawLine(message) {
    return this.rawLines.get(message);
  }

  // Sends a message and resolves with the next reply (a message without `method`), whatever
  // its id.
  async sendForReply(message, eol) {
    const reply = this.next((m) => !('method' in m));
    this.send(message, eol);
    return reply;
  }

  // Sends a request and resolves with its reply, matched by id with type and value.
  async request(message, eol) {
    const wanted = JSON.stringify(message.id);
    const reply = this.next((m) => !('method' in m) && JSON.stringify(m.id) === wanted);
    this.send(message, eol);
    return reply;
  }

  async initialize(eol) {
    const reply = await this.request({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: {
        protocolVersion: kProtocolVersion,
        capabilities: {},
        clientInfo: { name: 'jira-mcp-e2e-raw', version: '0.0.0' },
      },
    }, eol);
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' }, eol);
    return reply;
  }

  // Closes stdin and resolves when the process has ended: {code, signal, stdout: Buffer}.
  async finish() {
    this.child.stdin.end();
    const { code, signal } = await this.exited;
    return { code, signal, stdout: Buffer.concat(this.stdoutChunks), stderr: this.stderr };
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      process.kill(this.child.pid, 'SIGKILL');
    }
  }
}

// Every stdout line of a finished session, checked: valid UTF-8, LF-terminated, JSON-RPC 2.0.
// Returns a list of problems (empty when all is well).
export function stdoutProblems(stdout) {
  const problems = [];
  if (stdout.length > 0 && stdout[stdout.length - 1] !== 0x0a) {
    problems.push('stdout does not end with a newline');
  }
  if (stdout.includes(0x0d)) {
    problems.push('stdout contains a carriage return');
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(stdout);
  } catch {
    return [...problems, 'stdout is not valid UTF-8'];
  }
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const problem = jsonRpcProblem(line);
    if (problem) {
      problems.push(`line ${i + 1}: ${problem}: ${line.slice(0, 200)}`);
    }
  });
  return problems;
}

function jsonRpcProblem(line) {
  let m;
  try {
    m = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    return 'not a JSON-RPC object';
  }
  if (m.jsonrpc !== '2.0') {
    return 'jsonrpc is not "2.0"';
  }
  const isRequest = typeof m.method === 'string';
  const isReply = 'id' in m && (('result' in m) !== ('error' in m));
  if (!isRequest && !isReply) {
    return 'neither a request, a notification nor a reply';
  }
  return undefined;
}
