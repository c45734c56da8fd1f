// The fields that read the engine's container context (the `enrichment` key, docs/enrichment.md) and
// docker.image.registry, through the real library as Falco calls it: what get_fields declares, the values
// of the doc's example, and payloads the engine would never write (missing, mistyped, huge, hostile).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractAll, openPluginAsync, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { expectedFields, imageRegistry, MAX_LIST_VALUES } from './support/expected-fields';
import { FakeDaemon } from './support/fake-daemon';
import type { FieldInfo, FieldValue, PluginEvent } from '../native/loader/index';

const ROOT = path.join(__dirname, '..', '..');
const T = 1_800_000_000_000_000_000n;
const ID = '1f2a982ea9a966ca4c75ff50b8853f27cdcae61d2bc98419ba2f6bea127751b4';
const IMAGE_ID = 'sha256:22da0b9f4e8a1c6f6e1ad5d4c0b1f2e3d4c5b6a79808f7e6d5c4b3a291807f6e';

// docs/enrichment.md, "Schema", on a container create event.
const DOC_CONTEXT = {
  container: {
    privileged: false,
    user: 'root',
    capAdd: ['CAP_SYS_ADMIN'],
    capDrop: [],
    mounts: [{ type: 'bind', source: '/etc', destination: '/host-etc', rw: false }],
    pidMode: 'host',
    networkMode: 'default',
    ipcMode: '',
    utsMode: '',
    usernsMode: '',
    securityOpt: ['seccomp=unconfined'],
    readonlyRootfs: false,
    devices: ['/dev/fuse'],
    ports: [{ hostIp: '0.0.0.0', hostPort: 22, containerPort: 22, protocol: 'tcp' }],
    restartPolicy: 'on-failure:3',
    cmdline: 'sh -c echo hi',
    workdir: '/',
    envNames: ['PATH', 'SECRET'],
    labels: { 'com.example.team': 'payments' },
  },
  image: { id: IMAGE_ID, digest: 'sha256:9ae9a5b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6' },
};

/** A container event as the daemon sends it, with `enrichment` inserted before its closing brace. */
function containerEvent(action: string, enrichment?: unknown, image = 'local/busybox', n = 0n): string {
  const event = `{"status":"${action}","id":"${ID}","from":"${image}","Type":"container","Action":"${action}","Actor":{"ID":"${ID}","Attributes":{"image":"${image}","name":"web"}},"scope":"local","time":1800000000,"timeNano":${T + n}`;
  return enrichment === undefined ? `${event}}` : `${event},"enrichment":${JSON.stringify(enrichment)}}`;
}

const DOC_EVENT = containerEvent('create', DOC_CONTEXT);
const EXEC_EVENT = containerEvent('exec_start: sh', {
  ...DOC_CONTEXT,
  exec: { user: 'nobody', privileged: true, tty: true, cmdline: 'sh -c id' },
}, 'local/busybox', 1n);
const PLAIN_EVENT = containerEvent('start', undefined, 'local/busybox', 2n);
const VOLUME_EVENT = `{"Type":"volume","Action":"create","Actor":{"ID":"vol1","Attributes":{"driver":"local"}},"scope":"local","time":1800000000,"timeNano":${T + 3n}}`;

// The fields of docs/enrichment.md's "Fields" table, with the type get_fields gives each.
const CONTEXT_FIELDS: Record<string, 'bool' | 'string' | 'list'> = {
  'docker.container.privileged': 'bool',
  'docker.container.user': 'string',
  'docker.container.cap_add': 'list',
  'docker.container.cap_drop': 'list',
  'docker.container.mount.sources': 'list',
  'docker.container.mount.rw_sources': 'list',
  'docker.container.mount.destinations': 'list',
  'docker.container.pid_mode': 'string',
  'docker.container.network_mode': 'string',
  'docker.container.ipc_mode': 'string',
  'docker.container.uts_mode': 'string',
  'docker.container.userns_mode': 'string',
  'docker.container.security_opt': 'list',
  'docker.container.readonly_rootfs': 'bool',
  'docker.container.devices': 'list',
  'docker.container.ports': 'list',
  'docker.container.public_ports': 'list',
  'docker.container.restart_policy': 'string',
  'docker.container.cmdline': 'string',
  'docker.container.workdir': 'string',
  'docker.container.env_names': 'list',
  'docker.container.label': 'string',
  'docker.image.id': 'string',
  'docker.image.digest': 'string',
  'docker.exec.user': 'string',
  'docker.exec.cmdline': 'string',
  'docker.exec.privileged': 'bool',
  'docker.exec.tty': 'bool',
};
const CONTEXT_NOTE = "needs the engine's container context (docs/enrichment.md)";

