// Podman's Docker-compatible API socket (`podman system service`) through the
// same unix transport and the real .so. Podman cannot run containers in this
// sandbox (its OCI runtime may not set rlimits here), so volumes
// and images make the events.
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { extractAll, openPluginAsync, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { uniqueName } from './support/docker-cli';

const run = promisify(execFile);
const podman = (...args: string[]) => run('podman', ['--events-backend=file', ...args], { timeout: 60_000 });

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

describe('Podman through the Docker-compatible API socket', () => {
  let dir: string;
  let service: ChildProcess;
  let socket: string;
  let opened: OpenedPlugin;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podman-'));
    socket = path.join(dir, 'podman.sock');
    service = spawn('podman', ['--events-backend=file', 'system', 'service', '--time=0', `unix://${socket}`], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    while (!(await ping(socket))) {
      assert.ok(Date.now() < deadline, 'podman system service did not answer /_ping within 30 s');
      await new Promise((r) => setTimeout(r, 100)); // polling the socket, bounded by the deadline
    }
    opened = await openPluginAsync(`unix://${socket}`);
  });

  after(async () => {
    opened?.shutdown();
    service?.kill('SIGTERM');
    if (service && service.exitCode === null) await new Promise((r) => service.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers volume and image events with their fields', async () => {
    const volume = uniqueName('pmvol');
    const image = `localhost/${uniqueName('pmimg')}`;
    const tar = path.join(dir, 'empty.tar');
    fs.mkdirSync(path.join(dir, 'rootfs'));
    await run('tar', ['-C', path.join(dir, 'rootfs'), '-cf', tar, '.']);
    const seen = opened.instance.collect({
      until: (evs) => evs.some((e) => payloadOf(e).includes(volume) && /"Action":"remove"/.test(payloadOf(e))),
      timeoutMs: 60_000,
    });
    await podman('volume', 'create', volume);
    const imageId = (await podman('import', '--quiet', tar, `${image}:1`)).stdout.trim().replace(/^sha256:/, '');
    await podman('tag', `${image}:1`, `${image}:2`);
    await podman('rmi', `${image}:1`, `${image}:2`);
    await podman('volume', 'rm', volume);
    const events = await seen;
    const volumes = events.filter((e) => payloadOf(e).includes(volume)).map((e) => extractAll(opened.state, e));
    assert.deepEqual(
      volumes.map((f) => `${String(f['docker.type'])} ${String(f['docker.action'])} ${String(f['docker.attributes.name'])}`),
      [`volume create ${volume}`, `volume remove ${volume}`],
    );
    const tags = events
      .map((e) => extractAll(opened.state, e))
      .filter((f) => f['docker.type'] === 'image' && f['docker.action'] === 'tag' && f['docker.id'] === imageId);
    assert.ok(tags.length >= 1, `a tag event for image ${imageId}`);
    assert.equal(tags[0]?.['docker.status'], 'tag');
    for (const e of events) assert.equal(extractAll(opened.state, e)['docker.host'], `unix://${socket}`);
  });
});
