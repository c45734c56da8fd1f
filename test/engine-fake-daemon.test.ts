// The engine against a fake daemon (HTTP on a unix socket): HTTP errors, garbage in the stream,
// oversized events, reconnect with since= and no duplicates, resume from the plugin, backpressure, stop.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { EngineProcess, json, TYPE_ERROR, TYPE_EVENT, TYPE_READY, TYPE_STATS, type Frame } from './support/engine-process';
import { eventLine, FakeDaemon } from './support/fake-daemon';

let daemon: FakeDaemon;
let engine: EngineProcess | null = null;

beforeEach(async () => {
  daemon = await FakeDaemon.start();
});

afterEach(async () => {
  engine?.kill();
  engine = null;
  await daemon.close();
});

function startEngine(config: Record<string, unknown> = {}, sinceNano = '0', deliveredNano?: string[]): EngineProcess {
  engine = EngineProcess.start({ config, openParams: daemon.openParams, sinceNano, ...(deliveredNano ? { deliveredNano } : {}) });
  return engine;
}

const events = (e: EngineProcess): Frame[] => e.framesOf(TYPE_EVENT);
const payloads = (e: EngineProcess): string[] => events(e).map((f) => f.payload.toString('utf8'));
const T = 1795773869000000000n;

function waitStats(e: EngineProcess, predicate: (s: Record<string, unknown>) => boolean, what: string): Promise<Frame> {
  return e.waitFrame((f) => f.type === TYPE_STATS && predicate(json(f)), what);
}

test('READY carries the daemon version from GET /version, after /events answered', async () => {
  const e = startEngine();
  const ready = json(await e.waitFrameOfType(TYPE_READY));
  assert.deepEqual(ready, {
    protocol: 1,
    transport: daemon.openParams,
    daemon: { version: '99.1.0-fake', apiVersion: '1.99' },
  });
  const request = await daemon.waitEventsRequest(0);
  assert.equal(request.url.pathname, '/events', 'unversioned path');
  assert.equal(request.url.search, '', 'live: no since');
});

test('500 on /events → ERR_DAEMON_HTTP with the daemon message, exit 2', async () => {
  daemon.onEvents = (_req, res) => {
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end('{"message":"client version 1.41 is too old. Minimum supported API version is 1.44"}\n');
    return true;
  };
  const e = startEngine();
  const error = json(await e.waitFrameOfType(TYPE_ERROR));
  assert.equal(error['code'], 'ERR_DAEMON_HTTP');
  assert.equal(
    error['message'],
    `the Docker daemon at ${daemon.openParams} answered GET /events with HTTP 500: ` +
      'client version 1.41 is too old. Minimum supported API version is 1.44',
  );
  assert.equal((await e.waitExit()).code, 2);
  assert.equal(e.framesOf(TYPE_READY).length, 0);
});

test('garbage lines mixed with good events: good ones byte-identical, garbage counted and logged', async () => {
  const e = startEngine();
  await e.waitFrameOfType(TYPE_READY);
  const { res } = await daemon.waitEventsRequest(0);
  const good1 = eventLine('create', T + 1n, 'web', ',"label":"Jos\u00e9 \\u003cb\\u003e"');
  const good2 = '{"Type":"volume","Action":"create","Actor":{"ID":"v1","Attributes":{"driver":"local"}},"scope":"local"}';
  const good3 = eventLine('start', T + 3n, 'web', ',"emoji":"\u2713\u2713"');
  const good3Bytes = Buffer.from(`${good3}\n`, 'utf8');
  const cut = good3Bytes.indexOf(0xe2) + 1; // inside the first ✓
  res.write(`${good1}\nthis is not json\n{"Type":"container"}\n[1,2]\n\n${good2}\n`);
  res.write(good3Bytes.subarray(0, cut));
  res.write(good3Bytes.subarray(cut));

  await e.waitFor(() => (events(e).length >= 3 ? true : undefined), '3 events');
  assert.deepEqual(payloads(e), [good1, good2, good3]);
  assert.deepEqual(
    events(e).map((f) => f.ts),
    [T + 1n, 0xffffffffffffffffn, T + 3n],
    'ts = timeNano, unknown without a time',
  );
  await waitStats(e, (s) => s['malformedEvents'] === 3 && s['droppedEvents'] === 3 && s['deliveredEvents'] === 3, 'STATS with 3 malformed');
  const malformedLogs = e.logLines.filter((l) => l.startsWith('warning ERR_EVENT_MALFORMED '));
  assert.equal(malformedLogs.length, 1, 'rate-limited: the first one in full');
  assert.match(malformedLogs[0], /not JSON.*: this is not json$/);
});

