// Fan-in: several endpoints in one open_params. Each event carries "host" = its endpoint as written; one
// endpoint dropping and reconnecting (with its own since=) never interrupts the others; nothing twice.

import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';
import { sourcesFor } from './support/sources';
import { DOCKER_SOCKET, docker, uniqueName } from './support/docker-cli';
import { EngineProcess, json, TYPE_END, TYPE_ERROR, TYPE_EVENT, TYPE_READY, TYPE_STATS, type Frame } from './support/engine-process';
import { eventLine, FakeDaemon } from './support/fake-daemon';

const skipDocker = !existsSync(DOCKER_SOCKET) && `no Docker daemon at ${DOCKER_SOCKET}`;
const T = 1795773869000000000n;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function start(openParams: string, config: Record<string, unknown> = {}): EngineProcess {
  const e = EngineProcess.start({ openParams, config });
  cleanups.push(() => e.kill());
  return e;
}

async function fakeDaemon(): Promise<FakeDaemon> {
  const daemon = await FakeDaemon.start();
  cleanups.push(() => daemon.close());
  return daemon;
}

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fan-in-'));
  cleanups.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The payload the engine must deliver for `line` from endpoint `host`. */
const tagged = (line: string, host: string): string => `${line.slice(0, -1)},"host":${JSON.stringify(host)}}`;
const events = (e: EngineProcess): Frame[] => e.framesOf(TYPE_EVENT);
const payloads = (e: EngineProcess): string[] => events(e).map((f) => f.payload.toString('utf8'));
const waitCount = (e: EngineProcess, n: number): Promise<true> =>
  e.waitFor(() => (events(e).length >= n ? true : undefined), `${n} events`);

test('two fake daemons and the real one: each event tagged with its endpoint as written', { skip: skipDocker }, async () => {
  const a = await fakeDaemon();
  const b = await fakeDaemon();
  const real = 'unix:///var/run/docker.sock';
  const openParams = `${a.openParams}, ${b.openParams} ,${real}`;
  const e = start(openParams);
  const ready = json(await e.waitFrameOfType(TYPE_READY, 15_000));
  assert.equal(ready['transport'], `${a.openParams},${b.openParams},${real}`);
  assert.match(String((ready['daemon'] as Record<string, string>)['version']), /^\d+\.\d+.*,99\.1\.0-fake$|^99\.1\.0-fake,\d+\.\d+/);

  const fromA = eventLine('create', T + 1n, 'from-a');
  const fromB = eventLine('create', T + 2n, 'from-b');
  (await a.waitEventsRequest(0)).res.write(`${fromA}\n`);
  (await b.waitEventsRequest(0)).res.write(`${fromB}\n`);
  const name = uniqueName('fanin');
  await docker('volume', 'create', name);
  await e.waitFrame((f) => f.type === TYPE_EVENT && f.payload.includes(`"ID":"${name}"`), 'the real volume event', 15_000);
  await waitCount(e, 3);

  assert.ok(payloads(e).includes(tagged(fromA, a.openParams)), payloads(e).join('\n'));
  assert.ok(payloads(e).includes(tagged(fromB, b.openParams)));
  const volume = events(e).find((f) => f.payload.includes(`"ID":"${name}"`))!;
  const parsed = json(volume);
  assert.equal(parsed['host'], real);
  assert.equal(parsed['Action'], 'create');
  assert.match(volume.payload.toString('utf8'), /"timeNano":\d+,"host":"unix:\/\/\/var\/run\/docker.sock"\}$/, 'inserted before the final }');
  await docker('volume', 'rm', name);
});

test('one endpoint drops and reconnects on its own (own since=) while the other keeps delivering; nothing twice', async () => {
  const a = await fakeDaemon();
  const b = await fakeDaemon();
  const e = start(`${a.openParams},${b.openParams}`);
  await e.waitFrameOfType(TYPE_READY);
  const a1 = eventLine('create', T + 10n, 'a');
  const a2 = eventLine('start', T + 20n, 'a');
  const a3 = eventLine('die', T + 30n, 'a');
  const b1 = eventLine('create', T + 100n, 'b');
  const b2 = eventLine('start', T + 200n, 'b');
  const b3 = eventLine('die', T + 300n, 'b');
  const firstA = await a.waitEventsRequest(0);
  const firstB = await b.waitEventsRequest(0);
  firstA.res.write(`${a1}\n${a2}\n`);
  firstB.res.write(`${b1}\n`);
  await waitCount(e, 3);

  // A goes away and refuses to come back for a while; B keeps streaming on its first connection.
  let refusals = 0;
  let refusing = true;
  a.onEvents = (_req, res) => {
    if (!refusing) return false;
    refusals++;
    res.writeHead(503, { 'Content-Type': 'application/json' });
    res.end('{"message":"restarting"}');
    return true;
  };
  firstA.res.destroy();
  await e.waitLog((l) => l.startsWith(`warning ERR_STREAM the event stream from ${a.openParams} broke`), 'A breaking');
  await e.waitLog((l) => l.startsWith('warning ERR_DAEMON_HTTP reconnect attempt 1 failed'), 'A refusing');
  firstB.res.write(`${b2}\n`);
  await waitCount(e, 4);
  assert.ok(refusals >= 1);
  refusing = false;

  const secondA = await a.waitEventsRequest(1);
  assert.equal(secondA.url.searchParams.get('since'), '1795773868.000000020', "A resumes from 1 s before A's own newest event, not B's");
  secondA.res.write(`${a1}\n${a2}\n${a3}\n`); // the daemon replays a1 and a2 (since= is inclusive)
  firstB.res.write(`${b3}\n`);
  await waitCount(e, 6);
  await e.waitFrame((f) => f.type === TYPE_STATS && json(f)['reconnects'] === 1 && json(f)['deliveredEvents'] === 6, 'STATS: 1 reconnect, 6 events');

  assert.equal(b.eventsRequests.length, 1, 'B was never reconnected');
  assert.equal(firstB.res.destroyed, false, "B's stream is still open");
  const delivered = payloads(e);
  assert.equal(new Set(delivered).size, 6, 'nothing twice');
  assert.deepEqual(
    delivered.filter((p) => p.includes('"host":"' + a.openParams)),
    [a1, a2, a3].map((l) => tagged(l, a.openParams)),
  );
  assert.deepEqual(
    delivered.filter((p) => p.includes('"host":"' + b.openParams)),
    [b1, b2, b3].map((l) => tagged(l, b.openParams)),
  );
  assert.ok(delivered.indexOf(tagged(b2, b.openParams)) < delivered.indexOf(tagged(a3, a.openParams)), 'B delivered while A was away');
});

