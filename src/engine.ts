// The engine's lifecycle: connect, READY, run each source into the sink, END when they are all finished.
//
// Before READY every failure is final (the caller sends ERROR and exits), so `open` fails fast with the
// transport's message; a fan-in is READY once every endpoint answered. After READY each source (the one
// transport, or each endpoint of a fan-in) runs in its own EndpointRunner: its own reconnect loop with
// backoff, resume point and dedupe (./endpoint-runner.ts). A restart of the engine by the plugin brings
// resume.sinceNano, the newest event Falco received from any endpoint, and resume.deliveredNano, the times
// of the last ones: every endpoint replays from shortly before it and its dedupe drops what Falco has.

import { defaultMaxListeners, setMaxListeners } from 'node:events';
import type { Connection, Progress, Sources } from '../transports/transport';
import type { EngineConfig } from './config/config';
import { EndpointRunner, type RunContext } from './endpoint-runner';
import { asEngineError } from './errors';
import { FlowGroup } from './flow-group';
import type { ReadyInfo } from './frame';
import { createRateLimitedReporter, type RateLimitedReporter } from './log';

export interface EngineOptions extends RunContext {
  /** What open_params selected (transports/index.ts). */
  readonly sources: Sources;
  readonly config: EngineConfig;
}

/** How run() ended: stopped on request, or the source finished for good (END was sent). */
export type EngineOutcome = 'stopped' | 'finished';

/** Listeners each endpoint keeps on a signal the engine shares among endpoints (container contexts add theirs). */
const LISTENERS_PER_ENDPOINT = 2;

/** READY stays far below the smallest frame the plugin accepts (38 + 1024 bytes). */
const MAX_READY_TEXT_CHARS = 300;

export class Engine {
  private readonly malformed: RateLimitedReporter;
  private readonly oversized: RateLimitedReporter;
  private readonly inspectFailures: RateLimitedReporter;
  private readonly runners: readonly EndpointRunner[];

  constructor(private readonly options: EngineOptions) {
    const { config, log, sources } = options;
    this.malformed = createRateLimitedReporter(log, 'warning', 'ERR_EVENT_MALFORMED', 'lines that are not Docker events dropped');
    this.oversized = createRateLimitedReporter(log, 'warning', 'ERR_EVENT_OVERSIZED', 'oversized events dropped');
    this.inspectFailures = createRateLimitedReporter(log, 'warning', 'ERR_INSPECT', 'events without their container context');
    // Fail a little before the plugin's own open timeout, so open reports the engine's precise message.
    const connectTimeoutMs = Math.max(50, config.openTimeoutMs - Math.min(1000, Math.floor(config.openTimeoutMs / 5)));
    const flows = new FlowGroup();
    this.runners = sources.endpoints.map(
      (endpoint) =>
        new EndpointRunner({
          ...options,
          transport: endpoint.transport,
          flows,
          connectTimeoutMs,
          malformed: this.malformed,
          oversized: this.oversized,
          inspectFailures: this.inspectFailures,
          host: sources.fanIn ? endpoint.given : null,
        }),
    );
    options.sink.setFlow(flows);
  }

  /** Runs until `signal` aborts or every source is finished; rejects with an EngineError before READY. */
  async run(signal: AbortSignal): Promise<EngineOutcome> {
    const { sink, stats, log } = this.options;
    const connections = await this.connectAll(signal);
    if (connections === null) return 'stopped';
    // Logged first: the plugin has the line by the time open() returns on READY.
    log.info('-', `connected to ${connections.map((c) => describeConnection(c.info)).join(', ')}` +
      (this.options.sinceNano > 0n ? `, resuming after timeNano ${this.options.sinceNano}, the newest event Falco has` : ''));
    sink.ready(this.readyInfo(connections));
    stats.setProgress(() => this.progress());
    stats.start();
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const runner of this.runners) runner.markLive(now);

    // Stops every runner when one fails (a bug: ERR_INTERNAL), not only on the caller's signal.
    const halt = this.sharedController();
    const onStop = (): void => halt.abort();
    signal.addEventListener('abort', onStop, { once: true });
    try {
      const outcomes = await Promise.all(this.runners.map((runner, i) => runner.run(connections[i], halt.signal)));
      if (signal.aborted || outcomes.includes('stopped')) return 'stopped';
      // The last counters and the final progress reach the plugin before END.
      await stats.flush(signal);
      if (signal.aborted) return 'stopped';
      // Nothing after END: a change noticed meanwhile (the sink's queue draining) must not send STATS.
      stats.stop();
      sink.end();
      return 'finished';
    } finally {
      signal.removeEventListener('abort', onStop);
      halt.abort();
      this.malformed.flush();
      this.oversized.flush();
      this.inspectFailures.flush();
    }
  }

  /** Connects every source at once; null when stopped. One failure fails all (and closes the others). */
  private async connectAll(signal: AbortSignal): Promise<Connection[] | null> {
    const attempt = this.sharedController();
    const onStop = (): void => attempt.abort(signal.reason);
    signal.addEventListener('abort', onStop, { once: true });
    if (signal.aborted) onStop();
    let failure: { error: unknown } | null = null;
    const results = await Promise.allSettled(
      this.runners.map((runner) =>
        runner.connect(attempt.signal).catch((err: unknown) => {
          if (failure === null) {
            failure = { error: err };
            attempt.abort(err);
          }
          throw err;
        }),
      ),
    );
    signal.removeEventListener('abort', onStop);
    const connections = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (connections.length === results.length && !signal.aborted) return connections;
    for (const connection of connections) connection.close();
    if (signal.aborted || failure === null) return null;
    throw asEngineError((failure as { error: unknown }).error);
  }

  /**
   * A controller whose signal every endpoint listens to (its runner, its connect); Node warns of a leak
   * past 10 listeners, which a fan-in of more endpoints reaches by design.
   */
  private sharedController(): AbortController {
    const controller = new AbortController();
    setMaxListeners(defaultMaxListeners + this.runners.length * LISTENERS_PER_ENDPOINT, controller.signal);
    return controller;
  }

  private readyInfo(connections: readonly Connection[]): ReadyInfo {
    if (!this.options.sources.fanIn) return connections[0].info;
    const distinct = (values: string[]): string => bounded([...new Set(values.filter((v) => v !== ''))].join(','));
    return {
      transport: bounded(this.options.sources.target),
      daemon: {
        version: distinct(connections.map((c) => c.info.daemon.version)),
        apiVersion: distinct(connections.map((c) => c.info.daemon.apiVersion)),
      },
    };
  }

  /** Progress of the finite sources together (null when every source is live). */
  private progress(): Progress | null {
    let doneBytes = 0;
    let totalBytes = 0;
    let any = false;
    for (const runner of this.runners) {
      const p = runner.progress();
      if (p === null) continue;
      any = true;
      doneBytes += p.doneBytes;
      totalBytes += p.totalBytes;
    }
    return any ? { doneBytes, totalBytes } : null;
  }
}

/** `unix:///var/run/docker.sock (Docker 29.0.1, API 1.52)`; a file has no daemon to name. */
export function describeConnection(info: ReadyInfo): string {
  const { version, apiVersion } = info.daemon;
  return version === '' ? info.transport : `${info.transport} (Docker ${version}, API ${apiVersion})`;
}

function bounded(text: string): string {
  return text.length > MAX_READY_TEXT_CHARS ? `${text.slice(0, MAX_READY_TEXT_CHARS - 1)}…` : text;
}
