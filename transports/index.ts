// The transport registry: open_params (or DOCKER_HOST, or the default) → the transport serving its scheme.
// Adding a transport = one module implementing TransportFactory + one entry in TRANSPORTS.

import { OpenParamsError } from '../src/errors';
import { describeOrigin, parseDockerHost } from './docker-host';
import type { Transport, TransportFactory } from './transport';
import { unixSocketTransport } from './unix-socket';

const TRANSPORTS: readonly TransportFactory[] = [unixSocketTransport];

/** Schemes a later version will serve: they get "not supported yet" rather than "unknown". */
const PLANNED: Readonly<Record<string, string>> = {
  tcp: 'tcp://host:2375',
  http: 'http://host:2375',
  https: 'https://host:2376',
  file: 'file:///path/to/events.jsonl',
};

export function acceptedForms(): string[] {
  return [
    ...TRANSPORTS.flatMap((t) => t.forms),
    'or empty for DOCKER_HOST, else unix:///var/run/docker.sock',
  ];
}

/** The transport for this open_params string and environment; throws OpenParamsError. */
export function selectTransport(openParams: string, env: NodeJS.ProcessEnv): Transport {
  const host = parseDockerHost(openParams, env);
  const factory = TRANSPORTS.find((t) => t.schemes.includes(host.scheme));
  if (factory !== undefined) return factory.create(host, env);
  const accepted = `accepted forms: ${acceptedForms().join(', ')}`;
  if (host.scheme in PLANNED) {
    throw new OpenParamsError(`${host.scheme}:// (${describeOrigin(host)}) is not supported yet; ${accepted}`);
  }
  throw new OpenParamsError(`unknown scheme "${host.scheme}://" in ${describeOrigin(host)}; ${accepted}`);
}
