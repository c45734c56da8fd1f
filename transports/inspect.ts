// GET /containers|exec|images/{id}/json for an event's container context (docs/enrichment.md), through
// the same client as the event stream, so the same addresses and failures apply. An ID comes from an event
// the daemon sent: anything but a plain name (hex IDs, container names, `sha256:` image IDs) is refused
// rather than put into a path.

import { InspectError } from '../src/errors';
import type { Connector } from './connector';
import { DaemonClient } from './daemon-client';
import type { DockerHost } from './docker-host';
import { MAX_CONCURRENT_INSPECTS, type InspectKind, type InspectRequest } from './transport';

/** Container inspects run to a few kB; a label- or env-heavy one to tens. Anything past this is not one. */
const MAX_INSPECT_BYTES = 4 * 1024 * 1024;
const OBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

const PATHS: Readonly<Record<InspectKind, string>> = { container: '/containers', exec: '/exec', image: '/images' };

/** A client for inspects: its connections are kept between them. */
export function inspectClient(host: DockerHost, connector: Connector): DaemonClient {
  return new DaemonClient(host, connector, { keptConnections: MAX_CONCURRENT_INSPECTS });
}

/** The inspect answer, parsed; null when the daemon has no such object. */
export function inspectObject(client: DaemonClient, request: InspectRequest): Promise<unknown> {
  const { kind, id, signal, timeoutMs } = request;
  if (!OBJECT_ID.test(id)) return Promise.reject(new InspectError(`refused to inspect ${kind} ${JSON.stringify(id.slice(0, 80))}: not a Docker object ID`));
  return client.getJson(`${PATHS[kind]}/${encodeURIComponent(id)}/json`, { signal, timeoutMs }, MAX_INSPECT_BYTES);
}
