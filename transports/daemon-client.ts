// The one way transports talk HTTP to a Docker daemon: Node's own HTTP client over a socket from a
// Connector (./connector.ts: a unix socket, TCP or TLS, made and verified there), one connection per
// request, except for getJson when the client keeps connections (inspects: a new connection per inspect
// cost ~2.5 times the CPU). Every failure is mapped here, once, for the streaming and the polling
// transports alike:
//   - the caller's stop signal aborts the request: it rejects with the signal's reason;
//   - no answer within the request's time: ERR_DAEMON_UNREACHABLE naming the endpoint and the request;
//   - a failure to connect or of the connection: what the connector makes of it (./daemon-errors.ts);
//   - an answer other than 200: ERR_DAEMON_HTTP with the daemon's message (or what the connector
//     recognises in it, e.g. a plain request that reached a TLS port).
//
// No API version is pinned: requests use the unversioned paths, which every daemon serves at its own
// current version, so the same engine works from Docker 20.10 (API 1.41) through 29+ (whose minimum API
// is 1.44). The event stream and the liveness checks get a connection each, so none is a kept-alive socket
// that outlived a daemon restart; a kept inspect connection that the daemon closed meanwhile is retried once
// on a new one. (Node's client rather than undici: the same requests, 18 MiB less resident memory in the
// engine.)

import * as http from 'node:http';
import type { Socket } from 'node:net';
import { DaemonUnreachableError, EngineError, InspectError } from '../src/errors';
import type { Connector } from './connector';
import { connectTimeout, httpError } from './daemon-errors';
import type { DockerHost } from './docker-host';
import { Limiter } from './limiter';

/** A 200 answer: its headers and its body, which the caller reads to the end or destroys. */
export interface DaemonAnswer {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: http.IncomingMessage;
}

export interface RequestOptions {
  /** The caller's stop: aborting it rejects the request with its reason. */
  readonly signal: AbortSignal;
  /** The time for the daemon to answer (headers), and for a bounded body between two chunks. */
  readonly timeoutMs: number;
  /** The body is an event stream: it may stay quiet for ever, so it has no time limit. */
  readonly stream?: boolean;
}

/** Short answers (version, info, an error) are read up to this size; the rest is discarded. */
const MAX_SMALL_BODY_BYTES = 64 * 1024;

/** A kept connection unused this long is closed. */
const IDLE_CONNECTION_MS = 5_000;

export interface ClientOptions {
  /** getJson keeps up to this many connections open between requests (more wait for one); else one each. */
  readonly keptConnections?: number;
}

export class DaemonClient {
  private readonly pathPrefix: string;
  /** Kept connections and the limit on requests that share them (getJson only); null: one each. */
  private readonly kept: { readonly agent: ConnectorAgent; readonly limit: Limiter } | null;

  constructor(
    private readonly host: DockerHost,
    private readonly connector: Connector,
    options: ClientOptions = {},
  ) {
    this.pathPrefix = host.socketPath !== undefined ? '' : (host.pathPrefix ?? '');
    const n = options.keptConnections;
    this.kept = n === undefined ? null : { agent: new ConnectorAgent(connector, n), limit: new Limiter(n) };
  }

  /** GET `path`: the answer once its headers arrived with 200, else the EngineError for what happened. */
  async get(path: string, options: RequestOptions): Promise<DaemonAnswer> {
    const answer = await this.send(path, options);
    return this.accepted(answer, path, options);
  }

  /** GET `path` for a JSON document of at most `maxBytes`: parsed, or null when the daemon answers 404. */
  getJson(path: string, options: RequestOptions, maxBytes: number): Promise<unknown> {
    const kept = this.kept;
    if (kept === null) return this.fetchJson(path, options, maxBytes, null);
    return kept.limit.run(() => this.fetchJson(path, options, maxBytes, kept.agent));
  }

