// The MCP Inspector's CLI (`mcp-inspector --cli --method tools/list`) lists jira-mcp's tools over
// stdio (the Inspector launches jira-mcp) and over Streamable HTTP (with the user's bearer
// token in a header), in the legacy era and in auto negotiation.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  binaryPath,
  control,
  kSkipWithoutBinary,
  scratchDir,
  serverEnv,
  uniqueSub,
} from '../lib/harness.mjs';
import { mintBearer, startHttpServer } from '../lib/http_server.mjs';

const kToolNames = ['create_issue', 'get_issue', 'list_projects', 'search_issues'];
const kTimeout = { timeout: 120000 };
const kInspectorTimeoutMs = 90000;

// The Inspector's launcher script, found through its package.json (not exported as a module).
function inspectorLauncher() {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('@modelcontextprotocol/inspector/package.json');
  const pkg = require(manifest);
  return path.join(path.dirname(manifest), pkg.bin['mcp-inspector']);
}

// Runs the Inspector CLI on the Node running these tests (22, as it needs) with a home of its own
// (it keeps a catalog there) and resolves to {code, signal, stdout, stderr}.
function runInspector(args) {
  const home = scratchDir('inspector-home');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    MCP_CATALOG_PATH: path.join(home, 'mcp.json'),
    MCP_CLIENT_CONFIG_PATH: path.join(home, 'client.json'),
  };
  for (const name of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) {
    if (process.env[name] !== undefined) {
      env[name] = process.env[name];
    }
  }
  const child = spawn(process.execPath, [inspectorLauncher(), '--cli', ...args],
    { env, cwd: scratchDir('inspector'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), kInspectorTimeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// The tool names of a `--format json` tools/list answer; fails with the Inspector's output.
function listedNames(run) {
  const where = `\n--- inspector stdout ---\n${run.stdout.slice(0, 3000)}`
    + `\n--- inspector stderr ---\n${run.stderr.slice(-3000)}`;
  assert.equal(run.code, 0, `the Inspector CLI failed (signal ${run.signal})${where}`);
  let answer;
  try {
    answer = JSON.parse(run.stdout);
  } catch (e) {
    assert.fail(`the Inspector printed no JSON (${e.message})${where}`);
  }
  const tools = answer?.result?.tools;
  assert.ok(Array.isArray(tools), `no result.tools array in the answer${where}`);
  return tools.map((t) => t.name).sort();
}

function assertCoreTools(names) {
  for (const name of kToolNames) {
    assert.ok(names.includes(name), `${name} is listed: ${names}`);
  }
}

describe('the MCP Inspector CLI lists jira-mcp\'s tools', { skip: kSkipWithoutBinary }, () => {
  let server;
  let bearer;

  before(async () => {
    server = await startHttpServer();
    bearer = await mintBearer(uniqueSub('inspector-http'));
  });

  after(async () => {
    const exit = await server?.stop();
    assert.deepEqual(exit, { code: 0, signal: null },
      `jira-mcp did not end cleanly on SIGTERM; stderr:\n${server?.stderr().slice(-3000)}`);
  });

  test('over stdio, launching jira-mcp', kTimeout, async () => {
    const subjectToken = await control.mintSubject(uniqueSub('inspector-stdio'));
    const env = Object.entries(serverEnv(subjectToken)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);

    const run = await runInspector(['--method', 'tools/list', '--format', 'json', ...env,
      '--transport', 'stdio', binaryPath()]);

    assertCoreTools(listedNames(run));
  });

  // What jira-mcp logged of each request while `act` ran: the methods, in order.
  async function methodsLoggedDuring(act) {
    const from = server.stderr().length;
    const value = await act();
    const methods = [...server.stderr().slice(from).matchAll(/ request id=\S+ method=(\S+)/g)]
      .map((m) => m[1]);
    return { value, methods };
  }

  // Per era: the first method the Inspector must send, and the one it must never send.
  const kEras = [['legacy', 'initialize', 'server/discover'], ['auto', 'server/discover',
    'initialize']];
  for (const [era, first, never] of kEras) {
    test(`over HTTP with the bearer token (${era} era)`, kTimeout, async () => {
      const args = ['--method', 'tools/list', '--format', 'json', '--transport', 'http',
        '--server-url', server.url, '--header', `Authorization: Bearer ${bearer}`,
        '--protocol-era', era, '--stored-auth-only'];

      const { value: run, methods } = await methodsLoggedDuring(() => runInspector(args));

      assertCoreTools(listedNames(run));
      assert.equal(methods[0], first, `the Inspector began with ${first}: ${methods}`);
      assert.ok(!methods.includes(never), `no ${never} in the ${era} era: ${methods}`);
      assert.ok(methods.includes('tools/list'), `tools/list reached jira-mcp: ${methods}`);
    });
  }

  test('over HTTP without a token the Inspector fails with auth_required',
    kTimeout, async () => {
      const run = await runInspector(['--method', 'tools/list', '--format', 'json',
        '--transport', 'http', '--server-url', server.url, '--stored-auth-only']);

      assert.notEqual(run.code, 0, `listed without a token:\n${run.stdout.slice(0, 2000)}`);
      // --format json: the failure is one JSON envelope on stderr.
      const envelope = run.stderr.split('\n').filter((l) => l.startsWith('{"error"')).at(-1);
      assert.ok(envelope, `no error envelope on stderr:\n${run.stderr.slice(-2000)}`);
      assert.equal(JSON.parse(envelope).error.code, 'auth_required', envelope);
      assert.equal(run.stdout, '', 'nothing listed');
    });
});
