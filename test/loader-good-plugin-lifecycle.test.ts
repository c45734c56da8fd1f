// The good fixture through a whole Falco-like lifecycle: load → init → open →
// next_batch → extract → metrics → close → destroy → unload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { PluginEvent, PluginInstance, PluginState } from '../native/loader/index.js';
import { Plugin } from '../native/loader/index.js';
import { FIXTURE_ID, FIXTURE_TS_BASE, fixturePlugin } from './support/loader-fixtures.js';

const ALL_ONES = 0xffffffffffffffffn;

describe('good fixture lifecycle', () => {
  let plugin: Plugin;
  let state: PluginState;
  let instance: PluginInstance;
  let events: PluginEvent[];

  before(async () => {
    plugin = new Plugin(fixturePlugin('good'));
    state = plugin.init('');
    instance = state.open('  count=5,batch=2  ');
    const first = await instance.nextBatch();
    assert.equal(first.rc, 'SUCCESS');
    events = first.events;
  });

  after(() => {
    instance.close();
    state.destroy();
    plugin.unload();
  });

  it('describes the plugin from its static symbols and get_fields', () => {
    const { info } = plugin;
    assert.equal(info.name, 'fixture');
    assert.equal(info.version, '0.3.1');
    assert.equal(info.requiredApiVersion, '3.6.0');
    assert.equal(info.id, FIXTURE_ID);
    assert.equal(info.eventSource, 'fixture');
    assert.deepEqual(info.capabilities, ['sourcing', 'extraction']);
    assert.deepEqual(info.extractEventSources, ['fixture']);
    assert.equal(info.initSchemaType, 'json');
    assert.match(info.initSchema ?? '', /"failInit"/);
    assert.equal(info.fields.length, 21);
    info.fields.forEach((f, i) => assert.equal(f.id, i));
    const key = info.fields.find((f) => f.name === 'fixture.key');
    assert.deepEqual(key?.arg, { isRequired: true, isIndex: false, isKey: true });
    const name = info.fields[0];
    assert.deepEqual([name?.type, name?.ftype, name?.display, name?.addOutput], ['string', 9, 'Name', true]);
    assert.deepEqual(info.fields.find((f) => f.name === 'fixture.config')?.properties, ['hidden']);
    assert.equal(info.fields.find((f) => f.name === 'fixture.tags')?.isList, true);
  });

  it('init gets "{}" for an empty config, logs through log_fn, and event types are read', () => {
    assert.equal(state.config, '{}');
    assert.deepEqual(state.extractEventTypes, [322]);
    const logs = state.drainLogs();
    assert.deepEqual(logs, [
      { component: 'fixture', message: 'initializing', severity: 'info', severityCode: 6 },
      { component: 'fixture-config', message: '{}', severity: 'debug', severityCode: 7 },
    ]);
    assert.deepEqual(state.drainLogs(), []);
  });

  it('lists open params', () => {
    const params = state.listOpenParams();
    assert.deepEqual(params.map((p) => p.value), ['count=4', 'idle', 'count=2,batch=1']);
    assert.equal(params[2]?.separator, ',');
  });

  it('delivers events with the host writes applied', () => {
    assert.equal(events.length, 2);
    events.forEach((e, n) => {
      assert.equal(e.data.toString(), `evt-${n}`);
      assert.equal(e.ts, FIXTURE_TS_BASE + BigInt(n) * 1000n);
      assert.equal(e.pluginId, FIXTURE_ID); // plugin sent 0, host wrote its ID
      assert.equal(e.record.length, 38 + e.data.length);
      assert.equal(e.record.readUInt32LE(16), e.record.length);
      assert.equal(e.record.readUInt16LE(20), 322);
      assert.equal(e.record.readBigUInt64LE(8), ALL_ONES); // tid written by the host
      assert.equal(e.record.readUInt32LE(34), FIXTURE_ID);
      assert.equal(e.hostStampedTs, false);
      assert.ok(e.returnedAtNs > 0n);
    });
    assert.equal(events[1].evtnum, events[0].evtnum + 1n);
  });

  it('extracts every field kind, one call per field', () => {
    const e1 = events[1];
    const [name, num, key, indexAbsent, indexGiven, present, absentPresent, tags, flag, ts, age, ip, net] = state.extract(e1, [
      { name: 'fixture.name' },
      { name: 'fixture.num' },
      { name: 'fixture.key', arg: 'abc' },
      { name: 'fixture.argindex' },
      { name: 'fixture.argindex[42]' },
      { name: 'fixture.argpresent', arg: 7 },
      { name: 'fixture.argpresent' },
      { name: 'fixture.tags' },
      { name: 'fixture.flag' },
      { name: 'fixture.ts' },
      { name: 'fixture.age' },
      { name: 'fixture.ip' },
      { name: 'fixture.net' },
    ]);
    assert.deepEqual(name, ['evt-1']);
    assert.deepEqual(num, [1n]);
    assert.deepEqual(key, ['abc@evt-1']);
    assert.deepEqual(indexAbsent, [ALL_ONES]);
    assert.deepEqual(indexGiven, [42n]);
    assert.deepEqual(present, [true]);
    assert.deepEqual(absentPresent, [false]);
    assert.deepEqual(tags, ['tag1.0', 'tag1.1']);
    assert.deepEqual(flag, [true]);
    assert.deepEqual(ts, [FIXTURE_TS_BASE + 1000n]);
    assert.deepEqual(age, [1500n]);
    assert.deepEqual(ip, [Buffer.from([10, 0, 0, 1])]);
    assert.deepEqual(net, [Buffer.from([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])]);
  });

  it('passes evtnum, evtsrc, num_fields = 1, value_offsets and the request as libsinsp does', () => {
    const e0 = events[0];
    const [evtnum, evtsrc, tid, pluginId, numFields, hasOffsets, reqinfo, config, missing, failing] = state.extract(e0, [
      { name: 'fixture.evtnum' },
      { name: 'fixture.evtsrc' },
      { name: 'fixture.tid' },
      { name: 'fixture.pluginid' },
      { name: 'fixture.numfields' },
      { name: 'fixture.hasoffsets' },
      { name: 'fixture.reqinfo' },
      { name: 'fixture.config' },
      { name: 'fixture.missing' },
      { name: 'fixture.fail' },
    ]);
    assert.deepEqual(evtnum, [e0.evtnum]);
    assert.deepEqual(evtsrc, ['fixture']);
    assert.deepEqual(tid, [ALL_ONES]);
    assert.deepEqual(pluginId, [BigInt(FIXTURE_ID)]);
    assert.deepEqual(numFields, [1n]);
    assert.deepEqual(hasOffsets, [true]);
    assert.deepEqual(reqinfo, ['id=20 field=fixture.reqinfo ftype=9 flist=0 present=0']);
    assert.deepEqual(config, ['{}']);
    assert.equal(missing, null); // res_len 0
    assert.equal(failing, null); // FAILURE
  });

  it('refuses field requests the way libsinsp refuses the filter', () => {
    const e0 = events[0];
    assert.throws(() => state.extract(e0, [{ name: 'fixture.nope' }]), {
      code: 'ERR_PLUGIN_EXTRACT',
      message: "plugin fixture has no field 'fixture.nope'",
    });
    assert.throws(() => state.extract(e0, [{ name: 'fixture.key' }]), {
      code: 'ERR_PLUGIN_EXTRACT',
      message: "filter 'fixture.key': fixture.key requires an argument but none provided",
    });
    assert.throws(() => state.extract(e0, [{ name: 'fixture.name[x]' }]), {
      code: 'ERR_PLUGIN_EXTRACT',
      message: "filter 'fixture.name[x]': fixture.name does not allow nor require an argument but one is provided: x",
    });
    assert.throws(() => state.extract(e0, [{ name: 'fixture.argindex', arg: '01' }]), {
      code: 'ERR_PLUGIN_EXTRACT',
      message: 'filter fixture.argindex[01] fixture.argindex has an invalid index argument starting with 0: 01',
    });
    assert.throws(() => state.extract(e0, [{ name: 'fixture.argindex[1x]' }]), { code: 'ERR_PLUGIN_EXTRACT', message: /not composed only by digits: 1x$/ });
    assert.throws(() => state.extract({ record: e0.record.subarray(0, 30), evtnum: 1n }, [{ name: 'fixture.name' }]), {
      code: 'ERR_PLUGIN_EVENT',
    });
  });

  it('event_to_string, with libsinsp\'s fallback when the plugin returns ""', () => {
    assert.deepEqual(state.eventToString(events[0]), { text: 'fixture event evt-0', source: 'plugin' });
    assert.deepEqual(state.eventToString(events[1]), { text: 'datalen=5 data=evt-1', source: 'fallback' });
  });

  it('reports metrics prefixed with the plugin name', () => {
    const metrics = state.metrics();
    assert.deepEqual(
      metrics.map((m) => [m.name, m.type, m.value]),
      [
        ['fixture.events_emitted', 'monotonic', 2n],
        ['fixture.open_instances', 'non_monotonic', 1],
        ['fixture.ratio', 'non_monotonic', 0.5],
        ['fixture.library_inits', 'monotonic', 1],
      ],
    );
  });

  it('reports progress and reaches EOF after the requested count', async () => {
    assert.deepEqual(instance.progress(), { supported: true, pct: 4000, text: '2/5' });
    const second = await instance.nextBatch();
    const third = instance.nextBatchSync();
    assert.deepEqual([second.rc, second.events.length, third.rc, third.events.length], ['SUCCESS', 2, 'SUCCESS', 1]);
    assert.equal(third.events[0].evtnum, events[1].evtnum + 3n);
    const end = await instance.nextBatch();
    assert.deepEqual([end.rc, end.events.length], ['EOF', 0]);
    assert.equal(instance.progress().pct, 10000);
  });

  it('stamps ts when the plugin sends UINT64_MAX', async () => {
    const stamped = state.open('ts=max,batch=1');
    const before = BigInt(Date.now()) * 1000000n;
    const { events: [e] } = await stamped.nextBatch();
    const afterMs = BigInt(Date.now()) * 1000000n;
    stamped.close();
    assert.ok(e);
    assert.equal(e.hostStampedTs, true);
    // stamped when the host reads the event, i.e. after next_batch returned
    assert.ok(e.ts >= e.returnedAtNs && e.ts >= before - 1000000n && e.ts <= afterMs + 1000000n, `ts ${e.ts}`);
    assert.equal(e.record.readBigUInt64LE(0), e.ts);
  });
});

