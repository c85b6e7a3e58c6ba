// The Keycard zone stand-in: oauth2-mock-server (RS256 keys, /jwks, signed JWTs) behind a front
// that adds what the mock lacks, RFC 8414 metadata and the RFC 8693 token-exchange grant.
//
// The front's base URL is the issuer of every token, exactly. The token endpoint accepts only
// the token-exchange grant, only with HTTP Basic client authentication (RFC 6749 §2.3.1), checks
// the subject token's signature and lifetime against the mock's JWKS, and requires the resource
// https://api.atlassian.com/ex/jira exactly (else invalid_target, RFC 8707 §2). A policy per
// subject (`sub`) can make it answer an error instead, as a zone's consent or access policy does.
import http from 'node:http';

import { OAuth2Server } from 'oauth2-mock-server';

import {
  closeServer,
  getJson,
  kLoopback,
  listenOnLoopback,
  readBody,
  sendJson,
} from './http_util.mjs';
import { fingerprint, verifyRs256 } from './jwt.mjs';

export const kJiraResource = 'https://api.atlassian.com/ex/jira';
export const kTokenExchangeGrant = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const kAccessTokenType = 'urn:ietf:params:oauth:token-type:access_token';
// Not the fallback /oauth/2/token on purpose: a client that skips RFC 8414 discovery misses it.
export const kTokenPath = '/oauth/2/exchange';
const kMaxLifetimeS = 3600;

class OAuthError extends Error {
  constructor(status, error, description, headers = {}) {
    super(description);
    this.status = status;
    this.error = error;
    this.headers = headers;
  }
}

