// The bench's fake daemon (bench/load-generator.ts, bench/fake-containers.ts) as the engine's enrichment sees
// it: container lifecycles with distinct IDs, and inspect answers that follow each container's state (dockerd's
// documents, 404 once destroyed). Nothing here is timed.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';
import { ContainerWorld, hexId, LifecycleSource, lifecycleActions } from '../bench/fake-containers';
import { EventFactory, FakeDockerDaemon, type GeneratorConfig } from '../bench/load-generator';

interface DockerEvent {
  Type: string;
  Action: string;
  id?: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

let daemon: FakeDockerDaemon | null = null;
let dir: string | null = null;

afterEach(async () => {
  await daemon?.close();
  daemon = null;
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

async function startDaemon(config: GeneratorConfig): Promise<FakeDockerDaemon> {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bench-gen-test-'));
  daemon = new FakeDockerDaemon(path.join(dir, 'docker.sock'), config);
  await daemon.listen();
  return daemon;
}

function get(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path: urlPath }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Reads the daemon's event stream until `count` events came. */
function readEvents(socketPath: string, count: number): Promise<DockerEvent[]> {
  return new Promise((resolve, reject) => {
    const events: DockerEvent[] = [];
    let rest = '';
    const req = http.get({ socketPath, path: '/v1.47/events' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          events.push(JSON.parse(line) as DockerEvent);
          if (events.length === count) {
            req.destroy();
            resolve(events);
            return;
          }
        }
      });
    });
    req.on('error', (err) => (events.length >= count ? undefined : reject(err)));
  });
}

test('lifecycles: create, start, die, destroy per container, distinct IDs, the usual attributes', async () => {
  const d = await startDaemon({ rate: 400, events: { kind: 'lifecycles', lifecyclesPerS: 100, lifetimeS: 0.05, count: null, execs: false } });
  d.start();
  const events = await readEvents(d.socketPath, 100);
  assert.deepEqual(
    events.slice(0, 8).map((e) => e.Action),
    ['create', 'start', 'die', 'destroy', 'create', 'start', 'die', 'destroy'],
  );
  // lifetime 0.05 s at 100/s: 5 containers alive at once; a container dies 5 steps after its create and is
  // destroyed 10 steps (0.1 s) after that.
  const created = events.filter((e) => e.Action === 'create').map((e) => e.Actor.ID);
  const died = events.filter((e) => e.Action === 'die').map((e) => e.Actor.ID);
  assert.equal(new Set(created).size, created.length);
  assert.deepEqual(died.slice(5), created.slice(0, died.length - 5));
  const destroyed = events.filter((e) => e.Action === 'destroy').map((e) => e.Actor.ID);
  assert.deepEqual(destroyed.slice(10), died.slice(0, destroyed.length - 10));
  for (const e of events) {
    assert.equal(e.Type, 'container');
    assert.match(e.Actor.ID, /^[0-9a-f]{64}$/);
    assert.equal(e.id, e.Actor.ID);
    assert.ok(e.Actor.Attributes.image && e.Actor.Attributes.name, JSON.stringify(e));
    assert.equal(typeof e.timeNano, 'number');
  }
  const die = events.find((e) => e.Action === 'die')!;
  assert.ok('exitCode' in die.Actor.Attributes && 'execDuration' in die.Actor.Attributes);
});

