// jira-mcp as a shared Streamable HTTP server (auth keycard), driven by the official TypeScript
// SDK v2 client (@modelcontextprotocol/client) with `versionNegotiation: {mode: 'auto'}` and a
// user's bearer token: it must settle on the stateless 2026-07-28 era, then list and call tools.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  Client,
  PROTOCOL_VERSION_META_KEY,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';

import { resultText, schemaProblems } from '../lib/checks.mjs';
import { kSkipWithoutBinary, uniqueSub } from '../lib/harness.mjs';
import {
  callAndRecord,
  kMetadataPath,
  kPublicUrl,
  mintBearer,
  postedMessages,
  recordingFetch,
  startHttpServer,
  stderrTail,
  stopCleanly,
} from '../lib/http_server.mjs';

const kModern = '2026-07-28';
const kToolNames = ['create_issue', 'get_issue', 'list_projects', 'search_issues'];
const kTimeout = { timeout: 60000 };

function autoClient() {
  return new Client({ name: 'jira-mcp-e2e-http-v2', version: '0.0.0' },
    { capabilities: {}, versionNegotiation: { mode: 'auto' } });
}

// The JSON-RPC answer to a posted request, from the JSON body or the SSE stream it came in.
function answerTo(posted) {
  return posted.entry.responseMessages.find((m) => m.id === posted.message.id
    && ('result' in m || 'error' in m));
}

describe('jira-mcp over Streamable HTTP with the MCP SDK v2 client in auto negotiation',
  { skip: kSkipWithoutBinary }, () => {
    let server;
    let bearer;
    let client;
    const wire = [];

    before(async () => {
      server = await startHttpServer();
      bearer = await mintBearer(uniqueSub('http-v2'));
      const transport = new StreamableHTTPClientTransport(new URL(server.url), {
        authProvider: { token: async () => bearer },
        fetch: recordingFetch(wire),
      });
      client = autoClient();
      await client.connect(transport);
    });

    after(async () => {
      await client?.close();
      await stopCleanly(server);
    });

    const context = () => stderrTail(server);
    const posted = (method) => postedMessages(wire).filter((m) => m.message.method === method);

    test('auto negotiation settles on 2026-07-28 through server/discover', () => {
      assert.equal(client.getNegotiatedProtocolVersion(), kModern, context());
      assert.equal(client.getProtocolEra(), 'modern');
      const [discover] = posted('server/discover');
      assert.ok(discover, 'the client probed with server/discover');
      assert.equal(discover.entry.status, 200, context());
      assert.equal(discover.entry.headers.authorization, `Bearer ${bearer}`);
      assert.deepEqual(posted('initialize'), [], 'no initialize: the modern era is stateless');
      const sessions = wire.filter((e) => e.responseHeaders?.['mcp-session-id'] !== undefined);
      assert.deepEqual(sessions.map((e) => e.url), [], 'no Mcp-Session-Id in the modern era');
      assert.equal(typeof client.getServerVersion()?.name, 'string');
    });

    test('tools/list works in the modern era, with its _meta, headers and cache hints',
      kTimeout, async () => {
        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name);
        for (const name of kToolNames) {
          assert.ok(names.includes(name), `${name} is listed: ${names}`);
        }
        const [list] = posted('tools/list');
        assert.ok(list, 'tools/list went over the wire');
        assert.equal(list.message.params?._meta?.[PROTOCOL_VERSION_META_KEY], kModern);
        assert.equal(list.entry.headers['mcp-method'], 'tools/list');
        assert.equal(list.entry.status, 200, context());
        const { result } = answerTo(list);
        assert.equal(result.resultType, 'complete');
        assert.ok(Number.isInteger(result.ttlMs) && result.ttlMs >= 0, `ttlMs ${result.ttlMs}`);
        // The tool list follows this server's settings (toolsets, read-only), not the caller.
        assert.equal(result.cacheScope, 'public');
      });

    test('search_issues works in the modern era; Jira sees only the exchanged token',
      kTimeout, async () => {
        const { tools } = await client.listTools();
        const search = tools.find((t) => t.name === 'search_issues');
        const { result, problems } = await callAndRecord(bearer, () => client.callTool({
          name: 'search_issues',
          arguments: { jql: 'project = ED ORDER BY created DESC', fields: ['summary'] },
        }));

        assert.ok(!result.isError, `search_issues failed: ${resultText(result)}${context()}`);
        assert.ok(result.structuredContent.issues.length > 0, 'Prism\'s example page has issues');
        assert.deepEqual(schemaProblems(search.outputSchema, result.structuredContent), []);
        assert.deepEqual(problems, [], 'Jira\'s side of the call');
        const [call] = posted('tools/call');
        assert.equal(call.message.params._meta?.[PROTOCOL_VERSION_META_KEY], kModern);
        assert.equal(answerTo(call).result.resultType, 'complete');
        assert.equal(call.entry.headers['mcp-method'], 'tools/call');
        assert.equal(call.entry.headers['mcp-name'], 'search_issues');
      });

    test('no token: the v2 client gets 401 and surfaces an UnauthorizedError', kTimeout,
      async () => {
        const log = [];
        const anonymous = autoClient();
        const transport = new StreamableHTTPClientTransport(new URL(server.url), {
          authProvider: { token: async () => undefined },
          fetch: recordingFetch(log),
        });

        const error = await anonymous.connect(transport).then(() => undefined, (e) => e);
        await anonymous.close();

        assert.ok(UnauthorizedError.isInstance(error), `an UnauthorizedError, not ${error}`);
        const refused = log.filter((e) => e.status === 401);
        assert.ok(refused.length > 0, 'the server answered 401');
        const metadataUrl = `${new URL(kPublicUrl).origin}${kMetadataPath}`;
        for (const e of refused) {
          const challenge = e.responseHeaders['www-authenticate'] ?? '';
          assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
        }
        assert.deepEqual(log.filter((e) => e.url !== server.url).map((e) => e.url), [],
          'without onUnauthorized the client starts no OAuth discovery');
      });
  });
