// jira-mcp launched by the official TypeScript MCP client over stdio, against Prism (Atlassian's
// contract) and the zone stand-in (real signed tokens, RFC 8693 exchange).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

import {
  apiRequests,
  exchangeFor,
  exchangeProblems,
  exchangesOf,
  jiraRequestProblems,
  resultText,
  schemaProblems,
  scopeSet,
} from '../lib/checks.mjs';
import {
  connectClient,
  control,
  kJiraResource,
  kProtocolVersion,
  kSkipWithoutBinary,
  serverEnv,
  uniqueSub,
} from '../lib/harness.mjs';

const kToolNames = ['create_issue', 'get_issue', 'list_projects', 'search_issues'];
const kReadTools = ['get_issue', 'list_projects', 'search_issues'];

// The contract's arguments per tool: [all properties, required ones].
const kArguments = {
  list_projects: [['query', 'max_results', 'cursor', 'site'], []],
  search_issues: [['jql', 'fields', 'max_results', 'cursor', 'site'], ['jql']],
  get_issue: [['issue_key', 'fields', 'include', 'site'], ['issue_key']],
  create_issue: [
    ['project_key', 'issue_type', 'summary', 'description_markdown', 'description_adf',
      'labels', 'priority', 'fields', 'assignee', 'site'],
    ['project_key', 'issue_type', 'summary'],
  ],
};

// Jira fields a reply must not carry unless they were asked for (CASES C6).
const kUnaskedFields = ['description', 'assignee', 'reporter', 'project', 'comment', 'attachment',
  'worklog', 'watcher', 'issuelinks', 'timetracking', 'sub-tasks', 'updated', 'labels',
  'priority', 'issuetype', 'fields'];

const kMarkdown = '## Steps\n1. open\n2. click\n\n```sh\nmake\n```';
const kAdf = {
  type: 'doc',
  version: 1,
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Given as ADF' }] },
    { type: 'paragraph', content: [{ type: 'text', text: 'passed through unchanged' }] },
  ],
};

function nodeTypes(adf) {
  const types = [];
  const walk = (n) => {
    types.push(n.type);
    (n.content ?? []).forEach(walk);
  };
  walk(adf);
  return types;
}

function findNode(n, type) {
  if (n.type === type) {
    return n;
  }
  for (const child of n.content ?? []) {
    const found = findNode(child, type);
    if (found) {
      return found;
    }
  }
  return undefined;
}

