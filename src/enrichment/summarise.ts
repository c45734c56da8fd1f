// Inspect answers → the members of the `enrichment` key, normalised as docs/enrichment.md says. Only what
// rules need is kept (a few hundred bytes per container, not the inspect's kilobytes), and environment
// values are never read: only their names. A member the daemon left out or mistyped gets its neutral value.

export interface PortBinding {
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface Mount {
  readonly type: string;
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
}

export interface ContainerContext {
  readonly privileged: boolean;
  readonly user: string;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly mounts: readonly Mount[];
  readonly pidMode: string;
  readonly networkMode: string;
  readonly ipcMode: string;
  readonly utsMode: string;
  readonly usernsMode: string;
  readonly securityOpt: readonly string[];
  readonly readonlyRootfs: boolean;
  readonly devices: readonly string[];
  readonly ports: readonly PortBinding[];
  readonly restartPolicy: string;
  readonly cmdline: string;
  readonly workdir: string;
  readonly envNames: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface ExecContext {
  readonly user: string;
  readonly privileged: boolean;
  readonly tty: boolean;
  readonly cmdline: string;
}

/** What a container's inspect gives: its context and the ID of its image (to inspect next). */
export interface InspectedContainer {
  readonly container: ContainerContext;
  readonly imageId: string | null;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function string(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function bool(value: unknown): boolean {
  return value === true;
}

/** `sys_admin`, `SYS_ADMIN`, `CAP_SYS_ADMIN` → `CAP_SYS_ADMIN`; `all` → `ALL`. */
export function capabilityName(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** `seccomp:unconfined` → `seccomp=unconfined`; an inline seccomp profile → `seccomp=<profile>`. */
export function securityOption(option: string): string {
  const separator = option.search(/[=:]/);
  if (separator < 0) return option;
  const key = option.slice(0, separator);
  const value = option.slice(separator + 1);
  if (key === 'seccomp' && value.trimStart().startsWith('{')) return 'seccomp=<profile>';
  return `${key}=${value}`;
}

function ports(bindings: unknown): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [containerSide, hostSides] of Object.entries(object(bindings))) {
    const [port, protocol = 'tcp'] = containerSide.split('/');
    if (!Array.isArray(hostSides)) continue;
    for (const hostSide of hostSides) {
      const binding = object(hostSide);
      out.push({
        hostIp: string(binding['HostIp']) || '0.0.0.0',
        hostPort: Number.parseInt(string(binding['HostPort']), 10) || 0,
        containerPort: Number.parseInt(port, 10) || 0,
        protocol,
      });
    }
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function restartPolicy(policy: unknown): string {
  const { Name: name, MaximumRetryCount: retries } = object(policy);
  const base = string(name) || 'no';
  return base === 'on-failure' && typeof retries === 'number' && retries > 0 ? `${base}:${retries}` : base;
}

function labels(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, label] of Object.entries(object(value))) if (typeof label === 'string') out[key] = label;
  return out;
}

/** The container's context from GET /containers/{id}/json; null when the answer is not an inspect. */
export function summariseContainer(inspect: unknown): InspectedContainer | null {
  const root = object(inspect);
  if (typeof root['Id'] !== 'string') return null;
  const host = object(root['HostConfig']);
  const config = object(root['Config']);
  const mounts: Mount[] = [];
  if (Array.isArray(root['Mounts'])) {
    for (const m of root['Mounts'] as unknown[]) {
      const mount = object(m);
      mounts.push({ type: string(mount['Type']), source: string(mount['Source']), destination: string(mount['Destination']), rw: bool(mount['RW']) });
    }
    // The daemon lists them in map order, which changes from one inspect to the next.
    mounts.sort((a, b) => compare(a.destination, b.destination));
  }
  const devices = Array.isArray(host['Devices']) ? (host['Devices'] as unknown[]).map((d) => string(object(d)['PathOnHost'])).filter((p) => p !== '') : [];
  const image = string(root['Image']);
  return {
    container: {
      privileged: bool(host['Privileged']),
      user: string(config['User']) || 'root',
      capAdd: strings(host['CapAdd']).map(capabilityName),
      capDrop: strings(host['CapDrop']).map(capabilityName),
      mounts,
      pidMode: string(host['PidMode']),
      networkMode: string(host['NetworkMode']),
      ipcMode: string(host['IpcMode']),
      utsMode: string(host['UTSMode']),
      usernsMode: string(host['UsernsMode']),
      securityOpt: strings(host['SecurityOpt']).map(securityOption),
      readonlyRootfs: bool(host['ReadonlyRootfs']),
      devices,
      ports: ports(host['PortBindings']),
      restartPolicy: restartPolicy(host['RestartPolicy']),
      cmdline: [string(root['Path']), ...strings(root['Args'])].filter((part) => part !== '').join(' '),
      workdir: string(config['WorkingDir']) || '/',
      envNames: strings(config['Env']).map((entry) => entry.split('=', 1)[0]),
      labels: labels(config['Labels']),
    },
    imageId: image === '' ? null : image,
  };
}

/** The digest (`sha256:…`) of the image's first repository digest; null for a locally built image. */
export function summariseImage(inspect: unknown): string | null {
  const first = strings(object(inspect)['RepoDigests'])[0];
  if (first === undefined) return null;
  const at = first.lastIndexOf('@');
  return at < 0 ? null : first.slice(at + 1);
}

/** The exec's context from GET /exec/{id}/json, its user defaulting to the container's. */
export function summariseExec(inspect: unknown, containerUser: string | null): ExecContext | null {
  const root = object(inspect);
  if (typeof root['ProcessConfig'] !== 'object' || root['ProcessConfig'] === null) return null;
  const process = object(root['ProcessConfig']);
  return {
    user: string(process['user']) || containerUser || 'root',
    privileged: bool(process['privileged']),
    tty: bool(process['tty']),
    cmdline: [string(process['entrypoint']), ...strings(process['arguments'])].filter((part) => part !== '').join(' '),
  };
}
