// The test's own statement of what each field must hold for a given Docker
// event JSON (README's field table in code), independent of the plugin's C++.
type Expected = string | bigint | null;

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

/**
 * Expected value of every field; `docker.attributes[argKey]` for the keyed field; `defaultHost` is the
 * endpoint of the open capture, which docker.host gives for events that do not name their daemon.
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
  };
  for (const [field, key] of Object.entries(ATTRIBUTE_FIELDS)) out[field] = str(attrs[key]);
  return out;
}
