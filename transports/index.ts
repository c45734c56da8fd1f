// The transport registry: open_params (or DOCKER_HOST, or the default) → the transport serving its scheme,
// or, for several addresses separated by commas, one per endpoint. The engine reaches transports only
// through here and the contract (./transport.ts). Adding a transport = one module implementing
// TransportFactory + one entry in TRANSPORTS.

import { OpenParamsError } from '../src/errors';
import { describeOrigin, parseDockerHost } from './docker-host';
import { FAN_IN_SEPARATOR, parseFanIn } from './fan-in';
import { fileReplayTransport } from './file-replay';
import { pollTransport } from './poll';
import { tcpTransport } from './tcp';
import type { Sources, Transport, TransportContext, TransportFactory } from './transport';
import { unixSocketTransport } from './unix-socket';

const TRANSPORTS: readonly TransportFactory[] = [unixSocketTransport, tcpTransport, pollTransport, fileReplayTransport];

function acceptedForms(): string[] {
  return [
    ...TRANSPORTS.flatMap((t) => t.forms),
    'several of these separated by commas',
    'or empty for DOCKER_HOST, else unix:///var/run/docker.sock',
  ];
}

/**
 * What `openParams` (with `env`: DOCKER_HOST, DOCKER_TLS_VERIFY, …) selects: one endpoint, or each of a
 * fan-in. Throws OpenParamsError (or another EngineError for settings a transport cannot use).
 */
export function selectSources(openParams: string, env: NodeJS.ProcessEnv, context: TransportContext): Sources {
  // A fan-in: each endpoint is built here like a lone open_params (it cannot hold another comma).
  if (openParams.includes(FAN_IN_SEPARATOR)) return parseFanIn(openParams, (one) => selectTransport(one, env, context));
  const transport = selectTransport(openParams, env, context);
  return { target: transport.target, endpoints: [{ given: transport.target, transport }], fanIn: false };
}

/** The transport serving one address (no comma). */
function selectTransport(address: string, env: NodeJS.ProcessEnv, context: TransportContext): Transport {
  const host = parseDockerHost(address, env, { explicitTls: context.config.tls !== undefined });
  const factory = TRANSPORTS.find((t) => t.schemes.includes(host.scheme));
  if (factory !== undefined) return factory.create(host, env, context);
  throw new OpenParamsError(`unknown scheme "${host.scheme}://" in ${describeOrigin(host)}; accepted forms: ${acceptedForms().join(', ')}`);
}
