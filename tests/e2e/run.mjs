// Runner of the end-to-end tests: starts the stand-ins, runs `node --test` over test/*.test.mjs
// with their addresses in the environment, stops what it started and exits with the tests' code.
//
//   node run.mjs [node --test options]   run the tests (JIRA_MCP_BINARY names the server)
//   node run.mjs --standins-only         start the stand-ins, print their addresses, wait for ^C
//
// JIRA_MCP_SHARED_DIR names the shared folder (default: ../shared beside the repository root);
// E2E_LOG_DIR is where Prism's log goes (default: a new temporary folder).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startStandins } from './lib/standins.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

function specPath() {
  const shared = process.env.JIRA_MCP_SHARED_DIR || path.resolve(repoRoot, '..', 'shared');
  const spec = path.join(shared, 'jira-openapi', 'derived', 'jira-prism.json');
  if (!fs.existsSync(spec)) {
    throw new Error(`the Jira spec is not at ${spec}; set JIRA_MCP_SHARED_DIR`);
  }
  return spec;
}

// E2E_LOG_DIR, kept; or a temporary folder, removed after a run that passed.
function logDir() {
  if (process.env.E2E_LOG_DIR) {
    fs.mkdirSync(process.env.E2E_LOG_DIR, { recursive: true });
    return { dir: process.env.E2E_LOG_DIR, temporary: false };
  }
  return { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'jira-mcp-e2e-logs-')), temporary: true };
}

function testEnv(state) {
  const env = {
    ...process.env,
    E2E_CONTROL_URL: state.controlUrl,
    E2E_JIRA_URL: state.jiraUrl,
    E2E_ZONE_URL: state.zoneUrl,
    E2E_CLOUD_ID: state.cloudId,
    E2E_CLIENT_ID: state.clientId,
    E2E_CLIENT_SECRET: state.clientSecret,
  };
  if (env.JIRA_MCP_BINARY) {
    env.JIRA_MCP_BINARY = path.resolve(env.JIRA_MCP_BINARY);
  }
  return env;
}

function runTests(state, extraArgs) {
  const files = fs.readdirSync(path.join(here, 'test'))
    .filter((f) => f.endsWith('.test.mjs'))
    .sort()
    .map((f) => path.join(here, 'test', f));
  // One file at a time: the files share the stand-ins and read their records by sequence.
  const args = ['--test', '--test-concurrency=1', ...extraArgs, ...files];
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: testEnv(state), cwd: here });
  const forward = (signal) => process.kill(child.pid, signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function waitForSignal() {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

// A named binary that is not there is a failure before anything starts, not a skip.
function checkBinary() {
  const binary = process.env.JIRA_MCP_BINARY;
  if (!binary) {
    return;
  }
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch {
    throw new Error(`JIRA_MCP_BINARY=${binary} is not an executable file; build jira-mcp first`);
  }
}

async function main() {
  const args = process.argv.slice(2);
  checkBinary();
  const standinsOnly = args.includes('--standins-only');
  const { dir, temporary } = logDir();
  const prismLog = fs.createWriteStream(path.join(dir, 'prism.log'));

  const standins = await startStandins({
    specPath: specPath(),
    nodePath: process.execPath,
    log: (line) => prismLog.write(line),
  });
  const { state } = standins;
  console.log(`e2e: stand-ins up in ${state.startupMs} ms (prism ${state.prism.startupMs} ms, ` +
    `pid ${state.prism.pid}); logs in ${dir}`);

  let code = 0;
  try {
    if (standinsOnly) {
      console.log(JSON.stringify(state, null, 2));
      await waitForSignal();
    } else {
      if (!process.env.JIRA_MCP_BINARY) {
        console.log('e2e: JIRA_MCP_BINARY is not set: only the stand-ins\' own tests run');
      }
      code = await runTests(state, args);
    }
  } finally {
    await standins.stop();
    prismLog.end();
  }
  if (temporary && code === 0) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = code;
}

main().catch((e) => {
  console.error(`e2e: ${e.message}`);
  process.exitCode = 1;
});
