// Docker's own conventions for naming a daemon, parsed in one function: open_params if given, else
// DOCKER_HOST, else unix:///var/run/docker.sock; `unix://` alone is the default socket; `host:port`
// without a scheme is tcp; tcp/http default to port 2375, TLS (https://, DOCKER_TLS_VERIFY, DOCKER_TLS)
// to 2376 with certificates from DOCKER_CERT_PATH (default ~/.docker). Which schemes can actually be used
// is the registry's business (./index.ts); this module only understands them.

import * as os from 'node:os';
import * as path from 'node:path';
import { OpenParamsError } from '../src/errors';

export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';
export const DEFAULT_DOCKER_HOST = `unix://${DEFAULT_SOCKET_PATH}`;
const DEFAULT_PORT = 2375;
const DEFAULT_TLS_PORT = 2376;

export type HostOrigin = 'open_params' | 'DOCKER_HOST' | 'default';

export interface DockerHostTls {
  /** Verify the daemon's certificate against ca.pem (DOCKER_TLS_VERIFY). */
  readonly verify: boolean;
  /** Directory of ca.pem, cert.pem, key.pem. */
  readonly certPath: string;
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
  readonly tls?: DockerHostTls;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;
const HOST_PORT = /^[^/\s:]*:\d+$/;
const TCP_SCHEMES = new Set(['tcp', 'http', 'https']);

export function parseDockerHost(openParams: string, env: NodeJS.ProcessEnv): DockerHost {
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

  if (TCP_SCHEMES.has(scheme)) return parseTcpHost(given, origin, scheme, rest, env, where);

  return { given, origin, scheme, rest, url: `${scheme}://${rest}` };
}

function parseTcpHost(
  given: string,
  origin: HostOrigin,
  scheme: string,
  rest: string,
  env: NodeJS.ProcessEnv,
  where: string,
): DockerHost {
  let parsed: URL;
  try {
    // Docker: `tcp://` and `tcp://:2375` mean localhost.
    parsed = new URL(`http://${rest === '' || rest.startsWith(':') ? `localhost${rest}` : rest}`);
  } catch {
    throw new OpenParamsError(`${where} is not a valid address; expected ${scheme}://host:port`);
  }
  if (parsed.username !== '' || parsed.search !== '' || parsed.hash !== '') {
    throw new OpenParamsError(`${where} may not carry credentials, a query or a fragment; expected ${scheme}://host:port`);
  }
  const verify = (env['DOCKER_TLS_VERIFY'] ?? '') !== '';
  const useTls = scheme === 'https' || verify || (env['DOCKER_TLS'] ?? '') !== '';
  const tls: DockerHostTls | undefined = useTls
    ? { verify, certPath: env['DOCKER_CERT_PATH'] || path.join(os.homedir(), '.docker') }
    : undefined;
  const hostname = parsed.hostname === '' ? 'localhost' : parsed.hostname;
  const port = parsed.port === '' ? (useTls ? DEFAULT_TLS_PORT : DEFAULT_PORT) : Number(parsed.port);
  const pathPrefix = parsed.pathname === '/' ? '' : parsed.pathname;
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    given,
    origin,
    scheme,
    rest,
    url: `${scheme}://${host}:${port}${pathPrefix}`,
    hostname,
    port,
    ...(pathPrefix !== '' ? { pathPrefix } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
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
