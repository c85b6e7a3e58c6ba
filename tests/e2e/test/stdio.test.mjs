// The stdio transport at the byte level: what jira-mcp writes to stdout, exactly, for the field
// cases of CASES.md that are about the wire (C5, C11, C24, C25, C26) and version negotiation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { apiRequests, exchangesOf, jiraRequestProblems, resultText } from '../lib/checks.mjs';
import {
  RawSession,
  control,
  kProtocolVersion,
  kSkipWithoutBinary,
  killLeftovers,
  scratchDir,
  serverEnv,
  stdoutProblems,
  uniqueSub,
} from '../lib/harness.mjs';

const kTimeout = { timeout: 60000 };

// U+2028 LINE SEPARATOR, a ZWJ emoji sequence (woman technologist), Hebrew and Arabic.
const kHardText = 'sep\u2028arated \u{1F469}\u200D\u{1F4BB} \u05E9\u05DC\u05D5\u05DD '
  + '\u0645\u0631\u062D\u0628\u0627';
const kHardPieces = ['\u2028', '\u{1F469}\u200D\u{1F4BB}', '\u05E9\u05DC\u05D5\u05DD',
  '\u0645\u0631\u062D\u0628\u0627'];

function toolCall(id, name, args) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

function ping(id) {
  return { jsonrpc: '2.0', id, method: 'ping' };
}

// The id member of a raw reply line, as written: `"id":1.5` and `"id":"1"` differ.
function rawIdIs(line, id) {
  const literal = JSON.stringify(id).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`"id"\\s*:\\s*${literal}\\s*[,}]`).test(line);
}

