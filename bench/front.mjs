// The peers' Jira site for bench/run.sh: a loopback front that serves a site URL
// (https://<site>.atlassian.net, or plain http on 127.0.0.1) the way Jira Cloud does for
// e-mail + API token (Basic) callers, and maps each /rest/... call onto the sandbox's
// /ex/jira/{cloudId}/rest/... with one token that the front exchanged at start.
//
// usage: node front.mjs --sandbox http://127.0.0.1:PORT --user alice --site acme
//          --email E --api-token T --http-port N [--https-port N --cert F --key F]
// Prints "front ready" with its ports on stdout once it serves. Binds 127.0.0.1 only and sends
// requests to the sandbox URL only, which must be on 127.0.0.1.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);

const sandbox = new URL(args.sandbox);
if (sandbox.protocol !== 'http:' || sandbox.hostname !== '127.0.0.1') {
  console.error('front: --sandbox must be http://127.0.0.1:PORT');
  process.exit(2);
}
const clientId = process.env.JIRA_MCP_SANDBOX_CLIENT_ID || 'jira-mcp-sandbox';
const clientSecret = process.env.JIRA_MCP_SANDBOX_CLIENT_SECRET || 'sandbox-secret';
const password = process.env.JIRA_MCP_SANDBOX_PASSWORD || 'sandbox';
const expectedBasic = 'Basic ' + Buffer.from(`${args.email}:${args['api-token']}`).toString('base64');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

async function form(path, fields, auth) {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (auth) headers.Authorization = auth;
  const res = await fetch(new URL(path, sandbox), {
    method: 'POST',
    headers,
    body: new URLSearchParams(fields).toString(),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

// The user's zone token, exchanged (RFC 8693) once for a Jira token: the peers hold a static
// API token, so one exchange serves the whole run.
async function jiraToken() {
  const user = await form('/oauth/2/token', {
    grant_type: 'password',
    username: args.user,
    password,
  });
  const exchanged = await form(
    '/oauth/2/token',
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: user.access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      resource: 'https://api.atlassian.com/ex/jira',
      scope: 'read:jira-work write:jira-work read:jira-user',
    },
    'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
  );
  return exchanged.access_token;
}

async function cloudIdOf(token, site) {
  const res = await fetch(new URL('/oauth/token/accessible-resources', sandbox), {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  const sites = await res.json();
  const found = sites.find((s) => s.name === site);
  if (!found) throw new Error(`front: no site ${site} in ${JSON.stringify(sites)}`);
  return found.id;
}

const token = await jiraToken();
const cloudId = await cloudIdOf(token, args.site);
let served = 0;

function handle(req, res) {
  served++;
  if (req.headers.authorization !== expectedBasic) {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errorMessages: ['Basic authentication with the bench user only'] }));
    return;
  }
  if (!req.url.startsWith('/rest/')) {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errorMessages: [`front maps /rest/... only, not ${req.url}`] }));
    return;
  }
  const headers = { Authorization: `Bearer ${token}`, Host: sandbox.host };
  for (const name of ['content-type', 'content-length', 'accept', 'transfer-encoding']) {
    if (req.headers[name]) headers[name] = req.headers[name];
  }
  const upstream = http.request(
    {
      host: sandbox.hostname,
      port: sandbox.port,
      method: req.method,
      path: `/ex/jira/${cloudId}${req.url}`,
      headers,
      agent,
    },
    (answer) => {
      const out = {};
      for (const name of ['content-type', 'content-length', 'retry-after']) {
        if (answer.headers[name]) out[name] = answer.headers[name];
      }
      res.writeHead(answer.statusCode, out);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    res.writeHead(502, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errorMessages: [`front: sandbox unreachable: ${error.message}`] }));
  });
  req.pipe(upstream);
}

const ports = {};
const plain = http.createServer({ keepAlive: true }, handle);
await new Promise((resolve) => plain.listen(Number(args['http-port'] || 0), '127.0.0.1', resolve));
ports.http = plain.address().port;
if (args['https-port']) {
  const tls = https.createServer(
    { cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key), keepAlive: true },
    handle,
  );
  await new Promise((resolve) => tls.listen(Number(args['https-port']), '127.0.0.1', resolve));
  ports.https = tls.address().port;
}
process.on('SIGTERM', () => {
  console.error(`front: served ${served} requests`);
  process.exit(0);
});
console.log(`front ready http=${ports.http} https=${ports.https ?? ''} cloudId=${cloudId}`);
