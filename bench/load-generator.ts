// The bench's load generator: a fake Docker daemon on a unix socket in a temp dir that streams Docker-shaped
// events at a fixed rate, each stamped with its emission time, so that the plugin's `ts` is the emission time
// and latency = next_batch return − emission.
//
// It runs in a process of its own (LoadGenerator.start forks bench/load-generator-process.js), so it never
// shares an event loop with the loop under test. The parent drives it over the fork's IPC channel:
//   child → parent  {type:'listening', socketPath}     once, when the socket accepts connections
//                   {type:'connected'}                 on each GET /events
//                   {type:'stats', stats}              answer to 'stats'
//   parent → child  {type:'start'}                     start the schedule (with the first /events client)
//                   {type:'stats'}                     send the counters
//                   {type:'stop'}                      close everything, remove the temp dir, exit
//
// Rate control: event i (0-based) is due at t0 + (i + 1)/rate on the monotonic clock. Each timer tick emits
// every event due by then (in one write per client, at most MAX_BURST_SECONDS worth of events, the rest on the
// next tick at once), then sleeps until the next due time. The schedule is absolute: a late tick catches up,
// it never shifts the later events, so the long-run rate is exact at 10/s as at 100k/s.
//
// Events come from a ring built at start (EventRing), each burst stamped once, so the generator's cost per
// event is small: it shares the cores with the processes under test.
//
// Flood mode (rate Infinity, for the sustained-throughput phase): chunks of FLOOD_CHUNK_EVENTS written as fast
// as the reader takes them (waiting for 'drain' on backpressure).
//
// It also answers the engine's inspect requests (GET /containers/{id}/json, /exec/{id}/json,
// /images/{id}/json) as dockerd does, from the state of the containers its events are about
// (bench/fake-containers.ts), optionally after a service latency; 404 for an ID it does not know. Its events
// are either the ring's ('mix', above) or distinct container lifecycles ('lifecycles': create, start, [exec],
// die, destroy at a number of lifecycles per second, for the enrichment phases).

import { fork, type ChildProcess } from 'node:child_process';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ContainerWorld,
  containerEventPrefix,
  dieAttributes,
  hexId,
  IMAGES,
  LifecycleSource,
  ringContainerName,
  type InspectCounts,
  type LifecycleOptions,
} from './fake-containers';

// ------------------------------------------------------------------ clock

/**
 * CLOCK_REALTIME in ns, read as a monotonic offset from an anchor taken at a millisecond edge of Date.now():
 * spinning until Date.now() ticks puts the anchor within about a microsecond of the true realtime, where
 * `performance.timeOrigin` or a plain Date.now() would be off by up to a millisecond, the order of the
 * latencies being measured.
 */
export class RealtimeClock {
  private readonly anchorRealNs: bigint;
  private readonly anchorMonoNs: bigint;

  constructor() {
    let best: { real: bigint; mono: bigint; spreadNs: bigint } | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const startMs = Date.now();
      let before = process.hrtime.bigint();
      let ms = Date.now();
      while (ms === startMs) {
        before = process.hrtime.bigint();
        ms = Date.now();
      }
      const after = process.hrtime.bigint();
      // The edge lies between `before` and `after`: take the middle, keep the tightest bracket.
      const spreadNs = after - before;
      if (best === null || spreadNs < best.spreadNs) best = { real: BigInt(ms) * 1_000_000n, mono: (before + after) / 2n, spreadNs };
    }
    this.anchorRealNs = best!.real;
    this.anchorMonoNs = best!.mono;
  }

  nowNs(): bigint {
    return this.anchorRealNs + (process.hrtime.bigint() - this.anchorMonoNs);
  }

  /** The realtime (ns) of a monotonic reading. */
  realOf(monoNs: bigint): bigint {
    return this.anchorRealNs + (monoNs - this.anchorMonoNs);
  }
}

// ------------------------------------------------------------------ events

/** Steps of the ring's lifecycles, one Docker event each. */
const LIFECYCLE = ['create', 'connect', 'start', 'die', 'disconnect', 'destroy'] as const;

const NETWORKS = [
  { name: 'bridge', id: hexId(1_000_001) },
  { name: 'shop_backend', id: hexId(1_000_002) },
];

/**
 * Docker-shaped event lines, cycling through realistic container lifecycles (create, network connect,
 * start, die with exitCode, network disconnect, destroy) for a rotating set of containers. Keys are in the
 * daemon's order (status,id,from,Type,Action,Actor{ID,Attributes},scope,time,timeNano) and Attributes
 * sorted as Go sorts them; 310–480 bytes each, 380 on average.
 */