describe('stdio transport, byte by byte', { skip: kSkipWithoutBinary }, () => {
  let subjectToken;
  let cloudId;

  before(async () => {
    subjectToken = await control.mintSubject(uniqueSub('stdio'));
    ({ cloudId } = await control.state());
  });

  // What Jira received since `mark`: only exchanged tokens, no contract violation.
  async function jiraProblemsSince(mark) {
    const window = await control.records(mark);
    const exchanges = exchangesOf(await control.records(0), subjectToken);
    return jiraRequestProblems(window.jira, { exchanges, subjectToken, cloudId });
  }

  after(() => killLeftovers());

  test('C11: with a .env file and trace logs in its folder, stdout is JSON-RPC only', kTimeout,
    async () => {
      const cwd = scratchDir('c11');
      fs.writeFileSync(path.join(cwd, '.env'),
        'JIRA_MCP_LOG_LEVEL=trace\nE2E_DOTENV_MARKER=loaded\n');
      const env = serverEnv(subjectToken, { JIRA_MCP_LOG_LEVEL: 'trace' });
      const s = new RawSession({ env, cwd });
      const mark = await control.mark();

      const init = await s.initialize();
      const list = await s.request({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      const call = await s.request(toolCall(3, 'list_projects', {}));
      await s.request(ping(4));
      const end = await s.finish();

      assert.equal(init.result?.protocolVersion, kProtocolVersion);
      assert.ok(list.result?.tools?.length >= 4, 'tools listed');
      assert.ok(call.result && !call.result.isError, `list_projects: ${JSON.stringify(call)}`);
      assert.deepEqual(stdoutProblems(end.stdout), []);
      assert.equal(end.code, 0, `exit code when stdin closed; stderr: ${end.stderr.slice(-2000)}`);
      assert.ok(end.stderr.length > 0, 'trace logs go to stderr');
      assert.deepEqual(await jiraProblemsSince(mark), []);
    });

  test('C5: under LC_ALL=C, U+2028, a ZWJ emoji and RTL text stay intact', kTimeout, async () => {
    const env = serverEnv(subjectToken, { LC_ALL: 'C', LANG: 'C' });
    const s = new RawSession({ env });
    await s.initialize();
    const mark = await control.mark();

    const echoed = await s.request(ping(kHardText));
    const created = await s.request(toolCall(`create ${kHardText}`, 'create_issue', {
      project_key: 'ED', issue_type: 'Task', summary: kHardText,
      description_markdown: kHardText,
    }));
    const read = await s.request(
      toolCall(`get ${kHardText}`, 'get_issue', { issue_key: kHardText }));
    const end = await s.finish();
    const jira = (await control.records(mark)).jira;

    assert.deepEqual(stdoutProblems(end.stdout), []);
    assert.equal(echoed.id, kHardText, 'the request id comes back intact');
    assert.ok(created.result && !created.result.isError, `create: ${JSON.stringify(created)}`);
    assert.equal(created.id, `create ${kHardText}`);
    const post = apiRequests(jira).find((r) => r.method === 'POST' && /\/issue(\?|$)/.test(r.path));
    assert.ok(post, 'Jira received the create request');
    assert.equal(JSON.parse(post.body).fields.summary, kHardText, 'the summary Jira received');
    assert.ok(post.body.includes('\u05E9\u05DC\u05D5\u05DD') || post.body.includes('\\u05e9'),
      'the description reached Jira');
    // Wherever a reply repeats the text, it repeats all of it.
    for (const reply of [created, read]) {
      const text = resultText(reply.result ?? {}) + (reply.error?.message ?? '');
      if (kHardPieces.some((p) => text.includes(p))) {
        assert.ok(text.includes(kHardText), `a mangled echo: ${JSON.stringify(text)}`);
      }
      assert.ok(!text.includes('\uFFFD'), 'a replacement character in the reply');
    }
    assert.deepEqual(await jiraProblemsSince(mark), []);
  });

  test('C24: notifications, known, unknown or malformed, get no reply', kTimeout, async () => {
    const s = new RawSession({ env: serverEnv(subjectToken) });
    await s.initialize();

    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    s.send({ jsonrpc: '2.0', method: 'notifications/no_such_notification', params: {} });
    s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: [] } });
    s.send({ jsonrpc: '2.0', method: 'notifications/progress', params: 'not an object' });
    s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'none' } });
    const last = await s.request(ping('last'));
    const end = await s.finish();

    assert.ok('result' in last);
    assert.deepEqual(stdoutProblems(end.stdout), []);
    assert.deepEqual(s.messages.map((m) => m.id), ['init', 'last'],
      `only the two requests are answered: ${JSON.stringify(s.messages)}`);
  });

  test('C25: ids "abc", 0, -7, 1.5 and "1" come back with their type and value', kTimeout,
    async () => {
      const s = new RawSession({ env: serverEnv(subjectToken) });
      await s.initialize();

      // One request at a time, each reply taken whatever its id, so a changed id shows as such.
      const replies = [];
      for (const id of ['abc', 0, -7, 1.5, '1']) {
        replies.push([id, await s.sendForReply(ping(id))]);
      }
      for (const id of ['abc', 0, -7, 1.5, '1']) {
        replies.push([id, await s.sendForReply({ jsonrpc: '2.0', id, method: 'no/such_method' })]);
      }
      const end = await s.finish();

      assert.deepEqual(stdoutProblems(end.stdout), []);
      for (const [id, reply] of replies) {
        assert.ok(rawIdIs(s.rawLine(reply), id), `id ${JSON.stringify(id)}: ${s.rawLine(reply)}`);
      }
      assert.ok(replies.slice(0, 5).every(([, r]) => 'result' in r), 'ping answers');
      assert.ok(replies.slice(5).every(([, r]) => r.error?.code === -32601), 'unknown method');
    });

  test('C26: CR LF input is accepted, output lines end in LF only', kTimeout, async () => {
    const s = new RawSession({ env: serverEnv(subjectToken) });
    const mark = await control.mark();

    const init = await s.initialize('\r\n');
    const list = await s.request({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, '\r\n');
    const search = await s.request(toolCall(3, 'search_issues', {
      jql: 'project = ED\nORDER BY created DESC', fields: ['summary'],
    }), '\r\n');
    const end = await s.finish();
    const jira = (await control.records(mark)).jira;

    assert.equal(init.result?.protocolVersion, kProtocolVersion);
    assert.ok(list.result?.tools?.length >= 4, 'tools listed');
    assert.ok(search.result && !search.result.isError, `search_issues: ${JSON.stringify(search)}`);
    const asked = apiRequests(jira).find((r) => r.path.includes('/search/jql'));
    assert.ok(asked, 'Jira received the search');
    assert.match(`${decodeURIComponent(asked.path)} ${asked.body}`, /ED(\n|\\n)ORDER BY/,
      'the escaped newline in the JQL reached Jira as a newline');
    assert.deepEqual(stdoutProblems(end.stdout), []);
    assert.ok(!end.stdout.includes('\r'), 'no CR on stdout');
    assert.deepEqual(await jiraProblemsSince(mark), []);
  });

  for (const [asked, expected] of [['2025-06-18', '2025-06-18'], ['2025-03-26', '2025-03-26'],
    ['2099-01-01', kProtocolVersion]]) {
    test(`initialize asking ${asked} gets ${expected}`, kTimeout, async () => {
      const s = new RawSession({ env: serverEnv(subjectToken) });

      const reply = await s.request({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: asked,
          capabilities: {},
          clientInfo: { name: 'e2e', version: '0' },
        },
      });
      const end = await s.finish();

      assert.equal(reply.result?.protocolVersion, expected);
      assert.equal(end.code, 0);
    });
  }
});
