// The transport registry: open_params (or DOCKER_HOST, or the default) → the transport serving its scheme.
// Adding a transport = one module implementing TransportFactory + one entry in TRANSPORTS.

import { parseConfig } from '../src/config/config';
import { OpenParamsError } from '../src/errors';
import { createLogger } from '../src/log';
import { describeOrigin, parseDockerHost } from './docker-host';
import { FAN_IN_SEPARATOR, parseFanIn } from './fan-in';
import { fileReplayTransport } from './file-replay';
import { pollTransport } from './poll';
import { tcpTransport } from './tcp';
import type { Transport, TransportContext, TransportFactory } from './transport';
import { unixSocketTransport } from './unix-socket';

const TRANSPORTS: readonly TransportFactory[] = [unixSocketTransport, tcpTransport, pollTransport, fileReplayTransport];

/** Schemes a later version will serve: they get "not supported yet" rather than "unknown". */
const PLANNED: Readonly<Record<string, string>> = {};

export function acceptedForms(): string[] {
  return [
    ...TRANSPORTS.flatMap((t) => t.forms),
    'several of these separated by commas',
    'or empty for DOCKER_HOST, else unix:///var/run/docker.sock',
  ];
}

/**
 * The transport for this open_params string and environment; throws OpenParamsError (or another
 * EngineError for settings a transport cannot use). `context` defaults to the default config, no log.
 */
export function selectTransport(openParams: string, env: NodeJS.ProcessEnv, context?: TransportContext): Transport {
  const ctx = context ?? { config: parseConfig({}), log: createLogger('error', () => undefined) };
  // A fan-in: each endpoint is built here like a lone open_params (it cannot hold another comma).
  if (openParams.includes(FAN_IN_SEPARATOR)) return parseFanIn(openParams, (one) => selectTransport(one, env, ctx));
  const host = parseDockerHost(openParams, env, { explicitTls: ctx.config.tls !== undefined });
  const factory = TRANSPORTS.find((t) => t.schemes.includes(host.scheme));
  if (factory !== undefined) return factory.create(host, env, ctx);
  const accepted = `accepted forms: ${acceptedForms().join(', ')}`;
  if (host.scheme in PLANNED) {
    throw new OpenParamsError(`${host.scheme}:// (${describeOrigin(host)}) is not supported yet; ${accepted}`);
  }
  throw new OpenParamsError(`unknown scheme "${host.scheme}://" in ${describeOrigin(host)}; ${accepted}`);
}
