// GET /version (READY's daemon info), then GET /events (with since=<seconds>.<nanoseconds> when resuming)
// to a Docker daemon. dockerode carries the API calls (docker.version(), docker.getEvents()); our
// Connector (./connector.ts) carries the bytes: docker-modem gets an http.Agent whose createConnection is
// Connector.open(), so a unix socket, TCP and TLS are made, verified and their failures classified in one
// place (./daemon-errors.ts). connect() resolves when /events answered 200, handing the response (an
// IncomingMessage: docker-modem's isStream result) to ./http-event-stream.ts.
//
// No API version is pinned (the modem's `version` stays unset): requests use the unversioned paths, which
// every daemon serves at its own current version, so the same engine works from Docker 20.10 (API 1.41)
// through 29+ (whose minimum API is 1.44). Each request gets its own client, agent and connection (no
// keep-alive pool to go stale across daemon restarts).
//
// docker-modem's constructor reads DOCKER_HOST, DOCKER_CERT_PATH, … whatever options it is given (its
// defaultOpts()); ./docker-host.ts is the one reader of the environment, so the modem is built from its
// prototype with explicit fields and its constructor never runs.

import Modem from 'docker-modem';
import Docker from 'dockerode';
import * as http from 'node:http';
import { DaemonUnreachableError, EngineError } from '../src/errors';
import type { Connector } from './connector';
import { connectTimeout, httpError } from './daemon-errors';
import { parseDaemonVersion } from './daemon-version';
import { describeOrigin, type DockerHost } from './docker-host';
import { HttpEventStream } from './http-event-stream';
import type { Connection, ConnectRequest, Transport } from './transport';

const NANOS_PER_SECOND = 1_000_000_000n;

/** The two calls, as dockerode 5 makes them (@types/dockerode 4 knows neither version(opts) nor a string since). */
interface DaemonApi {
  version(opts: { abortSignal: AbortSignal }): Promise<unknown>;
  getEvents(opts: { since?: string; abortSignal: AbortSignal }): Promise<http.IncomingMessage>;
}

export class DaemonHttpTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly host: DockerHost,
    private readonly connector: Connector,
  ) {
    this.target = connector.target;
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    const answer = await this.call('GET /version', request, (docker, abortSignal) => docker.version({ abortSignal }));
    const daemon = parseDaemonVersion(textOf(answer));
    if (daemon === null) {
      const what = this.host.socketPath !== undefined ? "a Docker daemon's socket" : "a Docker daemon's API";
      throw new DaemonUnreachableError(
        `${this.host.url} answered GET /version without a Docker version (${describeOrigin(this.host)}); is it ${what}?`,
      );
    }
    const since = request.sinceNano === null ? {} : { since: formatSince(request.sinceNano) };
    const events = await this.call('GET /events', request, (docker, abortSignal) => docker.getEvents({ ...since, abortSignal }));
    return new HttpEventStream(events, { transport: this.target, daemon });
  }

  /** One dockerode call on its own connection, within the request's time and stop signal; failures → EngineErrors. */
  private async call<T>(what: string, request: ConnectRequest, send: (docker: DaemonApi, signal: AbortSignal) => Promise<T>): Promise<T> {
    request.signal.throwIfAborted();
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(request.signal.reason);
    request.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(new Error('timeout')), request.timeoutMs);
    try {
      return await send(this.client(attempt.signal), attempt.signal);
    } catch (err) {
      if (request.signal.aborted) throw request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted');
      if (attempt.signal.aborted) throw connectTimeout(this.host, what, request.timeoutMs);
      if (err instanceof EngineError) throw err;
      const answer = httpAnswerOf(err);
      if (answer === null) throw this.connector.failure(err, what);
      throw this.connector.answer(answer.statusCode, answer.body) ?? httpError(this.host, what, answer.statusCode, answer.body);
    } finally {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onStop);
    }
  }

  /** A dockerode client whose one connection is Connector.open(signal). */
  private client(signal: AbortSignal): DaemonApi {
    const agent = new http.Agent({ keepAlive: false });
    agent.createConnection = (_options, callback) => {
      this.connector.open(signal).then(
        (socket) => callback?.(null, socket),
        (err: Error) => callback?.(err, undefined as never),
      );
      return undefined;
    };
    const { socketPath, hostname, port, pathPrefix = '' } = this.host;
    const modem: Modem = Object.assign(Object.create(Modem.prototype) as Modem, {
      ...(socketPath !== undefined ? { socketPath } : { host: hostname, port }),
      protocol: 'http', // TLS, if any, is the Connector's socket
      headers: { Host: this.connector.authority },
      agent,
    });
    // docker-modem resolves dockerode's absolute paths against the host URL, which drops a base path.
    const dial = modem.dial.bind(modem);
    modem.dial = (options, callback) => dial({ ...options, path: `${pathPrefix}${options.path}` }, callback);
    // (@types/dockerode 4 lacks the `modem` option dockerode takes.)
    return new Docker({ modem } as Docker.DockerOptions) as unknown as DaemonApi;
  }
}

/** docker-modem's HTTP error (not 200): its status and the daemon's answer (JSON parsed, or its message for a stream). */
function httpAnswerOf(err: unknown): { statusCode: number; body: string } | null {
  const { statusCode, json, message } = err as { statusCode?: unknown; json?: unknown; message?: unknown };
  if (typeof statusCode !== 'number') return null;
  if (json !== null && json !== undefined) return { statusCode, body: textOf(json) };
  // isStream: the answer is only in the message, "(HTTP code <status>) <reason> - <daemon message> ".
  const cause = typeof message === 'string' ? /^\(HTTP code \d+\) [^-]*- ([\s\S]*) $/.exec(message)?.[1] : undefined;
  return { statusCode, body: cause ?? '' };
}

/** A non-stream answer as text: docker-modem hands JSON parsed, anything else as a Buffer. */
function textOf(answer: unknown): string {
  return Buffer.isBuffer(answer) ? answer.toString('utf8') : (JSON.stringify(answer) ?? '');
}

/** Docker's `since` format with full precision: `<seconds>.<nanoseconds, 9 digits>`. */
export function formatSince(timeNano: bigint): string {
  const seconds = timeNano / NANOS_PER_SECOND;
  const nanos = timeNano % NANOS_PER_SECOND;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}
