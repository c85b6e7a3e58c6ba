// All stand-ins of the end-to-end tests in one place: Prism with its recording front (Jira), the
// Keycard zone (mock + token-exchange front), and a control server through which the tests mint
// subject tokens, set zone policies and read the records. Everything binds 127.0.0.1.
import http from 'node:http';

import { closeServer, listenOnLoopback, readBody, sendJson } from './http_util.mjs';
import { startJiraFront } from './jira_front.mjs';
import { startPrism } from './prism.mjs';
import { startZone } from './zone.mjs';

export const kCloudId = '5b0e8d9a-2c4f-4a7e-9d1b-6f3a2e1c0d42';
export const kClientId = 'jira-mcp-e2e';
export const kClientSecret = 'e2e-client-secret-7Qm2xV9c';

// Site data only: .example never resolves, so nothing can be sent there by mistake.
export const kDefaultSites = [
  {
    id: kCloudId,
    name: 'e2e-site',
    url: 'https://e2e-site.example',
    scopes: ['read:jira-work', 'write:jira-work', 'read:jira-user'],
    avatarUrl: 'https://avatars.example/rocket.png',
  },
];

class Records {
  constructor() {
    this.seq = 0;
    this.lists = { jira: [], exchanges: [], zoneRequests: [] };
  }

  add(kind, entry) {
    this.seq += 1;
    this.lists[kind].push({ seq: this.seq, at: new Date().toISOString(), ...entry });
  }

  since(seq) {
    const after = (list) => list.filter((e) => e.seq > seq);
    return {
      seq: this.seq,
      jira: after(this.lists.jira),
      exchanges: after(this.lists.exchanges),
      zoneRequests: after(this.lists.zoneRequests),
    };
  }
}

// Starts everything. `specPath` is the derived Jira spec; `log` takes Prism's output. If a part
// fails to start, the parts already running are stopped before the error is passed on.
export async function startStandins({ specPath, nodePath, log }) {
  const started = [];
  try {
    return await startAll({ specPath, nodePath, log, started });
  } catch (e) {
    for (const part of started.reverse()) {
      await part.stop();
    }
    throw e;
  }
}

async function startAll({ specPath, nodePath, log, started }) {
  const records = new Records();
  const policies = new Map();
  const siteOverrides = new Map();

  const t0 = performance.now();
  const prism = await startPrism({ specPath, nodePath, log });
  started.push(prism);
  const zone = await startZone({
    clientId: kClientId,
    clientSecret: kClientSecret,
    record: (e) => records.add('exchanges', e),
    recordRequest: (e) => records.add('zoneRequests', e),
    policyFor: (sub) => policies.get(sub),
  });
  started.push(zone);
  const sitesFor = (token) => {
    const grant = zone.issued.get(token);
    return grant ? (siteOverrides.get(grant.sub) ?? kDefaultSites) : undefined;
  };
  const jira = await startJiraFront({
    prismUrl: prism.url,
    sitesFor,
    record: (e) => records.add('jira', e),
  });
  started.push(jira);

  const state = {
    jiraUrl: jira.url,
    zoneUrl: zone.url,
    cloudId: kCloudId,
    clientId: kClientId,
    clientSecret: kClientSecret,
    prism: { url: prism.url, pid: prism.pid, startupMs: prism.startupMs },
    startupMs: Math.round(performance.now() - t0),
  };
  const control = await startControl({ state, records, zone, policies, siteOverrides });
  started.push(control);
  state.controlUrl = control.url;

  async function stop() {
    for (const part of [...started].reverse()) {
      await part.stop();
    }
  }
  return { state, stop };
}

function startControl({ state, records, zone, policies, siteOverrides }) {
  const name = (m) => decodeURIComponent(m[1]);
  const routes = [
    ['GET', /^\/state$/, () => state],
    ['GET', /^\/records$/, (m, q) => records.since(Number(q.get('since') ?? 0))],
    ['POST', /^\/subjects$/, async (m, q, body) => ({ token: await zone.mintSubjectToken(body) })],
    ['PUT', /^\/policies\/(.+)$/, (m, q, body) => (policies.set(name(m), body), {})],
    ['DELETE', /^\/policies\/(.+)$/, (m) => (policies.delete(name(m)), {})],
    ['PUT', /^\/sites\/(.+)$/, (m, q, body) => (siteOverrides.set(name(m), body), {})],
    ['DELETE', /^\/sites\/(.+)$/, (m) => (siteOverrides.delete(name(m)), {})],
  ];

  const server = http.createServer(async (req, res) => {
    const { pathname, searchParams } = new URL(req.url, 'http://control');
    const raw = (await readBody(req)).toString('utf8');
    for (const [method, pattern, handle] of routes) {
      const match = req.method === method ? pattern.exec(pathname) : null;
      if (match) {
        try {
          sendJson(res, 200, await handle(match, searchParams, raw ? JSON.parse(raw) : {}));
        } catch (e) {
          sendJson(res, 500, { error: e.message });
        }
        return;
      }
    }
    sendJson(res, 404, { error: `no control route ${req.method} ${pathname}` });
  });
  return listenOnLoopback(server).then((url) => ({ url, stop: () => closeServer(server) }));
}
