// One source of events, from its first connect until the engine stops or the source is finished for good.
//
// After READY a stream that ends or breaks (a daemon restart) is re-established with exponential backoff
// (100 ms doubling to 1 s, back to 100 ms once a connection delivered events), resuming with since= shortly
// before the newest timeNano this source delivered; the repeats the daemon replays are dropped
// (pipeline/dedupe-after-resume.ts). The wait stays short because the daemon keeps only its last 256 events
// for since= (none from before its own restart): the sooner the engine is back, the less can be evicted. A
// replay as long as that buffer means events may have been evicted: counted (replayGaps) and logged. The engine runs one runner for a plain
// open_params and one per endpoint of a fan-in, so every endpoint has its own reconnect loop, resume point
// and dedupe: a daemon that goes away never interrupts the others. In a fan-in the runner also tags each
// event with its endpoint (a top-level "host" key); the resume point keeps the daemon's own bytes, which are
// what a replay repeats.

import { setTimeout as sleep } from 'node:timers/promises';
import { map, tap, type Observable, type Subscription } from 'rxjs';
import type { Connection, Progress, Transport } from '../transports/transport';
import { Backoff } from './backoff';
import type { EngineConfig } from './config/config';
import { asEngineError, type EngineError } from './errors';
import type { FlowGroup } from './flow-group';
import type { FrameSink } from './frame-sink';
import { ContainerContexts, type Enrichment } from './enrichment/container-contexts';
import { LivenessWatch } from './liveness-watch';
import type { Logger, RateLimitedReporter } from './log';
import { dockerEvents } from './pipeline/docker-events';
import { enrichInOrder, type EnrichedEvent } from './pipeline/enrich-in-order';
import type { DockerEvent } from './pipeline/parse-event';
import { ResumePoint } from './pipeline/resume-point';
import type { Stats } from './stats';

/** What every source runs with: the start request's resume point, where events go, counters and log. */
export interface RunContext {
  /** resume.sinceNano of the start request (0n = live). */
  readonly sinceNano: bigint;
  /** resume.deliveredNano of the start request, if any. */
  readonly deliveredNanos?: readonly bigint[];
  readonly sink: FrameSink;
  readonly stats: Stats;
  readonly log: Logger;
  /** Reconnect delays (defaults: ./backoff.ts, 100 ms → 1 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** What the engine gives each of its endpoints. */
export interface EndpointRunnerOptions extends RunContext {
  readonly transport: Transport;
  readonly config: Pick<EngineConfig, 'maxEventBytes' | 'livenessIntervalMs' | 'enrichment' | 'bufferBytes'>;
  /** Where the runner registers its current connection, so a full buffer pauses it. */
  readonly flows: FlowGroup;
  readonly connectTimeoutMs: number;
  readonly malformed: RateLimitedReporter;
  readonly oversized: RateLimitedReporter;
  /** Inspects for container context that failed (ERR_INSPECT). */
  readonly inspectFailures: RateLimitedReporter;
  /** Fan-in only: the endpoint as given in open_params, added to each event as "host". */
  readonly host: string | null;
}

/** How a runner ended: stopped on request, or its source finished for good. */
export type RunnerOutcome = 'stopped' | 'finished';

interface PumpResult {
  readonly ended: boolean;
  readonly error?: EngineError;
  /** Events this connection delivered. */
  readonly delivered: number;
}

/** Events a Docker daemon keeps for since= replays (moby's events ring). */
const DAEMON_REPLAY_CAPACITY = 256;

const MAX_LOGGED_LINE_CHARS = 2048;
/** A failing reconnect is logged as a warning once, then at debug, and again at warning this often. */
const RECONNECT_WARNING_INTERVAL_MS = 60_000;
const CLOSING_BRACE = 0x7d;
/**
 * Events waiting for their container context may hold this share of bufferBytes (a quarter: 2 MiB by
 * default, seconds of a busy daemon's events); a flood of new containers beyond it goes on without context.
 */
const MAX_WAITING_SHARE = 4;

export class EndpointRunner {
  private readonly resume: ResumePoint;
  private readonly hostTag: Buffer | null;
  private progressOf: (() => Progress) | null = null;
  /** Container context of this endpoint's daemon; null when enrichment is off or the source has no daemon. */
  private contexts: ContainerContexts | null = null;
  private readonly deliver = ({ event, context }: EnrichedEvent): void => {
    const { sink, stats } = this.options;
    const additions = [context, this.hostTag].filter((b): b is Buffer => b !== null);
    // The resume point keeps the daemon's own bytes: they are what a replay repeats.
    sink.event(additions.length === 0 ? event : { ...event, payload: withInserted(event.payload, additions) });
    this.resume.record(event);
    stats.add('deliveredEvents');
  };

  constructor(private readonly options: EndpointRunnerOptions) {
    this.resume = new ResumePoint(options.sinceNano, options.deliveredNanos);
    this.hostTag = options.host === null ? null : Buffer.from(`,"host":${JSON.stringify(options.host)}`);
  }

