// The test's own statement of what each field must hold for a given Docker
// event JSON (README's field table and docs/enrichment.md in code), independent of the plugin's C++.
type Expected = string | bigint | boolean | string[] | null;

/** The most values a list field gives (the first ones; native/plugin/fields.h, kMaxListValues). */
export const MAX_LIST_VALUES = 1024;

const ATTRIBUTE_FIELDS: Record<string, string> = {
  'docker.stack.namespace': 'com.docker.stack.namespace',
  'docker.node.id': 'com.docker.swarm.node.id',
  'docker.swarm.task': 'com.docker.swarm.task',
  'docker.swarm.taskid': 'com.docker.swarm.task.id',
  'docker.swarm.taskname': 'com.docker.swarm.task.name',
  'docker.swarm.servicename': 'com.docker.swarm.service.name',
  'docker.node.statenew': 'state.new',
  'docker.node.stateold': 'state.old',
  'docker.attributes.container': 'container',
  'docker.attributes.image': 'image',
  'docker.attributes.name': 'name',
  'docker.attributes.type': 'type',
  'docker.attributes.exitcode': 'exitCode',
  'docker.attributes.signal': 'signal',
};

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

function object(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A list field's values: none for an empty list (Falco cannot tell it from a missing one). */
function list(values: string[]): string[] | null {
  const first = values.slice(0, MAX_LIST_VALUES);
  return first.length > 0 ? first : null;
}

/** The elements of an array that `keep` maps to a string, in order; null when `v` is not an array. */
function listOf(v: unknown, keep: (element: unknown) => string | null): string[] | null {
  if (!Array.isArray(v)) return null;
  return list(v.map(keep).filter((s): s is string => s !== null));
}

/** The registry host of an image reference, as Docker resolves it; null for an image ID. */
export function imageRegistry(reference: string): string | null {
  if (/^sha256:[0-9a-f]+$/.test(reference) || /^[0-9a-f]{64}$/.test(reference)) return null;
  const name = reference.split('@')[0] ?? '';
  const slash = name.indexOf('/');
  if (name === '' || slash === 0) return null;
  if (slash < 0) return 'docker.io';
  const first = name.slice(0, slash);
  const host = first === 'localhost' || /[.:A-Z]/.test(first);
  return host && first !== 'index.docker.io' ? first : 'docker.io';
}

/** A port binding as `hostIp:hostPort/protocol` (IPv6 in brackets), or `hostPort/protocol` when public. */
function port(p: unknown, publicOnly: boolean): string | null {
  const b = object(p);
  if (!b || typeof b.hostIp !== 'string' || typeof b.protocol !== 'string') return null;
  const hostPort = b.hostPort;
  if (typeof hostPort !== 'number' || !Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535) return null;
  if (publicOnly) return ['', '0.0.0.0', '::'].includes(b.hostIp) ? `${hostPort}/${b.protocol}` : null;
  const ip = b.hostIp === '' ? '0.0.0.0' : b.hostIp;
  return `${ip.includes(':') ? `[${ip}]` : ip}:${hostPort}/${b.protocol}`;
}

/** The fields that read the engine's container context (docs/enrichment.md, "Fields"). */
function contextFields(enrichment: unknown, argKey: string): Record<string, Expected> {
  const c = object(object(enrichment)?.container) ?? {};
  const image = object(object(enrichment)?.image) ?? {};
  const exec = object(object(enrichment)?.exec) ?? {};
  const strings = (v: unknown): string[] | null => listOf(v, str);
  const mount = (keep: (m: Record<string, unknown>) => unknown) =>
    listOf(c.mounts, (m) => {
      const o = object(m);
      return o ? str(keep(o)) : null;
    });
  return {
    'docker.container.privileged': bool(c.privileged),
    'docker.container.user': str(c.user),
    'docker.container.cap_add': strings(c.capAdd),
    'docker.container.cap_drop': strings(c.capDrop),
    'docker.container.mount.sources': mount((m) => (m.type === 'bind' ? m.source : null)),
    'docker.container.mount.rw_sources': mount((m) => (m.type === 'bind' && m.rw === true ? m.source : null)),
    'docker.container.mount.destinations': mount((m) => m.destination),
    'docker.container.pid_mode': str(c.pidMode),
    'docker.container.network_mode': str(c.networkMode),
    'docker.container.ipc_mode': str(c.ipcMode),
    'docker.container.uts_mode': str(c.utsMode),
    'docker.container.userns_mode': str(c.usernsMode),
    'docker.container.security_opt': strings(c.securityOpt),
    'docker.container.readonly_rootfs': bool(c.readonlyRootfs),
    'docker.container.devices': strings(c.devices),
    'docker.container.ports': listOf(c.ports, (p) => port(p, false)),
    'docker.container.public_ports': listOf(c.ports, (p) => port(p, true)),
    'docker.container.restart_policy': str(c.restartPolicy),
    'docker.container.cmdline': str(c.cmdline),
    'docker.container.workdir': str(c.workdir),
    'docker.container.env_names': strings(c.envNames),
    'docker.container.label': str(object(c.labels)?.[argKey]),
    'docker.image.id': str(image.id),
    'docker.image.digest': str(image.digest),
    'docker.exec.user': str(exec.user),
    'docker.exec.cmdline': str(exec.cmdline),
    'docker.exec.privileged': bool(exec.privileged),
    'docker.exec.tty': bool(exec.tty),
  };
}

/**
 * Expected value of every field (all the values of a list field); `docker.attributes[argKey]` and
 * `docker.container.label[argKey]` for the keyed fields; `defaultHost` is the endpoint of the open capture,
 * which docker.host gives for events that do not name their daemon.
 */
export function expectedFields(json: string, defaultHost: string, argKey = 'name'): Record<string, Expected> {
  const e = JSON.parse(json) as Record<string, unknown>;
  const actor = (e.Actor ?? {}) as Record<string, unknown>;
  const attrs = (actor.Attributes ?? {}) as Record<string, unknown>;
  const legacy = e.Type === 'container' || e.Type === 'image';
  const nano = /"timeNano":(\d+)/.exec(json.slice(json.lastIndexOf('"timeNano":')));
  const seconds = typeof e.time === 'number' ? BigInt(e.time) * 1_000_000_000n : null;
  const out: Record<string, Expected> = {
    'docker.status': str(e.status) ?? (legacy ? str(e.Action) : null),
    'docker.id': str(e.id) ?? (legacy ? str(actor.ID) : null),
    'docker.from': str(e.from) ?? (e.Type === 'container' ? str(attrs.image) : null),
    'docker.type': str(e.Type),
    'docker.action': str(e.Action),
    'docker.scope': str(e.scope),
    'docker.actor.id': str(actor.ID),
    'docker.attributes': str(attrs[argKey]),
    'docker.time': nano?.[1] !== undefined ? BigInt(nano[1]) : seconds,
    'docker.host': str(e.host) ?? defaultHost,
    'docker.image.registry': e.Type === 'container' && typeof attrs.image === 'string' ? imageRegistry(attrs.image) : null,
    ...contextFields(e.enrichment, argKey),
  };
  for (const [field, key] of Object.entries(ATTRIBUTE_FIELDS)) out[field] = str(attrs[key]);
  return out;
}
