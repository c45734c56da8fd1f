// Every container-context field, extracted through the real .so as Falco does, against `docker inspect`
// of the same container on the real daemon; no values when the engine adds no context (enrichment off,
// or a recording of the daemon's own events replayed).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FieldValue, PluginEvent } from '../native/loader/index';
import { daemonEvents, docker, DOCKER_SOCKET, nowNano, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { openPlugin, openPluginAsync, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { expectedContainerContext, type Inspect } from './support/enrichment';

const skip = !fs.existsSync(DOCKER_SOCKET) && `no Docker daemon at ${DOCKER_SOCKET}`;

type Values = FieldValue[] | null;

/** Each requested field's values (lists in full); null = no value. */
function extract(opened: OpenedPlugin, event: PluginEvent, names: readonly string[], arg?: string): Record<string, Values> {
  const values = opened.state.extract(event, names.map((name) => (arg !== undefined && name.endsWith('.label') ? { name, arg } : { name })));
  return Object.fromEntries(names.map((name, i) => [name, values[i] ?? null]));
}

/** A list field's values; an empty list may come as no value. */
const list = (v: Values): FieldValue[] => v ?? [];
const one = (v: Values): FieldValue | null => (v === null ? null : (v[0] ?? null));

const CONTAINER_FIELDS = [
  'docker.container.privileged',
  'docker.container.user',
  'docker.container.cap_add',
  'docker.container.cap_drop',
  'docker.container.mount.sources',
  'docker.container.mount.rw_sources',
  'docker.container.mount.destinations',
  'docker.container.pid_mode',
  'docker.container.network_mode',
  'docker.container.ipc_mode',
  'docker.container.uts_mode',
  'docker.container.userns_mode',
  'docker.container.security_opt',
  'docker.container.readonly_rootfs',
  'docker.container.devices',
  'docker.container.ports',
  'docker.container.public_ports',
  'docker.container.restart_policy',
  'docker.container.cmdline',
  'docker.container.workdir',
  'docker.container.env_names',
  'docker.container.label',
  'docker.image.id',
  'docker.image.digest',
] as const;
const EXEC_FIELDS = ['docker.exec.user', 'docker.exec.privileged', 'docker.exec.tty', 'docker.exec.cmdline'] as const;

const actionOf = (e: PluginEvent): string => (JSON.parse(payloadOf(e)) as { Action: string }).Action;

describe('container context fields against docker inspect', { skip }, () => {
  let opened: OpenedPlugin;
  let events: PluginEvent[] = [];
  let inspect: Inspect;
  let id = '';
  let runnerId = '';
  let execEvents: PluginEvent[] = [];
  const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fields-'));

  before(async () => {
    opened = openPlugin('');
    const name = uniqueName('fields');
    const runner = uniqueName('fields-exec');
    const collecting = opened.instance.collect({
      until: (evs) => evs.some((e) => payloadOf(e).includes(runner) && actionOf(e) === 'destroy'),
      timeoutMs: 60_000,
    });
    // prettier-ignore
    id = await docker('create', '--name', name,
      '--cap-add', 'SYS_PTRACE', '--cap-drop', 'NET_RAW', '-v', '/etc:/host-etc:ro', '-v', `${hostDir}:/data`,
      '--tmpfs', '/scratch', '--uts', 'host', '--ipc', 'shareable', '--security-opt', 'apparmor=unconfined',
      '-p', '[::1]:2222:22', '-p', '8080:80/udp', '--device', '/dev/null:/dev/xnull', '--restart', 'always',
      '-e', 'TOKEN=never-shown', '-l', 'com.example.team=payments', '-u', '65534', '-w', '/srv',
      TEST_IMAGE, 'sleep', '600');
    inspect = (JSON.parse(await docker('inspect', id)) as Inspect[])[0];
    await docker('rm', id);
    // Execs need a running container: a plain one.
    runnerId = await docker('run', '-d', '--name', runner, TEST_IMAGE, 'sleep', '600');
    await docker('exec', '-u', '1000', runnerId, 'sh', '-c', 'exit 0');
    await docker('rm', '-f', runnerId);
    const all = await collecting;
    events = all.filter((e) => payloadOf(e).includes(id));
    execEvents = all.filter((e) => payloadOf(e).includes(runnerId) && actionOf(e).startsWith('exec_'));
  });

  after(() => {
    opened?.shutdown();
    fs.rmSync(hostDir, { recursive: true, force: true });
  });

  it('every docker.container.* and docker.image.* field of the create event is what docker inspect says', () => {
    const create = events.find((e) => actionOf(e) === 'create');
    assert.ok(create !== undefined, 'the create event');
    const got = extract(opened, create, CONTAINER_FIELDS, 'com.example.team');
    const want = expectedContainerContext(inspect);
    const mounts = want['mounts'] as Array<{ type: string; source: string; destination: string; rw: boolean }>;
    const ports = want['ports'] as Array<{ hostIp: string; hostPort: number; containerPort: number; protocol: string }>;
    const hostPort = (p: (typeof ports)[number]): string => `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}/${p.protocol}`;

    assert.deepEqual(one(got['docker.container.privileged']), inspect.HostConfig.Privileged);
    assert.deepEqual(one(got['docker.container.user']), '65534');
    assert.deepEqual(list(got['docker.container.cap_add']), ['CAP_SYS_PTRACE']);
    assert.deepEqual(list(got['docker.container.cap_drop']), ['CAP_NET_RAW']);
    assert.deepEqual(list(got['docker.container.mount.sources']), mounts.filter((m) => m.type === 'bind').map((m) => m.source));
    assert.deepEqual(list(got['docker.container.mount.rw_sources']), [hostDir]);
    assert.deepEqual(list(got['docker.container.mount.destinations']), mounts.map((m) => m.destination));
    assert.ok(list(got['docker.container.mount.sources']).includes('/etc'));
    assert.equal(one(got['docker.container.pid_mode']), inspect.HostConfig.PidMode);
    assert.equal(one(got['docker.container.network_mode']), inspect.HostConfig.NetworkMode);
    assert.equal(one(got['docker.container.ipc_mode']), 'shareable');
    assert.equal(one(got['docker.container.uts_mode']), 'host');
    assert.equal(one(got['docker.container.userns_mode']), inspect.HostConfig.UsernsMode);
    assert.deepEqual(list(got['docker.container.security_opt']), inspect.HostConfig.SecurityOpt ?? []);
    assert.ok(list(got['docker.container.security_opt']).includes('apparmor=unconfined'));
    assert.equal(one(got['docker.container.readonly_rootfs']), false);
    assert.deepEqual(list(got['docker.container.devices']), ['/dev/null']);
    assert.deepEqual([...list(got['docker.container.ports'])].sort(), ports.map(hostPort).sort());
    assert.deepEqual([...list(got['docker.container.ports'])].sort(), ['0.0.0.0:8080/udp', '[::1]:2222/tcp']);
    assert.deepEqual(list(got['docker.container.public_ports']), ['8080/udp'], 'the loopback-only port is not public');
    assert.equal(one(got['docker.container.restart_policy']), 'always');
    assert.equal(one(got['docker.container.cmdline']), 'sleep 600');
    assert.equal(one(got['docker.container.workdir']), '/srv');
    assert.deepEqual(list(got['docker.container.env_names']), (inspect.Config.Env ?? []).map((e) => e.split('=')[0]));
    assert.ok(!payloadOf(create).includes('never-shown'));
    assert.equal(one(got['docker.container.label']), 'payments');
    assert.equal(one(got['docker.image.id']), inspect.Image);
    assert.equal(one(got['docker.image.digest']), null, 'an imported image has no repository digest');
  });

  it('every exec event carries the docker.exec.* fields of its exec', () => {
    assert.equal(execEvents.length, 3, 'exec_create, exec_start, exec_die');
    for (const e of execEvents) {
      const got = extract(opened, e, EXEC_FIELDS);
      assert.deepEqual(
        Object.values(got).map(one),
        ['1000', false, false, 'sh -c exit 0'],
        `${actionOf(e)}: ${payloadOf(e)}`,
      );
    }
    const create = events.find((e) => actionOf(e) === 'create')!;
    assert.deepEqual(Object.values(extract(opened, create, EXEC_FIELDS)), [null, null, null, null], 'no exec fields outside exec events');
  });

  it('docker.image.registry names the registry of the image the event names', () => {
    const create = events.find((e) => actionOf(e) === 'create')!;
    assert.equal(one(extract(opened, create, ['docker.image.registry'])['docker.image.registry']), 'docker.io');
  });
});

describe('no container context, no values', { skip }, () => {
  it('with enrichment off, every docker.container.* / docker.exec.* field is empty', async () => {
    const opened = openPlugin('', { enrichment: { enabled: false } });
    try {
      const name = uniqueName('fields-off');
      const collecting = opened.instance.collect({ until: (evs) => evs.some((e) => payloadOf(e).includes(name) && actionOf(e) === 'destroy'), timeoutMs: 30_000 });
      await docker('create', '--name', name, '--privileged', TEST_IMAGE, 'true');
      await docker('rm', name);
      const ours = (await collecting).filter((e) => payloadOf(e).includes(name));
      assert.ok(ours.length >= 2);
      for (const e of ours) {
        const got = extract(opened, e, [...CONTAINER_FIELDS, ...EXEC_FIELDS], 'com.example.team');
        for (const [field, values] of Object.entries(got)) assert.ok(values === null || values.length === 0, `${field} of ${payloadOf(e)}: ${String(values)}`);
      }
    } finally {
      opened.shutdown();
    }
  });

  it("a recording of the daemon's own events (no context) replays with no values in them", async () => {
    const since = nowNano() - 1_000_000_000n;
    const name = uniqueName('fields-rec');
    await docker('create', '--name', name, '--privileged', TEST_IMAGE, 'true');
    await docker('rm', name);
    const lines = (await daemonEvents(since, nowNano() + 1_000_000_000n)).filter((l) => l.includes(name));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fields-rec-'));
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const opened = await openPluginAsync(`file://${file}`);
    try {
      const events: PluginEvent[] = [];
      for (;;) {
        const batch = await opened.instance.nextBatch();
        events.push(...batch.events);
        if (batch.rc === 'EOF') break;
      }
      assert.equal(events.length, lines.length);
      for (const e of events) {
        assert.equal(one(extract(opened, e, ['docker.container.privileged'])['docker.container.privileged']), null);
      }
    } finally {
      opened.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
