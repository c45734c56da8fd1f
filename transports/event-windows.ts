// A daemon's events as contiguous windows for polling: GET /events?since=…&until=…, with no gap and no
// overlap. Docker's since and until are both inclusive at nanosecond precision (checked against Docker
// 20.10: since=until=T returns the event at T, since=until=T±1 does not), so each window is
// [previous until + 1 ns, daemon now − SAFETY_MARGIN_NANO]. The margin covers an event stamped just before
// `until` but not yet in the daemon's buffer when the window is read. `until` is set from the daemon's
// clock, never the local one (./daemon-clock.ts): /info SystemTime at connect (else the Date header, which
// is behind by less than a second, only adding latency), checked against each answer's Date header; a jump
// of the daemon's clock re-reads it.

import { DaemonHttpError, DaemonUnreachableError } from '../src/errors';
import type { Logger } from '../src/log';
import type { IncomingMessage } from 'node:http';
import type { DaemonClient } from './daemon-client';
import { DaemonClock } from './daemon-clock';
import { dateHeaderMs, formatSince, NANOS_PER_MS, parseSystemTime } from './docker-time';

/** How far behind the daemon's now a window ends. */
const SAFETY_MARGIN_NANO = 250_000_000n;
/** Docker keeps this many past events; a window holding as many may have lost older ones. */
const DAEMON_EVENT_BUFFER = 256;

export interface EventWindowsOptions {
  readonly client: DaemonClient;
  /** The daemon as messages name it (the poll+ address). */
  readonly target: string;
  /** How open_params named it, for messages. */
  readonly origin: string;
  readonly timeoutMs: number;
  readonly log: Logger;
}

export class EventWindows {
  private readonly clock = new DaemonClock();
  /** The start of the next window; set by start(). */
  private since = 0n;
  private warnedFullWindow = false;

  constructor(private readonly options: EventWindowsOptions) {}

  /**
   * Reads the daemon's clock (`dateMs`: the Date header of an earlier answer, the fallback) and starts at
   * `sinceNano`, or, live, at the margin before the daemon's now (so that no window ever ends closer to
   * the daemon's now than that; an event stamped in the last quarter second before open may be delivered).
   */
  async start(sinceNano: bigint | null, dateMs: number | null, signal: AbortSignal): Promise<void> {
    await this.syncClock(signal, dateMs);
    this.since = sinceNano ?? this.clock.now() - SAFETY_MARGIN_NANO;
  }

  /** The next window [since, daemon now − margin] (at least one nanosecond): its body. */
  async next(signal: AbortSignal): Promise<IncomingMessage> {
    const latest = this.clock.now() - SAFETY_MARGIN_NANO;
    const until = latest > this.since ? latest : this.since;
    const { client, timeoutMs, target, log } = this.options;
    const answer = await client.get(`/events?since=${formatSince(this.since)}&until=${formatSince(until)}`, { signal, timeoutMs });
    this.since = until + 1n;
    const date = dateHeaderMs(answer.headers);
    if (date !== null && this.clock.disagrees(date)) {
      const before = this.clock.now();
      try {
        await this.syncClock(signal, date);
      } catch (err) {
        answer.body.destroy();
        throw err;
      }
      const jumpMs = Number((this.clock.now() - before) / NANOS_PER_MS);
      log.warning(
        '-',
        `the clock of the Docker daemon at ${target} jumped by ${jumpMs} ms; polling follows it` +
          (jumpMs < 0 ? ' (events it stamps before the last window are not polled again)' : ''),
      );
    }
    return answer.body;
  }

  /** A window held `events` events: as many as the daemon keeps means some may be gone. */
  counted(events: number): void {
    if (events < DAEMON_EVENT_BUFFER || this.warnedFullWindow) return;
    this.warnedFullWindow = true;
    this.options.log.warning(
      '-',
      `a polled window from ${this.options.target} held ${events} events, as many as the daemon keeps: older ones may have been ` +
        'lost; lower init_config.pollIntervalMs, or stream instead of polling',
    );
  }

  /** The daemon's time: /info SystemTime (ns precision), else the Date header (`fallbackMs`). */
  private async syncClock(signal: AbortSignal, fallbackMs: number | null): Promise<void> {
    const { client, timeoutMs, target, origin } = this.options;
    const sentAt = performance.now();
    let systemTime: bigint | null = null;
    try {
      systemTime = parseSystemTime((await client.getText('/info', { signal, timeoutMs })).text);
    } catch (err) {
      // An /info the daemon refuses leaves the Date header; anything else fails the window.
      if (!(err instanceof DaemonHttpError)) throw err;
    }
    const receivedAt = performance.now();
    if (systemTime !== null) {
      this.clock.set(systemTime, (sentAt + receivedAt) / 2);
    } else if (fallbackMs !== null) {
      // Truncated to the second: the daemon is at least this far; being behind only adds latency.
      this.clock.set(BigInt(fallbackMs) * NANOS_PER_MS, receivedAt);
    } else {
      throw new DaemonUnreachableError(
        `the Docker daemon at ${target} tells neither its time (GET /info SystemTime) nor a Date header; ` +
          `polling needs the daemon's clock (${origin})`,
      );
    }
  }
}
