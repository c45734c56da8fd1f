// unix:///path/to/docker.sock — the local daemon's socket, through docker-modem.
//
// No API version is pinned: requests use the unversioned paths (/version, /events), which every daemon
// serves at its own current version, so the same engine works from Docker 20.10 (API 1.41) through 29+
// (whose minimum API is 1.44). connect(): check the socket file, GET /version (READY's daemon info), then
// GET /events (with since=<seconds>.<nanoseconds> when resuming); it resolves when /events answered 200.

import { promises as fs } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import Modem from 'docker-modem';
import { DaemonUnreachableError, EngineError, OpenParamsError, SocketMissingError, systemErrorCode } from '../src/errors';
import { connectError, connectTimeout, httpError, socketMissing } from './daemon-errors';
import { describeOrigin, type DockerHost } from './docker-host';
import { HttpEventStream } from './http-event-stream';
import type { Connection, ConnectRequest, Transport, TransportFactory } from './transport';

export const unixSocketTransport: TransportFactory = {
  schemes: ['unix'],
  forms: ['unix:///path/to/docker.sock'],
  create: (host) => new UnixSocketTransport(host),
};

/** docker-modem turns a status listed `true` into a response; we judge every status ourselves. */
const EVERY_STATUS: Record<number, true> = {};
for (let status = 100; status < 600; status++) EVERY_STATUS[status] = true;

const ignore = (): void => undefined;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const NANOS_PER_SECOND = 1_000_000_000n;

export class UnixSocketTransport implements Transport {
  readonly target: string;
  private readonly socketPath: string;
  private readonly modem: Modem;

  constructor(private readonly host: DockerHost) {
    if (host.socketPath === undefined) throw new OpenParamsError(`${describeOrigin(host)} names no socket path`);
    this.socketPath = host.socketPath;
    this.target = host.url;
    try {
      // docker-modem also reads DOCKER_HOST & co. in its constructor: override everything it could take
      // from there, so this transport talks to exactly this socket, in plain HTTP, unversioned.
      this.modem = new Modem({
        socketPath: host.socketPath,
        host: undefined,
        port: undefined,
        protocol: 'http',
        version: undefined,
        timeout: undefined,
        ca: undefined,
        cert: undefined,
        key: undefined,
        headers: {},
      });
    } catch (err) {
      throw new OpenParamsError(
        `cannot set up a Docker client for ${host.url}: ${(err as Error).message} (check DOCKER_HOST, DOCKER_CERT_PATH)`,
      );
    }
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    request.signal.throwIfAborted();
    await this.checkSocketFile();
    const versionResponse = await this.get('/version', {}, request);
    const daemon = await readVersion(versionResponse, this.host, request);
    const query: Record<string, string> = request.sinceNano === null ? {} : { since: formatSince(request.sinceNano) };
    const events = await this.get('/events', query, request);
    if (events.statusCode !== 200) {
      throw httpError(this.host, 'GET /events', events.statusCode ?? 0, await readBody(events, this.host, 'GET /events', request));
    }
    return new HttpEventStream(events, { transport: this.target, daemon });
  }

  private async checkSocketFile(): Promise<void> {
    const where = describeOrigin(this.host);
    let stat;
    try {
      stat = await fs.stat(this.socketPath);
    } catch (err) {
      throw connectError(err, this.host, 'stat');
    }
    if (!stat.isSocket()) {
      const what = stat.isDirectory() ? 'a directory' : 'a file';
      throw new SocketMissingError(
        this.socketPath,
        `${this.socketPath} (${where}) is ${what}, not a socket; point open_params at the Docker daemon's socket, ` +
          'e.g. unix:///var/run/docker.sock',
      );
    }
  }

  /** GET `path` and resolve with the response (any status), within the request's time and stop signal. */
  private get(path: string, query: Record<string, string>, request: ConnectRequest): Promise<IncomingMessage> {
    request.signal.throwIfAborted();
    const what = `GET ${path}`;
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(request.signal.reason);
    request.signal.addEventListener('abort', onStop, { once: true });
    const timer = setTimeout(() => attempt.abort(new Error('timeout')), request.timeoutMs);
    return new Promise<IncomingMessage>((resolve, reject) => {
      this.modem.dial(
        {
          path: `${path}?`,
          method: 'GET',
          options: query,
          isStream: true,
          statusCodes: EVERY_STATUS,
          abortSignal: attempt.signal,
        },
        (err, result) => {
          clearTimeout(timer);
          request.signal.removeEventListener('abort', onStop);
          if (err === null && result !== null) {
            const res = result as IncomingMessage;
            // Whoever reads the response adds its own listener; an error nobody waits for is not a crash.
            res.on('error', ignore);
            resolve(res);
          } else if (request.signal.aborted) {
            reject(request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted'));
          } else if (attempt.signal.aborted) {
            reject(connectTimeout(this.host, what, request.timeoutMs));
          } else if (systemErrorCode(err) === 'ENOENT') {
            reject(socketMissing(this.socketPath, describeOrigin(this.host), err));
          } else {
            reject(connectError(err, this.host, what));
          }
        },
      );
    });
  }
}

/** The daemon's version and API version from a /version response. */
async function readVersion(
  res: IncomingMessage,
  host: DockerHost,
  request: ConnectRequest,
): Promise<{ version: string; apiVersion: string }> {
  const body = await readBody(res, host, 'GET /version', request);
  if (res.statusCode !== 200) throw httpError(host, 'GET /version', res.statusCode ?? 0, body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = null;
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const version = record['Version'];
  const apiVersion = record['ApiVersion'];
  if (typeof version !== 'string' || typeof apiVersion !== 'string') {
    throw new DaemonUnreachableError(
      `${host.url} answered GET /version without a Docker version (${describeOrigin(host)}); is it a Docker daemon's socket?`,
    );
  }
  // Bounded: READY must stay far below the smallest maxEventBytes the plugin accepts.
  return { version: version.slice(0, 100), apiVersion: apiVersion.slice(0, 20) };
}

/** A short response body as text (error answers, /version), bounded and within the request's time. */
function readBody(res: IncomingMessage, host: DockerHost, what: string, request: ConnectRequest): Promise<string> {
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
      if (err !== null) {
        res.destroy();
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