function parseBasic(authorization) {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
  if (!match) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined.
  const unform = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
  try {
    return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function nowS() {
  return Math.floor(Date.now() / 1000);
}

// `record(entry)` stores each exchange attempt; `policyFor(sub)` returns undefined or
// {status, error, error_description} to answer instead of a token.
export async function startZone({ clientId, clientSecret, record, recordRequest, policyFor }) {
  const mock = new OAuth2Server(undefined, undefined, {
    shouldIssuerUrlBeSuffixedWithATralingSlash: false,
  });
  await mock.issuer.keys.generate('RS256');
  await mock.start(0, kLoopback);
  const mockUrl = `http://${kLoopback}:${mock.address().port}`;
  const issued = new Map();

  const front = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const { pathname } = new URL(req.url, 'http://front');
    recordRequest({ method: req.method, path: req.url });
    if (req.method === 'GET' && pathname === '/.well-known/oauth-authorization-server') {
      sendJson(res, 200, metadata());
      return;
    }
    if (pathname === kTokenPath) {
      await answerTokenRequest(req, body, res);
      return;
    }
    await forwardToMock(req, body, res);
  });
  const url = await listenOnLoopback(front);
  mock.issuer.url = url;

  function metadata() {
    return {
      issuer: url,
      token_endpoint: `${url}${kTokenPath}`,
      jwks_uri: `${url}/jwks`,
      grant_types_supported: [kTokenExchangeGrant],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      response_types_supported: [],
    };
  }

  async function answerTokenRequest(req, body, res) {
    const form = new URLSearchParams(body.toString('utf8'));
    const entry = {
      ok: false,
      grantType: form.get('grant_type'),
      clientId: null,
      subjectFingerprint: form.has('subject_token') ? fingerprint(form.get('subject_token')) : null,
      subjectToken: form.get('subject_token'),
      subjectSub: null,
      resource: form.getAll('resource'),
      audience: form.getAll('audience'),
      scope: form.get('scope'),
    };
    try {
      const answer = await exchange(req, form, entry);
      entry.ok = true;
      record(entry);
      sendJson(res, 200, answer);
    } catch (e) {
      if (!(e instanceof OAuthError)) {
        throw e;
      }
      entry.status = e.status;
      entry.error = e.error;
      entry.errorDescription = e.message;
      record(entry);
      sendJson(res, e.status, { error: e.error, error_description: e.message }, e.headers);
    }
  }

  async function exchange(req, form, entry) {
    if (req.method !== 'POST') {
      throw new OAuthError(405, 'invalid_request', 'the token endpoint takes POST only');
    }
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) {
      throw new OAuthError(400, 'invalid_request',
        'the body must be application/x-www-form-urlencoded');
    }

    const client = parseBasic(req.headers.authorization);
    entry.clientId = client?.id ?? null;
    if (!client || client.id !== clientId || client.secret !== clientSecret) {
      throw new OAuthError(401, 'invalid_client',
        'client authentication failed (HTTP Basic required)',
        { 'www-authenticate': 'Basic realm="zone"' });
    }
    const otherId = form.has('client_id') && form.get('client_id') !== clientId;
    if (form.has('client_secret') || otherId) {
      throw new OAuthError(400, 'invalid_request', 'use exactly one client authentication method');
    }

    if (form.get('grant_type') !== kTokenExchangeGrant) {
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${form.get('grant_type')}`);
    }
    if (!form.get('subject_token') || form.get('subject_token_type') !== kAccessTokenType) {
      throw new OAuthError(400, 'invalid_request',
        'subject_token and an access_token subject_token_type are required');
    }

    const jwks = (await getJson(`${mockUrl}/jwks`)).json;
    const verdict = verifyRs256(form.get('subject_token'), jwks, { issuer: url, nowS: nowS() });
    if (!verdict.ok) {
      throw new OAuthError(400, 'invalid_grant', `subject token rejected: ${verdict.reason}`);
    }
    entry.subjectSub = verdict.payload.sub;

    const resources = form.getAll('resource');
    if (resources.length !== 1 || resources[0] !== kJiraResource) {
      throw new OAuthError(400, 'invalid_target', `resource must be ${kJiraResource}`);
    }

    const policy = policyFor(verdict.payload.sub);
    if (policy) {
      throw new OAuthError(policy.status ?? 400, policy.error, policy.error_description);
    }
    return issue(verdict.payload, form.get('scope'), entry);
  }

  async function issue(subject, scope, entry) {
    const lifetime = Math.max(1, Math.min(kMaxLifetimeS, subject.exp - nowS()));
    const token = await mock.issuer.buildToken({
      expiresIn: lifetime,
      scopesOrTransform: (header, payload) => {
        payload.sub = subject.sub;
        payload.aud = kJiraResource;
        payload.client_id = clientId;
        payload.act = { sub: clientId };
        if (scope !== null) {
          payload.scope = scope;
        }
      },
    });
    issued.set(token, { sub: subject.sub, scope, resource: kJiraResource });
    entry.issuedToken = token;
    entry.issuedFingerprint = fingerprint(token);
    entry.expiresIn = lifetime;
    const answer = {
      access_token: token,
      issued_token_type: kAccessTokenType,
      token_type: 'Bearer',
      expires_in: lifetime,
    };
    if (scope !== null) {
      answer.scope = scope;
    }
    return answer;
  }

  function forwardToMock(req, body, res) {
    return new Promise((resolve) => {
      const headers = { ...req.headers };
      delete headers.host;
      const upstream = http.request(new URL(req.url, mockUrl),
        { method: req.method, headers, agent: false },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res).on('finish', resolve);
        });
      upstream.on('error', (e) => {
        sendJson(res, 502, { error: 'server_error', error_description: e.message });
        resolve();
      });
      upstream.end(body);
    });
  }

  // A user's Keycard token as the zone would issue it (signed by the mock, iss = the front).
  async function mintSubjectToken({ sub, expiresIn = kMaxLifetimeS, claims = {} }) {
    return mock.issuer.buildToken({
      expiresIn,
      scopesOrTransform: (header, payload) => {
        Object.assign(payload, { sub, aud: 'urn:jira-mcp:e2e', client_id: 'e2e-host' }, claims);
      },
    });
  }

  async function stop() {
    await closeServer(front);
    await mock.stop();
  }

  return { url, mockUrl, issued, mintSubjectToken, stop };
}
