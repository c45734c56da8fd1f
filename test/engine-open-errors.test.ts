// open fails fast with a clear message: bad open_params, a missing socket, a socket nobody listens on,
// one this user may not use, a daemon that does not answer. Each: one ERROR frame, exit 2, no READY.

import assert from 'node:assert/strict';
import { promises as fs, linkSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineProcess, json, TYPE_ERROR, withoutDockerHost } from './support/engine-process';

let dir = '';

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'engine-open-'));
  await fs.chmod(dir, 0o755);
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function expectOpenError(engine: EngineProcess, code: string, message: RegExp): Promise<void> {
  try {
    const frame = await engine.waitFrameOfType(TYPE_ERROR);
    const error = json(frame);
    assert.equal(error['code'], code, String(error['message']));
    assert.match(String(error['message']), message);
    assert.equal((await engine.waitExit()).code, 2);
    assert.equal(engine.frames.length, 1, 'no READY, only the ERROR frame');
  } finally {
    engine.kill();
  }
}

test('unknown scheme → ERR_OPEN_PARAMS listing the accepted forms', async () => {
  await expectOpenError(
    EngineProcess.start({ openParams: 'ftp://docker' }),
    'ERR_OPEN_PARAMS',
    /^unknown scheme "ftp:\/\/" in open_params "ftp:\/\/docker"; accepted forms: unix:\/\/\/path\/to\/docker.sock/,
  );
});

test('relative socket path → ERR_OPEN_PARAMS with the expected form', async () => {
  await expectOpenError(
    EngineProcess.start({ openParams: 'unix://run/docker.sock' }),
    'ERR_OPEN_PARAMS',
    /not absolute; expected unix:\/\/\/path\/to\/docker.sock/,
  );
});

test('tcp:// with a port out of range → ERR_OPEN_PARAMS naming it', async () => {
  await expectOpenError(EngineProcess.start({ openParams: 'tcp://127.0.0.1:99999' }), 'ERR_OPEN_PARAMS', /has port "99999", which is not a number from 1 to 65535/);
});

test('missing socket → ERR_SOCKET_MISSING naming the path and where it came from', async () => {
  await expectOpenError(
    EngineProcess.start({ openParams: 'unix:///run/nope.sock' }),
    'ERR_SOCKET_MISSING',
    /^Docker socket \/run\/nope.sock does not exist \(open_params "unix:\/\/\/run\/nope.sock"\)/,
  );
});

test('empty open_params uses DOCKER_HOST', async () => {
  const socket = path.join(dir, 'from-env.sock');
  await expectOpenError(
    EngineProcess.start({ openParams: '' }, { env: { ...withoutDockerHost(process.env), DOCKER_HOST: `unix://${socket}` } }),
    'ERR_SOCKET_MISSING',
    new RegExp(`^Docker socket ${socket} does not exist \\(DOCKER_HOST "unix://${socket}"\\)`),
  );
});

test('a regular file instead of a socket → ERR_SOCKET_MISSING saying so', async () => {
  const file = path.join(dir, 'not-a-socket');
  await fs.writeFile(file, '');
  await expectOpenError(EngineProcess.start({ openParams: `unix://${file}` }), 'ERR_SOCKET_MISSING', /is a file, not a socket/);
});

/** A socket file nobody listens on: listen, keep a hard link, close (Node unlinks its own path). */
async function deadSocket(name: string, mode?: number): Promise<string> {
  const live = path.join(dir, `${name}.live`);
  const dead = path.join(dir, name);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(live, resolve));
  linkSync(live, dead);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (mode !== undefined) await fs.chmod(dead, mode);
  return dead;
}

test('a socket with no listener → ERR_DAEMON_DOWN', async () => {
  const socket = await deadSocket('dead.sock');
  await expectOpenError(
    EngineProcess.start({ openParams: `unix://${socket}` }),
    'ERR_DAEMON_DOWN',
    new RegExp(`^cannot connect to the Docker daemon at unix://${socket}: connection refused; is dockerd running\\?$`),
  );
});

test('a socket this user may not open → ERR_SOCKET_PERMISSION', { skip: process.getuid?.() !== 0 && 'needs root to run the engine as another user' }, async () => {
  const server = net.createServer((c) => c.destroy());
  const socket = path.join(dir, 'private.sock');
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    await fs.chmod(socket, 0o600);
    await expectOpenError(
      EngineProcess.start({ openParams: `unix://${socket}` }, { uid: 65534, gid: 65534 }),
      'ERR_SOCKET_PERMISSION',
      /^permission denied connecting to the Docker socket .*private.sock .*run Falco as root or as a member of the socket's group/,
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a daemon that never answers → ERR_DAEMON_UNREACHABLE within openTimeoutMs', async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((c) => sockets.push(c)); // accepts, never answers
  const socket = path.join(dir, 'silent.sock');
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    const started = Date.now();
    await expectOpenError(
      EngineProcess.start({ config: { openTimeoutMs: 500 }, openParams: `unix://${socket}` }),
      'ERR_DAEMON_UNREACHABLE',
      /^no answer from the Docker daemon at unix:\/\/.*silent.sock to GET \/version within 400 ms/,
    );
    assert.ok(Date.now() - started < 5000);
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
