// Container context (docs/enrichment.md): against the real daemon, each container event carries what
// `docker inspect` says of its container, exec events what the exec's inspect says, and the daemon's own
// bytes are untouched around the inserted key; off means no key and no request; a container already gone
// gets none, counted. Against a fake daemon, what a real one will not do: answer slowly, fail, answer huge.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { daemonEvents, docker, DOCKER_SOCKET, nowNano, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { expectedContainerContext, splitEnrichment, type Inspect } from './support/enrichment';
import { EngineProcess, json, TYPE_EVENT, TYPE_READY, TYPE_STATS, type Frame } from './support/engine-process';
import { eventLine, FakeDaemon } from './support/fake-daemon';

const skip = !fs.existsSync(DOCKER_SOCKET) && `no Docker daemon at ${DOCKER_SOCKET}`;

const attributes = (f: Frame): Record<string, string> => (json(f)['Actor'] as { Attributes: Record<string, string> }).Attributes;
const isEvent = (f: Frame): boolean => f.type === TYPE_EVENT;
const actionOf = (f: Frame): string => String(json(f)['Action']);
const ofContainer = (id: string) => (f: Frame) => isEvent(f) && json(f)['Type'] === 'container' && (json(f)['Actor'] as { ID: string }).ID === id;

function lastStats(engine: EngineProcess): Record<string, number> {
  const frames = engine.framesOf(TYPE_STATS);
  return frames.length === 0 ? {} : (JSON.parse(frames[frames.length - 1].payload.toString('utf8')) as Record<string, number>);
}

async function started(config: unknown, sinceNano?: bigint): Promise<EngineProcess> {
  const engine = EngineProcess.start({ openParams: '', config, ...(sinceNano !== undefined ? { sinceNano: String(sinceNano) } : {}) });
  await engine.waitFrameOfType(TYPE_READY, 15_000);
  return engine;
}

async function stop(engine: EngineProcess): Promise<void> {
  engine.closeStdin();
  assert.equal((await engine.waitExit(10_000)).code, 0);
}

