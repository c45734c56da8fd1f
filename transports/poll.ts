// poll+unix:///path/to/docker.sock, poll+http://host:2375, poll+https://host:2376 (poll+tcp:// as tcp://:
// TLS when init_config.tls or DOCKER_TLS_VERIFY says so) — pull instead of push: repeated
// GET /events?since=…&until=… windows through undici, every init_config.pollIntervalMs. For daemons or
// proxies that do not keep a streaming response open. The sockets are the streaming transports' own
// (./connector.ts: unix, TCP, TLS verified), so every address and failure means the same here as there.
//
// Windows are contiguous, with no gap and no overlap: Docker's since and until are both inclusive at
// nanosecond precision (checked against Docker 20.10: since=until=T returns the event at T, since=until=T±1
// does not), so each window is [previous until + 1 ns, daemon now − SAFETY_MARGIN]. The margin covers an
// event stamped just before `until` but not yet in the daemon's buffer when the window is read. `until` is
// set from the daemon's clock, never the local one: /info SystemTime at connect (else the Date header,
// which is behind by less than a second, only adding latency), carried forward with the local monotonic
// clock, and checked against each answer's Date header; a jump of the daemon's clock re-reads it.
//
// Limits: the daemon keeps its last 256 events only; more than that within one interval (or while the
// engine is paused because Falco is behind) are lost, as for any client replaying with since=.
//
// READY comes after the first window was answered; a window the daemon refuses or that breaks fails the
// connection with the codes of the streaming transports (./daemon-errors.ts) and the engine reconnects,
// resuming after the last event it delivered.

import { parseDaemonVersion } from './daemon-version';
import { setTimeout as sleep } from 'node:timers/promises';
import { Observable, type Subscriber } from 'rxjs';
import type { Agent, Dispatcher } from 'undici';
import { DaemonUnreachableError, EngineError, OpenParamsError, StreamError } from '../src/errors';
import type { ReadyInfo } from '../src/frame';
import type { Logger } from '../src/log';
import { createConnector, type Connector } from './connector';
import { connectTimeout, httpError } from './daemon-errors';
import { describeOrigin, parseDockerHost, type DockerHost } from './docker-host';
import { resolveTls, tlsForSocketWarning, unverifiedTlsWarning } from './tls-settings';
import type { Connection, ConnectRequest, Transport, TransportContext, TransportFactory } from './transport';
import { formatSince } from './unix-socket';

export const pollTransport: TransportFactory = {
  schemes: ['poll+unix', 'poll+http', 'poll+tcp', 'poll+https'],
  forms: ['poll+unix:///path/to/docker.sock', 'poll+http://host:2375', 'poll+https://host:2376'],
  create: (host, env, context) => new PollTransport(host, env, context),
};

/** How far behind the daemon's now a window ends. */
export const SAFETY_MARGIN_NANO = 250_000_000n;
/** Docker keeps this many past events; a window holding as many may have lost older ones. */
const DAEMON_EVENT_BUFFER = 256;
/** A Date header this far from the clock's estimate means the daemon's clock jumped. */
const CLOCK_SLACK_MS = 2000;
const MAX_SMALL_BODY_BYTES = 64 * 1024;
const NANOS_PER_MS = 1_000_000n;
const LF = 0x0a;
const NEWLINE = Buffer.from('\n');

type Body = Dispatcher.ResponseData['body'];

export class PollTransport implements Transport {
  readonly target: string;
  /** The daemon's address as this transport reaches it (messages name the poll+ form). */
  private readonly host: DockerHost;
  /** Made on the first request: undici is loaded only by an engine that polls. */
  private dispatcher: Agent | null = null;
  private readonly connector: Connector;
  /** The current request's signal (requests are sequential): a connect in progress ends with it. */
  private requestSignal: AbortSignal = new AbortController().signal;
  private readonly origin: string;
  /** init_config.pollIntervalMs: from the start of one window to the start of the next. */
  readonly intervalMs: number;
  private readonly log: Logger;
  private warnedFullWindow = false;

