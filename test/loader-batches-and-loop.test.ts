// next_batch driven like Falco: collect() over TIMEOUT loops, exclusive calls,
// and the C++ Falco-like loop used by the bench.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { PluginState } from '../native/loader/index.js';
import { Plugin } from '../native/loader/index.js';
import { fixturePlugin } from './support/loader-fixtures.js';

describe('batches and the Falco-like loop', () => {
  let plugin: Plugin;
  let state: PluginState;

  before(() => {
    plugin = new Plugin(fixturePlugin('good'));
    state = plugin.init();
  });

  after(() => {
    state.destroy();
    plugin.unload();
  });

  it('collect() calls again right after each TIMEOUT until the condition holds', async () => {
    const instance = state.open('wait=3,idlems=2,batch=3');
    const events = await instance.collect({ until: (evts) => evts.length >= 5, timeoutMs: 5000 });
    instance.close();
    assert.deepEqual(events.map((e) => e.data.toString()), ['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4', 'evt-5']);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].evtnum > events[i - 1].evtnum);
  });

  it('collect() rejects at the deadline, saying how many calls were made', async () => {
    const instance = state.open('idle,idlems=3');
    await assert.rejects(instance.collect({ until: (evts) => evts.length > 0, timeoutMs: 40 }), (err: Error & Record<string, unknown>) => {
      assert.equal(err.code, 'ERR_PLUGIN_COLLECT');
      assert.equal(err.reason, 'deadline');
      assert.ok((err.batches as number) >= 2, `batches ${String(err.batches)}`);
      assert.match(err.message, /^collect: condition not met within 40 ms \(\d+ next_batch call\(s\), \d+ TIMEOUT\); 0 event\(s\) arrived$/);
      return true;
    });
    instance.close();
  });

  it('collect() rejects on EOF and on FAILURE, listing what arrived', async () => {
    const eof = state.open('count=3,eofinbatch,batch=2');
    await assert.rejects(eof.collect({ until: () => false, timeoutMs: 5000 }), (err: Error & Record<string, unknown>) => {
      assert.equal(err.code, 'ERR_PLUGIN_COLLECT');
      assert.equal(err.reason, 'EOF');
      assert.equal(err.message, 'collect: plugin fixture returned EOF before the condition held; 3 event(s) arrived: #' +
        `${(err.events as Array<{ evtnum: bigint }>)[0].evtnum} "evt-0", #${(err.events as Array<{ evtnum: bigint }>)[1].evtnum} "evt-1", ` +
        `#${(err.events as Array<{ evtnum: bigint }>)[2].evtnum} "evt-2"`);
      return true;
    });
    eof.close();

    const failing = state.open('failafter=2');
    await assert.rejects(failing.collect({ until: () => false, timeoutMs: 5000 }), {
      code: 'ERR_PLUGIN_COLLECT',
      reason: 'FAILURE',
      message: /returned FAILURE \(fixture: induced failure after 2 events\) before the condition held; 2 event\(s\) arrived/,
    });
    assert.equal(state.lastError(), 'fixture: induced failure after 2 events');
    failing.close();
  });

  it('FAILURE resolves with the plugin error; only one next_batch may run per instance', async () => {
    const instance = state.open('idle,idlems=20');
    const running = instance.nextBatch();
    await assert.rejects(instance.nextBatch(), { code: 'ERR_PLUGIN_STATE', message: /already running/ });
    assert.throws(() => instance.close(), { code: 'ERR_PLUGIN_STATE', message: /next_batch call is running/ });
    const idle = await running;
    assert.deepEqual([idle.rc, idle.events.length], ['TIMEOUT', 0]);
    instance.close();

    const failing = state.open('failafter=1,batch=1');
    assert.equal((await failing.nextBatch()).rc, 'SUCCESS');
    const failed = await failing.nextBatch();
    assert.deepEqual([failed.rc, failed.error, failed.events.length], ['FAILURE', 'fixture: induced failure after 1 events', 0]);
    failing.close();
  });

  it('runLoop stops at maxEvents and extracts one field per call per event', async () => {
    const instance = state.open('count=100,batch=4');
    const r = await instance.runLoop({ maxEvents: 6, fields: [{ name: 'fixture.name' }, { name: 'fixture.tags' }] });
    instance.close();
    assert.equal(r.events, 6);
    assert.equal(r.batches, 2);
    assert.deepEqual([...r.batchSizes], [4, 4]);
    assert.equal(r.rc, 'SUCCESS');
    assert.equal(r.error, undefined);
    assert.equal(r.extractCalls, 12);
    assert.equal(r.extractedValues, 6 + (1 + 2 + 3 + 1 + 2 + 3)); // one name + n%3+1 tags each
    assert.equal(r.latencyNs.length, 6);
    assert.ok(r.cpuUserUs >= 0 && r.cpuSysUs >= 0 && r.elapsedNs > 0n);
  });

  it('runLoop runs to EOF and measures latency against the plugin\'s timestamps', async () => {
    const instance = state.open('count=50,batch=8,ts=now');
    const r = await instance.runLoop({ fields: [{ name: 'fixture.num' }] });
    instance.close();
    assert.equal(r.rc, 'EOF');
    assert.equal(r.events, 50);
    assert.equal(r.batches, 8); // 7 batches of events, then EOF
    assert.equal(r.batchSizes.reduce((a, b) => a + b, 0), 50);
    assert.equal(r.extractedValues, 50);
    assert.equal(r.latencyNs.length, 50);
    for (const l of r.latencyNs) assert.ok(l >= 0n && l < 10_000_000_000n, `latency ${l}`);
  });

  it('runLoop keeps calling after TIMEOUT until durationMs, with no events stamped by the plugin', async () => {
    const instance = state.open('idle,idlems=2');
    const r = await instance.runLoop({ durationMs: 30 });
    instance.close();
    assert.equal(r.events, 0);
    assert.ok(r.batches >= 2, `batches ${r.batches}`);
    assert.equal(r.timeouts, r.batches);
    assert.equal(r.rc, 'TIMEOUT');
    assert.ok(r.elapsedNs >= 30_000_000n);
  });

  it('runLoop reports FAILURE and refused batches without throwing', async () => {
    const failing = state.open('failafter=3,batch=2');
    const f = await failing.runLoop({ maxEvents: 100 });
    failing.close();
    assert.deepEqual([f.rc, f.events, f.error, f.errorCode], ['FAILURE', 4, 'fixture: induced failure after 4 events', undefined]);

    const bad = new Plugin(fixturePlugin('bad_event'));
    const badState = bad.init();
    const badInstance = badState.open('fault=id');
    const b = await badInstance.runLoop({ maxEvents: 10 });
    badInstance.close();
    badState.destroy();
    bad.unload();
    assert.equal(b.errorCode, 'ERR_PLUGIN_BATCH');
    assert.match(b.error ?? '', /^unexpected plugin ID in plugin event/);
    assert.equal(b.events, 0);
  });

  it('host-stamped events carry no latency sample', async () => {
    const instance = state.open('count=4,ts=max');
    const r = await instance.runLoop({});
    instance.close();
    assert.deepEqual([r.rc, r.events, r.latencyNs.length], ['EOF', 4, 0]);
  });
});
