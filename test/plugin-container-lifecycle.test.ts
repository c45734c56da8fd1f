// A real container, network and volume lifecycle on the real daemon arrives
// through the real .so, driven as Falco drives it, with every field checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { daemonEvents, docker, dockerFailing, nowNano, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { splitEnrichment } from './support/enrichment';
import { extractAll, openPlugin, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { expectedFields } from './support/expected-fields';
import type { PluginEvent } from '../native/loader/index';

describe('a container lifecycle through libdocker.so on the real daemon', () => {
  let opened: OpenedPlugin;
  let events: PluginEvent[] = [];
  let since = 0n;
  let until = 0n;
  const container = uniqueName('lifecycle');
  const network = uniqueName('lifecycle-net');
  const volume = uniqueName('lifecycle-vol');

  before(async () => {
    opened = openPlugin('');
    since = nowNano() - 1_000_000_000n;
    const collecting = opened.instance.collect({
      until: (evs) => evs.some((e) => payloadOf(e).startsWith(`{"Type":"volume","Action":"destroy","Actor":{"ID":"${volume}"`)),
      timeoutMs: 60_000,
    });
    await docker('network', 'create', network);
    await docker('volume', 'create', volume);
    await docker('create', '--name', container, '-v', `${volume}:/data`, TEST_IMAGE, 'sh', '-c', 'exit 3');
    await docker('network', 'connect', network, container);
    assert.equal(await dockerFailing('start', '-a', container), 3);
    await docker('network', 'disconnect', network, container);
    await docker('rm', container);
    await docker('network', 'rm', network);
    await docker('volume', 'rm', volume);
    events = await collecting;
    until = nowNano() + 1_000_000_000n;
  });

  after(() => opened?.shutdown());

  const ours = (e: PluginEvent): boolean =>
    [container, network, volume].some((name) => payloadOf(e).includes(name));

  it('delivers each event of the lifecycle, in order', () => {
    const seen = events.filter(ours).map((e) => {
      const j = JSON.parse(payloadOf(e)) as { Type: string; Action: string };
      return `${j.Type} ${j.Action}`;
    });
    const expectedOrder = [
      'network create',
      'volume create',
      'container create',
      'network connect',
      'container start',
      'container die',
      'network disconnect',
      'container destroy',
      'network destroy',
      'volume destroy',
    ];
    const positions = expectedOrder.map((step) => seen.indexOf(step));
    assert.ok(positions.every((p) => p >= 0), `missing steps; saw ${JSON.stringify(seen)}`);
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `out of order: ${JSON.stringify(seen)}`);
  });

  it("gives payloads that are the daemon's record plus the container context, stamped with its timeNano", async () => {
    const record = await daemonEvents(since, until);
    for (const e of events.filter(ours)) {
      assert.ok(record.includes(splitEnrichment(payloadOf(e)).daemonBytes), `not in the daemon's record: ${payloadOf(e)}`);
      assert.equal(e.ts, BigInt(/"timeNano":(\d+)/.exec(payloadOf(e))?.[1] ?? -1));
      assert.equal(e.pluginId, 5);
    }
    const ourRecord = record.filter((l) => [container, network, volume].some((n) => l.includes(n)));
    assert.equal(events.filter(ours).length, ourRecord.length, 'every recorded event of ours was delivered once');
  });

  it('extracts every field as README documents it, for every event', () => {
    for (const e of events.filter(ours)) {
      const got = extractAll(opened.state, e);
      const want = expectedFields(payloadOf(e), 'unix:///var/run/docker.sock');
      for (const [field, value] of Object.entries(want))
        assert.deepEqual(got[field], value, `${field} of ${payloadOf(e)}`);
    }
  });

  it('reports the exit code of die and no exit code elsewhere', () => {
    const die = events.find((e) => payloadOf(e).includes(container) && payloadOf(e).includes('"Action":"die"'));
    assert.ok(die, 'die event');
    const got = extractAll(opened.state, die);
    assert.equal(got['docker.attributes.exitcode'], '3');
    assert.equal(got['docker.status'], 'die');
    assert.equal(got['docker.attributes.name'], container);
    const start = events.find((e) => payloadOf(e).includes(container) && payloadOf(e).includes('"Action":"start"'));
    assert.ok(start);
    assert.equal(extractAll(opened.state, start)['docker.attributes.exitcode'], null);
  });

  it('gives a network disconnect no status: the Go plugin rule no longer fires on it', () => {
    const disconnect = events.find((e) => payloadOf(e).includes(network) && payloadOf(e).includes('"disconnect"'));
    assert.ok(disconnect);
    const got = extractAll(opened.state, disconnect);
    assert.equal(got['docker.status'], null);
    assert.equal(got['docker.type'], 'network');
    assert.equal(got['docker.attributes.container']?.toString().length, 64);
  });

  it('describes each event in one line', () => {
    const die = events.find((e) => payloadOf(e).includes(container) && payloadOf(e).includes('"Action":"die"'));
    assert.ok(die);
    const text = opened.state.eventToString(die);
    assert.equal(text.source, 'plugin');
    assert.match(text.text, new RegExp(`^container die id=[0-9a-f]{12} name=${container} image=${TEST_IMAGE} exitCode=3$`));
  });

  it('counts what it delivered in its metrics', () => {
    const metrics = Object.fromEntries(opened.state.metrics().map((m) => [m.name, m.value]));
    assert.ok(Number(metrics['docker.events_delivered']) >= events.length);
    assert.ok(Number(metrics['docker.bytes_delivered']) >= events.reduce((n, e) => n + e.data.length, 0));
    assert.equal(Number(metrics['docker.engine_starts']), 1);
    assert.equal(Number(metrics['docker.errors']), 0);
  });
});
