// Several states of one library, real dlclose + reload, and garbage collection
// of wrappers that were never closed.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';

import type { Metric} from '../native/loader/index.js';
import { Plugin } from '../native/loader/index.js';
import { fixturePlugin } from './support/loader-fixtures.js';

function metric(metrics: Metric[], name: string): Metric['value'] | undefined {
  return metrics.find((m) => m.name === `fixture.${name}`)?.value;
}

describe('two states of one plugin', () => {
  it('are independent: own instances, own config, destroy one while the other runs', async () => {
    const plugin = new Plugin(fixturePlugin('good'));
    const a = plugin.init({ label: 'a' });
    const b = plugin.init({ label: 'b' });
    assert.equal(plugin.liveStates, 2);
    const ia = a.open('count=10');
    const ib = b.open('count=10');
    const [ba, bb] = await Promise.all([ia.nextBatch(), ib.nextBatch()]);
    assert.deepEqual(ba.events.map((e) => e.data.toString()), ['evt-0', 'evt-1']);
    assert.deepEqual(bb.events.map((e) => e.data.toString()), ['evt-0', 'evt-1']);
    assert.deepEqual(a.extract(ba.events[0], [{ name: 'fixture.config' }]), [['{"label":"a"}']]);
    assert.deepEqual(b.extract(bb.events[0], [{ name: 'fixture.config' }]), [['{"label":"b"}']]);
    assert.equal(metric(a.metrics(), 'library_inits'), 2); // one library, two inits

    ia.close();
    a.destroy();
    assert.equal(plugin.liveStates, 1);
    const more = await ib.nextBatch();
    assert.deepEqual(more.events.map((e) => e.data.toString()), ['evt-2', 'evt-3']);
    assert.equal(metric(b.metrics(), 'events_emitted'), 4n);
    ib.close();
    b.destroy();
    plugin.unload();
  });

  it('share nothing across instances of one state but the evtnum counter', async () => {
    const plugin = new Plugin(fixturePlugin('good'));
    const state = plugin.init();
    const one = state.open('batch=1');
    const two = state.open('batch=1');
    assert.equal(metric(state.metrics(), 'open_instances'), 2);
    const x = await one.nextBatch();
    const y = await two.nextBatch();
    const z = await one.nextBatch();
    assert.deepEqual([x, y, z].map((b) => b.events[0].data.toString()), ['evt-0', 'evt-0', 'evt-1']);
    assert.deepEqual([x, y, z].map((b) => b.events[0].evtnum), [1n, 2n, 3n]);
    one.close();
    two.close();
    state.destroy();
    plugin.unload();
  });
});

describe('unload and reload', () => {
  it('dlcloses for real: the library leaves the process and its globals start over', () => {
    const lib = fixturePlugin('reload');
    const first = new Plugin(lib);
    assert.equal(Plugin.isResident(lib), true);
    const s1 = first.init();
    const s2 = first.init();
    assert.equal(metric(s2.metrics(), 'library_inits'), 2);
    s1.destroy();
    s2.destroy();
    first.unload();
    assert.equal(Plugin.isResident(lib), false);

    const second = new Plugin(lib);
    assert.equal(second.info.version, '0.3.2');
    const s3 = second.init();
    assert.equal(metric(s3.metrics(), 'library_inits'), 1);
    s3.destroy();
    second.unload();
    assert.equal(Plugin.isResident(lib), false);
  });
});

describe('garbage collection', () => {
  it('frees never-closed instances, states and libraries without crashing', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const lib = fixturePlugin('collectable');

    await (async () => {
      const plugin = new Plugin(lib);
      const state = plugin.init();
      const instance = state.open('count=100');
      const batch = await instance.nextBatch();
      assert.equal(batch.events.length, 2);
      // Keep only the event records: no wrapper survives this scope.
      return batch.events.map((e) => e.record);
    })();

    assert.equal(Plugin.isResident(lib), true);
    // Finalizers may run on a later turn; give GC a bounded number of rounds.
    for (let round = 0; round < 50 && Plugin.isResident(lib); round++) {
      gc();
      await nextTurn();
    }
    assert.equal(Plugin.isResident(lib), false, 'instance, state and library were freed in order');
  });
});