test('two files: END only after both ended, progress over both, hosts JSON-escaped', async () => {
  const dir = await tempDir();
  const one = path.join(dir, 'one.jsonl');
  const two = path.join(dir, 'two "quoted" \\.jsonl');
  const oneLines = [eventLine('create', T + 1n, 'x'), eventLine('start', T + 2n, 'x')];
  const twoLines = [eventLine('create', T + 3n, 'y')];
  await fs.writeFile(one, `${oneLines.join('\n')}\n`);
  await fs.writeFile(two, `${twoLines.join('\n')}\n`);
  const hostOne = `file://${one}`;
  const hostTwo = `file://${two}`;
  const e = start(`${hostOne},${hostTwo}`);
  await e.waitFrameOfType(TYPE_END);
  assert.equal((await e.waitExit()).code, 0);
  const delivered = payloads(e);
  assert.deepEqual(delivered.filter((p) => p.includes('"y"')), [tagged(twoLines[0], hostTwo)]);
  assert.deepEqual(delivered.filter((p) => p.includes('"x"')), oneLines.map((l) => tagged(l, hostOne)));
  assert.equal(json(events(e).find((f) => f.payload.includes('"y"'))!)['host'], hostTwo, 'valid JSON after escaping');
  const stats = e.framesOf(TYPE_STATS).map(json);
  assert.equal(stats.at(-1)!['progressPct'], 10000);
  assert.equal(e.frames.at(-1)!.type, TYPE_END);
  assert.equal(e.logLines.filter((l) => l.endsWith(' has no more events')).length, 2);
});

test('one endpoint failing at open fails open (naming it) and closes the others', async () => {
  const a = await fakeDaemon();
  const dir = await tempDir();
  const e = start(`${a.openParams},unix://${dir}/missing.sock`);
  const error = json(await e.waitFrameOfType(TYPE_ERROR));
  assert.equal(error['code'], 'ERR_SOCKET_MISSING');
  assert.match(String(error['message']), /missing\.sock does not exist/);
  assert.equal((await e.waitExit()).code, 2);
  assert.equal(e.framesOf(TYPE_READY).length, 0);
});

test('fan-in open_params: duplicates and empty endpoints refused, any transport per endpoint', () => {
  const fanIn = sourcesFor('unix:///a.sock,poll+unix:///b.sock,file:///c.jsonl', {});
  assert.deepEqual(
    fanIn.endpoints.map((e) => [e.given, e.transport.target]),
    [
      ['unix:///a.sock', 'unix:///a.sock'],
      ['poll+unix:///b.sock', 'poll+unix:///b.sock'],
      ['file:///c.jsonl', 'file:///c.jsonl'],
    ],
  );
  assert.equal(fanIn.fanIn, true);
  assert.equal(sourcesFor('unix:///a.sock', {}).fanIn, false, 'one endpoint: no fan-in');
  for (const [params, message] of [
    ['unix:///a.sock,unix:///var/../a.sock', /lists the same source twice \("unix:\/\/\/a.sock" and "unix:\/\/\/var\/..\/a.sock" both reach unix:\/\/\/a.sock\)/],
    ['unix:///var/run/docker.sock,poll+unix://', /lists the same source twice/],
    ['unix:///a.sock,,unix:///b.sock', /has an empty endpoint \(number 2\)/],
    ['unix:///a.sock,', /has an empty endpoint \(number 2\)/],
    ['unix:///a.sock,ftp://x', /unknown scheme "ftp:\/\/" in open_params "ftp:\/\/x"/],
  ] as const) {
    assert.throws(() => sourcesFor(params, {}), (err: unknown) => (err as { code?: string }).code === 'ERR_OPEN_PARAMS' && message.test((err as Error).message), params);
  }
});

test('a fan-in of 40 endpoints opens, and their container contexts start, without a listener-leak warning', async () => {
  const daemons = await Promise.all(Array.from({ length: 40 }, () => fakeDaemon()));
  for (const d of daemons) d.inspect = (kind, id) => (kind === 'container' ? { Id: id, Config: {}, HostConfig: {}, Image: '' } : null);
  const e = start(daemons.map((d) => d.openParams).join(','));
  await e.waitFrameOfType(TYPE_READY, 30_000);
  await Promise.all(daemons.map(async (d, i) => (await d.waitEventsRequest(0)).res.write(`${eventLine('create', T + BigInt(i), `c${i}`)}\n`)));
  await waitCount(e, daemons.length);
  assert.deepEqual(e.logLines.filter((l) => /MaxListenersExceeded|memory leak/i.test(l)), []);
});
