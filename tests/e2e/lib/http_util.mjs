// Small helpers shared by the stand-ins: loopback listening, whole-body reading, JSON answers.
import http from 'node:http';

export const kLoopback = '127.0.0.1';

// The token of an `Authorization: Bearer …` header value, or undefined.
export function bearerOf(authorization) {
  return /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
}

// Starts `server` on 127.0.0.1 with a port the system picks; resolves to its base URL.
export function listenOnLoopback(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, kLoopback, () => {
      server.off('error', reject);
      resolve(`http://${kLoopback}:${server.address().port}`);
    });
  });
}

export function closeServer(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

// Every exchange opens its own connection. Node's shared agent keeps idle connections, and a
// server closes an idle one after its keep-alive timeout (5 s for Node's, Prism's included): a
// request sent on such a connection just as it closes fails with ECONNRESET. Under a loaded
// machine that race is real, so no connection is reused.
const kNoPooling = { agent: false };

function assertLoopback(target) {
  if (target.hostname !== kLoopback && target.hostname !== 'localhost') {
    throw new Error(`refusing a request to ${target.hostname}: loopback only`);
  }
}

// Sends an incoming request on to `base` (a loopback URL) as it came; resolves to the upstream
// response and its whole body.
export function forwardRequest(base, req, body) {
  const target = new URL(req.url, base);
  assertLoopback(target);
  const headers = { ...req.headers };
  delete headers.host;
  delete headers.connection;
  return new Promise((resolve, reject) => {
    const upstream = http.request(target, { method: req.method, headers, ...kNoPooling },
      (res) => readBody(res).then((buf) => resolve({ res, buf }), reject));
    upstream.on('error', reject);
    upstream.end(body);
  });
}

// One HTTP exchange with a loopback server; resolves to {status, headers, body: Buffer}.
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  const target = new URL(url);
  try {
    assertLoopback(target);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method, headers, ...kNoPooling }, (res) => {
      readBody(res).then(
        (buf) => resolve({ status: res.statusCode, headers: res.headers, body: buf }),
        reject,
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function getJson(url, options) {
  const res = await request(url, options);
  return { ...res, json: JSON.parse(res.body.toString('utf8')) };
}
