// poll+unix:///path/to/docker.sock, poll+http://host:2375, poll+https://host:2376 (poll+tcp:// as tcp://:
// TLS when init_config.tls or DOCKER_TLS_VERIFY says so) — pull instead of push: repeated
// GET /events?since=…&until=… windows (./event-windows.ts), one every init_config.pollIntervalMs
// (./poller.ts). For daemons or proxies that do not keep a streaming response open. The sockets and the
// requests are the streaming transports' own (./connector.ts, ./daemon-client.ts), so every address and
// failure means the same here as there.
//
// Limits: the daemon keeps its last 256 events only; more than that within one interval (or while the
// engine is paused because Falco is behind) are lost, as for any client replaying with since=.
//
// READY comes after the first window was answered; a window the daemon refuses or that breaks fails the
// connection with the codes of the streaming transports and the engine reconnects, resuming after the
// last event it delivered.

import { DaemonUnreachableError, OpenParamsError } from '../src/errors';
import type { Logger } from '../src/log';
import { createConnector, type Connector } from './connector';
import { DaemonClient } from './daemon-client';
import { parseDaemonVersion } from './daemon-version';
import { describeOrigin, parseDockerHost, type DockerHost } from './docker-host';
import { dateHeaderMs } from './docker-time';
import { EventWindows } from './event-windows';
import { inspectClient, inspectObject } from './inspect';
import { Poller } from './poller';
import { resolveTls, tlsForSocketWarning, unverifiedTlsWarning } from './tls-settings';
import type { Connection, ConnectRequest, InspectRequest, Transport, TransportContext, TransportFactory } from './transport';

export const pollTransport: TransportFactory = {
  schemes: ['poll+unix', 'poll+http', 'poll+tcp', 'poll+https'],
  forms: ['poll+unix:///path/to/docker.sock', 'poll+http://host:2375', 'poll+https://host:2376'],
  create: (host, env, context) => new PollTransport(host, env, context),
};

class PollTransport implements Transport {
  readonly target: string;
  private inspects: DaemonClient | null = null;
  /** The daemon's address as this transport reaches it (messages name the poll+ form). */
  private readonly host: DockerHost;
  private readonly connector: Connector;
  /** init_config.pollIntervalMs: from the start of one window to the start of the next. */
  private readonly intervalMs: number;
  private readonly log: Logger;

  constructor(given: DockerHost, env: NodeJS.ProcessEnv, context: TransportContext) {
    const innerAddress = `${given.scheme.slice('poll+'.length)}://${given.rest}`;
    let parsed: DockerHost;
    try {
      parsed = parseDockerHost(innerAddress, env, { explicitTls: context.config.tls !== undefined });
    } catch (err) {
      // Its message names the address without poll+: name it as the user wrote it.
      const message = err instanceof Error ? err.message : String(err);
      throw new OpenParamsError(message.replace(`open_params "${innerAddress}"`, describeOrigin(given)));
    }
    const address = parsed.url.slice(parsed.url.indexOf('://') + 3);
    this.host = { ...parsed, given: given.given, origin: given.origin, scheme: given.scheme, url: `${given.scheme}://${address}` };
    this.target = this.host.url;
    this.intervalMs = context.config.pollIntervalMs;
    this.log = context.log;
    // Named and suggested as written: poll+…
    const tls = resolveTls({ ...parsed, given: given.given, origin: given.origin }, context.config.tls, 'poll+');
    const unverified = unverifiedTlsWarning(this.target, tls);
    if (unverified !== null) context.log.warning('-', unverified);
    if (parsed.socketPath !== undefined && context.config.tls !== undefined) context.log.warning('-', tlsForSocketWarning(this.target));
    this.connector = createConnector(this.host, tls, context.config.keepAliveMs);
  }

  inspect(request: InspectRequest): Promise<unknown> {
    this.inspects ??= inspectClient(this.host, this.connector);
    return inspectObject(this.inspects, request);
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    const { signal, timeoutMs } = request;
    signal.throwIfAborted();
    const client = new DaemonClient(this.host, this.connector);
    const version = await client.getText('/version', { signal, timeoutMs });
    const daemon = parseDaemonVersion(version.text);
    if (daemon === null) {
      throw new DaemonUnreachableError(
        `${this.target} answered GET /version without a Docker version (${describeOrigin(this.host)}); is it a Docker daemon?`,
      );
    }
    const windows = new EventWindows({ client, target: this.target, origin: describeOrigin(this.host), timeoutMs, log: this.log });
    await windows.start(request.sinceNano, dateHeaderMs(version.headers), signal);
    const poller = new Poller(windows, { transport: this.target, daemon }, this.intervalMs);
    await poller.first(signal);
    return poller;
  }
}
