// A capture opened after another one ended (Falco's hot reload, a restart, an upgrade) resumes where that one
// stopped, from the resume point kept in init_config.stateDir; a missing, stale, corrupt or unwritable one is
// logged and the capture starts from now.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { LogEntry, PluginEvent } from '../native/loader/index';
import { docker, dockerFailing, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { openPlugin, openPluginAsync, payloadOf, type OpenedPlugin } from './support/docker-plugin';
import { eventLine, ReplayingDaemon } from './support/fake-daemon';

const BASE = 1_800_000_000_000_000_000n;
const timeOf = (i: number): bigint => BASE + BigInt(i) * 1_000_000n;
const LINES = Array.from({ length: 40 }, (_, i) => eventLine('start', timeOf(i), `c${i}`));

function namesOf(events: readonly PluginEvent[]): string[] {
  return events.map((e) => /"name":"([^"]+)"/.exec(payloadOf(e))?.[1] ?? '?');
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `c${from + i}`);
}

function messages(logs: readonly LogEntry[]): string {
  return JSON.stringify(logs.map((l) => `${l.severity}: ${l.message}`));
}

function stateFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
}

describe('resume points across captures (fake daemon that replays since=)', () => {
  let daemon: ReplayingDaemon;
  let stateDir: string;
  let open: OpenedPlugin[];

  beforeEach(async () => {
    daemon = await ReplayingDaemon.start(LINES, timeOf);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-test-'));
    open = [];
  });

  afterEach(async () => {
    for (const o of open) o.shutdown();
    await daemon.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function capture(config: Record<string, unknown> = {}): Promise<OpenedPlugin> {
    const opened = await openPluginAsync(daemon.openParams, { stateDir, ...config });
    open.push(opened);
    return opened;
  }

  function close(opened: OpenedPlugin): void {
    opened.shutdown();
    open.splice(open.indexOf(opened), 1);
  }

  const collect = (opened: OpenedPlugin, n: number): Promise<PluginEvent[]> =>
    opened.instance.collect({ until: (evs) => evs.length >= n, timeoutMs: 20_000 });

  it('the next capture gets what was published in between, and the rest of the batch Falco dropped, each once', async () => {
    const first = await capture();
    assert.match(messages(first.state.drainLogs()), /no resume point in .*resume-[0-9a-f]{16}\.json yet: starting from now/);
    daemon.emit(10);
    // Falco's loop: the fields of each event, then a stop (hot reload) after the 4th, in the middle of a batch.
    const loop = await first.instance.runLoop({ maxEvents: 4, fields: [{ name: 'docker.type' }, { name: 'docker.time' }] });
    assert.equal(loop.events, 4);
    close(first);
    daemon.emit(10); // while no capture runs

    const second = await capture();
    assert.match(messages(second.state.drainLogs()), /info: resuming after the event of 1800000000003000000 ns, where the previous capture stopped/);
    daemon.emit(5);
    const events = await collect(second, 21);
    assert.deepEqual(namesOf(events), range(4, 25), 'the 6 dropped, the 10 published while closed, the 5 new: each once');
  });

  it('events handed to Falco but never processed (no field asked, stopped) come again rather than never', async () => {
    const first = await capture();
    daemon.emit(6);
    await collect(first, 6); // no extraction, no further next_batch: Falco may have dropped any of them
    close(first);
    const second = await capture();
    daemon.emit(1);
    // The replayed events and the new one may come in separate batches: wait for the new one.
    const events = await second.instance.collect({ until: (evs) => namesOf(evs).includes('c6'), timeoutMs: 20_000 });
    const names = namesOf(events);
    assert.ok(names.includes('c6'));
    assert.ok(names.length <= 7 && new Set(names).size === names.length, `no event twice: ${names.join(',')}`);
  });

  it('a corrupt, stale or foreign resume point is logged and ignored: the capture starts from now', async () => {
    const first = await capture();
    daemon.emit(2);
    await first.instance.runLoop({ maxEvents: 2, fields: [{ name: 'docker.type' }] });
    close(first);
    const [file] = stateFiles(stateDir);
    assert.ok(file, 'the first capture left its resume point');
    const statePath = path.join(stateDir, file);
    const saved = JSON.parse(fs.readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    assert.equal(saved['key'], daemon.openParams);
    assert.deepEqual(saved['deliveredNano'], [String(timeOf(0)), String(timeOf(1))]);

    const cases: Array<[string, string, RegExp]> = [
      ['corrupt', '{"version":1,"key":', /warning: ignoring the resume point .*: not a JSON object; starting from now/],
      [
        'stale',
        JSON.stringify({ ...saved, savedAtNano: String(BigInt(Date.now() - 2 * 86_400_000) * 1_000_000n) }),
        /warning: the resume point .* was saved 17280\d s ago, more than stateMaxAgeSec \(86400 s\): starting from now/,
      ],
      ['foreign', JSON.stringify({ ...saved, key: 'tcp://elsewhere:2375' }), /it was written for another open_params/],
      ['bad times', JSON.stringify({ ...saved, deliveredNano: ['12x'] }), /deliveredNano holds something other than a time/],
    ];
    let published = 2;
    for (const [what, content, message] of cases) {
      fs.writeFileSync(statePath, content);
      daemon.emit(1); // published while closed: a capture that starts from now does not get it
      published++;
      const next = await capture();
      assert.match(messages(next.state.drainLogs()), message, what);
      daemon.emit(1);
      published++;
      assert.deepEqual(namesOf(await collect(next, 1)), [`c${published - 1}`], what);
      close(next);
    }
  });

  it('an unwritable stateDir is logged and the capture works; "" keeps nothing', async () => {
    const blocker = path.join(stateDir, 'a-file');
    fs.writeFileSync(blocker, '');
    const first = await capture({ stateDir: path.join(blocker, 'state') });
    daemon.emit(3);
    await first.instance.runLoop({ maxEvents: 3, fields: [{ name: 'docker.type' }] });
    first.instance.close(); // saves at close
    assert.match(
      messages(first.state.drainLogs()),
      /warning: ERR_STATE_FILE: cannot keep the resume point \(cannot create .*a-file\/state: Not a directory\); after a reload or restart the capture will start from now/,
    );
    close(first);

    const off = await capture({ stateDir: '' });
    daemon.emit(1);
    assert.deepEqual(namesOf(await collect(off, 1)), ['c3']);
    close(off);
    assert.deepEqual(stateFiles(stateDir), [], 'stateDir "" writes nothing');
  });

  it('a file:// replay keeps no resume point: it is read from its start every time', async () => {
    const recording = path.join(stateDir, 'events.jsonl');
    fs.writeFileSync(recording, LINES.slice(0, 3).map((l) => `${l}\n`).join(''));
    for (let run = 0; run < 2; run++) {
      const replay = openPlugin(`file://${recording}`, { stateDir });
      open.push(replay);
      await replay.instance.runLoop({ fields: [{ name: 'docker.type' }] });
      close(replay);
    }
    assert.deepEqual(stateFiles(stateDir), []);
  });
});

describe('resume points with the real daemon', () => {
  it('containers run while no capture is open reach the next capture, and nothing before comes again', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-real-'));
    const before = uniqueName('resume-before');
    const between = uniqueName('resume-between');
    const ofContainer = (events: readonly PluginEvent[], name: string): string[] =>
      events.filter((e) => payloadOf(e).includes(`"name":"${name}"`)).map((e) => (JSON.parse(payloadOf(e)) as { Action: string }).Action);
    try {
      const first = openPlugin('', { stateDir });
      try {
        const seen = first.instance.collect({ until: (evs) => ofContainer(evs, before).includes('destroy'), timeoutMs: 30_000 });
        await docker('run', '--rm', '--name', before, TEST_IMAGE, 'true');
        await seen;
        await first.instance.nextBatch(); // Falco asks for more once it processed what it had
      } finally {
        first.shutdown();
      }
      assert.equal(await dockerFailing('run', '--rm', '--name', between, TEST_IMAGE, 'sh', '-c', 'exit 3'), 3);
      const second = openPlugin('', { stateDir });
      try {
        const events = await second.instance.collect({
          until: (evs) => ofContainer(evs, between).includes('destroy'),
          timeoutMs: 30_000,
        });
        assert.deepEqual(ofContainer(events, between), ['create', 'attach', 'start', 'die', 'destroy']);
        assert.deepEqual(ofContainer(events, before), [], 'nothing the first capture delivered comes again');
      } finally {
        second.shutdown();
      }
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
