// No event lost, none duplicated: a real daemon restarted 10 times and the
// engine killed 10 times while Docker objects come and go, all through the .so.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { daemonEvents, docker, nowNano, TEST_IMAGE } from './support/docker-cli';
import { openPluginAsync, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { engineProcesses } from './support/processes';
import { type TestDaemon, useTestDaemon } from './support/test-daemon';
import { startContainerWorkload, startVolumeWorkload, tally, workloadKey } from './support/workload';
import type { PluginEvent } from '../native/loader/index';

const ROUNDS = Number(process.env.DELIVERY_ROUNDS ?? 10);

/** Pulls batches as Falco does until stopped; waitForMore() awaits matching events. */
function startCollector(opened: OpenedPlugin) {
  const events: PluginEvent[] = [];
  const waiters = new Set<() => void>();
  let running = true;
  let failure: string | null = null;
  const loop = (async () => {
    while (running) {
      const batch = await opened.instance.nextBatch();
      events.push(...batch.events);
      if (batch.rc === 'FAILURE' || batch.rc === 'EOF') failure = `${batch.rc}: ${batch.error ?? ''}`;
      for (const wake of [...waiters]) wake();
      if (failure !== null) return;
    }
  })();
  return {
    events,
    /** Resolves once `n` more events matching `match` arrived than when called; rejects at the deadline. */
    waitForMore(match: (e: PluginEvent) => boolean, n: number, timeoutMs = 60_000): Promise<void> {
      const target = events.filter(match).length + n;
      return this.waitUntil(() => events.filter(match).length >= target, `${n} more events`, timeoutMs);
    },
    /** Resolves once `condition` holds after a batch; rejects at the deadline or when the source stops. */
    waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error): void => {
          waiters.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (failure !== null) done(new Error(`the source stopped: ${failure}`));
          else if (condition()) done();
        };
        const timer = setTimeout(() => done(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(): Promise<void> {
      running = false;
      await loop;
      assert.equal(failure, null, `the source stopped: ${failure ?? ''}`);
    },
  };
}

type Collector = ReturnType<typeof startCollector>;

function metricOf(opened: OpenedPlugin, name: string): number {
  return Number(opened.state.metrics().find((m) => m.name === `docker.${name}`)?.value ?? 0);
}

interface ChurnRun {
  /** Events the workload's successful operations produced. */
  expected: string[];
  /** Workload events delivered through the plugin, in order. */
  delivered: string[];
  metrics: Record<string, number>;
  logs: string[];
}

/**
 * Containers and volumes come and go through `run` while `disrupt` strikes ROUNDS times (each after 30
 * more events arrived); then the last events are let through, `settled` awaited, and the plugin closed.
 */
async function churnThrough(
  opened: OpenedPlugin,
  prefix: string,
  run: (...args: string[]) => Promise<string>,
  image: string,
  hooks: { disrupt: (round: number, collector: Collector) => Promise<void>; settled: () => boolean },
): Promise<ChurnRun> {
  const collector = startCollector(opened);
  const ours = (e: PluginEvent): boolean => workloadKey(payloadOf(e), prefix) !== null;
  const workloads = [startVolumeWorkload(run, prefix), startContainerWorkload(run, prefix, image)];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await collector.waitForMore(ours, 30);
      await hooks.disrupt(round, collector);
    }
    await collector.waitForMore(ours, 30);
  } finally {
    await Promise.all(workloads.map((w) => w.stop()));
  }
  const expected = workloads.flatMap((w) => w.expected);
  const deliveredKeys = (): string[] =>
    collector.events.map((e) => workloadKey(payloadOf(e), prefix)).filter((k): k is string => k !== null);
  // Let the last events through; on timeout the tally names what is missing.
  await collector
    .waitUntil(() => tally(expected, deliveredKeys()).lost.length === 0, 'complete delivery', 20_000)
    .catch(() => undefined);
  await collector.waitUntil(hooks.settled, 'the counters to settle', 10_000);
  await collector.stop();
  const metrics = Object.fromEntries(opened.state.metrics().map((m) => [m.name, Number(m.value)]));
  const logs = opened.state.drainLogs().map((l) => `# ${l.severity} ${l.message}`);
  opened.shutdown();
  return { expected, delivered: deliveredKeys(), metrics, logs };
}

describe('delivery across daemon restarts and engine kills', () => {
  const daemonOf = useTestDaemon();
  let daemon: TestDaemon;
  beforeEach(() => {
    daemon = daemonOf();
  });

  it(`${ROUNDS} restarts of dockerd while containers and volumes come and go: none lost, none duplicated`, async () => {
    const prefix = `restart${process.pid}`;
    const opened = await openPluginAsync(`unix://${daemon.unixSocket}`);
    const run = await churnThrough(opened, prefix, (...args) => daemon.docker(...args), 'local/busybox', {
      disrupt: () => daemon.restart(),
      // The engine reports its counters at most once a second: wait for the last reconnect to be counted.
      settled: () => metricOf(opened, 'engine_reconnects') >= ROUNDS,
    });
    const t = tally(run.expected, run.delivered);
    if (t.lost.length > 0) console.log(run.logs.join('\n'));
    console.log(
      `# restarts=${ROUNDS} expected=${run.expected.length} delivered=${run.delivered.length} lost=${t.lost.length} ` +
        `duplicated=${t.duplicated.length} reconnects=${run.metrics['docker.engine_reconnects']}`,
    );
    assert.deepEqual({ lost: t.lost, duplicated: t.duplicated }, { lost: [], duplicated: [] });
    // A daemon shutting down stops the containers it runs: kill and stop events the workload did not ask for.
    assert.deepEqual(t.unexpected.filter((k) => !/^container (kill|stop) /.test(k)), []);
    assert.ok((run.metrics['docker.engine_reconnects'] ?? 0) >= ROUNDS, 'the engine reconnected after each restart');
  });

  it(`${ROUNDS} engine kills (SIGKILL) while containers and volumes come and go: none lost, none duplicated`, async () => {
    const prefix = `kill${process.pid}`;
    const since = nowNano() - 1_000_000_000n;
    const opened = await openPluginAsync('');
    const run = await churnThrough(opened, prefix, docker, TEST_IMAGE, {
      disrupt: async (round, collector) => {
        const engine = engineProcesses().find((p) => p.state !== 'Z');
        assert.ok(engine, 'an engine to kill');
        process.kill(engine.pid, 'SIGKILL');
        await collector.waitUntil(() => metricOf(opened, 'engine_restarts') === round + 1, `engine restart ${round + 1}`, 30_000);
      },
      settled: () => true,
    });
    const t = tally(run.expected, run.delivered);
    console.log(
      `# engine kills=${ROUNDS} expected=${run.expected.length} delivered=${run.delivered.length} lost=${t.lost.length} ` +
        `duplicated=${t.duplicated.length} restarts=${run.metrics['docker.engine_restarts']}`,
    );
    assert.deepEqual(t, { lost: [], duplicated: [], unexpected: [] });
    assert.equal(run.metrics['docker.engine_restarts'], ROUNDS);
    // The daemon was not restarted, so its own record (its last 256 events) holds the end of the run:
    // each of those was delivered exactly once.
    const record = (await daemonEvents(since, nowNano() + 1_000_000_000n))
      .map((line) => workloadKey(line, prefix))
      .filter((k): k is string => k !== null);
    assert.ok(record.length > 100, `the daemon's record has ${record.length} of our events`);
    for (const key of record) assert.equal(run.delivered.filter((k) => k === key).length, 1, key);
  });
});
