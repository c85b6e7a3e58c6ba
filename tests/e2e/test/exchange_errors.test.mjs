// What the agent is told when the zone refuses the exchange (C17 consent, C18 access denied) and
// when the site lookup finds no site or several (C16 and site selection). In each refusal case
// no request may reach /ex/jira.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { apiRequests, exchangesOf, resultText } from '../lib/checks.mjs';
import {
  connectClient,
  control,
  kSkipWithoutBinary,
  serverEnv,
  uniqueSub,
} from '../lib/harness.mjs';

const kTimeout = { timeout: 60000 };
const kSecondCloudId = '0c7f3e21-9a5b-4d6e-8f10-2b3c4d5e6f70';
const kScopes = ['read:jira-work', 'write:jira-work'];

// Runs one list_projects call as a fresh subject under `setup` and returns what happened.
async function callAs(label, setup, args = {}) {
  const sub = uniqueSub(label);
  const subjectToken = await control.mintSubject(sub);
  await setup(sub);
  const session = await connectClient({ env: serverEnv(subjectToken) });
  try {
    const mark = await control.mark();
    const result = await session.client.callTool({ name: 'list_projects', arguments: args });
    const window = await control.records(mark);
    return {
      result,
      text: resultText(result),
      window,
      exchanges: exchangesOf(window, subjectToken),
      stderr: session.stderr(),
    };
  } finally {
    await session.close();
    await control.clearPolicy(sub);
    await control.clearSites(sub);
  }
}

function assertRefused(outcome, advice) {
  assert.equal(outcome.result.isError, true, `not an error: ${outcome.text}`);
  assert.match(outcome.text, advice);
  assert.deepEqual(apiRequests(outcome.window.jira).map((r) => r.path), [],
    'no request reached /ex/jira');
}

describe('exchange refusals and site lookup as tool errors', { skip: kSkipWithoutBinary }, () => {
  test('C17: consent_required tells the user to re-authorize', kTimeout, async () => {
    const outcome = await callAs('c17a', (sub) => control.setPolicy(sub, {
      status: 400,
      error: 'consent_required',
      error_description: 'The user has not consented to the scopes this application now asks for.',
    }));

    assertRefused(outcome, /re-?authori[sz]/i);
    assert.equal(outcome.exchanges.length, 1, 'one exchange attempt');
  });

  test('C17: "User consent is required." under another error code is consent too', kTimeout,
    async () => {
      const outcome = await callAs('c17b', (sub) => control.setPolicy(sub, {
        status: 400,
        error: 'invalid_grant',
        error_description: 'User consent is required.',
      }));

      assertRefused(outcome, /re-?authori[sz]/i);
    });

  test('C18: access_denied carries the zone\'s reason, says an admin decides, no retry',
    kTimeout, async () => {
      const reason = 'Denied by policy \'jira-e2e-deny-all\' in policy set \'e2e\'';

      const outcome = await callAs('c18', (sub) => control.setPolicy(sub, {
        status: 400,
        error: 'access_denied',
        error_description: reason,
      }));

      assertRefused(outcome, /admin/i);
      assert.ok(outcome.text.includes('jira-e2e-deny-all'), `the zone's reason: ${outcome.text}`);
      assert.equal(outcome.exchanges.length, 1, 'access_denied is never retried');
    });

  test('C16: no accessible site says so and reaches no /ex/jira', kTimeout, async () => {
    const outcome = await callAs('c16', (sub) => control.setSites(sub, []));

    assertRefused(outcome, /site/i);
    assert.match(outcome.text, /authori[sz]/i);
    assert.ok(outcome.window.jira.some((r) => r.path.startsWith('/oauth/token/accessible-')));
  });

  async function twoSites(sub) {
    const { cloudId } = await control.state();
    await control.setSites(sub, [
      { id: cloudId, name: 'e2e-site', url: 'https://e2e-site.example', scopes: kScopes },
      { id: kSecondCloudId, name: 'e2e-other', url: 'https://e2e-other.example', scopes: kScopes },
    ]);
  }

  test('several sites and none chosen: an error that lists them', kTimeout, async () => {
    const outcome = await callAs('sites', twoSites);

    assertRefused(outcome, /e2e-site/);
    assert.match(outcome.text, /e2e-other/);
  });

  test('several sites and a site argument: that site is used', kTimeout, async () => {
    const outcome = await callAs('site-arg', twoSites, { site: 'e2e-other' });

    assert.ok(!outcome.result.isError, outcome.text);
    const paths = apiRequests(outcome.window.jira).map((r) => r.path);
    assert.ok(paths.length > 0 && paths.every((p) => p.startsWith(`/ex/jira/${kSecondCloudId}/`)),
      `paths: ${paths}`);
  });
});
