// unix://, tcp://, http://, https:// — a daemon's event stream: GET /version (READY's daemon info), then
// GET /events (with since=<seconds>.<nanoseconds> when resuming), through the shared client
// (./daemon-client.ts). connect() resolves when /events answered 200; the answer's body becomes the
// connection's chunks (./http-event-stream.ts).

import { DaemonUnreachableError } from '../src/errors';
import type { Connector } from './connector';
import { DaemonClient } from './daemon-client';
import { parseDaemonVersion } from './daemon-version';
import { describeOrigin, type DockerHost } from './docker-host';
import { formatSince } from './docker-time';
import { HttpEventStream } from './http-event-stream';
import type { Connection, ConnectRequest, Transport } from './transport';

export class DaemonStreamTransport implements Transport {
  readonly target: string;

  constructor(
    private readonly host: DockerHost,
    private readonly connector: Connector,
  ) {
    this.target = connector.target;
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    const { signal, timeoutMs } = request;
    const client = new DaemonClient(this.host, this.connector);
    const version = await client.getText('/version', { signal, timeoutMs });
    const daemon = parseDaemonVersion(version.text);
    if (daemon === null) {
      const what = this.host.socketPath !== undefined ? "a Docker daemon's socket" : "a Docker daemon's API";
      throw new DaemonUnreachableError(
        `${this.host.url} answered GET /version without a Docker version (${describeOrigin(this.host)}); is it ${what}?`,
      );
    }
    const since = request.sinceNano === null ? '' : `?since=${formatSince(request.sinceNano)}`;
    const events = await client.get(`/events${since}`, { signal, timeoutMs, stream: true });
    return new HttpEventStream(events.body, { transport: this.target, daemon });
  }
}