  private async fetchJson(path: string, options: RequestOptions, maxBytes: number, agent: ConnectorAgent | null): Promise<unknown> {
    const answer = await this.send(path, options, agent);
    if (answer.statusCode === 404) {
      answer.resume();
      return null;
    }
    const { body } = await this.accepted(answer, path, options);
    const text = await readBody(body, maxBytes);
    if (text === null) throw new InspectError(`${this.host.url} answered GET ${path.split('?')[0]} with more than ${maxBytes} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new InspectError(`${this.host.url} answered GET ${path.split('?')[0]} with text that is not JSON (${(err as Error).message})`);
    }
  }

  /** Sends GET `path`: the answer once its headers arrived, whatever its status. */
  private async send(path: string, options: RequestOptions, agent: ConnectorAgent | null = null): Promise<http.IncomingMessage> {
    const { signal, timeoutMs } = options;
    signal.throwIfAborted();
    const what = `GET ${path.split('?')[0]}`;
    // Bounds the wait for the answer only: once it is here, the body is the caller's.
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(signal.reason);
    signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(new Error('timeout')), timeoutMs);
    let answer: http.IncomingMessage;
    try {
      const fullPath = `${this.pathPrefix}${path}`;
      if (agent === null) {
        answer = await request(await this.connector.open(attempt.signal), fullPath, this.connector.authority, attempt.signal);
      } else {
        answer = await requestOnKept(agent, fullPath, this.connector.authority, attempt.signal).catch((err: unknown) => {
          if (!(err instanceof ClosedKeptConnection)) throw err;
          return requestOnKept(agent, fullPath, this.connector.authority, attempt.signal);
        });
      }
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (attempt.signal.aborted) throw connectTimeout(this.host, what, timeoutMs);
      if (err instanceof EngineError) throw err;
      throw this.connector.failure(err instanceof ClosedKeptConnection ? err.cause : err, what);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    }
    return answer;
  }

  private async accepted(answer: http.IncomingMessage, path: string, options: RequestOptions): Promise<DaemonAnswer> {
    const { timeoutMs } = options;
    const what = `GET ${path.split('?')[0]}`;
    if (answer.statusCode !== 200) {
      const body = await readSmallBody(answer);
      throw this.connector.answer(answer.statusCode ?? 0, body) ?? httpError(this.host, what, answer.statusCode ?? 0, body);
    }
    if (options.stream !== true) {
      answer.setTimeout(timeoutMs, () => answer.destroy(new Error(`no data for ${timeoutMs} ms`)));
    }
    return { headers: answer.headers, body: answer };
  }

  /** GET `path` for a short answer: its headers and its text (bounded). */
  async getText(path: string, options: RequestOptions): Promise<{ readonly headers: http.IncomingHttpHeaders; readonly text: string }> {
    const { headers, body } = await this.get(path, options);
    return { headers, text: await readSmallBody(body) };
  }
}

/** Sends GET `path` on `socket` (closed after the answer); resolves with the answer's head. */
function request(socket: Socket, path: string, authority: string, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ path, method: 'GET', headers: { Host: authority }, createConnection: () => socket, signal });
    req.once('response', resolve);
    req.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
    req.end();
  });
}

/** Keeps connections made by a Connector open between requests (Node's pool, fed by the connector). */
class ConnectorAgent extends http.Agent {
  constructor(
    private readonly connector: Connector,
    maxSockets: number,
  ) {
    super({ keepAlive: true, maxSockets, timeout: IDLE_CONNECTION_MS });
  }

  override createConnection(options: http.ClientRequestArgs, done?: (err: Error | null, socket: Socket) => void): undefined {
    const signal = (options as KeptRequestArgs).connectSignal;
    this.connector.open(signal).then(
      (socket) => done?.(null, socket),
      (err: unknown) => done?.(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Socket),
    );
    return undefined;
  }
}

interface KeptRequestArgs extends http.RequestOptions {
  /** Aborts the connector's open() when a new connection is needed. */
  readonly connectSignal: AbortSignal;
}

/** A kept connection the daemon had closed when a request was sent on it: worth one retry. */
class ClosedKeptConnection extends Error {
  constructor(override readonly cause: unknown) {
    super('the kept connection was closed by the daemon');
  }
}

/** Sends GET `path` on a kept connection, or a new one from the agent; resolves with the answer's head. */
function requestOnKept(agent: ConnectorAgent, path: string, authority: string, signal: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const args: KeptRequestArgs = { path, method: 'GET', headers: { Host: authority }, agent, signal, connectSignal: signal };
    const req = http.request(args);
    req.once('response', resolve);
    req.once('error', (err: NodeJS.ErrnoException) => {
      const closed = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(closed ? new ClosedKeptConnection(err) : err);
    });
    req.end();
  });
}

/** A short answer as text, bounded; the rest is discarded. */
async function readSmallBody(body: http.IncomingMessage): Promise<string> {
  return (await readBody(body, MAX_SMALL_BODY_BYTES, true)) ?? '';
}

/** The body as text; beyond `maxBytes`, the rest is discarded and the result is the start (`truncate`) or null. */
async function readBody(body: http.IncomingMessage, maxBytes: number, truncate = false): Promise<string | null> {
  const parts: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      bytes += chunk.length;
      if (bytes >= maxBytes) {
        if (!truncate) {
          body.destroy();
          return null;
        }
        break; // destroys the rest
      }
    }
  } catch (err) {
    throw new DaemonUnreachableError(`reading the Docker daemon's answer failed: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(parts).toString('utf8');
}
