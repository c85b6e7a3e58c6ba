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

// One HTTP exchange with a loopback server; resolves to {status, headers, body: Buffer}.
export function request(url, { method = 'GET', headers = {}, body } = {}) {
  const target = new URL(url);
  if (target.hostname !== kLoopback && target.hostname !== 'localhost') {
    return Promise.reject(new Error(`refusing a request to ${target.hostname}: loopback only`));
  }
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method, headers }, (res) => {
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
