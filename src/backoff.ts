// Reconnect delays: exponential, from `initialMs` doubling up to `maxMs`.

export class Backoff {
  private nextMs: number;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 1000,
  ) {
    this.nextMs = initialMs;
  }

  /** The delay before the next attempt; each call doubles the one after (up to maxMs). */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.maxMs, this.nextMs * 2);
    return delay;
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }
}
