// The one request path to a Docker daemon over HTTP, whatever carries it (unix socket, TCP, TLS: the
// Connector, ./connector.ts). connect(): GET /version (READY's daemon info), then GET /events (with
// since=<seconds>.<nanoseconds> when resuming); it resolves when /events answered 200, handing the response
// to ./http-event-stream.ts.
//
// No API version is pinned: requests use the unversioned paths (/version, /events), which every daemon
// serves at its own current version, so the same engine works from Docker 20.10 (API 1.41) through 29+
// (whose minimum API is 1.44). Each request gets its own connection (no keep-alive pool to go stale
// across daemon restarts).

import { parseDaemonVersion } from './daemon-version';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { DaemonUnreachableError, EngineError } from '../src/errors';
import type { Connector } from './connector';
import { connectTimeout, httpError } from './daemon-errors';
import { describeOrigin, type DockerHost } from './docker-host';
import { HttpEventStream } from './http-event-stream';
import type { Connection, ConnectRequest, Transport } from './transport';

const ignore = (): void => undefined;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const NANOS_PER_SECOND = 1_000_000_000n;

export class DaemonHttpTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly host: DockerHost,
    private readonly connector: Connector,
  ) {
    this.target = connector.target;
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    request.signal.throwIfAborted();
    const versionResponse = await this.get('/version', {}, request);
    const daemon = await this.readVersion(versionResponse, request);
    const query: Record<string, string> = request.sinceNano === null ? {} : { since: formatSince(request.sinceNano) };
    const events = await this.get('/events', query, request);
    if (events.statusCode !== 200) {
      const body = await readBody(events, this.host, 'GET /events', request);
      throw this.answerError('GET /events', events.statusCode ?? 0, body);
    }
    return new HttpEventStream(events, { transport: this.target, daemon });
  }

  /** GET `path` and resolve with the response (any status), within the request's time and stop signal. */
  private async get(path: string, query: Record<string, string>, request: ConnectRequest): Promise<http.IncomingMessage> {
    request.signal.throwIfAborted();
    const what = `GET ${path}`;
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(request.signal.reason);
    request.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(new Error('timeout')), request.timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onStop);
    };
    const failure = (err: unknown): Error => {
      done();
      if (request.signal.aborted) return request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted');
      if (attempt.signal.aborted) return connectTimeout(this.host, what, request.timeoutMs);
      if (err instanceof EngineError) return err;
      return this.connector.failure(err, what);
    };

    let socket: Socket;
    try {
      socket = await this.connector.open(attempt.signal);
    } catch (err) {
      throw failure(err);
    }
    const search = new URLSearchParams(query).toString();
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        createConnection: () => socket,
        method: 'GET',
        path: `${this.host.pathPrefix ?? ''}${path}${search === '' ? '' : `?${search}`}`,
        headers: { Host: this.connector.authority },
      });
      const onAbort = (): void => {
        req.destroy(attempt.signal.reason instanceof Error ? attempt.signal.reason : new Error('aborted'));
      };
      attempt.signal.addEventListener('abort', onAbort, { once: true });
      req.once('response', (res) => {
        attempt.signal.removeEventListener('abort', onAbort);
        done();
        // Whoever reads the response adds its own listener; an error nobody waits for is not a crash.
        res.on('error', ignore);
        resolve(res);
      });
      req.once('error', (err) => {
        attempt.signal.removeEventListener('abort', onAbort);
        req.on('error', ignore);
        reject(failure(err));
      });
      if (attempt.signal.aborted) onAbort();
      req.end();
    });
  }

  /** The daemon's version and API version from a /version response. */
  private async readVersion(res: http.IncomingMessage, request: ConnectRequest): Promise<{ version: string; apiVersion: string }> {
    const body = await readBody(res, this.host, 'GET /version', request);
    if (res.statusCode !== 200) throw this.answerError('GET /version', res.statusCode ?? 0, body);
    const daemon = parseDaemonVersion(body);
    if (daemon === null) {
      const what = this.host.socketPath !== undefined ? "a Docker daemon's socket" : "a Docker daemon's API";
      throw new DaemonUnreachableError(
        `${this.host.url} answered GET /version without a Docker version (${describeOrigin(this.host)}); is it ${what}?`,
      );
    }
    return daemon;
  }

  private answerError(request: string, statusCode: number, body: string): EngineError {
    return this.connector.answer(statusCode, body) ?? httpError(this.host, request, statusCode, body);
  }
}

/** A short response body as text (error answers, /version), bounded and within the request's time. */
function readBody(res: http.IncomingMessage, host: DockerHost, what: string, request: ConnectRequest): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    let bytes = 0;
    const timer = setTimeout(() => done(connectTimeout(host, what, request.timeoutMs)), request.timeoutMs);
    const onStop = (): void => done(request.signal.reason as Error);
    request.signal.addEventListener('abort', onStop, { once: true });
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onStop);
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('error', onError);
      // One request per connection: release it once the answer is read.
      res.destroy();
      if (err !== null) {
        reject(
          err instanceof EngineError || request.signal.aborted
            ? err
            : new DaemonUnreachableError(`reading the Docker daemon's answer failed: ${err.message}`, { cause: err }),
        );
        return;
      }
      resolve(Buffer.concat(parts).toString('utf8'));
    };
    const onData = (chunk: Buffer): void => {
      if (bytes >= MAX_ERROR_BODY_BYTES) return;
      parts.push(chunk);
      bytes += chunk.length;
    };
    const onEnd = (): void => done(null);
    const onError = (err: Error): void => done(err);
    res.on('data', onData);
    res.once('end', onEnd);
    res.once('error', onError);
  });
}

/** Docker's `since` format with full precision: `<seconds>.<nanoseconds, 9 digits>`. */
export function formatSince(timeNano: bigint): string {
  const seconds = timeNano / NANOS_PER_SECOND;
  const nanos = timeNano % NANOS_PER_SECOND;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}