export class EventFactory {
  private step = 0;
  private container = 0;

  /** The next event's JSON (no newline), stamped `timeNano`. */
  next(timeNano: bigint): string {
    return this.nextPrefix() + stamp(timeNano);
  }

  /** The next event's JSON up to its time keys (`…"scope":"local",`): append `stamp(timeNano)`. */
  nextPrefix(): string {
    const action = LIFECYCLE[this.step];
    const n = this.container;
    const prefix =
      action === 'connect' || action === 'disconnect'
        ? networkEventPrefix(action, n)
        : containerEventPrefix(action, hexId(n), IMAGES[n % IMAGES.length], ringContainerName(n), action === 'die' ? dieAttributes(n) : []);
    if (++this.step === LIFECYCLE.length) {
      this.step = 0;
      this.container++;
    }
    return prefix;
  }
}

/** The keys that end every event: `"time":…,"timeNano":…}`. */
export function stamp(timeNano: bigint): string {
  return `"time":${timeNano / 1_000_000_000n},"timeNano":${timeNano}}`;
}

/** A burst of event lines (newline-terminated), all stamped with one timeNano. */
interface Chunk {
  text: string;
  /** Events in it: fewer than asked once a finite source is exhausted. */
  events: number;
  minBytes: number;
  maxBytes: number;
}

/** Where the daemon's events come from. */
interface EventSource {
  chunk(count: number, timeNano: bigint): Chunk;
  /** No event will ever come again (a finite source at its end). */
  readonly exhausted: boolean;
}

function chunkOf(count: number, timeNano: bigint, next: () => string | null): Chunk {
  const suffix = `${stamp(timeNano)}\n`;
  let text = '';
  let events = 0;
  let minBytes = Infinity;
  let maxBytes = 0;
  for (; events < count; events++) {
    const prefix = next();
    if (prefix === null) break;
    text += prefix + suffix;
    const bytes = prefix.length + suffix.length;
    if (bytes < minBytes) minBytes = bytes;
    if (bytes > maxBytes) maxBytes = bytes;
  }
  return { text, events, minBytes, maxBytes };
}

/**
 * The generator's events: RING_CONTAINERS lifecycles built once (their IDs repeat after that many
 * containers), so that a burst costs a join and one stamp instead of ~1 µs of building per event, and the
 * generator leaves as much CPU as it can to the processes under test (it shares their cores). The ring's
 * containers all exist for the inspects, running.
 */
class EventRing implements EventSource {
  private readonly prefixes: string[] = [];
  private next = 0;
  readonly exhausted = false;

  constructor(containers: number, world: ContainerWorld, startNs: bigint) {
    const factory = new EventFactory();
    for (let i = 0; i < containers * LIFECYCLE.length; i++) this.prefixes.push(factory.nextPrefix());
    for (let n = 0; n < containers; n++) world.add(n, hexId(n), ringContainerName(n), IMAGES[n % IMAGES.length], 'running', startNs);
  }

  /** `count` event lines (newline-terminated), all stamped `timeNano`; also their min and max sizes. */
  chunk(count: number, timeNano: bigint): Chunk {
    return chunkOf(count, timeNano, () => {
      const prefix = this.prefixes[this.next];
      if (++this.next === this.prefixes.length) this.next = 0;
      return prefix;
    });
  }
}

/** Distinct containers' lifecycles (bench/fake-containers.ts), built as they are emitted. */
class LifecycleEvents implements EventSource {
  private readonly source: LifecycleSource;

  constructor(world: ContainerWorld, options: LifecycleOptions, startNs: bigint) {
    this.source = new LifecycleSource(world, options, startNs);
  }

  get exhausted(): boolean {
    return this.source.exhausted;
  }

  chunk(count: number, timeNano: bigint): Chunk {
    return chunkOf(count, timeNano, () => this.source.nextPrefix(timeNano));
  }
}

function networkEventPrefix(action: 'connect' | 'disconnect', n: number): string {
  const network = NETWORKS[n % NETWORKS.length];
  return (
    `{"Type":"network","Action":"${action}","Actor":{"ID":"${network.id}",` +
    `"Attributes":{"container":"${hexId(n)}","name":"${network.name}","type":"bridge"}},"scope":"local",`
  );
}

// ------------------------------------------------------------------ daemon