  /** The first connect (before READY): any failure is final and rejects. */
  connect(signal: AbortSignal): Promise<Connection> {
    return this.options.transport.connect(this.connectRequest(signal));
  }

  /** The stream went live at `nowNano` (see ResumePoint.markLive). */
  markLive(nowNano: bigint): void {
    this.resume.markLive(nowNano);
  }

  /** How far a finite source got (its latest connection's count), null for a live one. */
  progress(): Progress | null {
    return this.progressOf?.() ?? null;
  }

  /** Runs `connection`, then its successors, until `signal` aborts or the source finishes. */
  async run(connection: Connection, signal: AbortSignal): Promise<RunnerOutcome> {
    const { transport, stats, log } = this.options;
    this.contexts = this.containerContexts(signal);
    const backoff = new Backoff(this.options.backoff?.initialMs, this.options.backoff?.maxMs);
    let replayUntilNano: bigint | null = null;
    for (;;) {
      const result = await this.pump(connection, signal, replayUntilNano);
      connection.close();
      this.options.flows.remove(connection);
      if (signal.aborted) return 'stopped';
      if (result.ended && connection.finite) {
        log.info('-', `${connection.info.transport} has no more events`);
        return 'finished';
      }
      const why = result.error !== undefined ? result.error.message : `the event stream from ${connection.info.transport} ended`;
      log.warning(result.error?.code ?? '-', `${why}; reconnecting`);
      if (result.delivered > 0) backoff.reset();
      const next = await this.reconnect(transport, backoff, signal);
      if (next === null) return 'stopped';
      connection = next;
      replayUntilNano = BigInt(Date.now()) * 1_000_000n;
      stats.add('reconnects');
      const since = this.resume.sinceNano();
      log.info('-', `reconnected to ${connection.info.transport}` + (since !== null ? `, replaying from timeNano ${since}` : ''));
    }
  }

  private containerContexts(signal: AbortSignal): ContainerContexts | null {
    const { transport, config, stats } = this.options;
    const settings = config.enrichment;
    if (!settings.enabled || transport.inspect === undefined) return null;
    const inspect = transport.inspect.bind(transport);
    return new ContainerContexts({
      inspect,
      maxContainers: settings.maxContainers,
      keepAfterDestroyMs: settings.keepAfterDestroyMs,
      timeoutMs: this.options.connectTimeoutMs,
      signal,
      onRequest: () => stats.add('inspectRequests'),
      onFailure: (error) => this.options.inspectFailures.report(`${error.message}; the event goes on without its container context`),
    });
  }

  /** Adds the container context, in order, when enrichment is on. */
  private enriched(events: Observable<DockerEvent>): Observable<EnrichedEvent> {
    const contexts = this.contexts;
    if (contexts === null) return events.pipe(map((event) => ({ event, context: null })));
    const { config, stats } = this.options;
    const room = config.maxEventBytes - (this.hostTag?.length ?? 0);
    const fits = (event: DockerEvent, found: Enrichment): Enrichment => {
      if (found.context === null || event.payload.length + found.context.length <= room) return found;
      this.options.inspectFailures.report(
        `the ${event.action} event of container ${event.actorId} with its container context would be ` +
          `${event.payload.length + found.context.length} bytes, more than init_config.maxEventBytes (${config.maxEventBytes}): it goes on without the context`,
      );
      return { context: null, outcome: 'failed' };
    };
    return events.pipe(
      enrichInOrder({
        lookup: (event) => {
          const found = contexts.lookup(event);
          return found instanceof Promise ? found.then((f) => fits(event, f)) : fits(event, found);
        },
        waitMs: config.enrichment.waitMs,
        maxWaitingBytes: Math.floor(config.bufferBytes / MAX_WAITING_SHARE),
        onOutcome: (outcome) => {
          if (outcome !== 'none') stats.add(OUTCOME_COUNTERS[outcome]);
        },
      }),
    );
  }

  private connectRequest(signal: AbortSignal) {
    return { sinceNano: this.resume.sinceNano(), timeoutMs: this.options.connectTimeoutMs, signal };
  }

  /** Connects again until it works (null when stopped). Errors other than ERR_INTERNAL are retried. */
  private async reconnect(transport: Transport, backoff: Backoff, signal: AbortSignal): Promise<Connection | null> {
    const { log } = this.options;
    let lastCode = '';
    let lastWarningAt = -Infinity;
    for (let attempt = 1; ; attempt++) {
      try {
        await sleep(backoff.next(), undefined, { signal });
      } catch {
        return null;
      }
      try {
        return await transport.connect(this.connectRequest(signal));
      } catch (err) {
        if (signal.aborted) return null;
        const error = asEngineError(err);
        if (error.code === 'ERR_INTERNAL') throw error;
        const now = performance.now();
        const message = `reconnect attempt ${attempt} failed: ${error.message}`;
        if (error.code !== lastCode || now - lastWarningAt >= RECONNECT_WARNING_INTERVAL_MS) {
          log.warning(error.code, message);
          lastCode = error.code;
          lastWarningAt = now;
        } else {
          log.debug(error.code, message);
        }
      }
    }
  }