describe('use after close / destroy / unload', () => {
  it('throws ERR_PLUGIN_STATE, and close/destroy/unload are idempotent', async () => {
    const plugin = new Plugin(fixturePlugin('good'));
    const state = plugin.init();
    const instance = state.open('count=2');
    const { events } = await instance.nextBatch();

    assert.throws(() => state.destroy(), { code: 'ERR_PLUGIN_STATE', message: /1 instance\(s\) still open/ });
    assert.throws(() => plugin.unload(), { code: 'ERR_PLUGIN_STATE', message: /1 state\(s\) still alive/ });

    instance.close();
    instance.close();
    assert.equal(instance.closed, true);
    await assert.rejects(instance.nextBatch(), { code: 'ERR_PLUGIN_STATE', message: 'plugin fixture: instance has been closed' });
    assert.throws(() => instance.nextBatchSync(), { code: 'ERR_PLUGIN_STATE' });
    assert.throws(() => instance.progress(), { code: 'ERR_PLUGIN_STATE' });
    await assert.rejects(instance.runLoop({ maxEvents: 1 }), { code: 'ERR_PLUGIN_STATE' });

    state.destroy();
    state.destroy();
    assert.equal(state.destroyed, true);
    assert.throws(() => state.metrics(), { code: 'ERR_PLUGIN_STATE', message: 'plugin fixture: state has been destroyed' });
    assert.throws(() => state.open(''), { code: 'ERR_PLUGIN_STATE' });
    assert.throws(() => state.extract(events[0], [{ name: 'fixture.name' }]), { code: 'ERR_PLUGIN_STATE' });
    assert.throws(() => state.lastError(), { code: 'ERR_PLUGIN_STATE' });

    plugin.unload();
    plugin.unload();
    assert.equal(plugin.unloaded, true);
    assert.throws(() => plugin.init(), { code: 'ERR_PLUGIN_STATE', message: 'plugin fixture has been unloaded' });
    assert.equal(plugin.info.name, 'fixture'); // the description stays readable
  });
});