test('inspect: a created container answers a dockerd-shaped document, its image its digest; 404 once destroyed or unknown', async () => {
  const d = await startDaemon({ rate: 40, events: { kind: 'lifecycles', lifecyclesPerS: 10, lifetimeS: 0.2, count: 6, execs: false } });
  d.start();
  const events = await readEvents(d.socketPath, 24);
  const lastCreate = events.filter((e) => e.Action === 'create').at(-1)!;
  const id = lastCreate.Actor.ID;
  const answer = await get(d.socketPath, `/v1.47/containers/${id}/json`);
  assert.equal(answer.status, 200);
  const doc = JSON.parse(answer.body) as {
    Id: string;
    Name: string;
    Path: string;
    Args: string[];
    Image: string;
    State: { Status: string; Running: boolean };
    HostConfig: Record<string, unknown>;
    Config: { User: string; Env: string[]; Labels: Record<string, string>; WorkingDir: string; Image: string };
    Mounts: unknown[];
  };
  assert.equal(doc.Id, id);
  assert.equal(doc.Name, `/${lastCreate.Actor.Attributes.name}`);
  assert.equal(doc.Config.Image, lastCreate.Actor.Attributes.image);
  assert.equal(doc.State.Status, 'running');
  assert.ok(typeof doc.Path === 'string' && Array.isArray(doc.Args));
  assert.match(doc.Image, /^sha256:[0-9a-f]{64}$/);
  for (const key of ['Privileged', 'CapAdd', 'CapDrop', 'Binds', 'PidMode', 'NetworkMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'PortBindings', 'SecurityOpt', 'ReadonlyRootfs', 'Devices', 'RestartPolicy']) {
    assert.ok(key in doc.HostConfig, `HostConfig.${key}`);
  }
  assert.ok(Array.isArray(doc.Config.Env) && doc.Config.Env.some((e) => e.startsWith('PATH=')));
  assert.equal(doc.Config.Labels['com.docker.compose.project'], 'shop');
  assert.ok(Array.isArray(doc.Mounts));
  // by name too, as dockerd resolves it
  assert.equal((await get(d.socketPath, `/containers/${lastCreate.Actor.Attributes.name}/json`)).status, 200);

  const image = await get(d.socketPath, `/v1.47/images/${encodeURIComponent(doc.Image)}/json`);
  assert.equal(image.status, 200);
  const imageDoc = JSON.parse(image.body) as { Id: string; RepoDigests: string[]; RepoTags: string[] };
  assert.equal(imageDoc.Id, doc.Image);
  assert.deepEqual(imageDoc.RepoTags, [doc.Config.Image]);
  // a reference with slashes in it; the locally built image has no digest
  assert.equal((await get(d.socketPath, '/images/registry.example.com/shop/api:2.14.3/json')).status, 200);
  assert.deepEqual((JSON.parse((await get(d.socketPath, '/images/shop-batch:dev/json')).body) as { RepoDigests: string[] }).RepoDigests, []);
  assert.match((JSON.parse((await get(d.socketPath, '/images/nginx:1.27-alpine/json')).body) as { RepoDigests: string[] }).RepoDigests[0], /^nginx@sha256:[0-9a-f]{64}$/);

  const destroyed = events.find((e) => e.Action === 'destroy')!.Actor.ID;
  const gone = await get(d.socketPath, `/v1.47/containers/${destroyed}/json`);
  assert.equal(gone.status, 404);
  assert.deepEqual(JSON.parse(gone.body), { message: `No such container: ${destroyed}` });
  assert.equal((await get(d.socketPath, `/containers/${hexId(42)}/json`)).status, 404);
  assert.equal((await get(d.socketPath, `/exec/${hexId(42)}/json`)).status, 404);
  assert.equal((await get(d.socketPath, '/images/sha256:0000/json')).status, 404);
  const stats = d.stats();
  assert.deepEqual(stats.inspects, { containers: 2, execs: 0, images: 4, notFound: 4 });
  // count 6: six lifecycles, then the stream stays open and quiet
  assert.equal(stats.emitted, 24);
});

test('inspect follows the lifecycle: created, running, exited; execs answer while their container exists', () => {
  const world = new ContainerWorld();
  const source = new LifecycleSource(world, { lifecyclesPerS: 1, lifetimeS: 1, count: null, execs: true }, 1n);
  assert.deepEqual(source.actions, lifecycleActions({ lifetimeS: 1, execs: true }));
  assert.deepEqual(source.actions, ['create', 'start', 'exec_create', 'exec_start', 'exec_die', 'die', 'destroy']);
  const status = (id: string): string | null => {
    const body = world.inspectContainer(id);
    return body === null ? null : (JSON.parse(body) as { State: { Status: string } }).State.Status;
  };
  const ids: string[] = [];
  const execIds: string[] = [];
  for (let i = 0; i < 21; i++) {
    const prefix = source.nextPrefix(BigInt(i + 1) * 1_000_000_000n)!;
    const event = JSON.parse(`${prefix}"time":1,"timeNano":1}`) as DockerEvent;
    ids.push(event.Actor.ID);
    if (event.Actor.Attributes.execID !== undefined) execIds.push(event.Actor.Attributes.execID);
    if (event.Action === 'create') assert.equal(status(event.Actor.ID), 'created');
    if (event.Action === 'start') assert.equal(status(event.Actor.ID), 'running');
    if (event.Action.startsWith('exec_create')) {
      assert.match(event.Action, /^exec_create: /);
      const exec = JSON.parse(world.inspectExec(event.Actor.Attributes.execID)!) as { ContainerID: string; ProcessConfig: { entrypoint: string } };
      assert.equal(exec.ContainerID, event.Actor.ID);
      assert.ok(exec.ProcessConfig.entrypoint);
    }
    if (event.Action === 'die') assert.equal(status(event.Actor.ID), 'exited');
    if (event.Action === 'destroy') assert.equal(status(event.Actor.ID), null);
  }
  // lag 1, gap 1: step j creates container 2+j, lets container 1+j die and destroys container j (0 and 1 existed
  // when the stream began); the container step 0 created dies in step 1 and is destroyed in step 2, its exec
  // with it
  assert.equal(ids[12], ids[0]);
  assert.equal(ids[13], ids[5]);
  assert.equal(ids[20], ids[0]);
  assert.equal(world.inspectExec(execIds[0]), null);
  assert.notEqual(world.inspectExec(execIds[3]), null);
});

test('the ring of the fixed-rate phases is unchanged, and its containers can be inspected', async () => {
  const factory = new EventFactory();
  const first = JSON.parse(factory.next(1_000_000_000n)) as DockerEvent;
  assert.equal(first.Action, 'create');
  assert.equal(first.Actor.ID, hexId(0));
  assert.equal(first.Actor.Attributes.name, 'shop-worker-0');
  const d = await startDaemon({ rate: 10 });
  assert.equal((await get(d.socketPath, `/v1.47/containers/${hexId(999)}/json`)).status, 200);
  assert.equal((await get(d.socketPath, `/v1.47/containers/${hexId(1000)}/json`)).status, 404);
});
