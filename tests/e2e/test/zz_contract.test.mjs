// Last, over the whole run: no request that jira-mcp sent to Jira broke Atlassian's contract,
// including requests made outside any test's window (a late read-back, a retry).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { control, kSkipWithoutBinary } from '../lib/harness.mjs';
import { bearerOf } from '../lib/http_util.mjs';

test('no request from jira-mcp broke the Jira contract', { skip: kSkipWithoutBinary },
  async () => {
    const records = await control.records(0);
    // jira-mcp's requests carry the zone's tokens (or, wrongly, a subject token); the stand-ins'
    // own tests use made-up tokens and break the contract on purpose.
    const ours = new Set(records.exchanges.flatMap((e) => [e.issuedToken, e.subjectToken])
      .filter((t) => typeof t === 'string' && t.length > 0));
    const fromServer = records.jira.filter((r) => ours.has(bearerOf(r.authorization)));

    const broken = fromServer.filter((r) => r.violations.length > 0)
      .map((r) => `#${r.seq} ${r.method} ${r.path}: ${JSON.stringify(r.violations)}`);

    assert.ok(fromServer.length > 0, 'jira-mcp sent requests during the run');
    assert.deepEqual(broken, []);
  });