  constructor(given: DockerHost, env: NodeJS.ProcessEnv, context: TransportContext) {
    const innerAddress = `${given.scheme.slice('poll+'.length)}://${given.rest}`;
    let parsed: DockerHost;
    try {
      parsed = parseDockerHost(innerAddress, env, { explicitTls: context.config.tls !== undefined });
    } catch (err) {
      // Its message names the address without poll+: name it as the user wrote it.
      const message = err instanceof Error ? err.message : String(err);
      throw new OpenParamsError(message.replace(`open_params "${innerAddress}"`, describeOrigin(given)));
    }
    const address = parsed.url.slice(parsed.url.indexOf('://') + 3);
    this.host = { ...parsed, given: given.given, origin: given.origin, scheme: given.scheme, url: `${given.scheme}://${address}` };
    this.target = this.host.url;
    this.intervalMs = context.config.pollIntervalMs;
    this.log = context.log;
    // Named and suggested as written: poll+…
    const tls = resolveTls({ ...parsed, given: given.given, origin: given.origin }, context.config.tls, 'poll+');
    const unverified = unverifiedTlsWarning(this.target, tls);
    if (unverified !== null) context.log.warning('-', unverified);
    if (parsed.socketPath !== undefined && context.config.tls !== undefined) context.log.warning('-', tlsForSocketWarning(this.target));
    this.connector = createConnector(this.host, tls);
    // TLS, if any, is the connector's socket: undici speaks plain HTTP over it, as docker-modem does.
    this.origin = parsed.socketPath !== undefined ? 'http://localhost' : `http://${this.connector.authority}${parsed.pathPrefix ?? ''}`;
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    request.signal.throwIfAborted();
    const version = await this.get('/version', request.signal, request.timeoutMs);
    const versionBody = await readSmallBody(version.body);
    if (version.statusCode !== 200) throw this.refusal('GET /version', version.statusCode, versionBody);
    const daemon = this.readVersion(versionBody);
    const clock = new DaemonClock();
    await this.syncClock(clock, request.signal, request.timeoutMs, dateMs(version.headers));
    // Live: from the margin before now, so that no window ever ends closer to the daemon's now than that
    // (an event stamped in the last quarter second before open may thus be delivered).
    const since = request.sinceNano ?? clock.now() - SAFETY_MARGIN_NANO;
    const poller = new Poller(this, clock, since, { transport: this.target, daemon }, request.timeoutMs);
    await poller.first(request.signal);
    return poller;
  }

  /** One window [since, until] of events: its body, or an EngineError. */
  async window(since: bigint, until: bigint, clock: DaemonClock, signal: AbortSignal, timeoutMs: number): Promise<Body> {
    const path = `/events?since=${formatSince(since)}&until=${formatSince(until)}`;
    const res = await this.get(path, signal, timeoutMs);
    if (res.statusCode !== 200) {
      throw this.refusal('GET /events', res.statusCode, await readSmallBody(res.body));
    }
    const date = dateMs(res.headers);
    if (date !== null && clock.disagrees(date)) {
      const before = clock.now();
      await this.syncClock(clock, signal, timeoutMs, date);
      const jumpMs = Number((clock.now() - before) / NANOS_PER_MS);
      this.log.warning(
        '-',
        `the clock of the Docker daemon at ${this.target} jumped by ${jumpMs} ms; polling follows it` +
          (jumpMs < 0 ? ' (events it stamps before the last window are not polled again)' : ''),
      );
    }
    return res.body;
  }

  /** A window held `events` events: as many as the daemon keeps means some may be gone. */
  windowDone(events: number): void {
    if (events < DAEMON_EVENT_BUFFER || this.warnedFullWindow) return;
    this.warnedFullWindow = true;
    this.log.warning(
      '-',
      `a polled window from ${this.target} held ${events} events, as many as the daemon keeps: older ones may have been ` +
        'lost; lower init_config.pollIntervalMs, or stream instead of polling',
    );
  }