test('an event longer than maxEventBytes is dropped, counted, and the stream resynchronises', async () => {
  const e = startEngine({ maxEventBytes: 1024 });
  await e.waitFrameOfType(TYPE_READY);
  const { res } = await daemon.waitEventsRequest(0);
  const big = eventLine('create', T + 1n, 'big', `,"pad":"${'x'.repeat(2000)}"`);
  const after = eventLine('start', T + 2n, 'small');
  res.write(big.slice(0, 700));
  res.write(big.slice(700, 1500));
  res.write(`${big.slice(1500)}\n${after}\n`);
  await waitStats(e, (s) => s['oversizedEvents'] === 1 && s['deliveredEvents'] === 1, 'STATS with 1 oversized');
  assert.deepEqual(payloads(e), [after]);
  assert.ok(e.logLines.some((l) => /^warning ERR_EVENT_OVERSIZED dropped an event of \d+ bytes: longer than init_config.maxEventBytes \(1024\)$/.test(l)));
});

test('stream ends, then breaks: reconnects with since= 1 s before the newest timeNano, no duplicate delivered', async () => {
  const e = startEngine();
  await e.waitFrameOfType(TYPE_READY);
  const e1 = eventLine('create', T + 10n, 'a');
  const e2 = eventLine('start', T + 20n, 'a');
  const e2b = eventLine('start', T + 20n, 'b'); // same timeNano, a different event
  const e3 = eventLine('die', T + 30n, 'a', ',"exitCode":"3"');
  const e4 = eventLine('destroy', T + 40n, 'a');

  // Connection 1: two events, then the daemon ends the stream cleanly.
  const first = await daemon.waitEventsRequest(0);
  first.res.write(`${e1}\n${e2}\n`);
  await e.waitFor(() => (events(e).length === 2 ? true : undefined), '2 events');
  first.res.end();

  // Connection 2: since= 1 s before the newest delivered timeNano; the daemon replays from there (inclusive).
  const second = await daemon.waitEventsRequest(1);
  assert.equal(second.url.searchParams.get('since'), '1795773868.000000020');
  second.res.write(`${e2}\n${e2b}\n${e3}\n{"Type":"contai`);
  await e.waitFor(() => (events(e).length === 4 ? true : undefined), '4 events');
  second.res.destroy(); // abrupt break, mid-line

  // Connection 3: since= 1 s before e3's time; replay of e1 to e3, then a new event.
  const third = await daemon.waitEventsRequest(2);
  assert.equal(third.url.searchParams.get('since'), '1795773868.000000030');
  third.res.write(`${e1}\n${e2}\n${e2b}\n${e3}\n${e4}\n`);
  await e.waitFor(() => (events(e).length >= 5 ? true : undefined), '5 events');

  await waitStats(e, (s) => s['reconnects'] === 2 && s['deliveredEvents'] === 5, 'STATS with 2 reconnects');
  assert.deepEqual(payloads(e), [e1, e2, e2b, e3, e4], 'each event once, in order');
  assert.equal(e.framesOf(TYPE_READY).length, 1, 'READY only once');
  assert.ok(e.logLines.some((l) => /^warning - the event stream from .* ended; reconnecting$/.test(l)));
  assert.ok(e.logLines.some((l) => /^warning ERR_STREAM the event stream from .* broke: .*; reconnecting$/.test(l)));
  assert.equal(e.logLines.filter((l) => /^info - reconnected to /.test(l)).length, 2);
  assert.equal(e.framesOf(TYPE_STATS).every((f) => json(f)['malformedEvents'] === 0), true, 'the cut line is not counted as garbage');
});

test('reconnect keeps retrying while the daemon is away, then resumes', async () => {
  const e = startEngine();
  await e.waitFrameOfType(TYPE_READY);
  const first = await daemon.waitEventsRequest(0);
  first.res.write(`${eventLine('create', T + 1n)}\n`);
  await e.waitFrameOfType(TYPE_EVENT);
  // The daemon answers 503 twice (restarting), then streams again.
  let refusals = 0;
  daemon.onEvents = (_req, res) => {
    if (refusals >= 2) return false;
    refusals++;
    res.writeHead(503, { 'Content-Type': 'application/json' });
    res.end('{"message":"daemon is restarting"}');
    return true;
  };
  first.res.end();
  const second = await daemon.waitEventsRequest(1);
  assert.equal(refusals, 2);
  assert.equal(second.url.searchParams.get('since'), '1795773868.000000001');
  await e.waitLog((l) => l.startsWith('info - reconnected to '), 'reconnected');
  assert.equal(e.logLines.filter((l) => l.startsWith('warning ERR_DAEMON_HTTP reconnect attempt 1 failed')).length, 1);
  assert.ok(!e.logLines.some((l) => l.startsWith('warning ERR_DAEMON_HTTP reconnect attempt 2')), 'a repeated failure is not repeated at warning');
});

test('resume from the plugin: since= 1 s before sinceNano; the events it lists dropped, one published late kept', async () => {
  const e = startEngine({}, String(T + 20n), [String(T + 10n), String(T + 20n)]);
  await e.waitFrameOfType(TYPE_READY);
  const { url, res } = await daemon.waitEventsRequest(0);
  assert.equal(url.searchParams.get('since'), '1795773868.000000020');
  const late = eventLine('attach', T + 15n); // stamped before the newest delivered, published after it
  const fresh = eventLine('die', T + 21n);
  res.write(`${eventLine('create', T + 10n)}\n${eventLine('start', T + 20n)}\n${late}\n${fresh}\n`);
  await waitStats(e, (s) => s['deliveredEvents'] === 2, 'STATS');
  assert.deepEqual(payloads(e), [late, fresh]);
});

