// poll+unix:// and poll+http://: GET /events windows instead of one stream. Against the real daemon the
// polled events equal the streamed ones; against a fake one the windows are contiguous (since = previous
// until + 1 ns), follow the daemon's clock, fail with the streaming codes, and stop while Falco is behind.

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, test } from 'node:test';
import { splitEnrichment } from './support/enrichment';
import { sourcesFor } from './support/sources';
import { parseSystemTime } from '../transports/docker-time';
import { DOCKER_SOCKET, docker, dockerFailing, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { EngineProcess, json, TYPE_ERROR, TYPE_EVENT, TYPE_READY, type Frame } from './support/engine-process';
import { eventLine, FakeDaemon } from './support/fake-daemon';

const skipDocker = !existsSync(DOCKER_SOCKET) && `no Docker daemon at ${DOCKER_SOCKET}`;
const NANOS = 1_000_000_000n;
const MARGIN_NANO = 250_000_000n;
const T = 1795773869000000000n;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(openParams: string, config: Record<string, unknown> = {}, sinceNano = '0'): EngineProcess {
  const e = EngineProcess.start({ openParams, config, sinceNano });
  cleanups.push(() => e.kill());
  return e;
}

async function fakeDaemon(): Promise<FakeDaemon> {
  const daemon = await FakeDaemon.start();
  cleanups.push(() => daemon.close());
  return daemon;
}

interface Window {
  readonly since: bigint;
  readonly until: bigint;
  /** Local time the request arrived, ns. */
  readonly at: bigint;
}

const parseTime = (text: string | null): bigint => {
  const match = /^(\d+)\.(\d{9})$/.exec(text ?? '');
  assert.ok(match !== null, `since/until in seconds.nanoseconds: ${text}`);
  return BigInt(match[1]) * NANOS + BigInt(match[2]);
};

/** The fake answers every window at once with `body(i)` and records since/until. */
function answerWindows(daemon: FakeDaemon, body: (i: number, w: Window) => string, date?: () => string): Window[] {
  const windows: Window[] = [];
  daemon.onEvents = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const w = { since: parseTime(url.searchParams.get('since')), until: parseTime(url.searchParams.get('until')), at: BigInt(Date.now()) * 1_000_000n };
    windows.push(w);
    res.writeHead(200, { 'Content-Type': 'application/json', ...(date !== undefined ? { Date: date() } : {}) });
    res.end(body(windows.length - 1, w));
    return true;
  };
  return windows;
}

/** Waits for something on the daemon's side (EngineProcess.waitFor looks again only when the engine writes). */
async function eventually(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

const events = (e: EngineProcess): Frame[] => e.framesOf(TYPE_EVENT);
const payloads = (e: EngineProcess): string[] => events(e).map((f) => f.payload.toString('utf8'));

test('real daemon: polling delivers exactly the events a streaming connection delivers', { skip: skipDocker }, async () => {
  const streaming = start('unix:///var/run/docker.sock');
  const polling = start('poll+unix:///var/run/docker.sock', { pollIntervalMs: 200 });
  await streaming.waitFrameOfType(TYPE_READY, 15_000);
  const ready = json(await polling.waitFrameOfType(TYPE_READY, 15_000));
  assert.equal(ready['transport'], 'poll+unix:///var/run/docker.sock');
  assert.match(String((ready['daemon'] as Record<string, string>)['version']), /^\d+\.\d+/);
  // Both are live from here (a poll starts at the daemon's now when it connects): the lifecycle follows.

  const name = uniqueName('poll');
  assert.equal(await dockerFailing('run', '--rm', '--name', name, TEST_IMAGE, 'sh', '-c', 'exit 3'), 3);
  await docker('volume', 'create', name);
  await docker('volume', 'rm', name);

  const isLast = (f: Frame): boolean => f.payload.includes(`"Action":"destroy","Actor":{"ID":"${name}"`);
  await streaming.waitFrame(isLast, 'the streamed volume destroy', 15_000);
  await polling.waitFrame(isLast, 'the polled volume destroy', 15_000);
  const range = (e: EngineProcess): string[] => {
    const all = events(e);
    const first = all.findIndex((f) => f.payload.includes(name));
    const last = all.findIndex(isLast);
    return all.slice(first, last + 1).map((f) => splitEnrichment(f.payload).daemonBytes);
  };
  // The container context may differ: a poll comes up to 200 ms later, when the --rm container may be gone.
  const streamed = range(streaming);
  const polled = range(polling);
  assert.ok(streamed.filter((p) => p.includes(name)).length >= 6, streamed.join('\n'));
  assert.deepEqual(polled, streamed, "same events, same daemon's bytes, same order");
  assert.equal(new Set(payloads(polling)).size, events(polling).length, 'no event twice');
});

test('real daemon over TCP: poll+http:// through a plain TCP relay to the socket', { skip: skipDocker }, async () => {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(DOCKER_SOCKET);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    relay.close();
  });
  const port = (relay.address() as net.AddressInfo).port;
  const e = start(`poll+http://127.0.0.1:${port}`, { pollIntervalMs: 100 });
  assert.equal(json(await e.waitFrameOfType(TYPE_READY, 15_000))['transport'], `poll+http://127.0.0.1:${port}`);
  const name = uniqueName('polltcp');
  await docker('volume', 'create', name);
  await docker('volume', 'rm', name);
  await e.waitFrame((f) => f.type === TYPE_EVENT && f.payload.includes(`"Action":"destroy","Actor":{"ID":"${name}"`), 'the volume destroy');
});

