// The end-to-end liveness check of one push stream. Docker's event stream has no heartbeat, so a quiet
// stream and a dead one (a proxy, NAT or firewall that stopped forwarding but keeps both sockets open)
// look the same from the reader's side, and TCP keep-alive cannot tell when the path itself answers the
// probes. So after `intervalMs` without a byte the watch asks the daemon, on a fresh connection, for the
// events it published after the last one the stream delivered (Transport.check); until the stream
// delivered one, after the daemon's time read right when the stream began (the first check, at once). None: the stream is
// quiet, all is well. Some: the stream gets GRACE_MS to deliver them; if nothing arrives it is dead. A
// check the daemon does not answer within the time is a dropped connection. Either way the runner closes
// the stream and resumes as after any reconnect (since= and dedupe: nothing lost, nothing repeated).
//
// Cost on an idle daemon: two small requests (GET /info, GET /events?since&until) per interval, 240 an
// hour at the default 30 s.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Transport } from '../transports/transport';
import { asEngineError, type EngineError, StreamStalledError } from './errors';

/** How long a stream may take to deliver events the daemon says it published before it counts as dead. */
export const GRACE_MS = 2000;

export interface LivenessWatchOptions {
  readonly transport: Required<Pick<Transport, 'check'>> & Pick<Transport, 'target'>;
  readonly intervalMs: number;
  /** Time for the daemon to answer a check. */
  readonly timeoutMs: number;
  /** The stream is dead (StreamStalledError) or the check failed (the daemon's error): replace it. */
  readonly onDead: (error: EngineError) => void;
}

export class LivenessWatch {
  private readonly stop = new AbortController();
  private lastActivityAt = performance.now();
  private chunks = 0;
  /** The newest event the stream delivered, or where the last check ended while none was. */
  private afterNano: bigint | null = null;

  constructor(private readonly options: LivenessWatchOptions) {
    void this.run();
  }

  /** Bytes arrived on the stream. */
  activity(): void {
    this.lastActivityAt = performance.now();
    this.chunks++;
  }

  /** The stream delivered an event stamped `timeNano`. */
  event(timeNano: bigint | null): void {
    if (timeNano !== null && (this.afterNano === null || timeNano > this.afterNano)) this.afterNano = timeNano;
  }

  close(): void {
    this.stop.abort();
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    const { transport, intervalMs, timeoutMs, onDead } = this.options;
    let checkedAt = -Infinity;
    try {
      while (!signal.aborted) {
        // The first check, at once, only reads the daemon's time (afterNano is null until then).
        const due = this.afterNano === null ? 0 : Math.max(this.lastActivityAt, checkedAt) + intervalMs - performance.now();
        if (due > 0) {
          await sleep(due, undefined, { signal });
          continue;
        }
        checkedAt = performance.now();
        const answer = await transport.check({ afterNano: this.afterNano, timeoutMs, signal });
        this.afterNano ??= answer.untilNano;
        const missed = answer.newestNano;
        if (missed === null || (this.afterNano !== null && this.afterNano >= missed)) continue;
        const chunksBefore = this.chunks;
        await sleep(GRACE_MS, undefined, { signal });
        if (this.chunks !== chunksBefore) continue;
        const silentS = ((performance.now() - this.lastActivityAt) / 1000).toFixed(1);
        onDead(
          new StreamStalledError(
            `the event stream from ${transport.target} delivered nothing for ${silentS} s while the daemon published ` +
              `events (the newest at timeNano ${missed}): the connection is dead (a proxy, NAT or firewall on the way ` +
              'dropped it)',
          ),
        );
        return;
      }
    } catch (err) {
      if (signal.aborted) return;
      // Not answering the check is a dropped connection: the daemon's own error says why.
      const error = asEngineError(err);
      error.message = `the liveness check of ${transport.target} failed: ${error.message}`;
      onDead(error);
    }
  }
}