  /** The daemon's time: /info SystemTime (ns precision), else the Date header (`fallbackMs`). */
  private async syncClock(clock: DaemonClock, signal: AbortSignal, timeoutMs: number, fallbackMs: number | null): Promise<void> {
    const sentAt = performance.now();
    const info = await this.get('/info', signal, timeoutMs);
    const receivedAt = performance.now();
    const body = await readSmallBody(info.body);
    const systemTime = info.statusCode === 200 ? parseSystemTime(body) : null;
    if (systemTime !== null) {
      clock.set(systemTime, (sentAt + receivedAt) / 2);
    } else if (fallbackMs !== null) {
      // Truncated to the second: the daemon is at least this far; being behind only adds latency.
      clock.set(BigInt(fallbackMs) * NANOS_PER_MS, receivedAt);
    } else {
      throw new DaemonUnreachableError(
        `the Docker daemon at ${this.target} tells neither its time (GET /info SystemTime) nor a Date header; ` +
          `polling needs the daemon's clock (${describeOrigin(this.host)})`,
      );
    }
  }

  private async get(path: string, signal: AbortSignal, timeoutMs: number): Promise<Dispatcher.ResponseData> {
    const what = `GET ${path.split('?')[0]}`;
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    this.requestSignal = attempt;
    try {
      const undici = await import('undici');
      this.dispatcher ??= new undici.Agent({
        connect: (_options, callback) => {
          this.connector.open(this.requestSignal).then(
            (socket) => callback(null, socket),
            (err: Error) => callback(err, null),
          );
        },
      });
      return await undici.request(`${this.origin}${path}`, {
        dispatcher: this.dispatcher,
        method: 'GET',
        signal: attempt,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (attempt.aborted) throw connectTimeout(this.host, what, timeoutMs);
      if (err instanceof EngineError) throw err;
      throw this.connector.failure(err, what);
    }
  }

  /** The EngineError for an answer other than 200: what the connector makes of it, else HTTP <status>. */
  private refusal(what: string, statusCode: number, body: string): EngineError {
    return this.connector.answer(statusCode, body) ?? httpError(this.host, what, statusCode, body);
  }

  private readVersion(body: string): ReadyInfo['daemon'] {
    const daemon = parseDaemonVersion(body);
    if (daemon === null) {
      throw new DaemonUnreachableError(
        `${this.target} answered GET /version without a Docker version (${describeOrigin(this.host)}); is it a Docker daemon?`,
      );
    }
    return daemon;
  }
}

/**
 * The polling connection: the first window's body, then one window per interval. Its chunks are the
 * windows' bodies back to back (a body not ending in a newline gets one, so windows never join lines).
 */
class Poller implements Connection {
  readonly finite = false;
  readonly chunks: Observable<Buffer>;
  private readonly stop = new AbortController();
  private firstBody: Body | null = null;
  private body: Body | null = null;
  private held = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly transport: PollTransport,
    private readonly clock: DaemonClock,
    /** The start of the next window. */
    private since: bigint,
    readonly info: ReadyInfo,
    private readonly timeoutMs: number,
  ) {
    this.chunks = new Observable<Buffer>((subscriber) => {
      void this.run(subscriber);
      return () => this.close();
    });
  }

  /** Reads the first window's answer (READY waits for it). */
  async first(signal: AbortSignal): Promise<void> {
    this.firstBody = await this.nextWindow(signal);
  }

  pause(): void {
    this.held = true;
    this.body?.pause();
  }

  resume(): void {
    this.held = false;
    this.body?.resume();
    this.wake?.();
  }

  close(): void {
    if (this.stop.signal.aborted) return;
    this.stop.abort(new StreamError(`polling ${this.info.transport} stopped`));
    this.firstBody?.destroy();
    this.body?.destroy();
    this.wake?.();
  }

  private async run(subscriber: Subscriber<Buffer>): Promise<void> {
    const signal = this.stop.signal;
    try {
      let body = this.firstBody;
      this.firstBody = null;
      let startedAt = performance.now();
      while (body !== null && !signal.aborted) {
        await this.emit(body, subscriber);
        const due = startedAt + this.transport.intervalMs - performance.now();
        if (due > 0) await sleep(due, undefined, { signal });
        await this.whileHeld();
        if (signal.aborted) break;
        startedAt = performance.now();
        body = await this.nextWindow(signal);
      }
    } catch (err) {
      if (signal.aborted) return;
      subscriber.error(
        err instanceof EngineError
          ? err
          : new StreamError(`polling ${this.info.transport} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
      );
    }
  }

  /** Asks for [since, daemon now − margin] (at least one nanosecond) and moves `since` past it. */
  private async nextWindow(signal: AbortSignal): Promise<Body> {
    const latest = this.clock.now() - SAFETY_MARGIN_NANO;
    const until = latest > this.since ? latest : this.since;
    const body = await this.transport.window(this.since, until, this.clock, signal, this.timeoutMs);
    this.since = until + 1n;
    return body;
  }

  /** Hands `body`'s bytes to the subscriber (pausable) until it ends. */
  private emit(body: Body, subscriber: Subscriber<Buffer>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.body = body;
      let last = LF;
      let lines = 0;
      const done = (err: Error | null): void => {
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        body.off('close', onClose);
        this.body = null;
        if (err === null) resolve();
        else reject(err);
      };
      const onData = (chunk: Buffer): void => {
        if (chunk.length === 0) return;
        last = chunk[chunk.length - 1];
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) lines++;
        subscriber.next(chunk);
      };
      const onEnd = (): void => {
        if (last !== LF) {
          lines++;
          subscriber.next(NEWLINE);
        }
        this.transport.windowDone(lines);
        done(null);
      };
      const onError = (err: Error): void =>
        done(new StreamError(`the events window from ${this.info.transport} broke: ${err.message}`, { cause: err }));
      const onClose = (): void =>
        done(
          this.stop.signal.aborted
            ? (this.stop.signal.reason as Error)
            : new StreamError(`the events window from ${this.info.transport} broke: it closed before its end`),
        );
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', onError);
      body.once('close', onClose);
      if (this.held) body.pause();
    });
  }

  /** Resolves once the engine is not holding the flow (or the poller closed). */
  private whileHeld(): Promise<void> {
    if (!this.held || this.stop.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}

/** The daemon's clock: a reading of it, carried forward with the local monotonic clock. */
export class DaemonClock {
  private baseNano = 0n;
  private baseMs = 0;

  /** The daemon's time was `daemonNano` at performance.now() = `atMs`. */
  set(daemonNano: bigint, atMs: number): void {
    this.baseNano = daemonNano;
    this.baseMs = atMs;
  }

  now(): bigint {
    return this.baseNano + BigInt(Math.round((performance.now() - this.baseMs) * 1e6));
  }

  /** A Date header (`dateMs`, truncated to the second) that this clock cannot explain. */
  disagrees(dateMs: number): boolean {
    const estimateMs = Number(this.now() / NANOS_PER_MS);
    return estimateMs < dateMs - CLOCK_SLACK_MS || estimateMs > dateMs + 1000 + CLOCK_SLACK_MS;
  }
}

const SYSTEM_TIME = /"SystemTime"\s*:\s*"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)"/;

/** /info's SystemTime (RFC 3339 with nanoseconds, any offset) in ns since the epoch, or null. */
export function parseSystemTime(body: string): bigint | null {
  const match = SYSTEM_TIME.exec(body);
  if (match === null) return null;
  const [, seconds, fraction = '', zone] = match;
  const ms = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * NANOS_PER_MS + BigInt(fraction.padEnd(9, '0'));
}

function dateMs(headers: Dispatcher.ResponseData['headers']): number | null {
  const value = headers['date'];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** A short answer (version, info, an error) as text, bounded; the rest is discarded. */
async function readSmallBody(body: Body): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      bytes += chunk.length;
      if (bytes >= MAX_SMALL_BODY_BYTES) break; // destroys the rest
    }
  } catch (err) {
    throw new DaemonUnreachableError(`reading the Docker daemon's answer failed: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(parts).toString('utf8');
}
