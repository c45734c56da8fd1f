// file:///path.jsonl: a recording of `docker events --format '{{json .}}'` replayed line by line, then END;
// STATS carry the progress (progressPct, progressText), the final 100 % before END; file errors name the path.

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Stats, type StatsSnapshot } from '../src/stats';
import { docker, dockerFailing, nowNano, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { EngineProcess, json, TYPE_END, TYPE_ERROR, TYPE_EVENT, TYPE_READY, TYPE_STATS, type Frame } from './support/engine-process';
import { eventLine } from './support/fake-daemon';

const skipDocker = !existsSync('/var/run/docker.sock') && 'no Docker daemon at /var/run/docker.sock';
const T = 1795773869000000000n;
let dir: string;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-replay-'));
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const seconds = (ns: bigint): string => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
const payloads = (e: EngineProcess): string[] => e.framesOf(TYPE_EVENT).map((f) => f.payload.toString('utf8'));
const lastStats = (e: EngineProcess): Record<string, unknown> => json(e.framesOf(TYPE_STATS).at(-1)!);

/** Replays `file` to its end: the engine's frames and exit. */
async function replay(file: string, config: Record<string, unknown> = {}, sinceNano = '0', deliveredNano?: string[]): Promise<EngineProcess> {
  const e = EngineProcess.start({ openParams: `file://${file}`, config, sinceNano, ...(deliveredNano ? { deliveredNano } : {}) });
  try {
    await e.waitFrameOfType(TYPE_END, 30_000);
    assert.equal((await e.waitExit()).code, 0, 'exit 0 after END');
    return e;
  } finally {
    e.kill();
  }
}

/** Frames after READY: events, then the final STATS, then END, nothing after. */
function assertEndsWithFinalStats(e: EngineProcess): void {
  const types = e.frames.map((f: Frame) => f.type);
  assert.equal(types[0], TYPE_READY);
  assert.equal(types.at(-1), TYPE_END, 'END is the last frame');
  assert.equal(types.at(-2), TYPE_STATS, 'a STATS frame right before END');
  assert.equal(types.filter((t) => t === TYPE_END).length, 1);
  const final = lastStats(e);
  assert.equal(final['progressPct'], 10000);
  assert.equal(final['deliveredEvents'], e.framesOf(TYPE_EVENT).length);
}

test('a recorded container and volume lifecycle replays line for line, in order, then END', { skip: skipDocker }, async () => {
  const name = uniqueName('replay');
  const since = nowNano() - 1_000_000n;
  assert.equal(await dockerFailing('run', '--rm', '--name', name, TEST_IMAGE, 'sh', '-c', 'exit 3'), 3);
  await docker('volume', 'create', name);
  await docker('volume', 'rm', name);
  const until = nowNano() + 1_000_000n;
  const recording = await docker('events', '--since', seconds(since), '--until', seconds(until), '--format', '{{json .}}');
  const lines = recording.split('\n').filter((l) => l !== '');
  const ours = lines.filter((l) => l.includes(name));
  assert.ok(ours.length >= 6, `the recording holds the lifecycle of ${name}: ${ours.length} lines`);
  const file = path.join(dir, 'lifecycle.jsonl');
  await fs.writeFile(file, `${lines.join('\n')}\n`);

  const e = await replay(file);
  const ready = json(e.framesOf(TYPE_READY)[0]);
  assert.deepEqual(ready, { protocol: 1, transport: `file://${file}`, daemon: { version: '', apiVersion: '' } });
  assert.deepEqual(payloads(e), lines, "each line's bytes are an event's payload, in the file's order");
  const actions = payloads(e).filter((p) => p.includes(name)).map((p) => String((JSON.parse(p) as { Action: unknown }).Action));
  for (const action of ['create', 'start', 'die', 'destroy']) assert.ok(actions.includes(action), `${action} in ${actions.join(',')}`);
  assertEndsWithFinalStats(e);
  assert.match(String(lastStats(e)['progressText']), /^(\d+ B|\d+\.\d kB) of \1$/);
  assert.ok(e.logLines.includes(`info - file://${file} has no more events`));
});

test('progress rises to 10000 in hundredths of a percent, with sizes for people', async () => {
  const file = path.join(dir, 'big.jsonl');
  const pad = 'x'.repeat(900);
  const count = 4000; // ~4 MB: several reads of 64 kB
  await fs.writeFile(file, Array.from({ length: count }, (_, i) => `${eventLine('start', T + BigInt(i), `c${i}`, `,"pad":"${pad}"`)}\n`).join(''));
  const size = (await fs.stat(file)).size;
  const e = await replay(file);
  assert.equal(e.framesOf(TYPE_EVENT).length, count);
  assert.ok(e.framesOf(TYPE_EVENT).every((f, i) => f.ts === T + BigInt(i)), 'in order');
  const progress = e.framesOf(TYPE_STATS).map((f) => json(f)['progressPct'] as number);
  assert.ok(progress.every((p, i) => Number.isInteger(p) && p >= 0 && p <= 10000 && (i === 0 || p >= progress[i - 1])), progress.join(','));
  assertEndsWithFinalStats(e);
  assert.equal(lastStats(e)['progressText'], `${(size / 1e6).toFixed(1)} MB of ${(size / 1e6).toFixed(1)} MB`);
});

test('garbage lines are counted as malformed; a last line without newline is still read', async () => {
  const file = path.join(dir, 'garbage.jsonl');
  const good1 = eventLine('create', T + 1n);
  const good2 = eventLine('start', T + 2n);
  await fs.writeFile(file, `${good1}\r\nnot json\n\n{"Type":"container"}\n[1]\n${good2}`);
  const e = await replay(file);
  assert.deepEqual(payloads(e), [good1, good2]);
  assert.equal(lastStats(e)['malformedEvents'], 3);
  assert.equal(lastStats(e)['droppedEvents'], 3);
  assertEndsWithFinalStats(e);
  assert.ok(e.logLines.some((l) => l.startsWith('warning ERR_EVENT_MALFORMED dropped a line that is not a Docker event (not JSON')));
});

test('an empty file: READY, 100 %, END', async () => {
  const file = path.join(dir, 'empty.jsonl');
  await fs.writeFile(file, '');
  const e = await replay(file);
  assert.equal(e.framesOf(TYPE_EVENT).length, 0);
  assertEndsWithFinalStats(e);
  assert.equal(lastStats(e)['progressText'], '0 B of 0 B');
});

test('resume from the plugin: the file is read again, the events Falco has are dropped', async () => {
  const file = path.join(dir, 'resume.jsonl');
  const lines = [1n, 2n, 3n, 4n].map((i) => eventLine('start', T + i, `c${i}`));
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  const e = await replay(file, {}, String(T + 2n), [String(T + 1n), String(T + 2n)]);
  assert.deepEqual(payloads(e), lines.slice(2));
});

test('a missing file → ERR_FILE naming the path; open fails, exit 2', async () => {
  const file = path.join(dir, 'nope.jsonl');
  const e = EngineProcess.start({ openParams: `file://${file}` });
  try {
    const error = json(await e.waitFrameOfType(TYPE_ERROR));
    assert.equal(error['code'], 'ERR_FILE');
    assert.equal(
      error['message'],
      `the file ${file} (open_params "file://${file}") does not exist; expected a file of Docker events, one JSON per line`,
    );
    assert.equal((await e.waitExit()).code, 2);
    assert.equal(e.framesOf(TYPE_READY).length, 0);
  } finally {
    e.kill();
  }
});

test('a directory → ERR_FILE; a relative path → ERR_OPEN_PARAMS', async () => {
  for (const [openParams, code, message] of [
    [`file://${dir}`, 'ERR_FILE', /is a directory; expected a file of Docker events/],
    ['file://events.jsonl', 'ERR_OPEN_PARAMS', /names the file "events.jsonl", which is not an absolute path; expected file:\/\/\/path\/to\/events.jsonl/],
  ] as const) {
    const e = EngineProcess.start({ openParams });
    try {
      const error = json(await e.waitFrameOfType(TYPE_ERROR));
      assert.equal(error['code'], code, openParams);
      assert.match(String(error['message']), message);
    } finally {
      e.kill();
    }
  }
});

test('Stats.flush sends the last change before END, never sooner than the interval after the previous frame', async () => {
  const sent: Array<{ at: number; snapshot: StatsSnapshot }> = [];
  let done = 0;
  const stats = new Stats({ queuedEvents: 0, queuedBytes: 0 }, (snapshot) => sent.push({ at: performance.now(), snapshot }), 300);
  stats.setProgress(() => ({ doneBytes: done, totalBytes: 2000 }));
  stats.start();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(sent.length, 1, 'the first frame goes out at once');
  assert.deepEqual([sent[0].snapshot.progressPct, sent[0].snapshot.progressText], [0, '0.0 kB of 2.0 kB']);
  done = 2000;
  stats.add('deliveredEvents');
  await stats.flush();
  assert.equal(sent.length, 2);
  assert.ok(sent[1].at - sent[0].at >= 299, `${sent[1].at - sent[0].at} ms between frames`);
  assert.deepEqual([sent[1].snapshot.progressPct, sent[1].snapshot.progressText], [10000, '2.0 kB of 2.0 kB']);
  await stats.flush();
  assert.equal(sent.length, 2, 'nothing changed: nothing sent');
  stats.stop();
});