export interface GeneratorStats {
  rate: number;
  /** Events written to at least one /events client. */
  emitted: number;
  /** Events that fell due while no client was connected (not sent). */
  unsent: number;
  bytes: number;
  /** res.write calls (bursts) per client. */
  writes: number;
  /** Times a write was refused by backpressure (the engine not reading fast enough). */
  backpressured: number;
  minEventBytes: number;
  maxEventBytes: number;
  /** Seconds since the schedule started, and the rate achieved over them. */
  elapsedS: number;
  achievedRate: number;
  /** Worst delay of an emission behind its scheduled time (timer lateness, catching up), in ms. */
  maxLagMs: number;
  eventsRequests: number;
  /** Inspect requests answered (200 per kind, 404). */
  inspects: InspectCounts;
  /** Containers that exist now, and that were created over the run (with those that existed at start). */
  liveContainers: number;
  containersCreated: number;
}

/** What a generator emits and how it answers inspects. */
export interface GeneratorConfig {
  /** Events/s: 0 = never emits, Infinity = flood (as fast as the reader takes them). */
  rate: number;
  /** The ring's mixed events (default), or distinct container lifecycles. */
  events?: { kind: 'mix' } | ({ kind: 'lifecycles' } & LifecycleOptions);
  /** Milliseconds the daemon takes to answer an inspect (default 0: at once). */
  inspectLatencyMs?: number;
}

/** Docker's answer to GET /version (27.x-shaped), marked as the bench's fake in Platform.Name. */
const VERSION_BODY = JSON.stringify({
  Platform: { Name: 'Docker Engine - Community (bench load generator)' },
  Components: [{ Name: 'Engine', Version: '27.3.1', Details: { ApiVersion: '1.47', MinAPIVersion: '1.24', Os: 'linux' } }],
  Version: '27.3.1',
  ApiVersion: '1.47',
  MinAPIVersion: '1.24',
  GitCommit: '41ca978',
  GoVersion: 'go1.22.7',
  Os: 'linux',
  Arch: 'amd64',
  KernelVersion: os.release(),
  BuildTime: '2024-09-20T11:41:11.000000000+00:00',
});

const DAEMON_HEADERS = {
  'Api-Version': '1.47',
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Server: 'Docker/27.3.1 (linux)',
};

const VERSION_PATH = /^(\/v\d+(\.\d+)?)?\/version$/;
const EVENTS_PATH = /^(\/v\d+(\.\d+)?)?\/events$/;
const PING_PATH = /^(\/v\d+(\.\d+)?)?\/_ping$/;
/** GET /containers/{id}/json, /exec/{id}/json, /images/{name}/json (an image reference may hold slashes). */
const INSPECT_PATH = /^(?:\/v\d+(?:\.\d+)?)?\/(containers|exec|images)\/(.+)\/json$/;
const NOT_FOUND_MESSAGE = { containers: 'No such container', exec: 'No such exec instance', images: 'No such image' } as const;
/** The longest burst one tick writes while catching up: this much of the schedule. */
const MAX_BURST_SECONDS = 0.02;
/** Flood mode (rate Infinity): events per write, writes per event-loop turn. */
const FLOOD_CHUNK_EVENTS = 64;
const FLOOD_WRITES_PER_TURN = 16;
/** Containers whose lifecycles are built once (EventRing): event IDs repeat after this many. */
const RING_CONTAINERS = 1000;

export class FakeDockerDaemon {
  private readonly server: http.Server;
  private readonly clients = new Set<http.ServerResponse>();
  private readonly clock = new RealtimeClock();
  private readonly intervalNs: number;
  private readonly maxBurst: number;
  private started = false;
  private t0: bigint | null = null;
  private due = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private waitingForDrain = false;
  private closed = false;
  private halted = false;
  private readonly source: EventSource | null;
  private readonly world = new ContainerWorld();
  private readonly inspectLatencyMs: number;
  private readonly inspectTimers = new Set<NodeJS.Timeout>();
  private readonly counters: Omit<GeneratorStats, 'rate' | 'elapsedS' | 'achievedRate' | 'inspects' | 'liveContainers' | 'containersCreated'> = {
    emitted: 0,
    unsent: 0,
    bytes: 0,
    writes: 0,
    backpressured: 0,
    minEventBytes: 0,
    maxEventBytes: 0,
    maxLagMs: 0,
    eventsRequests: 0,
  };

  /** Called on each GET /events. */
  onEventsRequest: (() => void) | null = null;

  readonly rate: number;

