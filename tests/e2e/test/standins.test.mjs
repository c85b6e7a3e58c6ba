// The stand-ins checked on their own, without jira-mcp: if these fail, the end-to-end results
// mean nothing. They also show that the stand-ins can say no.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { control } from '../lib/harness.mjs';
import { getJson, request } from '../lib/http_util.mjs';
import { decodeJwt, verifyRs256 } from '../lib/jwt.mjs';
import {
  kAccessTokenType as kTokenType,
  kJiraResource,
  kTokenExchangeGrant as kGrant,
} from '../lib/zone.mjs';

let state;
let metadata;

before(async () => {
  state = await control.state();
  metadata = (await getJson(`${state.zoneUrl}/.well-known/oauth-authorization-server`)).json;
});

function basic(id, secret) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function exchange(fields, { auth = basic(state.clientId, state.clientSecret) } = {}) {
  const form = new URLSearchParams(fields);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) {
    headers.authorization = auth;
  }
  const body = form.toString();
  const res = await request(metadata.token_endpoint, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, json: JSON.parse(res.body.toString('utf8')) };
}

function exchangeFields(subjectToken, extra = {}) {
  return {
    grant_type: kGrant,
    subject_token: subjectToken,
    subject_token_type: kTokenType,
    resource: kJiraResource,
    scope: 'read:jira-work',
    ...extra,
  };
}

async function jira(path, headers = {}) {
  const mark = await control.mark();
  const res = await request(`${state.jiraUrl}${path}`, { headers });
  const [rec] = (await control.records(mark)).jira;
  return { res, rec };
}

describe('Jira stand-in: Prism behind the recording front', () => {
  test('answers GET /myself with Atlassian\'s example for a Bearer token', async () => {
    const { res, rec } = await jira(`/ex/jira/${state.cloudId}/rest/api/3/myself`,
      { authorization: 'Bearer any-token' });

    assert.equal(res.status, 200);
    assert.equal(typeof JSON.parse(res.body).accountId, 'string');
    assert.equal(rec.authorization, 'Bearer any-token');
    assert.deepEqual(rec.violations, []);
  });

  test('records a 401 violation when there are no credentials', async () => {
    const { res, rec } = await jira(`/ex/jira/${state.cloudId}/rest/api/3/myself`);

    assert.equal(res.status, 401);
    assert.equal(rec.violations[0]?.code, 401);
  });

  test('records a contract violation for a body that breaks the schema', async () => {
    const mark = await control.mark();
    const res = await request(`${state.jiraUrl}/ex/jira/${state.cloudId}/rest/api/3/issue`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify({ fields: 'not an object' }),
    });
    const [rec] = (await control.records(mark)).jira;

    assert.ok([400, 422].includes(res.status), `status ${res.status}`);
    assert.ok(rec.violations.length > 0);
    assert.match(JSON.stringify(rec.violations), /fields/);
  });

  test('records a violation for a path that is not in the contract', async () => {
    const { rec } = await jira(`/ex/jira/${state.cloudId}/rest/api/3/no-such-endpoint`,
      { authorization: 'Bearer t' });

    assert.ok(rec.status >= 400);
    assert.ok(rec.violations.length > 0, JSON.stringify(rec));
  });

  test('accessible-resources refuses a token the zone did not issue', async () => {
    const { res } = await jira('/oauth/token/accessible-resources',
      { authorization: 'Bearer forged' });

    assert.equal(res.status, 401);
  });

  test('accessible-resources lists the site for an exchanged token', async () => {
    const subject = await control.mintSubject('standins-sites');
    const { json } = await exchange(exchangeFields(subject));

    const { res } = await jira('/oauth/token/accessible-resources',
      { authorization: `Bearer ${json.access_token}` });

    const sites = JSON.parse(res.body);
    assert.equal(res.status, 200);
    assert.deepEqual(sites.map((s) => s.id), [state.cloudId]);
    assert.deepEqual(Object.keys(sites[0]).sort(), ['avatarUrl', 'id', 'name', 'scopes', 'url']);
  });
});

