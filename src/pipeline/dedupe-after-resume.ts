// Stage 3: after a (re)connect with `since=`, drop the events the plugin already has.
//
// The daemon replays from `since` inclusive, so the first events of a resumed stream repeat what was
// delivered before the break. ResumePoint remembers the latest delivered timeNano and the payloads delivered
// at exactly that time; at each connect it hands out a boundary, and the stage drops, on that connection:
//   - events before the boundary's time;
//   - events at exactly that time that are byte-identical to one delivered at that time (two different
//     events may share a timeNano; only true repeats are dropped);
//   - at the engine's start with resume.sinceNano, every event at or before it (the plugin has them and
//     the engine does not know their bytes).
// Events without a time always pass. The boundary is fixed per connection, so events that arrive slightly
// out of order in the live stream after the replay are never mistaken for repeats of each other.

import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { DockerEvent } from './parse-event';

export interface ResumeBoundary {
  /** Drop events before this time (null: drop nothing). */
  readonly timeNano: bigint | null;
  /** Drop events at exactly timeNano too (resume from the plugin, whose payloads are unknown). */
  readonly dropEqual: boolean;
  /** Payloads delivered at exactly timeNano: a byte-identical event at that time is a repeat. */
  readonly payloadsAtTime: readonly Buffer[];
}

/** Remembering more identical-time payloads than this is pointless: Docker never emits that many at once. */
const MAX_PAYLOADS_AT_TIME = 256;

export class ResumePoint {
  private lastNano: bigint | null;
  private dropEqual: boolean;
  private payloadsAtLast: Buffer[] = [];
  private liveSince: bigint | null = null;

  /** `sinceNano` from the start request: 0n = live (nothing to skip). */
  constructor(sinceNano: bigint) {
    this.lastNano = sinceNano > 0n ? sinceNano : null;
    this.dropEqual = sinceNano > 0n;
  }

  /** An event was delivered. */
  record(event: DockerEvent): void {
    const t = event.timeNano;
    if (t === null) return;
    if (this.lastNano === null || t > this.lastNano) {
      this.lastNano = t;
      this.dropEqual = false;
      this.payloadsAtLast = [event.payload];
    } else if (t === this.lastNano && this.payloadsAtLast.length < MAX_PAYLOADS_AT_TIME) {
      this.payloadsAtLast.push(event.payload);
    }
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
    return this.lastNano ?? this.liveSince;
  }

  boundary(): ResumeBoundary {
    return { timeNano: this.lastNano, dropEqual: this.dropEqual, payloadsAtTime: this.payloadsAtLast.slice() };
  }
}

/** Drops repeats on one connection; `onRepeat` counts/logs each dropped event. */
export function dedupeAfterResume(
  boundary: ResumeBoundary,
  onRepeat: (event: DockerEvent) => void = () => undefined,
): MonoTypeOperatorFunction<DockerEvent> {
  const { timeNano: limit, dropEqual, payloadsAtTime } = boundary;
  if (limit === null) return (source) => source;
  return (source) =>
    new Observable<DockerEvent>((subscriber) =>
      source.subscribe({
        next: (event) => {
          const t = event.timeNano;
          const repeat =
            t !== null &&
            (t < limit || (t === limit && (dropEqual || payloadsAtTime.some((p) => p.equals(event.payload)))));
          if (repeat) onRepeat(event);
          else subscriber.next(event);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
