// Docker's own conventions for naming a daemon, parsed in one function: open_params if given, else
// DOCKER_HOST, else unix:///var/run/docker.sock; `unix://` alone is the default socket; `host:port`
// without a scheme is tcp; tcp/http default to port 2375, TLS (https://, DOCKER_TLS_VERIFY, DOCKER_TLS,
// TLS configured in init_config) to 2376, and tcp://…:2376 means TLS (as docker-modem does), with
// certificates from DOCKER_CERT_PATH (default ~/.docker). This is the one module that reads DOCKER_*; which
// schemes can actually be used is the registry's business (./index.ts), and how the environment's TLS
// combines with init_config.tls is ./tls-settings.ts's.

import * as os from 'node:os';
import * as path from 'node:path';
import { OpenParamsError } from '../src/errors';

const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';
const DEFAULT_DOCKER_HOST = `unix://${DEFAULT_SOCKET_PATH}`;
const DEFAULT_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

export type HostOrigin = 'open_params' | 'DOCKER_HOST' | 'default';

/** What in the address or the environment asks for TLS. */
export type TlsReason = 'https://' | 'DOCKER_TLS_VERIFY' | 'DOCKER_TLS' | 'port 2376';

/** TLS as Docker's conventions ask for it (init_config.tls, when set, replaces all of it). */
export interface DockerHostTls {
  readonly reason: TlsReason;
  /** Verify the daemon's certificate; false only for DOCKER_TLS without DOCKER_TLS_VERIFY. */
  readonly verify: boolean;
  /** Directory of ca.pem, cert.pem, key.pem. */
  readonly certPath: string;
  /** Where certPath came from: DOCKER_CERT_PATH, or the default ~/.docker. */
  readonly certPathFrom: 'DOCKER_CERT_PATH' | 'default';
  /** The files must be there (DOCKER_TLS_VERIFY or DOCKER_CERT_PATH set), rather than used when present. */
  readonly required: boolean;
}

export interface ParseOptions {
  /** TLS is configured explicitly (init_config.tls): tcp:// without a port means 2376. */
  readonly explicitTls?: boolean;
}

