// Engine counters, sent to the plugin as STATS frames when something changed, at most once a second.
// The timer is unref'd: statistics never keep the engine alive.

export interface StatsSnapshot {
  /** Event frames written to fd 3 and not yet taken by the plugin. */
  queuedEvents: number;
  /** Bytes written to fd 3 and not yet taken by the plugin. */
  queuedBytes: number;
  /** Events the engine received and did not deliver (malformedEvents + oversizedEvents). */
  droppedEvents: number;
  malformedEvents: number;
  oversizedEvents: number;
  /** Times the event stream was re-established after READY. */
  reconnects: number;
  /** Event frames handed to fd 3. */
  deliveredEvents: number;
}

export type Counter = 'malformedEvents' | 'oversizedEvents' | 'reconnects' | 'deliveredEvents';

export interface QueueGauge {
  readonly queuedEvents: number;
  readonly queuedBytes: number;
}

export class Stats {
  private readonly counters: Record<Counter, number> = {
    malformedEvents: 0,
    oversizedEvents: 0,
    reconnects: 0,
    deliveredEvents: 0,
  };
  /** The last snapshot sent; starts as the all-zero one, so the first frame goes out on a first change. */
  private lastSent: string;
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
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

  snapshot(): StatsSnapshot {
    const c = this.counters;
    return {
      queuedEvents: this.queue.queuedEvents,
      queuedBytes: this.queue.queuedBytes,
      droppedEvents: c.malformedEvents + c.oversizedEvents,
      malformedEvents: c.malformedEvents,
      oversizedEvents: c.oversizedEvents,
      reconnects: c.reconnects,
      deliveredEvents: c.deliveredEvents,
    };
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

  /** Something a snapshot reads (a counter or the queue) changed: schedule a frame, ≤ 1 per interval. */
  changed(): void {
    if (!this.running || this.timer !== null) return;
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - performance.now());
    this.timer = setTimeout(this.tick, wait);
    this.timer.unref();
  }

  private send(): void {
    if (!this.running) return;
    const snapshot = this.snapshot();
    const key = JSON.stringify(snapshot);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.lastSentAt = performance.now();
    this.emit(snapshot);
    // The queue drains after the frame is written: look again later, so the final state is reported too.
    if (snapshot.queuedEvents > 0 || snapshot.queuedBytes > 0) this.changed();
  }
}