describe('Keycard zone stand-in: mock issuer behind the token-exchange front', () => {
  test('metadata: issuer is the front\'s URL exactly, endpoints on the same origin', async () => {
    assert.equal(metadata.issuer, state.zoneUrl);
    assert.equal(new URL(metadata.token_endpoint).origin, state.zoneUrl);
    assert.equal(new URL(metadata.jwks_uri).origin, state.zoneUrl);
    const jwks = (await getJson(metadata.jwks_uri)).json;
    assert.ok(jwks.keys.length > 0 && jwks.keys.every((k) => k.kid && !k.d), 'public keys only');
  });

  test('exchanges a subject token for a Jira token with the asked scope', async () => {
    const subject = await control.mintSubject('standins-ok', { expiresIn: 600 });
    const scope = 'read:jira-work write:jira-work';
    const mark = await control.mark();

    const { status, json } = await exchange(exchangeFields(subject, { scope }));

    assert.equal(status, 200);
    assert.equal(json.token_type, 'Bearer');
    assert.equal(json.issued_token_type, kTokenType);
    const jwks = (await getJson(metadata.jwks_uri)).json;
    const verdict = verifyRs256(json.access_token, jwks,
      { issuer: state.zoneUrl, nowS: Math.floor(Date.now() / 1000) });
    assert.ok(verdict.ok, verdict.reason);
    assert.equal(verdict.payload.aud, kJiraResource);
    assert.equal(verdict.payload.sub, 'standins-ok');
    assert.equal(verdict.payload.scope, scope);
    assert.ok(verdict.payload.exp <= decodeJwt(subject).payload.exp, 'never outlives the subject');
    const [rec] = (await control.records(mark)).exchanges;
    assert.equal(rec.ok, true);
    assert.equal(rec.scope, scope);
    assert.deepEqual(rec.resource, [kJiraResource]);
    assert.equal(rec.subjectSub, 'standins-ok');
    assert.equal(typeof rec.subjectFingerprint, 'string');
  });

  const refusals = [
    ['no client authentication', {}, { auth: null }, 401, 'invalid_client'],
    ['a wrong client secret', {}, { auth: basic('jira-mcp-e2e', 'wrong') }, 401, 'invalid_client'],
    ['client_secret_post instead of Basic', { client_id: 'jira-mcp-e2e', client_secret: 'x' },
      { auth: null }, 401, 'invalid_client'],
    ['another grant type', { grant_type: 'client_credentials' }, {}, 400, 'unsupported_grant_type'],
    ['a resource with a trailing slash', { resource: `${kJiraResource}/` }, {}, 400,
      'invalid_target'],
    ['no resource', { resource: '' }, {}, 400, 'invalid_target'],
    ['an ID token type', { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, {},
      400, 'invalid_request'],
  ];
  for (const [what, extra, options, status, error] of refusals) {
    test(`refuses ${what} with ${error}`, async () => {
      const subject = await control.mintSubject('standins-refused');

      const res = await exchange(exchangeFields(subject, extra), options);

      assert.equal(res.status, status);
      assert.equal(res.json.error, error);
      if (status === 401) {
        assert.match(res.headers['www-authenticate'] ?? '', /^Basic/);
      }
    });
  }

  test('refuses an expired subject token with invalid_grant', async () => {
    const subject = await control.mintSubject('standins-expired', { expiresIn: -120 });

    const res = await exchange(exchangeFields(subject));

    assert.equal(res.json.error, 'invalid_grant');
    assert.match(res.json.error_description, /expired/);
  });

  test('refuses a subject token whose signature was altered', async () => {
    const subject = await control.mintSubject('standins-forged');
    const [h, p, s] = subject.split('.');
    const flipped = Buffer.from(s, 'base64url');
    flipped[0] ^= 0x01;

    const res = await exchange(exchangeFields(`${h}.${p}.${flipped.toString('base64url')}`));

    assert.equal(res.json.error, 'invalid_grant');
    assert.match(res.json.error_description, /signature/);
  });

  test('answers a subject\'s policy error instead of a token', async () => {
    await control.setPolicy('standins-policy', { status: 400, error: 'consent_required',
      error_description: 'consent needed' });
    const subject = await control.mintSubject('standins-policy');

    const res = await exchange(exchangeFields(subject));
    await control.clearPolicy('standins-policy');

    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: 'consent_required', error_description: 'consent needed' });
  });
});
