// The plugin's frame decoder (native/plugin/frame.h) against the golden frames
// the engine's encoder is tested against, through the real .so.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPlugin, testConfig } from './support/docker-plugin';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures');
const REPLAY_ENGINE = path.join(FIXTURES, 'replay-engine.js');
const goldenEvent = fs.readFileSync(path.join(FIXTURES, 'frames', 'event.bin'));

async function replay(openParams: string) {
  const plugin = loadPlugin();
  const state = plugin.init(JSON.stringify(testConfig({ enginePath: REPLAY_ENGINE })));
  const instance = state.open(openParams);
  const batches = [];
  for (let i = 0; i < 1000; i++) {
    const batch = await instance.nextBatch();
    batches.push(batch);
    if (batch.rc === 'EOF' || batch.rc === 'FAILURE') break;
  }
  const metrics = Object.fromEntries(state.metrics().map((m) => [m.name, Number(m.value)]));
  const lastError = state.lastError();
  instance.close();
  state.destroy();
  plugin.unload();
  return { batches, metrics, lastError, events: batches.flatMap((b) => b.events) };
}

for (const mode of ['', ';bytewise']) {
  describe(`golden frames${mode ? ', one byte per write' : ''}`, () => {
    it('READY opens, STATS feed metrics, EVENT reaches Falco intact, END ends the source', async () => {
      const { batches, metrics, events } = await replay(`ready,stats,event,event,end${mode}`);
      assert.equal(events.length, 2);
      for (const e of events) {
        assert.deepEqual(e.data, goldenEvent.subarray(38));
        assert.equal(e.ts, 1795773869230402943n);
        assert.equal(e.pluginId, 5);
      }
      assert.equal(batches.at(-1)?.rc, 'EOF');
      assert.equal(metrics['docker.engine_malformed_events'], 2);
      assert.equal(metrics['docker.engine_oversized_events'], 1);
      assert.equal(metrics['docker.engine_reconnects'], 1);
      assert.equal(metrics['docker.events_delivered'], 2);
      // keys stats.bin predates: an engine that does not send them leaves them at zero
      for (const name of ['enriched_events', 'enrichment_late_events', 'enrichment_gone_events', 'enrichment_failed_events', 'inspect_requests'])
        assert.equal(metrics[`docker.engine_${name}`], 0, name);
    });

    it('an ERROR frame after events fails the source with its code and message', async () => {
      const { batches, events, lastError } = await replay(`ready,event,error${mode}`);
      assert.equal(events.length, 1);
      const last = batches.at(-1);
      assert.equal(last?.rc, 'FAILURE');
      assert.match(last?.error ?? '', /^ERR_SOCKET_MISSING: Docker socket \/run\/nope.sock does not exist/);
      assert.equal(lastError, last?.error);
    });
  });
}

describe('STATS keys of the container context', () => {
  const stats = (counters: Record<string, number>): string => `stats:${Buffer.from(JSON.stringify(counters)).toString('base64url')}`;

  it('feed their metrics; a STATS frame without them leaves them as they were', async () => {
    const enrichment = { enrichedEvents: 11, enrichLateEvents: 2, enrichGoneEvents: 3, enrichFailedEvents: 4, inspectRequests: 17 };
    const { metrics } = await replay(`ready,${stats({ ...enrichment, reconnects: 5 })},${stats({ reconnects: 6 })},event,end`);
    assert.deepEqual(
      {
        enrichedEvents: metrics['docker.engine_enriched_events'],
        enrichLateEvents: metrics['docker.engine_enrichment_late_events'],
        enrichGoneEvents: metrics['docker.engine_enrichment_gone_events'],
        enrichFailedEvents: metrics['docker.engine_enrichment_failed_events'],
        inspectRequests: metrics['docker.engine_inspect_requests'],
      },
      enrichment,
    );
    assert.equal(metrics['docker.engine_reconnects'], 6, 'both frames were read');
  });
});

describe('frames that break the protocol', () => {
  it('an ERROR frame before READY fails open with its message', () => {
    const plugin = loadPlugin();
    const state = plugin.init(JSON.stringify(testConfig({ enginePath: REPLAY_ENGINE })));
    assert.throws(() => state.open('error'), /ERR_SOCKET_MISSING: Docker socket \/run\/nope.sock does not exist/);
    state.destroy();
    plugin.unload();
  });

  it('a malformed frame fails the source with ERR_PROTOCOL', async () => {
    const { batches } = await replay('ready,garbage');
    const last = batches.at(-1);
    assert.equal(last?.rc, 'FAILURE');
    assert.match(last?.error ?? '', /^ERR_PROTOCOL: the engine sent an invalid frame: nparams is not 2/);
  });

  it('an event before READY fails open with ERR_PROTOCOL', () => {
    const plugin = loadPlugin();
    const state = plugin.init(JSON.stringify(testConfig({ enginePath: REPLAY_ENGINE })));
    assert.throws(() => state.open('event,ready'), /ERR_PROTOCOL: the engine sent events before READY/);
    state.destroy();
    plugin.unload();
  });
});
