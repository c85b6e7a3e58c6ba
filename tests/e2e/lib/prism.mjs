// Runs `prism mock` (or, with `proxyTo`, `prism proxy --errors` before that upstream) on the
// derived Jira spec as a child process on a loopback port.
//
// With `-v warn` Prism prints nothing once it listens, so readiness is a TCP connect that
// succeeds; the port is picked free just before the start, and a lost race (EADDRINUSE, Prism
// exits) is retried on a new port.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { kLoopback } from './http_util.mjs';

const require = createRequire(import.meta.url);
const kPrismCli = path.join(
  path.dirname(require.resolve('@stoplight/prism-cli/package.json')),
  'dist',
  'index.js',
);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, kLoopback, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: kLoopback, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Resolves true once `port` accepts connections, false if the child exits first.
async function waitUntilListening(child, port, deadline) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return false;
    }
    if (await canConnect(port)) {
      return true;
    }
    await delay(50);
  }
  throw new Error(`prism did not listen on ${port} within the start timeout`);
}

function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const force = setTimeout(() => process.kill(child.pid, 'SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    process.kill(child.pid, 'SIGTERM');
  });
}

// Starts Prism. `log` receives Prism's output lines. With `proxyTo` (a loopback base URL) it is
// `prism proxy --errors`, which validates each request and the upstream's answer to it.
// Resolves to {url, pid, startupMs, stop()}.
export async function startPrism({ specPath, nodePath = process.execPath, log = () => {},
  timeoutMs = 120000, proxyTo }) {
  const mode = proxyTo ? ['proxy', specPath, proxyTo, '--errors'] : ['mock', specPath];
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await freePort();
    const started = performance.now();
    const child = spawn(
      nodePath,
      [kPrismCli, ...mode, '-h', kLoopback, '-p', String(port), '-v', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.setEncoding('utf8').on('data', (d) => log(d));
    child.stderr.setEncoding('utf8').on('data', (d) => log(d));

    if (await waitUntilListening(child, port, Date.now() + timeoutMs)) {
      return {
        url: `http://${kLoopback}:${port}`,
        pid: child.pid,
        startupMs: Math.round(performance.now() - started),
        stop: () => stopChild(child),
      };
    }
    log(`prism exited (code ${child.exitCode}) before listening on ${port}; attempt ${attempt}\n`);
  }
  throw new Error('prism failed to start three times; see its log');
}
