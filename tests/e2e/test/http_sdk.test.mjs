// jira-mcp as a shared Streamable HTTP server (auth keycard), driven by the official TypeScript
// SDK v1 (@modelcontextprotocol/sdk) in the legacy era with a user's bearer token from the zone
// stand-in; and a client without a token, turned away with the RFC 9728 challenge.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { resultText, schemaProblems } from '../lib/checks.mjs';
import { kProtocolVersion, kSkipWithoutBinary, uniqueSub } from '../lib/harness.mjs';
import { getJson, request } from '../lib/http_util.mjs';
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

const kToolNames = ['create_issue', 'get_issue', 'list_projects', 'search_issues'];
const kTimeout = { timeout: 60000 };

function sdkClient() {
  return new Client({ name: 'jira-mcp-e2e-http-v1', version: '0.0.0' }, { capabilities: {} });
}

describe('jira-mcp over Streamable HTTP with the MCP SDK v1 (legacy era)',
  { skip: kSkipWithoutBinary }, () => {
    let server;
    let bearer;
    let client;
    let transport;
    const wire = [];

    before(async () => {
      server = await startHttpServer();
      bearer = await mintBearer(uniqueSub('http-v1'));
      transport = new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
        fetch: recordingFetch(wire),
      });
      client = sdkClient();
      await client.connect(transport);
    });

    after(async () => {
      await client?.close();
      await stopCleanly(server);
    });

    const context = () => stderrTail(server);

    test('initialize negotiates 2025-11-25 and opens a session', () => {
      const init = postedMessages(wire).find((m) => m.message.method === 'initialize');
      assert.ok(init, 'the client sent initialize');
      assert.equal(init.entry.status, 200, context());
      assert.equal(init.message.params.protocolVersion, kProtocolVersion, 'the SDK asks for it');
      // The client takes the version the server's initialize result names.
      assert.equal(transport.protocolVersion, kProtocolVersion);
      assert.match(init.entry.responseHeaders['mcp-session-id'] ?? '', /^[\x21-\x7e]{22,}$/,
        'a session id of visible ASCII, long enough for 128 random bits');
      assert.equal(typeof client.getServerVersion()?.name, 'string');
      assert.ok(client.getServerCapabilities()?.tools, 'the server declares the tools capability');
    });

    test('tools/list over HTTP shows the four core tools with schemas', kTimeout, async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const name of kToolNames) {
        assert.ok(names.includes(name), `${name} is listed: ${names}`);
      }
      for (const tool of tools) {
        assert.equal(tool.inputSchema?.type, 'object', `${tool.name}: inputSchema`);
      }
      const list = postedMessages(wire).find((m) => m.message.method === 'tools/list');
      assert.equal(list.entry.headers['mcp-protocol-version'], kProtocolVersion,
        'requests after initialize carry the negotiated version');
      assert.equal(list.entry.headers['mcp-session-id'],
        postedMessages(wire)[0].entry.responseHeaders['mcp-session-id'], 'in the session');
    });

    test('search_issues against Prism succeeds; Jira sees only the exchanged token',
      kTimeout, async () => {
        const { tools } = await client.listTools();
        const search = tools.find((t) => t.name === 'search_issues');
        const { result, window, problems } = await callAndRecord(bearer, () => client.callTool({
          name: 'search_issues',
          arguments: { jql: 'project = ED ORDER BY created DESC', fields: ['summary'] },
        }));

        assert.ok(!result.isError, `search_issues failed: ${resultText(result)}${context()}`);
        assert.ok(result.structuredContent.issues.length > 0, 'Prism\'s example page has issues');
        assert.deepEqual(schemaProblems(search.outputSchema, result.structuredContent), []);
        assert.deepEqual(problems, [], 'Jira\'s side of the call');
        assert.ok(window.jira.every((r) => !(r.authorization ?? '').includes(bearer)),
          'the bearer token never reached Jira');
      });

    test('stderr carries the logs and never the bearer token or the client secret', () => {
      const log = server.stderr();
      assert.match(log, /serving MCP url=http:\/\/localhost\/mcp /);
      assert.ok(!log.includes(bearer), 'the bearer token is not logged');
      assert.ok(!log.includes(process.env.E2E_CLIENT_SECRET), 'the client secret is not logged');
    });

    test('no token: 401 with the RFC 9728 challenge, surfaced by the SDK as an auth error',
      kTimeout, async () => {
        const log = [];
        const anonymous = sdkClient();
        const bare = new StreamableHTTPClientTransport(new URL(server.url),
          { fetch: recordingFetch(log) });

        const error = await anonymous.connect(bare).then(() => undefined, (e) => e);
        await anonymous.close();

        assert.ok(error instanceof StreamableHTTPError, `an HTTP error, not ${error}`);
        assert.equal(error.code, 401);
        assert.equal(log.length, 1, 'one request, nothing sent after the refusal');
        assert.equal(log[0].status, 401);
        const challenge = log[0].responseHeaders['www-authenticate'] ?? '';
        const metadataUrl = `${new URL(kPublicUrl).origin}${kMetadataPath}`;
        assert.match(challenge, /^Bearer /);
        assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);

        // The metadata the challenge names, read from this server (it listens on another port
        // than its public URL says).
        const metadata = await getJson(`${server.origin}${kMetadataPath}`);
        assert.equal(metadata.status, 200);
        assert.equal(metadata.json.resource, kPublicUrl);
        assert.deepEqual(metadata.json.authorization_servers, [process.env.E2E_ZONE_URL]);
      });

    test('ending the session (DELETE) works, and its id is then unknown (404)', kTimeout,
      async () => {
        const sessionId = transport.sessionId;
        assert.ok(sessionId, 'the transport holds the session id');

        await transport.terminateSession();

        const del = wire.find((e) => e.method === 'DELETE');
        assert.ok(del, 'the SDK sent DELETE');
        assert.ok([200, 204].includes(del.status), `DELETE answered ${del.status}`);
        assert.equal(del.headers['mcp-session-id'], sessionId);
        const stale = await request(server.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': sessionId,
            'mcp-protocol-version': kProtocolVersion,
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        });
        assert.equal(stale.status, 404, stale.body.toString('utf8'));
      });

    test('a token for another audience is refused with 401 as well', kTimeout, async () => {
      const stranger = await mintBearer(uniqueSub('http-v1-aud'), { aud: 'urn:someone-else' });
      const log = [];
      const other = sdkClient();
      const t = new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { Authorization: `Bearer ${stranger}` } },
        fetch: recordingFetch(log),
      });

      const error = await other.connect(t).then(() => undefined, (e) => e);
      await other.close();

      assert.ok(error instanceof StreamableHTTPError, `an HTTP error, not ${error}`);
      assert.equal(error.code, 401);
      const challenge = log[0].responseHeaders['www-authenticate'] ?? '';
      assert.match(challenge, /^Bearer /);
      assert.match(challenge, /resource_metadata="http:\/\/localhost\/[^"]+"/);
      assert.match(challenge, /error="invalid_token"/);
    });
  });
