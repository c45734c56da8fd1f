// The daemon's clock as a polling client keeps it: a reading (/info SystemTime, else the Date header),
// carried forward with the local monotonic clock, so windows end at the daemon's now, never the local one.

import { NANOS_PER_MS } from './docker-time';

/** A Date header this far from the clock's estimate means the daemon's clock jumped. */
const CLOCK_SLACK_MS = 2000;

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