  /** Runs one connection through the pipeline into the sink until it ends, breaks or the engine stops. */
  private pump(connection: Connection, signal: AbortSignal, replayUntilNano: bigint | null): Promise<PumpResult> {
    const { config, stats, log, flows } = this.options;
    return new Promise<PumpResult>((resolve) => {
      let repeats = 0;
      let delivered = 0;
      let replayed = 0;
      let oldestReplayedNano: bigint | null = null;
      let settled = false;
      let subscription: Subscription | undefined;
      let watch: LivenessWatch | null = null;
      const finish = (result: Omit<PumpResult, 'delivered'>): void => {
        if (settled) return;
        settled = true;
        watch?.close();
        signal.removeEventListener('abort', onAbort);
        subscription?.unsubscribe();
        if (repeats > 0) log.debug('-', `dropped ${repeats} replayed events delivered before the reconnect`);
        resolve({ ...result, delivered });
      };
      const deliver = (enriched: EnrichedEvent): void => {
        const { event } = enriched;
        watch?.event(event.timeNano);
        delivered++;
        if (replayUntilNano !== null && event.timeNano !== null && event.timeNano <= replayUntilNano) {
          replayed++;
          oldestReplayedNano ??= event.timeNano;
          if (replayed === DAEMON_REPLAY_CAPACITY) {
            stats.add('replayGaps');
            log.warning(
              'ERR_EVENTS_LOST',
              `${connection.info.transport} replayed ${DAEMON_REPLAY_CAPACITY} events after the reconnect, as many as ` +
                `a Docker daemon keeps: events before timeNano ${oldestReplayedNano} may have been evicted before ` +
                `the engine got back and cannot be recovered`,
            );
          }
        }
        this.deliver(enriched);
      };
      const onAbort = (): void => finish({ ended: false });
      signal.addEventListener('abort', onAbort, { once: true });

      flows.add(connection);
      let chunks = connection.chunks;
      const check = this.options.transport.check?.bind(this.options.transport);
      if (check !== undefined && config.livenessIntervalMs > 0 && !connection.finite) {
        watch = new LivenessWatch({
          transport: { target: connection.info.transport, check },
          intervalMs: config.livenessIntervalMs,
          timeoutMs: this.options.connectTimeoutMs,
          onDead: (error) => {
            if (error.code === 'ERR_STREAM_STALLED') stats.add('stalledStreams');
            finish({ ended: false, error });
          },
        });
        const seen = watch;
        chunks = chunks.pipe(tap(() => seen.activity()));
      }
      if (connection.progress !== undefined) {
        this.progressOf = connection.progress;
        // Progress moves with every chunk, even one holding no event: let STATS look again.
        chunks = chunks.pipe(tap(() => stats.changed()));
      }
      const events = chunks.pipe(
        dockerEvents({
          // Room for the fan-in's host key: the payload Falco gets must fit maxEventBytes too.
          maxEventBytes: config.maxEventBytes - (this.hostTag?.length ?? 0),
          boundary: this.resume.boundary(),
          onOversized: (bytes) => {
            stats.add('oversizedEvents');
            this.options.oversized.report(
              `dropped an event of ${bytes} bytes: longer than init_config.maxEventBytes (${config.maxEventBytes})`,
            );
          },
          onMalformed: (line, reason) => {
            stats.add('malformedEvents');
            const text = line.toString('utf8');
            const shown = text.length > MAX_LOGGED_LINE_CHARS ? `${text.slice(0, MAX_LOGGED_LINE_CHARS)}… (${line.length} bytes)` : text;
            this.options.malformed.report(`dropped a line that is not a Docker event (${reason}): ${shown}`);
          },
          onRepeat: (event) => {
            watch?.event(event.timeNano);
            repeats++;
          },
        }),
      );
      subscription = this.enriched(events).subscribe({
        next: deliver,
        error: (err: unknown) => finish({ ended: false, error: asEngineError(err) }),
        complete: () => finish({ ended: true }),
      });
      if (settled) subscription.unsubscribe();
      if (signal.aborted) onAbort();
    });
  }
}

const OUTCOME_COUNTERS = {
  enriched: 'enrichedEvents',
  late: 'enrichLateEvents',
  gone: 'enrichGoneEvents',
  failed: 'enrichFailedEvents',
} as const;

/**
 * The event JSON with `members` (each `,"key":…`: the container context, the fan-in's host) inserted before
 * its final `}`. The payload is a JSON object with at least Type and Action (parse-event.ts), so the last
 * `}` closes it and a comma is always right.
 */
function withInserted(payload: Buffer, members: readonly Buffer[]): Buffer {
  const end = payload.lastIndexOf(CLOSING_BRACE);
  const length = members.reduce((sum, m) => sum + m.length, payload.length);
  return Buffer.concat([payload.subarray(0, end), ...members, payload.subarray(end)], length);
}
