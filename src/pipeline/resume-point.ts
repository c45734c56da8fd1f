// Where a source resumes after a (re)connect with `since=`, and what the replay repeats.
//
// A Docker daemon stamps an event before it publishes it, so two events published by different goroutines
// can reach a subscriber out of timeNano order (seen here: a volume event between container events, a few
// microseconds "late"). And the daemon replays `since=T` by walking its buffer back from the newest event
// to the first one older than T. Resuming right after the newest delivered event would therefore lose an
// out-of-order event that arrived after it, and resuming after the last one would repeat a newer event
// delivered before it. So the resume point remembers the last DELIVERED_MEMORY events delivered (their
// timeNano, and their bytes when the engine has them), asks the daemon to replay from REPLAY_MARGIN_NANO
// before the newest of them, and at each connect hands out a boundary that ./dedupe-after-resume.ts applies.

import type { DockerEvent } from './parse-event';

/** How far before the newest delivered event a replay starts: far wider than the daemon's disorder. */
export const REPLAY_MARGIN_NANO = 1_000_000_000n;
/** Delivered events remembered: twice the daemon's replay buffer (256). */
export const DELIVERED_MEMORY = 512;

export interface ResumeBoundary {
  /** Drop events before this time (null: drop nothing, and nothing is remembered). */
  readonly fromNano: bigint | null;
  /** Delivered events at or after fromNano, by time: their payloads, null when only the time is known. */
  readonly delivered: ReadonlyMap<bigint, readonly (Buffer | null)[]>;
}

interface Delivered {
  readonly timeNano: bigint;
  readonly payload: Buffer | null;
}

export class ResumePoint {
  /** The last DELIVERED_MEMORY delivered events, oldest first (a ring once full). */
  private readonly ring: Delivered[] = [];
  private next = 0;
  private newestNano: bigint | null = null;
  private liveSince: bigint | null = null;

  /**
   * From the start request: `sinceNano` (0n = live) is the newest event the plugin delivered,
   * `deliveredNanos` the times of the last ones it delivered (when absent: sinceNano alone).
   */
  constructor(sinceNano: bigint, deliveredNanos?: readonly bigint[]) {
    if (sinceNano <= 0n) return;
    const times = deliveredNanos ?? [];
    for (const t of times) this.remember({ timeNano: t, payload: null });
    if (!times.includes(sinceNano)) this.remember({ timeNano: sinceNano, payload: null });
  }

  /** An event was delivered. */
  record(event: DockerEvent): void {
    if (event.timeNano !== null) this.remember({ timeNano: event.timeNano, payload: event.payload });
  }

  /**
   * The stream went live at `nowNano` (local clock) before anything was delivered: a reconnect before the
   * first event replays from there, so the events of the gap are not lost. Nothing was delivered, so the
   * replay holds no repeats and the boundary stays empty (a skewed clock cannot drop events).
   */
  markLive(nowNano: bigint): void {
    if (this.liveSince === null) this.liveSince = nowNano;
  }

  /** The time to ask the daemon to replay from, or null for "live only". */
  sinceNano(): bigint | null {
    return this.replayFrom() ?? this.liveSince;
  }

  boundary(): ResumeBoundary {
    const fromNano = this.replayFrom();
    const delivered = new Map<bigint, (Buffer | null)[]>();
    if (fromNano !== null) {
      for (const d of this.ring) {
        if (d.timeNano < fromNano) continue;
        const same = delivered.get(d.timeNano);
        if (same === undefined) delivered.set(d.timeNano, [d.payload]);
        else same.push(d.payload);
      }
    }
    return { fromNano, delivered };
  }

  /**
   * REPLAY_MARGIN_NANO before the newest delivered event, but never before the oldest one remembered
   * (older ones could not be told from new events).
   */
  private replayFrom(): bigint | null {
    if (this.newestNano === null) return null;
    let from = this.newestNano - REPLAY_MARGIN_NANO;
    if (this.ring.length === DELIVERED_MEMORY) {
      const oldest = this.ring.reduce((min, d) => (d.timeNano < min ? d.timeNano : min), this.newestNano);
      if (oldest > from) from = oldest;
    }
    return from < 0n ? 0n : from;
  }

  private remember(d: Delivered): void {
    if (this.ring.length < DELIVERED_MEMORY) this.ring.push(d);
    else this.ring[this.next] = d;
    this.next = (this.next + 1) % DELIVERED_MEMORY;
    if (this.newestNano === null || d.timeNano > this.newestNano) this.newestNano = d.timeNano;
  }
}
