// The engine process as Falco's lifecycle sees it: started by open, logs in
// Falco's log, restarted after a crash without loss or duplicates, gone after
// close, and independent per plugin state (hot reload, unload and reload).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docker, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { loadPlugin, openPlugin, openPluginAsync, payloadOf, testConfig } from './support/docker-plugin';
import { eventLine, ReplayingDaemon } from './support/fake-daemon';
import { engineProcesses, openFds } from './support/processes';

describe('the engine process', () => {
  it('runs while the capture is open and is gone, reaped, with no fd left, after close and destroy', () => {
    const fdsBefore = openFds();
    const opened = openPlugin('');
    const engines = engineProcesses();
    assert.equal(engines.length, 1);
    assert.match(engines[0]?.cmdline ?? '', /node .*dist\/src\/main\.js$/);
    opened.shutdown();
    assert.deepEqual(engineProcesses(), [], 'no engine and no zombie');
    assert.deepEqual(openFds(), fdsBefore, 'no fd left open');
  });

  it("sends its messages to Falco's log function, not to the terminal", () => {
    const opened = openPlugin('');
    const logs = opened.state.drainLogs();
    opened.shutdown();
    const connected = logs.find((l) => /^connected to unix:\/\/\/var\/run\/docker\.sock \(Docker .+, API .+\)$/.test(l.message));
    assert.ok(connected, JSON.stringify(logs));
    assert.equal(connected.severity, 'info');
    assert.equal(connected.component, 'docker');
  });

  it('is restarted after kill -9 and resumes after the events handed to Falco: none lost, none twice, even out of time order', async () => {
    const total = 200;
    const base = 1_800_000_000_000_000_000n;
    // As a daemon may publish them: every odd event stamped 1.5 µs before the even one published just before
    // it. The last event Falco gets before the kill (c99) is thus not the newest it has (c98).
    const timeOf = (i: number): bigint => base + BigInt(i) * 1000n - (i % 2 === 1 ? 1500n : 0n);
    const lines = Array.from({ length: total }, (_, i) => eventLine('start', timeOf(i), `c${i}`));
    const daemon = await ReplayingDaemon.start(lines, timeOf);
    const emit = (n: number): void => daemon.emit(n);
    const opened = await openPluginAsync(daemon.openParams);
    try {
      emit(total / 2);
      const first = await opened.instance.collect({ until: (evs) => evs.length >= total / 2, timeoutMs: 20_000 });
      const [engine] = engineProcesses();
      assert.ok(engine);
      process.kill(engine.pid, 'SIGKILL');
      emit(total / 2); // emitted while no engine reads: the daemon keeps them for since=
      const rest = await opened.instance.collect({ until: (evs) => evs.length >= total / 2, timeoutMs: 30_000 });
      const names = [...first, ...rest].map((e) => /"name":"(c\d+)"/.exec(payloadOf(e))?.[1]);
      assert.deepEqual(names, lines.map((_, i) => `c${i}`), 'every event exactly once, in order');
      const metrics = Object.fromEntries(opened.state.metrics().map((m) => [m.name, Number(m.value)]));
      assert.equal(metrics['docker.engine_restarts'], 1);
      assert.equal(metrics['docker.engine_starts'], 2);
      const logs = opened.state.drainLogs().map((l) => l.message);
      assert.ok(logs.some((m) => /the engine was killed by signal Killed; restarting it/.test(m)), JSON.stringify(logs));
      const engines = engineProcesses();
      assert.equal(engines.length, 1, 'the killed engine was reaped');
      assert.notEqual(engines[0]?.pid, engine.pid);
    } finally {
      opened.shutdown();
      await daemon.close();
    }
  });
});

describe('plugin states, as Falco hot reload uses them', () => {
  it('two states of one library each run their own engine and both see the same event', async () => {
    const plugin = loadPlugin();
    const live = plugin.init(testConfig());
    const dryRun = plugin.init(testConfig()); // Falco's dry run inits a second copy while the first runs
    const a = live.open('');
    const b = dryRun.open('');
    try {
      assert.equal(engineProcesses().length, 2);
      const name = uniqueName('twostates');
      const sawIt = (evs: { data: Buffer }[]): boolean => evs.some((e) => e.data.toString().includes(name));
      const both = Promise.all([a.collect({ until: sawIt, timeoutMs: 30_000 }), b.collect({ until: sawIt, timeoutMs: 30_000 })]);
      await docker('create', '--name', name, TEST_IMAGE, 'true');
      await docker('rm', name);
      const [fromA, fromB] = await both;
      const pick = (evs: { data: Buffer }[]) => evs.filter((e) => e.data.toString().includes(name)).map((e) => e.data.toString());
      assert.deepEqual(pick(fromA), pick(fromB));
      b.close();
      dryRun.destroy();
      assert.equal(engineProcesses().length, 1, "destroying the dry-run copy leaves the live one's engine");
    } finally {
      a.close();
      live.destroy();
      plugin.unload();
    }
    assert.deepEqual(engineProcesses(), []);
  });

  it('the library unloads and loads again, and works after the reload', async () => {
    const first = openPlugin('');
    first.shutdown();
    const second = openPlugin('');
    try {
      const name = uniqueName('reload');
      const seen = second.instance.collect({
        until: (evs) => evs.some((e) => payloadOf(e).includes(name)),
        timeoutMs: 30_000,
      });
      await docker('volume', 'create', name);
      await docker('volume', 'rm', name);
      await seen;
    } finally {
      second.shutdown();
    }
  });
});
