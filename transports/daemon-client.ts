// The one way transports talk HTTP to a Docker daemon: undici, one request at a time on one connection,
// over a socket from a Connector (./connector.ts: a unix socket, TCP or TLS, made and verified there).
// Every failure is mapped here, once, for the streaming and the polling transports alike:
//   - the caller's stop signal aborts the request: it rejects with the signal's reason;
//   - no answer within the request's time: ERR_DAEMON_UNREACHABLE naming the endpoint and the request;
//   - a failure to connect or of the connection: what the connector makes of it (./daemon-errors.ts);
//   - an answer other than 200: ERR_DAEMON_HTTP with the daemon's message (or what the connector
//     recognises in it, e.g. a plain request that reached a TLS port).
//
// No API version is pinned: requests use the unversioned paths, which every daemon serves at its own
// current version, so the same engine works from Docker 20.10 (API 1.41) through 29+ (whose minimum API
// is 1.44). A client is made per connection of the engine and closed with it, so no kept-alive socket
// outlives a daemon restart.

import type { IncomingHttpHeaders } from 'node:http';
import { Client, type Dispatcher } from 'undici';
import { DaemonUnreachableError, EngineError } from '../src/errors';
import type { Connector } from './connector';
import { connectTimeout, httpError } from './daemon-errors';
import type { DockerHost } from './docker-host';

/** The body of an answer: a readable stream of Buffers. */
export type AnswerBody = Dispatcher.ResponseData['body'];

/** A 200 answer: its headers and its body, which the caller reads to the end or destroys. */
export interface DaemonAnswer {
  readonly headers: IncomingHttpHeaders;
  readonly body: AnswerBody;
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

export class DaemonClient {
  private readonly client: Client;
  /** Aborted by close(): a connect still in progress gives up. */
  private readonly closing = new AbortController();
  private readonly pathPrefix: string;
  /**
   * The first error of the connection's socket: undici reports a socket that ends after an error as "other
   * side closed", while the error (a TLS alert, a reset) is what the connector can explain.
   */
  private socketError: Error | null = null;

  constructor(
    private readonly host: DockerHost,
    private readonly connector: Connector,
  ) {
    // The socket is the connector's (TLS included): undici speaks HTTP over it; the origin gives the Host.
    const origin = host.socketPath !== undefined ? 'http://localhost' : `http://${connector.authority}`;
    this.pathPrefix = host.socketPath !== undefined ? '' : (host.pathPrefix ?? '');
    this.client = new Client(origin, {
      connect: (_options, callback) => {
        connector.open(this.closing.signal).then(
          (socket) => {
            socket.once('error', (err) => (this.socketError ??= err));
            callback(null, socket);
          },
          (err: Error) => callback(err, null),
        );
      },
    });
  }

  /** GET `path`: the answer once its headers arrived with 200, else the EngineError for what happened. */
  async get(path: string, options: RequestOptions): Promise<DaemonAnswer> {
    const { signal, timeoutMs } = options;
    signal.throwIfAborted();
    const what = `GET ${path.split('?')[0]}`;
    // Bounds the wait for the answer only: once it is here, the body is the caller's.
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(signal.reason);
    signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(new Error('timeout')), timeoutMs);
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.client.request({
        path: `${this.pathPrefix}${path}`,
        method: 'GET',
        signal: attempt.signal,
        headersTimeout: 0,
        bodyTimeout: options.stream === true ? 0 : timeoutMs,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (attempt.signal.aborted) throw connectTimeout(this.host, what, timeoutMs);
      if (err instanceof EngineError) throw err;
      throw this.connector.failure(this.socketError ?? err, what);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    }
    if (answer.statusCode !== 200) {
      const body = await readSmallBody(answer.body);
      throw this.connector.answer(answer.statusCode, body) ?? httpError(this.host, what, answer.statusCode, body);
    }
    return { headers: answer.headers, body: answer.body };
  }

  /** GET `path` for a short answer: its headers and its text (bounded). */
  async getText(path: string, options: RequestOptions): Promise<{ readonly headers: IncomingHttpHeaders; readonly text: string }> {
    const { headers, body } = await this.get(path, options);
    return { headers, text: await readSmallBody(body) };
  }

  /** Closes the connection: a request or body in progress ends. Idempotent. */
  close(): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort(new Error('closed'));
    this.client.destroy().catch(() => undefined);
  }
}

/** A short answer as text, bounded; the rest is discarded. */
async function readSmallBody(body: AnswerBody): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      bytes += chunk.length;
      if (bytes >= MAX_SMALL_BODY_BYTES) break; // destroys the rest
    }
  } catch (err) {
    throw new DaemonUnreachableError(`reading the Docker daemon's answer failed: ${(err as Error).message}`, { cause: err });
  }
  return Buffer.concat(parts).toString('utf8');
}
