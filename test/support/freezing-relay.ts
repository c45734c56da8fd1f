// A TCP relay in front of a real daemon that can freeze its connections: they stay open at both ends but
// nothing is forwarded any more, which is what a NAT gateway, a firewall or a load balancer does to an idle
// long-lived connection. Connections made after a freeze are relayed as usual (the path works again for
// a new connection, as after a NAT mapping expired). Not a mock: the daemon behind it is the real dockerd.
import net from 'node:net';

export class FreezingRelay {
  /** `tcp://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /** Connections accepted so far (a liveness check makes two). */
  accepted = 0;
  private readonly waiters: { readonly count: number; readonly resolve: () => void }[] = [];
  private readonly live = new Set<net.Socket>();
  private readonly frozen = new Set<net.Socket>();
  private holding = false;
  private readonly held: [net.Socket, { host: string; port: number }][] = [];

  private constructor(
    private readonly server: net.Server,
    port: number,
  ) {
    this.url = `tcp://127.0.0.1:${port}`;
  }

  /** Listens on a free port of 127.0.0.1 and relays each connection to `target` (host and port). */
  static async start(target: { host: string; port: number }): Promise<FreezingRelay> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const relay = new FreezingRelay(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => relay.relay(client, target));
    return relay;
  }

  /** Connections currently relayed (not frozen). */
  get connections(): number {
    return this.live.size / 2;
  }

  /** Resolves once `count` connections were accepted in all; rejects after `timeoutMs`. */
  waitForAccepted(count: number, timeoutMs: number): Promise<void> {
    if (this.accepted >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the relay accepted ${this.accepted} connections, not ${count}, within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /**
   * Stops forwarding on every open connection, keeping its sockets open; new connections still relay,
   * unless `newConnections`: then they are accepted and held, unanswered, until thaw() (a daemon, or a
   * path, that accepts connections and never answers).
   */
  freeze(options: { readonly newConnections?: boolean } = {}): void {
    this.holding = options.newConnections === true;
    for (const socket of this.live) {
      socket.unpipe();
      socket.pause();
      this.frozen.add(socket);
    }
    this.live.clear();
  }

  /** New connections relay again; connections held meanwhile are relayed now. */
  thaw(): void {
    this.holding = false;
    for (const [client, target] of this.held.splice(0)) if (!client.destroyed) this.connect(client, target);
  }

  async close(): Promise<void> {
    for (const socket of [...this.live, ...this.frozen, ...this.held.map(([client]) => client)]) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: net.Socket, target: { host: string; port: number }): void {
    this.accepted++;
    client.on('error', () => undefined);
    for (const w of this.waiters.filter((w) => this.accepted >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    if (this.holding) this.held.push([client, target]);
    else this.connect(client, target);
  }

  private connect(client: net.Socket, target: { host: string; port: number }): void {
    const upstream = net.connect(target);
    const pair = [client, upstream];
    for (const socket of pair) {
      this.live.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        for (const s of pair) {
          this.live.delete(s);
          this.frozen.delete(s);
          s.destroy();
        }
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
