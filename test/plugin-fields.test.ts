// Field values for what a real 20.10 daemon here cannot send: Docker >= 29
// events (no status/id/from), keys absent after an event that had them,
// swarm attributes, and hostile payloads.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { extractAll, openPluginAsync, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { expectedFields } from './support/expected-fields';
import { FakeDaemon } from './support/fake-daemon';
import type { PluginEvent } from '../native/loader/index';

const T = 1_800_000_000_123_456_789n;
// As Docker 29 (API 1.52) sends them: no status, id or from.
const DOCKER29_DIE = `{"Type":"container","Action":"die","Actor":{"ID":"0123456789abcdef","Attributes":{"exitCode":"137","image":"local/busybox","name":"web"}},"scope":"local","time":1800000000,"timeNano":${T}}`;
const DOCKER29_IMAGE = `{"Type":"image","Action":"pull","Actor":{"ID":"sha256:feed","Attributes":{"name":"local/busybox"}},"scope":"local","time":1800000000,"timeNano":${T + 1n}}`;
const DOCKER29_NETWORK = `{"Type":"network","Action":"disconnect","Actor":{"ID":"net0","Attributes":{"container":"0123456789abcdef","name":"bridge","type":"bridge"}},"scope":"local","time":1800000000,"timeNano":${T + 2n}}`;
// The Go plugin's stale-value case: a container event with many keys, then a volume event lacking them.
const FULL = `{"status":"kill","id":"c1","from":"local/busybox","Type":"container","Action":"kill","Actor":{"ID":"c1","Attributes":{"com.docker.stack.namespace":"shop","com.docker.swarm.node.id":"n1","com.docker.swarm.service.name":"svc","com.docker.swarm.task":"","com.docker.swarm.task.id":"t1","com.docker.swarm.task.name":"svc.1.t1","image":"local/busybox","name":"victim","signal":"9","state.new":"ready","state.old":"down","type":"x"}},"scope":"swarm","time":1800000000,"timeNano":${T + 3n}}`;
const SPARSE = `{"Type":"volume","Action":"create","Actor":{"ID":"vol1","Attributes":{"driver":"local"}},"time":1800000000,"timeNano":${T + 4n}}`;
const NO_TIMENANO = `{"Type":"daemon","Action":"reload","Actor":{"ID":"d1","Attributes":{"name":"host"}},"scope":"local","time":1800000001}`;
// As the engine tags events when it fans several daemons in.
const FANNED_IN = `{"Type":"volume","Action":"destroy","Actor":{"ID":"vol2","Attributes":{"driver":"local"}},"scope":"local","time":1800000002,"timeNano":${T + 6n},"host":"tcp://10.0.0.2:2375"}`;
const LINES = [DOCKER29_DIE, DOCKER29_IMAGE, DOCKER29_NETWORK, FULL, SPARSE, NO_TIMENANO, FANNED_IN];

