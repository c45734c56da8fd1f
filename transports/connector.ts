// How a socket to a daemon is made: the one place where a unix socket, plain TCP and TLS differ (the
// connector of undici's lib/core/connect.js). A Connector hands out connected sockets (for TLS: handshake
// done, certificate verified) and knows what its kind of failure means; the HTTP requests and the event
// stream over those sockets are one path for all of them (./daemon-client.ts).

import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { SecureContext } from 'node:tls';
import { type EngineError, OpenParamsError, SocketMissingError, TlsConfigError } from '../src/errors';
import { connectError, plainAnsweredByTls, tlsFailure } from './daemon-errors';
import { describeOrigin, type DockerHost } from './docker-host';
import { describeTlsFiles, loadTlsMaterial, type TlsMaterial, type TlsSettings } from './tls-settings';

export interface Connector {
  /** The daemon's address in canonical form (READY's `transport`, messages). */
  readonly target: string;
  /** The HTTP Host header. */
  readonly authority: string;
  /**
   * A connected socket. Rejects with an EngineError for a failure it recognises before connecting (a
   * missing socket file, an unreadable certificate), with the raw error otherwise (see failure()), and with
   * `signal.reason` when the signal aborts.
   */
  open(signal: AbortSignal): Promise<net.Socket>;
  /** The EngineError for a raw failure of open() or of `request` over an opened socket. */
  failure(err: unknown, request: string): EngineError;
  /** What an HTTP error answer means for this kind of connection, when more than "HTTP <status>". */
  answer(statusCode: number, body: string): EngineError | undefined;
}

/**
 * The connector for `host`: its unix socket, else TCP, with TLS when `tlsSettings` is given. TCP and TLS
 * sockets send keep-alive probes after `keepAliveMs` idle (the kernel then notices a peer that is gone,
 * after net.ipv4.tcp_keepalive_intvl × tcp_keepalive_probes more; a path that still answers probes but
 * forwards nothing is the engine's liveness check's to find: src/endpoint-runner.ts).
 */
export function createConnector(host: DockerHost, tlsSettings: TlsSettings | null, keepAliveMs: number): Connector {
  if (host.socketPath !== undefined) return new UnixConnector(host, host.socketPath);
  if (host.hostname === undefined || host.port === undefined) {
    throw new OpenParamsError(`${describeOrigin(host)} names no host and port`);
  }
  const address: TcpAddress = { hostname: host.hostname, port: host.port, keepAliveMs };
  return tlsSettings === null ? new TcpConnector(host, address) : new TlsConnector(host, address, tlsSettings);
}

interface TcpAddress {
  readonly hostname: string;
  readonly port: number;
  readonly keepAliveMs: number;
}

const ignore = (): void => undefined;

/** Resolves with `socket` on `readyEvent`, rejects with its error or the signal's reason (and destroys it). */
function whenReady(socket: net.Socket, readyEvent: 'connect' | 'secureConnect', signal: AbortSignal): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const settle = (err: Error | null): void => {
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (err === null) {
        // The request adds its own listener; an error after it is done must not crash the engine.
        socket.on('error', ignore);
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onReady = (): void => settle(null);
    const onError = (err: Error): void => settle(err);
    const onAbort = (): void => settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
  });
}

class UnixConnector implements Connector {
  readonly target: string;
  readonly authority = 'localhost';

  constructor(
    private readonly host: DockerHost,
    private readonly socketPath: string,
  ) {
    this.target = host.url;
  }

  async open(signal: AbortSignal): Promise<net.Socket> {
    await this.checkSocketFile();
    signal.throwIfAborted();
    return whenReady(net.connect({ path: this.socketPath }), 'connect', signal);
  }

  failure(err: unknown, request: string): EngineError {
    return connectError(err, this.host, request);
  }

  answer(): undefined {
    return undefined;
  }

  private async checkSocketFile(): Promise<void> {
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
        `${this.socketPath} (${describeOrigin(this.host)}) is ${what}, not a socket; point open_params at the Docker ` +
          "daemon's socket, e.g. unix:///var/run/docker.sock",
      );
    }
  }
}

function authorityOf({ hostname, port }: TcpAddress): string {
  return `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

class TcpConnector implements Connector {
  readonly target: string;
  readonly authority: string;

  constructor(
    private readonly host: DockerHost,
    private readonly address: TcpAddress,
  ) {
    this.target = host.url;
    this.authority = authorityOf(address);
  }

  open(signal: AbortSignal): Promise<net.Socket> {
    signal.throwIfAborted();
    const { hostname, port, keepAliveMs } = this.address;
    return whenReady(net.connect({ host: hostname, port, keepAlive: true, keepAliveInitialDelay: keepAliveMs }), 'connect', signal);
  }

  failure(err: unknown, request: string): EngineError {
    return connectError(err, this.host, request);
  }

  answer(statusCode: number, body: string): EngineError | undefined {
    return plainAnsweredByTls(this.host, statusCode, body);
  }
}

class TlsConnector implements Connector {
  readonly target: string;
  readonly authority: string;
  /** Which optional files the last open() found (connects are sequential): messages say what was sent. */
  private loaded: TlsMaterial = {};

  constructor(
    private readonly host: DockerHost,
    private readonly address: TcpAddress,
    private readonly settings: TlsSettings,
  ) {
    this.target = host.url;
    this.authority = authorityOf(address);
  }

  async open(signal: AbortSignal): Promise<net.Socket> {
    const material = await loadTlsMaterial(this.settings);
    this.loaded = material;
    signal.throwIfAborted();
    // Loaded here, not at start: tls brings crypto with it, ~20 modules every other engine start can skip.
    const tls = await import('node:tls');
    let secureContext: SecureContext;
    try {
      secureContext = tls.createSecureContext(material);
    } catch (err) {
      throw new TlsConfigError(
        `the TLS files ${describeTlsFiles(this.settings)} cannot be used: ${(err as Error).message}; ` +
          'they must be PEM files, the key matching the certificate',
        { cause: err },
      );
    }
    const { hostname, port, keepAliveMs } = this.address;
    const socket = tls.connect({
      host: hostname,
      port,
      // SNI takes names only; an address is checked against the certificate's IP entries all the same.
      ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
      secureContext,
      rejectUnauthorized: this.settings.verify,
    });
    socket.setKeepAlive(true, keepAliveMs);
    return whenReady(socket, 'secureConnect', signal);
  }

  failure(err: unknown, request: string): EngineError {
    const used = { ca: this.loaded.ca !== undefined, cert: this.loaded.cert !== undefined };
    return tlsFailure(err, this.host, this.settings, used) ?? connectError(err, this.host, request);
  }

  answer(): undefined {
    return undefined;
  }
}