export interface DockerHost {
  /** The address as written (open_params, DOCKER_HOST or the default). */
  readonly given: string;
  readonly origin: HostOrigin;
  /** Lower-case scheme without `://` (`unix`, `tcp`, `https`, `file`…). */
  readonly scheme: string;
  /** Everything after `scheme://`. */
  readonly rest: string;
  /** The address in canonical form, e.g. `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2375`. */
  readonly url: string;
  /** unix: the socket's absolute path. */
  readonly socketPath?: string;
  /** tcp/http/https: where to connect. */
  readonly hostname?: string;
  readonly port?: number;
  readonly pathPrefix?: string;
  /** TLS that the scheme, the port or DOCKER_TLS_VERIFY / DOCKER_TLS ask for. */
  readonly tls?: DockerHostTls;
  /** The environment asks for TLS (DOCKER_TLS_VERIFY or DOCKER_TLS), whatever the scheme. */
  readonly envTls?: 'DOCKER_TLS_VERIFY' | 'DOCKER_TLS';
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;
const HOST_PORT = /^[^/\s:]*:\d+$/;
/** `host`, `host:port`, `[v6]`, `[v6]:port` (port as written, checked below). */
const AUTHORITY = /^(\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/s;
const MAX_PORT = 65535;
const TCP_SCHEMES = new Set(['tcp', 'http', 'https']);

export function parseDockerHost(openParams: string, env: NodeJS.ProcessEnv, options: ParseOptions = {}): DockerHost {
  const fromParams = openParams.trim();
  const fromEnv = (env['DOCKER_HOST'] ?? '').trim();
  const origin: HostOrigin = fromParams !== '' ? 'open_params' : fromEnv !== '' ? 'DOCKER_HOST' : 'default';
  const given = origin === 'open_params' ? fromParams : origin === 'DOCKER_HOST' ? fromEnv : DEFAULT_DOCKER_HOST;
  const where = describeOrigin({ origin, given });

  let match = SCHEME.exec(given);
  if (match === null && HOST_PORT.test(given)) match = SCHEME.exec(`tcp://${given}`);
  if (match === null) {
    const hint = given.startsWith('/') ? ` (for a socket write unix://${given})` : '';
    throw new OpenParamsError(
      `${where} is not a Docker host${hint}; expected unix:///path/to/docker.sock (an absolute path), ` +
        'or empty for DOCKER_HOST or unix:///var/run/docker.sock',
    );
  }
  const scheme = match[1].toLowerCase();
  const rest = match[2];

  if (scheme === 'unix') {
    const socketPath = rest === '' ? DEFAULT_SOCKET_PATH : rest;
    if (!socketPath.startsWith('/') || socketPath.includes('\0')) {
      throw new OpenParamsError(
        `${where} names the socket path "${socketPath}", which is not absolute; expected unix:///path/to/docker.sock`,
      );
    }
    const normalised = path.posix.normalize(socketPath);
    return { given, origin, scheme, rest, url: `unix://${normalised}`, socketPath: normalised };
  }

  if (TCP_SCHEMES.has(scheme)) return parseTcpHost({ given, origin, scheme, rest }, env, options, where);

  return { given, origin, scheme, rest, url: `${scheme}://${rest}` };
}

function parseTcpHost(
  address: Pick<DockerHost, 'given' | 'origin' | 'scheme' | 'rest'>,
  env: NodeJS.ProcessEnv,
  options: ParseOptions,
  where: string,
): DockerHost {
  const { scheme, rest } = address;
  const expected = `expected ${scheme}://host:port, e.g. ${scheme}://127.0.0.1:${scheme === 'https' ? DEFAULT_TLS_PORT : DEFAULT_PORT}`;
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const parts = AUTHORITY.exec(authority);
  if (parts === null) throw new OpenParamsError(`${where} is not a valid address; ${expected}`);
  const givenPort = parts[2];
  if (givenPort !== undefined) checkPort(givenPort, where, expected);

  let parsed: URL;
  try {
    // Docker: `tcp://` and `tcp://:2375` mean localhost.
    parsed = new URL(`http://${rest === '' || rest.startsWith(':') ? `localhost${rest}` : rest}`);
  } catch {
    throw new OpenParamsError(`${where} is not a valid address; ${expected}`);
  }
  if (parsed.username !== '' || parsed.search !== '' || parsed.hash !== '') {
    throw new OpenParamsError(`${where} may not carry credentials, a query or a fragment; ${expected}`);
  }

  const verifyEnv = (env['DOCKER_TLS_VERIFY'] ?? '') !== '';
  const envTls = verifyEnv ? 'DOCKER_TLS_VERIFY' : (env['DOCKER_TLS'] ?? '') !== '' ? 'DOCKER_TLS' : undefined;
  const tlsByDefault = scheme === 'https' || envTls !== undefined || options.explicitTls === true;
  const port = givenPort === undefined ? (tlsByDefault ? DEFAULT_TLS_PORT : DEFAULT_PORT) : Number(givenPort);
  const reason: TlsReason | undefined =
    scheme === 'https' ? 'https://' : envTls ?? (scheme === 'tcp' && port === DEFAULT_TLS_PORT ? 'port 2376' : undefined);
  const certPathEnv = env['DOCKER_CERT_PATH'] ?? '';
  const tls: DockerHostTls | undefined =
    reason === undefined
      ? undefined
      : {
          reason,
          verify: verifyEnv || envTls === undefined,
          certPath: certPathEnv !== '' ? certPathEnv : path.join(os.homedir(), '.docker'),
          certPathFrom: certPathEnv !== '' ? 'DOCKER_CERT_PATH' : 'default',
          required: verifyEnv || certPathEnv !== '',
        };
  // URL keeps an IPv6 address in brackets; sockets and certificates want it bare.
  const hostname = parsed.hostname === '' ? 'localhost' : parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const pathPrefix = parsed.pathname === '/' ? '' : parsed.pathname;
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    ...address,
    url: `${scheme}://${host}:${port}${pathPrefix}`,
    hostname,
    port,
    ...(pathPrefix !== '' ? { pathPrefix } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(envTls !== undefined ? { envTls } : {}),
  };
}

function checkPort(port: string, where: string, expected: string): void {
  if (port === '') throw new OpenParamsError(`${where} has no port after the ":"; ${expected}`);
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > MAX_PORT) {
    throw new OpenParamsError(`${where} has port "${port}", which is not a number from 1 to ${MAX_PORT}; ${expected}`);
  }
}

/** Where an address came from, for messages: `open_params "…"`, `DOCKER_HOST "…"`, `the default …`. */
export function describeOrigin(host: Pick<DockerHost, 'origin' | 'given'>): string {
  switch (host.origin) {
    case 'open_params':
      return `open_params "${host.given}"`;
    case 'DOCKER_HOST':
      return `DOCKER_HOST "${host.given}"`;
    case 'default':
      return `the default ${host.given} (open_params and DOCKER_HOST are empty)`;
  }
}
