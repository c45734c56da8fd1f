// Inspects keep their connections to the daemon (transports/daemon-client.ts getJson with
// keptConnections): a burst of them opens at most as many connections as run at once, a connection the
// daemon closed while it was kept is replaced without failing the inspect, and the event stream's
// requests still get a connection each.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { DaemonClient } from '../transports/daemon-client';
import { createConnector } from '../transports/connector';
import { parseDockerHost } from '../transports/docker-host';
import { inspectClient, inspectObject } from '../transports/inspect';
import { MAX_CONCURRENT_INSPECTS } from '../transports/transport';

interface Daemon {
  readonly socketPath: string;
  readonly connections: Socket[];
  /** Requests answered per connection, in the order the connections came. */
  readonly requestsPerConnection: Map<Socket, number>;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A daemon on a unix socket answering every inspect with a small document; `onRequest` may take over. */
async function startDaemon(onRequest?: (req: http.IncomingMessage, res: http.ServerResponse, nth: number) => boolean): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inspect-conn-'));
  const socketPath = path.join(dir, 'docker.sock');
  const connections: Socket[] = [];
  const requestsPerConnection = new Map<Socket, number>();
  const server = http.createServer((req, res) => {
    const nth = (requestsPerConnection.get(req.socket) ?? 0) + 1;
    requestsPerConnection.set(req.socket, nth);
    if (onRequest?.(req, res, nth) === true) return;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ Id: req.url, HostConfig: { Privileged: false } }));
  });
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(close);
  return { socketPath, connections, requestsPerConnection, close };
}

function clientsFor(socketPath: string): { host: ReturnType<typeof parseDockerHost>; connector: ReturnType<typeof createConnector> } {
  const host = parseDockerHost(`unix://${socketPath}`, {});
  return { host, connector: createConnector(host, null, 30_000) };
}

const inspect = (client: DaemonClient, id: string): Promise<unknown> =>
  inspectObject(client, { kind: 'container', id, timeoutMs: 5_000, signal: new AbortController().signal });

test('a burst of inspects opens at most as many connections as run at once, and reuses them', async () => {
  const daemon = await startDaemon();
  const { host, connector } = clientsFor(daemon.socketPath);
  const client = inspectClient(host, connector);
  const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
  const answers = (await Promise.all(ids.map((id) => inspect(client, id)))) as Array<{ Id: string }>;
  assert.deepEqual(
    answers.map((a) => a.Id),
    ids.map((id) => `/containers/${id}/json`),
  );
  assert.ok(daemon.connections.length <= MAX_CONCURRENT_INSPECTS, `${daemon.connections.length} connections`);
  // Then one at a time: a single kept connection serves them all.
  const before = daemon.connections.length;
  for (const id of ids.slice(0, 20)) await inspect(client, id);
  assert.equal(daemon.connections.length, before, 'no new connection for sequential inspects');
});

test('a kept connection the daemon closed meanwhile is replaced: the inspect still gets its answer', async () => {
  // The second request on any connection: the daemon drops the connection without answering, as one
  // that closed an idle connection just as the request arrived.
  const daemon = await startDaemon((req, _res, nth) => {
    if (nth < 2) return false;
    req.socket.destroy();
    return true;
  });
  const { host, connector } = clientsFor(daemon.socketPath);
  const client = inspectClient(host, connector);
  assert.deepEqual(await inspect(client, 'first'), { Id: '/containers/first/json', HostConfig: { Privileged: false } });
  assert.deepEqual(await inspect(client, 'second'), { Id: '/containers/second/json', HostConfig: { Privileged: false } });
  assert.equal(daemon.connections.length, 2, 'the dropped connection was replaced by one new one');
  assert.deepEqual([...daemon.requestsPerConnection.values()], [2, 1]);
});

test('a new connection that fails is not retried: the inspect fails with the reason', async () => {
  const daemon = await startDaemon((req) => {
    req.socket.destroy();
    return true;
  });
  const { host, connector } = clientsFor(daemon.socketPath);
  const client = inspectClient(host, connector);
  await assert.rejects(inspect(client, 'x'), (err: Error) => /ERR_DAEMON_UNREACHABLE/.test(`${(err as { code?: string }).code}: ${err.message}`));
  assert.equal(daemon.connections.length, 1);
});

test("the event stream's client keeps no connection: one per request", async () => {
  const daemon = await startDaemon();
  const { host, connector } = clientsFor(daemon.socketPath);
  const client = new DaemonClient(host, connector);
  for (const id of ['a', 'b', 'c']) await inspect(client, id);
  assert.equal(daemon.connections.length, 3);
});