test('fake daemon: windows are contiguous, behind the clock by the margin, events in order', async () => {
  const daemon = await fakeDaemon();
  const windows = answerWindows(daemon, (i) => (i === 0 ? '' : `${eventLine('start', T + BigInt(i), `c${i}`)}\n`));
  const e = start(`poll+${daemon.openParams}`, { pollIntervalMs: 100 });
  await e.waitFrameOfType(TYPE_READY);
  assert.ok(windows.length >= 1, 'READY after the first window');
  await e.waitFor(() => (events(e).length >= 6 ? true : undefined), '6 events');
  const seen = windows.slice(0, 7);
  for (let i = 1; i < seen.length; i++) {
    assert.equal(seen[i].since, seen[i - 1].until + 1n, `window ${i} starts 1 ns after window ${i - 1} ends`);
  }
  for (const w of seen) {
    assert.ok(w.since <= w.until, 'a window is never inverted');
    // No /info here: the clock comes from the Date header (whole seconds, never ahead of the daemon).
    assert.ok(w.until <= w.at - MARGIN_NANO + 1_000_000n, `until ${w.until} is behind the daemon's now ${w.at} by the margin`);
  }
  assert.deepEqual(payloads(e).slice(0, 6), [1, 2, 3, 4, 5, 6].map((i) => eventLine('start', T + BigInt(i), `c${i}`)));
});

test("fake daemon: until follows the daemon's clock (/info SystemTime), not the local one", async () => {
  const daemon = await fakeDaemon();
  const skewMs = -3_600_000; // the daemon is an hour behind
  const daemonNow = (): Date => new Date(Date.now() + skewMs);
  daemon.info = () => ({ SystemTime: daemonNow().toISOString().replace('Z', '123456Z') });
  const windows = answerWindows(daemon, () => '', () => daemonNow().toUTCString());
  const e = start(`poll+${daemon.openParams}`, { pollIntervalMs: 100 });
  await e.waitFrameOfType(TYPE_READY);
  await eventually(() => windows.length >= 4, '4 windows');
  const skew = BigInt(skewMs) * 1_000_000n;
  for (const w of windows.slice(1, 4)) {
    const behind = w.at + skew - w.until; // how far until is behind the daemon's now
    assert.ok(behind >= MARGIN_NANO - 50_000_000n && behind < MARGIN_NANO + 1_000_000_000n, `until is ${behind} ns behind the daemon`);
  }
  assert.ok(!e.logLines.some((l) => l.includes('jumped')), 'a steady daemon clock is not a jump');
});

test('parseSystemTime: RFC 3339 with nanoseconds and any offset', () => {
  assert.equal(parseSystemTime('{"SystemTime":"2026-11-27T11:47:27.66335351Z"}'), 1795780047663353510n);
  assert.equal(parseSystemTime('{"SystemTime":"2026-11-27T12:47:27.000000001+01:00"}'), 1795780047000000001n);
  assert.equal(parseSystemTime('{"SystemTime":"2026-11-27T11:47:27Z"}'), 1795780047000000000n);
  assert.equal(parseSystemTime('{"ID":"x"}'), null);
});

test('fake daemon: 500 on the first window → ERR_DAEMON_HTTP, open fails', async () => {
  const daemon = await fakeDaemon();
  daemon.onEvents = (_req, res) => {
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{"message":"events are on strike"}\n');
    return true;
  };
  const e = start(`poll+${daemon.openParams}`);
  const error = json(await e.waitFrameOfType(TYPE_ERROR));
  assert.equal(error['code'], 'ERR_DAEMON_HTTP');
  assert.equal(error['message'], `the Docker daemon at poll+${daemon.openParams} answered GET /events with HTTP 500: events are on strike`);
  assert.equal((await e.waitExit()).code, 2);
  assert.equal(e.framesOf(TYPE_READY).length, 0);
});

