// The Atlassian API stand-in: a recording front before Prism.
//
// - GET /oauth/token/accessible-resources is answered here (no Jira spec has it): the sites the
//   zone's policy gives the token's subject, or 401 for a token the zone never issued.
// - Everything else goes to Prism unchanged, which checks it against Atlassian's contract.
// - Every request is recorded: method, path, Authorization header, request body, status, and the
//   `sl-violations` header by which Prism reports a contract violation.
import http from 'node:http';

import {
  bearerOf, closeServer, forwardRequest, listenOnLoopback, readBody, sendJson,
} from './http_util.mjs';

export const kAccessibleResources = '/oauth/token/accessible-resources';
const kMaxRecordedBody = 256 * 1024;

export function parseViolations(header) {
  if (header === undefined) {
    return [];
  }
  try {
    const parsed = JSON.parse(header);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [{ message: String(header) }];
  }
}

// Prism answers a request outside the contract (no such path or method) with its own problem
// document and no sl-violations header; that is a contract violation too.
export function prismProblem(res, buf) {
  if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) {
    return [];
  }
  try {
    const problem = JSON.parse(buf.toString('utf8'));
    if (String(problem.type).includes('stoplight.io/prism/errors')) {
      const code = problem.type.split('#').pop();
      return [{ code, message: `${problem.title}: ${problem.detail}` }];
    }
  } catch {
    // Not Prism's own problem document: Atlassian's error bodies are recorded through status.
  }
  return [];
}

function answerSites(req, sitesFor) {
  if (req.method !== 'GET') {
    return { status: 405, json: { code: 405, message: 'Method Not Allowed' } };
  }
  const sites = sitesFor(bearerOf(req.headers.authorization));
  if (sites === undefined) {
    return { status: 401, json: { code: 401, message: 'Unauthorized' } };
  }
  return { status: 200, json: sites };
}

async function answerFromPrism(prismUrl, req, body) {
  const { res, buf } = await forwardRequest(prismUrl, req, body);
  const headers = { ...res.headers };
  delete headers.connection;
  delete headers['transfer-encoding'];
  headers['content-length'] = buf.length;
  return {
    status: res.statusCode,
    headers,
    body: buf,
    violations: [...parseViolations(res.headers['sl-violations']), ...prismProblem(res, buf)],
  };
}

async function answer(prismUrl, sitesFor, req, body) {
  try {
    if (new URL(req.url, 'http://front').pathname === kAccessibleResources) {
      return answerSites(req, sitesFor);
    }
    return await answerFromPrism(prismUrl, req, body);
  } catch (e) {
    return {
      status: 502,
      json: { errorMessages: ['the test front could not reach prism'] },
      violations: [{ message: `front could not reach prism: ${e.message}` }],
    };
  }
}

// `sitesFor(token)` returns the sites array for an issued token, or undefined for a token the
// zone did not issue. `record(entry)` stores one request record; it runs before the answer is
// sent, so a client that has its answer also finds the record.
export async function startJiraFront({ prismUrl, sitesFor, record }) {
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const reply = await answer(prismUrl, sitesFor, req, body);
    record({
      method: req.method,
      path: req.url,
      authorization: req.headers.authorization ?? null,
      contentType: req.headers['content-type'] ?? null,
      body: body.subarray(0, kMaxRecordedBody).toString('utf8'),
      status: reply.status,
      violations: reply.violations ?? [],
    });
    if (reply.json !== undefined) {
      sendJson(res, reply.status, reply.json);
      return;
    }
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body);
  });

  const url = await listenOnLoopback(server);
  return { url, stop: () => closeServer(server) };
}
