// At most `limit` tasks at once; the others wait their turn in order. Keeps a burst of new containers
// from opening hundreds of connections to the daemon at the same moment (Node's agent does not count
// connections still being made by an asynchronous createConnection, so it cannot).

export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
