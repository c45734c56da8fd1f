// The engine's lifecycle: connect, READY, run the pipeline into the sink, reconnect after a break.
//
// Before READY every failure is final (the caller sends ERROR and exits), so `open` fails fast with the
// transport's message. After READY a stream that ends or breaks (a daemon restart) is re-established with
// exponential backoff (100 ms doubling to 5 s), resuming with since= the last delivered timeNano; the
// repeats the daemon replays are dropped (pipeline/dedupe-after-resume.ts).

import { setTimeout as sleep } from 'node:timers/promises';
import type { Subscription } from 'rxjs';
import type { Transport, Connection } from '../transports/transport';
import { Backoff } from './backoff';
import type { EngineConfig } from './config/config';
import { asEngineError, type EngineError } from './errors';
import type { FrameSink } from './frame-sink';
import { createRateLimitedReporter, type Logger, type RateLimitedReporter } from './log';
import { ResumePoint } from './pipeline/dedupe-after-resume';
import { dockerEvents } from './pipeline/docker-events';
import type { DockerEvent } from './pipeline/parse-event';
import type { Stats } from './stats';

export interface EngineOptions {
  readonly transport: Transport;
  readonly config: EngineConfig;
  /** resume.sinceNano of the start request (0n = live). */
  readonly sinceNano: bigint;
  readonly sink: FrameSink;
  readonly stats: Stats;
  readonly log: Logger;
  /** Reconnect delays (defaults 100 ms → 5 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** How run() ended: stopped on request, or the source finished for good (END was sent). */
export type EngineOutcome = 'stopped' | 'finished';

interface PumpResult {
  readonly ended: boolean;
  readonly error?: EngineError;
}

const MAX_LOGGED_LINE_CHARS = 2048;
/** A failing reconnect is logged as a warning once, then at debug, and again at warning this often. */
const RECONNECT_WARNING_INTERVAL_MS = 60_000;

export class Engine {
  private readonly resume: ResumePoint;
  private readonly malformed: RateLimitedReporter;
  private readonly oversized: RateLimitedReporter;
  private readonly connectTimeoutMs: number;
  private readonly deliver = (event: DockerEvent): void => {
    this.options.sink.event(event);
    this.resume.record(event);
    this.options.stats.add('deliveredEvents');
  };

  constructor(private readonly options: EngineOptions) {
    const { config, log } = options;
    this.resume = new ResumePoint(options.sinceNano);
    this.malformed = createRateLimitedReporter(log, 'warning', 'ERR_EVENT_MALFORMED', 'lines that are not Docker events dropped');
    this.oversized = createRateLimitedReporter(log, 'warning', 'ERR_EVENT_OVERSIZED', 'oversized events dropped');
    // Fail a little before the plugin's own open timeout, so open reports the engine's precise message.
    this.connectTimeoutMs = Math.max(50, config.openTimeoutMs - Math.min(1000, Math.floor(config.openTimeoutMs / 5)));
  }

  /** Runs until `signal` aborts or a finite source ends; rejects with an EngineError before READY. */
  async run(signal: AbortSignal): Promise<EngineOutcome> {
    const { transport, sink, stats, log } = this.options;
    let connection: Connection;
    try {
      connection = await transport.connect(this.connectRequest(signal));
    } catch (err) {
      if (signal.aborted) return 'stopped';
      throw asEngineError(err);
    }
    sink.ready(connection.info);
    stats.start();
    this.resume.markLive(BigInt(Date.now()) * 1_000_000n);
    const { version, apiVersion } = connection.info.daemon;
    log.info('-', `connected to ${connection.info.transport} (Docker ${version}, API ${apiVersion})` +
      (this.options.sinceNano > 0n ? `, replaying events after timeNano ${this.options.sinceNano}` : ''));

    const backoff = new Backoff(this.options.backoff?.initialMs, this.options.backoff?.maxMs);
    const healthyMs = this.options.backoff?.maxMs ?? 5000;
    try {
      for (;;) {
        const startedAt = performance.now();
        const result = await this.pump(connection, signal);
        connection.close();
        sink.setFlow(null);
        if (signal.aborted) return 'stopped';
        if (result.ended && connection.finite) {
          log.info('-', `${connection.info.transport} has no more events`);
          sink.end();
          return 'finished';
        }
        const why = result.error !== undefined ? result.error.message : `the event stream from ${connection.info.transport} ended`;
        log.warning(result.error?.code ?? '-', `${why}; reconnecting`);
        if (performance.now() - startedAt >= healthyMs) backoff.reset();
        const next = await this.reconnect(backoff, signal);
        if (next === null) return 'stopped';
        connection = next;
        stats.add('reconnects');
        const since = this.resume.sinceNano();
        log.info('-', `reconnected to ${connection.info.transport}` + (since !== null ? `, resuming after timeNano ${since}` : ''));
      }
    } finally {
      this.malformed.flush();
      this.oversized.flush();
    }
  }

  private connectRequest(signal: AbortSignal) {
    return { sinceNano: this.resume.sinceNano(), timeoutMs: this.connectTimeoutMs, signal };
  }

  /** Connects again until it works (null when stopped). Errors other than ERR_INTERNAL are retried. */
  private async reconnect(backoff: Backoff, signal: AbortSignal): Promise<Connection | null> {
    const { transport, log } = this.options;
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
  private pump(connection: Connection, signal: AbortSignal): Promise<PumpResult> {
    const { config, sink, stats, log } = this.options;
    return new Promise<PumpResult>((resolve) => {
      let repeats = 0;
      let settled = false;
      let subscription: Subscription | undefined;
      const finish = (result: PumpResult): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        subscription?.unsubscribe();
        if (repeats > 0) log.debug('-', `dropped ${repeats} replayed events delivered before the reconnect`);
        resolve(result);
      };
      const onAbort = (): void => finish({ ended: false });
      signal.addEventListener('abort', onAbort, { once: true });

      sink.setFlow(connection);
      const events = connection.chunks.pipe(
        dockerEvents({
          maxEventBytes: config.maxEventBytes,
          boundary: this.resume.boundary(),
          onOversized: (bytes) => {
            stats.add('oversizedEvents');
            this.oversized.report(
              `dropped an event of ${bytes} bytes: longer than init_config.maxEventBytes (${config.maxEventBytes})`,
            );
          },
          onMalformed: (line, reason) => {
            stats.add('malformedEvents');
            const text = line.toString('utf8');
            const shown = text.length > MAX_LOGGED_LINE_CHARS ? `${text.slice(0, MAX_LOGGED_LINE_CHARS)}… (${line.length} bytes)` : text;
            this.malformed.report(`dropped a line that is not a Docker event (${reason}): ${shown}`);
          },
          onRepeat: () => {
            repeats++;
          },
        }),
      );
      subscription = events.subscribe({
        next: this.deliver,
        error: (err: unknown) => finish({ ended: false, error: asEngineError(err) }),
        complete: () => finish({ ended: true }),
      });
      if (settled) subscription.unsubscribe();
      if (signal.aborted) onAbort();
    });
  }
}
