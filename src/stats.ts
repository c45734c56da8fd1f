// Engine counters, sent to the plugin as STATS frames when something changed, at most once a second.
// The timer is unref'd: statistics never keep the engine alive. A finite source (a replayed file) adds its
// progress; flush() sends the last change before END, still no sooner than a second after the previous frame.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../transports/transport';

export interface StatsSnapshot {
  /** Event frames written to fd 3 and not yet taken by the plugin. */
  queuedEvents: number;
  /** Bytes written to fd 3 and not yet taken by the plugin. */
  queuedBytes: number;
  /** Events the engine received and did not deliver (malformedEvents + oversizedEvents + overflowEvents). */
  droppedEvents: number;
  malformedEvents: number;
  oversizedEvents: number;
  /** Events dropped because the buffer (init_config.bufferBytes) was full: Falco fell too far behind. */
  overflowEvents: number;
  /** Times the event stream was re-established after READY. */
  reconnects: number;
  /**
   * Reconnects whose replay was as long as the daemon's replay buffer (256 events): older events may have
   * been evicted before the engine got back, a gap it cannot fill.
   */
  replayGaps: number;
  /** Streams found dead by the liveness check (ERR_STREAM_STALLED) and replaced. */
  stalledStreams: number;
  /** Event frames handed to fd 3. */
  deliveredEvents: number;
  /** Container events sent with their container context (docs/enrichment.md). */
  enrichedEvents: number;
  /** … sent without it because the inspect took longer than enrichment.waitMs. */
  enrichLateEvents: number;
  /** … without it because the container or exec was already removed (404). */
  enrichGoneEvents: number;
  /** … without it because the inspect failed otherwise (ERR_INSPECT). */
  enrichFailedEvents: number;
  /** Inspect requests sent to daemons. */
  inspectRequests: number;
  /** Finite sources only: bytes read / total bytes, in hundredths of a percent (0..10000). */
  progressPct?: number;
  /** Finite sources only: the same for people, e.g. `12.3 MB of 40.0 MB`. */
  progressText?: string;
}


export type Counter =
  | 'malformedEvents'
  | 'oversizedEvents'
  | 'overflowEvents'
  | 'reconnects'
  | 'replayGaps'
  | 'stalledStreams'
  | 'deliveredEvents'
  | 'enrichedEvents'
  | 'enrichLateEvents'
  | 'enrichGoneEvents'
  | 'enrichFailedEvents'
  | 'inspectRequests';

export interface QueueGauge {
  readonly queuedEvents: number;
  readonly queuedBytes: number;
}

export class Stats {
  private readonly counters: Record<Counter, number> = {
    malformedEvents: 0,
    oversizedEvents: 0,
    overflowEvents: 0,
    reconnects: 0,
    replayGaps: 0,
    stalledStreams: 0,
    deliveredEvents: 0,
    enrichedEvents: 0,
    enrichLateEvents: 0,
    enrichGoneEvents: 0,
    enrichFailedEvents: 0,
    inspectRequests: 0,
  };
  /** The last snapshot sent; starts as the all-zero one, so the first frame goes out on a first change. */
  private lastSent: string;
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private flushing = false;
  private progress: (() => Progress | null) | null = null;
  private readonly tick = (): void => {
    this.timer = null;
    this.send();
  };

  constructor(
    private readonly queue: QueueGauge,
    private readonly emit: (snapshot: StatsSnapshot) => void,
    private readonly minIntervalMs = 1000,
  ) {
    this.lastSent = JSON.stringify(this.snapshot());
  }

  add(counter: Counter, n = 1): void {
    this.counters[counter] += n;
    this.changed();
  }

  /** Where progressPct/progressText come from (null or a null answer: the keys are left out). */
  setProgress(progress: (() => Progress | null) | null): void {
    this.progress = progress;
  }

  snapshot(): StatsSnapshot {
    const c = this.counters;
    const snapshot: StatsSnapshot = {
      queuedEvents: this.queue.queuedEvents,
      queuedBytes: this.queue.queuedBytes,
      droppedEvents: c.malformedEvents + c.oversizedEvents + c.overflowEvents,
      malformedEvents: c.malformedEvents,
      oversizedEvents: c.oversizedEvents,
      overflowEvents: c.overflowEvents,
      reconnects: c.reconnects,
      replayGaps: c.replayGaps,
      stalledStreams: c.stalledStreams,
      deliveredEvents: c.deliveredEvents,
      enrichedEvents: c.enrichedEvents,
      enrichLateEvents: c.enrichLateEvents,
      enrichGoneEvents: c.enrichGoneEvents,
      enrichFailedEvents: c.enrichFailedEvents,
      inspectRequests: c.inspectRequests,
    };
    const progress = this.progress?.() ?? null;
    if (progress !== null) {
      snapshot.progressPct = progressPct(progress);
      snapshot.progressText = `${formatBytes(progress.doneBytes, progress.totalBytes)} of ${formatBytes(progress.totalBytes, progress.totalBytes)}`;
    }
    return snapshot;
  }

  /** Starts emitting (after READY); changes before it are included in the first frame. */
  start(): void {
    this.running = true;
    this.changed();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Sends what changed since the last frame, waiting out the interval if needed (before END, so the last
   * counters and the final 100% reach the plugin). Resolves at once when nothing changed or on `signal`.
   */
  async flush(signal?: AbortSignal): Promise<void> {
    if (!this.running || this.flushing) return;
    this.flushing = true;
    try {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      for (;;) {
        if (!this.running || JSON.stringify(this.snapshot()) === this.lastSent) return;
        const wait = this.lastSentAt + this.minIntervalMs - performance.now();
        if (wait <= 0) break;
        try {
          await sleep(wait, undefined, { signal });
        } catch {
          return;
        }
      }
      this.send(false);
    } finally {
      this.flushing = false;
    }
  }

  /** Something a snapshot reads (a counter or the queue) changed: schedule a frame, ≤ 1 per interval. */
  changed(): void {
    if (!this.running || this.timer !== null || this.flushing) return;
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - performance.now());
    this.timer = setTimeout(this.tick, wait);
    this.timer.unref();
  }

  private send(again = true): void {
    if (!this.running) return;
    const snapshot = this.snapshot();
    const key = JSON.stringify(snapshot);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.lastSentAt = performance.now();
    this.emit(snapshot);
    // The queue drains after the frame is written: look again later, so the final state is reported too.
    if (again && (snapshot.queuedEvents > 0 || snapshot.queuedBytes > 0)) this.changed();
  }
}

/** Hundredths of a percent, 0..10000; an empty source is complete. */
export function progressPct(progress: Progress): number {
  const { doneBytes, totalBytes } = progress;
  if (totalBytes <= 0 || doneBytes >= totalBytes) return 10000;
  return Math.max(0, Math.floor((doneBytes * 10000) / totalBytes));
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'kB'],
];

/** `bytes` in the unit that suits `scale` (the total), one decimal: `12.3 MB`; bytes below 1 kB. */
function formatBytes(bytes: number, scale: number): string {
  for (const [size, unit] of UNITS) {
    if (scale >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  }
  return `${bytes} B`;
}
