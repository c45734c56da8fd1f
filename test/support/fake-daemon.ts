// A fake Docker daemon: an HTTP server on a unix socket in a temp dir. /version answers like Docker; each
// GET /events is kept open (200, chunked) and handed to the test, which writes lines, ends or breaks it.

import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export interface EventsRequest {
  readonly url: URL;
  readonly res: http.ServerResponse;
  /** Resolves when the engine side closed the connection (or the test ended it). */
  readonly closed: Promise<void>;
}

export type EventsHandler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => boolean;

export class FakeDaemon {
  readonly eventsRequests: EventsRequest[] = [];
  readonly version = { Version: '99.1.0-fake', ApiVersion: '1.99', Os: 'linux' };
  /** GET /info answers this when set, made at each request (polling reads its SystemTime); else 404. */
  info: (() => Record<string, unknown>) | null = null;
  /**
   * Answers GET /containers|exec|images/{id}/json: the inspect document, null for 404, or a number for that
   * HTTP error. Unset: 404 for every inspect. The requests are in `inspectRequests`.
   */
  inspect: ((kind: string, id: string) => unknown) | null = null;
  readonly inspectRequests: Array<{ readonly kind: string; readonly id: string }> = [];
  /** Answer GET /events differently; return true when handled (the request is not kept). */
  onEvents: EventsHandler | null = null;
  private readonly server: http.Server;
  private readonly waiters: Array<() => void> = [];

  private constructor(
    readonly dir: string,
    readonly socketPath: string,
  ) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 0;
  }

  static async start(): Promise<FakeDaemon> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-dockerd-'));
    const daemon = new FakeDaemon(dir, path.join(dir, 'docker.sock'));
    await new Promise<void>((resolve, reject) => {
      daemon.server.once('error', reject);
      daemon.server.listen(daemon.socketPath, resolve);
    });
    return daemon;
  }

  get openParams(): string {
    return `unix://${this.socketPath}`;
  }

  /** The n-th (0-based) GET /events, once it arrived. */
  waitEventsRequest(n: number, timeoutMs = 10_000): Promise<EventsRequest> {
    return new Promise<EventsRequest>((resolve, reject) => {
      const check = (): boolean => {
        const found = this.eventsRequests[n];
        if (found === undefined) return false;
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        reject(new Error(`timed out waiting for GET /events #${n + 1} (got ${this.eventsRequests.length})`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) this.waiters.splice(this.waiters.indexOf(waiter), 1);
      };
      if (!check()) this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    for (const r of this.eventsRequests) r.res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://docker');
    if (req.method === 'GET' && url.pathname === '/version') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify(this.version)}\n`);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/info' && this.info !== null) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify(this.info())}\n`);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    const inspect = /^\/(containers|exec|images)\/([^/]+)\/json$/.exec(url.pathname);
    if (req.method === 'GET' && inspect !== null) {
      const kind = inspect[1] === 'containers' ? 'container' : inspect[1] === 'images' ? 'image' : 'exec';
      const id = decodeURIComponent(inspect[2]);
      this.inspectRequests.push({ kind, id });
      void Promise.resolve(this.inspect?.(kind, id) ?? null).then((answer) => {
        const status = typeof answer === 'number' ? answer : answer === null ? 404 : 200;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(status === 200 ? JSON.stringify(answer) : JSON.stringify({ message: `No such ${kind}: ${id}` }));
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      if (this.onEvents?.(req, res, this.eventsRequests.length)) return;
      // A bounded read (the engine's liveness check): the fake daemon published nothing it did not stream.
      if (url.searchParams.has('until')) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
      this.eventsRequests.push({ url, res, closed });
      for (const waiter of [...this.waiters]) waiter();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ message: `page not found: ${url.pathname}` }));
  }
}

/** A Docker-like event line (without newline) for tests. */
export function eventLine(action: string, timeNano: bigint, name = 'c1', extra = ''): string {
  const seconds = timeNano / 1_000_000_000n;
  return (
    `{"status":"${action}","id":"${name}","from":"local/busybox","Type":"container","Action":"${action}",` +
    `"Actor":{"ID":"${name}","Attributes":{"image":"local/busybox","name":"${name}"${extra}}},"scope":"local",` +
    `"time":${seconds},"timeNano":${timeNano}}`
  );
}

/**
 * A fake daemon that keeps what it published, as dockerd does: a GET /events with `since=` first gets every
 * kept event stamped at or after it, then the live ones. `timeOf(i)` stamps line i (lines may be out of order).
 */
export class ReplayingDaemon {
  private emitted = 0;
  private readonly live = new Set<http.ServerResponse>();

  private constructor(
    readonly daemon: FakeDaemon,
    private readonly lines: readonly string[],
    private readonly timeOf: (i: number) => bigint,
  ) {
    daemon.onEvents = (req, res) => {
      const since = new URL(req.url ?? '/', 'http://docker').searchParams.get('since');
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      if (since !== null) {
        const sinceNano = nanosOf(since);
        const replay = this.lines.slice(0, this.emitted).filter((_, i) => this.timeOf(i) >= sinceNano);
        if (replay.length > 0) res.write(replay.map((l) => `${l}\n`).join(''));
      }
      this.live.add(res);
      res.once('close', () => this.live.delete(res));
      return true;
    };
  }

  static async start(lines: readonly string[], timeOf: (i: number) => bigint): Promise<ReplayingDaemon> {
    return new ReplayingDaemon(await FakeDaemon.start(), lines, timeOf);
  }

  get openParams(): string {
    return this.daemon.openParams;
  }

  /** Publishes the next `n` lines, in one write to each connected reader (a burst). */
  emit(n: number): void {
    const burst = this.lines.slice(this.emitted, this.emitted + n);
    this.emitted += burst.length;
    if (burst.length === 0) return;
    const text = burst.map((l) => `${l}\n`).join('');
    for (const res of this.live) res.write(text);
  }

  close(): Promise<void> {
    return this.daemon.close();
  }
}

/** Docker's `since=` ("<seconds>.<nanoseconds>") in nanoseconds. */
function nanosOf(since: string): bigint {
  const [seconds, fraction = '0'] = since.split('.');
  return BigInt(seconds ?? '0') * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
}