describe('fields of events a local 20.10 daemon cannot produce (fake daemon)', () => {
  let daemon: FakeDaemon;
  let opened: OpenedPlugin;
  let events: PluginEvent[];

  before(async () => {
    daemon = await FakeDaemon.start();
    opened = await openPluginAsync(daemon.openParams);
    const request = await daemon.waitEventsRequest(0);
    request.res.write(LINES.map((l) => `${l}\n`).join(''));
    events = await opened.instance.collect({ until: (evs) => evs.length >= LINES.length, timeoutMs: 20_000 });
  });

  after(async () => {
    opened?.shutdown();
    await daemon?.close();
  });

  it('delivers each payload byte for byte', () => {
    assert.deepEqual(events.map(payloadOf), LINES);
  });

  it('derives status, id and from for Docker >= 29 container events, as older daemons sent them', () => {
    const got = extractAll(opened.state, events[0]);
    assert.equal(got['docker.status'], 'die');
    assert.equal(got['docker.id'], '0123456789abcdef');
    assert.equal(got['docker.from'], 'local/busybox');
    assert.equal(got['docker.attributes.exitcode'], '137');
  });

  it('derives status and id for image events but not from', () => {
    const got = extractAll(opened.state, events[1]);
    assert.equal(got['docker.status'], 'pull');
    assert.equal(got['docker.id'], 'sha256:feed');
    assert.equal(got['docker.from'], null);
  });

  it('derives nothing for other types, which never had those keys', () => {
    const got = extractAll(opened.state, events[2]);
    assert.equal(got['docker.status'], null);
    assert.equal(got['docker.id'], null);
    assert.equal(got['docker.from'], null);
  });

  it("gives no value for keys the current event lacks, whatever the previous event had (the Go plugin's stale values)", () => {
    const full = extractAll(opened.state, events[3]);
    const sparse = extractAll(opened.state, events[4]);
    const presentBefore = Object.entries(full).filter(([, v]) => v !== null).map(([k]) => k);
    assert.ok(presentBefore.length >= 20, `the full event fills nearly every field: ${presentBefore.join(', ')}`);
    for (const field of presentBefore) {
      if (['docker.type', 'docker.action', 'docker.actor.id', 'docker.time', 'docker.host'].includes(field)) continue;
      assert.equal(sparse[field], null, `${field} must not carry over from the previous event`);
    }
    assert.equal(sparse['docker.type'], 'volume');
    assert.equal(sparse['docker.actor.id'], 'vol1');
  });

  it('docker.host is the endpoint of the capture for events that do not name their daemon', () => {
    for (const e of events.slice(0, 6)) assert.equal(extractAll(opened.state, e)['docker.host'], daemon.openParams);
  });

  it('docker.host is the daemon an event names when several are fanned in', () => {
    assert.equal(extractAll(opened.state, events[6])['docker.host'], 'tcp://10.0.0.2:2375');
  });

  it('an empty attribute is a value (""), not an absence', () => {
    assert.equal(extractAll(opened.state, events[3])['docker.swarm.task'], '');
  });

  it('docker.attributes[key] reads any attribute; a missing key has no value', () => {
    const [driver, missing] = opened.state.extract(events[4], [
      { name: 'docker.attributes', arg: 'driver' },
      { name: 'docker.attributes', arg: 'nope' },
    ]);
    assert.deepEqual(driver, ['local']);
    assert.equal(missing, null);
  });

  it('docker.time is timeNano, or time in seconds when timeNano is absent; ts follows it', () => {
    assert.equal(extractAll(opened.state, events[0])['docker.time'], T);
    assert.equal(extractAll(opened.state, events[5])['docker.time'], 1_800_000_001_000_000_000n);
    assert.equal(events[5]?.ts, 1_800_000_001_000_000_000n);
  });

  it('every field agrees with the documented mapping, for every event', () => {
    for (const e of events) {
      for (const [field, want] of Object.entries(expectedFields(payloadOf(e), daemon.openParams)))
        assert.deepEqual(extractAll(opened.state, e)[field], want, `${field} of ${payloadOf(e)}`);
    }
  });

  it('every field in one extract_fields call gives each field its own value, as one call per field does', () => {
    for (const e of events) {
      for (const arg of ['name', 'exitCode', 'driver']) {
        const oneCall = extractAll(opened.state, e, arg, 'one for all');
        assert.deepEqual(oneCall, extractAll(opened.state, e, arg, 'one per field'), `${arg} of ${payloadOf(e)}`);
      }
    }
    const [type, action, time, name, exitCode] = opened.state.extractInOneCall(events[0], [
      { name: 'docker.type' },
      { name: 'docker.action' },
      { name: 'docker.time' },
      { name: 'docker.attributes', arg: 'name' },
      { name: 'docker.attributes', arg: 'exitCode' },
    ]);
    assert.deepEqual([type, action, time, name, exitCode], [['container'], ['die'], [T], ['web'], ['137']]);
  });

  it('extracting out of order (an older event again) gives that event its own values', () => {
    const a = extractAll(opened.state, events[3]);
    extractAll(opened.state, events[4]);
    assert.deepEqual(extractAll(opened.state, events[3]), a);
  });
});

describe('hostile payloads handed to extract_fields', () => {
  let opened: OpenedPlugin;
  let daemon: FakeDaemon;
  let template: PluginEvent;

  before(async () => {
    daemon = await FakeDaemon.start();
    opened = await openPluginAsync(daemon.openParams);
    (await daemon.waitEventsRequest(0)).res.write(`${SPARSE}\n`);
    [template] = (await opened.instance.collect({ until: (evs) => evs.length >= 1, timeoutMs: 20_000 })) as [PluginEvent];
  });

  after(async () => {
    opened?.shutdown();
    await daemon?.close();
  });

  function recordWith(payload: Buffer): PluginEvent {
    const record = Buffer.alloc(38 + payload.length);
    template.record.copy(record, 0, 0, 38);
    record.writeUInt32LE(38 + payload.length, 16);
    record.writeUInt32LE(payload.length, 30);
    payload.copy(record, 38);
    return { ...template, record, data: payload, evtnum: template.evtnum + BigInt(payload.length) + 1000n };
  }

  const hostile: Record<string, Buffer> = {
    'not JSON': Buffer.from('this is not json'),
    'a JSON array': Buffer.from('[1,2,3]'),
    'deep nesting': Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
    'wrong types': Buffer.from('{"Type":7,"Action":null,"Actor":{"ID":[],"Attributes":{"name":{"x":1}}},"timeNano":-5}'),
    'truncated': Buffer.from(SPARSE.slice(0, 40)),
    'embedded NUL': Buffer.from('{"Type":"contai\u0000ner"}'),
    'invalid UTF-8': Buffer.from([0x7b, 0x22, 0x54, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    'empty': Buffer.alloc(0),
    'trailing garbage': Buffer.from(`${SPARSE}xyz`),
  };

  for (const [name, payload] of Object.entries(hostile)) {
    it(`${name}: no crash, and no value where the JSON does not give a string`, () => {
      const got = extractAll(opened.state, recordWith(payload));
      for (const [field, value] of Object.entries(got)) {
        if (value !== null) assert.equal(typeof value, field === 'docker.time' ? 'bigint' : 'string', field);
      }
      if (name !== 'invalid UTF-8') assert.equal(got['docker.type'], null);
      assert.equal(typeof opened.state.eventToString(recordWith(payload)).text, 'string');
    });
  }
});