  constructor(
    readonly socketPath: string,
    config: GeneratorConfig | number,
  ) {
    const { rate, events = { kind: 'mix' }, inspectLatencyMs = 0 } = typeof config === 'number' ? { rate: config } : config;
    if (!(rate >= 0)) throw new RangeError(`rate must be a number >= 0 or Infinity, got ${rate}`);
    if (!(inspectLatencyMs >= 0)) throw new RangeError(`inspectLatencyMs must be >= 0, got ${inspectLatencyMs}`);
    this.rate = rate;
    this.inspectLatencyMs = inspectLatencyMs;
    this.intervalNs = rate > 0 ? 1e9 / rate : Infinity;
    this.maxBurst = Math.max(16, Math.ceil(rate * MAX_BURST_SECONDS));
    const now = this.clock.nowNs();
    if (events.kind === 'lifecycles') this.source = new LifecycleEvents(this.world, events, now);
    else this.source = rate > 0 ? new EventRing(RING_CONTAINERS, this.world, now) : null;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 0;
  }

  listen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Starts the schedule (its t0 is now, or the first GET /events if none came yet). */
  start(): void {
    this.started = true;
    this.maybeBegin();
  }

  stats(): GeneratorStats {
    const elapsedS = this.t0 === null ? 0 : Number(process.hrtime.bigint() - this.t0) / 1e9;
    return {
      rate: this.rate,
      ...this.counters,
      elapsedS,
      achievedRate: elapsedS > 0 ? this.counters.emitted / elapsedS : 0,
      inspects: { ...this.world.counts },
      liveContainers: this.world.live,
      containersCreated: this.world.created,
    };
  }

