// The product's sandbox (`jira-mcp sandbox`) behind Atlassian's contract, for the tests that run
// jira-mcp against it:
//
//   jira-mcp ──ATLASSIAN_API_URL──> router front ──/ex/jira/…──> prism proxy --errors ──> sandbox
//            │                                   └─/oauth/token/accessible-resources──> sandbox
//            └──KEYCARD_ZONE_URL──────────────────────────────────────────────────────> sandbox
//
// The zone and accessible-resources are in no Jira OpenAPI document, so they go to the sandbox
// directly; Prism with --errors turns an unknown path into an error, so sending them through it
// would only test that. Any other path is not Atlassian's and the front refuses it, recorded as a
// violation. Every request through the front is recorded with Prism's verdict on it.
import { spawn } from 'node:child_process';
import http from 'node:http';

import {
  closeServer, forwardRequest, kLoopback, listenOnLoopback, readBody, request,
} from './http_util.mjs';
import { kAccessibleResources, parseViolations, prismProblem } from './jira_front.mjs';

export const kSandboxClientId = 'jira-mcp-sandbox';
export const kSandboxClientSecret = 'sandbox-secret';
export const kDemoPassword = 'sandbox';
export const kSites = {
  acme: '6c1f7c1e-2f5b-4c1d-9a51-3d2c9e6b7a10',
  'acme-labs': 'b7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e01',
};

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => process.kill(child.pid, 'SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    process.kill(child.pid, 'SIGTERM');
  });
}

// Starts `binary sandbox --port 0` and resolves, once it printed its URL, to
// {url, pid, stderr(), stop()}.
export function startSandbox({ binary, env = {}, timeoutMs = 60000 }) {
  const child = spawn(binary, ['sandbox', '--host', kLoopback, '--port', '0'], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopChild(child);
      reject(new Error(`the sandbox did not start within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox ended (code ${code}, signal ${signal}); stderr:\n${stderr}`));
    });
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      const found = /^sandbox listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (found) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          url: found[1],
          pid: child.pid,
          stderr: () => stderr,
          stop: () => stopChild(child),
        });
      }
    });
  });
}

// A form-encoded POST to the sandbox's token endpoint; resolves to {status, headers, json}.
export async function postToken(tokenEndpoint, params, { basic } = {}) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    headers.authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
  }
  const res = await request(tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
  });
  let json;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text: res.body.toString('utf8') };
}

// A demo user's zone token by the password grant (what `jira-mcp sandbox --print-token` does).
export async function userToken(tokenEndpoint, login) {
  const res = await postToken(tokenEndpoint,
    { grant_type: 'password', username: login, password: kDemoPassword });
  if (res.status !== 200) {
    throw new Error(`password grant for ${login}: ${res.status} ${res.text}`);
  }
  return res.json.access_token;
}

function routeOf(pathname) {
  if (pathname === kAccessibleResources) {
    return 'sandbox';
  }
  return pathname.startsWith('/ex/jira/') ? 'prism' : undefined;
}

async function answer({ prismUrl, sandboxUrl }, req, body) {
  const pathname = new URL(req.url, 'http://front').pathname;
  const route = routeOf(pathname);
  if (route === undefined) {
    const text = JSON.stringify({ errorMessages: ['not a path of Atlassian\'s API'] });
    return {
      route: 'refused',
      status: 404,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      body: text,
      violations: [{ code: 'NOT_ATLASSIAN', message: `${req.method} ${pathname} is not routed` }],
    };
  }
  const { res, buf } = await forwardRequest(route === 'prism' ? prismUrl : sandboxUrl, req, body);
  const headers = { ...res.headers };
  delete headers.connection;
  delete headers['transfer-encoding'];
  headers['content-length'] = buf.length;
  const violations = route === 'prism'
    ? [...parseViolations(res.headers['sl-violations']), ...prismProblem(res, buf)]
    : [];
  return { route, status: res.statusCode, headers, body: buf, violations };
}

// The router front. `records` receives one entry per request: {seq, method, path, route,
// status, violations, authorization, responseBody}. Resolves to {url, records, stop()}.
export async function startRouterFront({ prismUrl, sandboxUrl }) {
  const records = [];
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    let reply;
    try {
      reply = await answer({ prismUrl, sandboxUrl }, req, body);
    } catch (e) {
      const text = JSON.stringify({ errorMessages: ['the test front could not reach upstream'] });
      reply = {
        route: 'error',
        status: 502,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
        body: text,
        violations: [{ code: 'FRONT', message: e.message }],
      };
    }
    records.push({
      seq: records.length + 1,
      method: req.method,
      path: req.url,
      route: reply.route,
      status: reply.status,
      violations: reply.violations,
      authorization: req.headers.authorization ?? null,
      responseBody: Buffer.from(reply.body).toString('utf8').slice(0, 4096),
    });
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  });
  const url = await listenOnLoopback(server);
  return { url, records, stop: () => closeServer(server) };
}