test('overload on a push stream: the engine keeps reading the daemon, drops what exceeds its buffer, counts and logs it', async () => {
  const bufferBytes = 65536;
  const e = startEngine({ bufferBytes, logLevel: 'debug' });
  await e.waitFrameOfType(TYPE_READY);
  const { res } = await daemon.waitEventsRequest(0);
  e.pauseFrames();
  const count = 20_000;
  const pad = 'p'.repeat(100);
  for (let i = 0; i < count; i++) {
    res.write(`${eventLine('exec_start: sh', T + BigInt(i), `c${i}`, `,"pad":"${pad}"`)}\n`);
  }
  // The daemon side drains although Falco reads nothing: the daemon never has to drop for us.
  if (res.writableLength > 0) await new Promise((resolve) => res.once('drain', resolve));
  await e.waitLog((l) => /^warning ERR_EVENTS_DROPPED /.test(l), 'the overflow warning');
  e.resumeFrames();
  const stats = (): Record<string, unknown> => json(e.framesOf(TYPE_STATS).at(-1) as Frame);
  await e.waitFor(
    () => (e.framesOf(TYPE_STATS).length > 0 && events(e).length + Number(stats()['overflowEvents']) === count ? true : undefined),
    'every event delivered or counted as dropped',
    30_000,
  );
  const delivered = events(e).map((f) => f.ts);
  assert.ok(Number(stats()['overflowEvents']) > 0, 'some events did not fit');
  assert.ok(delivered.length < count && delivered.length > 0, `${delivered.length} delivered`);
  assert.ok(delivered.every((t, i) => i === 0 || t > (delivered[i - 1])), 'the delivered ones in order, none twice');
  assert.equal(stats()['droppedEvents'], stats()['overflowEvents']);
});

test('stdin EOF → the engine closes the stream and exits 0 promptly', async () => {
  const e = startEngine();
  await e.waitFrameOfType(TYPE_READY);
  const { closed } = await daemon.waitEventsRequest(0);
  const started = Date.now();
  e.closeStdin();
  const exit = await e.waitExit(5000);
  assert.equal(exit.code, 0);
  assert.ok(Date.now() - started < 2000, `exited in ${Date.now() - started} ms`);
  await closed;
  assert.equal(e.framesOf(TYPE_ERROR).length, 0);
});

test('stdin EOF while connecting → exit 0 without ERROR', async () => {
  let reached!: () => void;
  const atEvents = new Promise<void>((resolve) => (reached = resolve));
  daemon.onEvents = () => {
    reached();
    return true; // never answers
  };
  const e = startEngine();
  await atEvents;
  e.closeStdin();
  assert.equal((await e.waitExit(5000)).code, 0);
  assert.equal(e.frames.length, 0);
});

for (const [what, firstBytes] of [
  ['the response headers and then nothing', ''],
  ['half a line and then nothing', eventLine('create', T - 5n).slice(0, 60)],
] as const) {
  test(`a daemon that sends ${what} while it publishes: the liveness check replaces the stream, each event once`, async () => {
    // Stamped when the daemon first tells a check about it: after the silent stream began.
    let published = '';
    const checks: URL[] = [];
    daemon.onEvents = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://docker');
      if (!url.searchParams.has('until')) return false;
      // The daemon's answer to the check: it did publish, after the stream went silent.
      checks.push(url);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (checks.length === 2) published = eventLine('start', BigInt(Date.now()) * 1_000_000n);
      res.end(checks.length === 1 ? '' : `${published}\n`);
      return true;
    };
    const e = startEngine({ livenessIntervalMs: 300 });
    const stream = await daemon.waitEventsRequest(0);
    stream.res.write(firstBytes);
    await e.waitFrameOfType(TYPE_READY);
    const replay = await daemon.waitEventsRequest(1, 15_000);
    assert.ok(replay.url.searchParams.has('since'), 'the new stream resumes with since=');
    replay.res.write(`${published}\n`);
    await e.waitFrame((f) => f.type === TYPE_EVENT, 'the published event');
    assert.deepEqual(payloads(e), [published]);
    assert.ok(e.logLines.some((l) => /^warning ERR_STREAM_STALLED the event stream from unix:\/\/.* delivered nothing for [\d.]+ s while the daemon published events \(the newest at timeNano \d+\).*; reconnecting$/.test(l)), e.describe());
    await waitStats(e, (s) => s['stalledStreams'] === 1 && s['malformedEvents'] === 0, 'stalledStreams 1, nothing malformed');
    assert.ok(checks.length >= 2 && checks.every((u) => u.searchParams.has('since') && u.searchParams.has('until')), 'bounded checks');
  });
}