describe('container context from the real daemon', { skip }, () => {
  let engine: EngineProcess;
  before(async () => {
    engine = await started({});
  });
  after(async () => {
    await stop(engine);
  });

  test("a container's create event carries what docker inspect says of it, and the daemon's bytes around it", async () => {
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrich-'));
    const name = uniqueName('enrich');
    const since = nowNano();
    // prettier-ignore
    const id = await docker('create', '--name', name,
      '--cap-add', 'SYS_ADMIN', '--cap-add', 'net_admin', '--cap-drop', 'CHOWN',
      '-v', '/etc:/host-etc:ro', '-v', `${hostDir}:/data`, '--pid', 'host', '--ipc', 'host',
      '--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges',
      '-p', '22:22', '-p', '127.0.0.1:8080:80/udp', '--device', '/dev/null:/dev/xnull', '--read-only',
      '--restart', 'on-failure:3', '-e', 'SECRET=hunter2', '-w', '/tmp', '-u', '1000', '-l', 'com.example.team=payments',
      TEST_IMAGE, 'sh', '-c', 'echo hi');
    try {
      const create = await engine.waitFrame((f) => ofContainer(id)(f) && actionOf(f) === 'create', `the create event of ${name}`, 15_000);
      const [inspect] = JSON.parse(await docker('inspect', id)) as Inspect[];
      const { daemonBytes, enrichment } = splitEnrichment(create.payload);
      assert.ok(enrichment !== null, `the create event has an enrichment key: ${create.payload.toString()}`);
      assert.ok(typeof enrichment['container'] === 'object' && enrichment['container'] !== null);
      assert.deepEqual(enrichment['container'], expectedContainerContext(inspect));
      assert.deepEqual(enrichment['image'], { id: inspect.Image }, 'an imported image has an ID and no repository digest');

      // What the flags asked for, spelled out: the mapping above is not allowed to hide a wrong value.
      const container = enrichment['container'];
      assert.deepEqual([...(container['capAdd'] as string[])].sort(), ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
      assert.deepEqual(container['capDrop'], ['CAP_CHOWN']);
      assert.equal(container['pidMode'], 'host');
      assert.equal(container['user'], '1000');
      assert.equal(container['restartPolicy'], 'on-failure:3');
      assert.ok((container['envNames'] as string[]).includes('SECRET'));
      assert.ok(!create.payload.toString().includes('hunter2'), 'environment values never leave the engine');
      assert.ok((container['securityOpt'] as string[]).includes('seccomp=unconfined'));
      assert.deepEqual((container['ports'] as unknown[]).length, 2);

      const replay = await daemonEvents(since, nowNano());
      assert.ok(replay.includes(daemonBytes), `the rest of the payload is the daemon's bytes: ${daemonBytes}`);
    } finally {
      await docker('rm', '-f', id);
      fs.rmSync(hostDir, { recursive: true, force: true });
    }
  });

  test('exec events carry the exec: its user (else the container\'s), tty, privileged and command line', async () => {
    const id = await docker('run', '-d', '--name', uniqueName('enrich-exec'), TEST_IMAGE, 'sleep', '600');
    try {
      await docker('exec', '-u', '1000', id, 'true');
      await docker('exec', id, 'sh', '-c', 'exit 0');
      const execEvents = await engine.waitFor(() => {
        const found = engine.frames.filter((f) => ofContainer(id)(f) && actionOf(f).startsWith('exec_'));
        return found.length >= 6 ? found : undefined;
      }, 'the exec events', 15_000);
      const byExec = new Map<string, Array<Record<string, unknown>>>();
      for (const f of execEvents) {
        const enrichment = splitEnrichment(f.payload).enrichment;
        assert.ok(enrichment !== null, `exec event with context: ${f.payload.toString()}`);
        const list = byExec.get(attributes(f)['execID']) ?? [];
        list.push(enrichment['exec']);
        byExec.set(attributes(f)['execID'], list);
      }
      const seen = [...byExec.values()];
      assert.equal(seen.length, 2);
      for (const list of seen) assert.equal(list.length, 3, 'exec_create, exec_start and exec_die all carry the exec');
      assert.deepEqual(seen[0][0], { user: '1000', privileged: false, tty: false, cmdline: 'true' });
      assert.deepEqual(seen[1][0], { user: 'root', privileged: false, tty: false, cmdline: 'sh -c exit 0' });
    } finally {
      await docker('rm', '-f', id);
    }
  });

  test('short-lived --rm containers: every container event has its context or is counted', async (t) => {
    const names = Array.from({ length: 10 }, () => uniqueName('enrich-rm'));
    for (const name of names) await docker('run', '--rm', '--name', name, TEST_IMAGE, 'true');
    const ours = (f: Frame): boolean => isEvent(f) && json(f)['Type'] === 'container' && names.includes(attributes(f)['name']);
    await engine.waitFor(() => (engine.frames.filter((f) => ours(f) && actionOf(f) === 'destroy').length === names.length ? true : undefined), 'every destroy', 30_000);
    const events = engine.frames.filter(ours);
    const enriched = events.filter((f) => splitEnrichment(f.payload).enrichment !== null).length;
    // Every container event this engine delivered (other containers may come and go on the daemon) is
    // counted once: with its context, or late, gone or failed. STATS lags the frames: wait until they agree.
    const all = (): Frame[] => engine.frames.filter((f) => isEvent(f) && json(f)['Type'] === 'container');
    const agreed = await engine.waitFor(() => {
      const s = lastStats(engine);
      const total = s['enrichedEvents'] + s['enrichLateEvents'] + s['enrichGoneEvents'] + s['enrichFailedEvents'];
      const frames = all();
      const carrying = frames.filter((f) => splitEnrichment(f.payload).enrichment !== null).length;
      return total === frames.length && s['enrichedEvents'] === carrying ? true : undefined;
    }, 'the counters to account for every container event', 10_000);
    assert.equal(agreed, true);
    const without = new Map<string, number>();
    for (const f of events.filter((e) => splitEnrichment(e.payload).enrichment === null)) without.set(actionOf(f), (without.get(actionOf(f)) ?? 0) + 1);
    const s = lastStats(engine);
    t.diagnostic(
      `${enriched} of ${events.length} events of ${names.length} --rm containers carried their context; ` +
        `without: ${[...without].map(([a, n]) => `${a} ${n}`).join(', ') || 'none'} (engine: late ${s['enrichLateEvents']}, gone ${s['enrichGoneEvents']})`,
    );
  });
});

test('enrichment off: no key and not one inspect request', { skip }, async () => {
  const engine = await started({ enrichment: { enabled: false } });
  try {
    const id = await docker('create', TEST_IMAGE, 'true');
    await docker('rm', id);
    const events = await engine.waitFor(() => {
      const found = engine.frames.filter(ofContainer(id));
      return found.some((f) => actionOf(f) === 'destroy') ? found : undefined;
    }, 'the events of the container', 15_000);
    for (const f of events) assert.equal(splitEnrichment(f.payload).enrichment, null, f.payload.toString());
    const stats = await engine.waitFor(() => (lastStats(engine)['deliveredEvents'] >= events.length ? lastStats(engine) : undefined), 'STATS', 10_000);
    assert.equal(stats['inspectRequests'], 0);
    assert.equal(stats['enrichedEvents'], 0);
  } finally {
    await stop(engine);
  }
});

test('a container already removed when its events are replayed: no context, counted as gone', { skip }, async () => {
  const since = nowNano();
  const id = await docker('create', TEST_IMAGE, 'true');
  await docker('rm', id);
  const engine = await started({}, since);
  try {
    const events = await engine.waitFor(() => {
      const found = engine.frames.filter(ofContainer(id));
      return found.some((f) => actionOf(f) === 'destroy') ? found : undefined;
    }, 'the replayed events of the removed container', 15_000);
    for (const f of events) assert.equal(splitEnrichment(f.payload).enrichment, null);
    // Other containers may come and go on this daemon meanwhile: the counter covers at least these.
    await engine.waitFor(() => (lastStats(engine)['enrichGoneEvents'] >= events.length ? true : undefined), 'the gone counter', 10_000);
  } finally {
    await stop(engine);
  }
});

describe('container context from a daemon that is slow, failing or huge', () => {
  let daemon: FakeDaemon;
  before(async () => {
    daemon = await FakeDaemon.start();
  });
  after(async () => {
    await daemon.close();
  });

  const inspectOf = (id: string, labels: Record<string, string> = {}): Record<string, unknown> => ({
    Id: id,
    Image: 'sha256:aaaa',
    Path: 'sleep',
    Args: ['1'],
    Config: { User: '', WorkingDir: '', Env: ['PATH=/bin'], Labels: labels },
    HostConfig: { Privileged: true },
    Mounts: [],
  });

  async function engineOn(config: Record<string, unknown>): Promise<{ engine: EngineProcess; write: (line: string) => void }> {
    const engine = EngineProcess.start({ openParams: daemon.openParams, config });
    const n = daemon.eventsRequests.length;
    await engine.waitFrameOfType(TYPE_READY, 10_000);
    const stream = await daemon.waitEventsRequest(n);
    return { engine, write: (line) => stream.res.write(`${line}\n`) };
  }

  test('an inspect slower than waitMs: the event goes on without context after about waitMs, counted late; the next has it', async () => {
    let answer: (value: unknown) => void = () => undefined;
    const slow = new Promise((resolve) => (answer = resolve));
    daemon.inspect = (kind, id) => (kind === 'container' && id === 'slow1' ? slow : kind === 'image' ? { RepoDigests: [] } : null);
    const { engine, write } = await engineOn({ enrichment: { waitMs: 50 } });
    try {
      const t0 = 1_800_000_000_000_000_000n;
      write(eventLine('create', t0, 'slow1'));
      const create = await engine.waitFrame((f) => isEvent(f) && actionOf(f) === 'create', 'the create event', 5_000);
      assert.equal(splitEnrichment(create.payload).enrichment, null);
      answer(inspectOf('slow1'));
      await engine.waitFor(() => (lastStats(engine)['inspectRequests'] >= 2 ? true : undefined), 'the image inspect after the late answer', 5_000);
      write(eventLine('start', t0 + 1n, 'slow1'));
      const start = await engine.waitFrame((f) => isEvent(f) && actionOf(f) === 'start', 'the start event', 5_000);
      const context = splitEnrichment(start.payload).enrichment;
      assert.equal((context?.['container'])?.['privileged'], true);
      const stats = await engine.waitFor(() => (lastStats(engine)['enrichedEvents'] === 1 ? lastStats(engine) : undefined), 'the counters', 5_000);
      assert.equal(stats['enrichLateEvents'], 1);
    } finally {
      await stop(engine);
    }
  });

  test('an inspect the daemon fails: no context, counted, logged ERR_INSPECT naming it; the next event asks again', async () => {
    daemon.inspect = (kind) => (kind === 'container' ? 500 : null);
    // A wait long enough that the failure, not the time, decides.
    const { engine, write } = await engineOn({ enrichment: { waitMs: 1000 } });
    const asked = daemon.inspectRequests.length;
    try {
      write(eventLine('create', 1_800_000_000_000_000_100n, 'broken1'));
      await engine.waitFrame((f) => isEvent(f) && actionOf(f) === 'create', 'the create event', 5_000);
      write(eventLine('start', 1_800_000_000_000_000_101n, 'broken1'));
      const start = await engine.waitFrame((f) => isEvent(f) && actionOf(f) === 'start', 'the start event', 5_000);
      assert.equal(splitEnrichment(start.payload).enrichment, null);
      const line = await engine.waitLog((l) => l.includes('ERR_INSPECT'), 'the ERR_INSPECT line', 5_000);
      assert.match(line, /containers\/broken1/);
      const stats = await engine.waitFor(() => (lastStats(engine)['enrichFailedEvents'] === 2 ? lastStats(engine) : undefined), 'the failed counter', 5_000);
      assert.equal(stats['enrichedEvents'], 0);
      assert.equal(daemon.inspectRequests.slice(asked).filter((r) => r.id === 'broken1').length, 2, 'a failure is not remembered');
    } finally {
      await stop(engine);
    }
  });

  test('a context that would make the event larger than maxEventBytes: the event goes without it, logged', async () => {
    daemon.inspect = (kind, id) => (kind === 'container' ? inspectOf(id, { big: 'x'.repeat(3000) }) : { RepoDigests: [] });
    const { engine, write } = await engineOn({ maxEventBytes: 2048 });
    try {
      write(eventLine('create', 1_800_000_000_000_000_200n, 'huge1'));
      const create = await engine.waitFrame((f) => isEvent(f) && actionOf(f) === 'create', 'the create event', 5_000);
      assert.equal(splitEnrichment(create.payload).enrichment, null);
      await engine.waitLog((l) => l.includes('ERR_INSPECT') && l.includes('maxEventBytes'), 'the log line', 5_000);
    } finally {
      await stop(engine);
    }
  });

  test('an event that already carries an enrichment key (a replayed capture) passes unchanged, without a request', async () => {
    daemon.inspect = (kind, id) => (kind === 'container' ? inspectOf(id) : { RepoDigests: [] });
    const { engine, write } = await engineOn({});
    const asked = daemon.inspectRequests.length;
    try {
      const line = `${eventLine('create', 1_800_000_000_000_000_300n, 'replayed1').slice(0, -1)},"enrichment":{"container":{"privileged":false}}}`;
      write(line);
      const create = await engine.waitFrame((f) => isEvent(f) && actionOf(f) === 'create', 'the create event', 5_000);
      assert.equal(create.payload.toString(), line);
      assert.equal(daemon.inspectRequests.length, asked);
    } finally {
      await stop(engine);
    }
  });
});