test('fake daemon: 500 after READY → ERR_DAEMON_HTTP logged, reconnect resumes without repeating the delivered events', async () => {
  const daemon = await fakeDaemon();
  const windows = answerWindows(daemon, (i) => {
    if (i === 2) return `${eventLine('start', T + 10n, 'a')}\n${eventLine('start', T + 20n, 'b')}\n`;
    return '';
  });
  const answer = daemon.onEvents!;
  daemon.onEvents = (req, res, i) => {
    if (windows.length !== 3) return answer(req, res, i);
    windows.push({ since: 0n, until: 0n, at: 0n });
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{"message":"try later"}\n');
    return true;
  };
  const e = start(`poll+${daemon.openParams}`, { pollIntervalMs: 100 });
  await e.waitLog((l) => l.startsWith('info - reconnected to '), 'the reconnect');
  assert.ok(e.logLines.some((l) => l.startsWith(`warning ERR_DAEMON_HTTP the Docker daemon at poll+${daemon.openParams} answered GET /events with HTTP 500: try later; reconnecting`)));
  await eventually(() => windows.length >= 5, 'a window after the reconnect');
  assert.equal(windows[4].since, T + 20n - 1_000_000_000n, 'the first window after the reconnect replays from 1 s before the newest delivered event');
  assert.equal(events(e).length, 2);
});

test('fake daemon: pause stops polling until Falco catches up', async () => {
  const daemon = await fakeDaemon();
  // One window (1 MB) overflows the engine's buffer and the pipe at once.
  const PER_WINDOW = 1000;
  const pad = 'p'.repeat(1000);
  let next = 0;
  const windows = answerWindows(daemon, () => {
    let body = '';
    for (let k = 0; k < PER_WINDOW; k++, next++) body += `${eventLine('start', T + BigInt(next), `c${next}`, `,"pad":"${pad}"`)}\n`;
    return body;
  });
  const e = start(`poll+${daemon.openParams}`, { pollIntervalMs: 100, bufferBytes: 65536, logLevel: 'debug' });
  await e.waitFrameOfType(TYPE_READY);
  e.pauseFrames();
  await e.waitLog((l) => l.startsWith('debug - Falco is behind'), 'the pause');
  await sleep(100); // a window already asked for may still arrive
  const whilePaused = windows.length;
  await sleep(1000); // ten intervals
  assert.ok(windows.length <= whilePaused + 1, `no polling while paused: ${whilePaused} → ${windows.length} windows\n${e.describe()}`);
  e.resumeFrames();
  await eventually(() => windows.length >= whilePaused + 3, 'polling again');
  await e.waitFor(() => (events(e).length >= whilePaused * PER_WINDOW ? true : undefined), 'every polled event', 30_000);
  assert.ok(events(e).every((f, i) => f.ts === T + BigInt(i)), 'nothing lost, nothing twice, in order');
  const full = e.logLines.filter((l) => l.includes('events, as many as the daemon keeps: older ones may have been lost'));
  assert.equal(full.length, 1, 'a window as large as the daemon buffer is warned about, once');
});

test('poll+ open_params: ports, canonical forms, errors name the address as written', async () => {
  assert.equal(sourcesFor('poll+tcp://10.0.0.2', {}).target, 'poll+tcp://10.0.0.2:2375');
  assert.equal(sourcesFor('poll+tcp://10.0.0.2', { DOCKER_TLS_VERIFY: '1' }).target, 'poll+tcp://10.0.0.2:2376', 'TLS as for tcp://');
  assert.equal(sourcesFor('poll+https://h', {}).target, 'poll+https://h:2376');
  assert.throws(
    () => sourcesFor('poll+http://h:1234', { DOCKER_TLS_VERIFY: '1' }),
    /^OpenParamsError: open_params "poll\+http:\/\/h:1234" asks for plain HTTP, but DOCKER_TLS_VERIFY asks for TLS; write poll\+tcp:\/\/h:1234 or poll\+https:\/\/h:1234 for TLS/,
  );
  assert.equal(sourcesFor('poll+unix://', {}).target, 'poll+unix:///var/run/docker.sock');
  assert.throws(() => sourcesFor('poll+unix://docker.sock', {}), /open_params "poll\+unix:\/\/docker.sock" names the socket path "docker.sock", which is not absolute/);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'poll-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  const e = start(`poll+unix://${dir}/missing.sock`);
  const error = json(await e.waitFrameOfType(TYPE_ERROR));
  assert.equal(error['code'], 'ERR_SOCKET_MISSING');
  assert.match(String(error['message']), new RegExp(`${dir}/missing.sock does not exist`));
});