describe('container context fields through the real library', () => {
  let daemon: FakeDaemon;
  let opened: OpenedPlugin;
  let delivered: PluginEvent[];
  let fields: FieldInfo[];

  before(async () => {
    daemon = await FakeDaemon.start();
    opened = await openPluginAsync(daemon.openParams);
    fields = opened.plugin.info.fields;
    const lines = [DOC_EVENT, EXEC_EVENT, PLAIN_EVENT, VOLUME_EVENT];
    (await daemon.waitEventsRequest(0)).res.write(lines.map((l) => `${l}\n`).join(''));
    delivered = await opened.instance.collect({ until: (evs) => evs.length >= lines.length, timeoutMs: 20_000 });
  });

  after(async () => {
    opened?.shutdown();
    await daemon?.close();
  });

  /** An event record like a delivered one, with another payload (and its own evtnum, so it is parsed anew). */
  let fresh = 1_000_000n;
  function recordWith(payload: string | Buffer): PluginEvent {
    const template = delivered[3];
    assert.ok(template);
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    const record = Buffer.alloc(38 + data.length);
    template.record.copy(record, 0, 0, 38);
    record.writeUInt32LE(38 + data.length, 16);
    record.writeUInt32LE(data.length, 30);
    data.copy(record, 38);
    fresh += 1n;
    return { ...template, record, data, evtnum: fresh };
  }

  /** All the values of each named field (null = none), one extract_fields call per field. */
  function values(event: PluginEvent, names: string[], label = 'com.example.team'): Record<string, FieldValue[] | null> {
    const requests = names.map((name) => (name === 'docker.container.label' ? { name, arg: label } : { name }));
    const got = opened.state.extract(event, requests);
    return Object.fromEntries(names.map((name, i) => [name, got[i] ?? null]));
  }

  function contextOf(context: unknown): Record<string, FieldValue[] | null> {
    return values(recordWith(containerEvent('create', context)), Object.keys(CONTEXT_FIELDS));
  }

  it('get_fields declares every field of the doc with its type: bool, string, or a list of strings', () => {
    for (const [name, kind] of Object.entries(CONTEXT_FIELDS)) {
      const f = fields.find((x) => x.name === name);
      assert.ok(f, `${name} is in get_fields`);
      assert.equal(f.type, kind === 'list' ? 'string' : kind, name);
      assert.equal(f.isList, kind === 'list', `${name} isList`);
      assert.ok(f.desc.endsWith(CONTEXT_NOTE), `${name}: ${f.desc}`);
    }
    const label = fields.find((f) => f.name === 'docker.container.label');
    assert.deepEqual(label?.arg, { isRequired: true, isIndex: false, isKey: true });
    const registry = fields.find((f) => f.name === 'docker.image.registry');
    assert.equal(registry?.type, 'string');
    assert.equal(registry?.isList, false);
    assert.ok(!registry?.desc.includes(CONTEXT_NOTE), 'the registry needs no context');
    const others = fields.filter((f) => !(f.name in CONTEXT_FIELDS));
    for (const f of others) assert.ok(!f.isList && !f.desc.includes(CONTEXT_NOTE), f.name);
  });

  it("the doc's Fields table names only fields get_fields has, with the type it gives", () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'enrichment.md'), 'utf8');
    const table = doc.slice(doc.indexOf('\n## Fields\n'));
    const rows = [...table.matchAll(/^\| (.+?) \| (bool|string|list) \|/gm)];
    assert.ok(rows.length >= 15, 'the Fields table');
    let named = 0;
    for (const [, cell = '', kind] of rows) {
      for (const [name] of cell.matchAll(/docker(?:\.[a-z_]+)+/g)) {
        named++;
        const f = fields.find((x) => x.name === name);
        assert.ok(f, `${name} (docs/enrichment.md) is in get_fields`);
        assert.equal(kind, f.isList ? 'list' : f.type, name);
        assert.equal(CONTEXT_FIELDS[name], kind, name);
      }
    }
    assert.ok(named >= 20, `${named} names`);
  });

  it('delivers the event with its enrichment key byte for byte', () => {
    assert.deepEqual(delivered.map(payloadOf), [DOC_EVENT, EXEC_EVENT, PLAIN_EVENT, VOLUME_EVENT]);
  });

  it("gives the doc's example its values; an empty list and an exec object that is not there give none", () => {
    const doc = delivered[0];
    assert.ok(doc);
    assert.deepEqual(values(doc, Object.keys(CONTEXT_FIELDS)), {
      'docker.container.privileged': [false],
      'docker.container.user': ['root'],
      'docker.container.cap_add': ['CAP_SYS_ADMIN'],
      'docker.container.cap_drop': null,
      'docker.container.mount.sources': ['/etc'],
      'docker.container.mount.rw_sources': null,
      'docker.container.mount.destinations': ['/host-etc'],
      'docker.container.pid_mode': ['host'],
      'docker.container.network_mode': ['default'],
      'docker.container.ipc_mode': [''],
      'docker.container.uts_mode': [''],
      'docker.container.userns_mode': [''],
      'docker.container.security_opt': ['seccomp=unconfined'],
      'docker.container.readonly_rootfs': [false],
      'docker.container.devices': ['/dev/fuse'],
      'docker.container.ports': ['0.0.0.0:22/tcp'],
      'docker.container.public_ports': ['22/tcp'],
      'docker.container.restart_policy': ['on-failure:3'],
      'docker.container.cmdline': ['sh -c echo hi'],
      'docker.container.workdir': ['/'],
      'docker.container.env_names': ['PATH', 'SECRET'],
      'docker.container.label': ['payments'],
      'docker.image.id': [IMAGE_ID],
      'docker.image.digest': [DOC_CONTEXT.image.digest],
      'docker.exec.user': null,
      'docker.exec.cmdline': null,
      'docker.exec.privileged': null,
      'docker.exec.tty': null,
    });
  });

  it('gives an exec event its exec values, and the container values beside them', () => {
    const exec = delivered[1];
    assert.ok(exec);
    assert.deepEqual(
      values(exec, ['docker.exec.user', 'docker.exec.cmdline', 'docker.exec.privileged', 'docker.exec.tty', 'docker.container.user']),
      {
        'docker.exec.user': ['nobody'],
        'docker.exec.cmdline': ['sh -c id'],
        'docker.exec.privileged': [true],
        'docker.exec.tty': [true],
        'docker.container.user': ['root'],
      },
    );
  });

  it('gives no context value to an event without the key, whatever the event before it had', () => {
    const [doc, , plain, volume] = delivered;
    assert.ok(doc && plain && volume);
    for (const e of [plain, volume]) {
      values(doc, Object.keys(CONTEXT_FIELDS));
      const got = values(e, Object.keys(CONTEXT_FIELDS));
      for (const name of Object.keys(CONTEXT_FIELDS)) assert.equal(got[name], null, `${name} of ${payloadOf(e)}`);
    }
  });

  it('docker.container.label[key] gives the label of that key, none for a missing key or a label that is not a string', () => {
    const e = recordWith(containerEvent('create', { container: { labels: { 'a.b.c': 'x', empty: '', n: 5, o: {}, 'spa ce': 'y' } } }));
    const label = (key: string): FieldValue[] | null => values(e, ['docker.container.label'], key)['docker.container.label'] ?? null;
    assert.deepEqual(label('a.b.c'), ['x']);
    assert.deepEqual(label('empty'), ['']);
    assert.deepEqual(label('spa ce'), ['y']);
    assert.equal(label('n'), null);
    assert.equal(label('o'), null);
    assert.equal(label('missing'), null);
    assert.equal(label('A.B.C'), null, 'keys are case-sensitive');
    const [a, c] = opened.state.extractInOneCall(e, [
      { name: 'docker.container.label', arg: 'a.b.c' },
      { name: 'docker.container.label', arg: 'spa ce' },
    ]);
    assert.deepEqual([a, c], [['x'], ['y']], 'two keys in one call, each its own value');
    for (const labels of [[], 'x', null, 7]) {
      assert.equal(values(recordWith(containerEvent('create', { container: { labels } })), ['docker.container.label'], '0')['docker.container.label'], null);
    }
  });

  it('formats ports as hostIp:hostPort/protocol (IPv6 in brackets); public ports are those on every interface', () => {
    const ports = [
      { hostIp: '0.0.0.0', hostPort: 80, containerPort: 80, protocol: 'tcp' },
      { hostIp: '::', hostPort: 22, containerPort: 22, protocol: 'tcp' },
      { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 5432, containerPort: 5432, protocol: 'tcp' },
      { hostIp: '', hostPort: 53, containerPort: 53, protocol: 'udp' },
      { hostIp: '0.0.0.0', hostPort: 0, containerPort: 9000, protocol: 'sctp' },
      { hostIp: '2001:db8::7', hostPort: 65535, containerPort: 1, protocol: 'tcp' },
    ];
    const got = contextOf({ container: { ports } });
    assert.deepEqual(got['docker.container.ports'], [
      '0.0.0.0:80/tcp',
      '[::]:22/tcp',
      '[::1]:8080/tcp',
      '127.0.0.1:5432/tcp',
      '0.0.0.0:53/udp',
      '0.0.0.0:0/sctp',
      '[2001:db8::7]:65535/tcp',
    ]);
    assert.deepEqual(got['docker.container.public_ports'], ['80/tcp', '22/tcp', '53/udp', '0/sctp']);
    const local = contextOf({ container: { ports: [{ hostIp: '127.0.0.1', hostPort: 1, protocol: 'tcp' }] } });
    assert.deepEqual(local['docker.container.ports'], ['127.0.0.1:1/tcp']);
    assert.equal(local['docker.container.public_ports'], null, 'no public port: no value');
  });

  it('skips a port without a string hostIp and protocol and a hostPort of 0–65535', () => {
    const good = { hostIp: '0.0.0.0', hostPort: 1, protocol: 'tcp' };
    const bad = [
      { hostIp: '0.0.0.0', hostPort: '22', protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: -1, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 65536, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 1.5, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 2 },
      { hostPort: 3, protocol: 'tcp' },
      { hostIp: 4, hostPort: 4, protocol: 'tcp' },
      'x',
      null,
      [good],
    ];
    const got = contextOf({ container: { ports: [...bad, good] } });
    assert.deepEqual(got['docker.container.ports'], ['0.0.0.0:1/tcp']);
    assert.deepEqual(got['docker.container.public_ports'], ['1/tcp']);
  });

  it('reads bind mounts for sources, writable ones for rw_sources, every mount for destinations', () => {
    const mounts = [
      { type: 'bind', source: '/var/run/docker.sock', destination: '/var/run/docker.sock', rw: true },
      { type: 'bind', source: '/etc', destination: '/host-etc', rw: false },
      { type: 'volume', source: '/var/lib/docker/volumes/v/_data', destination: '/data', rw: true },
      { type: 'tmpfs', source: '', destination: '/tmp', rw: true },
      { type: 'bind', source: '/root', destination: '/r', rw: 'true' },
      { type: 'bind', source: 7, destination: '/seven', rw: true },
      { type: 'BIND', source: '/upper', rw: true },
      { source: '/untyped', rw: true },
      'x',
      null,
    ];
    const got = contextOf({ container: { mounts } });
    assert.deepEqual(got['docker.container.mount.sources'], ['/var/run/docker.sock', '/etc', '/root']);
    assert.deepEqual(got['docker.container.mount.rw_sources'], ['/var/run/docker.sock']);
    assert.deepEqual(got['docker.container.mount.destinations'], ['/var/run/docker.sock', '/host-etc', '/data', '/tmp', '/r', '/seven']);
  });

  it('skips list elements that are not strings; an empty list, or one of nothing but those, has no value', () => {
    const got = contextOf({ container: { capAdd: [1, 'CAP_NET_ADMIN', null, {}, ['CAP_X'], true, 'ALL'], capDrop: [], devices: [1, 2], envNames: [] } });
    assert.deepEqual(got['docker.container.cap_add'], ['CAP_NET_ADMIN', 'ALL']);
    assert.equal(got['docker.container.cap_drop'], null);
    assert.equal(got['docker.container.devices'], null);
    assert.equal(got['docker.container.env_names'], null);
  });

  it(`gives at most the first ${MAX_LIST_VALUES} values of a huge list`, () => {
    const many = Array.from({ length: 5000 }, (_, i) => `CAP_${i}`);
    const ports = Array.from({ length: 3000 }, (_, i) => ({ hostIp: '::', hostPort: i % 65536, protocol: 'tcp' }));
    const mounts = Array.from({ length: 3000 }, (_, i) => ({ type: 'bind', source: `/s${i}`, destination: `/d${i}`, rw: true }));
    const got = contextOf({ container: { capAdd: [0, ...many], ports, mounts } });
    assert.deepEqual(got['docker.container.cap_add'], many.slice(0, MAX_LIST_VALUES));
    assert.equal(got['docker.container.ports']?.length, MAX_LIST_VALUES);
    assert.equal(got['docker.container.ports']?.at(-1), `[::]:${MAX_LIST_VALUES - 1}/tcp`);
    assert.equal(got['docker.container.public_ports']?.length, MAX_LIST_VALUES);
    assert.equal(got['docker.container.mount.rw_sources']?.length, MAX_LIST_VALUES);
    assert.equal(got['docker.container.mount.destinations']?.at(-1), `/d${MAX_LIST_VALUES - 1}`);
  });

  it('gives no value for a member of the wrong type, or for objects that are not objects', () => {
    const wrong = {
      privileged: 'true',
      user: 0,
      capAdd: 'CAP_SYS_ADMIN',
      capDrop: { 0: 'ALL' },
      mounts: { type: 'bind', source: '/' },
      pidMode: ['host'],
      networkMode: null,
      ipcMode: true,
      utsMode: {},
      usernsMode: 1.5,
      securityOpt: 'seccomp=unconfined',
      readonlyRootfs: 1,
      devices: '/dev/fuse',
      ports: { hostIp: '0.0.0.0', hostPort: 22, protocol: 'tcp' },
      restartPolicy: { Name: 'always' },
      cmdline: ['sh'],
      workdir: false,
      envNames: 'PATH',
      labels: 'com.example.team=payments',
    };
    const cases: unknown[] = [
      { container: wrong, image: { id: 1, digest: [] }, exec: { user: [], cmdline: {}, privileged: 'yes', tty: 0 } },
      { container: [], image: 'x', exec: null },
      { container: 'privileged', image: [IMAGE_ID] },
      [],
      'enrichment',
      null,
      42,
    ];
    for (const context of cases) {
      const got = contextOf(context);
      for (const name of Object.keys(CONTEXT_FIELDS)) assert.equal(got[name], null, `${name} of ${JSON.stringify(context).slice(0, 80)}`);
    }
  });

  it('survives hostile enrichment payloads: deep nesting, duplicate keys, truncation', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const hostile = [
      `{"Type":"container","enrichment":{"container":{"capAdd":${deep},"mounts":[${deep}],"labels":{"k":${deep}}}}}`,
      `{"Type":"container","enrichment":{"container":{"user":"first"},"container":{"user":"second"}}}`,
      DOC_EVENT.slice(0, DOC_EVENT.indexOf('"mounts"') + 20),
      `{"Type":"container","enrichment":{"container":{"ports":[{"hostIp":"${'f'.repeat(100_000)}:","hostPort":65535,"protocol":"${'p'.repeat(100_000)}"}]}}}`,
    ];
    const [nested, duplicate, truncated, long] = hostile.map((p) => values(recordWith(p), Object.keys(CONTEXT_FIELDS)));
    for (const name of Object.keys(CONTEXT_FIELDS)) {
      assert.equal(nested?.[name], null, name);
      assert.equal(truncated?.[name], null, name);
    }
    assert.deepEqual(duplicate?.['docker.container.user'], ['first'], 'the first of duplicate keys, as for every field');
    assert.deepEqual(long?.['docker.container.ports'], [`[${'f'.repeat(100_000)}:]:65535/${'p'.repeat(100_000)}`]);
  });

  it('docker.image.registry is the registry host of a container event\'s image, none for an image ID', () => {
    const hex = 'c0517ed4b93d6ac11b40d4712685b421b34c457d447625d3a3ec28b1960c8b5c';
    const table: Array<[string, string | null]> = [
      ['nginx', 'docker.io'],
      ['nginx:1.25', 'docker.io'],
      ['library/nginx:1.2', 'docker.io'],
      ['docker.io/library/nginx', 'docker.io'],
      ['index.docker.io/library/nginx', 'docker.io'],
      ['ghcr.io/a/b:tag', 'ghcr.io'],
      ['localhost/x', 'localhost'],
      ['localhost:5000/x', 'localhost:5000'],
      [`registry.example.com:5000/team/app@sha256:${hex}`, 'registry.example.com:5000'],
      [`nginx@sha256:${hex}`, 'docker.io'],
      ['quay.io/prometheus/node-exporter:v1.7.0', 'quay.io'],
      ['[::1]:5000/x', '[::1]:5000'],
      ['Registry/app', 'Registry'],
      ['local/busybox', 'docker.io'],
      ['local/busybox:latest', 'docker.io'],
      [`sha256:${hex}`, null],
      ['sha256:c0517ed4b93d', null],
      [hex, null],
      [`${hex}0`, 'docker.io'],
      ['sha256:5000/x', 'sha256:5000'],
      ['', null],
      ['/x', null],
      [`@sha256:${hex}`, null],
    ];
    for (const [image, want] of table) {
      assert.equal(imageRegistry(image), want, `the test's own mapping of ${image}`);
      const e = recordWith(containerEvent('create', undefined, image));
      assert.deepEqual(values(e, ['docker.image.registry'])['docker.image.registry'], want === null ? null : [want], image);
    }
    const imageEvent = `{"Type":"image","Action":"pull","Actor":{"ID":"sha256:feed","Attributes":{"image":"nginx","name":"nginx"}}}`;
    assert.equal(values(recordWith(imageEvent), ['docker.image.registry'])['docker.image.registry'], null, 'not a container event');
    const noImage = `{"Type":"container","Action":"die","Actor":{"ID":"c","Attributes":{"image":7}}}`;
    assert.equal(values(recordWith(noImage), ['docker.image.registry'])['docker.image.registry'], null, 'no string image');
  });

  it('every field agrees with the documented mapping, one call per field and all in one call', () => {
    const payloads = [
      ...delivered.map(payloadOf),
      containerEvent('create', { container: { ports: [{ hostIp: '::', hostPort: 443, protocol: 'tcp' }], mounts: [{ type: 'bind', source: '/', destination: '/host', rw: true }] } }),
    ];
    for (const payload of payloads) {
      const e = recordWith(payload);
      for (const arg of ['com.example.team', 'name']) {
        const one = extractAll(opened.state, e, arg, 'one per field');
        assert.deepEqual(extractAll(opened.state, e, arg, 'one for all'), one, `one call for all: ${payload}`);
        for (const [field, want] of Object.entries(expectedFields(payload, daemon.openParams, arg)))
          assert.deepEqual(one[field], want, `${field}[${arg}] of ${payload}`);
      }
    }
  });
});