  /** Stops emitting for good; clients stay connected (no reconnect, no end of stream). */
  halt(): void {
    this.halted = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    for (const timer of this.inspectTimers) clearTimeout(timer);
    this.inspectTimers.clear();
    for (const res of this.clients) res.destroy();
    this.clients.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const pathname = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && VERSION_PATH.test(pathname)) {
      res.writeHead(200, { 'Content-Type': 'application/json', ...DAEMON_HEADERS });
      res.end(`${VERSION_BODY}\n`);
      return;
    }
    if (req.method === 'GET' && PING_PATH.test(pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain', ...DAEMON_HEADERS });
      res.end('OK');
      return;
    }
    const inspect = req.method === 'GET' ? INSPECT_PATH.exec(pathname) : null;
    if (inspect !== null) {
      const kind = inspect[1] as 'containers' | 'exec' | 'images';
      const ref = decodeURIComponent(inspect[2]);
      if (this.inspectLatencyMs === 0) this.inspect(res, kind, ref);
      else {
        const timer = setTimeout(() => {
          this.inspectTimers.delete(timer);
          this.inspect(res, kind, ref);
        }, this.inspectLatencyMs);
        this.inspectTimers.add(timer);
      }
      return;
    }
    // A bounded read (the engine's liveness check of a quiet stream): the bench never misses an event.
    if (req.method === 'GET' && EVENTS_PATH.test(pathname) && new URL(req.url ?? '/', 'http://docker').searchParams.has('until')) {
      res.writeHead(200, { 'Content-Type': 'application/json', ...DAEMON_HEADERS });
      res.end();
      return;
    }
    if (req.method === 'GET' && EVENTS_PATH.test(pathname)) {
      res.writeHead(200, { 'Content-Type': 'application/json', ...DAEMON_HEADERS });
      res.flushHeaders();
      this.clients.add(res);
      res.once('close', () => this.clients.delete(res));
      this.counters.eventsRequests++;
      this.onEventsRequest?.();
      this.maybeBegin();
      // A flood that stopped for want of clients goes on with the new one.
      if (this.rate === Infinity && this.t0 !== null && this.immediate === null && !this.waitingForDrain) this.floodTick();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json', ...DAEMON_HEADERS });
    res.end(`${JSON.stringify({ message: `page not found` })}\n`);
  }

  /** Answers an inspect from the daemon's state now (a container destroyed meanwhile is a 404, as in dockerd). */
  private inspect(res: http.ServerResponse, kind: 'containers' | 'exec' | 'images', ref: string): void {
    if (res.destroyed) return;
    const body = kind === 'containers' ? this.world.inspectContainer(ref) : kind === 'exec' ? this.world.inspectExec(ref) : this.world.inspectImage(ref);
    if (body === null) {
      res.writeHead(404, { 'Content-Type': 'application/json', ...DAEMON_HEADERS });
      res.end(`${JSON.stringify({ message: `${NOT_FOUND_MESSAGE[kind]}: ${ref}` })}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', ...DAEMON_HEADERS });
    res.end(body);
  }

  private maybeBegin(): void {
    if (!this.started || this.t0 !== null || this.clients.size === 0 || this.rate === 0) return;
    this.t0 = process.hrtime.bigint();
    if (this.rate === Infinity) this.floodTick();
    else this.schedule();
  }

  /**
   * Flood mode: as fast as the client reads. Writes FLOOD_CHUNK_EVENTS events per write, up to
   * FLOOD_WRITES_PER_TURN writes per event-loop turn (so IPC still gets answered), and waits for 'drain'
   * whenever the socket's buffer is full: the pace is the reader's, and the generator's memory stays bounded.
   */
  private readonly floodTick = (): void => {
    this.immediate = null;
    if (this.closed || this.halted) return;
    for (let i = 0; i < FLOOD_WRITES_PER_TURN; i++) {
      if (this.clients.size === 0 || this.source!.exhausted) return;
      const full = this.emit(FLOOD_CHUNK_EVENTS);
      if (full !== null) {
        this.waitingForDrain = true;
        const resume = (): void => {
          full.off('drain', resume);
          full.off('close', resume);
          this.waitingForDrain = false;
          if (!this.closed && !this.halted) this.immediate = setImmediate(this.floodTick);
        };
        full.on('drain', resume);
        full.on('close', resume);
        return;
      }
    }
    this.immediate = setImmediate(this.floodTick);
  };

  /** Sleeps until the next event is due (at once when the last tick could not catch up). */
  private schedule(): void {
    const t0 = this.t0!;
    const nextDueNs = t0 + BigInt(Math.round((this.due + 1) * this.intervalNs));
    const waitNs = Number(nextDueNs - process.hrtime.bigint());
    // Node fires a timer no earlier than asked, rounded to the millisecond: ceil, so a tick never comes early.
    this.timer = setTimeout(this.tick, waitNs <= 0 ? 0 : Math.ceil(waitNs / 1e6));
  }

  private readonly tick = (): void => {
    this.timer = null;
    if (this.halted) return;
    const nowMono = process.hrtime.bigint();
    const t0 = this.t0!;
    const dueNow = Math.floor(Number(nowMono - t0) / this.intervalNs);
    const count = Math.min(dueNow - this.due, this.maxBurst);
    if (count > 0) {
      // The oldest event in this burst was due at t0 + (due + 1) * interval.
      const lagNs = Number(nowMono - t0) - (this.due + 1) * this.intervalNs;
      if (lagNs / 1e6 > this.counters.maxLagMs) this.counters.maxLagMs = lagNs / 1e6;
      this.emit(count);
    }
    // A finite source at its end: the stream stays open, quiet.
    if (!this.source!.exhausted) this.schedule();
  };

  /**
   * Takes `count` events from the source, stamped now (the daemon's state moves on even with no client, as a
   * daemon's containers do), and writes them in one write per client; returns a client whose buffer is full,
   * if any.
   */
  private emit(count: number): http.ServerResponse | null {
    this.due += count;
    const { text, events, minBytes, maxBytes } = this.source!.chunk(count, this.clock.nowNs());
    if (events === 0) return null;
    if (this.clients.size === 0) {
      this.counters.unsent += events;
      return null;
    }
    if (this.counters.minEventBytes === 0 || minBytes < this.counters.minEventBytes) this.counters.minEventBytes = minBytes;
    if (maxBytes > this.counters.maxEventBytes) this.counters.maxEventBytes = maxBytes;
    let full: http.ServerResponse | null = null;
    for (const res of this.clients) {
      if (!res.write(text)) {
        this.counters.backpressured++;
        full ??= res;
      }
      this.counters.writes++;
    }
    this.counters.emitted += events;
    this.counters.bytes += text.length;
    return full;
  }
}

// ------------------------------------------------------------------ child process side

type ParentMessage = { type: 'start' } | { type: 'stats' } | { type: 'halt' } | { type: 'stop' };
type ChildMessage =
  | { type: 'listening'; socketPath: string }
  | { type: 'connected' }
  | { type: 'stats'; stats: GeneratorStats }
  | { type: 'error'; message: string };

/** The body of bench/load-generator-process.ts: `node load-generator-process.js <rate> [<JSON of the rest of GeneratorConfig>]`. */
export async function serveForParent(argv: string[]): Promise<void> {
  const send = (m: ChildMessage): void => {
    process.send?.(m);
  };
  if (process.send === undefined) throw new Error('the load generator runs under LoadGenerator.start (child_process.fork)');
  const config: GeneratorConfig = { ...(argv[1] === undefined ? {} : (JSON.parse(argv[1]) as Omit<GeneratorConfig, 'rate'>)), rate: Number(argv[0]) };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-dockerd-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  let daemon: FakeDockerDaemon;
  try {
    daemon = new FakeDockerDaemon(path.join(dir, 'docker.sock'), config);
    await daemon.listen();
  } catch (err) {
    cleanup();
    send({ type: 'error', message: (err as Error).message });
    process.exit(1);
  }
  const stop = async (): Promise<void> => {
    await daemon.close();
    cleanup();
    process.exit(0);
  };
  daemon.onEventsRequest = () => send({ type: 'connected' });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'start') daemon.start();
    else if (m.type === 'stats') send({ type: 'stats', stats: daemon.stats() });
    else if (m.type === 'halt') {
      daemon.halt();
      send({ type: 'stats', stats: daemon.stats() });
    }
    else if (m.type === 'stop') void stop();
  });
  // The parent went away (crashed, killed): do not outlive it.
  process.on('disconnect', () => void stop());
  send({ type: 'listening', socketPath: daemon.socketPath });
}

// ------------------------------------------------------------------ parent side

const ENTRY = path.join(__dirname, 'load-generator-process.js');

/** The parent's handle on a generator process. */
export class LoadGenerator {
  private readonly waiting = new Map<ChildMessage['type'], Array<(m: ChildMessage) => void>>();
  private connections = 0;
  private exited = false;
  private readonly exitedPromise: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly socketPath: string,
    readonly rate: number,
  ) {
    this.exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => (this.exited = true));
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'connected') this.connections++;
      const queue = this.waiting.get(m.type);
      const waiter = queue?.shift();
      waiter?.(m);
    });
  }

  /**
   * Forks a generator at `rate` events/s (0 = never emits, Infinity = flood: as fast as the reader takes
   * them), or as `config` says, and resolves once its socket listens.
   */
  static async start(config: GeneratorConfig | number, timeoutMs = 10_000): Promise<LoadGenerator> {
    const { rate, ...rest } = typeof config === 'number' ? { rate: config } : config;
    const child = fork(ENTRY, [String(rate), JSON.stringify(rest)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    const first = await new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not listen within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (m: ChildMessage) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the load generator exited early (${signal ?? `status ${code}`})`));
      });
    });
    if (first.type !== 'listening') {
      child.kill('SIGKILL');
      throw new Error(`the load generator failed: ${first.type === 'error' ? first.message : first.type}`);
    }
    return new LoadGenerator(child, first.socketPath, rate);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get openParams(): string {
    return `unix://${this.socketPath}`;
  }

  /** GET /events requests seen so far (1 per engine connection). */
  get eventsConnections(): number {
    return this.connections;
  }

  /** Starts emitting (the schedule begins now, or at the first GET /events). */
  begin(): void {
    this.child.send({ type: 'start' } satisfies ParentMessage);
  }

  async stats(timeoutMs = 5000): Promise<GeneratorStats> {
    const m = await this.request('stats', timeoutMs);
    if (m.type !== 'stats') throw new Error('unexpected answer from the load generator');
    return m.stats;
  }

  /** Stops emitting for good, the connections left open; resolves with the final counters. */
  async halt(timeoutMs = 5000): Promise<GeneratorStats> {
    const m = await this.request('halt', timeoutMs);
    if (m.type !== 'stats') throw new Error('unexpected answer from the load generator');
    return m.stats;
  }

  /** Stops the generator and waits for its exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exited) return;
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exitedPromise;
    clearTimeout(timer);
    // A generator killed before its cleanup leaves its temp dir behind.
    await fs.rm(path.dirname(this.socketPath), { recursive: true, force: true });
  }

  /** Sends `type`; resolves with the answer, a 'stats' message for both. */
  private request(type: 'stats' | 'halt', timeoutMs: number): Promise<ChildMessage> {
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the load generator did not answer '${type}' within ${timeoutMs} ms`)), timeoutMs);
      const queue = this.waiting.get('stats') ?? [];
      queue.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.waiting.set('stats', queue);
      this.child.send({ type } satisfies ParentMessage);
    });
  }
}

const liveChildren = new Set<ChildProcess>();

/** SIGKILLs every generator still running (for an emergency exit). */
export function killLoadGenerators(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}
