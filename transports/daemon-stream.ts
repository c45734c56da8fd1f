// unix://, tcp://, http://, https:// — a daemon's event stream: GET /version (READY's daemon info) and,
// at the same time, GET /events (with since=<seconds>.<nanoseconds> when resuming), through the shared client
// (./daemon-client.ts). connect() resolves when /events answered 200; the answer's body becomes the
// connection's chunks (./http-event-stream.ts).
//
// check() is the engine's liveness check of a quiet stream, on fresh connections: GET /info for the
// daemon's time (SystemTime, to the nanosecond; else its Date header, whole seconds), then
// GET /events?since=<after the last event received>&until=<that time>, a bounded read of what the daemon
// published meanwhile. `until` is a time the daemon has passed: one in its future would make it wait.
//
// inspect() fetches a container's, exec's or image's inspect for the engine's container context (./inspect.ts).

import type { IncomingHttpHeaders } from 'node:http';
import { DaemonHttpError, DaemonUnreachableError } from '../src/errors';
import type { Connector } from './connector';
import { DaemonClient, type RequestOptions } from './daemon-client';
import { parseDaemonVersion } from './daemon-version';
import { describeOrigin, type DockerHost } from './docker-host';
import { dateHeaderMs, formatSince, NANOS_PER_MS, parseSystemTime } from './docker-time';
import { HttpEventStream } from './http-event-stream';
import { inspectClient, inspectObject } from './inspect';
import type { Connection, ConnectRequest, InspectRequest, LivenessAnswer, LivenessRequest, Transport } from './transport';

const TIME_NANO = /"timeNano"\s*:\s*(\d+)/g;

export class DaemonStreamTransport implements Transport {
  readonly target: string;
  private inspects: DaemonClient | null = null;

  constructor(
    private readonly host: DockerHost,
    private readonly connector: Connector,
  ) {
    this.target = connector.target;
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    const { signal, timeoutMs } = request;
    const client = new DaemonClient(this.host, this.connector);
    const since = request.sinceNano === null ? '' : `?since=${formatSince(request.sinceNano)}`;
    // Both asked at once: the stream need not wait for /version's round trip (Falco waits for open).
    const answer = client.get(`/events${since}`, { signal, timeoutMs, stream: true });
    void answer.catch(() => undefined); // awaited below, or given up if /version fails first
    try {
      const version = await client.getText('/version', { signal, timeoutMs });
      const daemon = parseDaemonVersion(version.text);
      if (daemon === null) {
        const what = this.host.socketPath !== undefined ? "a Docker daemon's socket" : "a Docker daemon's API";
        throw new DaemonUnreachableError(
          `${this.host.url} answered GET /version without a Docker version (${describeOrigin(this.host)}); is it ${what}?`,
        );
      }
      const events = await answer;
      return new HttpEventStream(events.body, { transport: this.target, daemon });
    } catch (err) {
      void answer.then((events) => events.body.destroy(), () => undefined);
      throw err;
    }
  }

  inspect(request: InspectRequest): Promise<unknown> {
    this.inspects ??= inspectClient(this.host, this.connector);
    return inspectObject(this.inspects, request);
  }

  async check(request: LivenessRequest): Promise<LivenessAnswer> {
    const { signal, timeoutMs } = request;
    const client = new DaemonClient(this.host, this.connector);
    const untilNano = await this.daemonNow(client, { signal, timeoutMs });
    if (request.afterNano === null || request.afterNano >= untilNano) return { newestNano: null, untilNano };
    const window = `since=${formatSince(request.afterNano + 1n)}&until=${formatSince(untilNano)}`;
    const { text } = await client.getText(`/events?${window}`, { signal, timeoutMs });
    let newestNano: bigint | null = null;
    for (const match of text.matchAll(TIME_NANO)) {
      const t = BigInt(match[1]);
      if (newestNano === null || t > newestNano) newestNano = t;
    }
    return { newestNano, untilNano };
  }

  /** The daemon's time: /info SystemTime, else the Date header of /info or, if refused, of /_ping. */
  private async daemonNow(client: DaemonClient, options: RequestOptions): Promise<bigint> {
    let headers: IncomingHttpHeaders;
    try {
      const info = await client.getText('/info', options);
      const systemTime = parseSystemTime(info.text);
      if (systemTime !== null) return systemTime;
      headers = info.headers;
    } catch (err) {
      if (!(err instanceof DaemonHttpError)) throw err;
      headers = (await client.getText('/_ping', options)).headers;
    }
    const dateMs = dateHeaderMs(headers);
    if (dateMs === null) {
      throw new DaemonUnreachableError(
        `${this.host.url} tells neither its time (GET /info SystemTime) nor a Date header, so the liveness check cannot ` +
          'work; is it a Docker daemon? (init_config.livenessIntervalMs: 0 turns the check off)',
      );
    }
    return BigInt(dateMs) * NANOS_PER_MS;
  }
}