describe('jira-mcp over stdio with the MCP SDK client', { skip: kSkipWithoutBinary }, () => {
  let state;
  let sub;
  let subjectToken;
  let session;
  let tools;

  before(async () => {
    state = await control.state();
    sub = uniqueSub('session');
    subjectToken = await control.mintSubject(sub);
    session = await connectClient({ env: serverEnv(subjectToken) });
    tools = new Map((await session.client.listTools()).tools.map((t) => [t.name, t]));
  });

  after(async () => {
    await session?.close();
  });

  const context = () => `\n--- jira-mcp stderr (tail) ---\n${session.stderr().slice(-4000)}`;

  // Calls a tool and returns the result with the records made during the call, after the checks
  // every call must pass: success, a schema-valid structuredContent, only exchanged tokens at
  // Jira, the Jira resource in every exchange, no contract violation.
  async function callTool(name, args) {
    const mark = await control.mark();
    const result = await session.client.callTool({ name, arguments: args });
    const window = await control.records(mark);
    const exchanges = exchangesOf(await control.records(0), subjectToken);

    const jiraProblems =
      jiraRequestProblems(window.jira, { exchanges, subjectToken, cloudId: state.cloudId });
    assert.ok(!result.isError,
      `${name} failed: ${resultText(result)}\n${jiraProblems.join('\n')}${context()}`);
    assert.ok(resultText(result).length > 0, `${name}: no text content`);
    assert.equal(typeof result.structuredContent, 'object', `${name}: no structuredContent`);
    assert.deepEqual(schemaProblems(tools.get(name).outputSchema, result.structuredContent), [],
      `${name}: structuredContent against outputSchema`);
    assert.ok(apiRequests(window.jira).length > 0, `${name}: Jira received no /ex/jira request`);
    assert.deepEqual(jiraProblems, [], `${name}: Jira requests`);
    assert.deepEqual(exchangeProblems(exchanges, { clientId: state.clientId }), [],
      `${name}: exchanges`);
    return { result, sc: result.structuredContent, window, exchanges };
  }

  function scopesOfApiCalls(window, exchanges) {
    return apiRequests(window.jira)
      .map((r) => ({ r, scopes: scopeSet(exchangeFor(r, exchanges)) }));
  }

  function assertReadScopes(name, window, exchanges) {
    for (const { r, scopes } of scopesOfApiCalls(window, exchanges)) {
      assert.ok(scopes.has('read:jira-work'),
        `${name}: ${r.method} ${r.path} used a token without read:jira-work (${[...scopes]})`);
      const writes = [...scopes].filter((s) => /^(write|manage|delete):/.test(s));
      assert.deepEqual(writes, [], `${name}: a read tool asked the zone for write scopes`);
    }
  }

  test('initialize negotiates 2025-11-25', () => {
    const { log } = session.transport;
    const init = log.find((e) => e.dir === 'out' && e.message.method === 'initialize');
    const reply = log.find((e) => e.dir === 'in' && e.message.id === init.message.id);
    assert.equal(reply.message.result.protocolVersion, kProtocolVersion);
    assert.equal(typeof reply.message.result.serverInfo?.name, 'string');
    assert.ok(reply.message.result.capabilities?.tools, 'the server declares the tools capability');
  });

  test('tools/list shows the four core tools, and every tool with schemas and annotations', () => {
    for (const name of kToolNames) {
      assert.ok(tools.has(name), `${name} is listed`);
    }
    for (const [name, tool] of tools) {
      assert.equal(tool.inputSchema?.type, 'object', `${name}: inputSchema`);
      assert.equal(tool.outputSchema?.type, 'object', `${name}: outputSchema`);
      assert.equal(typeof tool.annotations, 'object', `${name}: annotations`);
    }
    for (const name of kToolNames) {
      const tool = tools.get(name);
      assert.equal(typeof (tool.title ?? tool.annotations.title), 'string', `${name}: title`);
      const [properties, required] = kArguments[name];
      const declared = Object.keys(tool.inputSchema.properties ?? {});
      assert.deepEqual(declared.sort(), [...properties].sort(), `${name}: arguments`);
      assert.deepEqual([...(tool.inputSchema.required ?? [])].sort(), [...required].sort(),
        `${name}: required arguments`);
    }
    for (const name of kReadTools) {
      assert.equal(tools.get(name).annotations.readOnlyHint, true, `${name}: readOnlyHint`);
    }
    const create = tools.get('create_issue').annotations;
    assert.notEqual(create.readOnlyHint, true, 'create_issue: readOnlyHint');
    // destructiveHint defaults to true in MCP, so a non-destructive tool must say false.
    assert.equal(create.destructiveHint, false, 'create_issue: destructiveHint');
  });

  test('list_projects lists Prism\'s projects with a cursor for more', async () => {
    const { sc, window, exchanges } = await callTool('list_projects', {});

    assert.ok(sc.projects.length > 0);
    for (const p of sc.projects) {
      assert.deepEqual([typeof p.id, typeof p.key, typeof p.name], ['string', 'string', 'string']);
    }
    assert.ok(sc.projects.some((p) => p.key === 'EX'), 'Prism\'s example project EX');
    // Prism's example page says isLast: false.
    assert.equal(sc.has_more, true);
    assert.equal(typeof sc.next_cursor, 'string');
    assert.ok(apiRequests(window.jira).some((r) => r.path.includes('/rest/api/3/project/search')));
    assertReadScopes('list_projects', window, exchanges);
  });

  test('list_projects keeps to max_results and continues from a cursor', async () => {
    const first = await callTool('list_projects', { max_results: 1, query: 'ex' });
    assert.ok(first.sc.projects.length <= 1, 'no more than max_results projects');
    assert.equal(first.sc.has_more, true);

    const next = await callTool('list_projects', { max_results: 1, cursor: first.sc.next_cursor });

    assert.ok(next.sc.projects.length <= 1);
    assert.ok(apiRequests(next.window.jira).some((r) => r.path.includes('/project/search')));
  });

  test('search_issues goes through /search/jql and returns only the asked fields', async () => {
    const { sc, window, exchanges } = await callTool('search_issues', {
      jql: 'project = ED ORDER BY created DESC',
      fields: ['summary', 'status'],
      max_results: 5,
    });

    assert.ok(sc.issues.length > 0, 'Prism\'s example page has an issue');
    for (const issue of sc.issues) {
      assert.equal(typeof issue.id, 'string');
      assert.equal(typeof issue.key, 'string');
      const unasked = kUnaskedFields.filter((f) => f in issue);
      assert.deepEqual(unasked, [], `${issue.key}: fields that were not asked for`);
    }
    assert.equal(sc.has_more, false, 'Prism\'s example page says isLast: true');
    const api = apiRequests(window.jira);
    assert.ok(api.some((r) => r.path.includes('/rest/api/3/search/jql')), 'used /search/jql');
    assert.ok(!api.some((r) => /\/rest\/api\/3\/search(\?|$)/.test(r.path)), 'never /search');
    const asked = api.find((r) => r.path.includes('/search/jql'));
    assert.match(`${decodeURIComponent(asked.path)} ${asked.body}`, /summary/);
    assert.match(`${decodeURIComponent(asked.path)} ${asked.body}`, /status/);
    assertReadScopes('search_issues', window, exchanges);
  });

  test('get_issue reads one issue with the asked fields only', async () => {
    const { sc, window, exchanges } = await callTool('get_issue', {
      issue_key: 'ED-1',
      fields: ['summary', 'status'],
    });

    assert.equal(sc.key, 'ED-1');
    assert.equal(typeof sc.id, 'string');
    assert.deepEqual(kUnaskedFields.filter((f) => f in sc), [], 'fields that were not asked for');
    assert.ok(apiRequests(window.jira).some((r) => r.method === 'GET'
      && r.path.split('?')[0].endsWith('/rest/api/3/issue/ED-1')));
    assertReadScopes('get_issue', window, exchanges);
  });

  function createRequest(window) {
    const post = apiRequests(window.jira).find((r) => r.method === 'POST'
      && r.path.split('?')[0].endsWith('/rest/api/3/issue'));
    assert.ok(post, 'Jira received POST /rest/api/3/issue');
    return { post, body: JSON.parse(post.body) };
  }

  test('create_issue converts markdown to ADF and asks for write scope', async () => {
    const summary = 'e2e: created from markdown';

    const { sc, window, exchanges } = await callTool('create_issue', {
      project_key: 'ED',
      issue_type: 'Task',
      summary,
      description_markdown: kMarkdown,
      labels: ['e2e'],
    });

    assert.equal(typeof sc.id, 'string');
    assert.equal(typeof sc.key, 'string');
    const { post, body } = createRequest(window);
    assert.equal(body.fields.summary, summary);
    assert.deepEqual(body.fields.labels, ['e2e']);
    assert.ok(body.fields.project?.key === 'ED' || typeof body.fields.project?.id === 'string');
    const { issuetype } = body.fields;
    assert.ok(issuetype?.name === 'Task' || typeof issuetype?.id === 'string');
    const adf = body.fields.description;
    assert.equal(adf.type, 'doc');
    const types = nodeTypes(adf);
    for (const t of ['heading', 'orderedList', 'codeBlock']) {
      assert.ok(types.includes(t), `the ADF has a ${t} (got ${types})`);
    }
    assert.equal(findNode(adf, 'codeBlock').attrs?.language, 'sh');
    const scopes = scopeSet(exchangeFor(post, exchanges));
    assert.ok(scopes.has('write:jira-work'), `POST /issue used scopes ${[...scopes]}`);
  });

  test('create_issue passes an ADF description through unchanged', async () => {
    const { window } = await callTool('create_issue', {
      project_key: 'ED',
      issue_type: 'Task',
      summary: 'e2e: created from ADF',
      description_adf: kAdf,
    });

    assert.deepEqual(createRequest(window).body.fields.description, kAdf);
  });

  test('a bad argument is a tool error and reaches no Jira', async () => {
    const mark = await control.mark();

    const result = await session.client.callTool({ name: 'get_issue', arguments: {} });

    assert.equal(result.isError, true);
    assert.match(resultText(result), /issue_key/);
    assert.deepEqual(apiRequests((await control.records(mark)).jira), []);
  });

  test('an unknown tool is JSON-RPC error -32602', async () => {
    await assert.rejects(
      session.client.callTool({ name: 'no_such_tool', arguments: {} }),
      (e) => e instanceof McpError && e.code === ErrorCode.InvalidParams,
    );
  });

  test('every exchange asked for the Jira resource and the tools\' scopes', async () => {
    const exchanges = exchangesOf(await control.records(0), subjectToken);

    assert.ok(exchanges.length > 0);
    assert.ok(exchanges.every((e) => e.ok && e.resource[0] === kJiraResource));
    assert.ok(exchanges.every((e) => scopeSet(e).size > 0), 'every exchange names its scopes');
    const all = exchanges.map((e) => e.scope);
    assert.ok(all.some((s) => scopeSet({ scope: s }).has('write:jira-work')), `scopes: ${all}`);
    assert.ok(all.some((s) => !/write:/.test(s)), `a read-only exchange exists: ${all}`);
  });

  test('stderr carries the logs and never a token or the client secret', async () => {
    const exchanges = exchangesOf(await control.records(0), subjectToken);
    const log = session.stderr();

    assert.ok(log.length > 0, 'debug logs on stderr');
    assert.ok(!log.includes(subjectToken), 'the subject token is in the log');
    assert.ok(!log.includes(state.clientSecret), 'the client secret is in the log');
    for (const e of exchanges.filter((x) => x.ok)) {
      assert.ok(!log.includes(e.issuedToken), `token ${e.issuedFingerprint} is in the log`);
    }
  });
});
