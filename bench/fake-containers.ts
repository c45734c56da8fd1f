// The containers behind the bench's fake daemon (bench/load-generator.ts): what its events are about and what
// it answers when the engine inspects them (docs/enrichment.md), as dockerd 27 does:
//   GET /containers/{id or name}/json   the container's inspect document (State as of the last event emitted)
//   GET /exec/{id}/json                 an exec's inspect document
//   GET /images/{id or reference}/json  an image's inspect document (RepoDigests; none for a local build)
// and 404 with dockerd's message for an ID it does not know (never created, or destroyed).
//
// Two event sources use it: the ring of the fixed-rate phases (1000 containers whose lifecycles repeat; all of
// them exist for the inspects), and LifecycleSource, distinct containers created, started, (exec'd,) dying
// and destroyed at a given number of lifecycles per second, the daemon's state following each event as it is
// emitted. Everything is deterministic from the container number n: its name, image and the security-relevant
// settings (privileged, capabilities, binds, host namespaces, ports, seccomp, devices...) vary with n.

const HEX = '0123456789abcdef';

/** A deterministic 64-hex-digit ID (like a container or network ID) from a seed. */
export function hexId(seed: number): string {
  let x = (seed * 2654435761 + 0x9e3779b9) >>> 0;
  let out = '';
  for (let i = 0; i < 64; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += HEX[x & 15];
  }
  return out;
}

// ------------------------------------------------------------------ images

export interface ImageSpec {
  readonly ref: string;
  /** Image labels, as the daemon copies them into a container event's attributes (Go-escaped JSON fragments). */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  /** Compose service name, entrypoint and command, USER, working directory, environment of the image. */
  readonly service: string;
  readonly path: string;
  readonly args: readonly string[];
  readonly user: string;
  readonly workdir: string;
  readonly env: readonly string[];
  readonly exposed: readonly string[];
  /** A repository digest (pulled image), or null (built locally: no RepoDigests). */
  readonly pulled: boolean;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The ring's images (their order fixes the ring's events, whose sizes the README quotes). */
export const IMAGES: readonly ImageSpec[] = [
  {
    ref: 'nginx:1.27-alpine',
    labels: [['maintainer', 'NGINX \\u003cdocker-maint@nginx.com\\u003e']],
    service: 'web',
    path: '/docker-entrypoint.sh',
    args: ['nginx', '-g', 'daemon off;'],
    user: '',
    workdir: '',
    env: [PATH_ENV, 'NGINX_VERSION=1.27.3', 'PKG_RELEASE=1', 'NJS_VERSION=0.8.7'],
    exposed: ['80/tcp'],
    pulled: true,
  },
  {
    ref: 'registry.example.com/shop/api:2.14.3',
    labels: [['org.opencontainers.image.version', '2.14.3']],
    service: 'api',
    path: '/app/server',
    args: ['--listen', ':8443', '--config', '/etc/shop/api.yaml'],
    user: '10001',
    workdir: '/app',
    env: [PATH_ENV, 'SHOP_ENV=production', 'DATABASE_URL=postgres://shop:s3cr3t@db:5432/shop', 'API_TOKEN=tok_live_4f8a2c9e'],
    exposed: ['8443/tcp'],
    pulled: true,
  },
  {
    ref: 'postgres:16.4',
    labels: [],
    service: 'db',
    path: 'docker-entrypoint.sh',
    args: ['postgres'],
    user: '',
    workdir: '',
    env: [PATH_ENV, 'POSTGRES_PASSWORD=s3cr3t', 'POSTGRES_USER=shop', 'PGDATA=/var/lib/postgresql/data', 'PG_MAJOR=16', 'PG_VERSION=16.4-1.pgdg120+1'],
    exposed: ['5432/tcp'],
    pulled: true,
  },
  {
    ref: 'redis:7.4.1',
    labels: [['com.example.team', 'platform']],
    service: 'cache',
    path: 'docker-entrypoint.sh',
    args: ['redis-server', '--appendonly', 'yes'],
    user: '',
    workdir: '/data',
    env: [PATH_ENV, 'REDIS_VERSION=7.4.1', 'REDIS_DOWNLOAD_SHA=bc34ac'],
    exposed: ['6379/tcp'],
    pulled: true,
  },
];

/** The lifecycles' images: the ring's and one built locally (no repository digest). */
export const LIFECYCLE_IMAGES: readonly ImageSpec[] = [
  ...IMAGES,
  {
    ref: 'shop-batch:dev',
    labels: [['org.opencontainers.image.source', 'https://git.example.com/shop/batch']],
    service: 'batch',
    path: 'sh',
    args: ['-c', 'python /app/batch.py --once'],
    user: 'batch:batch',
    workdir: '/app',
    env: [PATH_ENV, 'PYTHONUNBUFFERED=1', 'BATCH_SECRET=b4tch'],
    exposed: [],
    pulled: false,
  },
];

const imageIds = new Map<string, string>();
/** "sha256:<64 hex>" of an image. */
export function imageId(image: ImageSpec): string {
  let id = imageIds.get(image.ref);
  if (id === undefined) {
    id = `sha256:${hexId(2_000_000 + LIFECYCLE_IMAGES.findIndex((i) => i.ref === image.ref))}`;
    imageIds.set(image.ref, id);
  }
  return id;
}

function repoOf(ref: string): string {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

function imageDocument(image: ImageSpec): object {
  const i = LIFECYCLE_IMAGES.indexOf(image);
  const labels = Object.fromEntries(image.labels.map(([k, v]) => [k, v.replace(/\\u003c/g, '<').replace(/\\u003e/g, '>')]));
  return {
    Id: imageId(image),
    RepoTags: [image.ref],
    RepoDigests: image.pulled ? [`${repoOf(image.ref)}@sha256:${hexId(3_000_000 + i)}`] : [],
    Parent: '',
    Comment: image.pulled ? '' : 'buildkit.dockerfile.v0',
    Created: '2024-11-12T08:14:09.482310911Z',
    DockerVersion: '',
    Author: '',
    Config: {
      User: image.user,
      ExposedPorts: image.exposed.length ? Object.fromEntries(image.exposed.map((p) => [p, {}])) : null,
      Env: image.env.filter((e) => !/PASSWORD|SECRET|TOKEN|DATABASE_URL/.test(e)),
      Entrypoint: image.path.startsWith('/') || image.path.endsWith('.sh') ? [image.path] : null,
      Cmd: image.path.startsWith('/') || image.path.endsWith('.sh') ? [...image.args] : [image.path, ...image.args],
      WorkingDir: image.workdir,
      Labels: image.labels.length ? labels : null,
      StopSignal: image.service === 'web' ? 'SIGQUIT' : '',
      Volumes: image.service === 'db' ? { '/var/lib/postgresql/data': {} } : null,
      OnBuild: null,
    },
    Architecture: 'amd64',
    Os: 'linux',
    Size: 48_213_511 + i * 17_123_457,
    GraphDriver: {
      Data: {
        LowerDir: `/var/lib/docker/overlay2/${hexId(4_000_000 + i).slice(0, 25)}/diff`,
        MergedDir: `/var/lib/docker/overlay2/${hexId(4_100_000 + i)}/merged`,
        UpperDir: `/var/lib/docker/overlay2/${hexId(4_100_000 + i)}/diff`,
        WorkDir: `/var/lib/docker/overlay2/${hexId(4_100_000 + i)}/work`,
      },
      Name: 'overlay2',
    },
    RootFS: { Type: 'layers', Layers: [0, 1, 2, 3].map((l) => `sha256:${hexId(5_000_000 + i * 10 + l)}`) },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

// ------------------------------------------------------------------ containers

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface FakeContainer {
  readonly n: number;
  readonly id: string;
  readonly name: string;
  readonly image: ImageSpec;
  status: ContainerStatus;
  createdNs: bigint;
  startedNs: bigint | null;
  finishedNs: bigint | null;
  exitCode: number;
  execIds: string[];
}

export interface FakeExec {
  readonly id: string;
  readonly container: FakeContainer;
  running: boolean;
  exitCode: number | null;
}

const EPOCH_ISO = '0001-01-01T00:00:00Z';

/** RFC 3339 with nanoseconds, as Go marshals a time.Time. */
function isoNs(ns: bigint | null): string {
  if (ns === null) return EPOCH_ISO;
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

const EXIT_CODES = ['0', '0', '1', '0', '137', '0', '2'];

/** The security-relevant settings of container n: what docs/enrichment.md reads, varied with n. */
function hostSettings(c: FakeContainer): {
  privileged: boolean;
  capAdd: string[] | null;
  capDrop: string[] | null;
  binds: string[] | null;
  volume: { name: string; destination: string } | null;
  networkMode: string;
  pidMode: string;
  securityOpt: string[] | null;
  readonlyRootfs: boolean;
  devices: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  restart: { Name: string; MaximumRetryCount: number };
  user: string;
} {
  const n = c.n;
  const image = c.image;
  const binds: string[] = [];
  if (image.service === 'web') binds.push('/srv/shop/nginx.conf:/etc/nginx/nginx.conf:ro', '/srv/shop/static:/usr/share/nginx/html:ro');
  if (image.service === 'api') binds.push('/srv/shop/api.yaml:/etc/shop/api.yaml:ro');
  if (n % 25 === 11) binds.push('/var/run/docker.sock:/var/run/docker.sock');
  if (n % 31 === 4) binds.push('/:/host:ro');
  if (n % 37 === 8) binds.push('/etc:/host-etc');
  const portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  if (image.service === 'web') portBindings['80/tcp'] = [{ HostIp: '', HostPort: String(8080 + (n % 100)) }];
  if (image.service === 'api') portBindings['8443/tcp'] = [{ HostIp: '127.0.0.1', HostPort: '' }];
  if (image.service === 'cache' && n % 3 === 0) portBindings['6379/tcp'] = [{ HostIp: '::', HostPort: '6379' }];
  if (n % 19 === 2) portBindings['22/tcp'] = [{ HostIp: '0.0.0.0', HostPort: '2222' }];
  const restarts = [
    { Name: 'no', MaximumRetryCount: 0 },
    { Name: 'unless-stopped', MaximumRetryCount: 0 },
    { Name: 'on-failure', MaximumRetryCount: 3 },
    { Name: 'always', MaximumRetryCount: 0 },
  ];
  return {
    privileged: n % 20 === 7,
    capAdd: n % 9 === 3 ? ['CAP_NET_ADMIN', 'CAP_SYS_PTRACE'] : n % 9 === 5 ? ['CAP_SYS_ADMIN'] : null,
    capDrop: n % 4 === 0 ? ['ALL'] : null,
    binds: binds.length ? binds : null,
    volume: image.service === 'db' ? { name: `shop_pgdata_${n}`, destination: '/var/lib/postgresql/data' } : null,
    networkMode: n % 29 === 3 ? 'host' : n % 2 === 0 ? 'bridge' : 'shop_backend',
    pidMode: n % 23 === 5 ? 'host' : '',
    securityOpt: n % 11 === 2 ? ['seccomp=unconfined'] : n % 11 === 6 ? ['apparmor:unconfined', 'no-new-privileges:true'] : null,
    readonlyRootfs: n % 6 === 1,
    devices: n % 17 === 9 ? [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }] : [],
    portBindings,
    restart: restarts[n % restarts.length],
    user: n % 8 === 3 ? 'root' : image.user,
  };
}

function containerDocument(c: FakeContainer): object {
  const h = hostSettings(c);
  const image = c.image;
  const running = c.status === 'running';
  const network = h.networkMode === 'host' ? 'host' : h.networkMode;
  const ip = `172.${18 + (c.n % 2)}.${(c.n >> 8) & 255}.${(c.n & 255) || 1}`;
  const mac = `02:42:ac:${(18 + (c.n % 2)).toString(16)}:${((c.n >> 8) & 255).toString(16).padStart(2, '0')}:${(c.n & 255).toString(16).padStart(2, '0')}`;
  const mounts: object[] = (h.binds ?? []).map((b) => {
    const [source, destination, mode = ''] = b.split(':');
    return { Type: 'bind', Source: source, Destination: destination, Mode: mode, RW: mode !== 'ro', Propagation: 'rprivate' };
  });
  if (h.volume !== null) {
    mounts.push({
      Type: 'volume',
      Name: h.volume.name,
      Source: `/var/lib/docker/volumes/${h.volume.name}/_data`,
      Destination: h.volume.destination,
      Driver: 'local',
      Mode: 'z',
      RW: true,
      Propagation: '',
    });
  }
  const layer = hexId(6_000_000 + c.n);
  const labels: Record<string, string> = {
    'com.docker.compose.config-hash': hexId(7_000_000 + c.n),
    'com.docker.compose.container-number': String(1 + (c.n % 3)),
    'com.docker.compose.depends_on': image.service === 'api' ? 'db:service_started:false,cache:service_started:false' : '',
    'com.docker.compose.image': imageId(image),
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.project': 'shop',
    'com.docker.compose.project.config_files': '/srv/shop/compose.yaml',
    'com.docker.compose.project.working_dir': '/srv/shop',
    'com.docker.compose.service': image.service,
    'com.docker.compose.version': '2.29.7',
  };
  for (const [k, v] of image.labels) labels[k] = v.replace(/\\u003c/g, '<').replace(/\\u003e/g, '>');
  return {
    Id: c.id,
    Created: isoNs(c.createdNs),
    Path: image.path,
    Args: image.args,
    State: {
      Status: c.status,
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? 40_000 + (c.n % 20_000) : 0,
      ExitCode: c.status === 'exited' ? c.exitCode : 0,
      Error: '',
      StartedAt: isoNs(c.startedNs),
      FinishedAt: isoNs(c.finishedNs),
    },
    Image: imageId(image),
    ResolvConfPath: `/var/lib/docker/containers/${c.id}/resolv.conf`,
    HostnamePath: `/var/lib/docker/containers/${c.id}/hostname`,
    HostsPath: `/var/lib/docker/containers/${c.id}/hosts`,
    LogPath: `/var/lib/docker/containers/${c.id}/${c.id}-json.log`,
    Name: `/${c.name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: h.privileged || h.securityOpt?.includes('apparmor:unconfined') ? 'unconfined' : 'docker-default',
    ExecIDs: c.execIds.length ? [...c.execIds] : null,
    HostConfig: {
      Binds: h.binds,
      ContainerIDFile: '',
      LogConfig: { Type: 'json-file', Config: { 'max-file': '3', 'max-size': '10m' } },
      NetworkMode: h.networkMode,
      PortBindings: h.portBindings,
      RestartPolicy: h.restart,
      AutoRemove: false,
      VolumeDriver: '',
      VolumesFrom: null,
      ConsoleSize: [0, 0],
      CapAdd: h.capAdd,
      CapDrop: h.capDrop,
      CgroupnsMode: 'private',
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: [],
      GroupAdd: null,
      IpcMode: 'private',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: h.pidMode,
      Privileged: h.privileged,
      PublishAllPorts: false,
      ReadonlyRootfs: h.readonlyRootfs,
      SecurityOpt: h.securityOpt,
      UTSMode: '',
      UsernsMode: '',
      ShmSize: 67_108_864,
      Runtime: 'runc',
      Isolation: '',
      CpuShares: 0,
      Memory: image.service === 'db' ? 1_073_741_824 : 0,
      NanoCpus: 0,
      CgroupParent: '',
      BlkioWeight: 0,
      BlkioWeightDevice: null,
      BlkioDeviceReadBps: null,
      BlkioDeviceWriteBps: null,
      BlkioDeviceReadIOps: null,
      BlkioDeviceWriteIOps: null,
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: '',
      CpusetMems: '',
      Devices: h.devices,
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: 0,
      MemorySwap: image.service === 'db' ? 2_147_483_648 : 0,
      MemorySwappiness: null,
      OomKillDisable: null,
      PidsLimit: null,
      Ulimits: null,
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      MaskedPaths: h.privileged
        ? null
        : ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'],
      ReadonlyPaths: h.privileged ? null : ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
    GraphDriver: {
      Data: {
        LowerDir: `/var/lib/docker/overlay2/${layer}-init/diff:/var/lib/docker/overlay2/${hexId(4_000_000 + LIFECYCLE_IMAGES.indexOf(image))}/diff`,
        MergedDir: `/var/lib/docker/overlay2/${layer}/merged`,
        UpperDir: `/var/lib/docker/overlay2/${layer}/diff`,
        WorkDir: `/var/lib/docker/overlay2/${layer}/work`,
      },
      Name: 'overlay2',
    },
    Mounts: mounts,
    Config: {
      Hostname: c.id.slice(0, 12),
      Domainname: '',
      User: h.user,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      ExposedPorts: image.exposed.length ? Object.fromEntries(image.exposed.map((p) => [p, {}])) : undefined,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: [...image.env, `SHOP_INSTANCE=${c.n}`],
      Cmd: image.path.startsWith('/') || image.path.endsWith('.sh') ? [...image.args] : [image.path, ...image.args],
      Image: image.ref,
      Volumes: h.volume !== null ? { [h.volume.destination]: {} } : null,
      WorkingDir: image.workdir,
      Entrypoint: image.path.startsWith('/') || image.path.endsWith('.sh') ? [image.path] : null,
      OnBuild: null,
      Labels: labels,
      StopSignal: image.service === 'web' ? 'SIGQUIT' : undefined,
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: running ? hexId(8_000_000 + c.n) : '',
      SandboxKey: running ? `/var/run/docker/netns/${hexId(8_000_000 + c.n).slice(0, 12)}` : '',
      Ports: running ? Object.fromEntries(Object.entries(h.portBindings).map(([p, b]) => [p, b.map((x) => ({ HostIp: x.HostIp || '0.0.0.0', HostPort: x.HostPort || String(32768 + (c.n % 28000)) }))])) : {},
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: running && network === 'bridge' ? hexId(9_000_000 + c.n) : '',
      Gateway: running && network === 'bridge' ? '172.18.0.1' : '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: running && network === 'bridge' ? ip : '',
      IPPrefixLen: running && network === 'bridge' ? 16 : 0,
      IPv6Gateway: '',
      MacAddress: running && network === 'bridge' ? mac : '',
      Networks: {
        [network]: {
          IPAMConfig: null,
          Links: null,
          Aliases: network === 'shop_backend' ? [`shop-${image.service}-${1 + (c.n % 3)}`, image.service] : null,
          MacAddress: running && network !== 'host' ? mac : '',
          DriverOpts: null,
          NetworkID: hexId(network === 'bridge' ? 1_000_001 : network === 'host' ? 1_000_003 : 1_000_002),
          EndpointID: running && network !== 'host' ? hexId(9_000_000 + c.n) : '',
          Gateway: running && network !== 'host' ? `172.${18 + (c.n % 2)}.0.1` : '',
          IPAddress: running && network !== 'host' ? ip : '',
          IPPrefixLen: running && network !== 'host' ? 16 : 0,
          IPv6Gateway: '',
          GlobalIPv6Address: '',
          GlobalIPv6PrefixLen: 0,
          DNSNames: network === 'shop_backend' ? [c.name, c.id.slice(0, 12), image.service] : null,
        },
      },
    },
  };
}

function execDocument(e: FakeExec): object {
  const n = e.container.n;
  const rootShell = n % 10 === 4;
  return {
    ID: e.id,
    Running: e.running,
    ExitCode: e.exitCode,
    ProcessConfig: {
      tty: rootShell,
      entrypoint: rootShell ? 'bash' : 'sh',
      arguments: rootShell ? [] : ['-c', 'cat /etc/hostname'],
      privileged: rootShell,
      user: rootShell ? 'root' : '',
    },
    OpenStdin: rootShell,
    OpenStderr: true,
    OpenStdout: true,
    CanRemove: false,
    ContainerID: e.container.id,
    DetachKeys: '',
    Pid: e.running ? 50_000 + (n % 20_000) : 0,
  };
}

export interface InspectCounts {
  /** 200 answers, per kind. */
  containers: number;
  execs: number;
  images: number;
  /** 404 answers (an ID the daemon does not know: never created, or destroyed). */
  notFound: number;
}

/** The daemon's containers, execs and images, and its answers to inspect requests. */
export class ContainerWorld {
  private readonly containers = new Map<string, FakeContainer>();
  private readonly names = new Map<string, FakeContainer>();
  private readonly execs = new Map<string, FakeExec>();
  private readonly images = new Map<string, ImageSpec>();
  readonly counts: InspectCounts = { containers: 0, execs: 0, images: 0, notFound: 0 };
  /** Containers created over the run (including those that existed at start). */
  created = 0;

  constructor() {
    for (const image of LIFECYCLE_IMAGES) {
      const id = imageId(image);
      for (const key of [id, id.slice('sha256:'.length), image.ref]) this.images.set(key, image);
    }
  }

  get live(): number {
    return this.containers.size;
  }

  add(n: number, id: string, name: string, image: ImageSpec, status: ContainerStatus, atNs: bigint): FakeContainer {
    const c: FakeContainer = {
      n,
      id,
      name,
      image,
      status,
      createdNs: atNs,
      startedNs: status === 'created' ? null : atNs,
      finishedNs: null,
      exitCode: 0,
      execIds: [],
    };
    this.containers.set(id, c);
    this.names.set(name, c);
    this.created++;
    return c;
  }

  get(id: string): FakeContainer | undefined {
    return this.containers.get(id);
  }

  remove(c: FakeContainer): void {
    this.containers.delete(c.id);
    this.names.delete(c.name);
    for (const e of c.execIds) this.execs.delete(e);
  }

  addExec(id: string, c: FakeContainer): FakeExec {
    const e: FakeExec = { id, container: c, running: false, exitCode: null };
    this.execs.set(id, e);
    c.execIds.push(id);
    return e;
  }

  getExec(id: string): FakeExec | undefined {
    return this.execs.get(id);
  }

  /** GET /containers/{ref}/json: the document, or null (404). A full ID or a name, as dockerd resolves them. */
  inspectContainer(ref: string): string | null {
    const c = this.containers.get(ref) ?? this.names.get(ref.startsWith('/') ? ref.slice(1) : ref);
    return this.answer('containers', c === undefined ? null : containerDocument(c));
  }

  inspectExec(id: string): string | null {
    const e = this.execs.get(id);
    return this.answer('execs', e === undefined ? null : execDocument(e));
  }

  /** GET /images/{ref}/json: "sha256:<id>", the bare ID or a reference. */
  inspectImage(ref: string): string | null {
    const image = this.images.get(ref);
    return this.answer('images', image === undefined ? null : imageDocument(image));
  }

  private answer(kind: 'containers' | 'execs' | 'images', doc: object | null): string | null {
    if (doc === null) {
      this.counts.notFound++;
      return null;
    }
    this.counts[kind]++;
    return `${JSON.stringify(doc)}\n`;
  }
}

// ------------------------------------------------------------------ events

/** The ring's container names (the ring's IDs repeat, and so do its names). */
export function ringContainerName(n: number): string {
  return `shop-worker-${n % 1000}`;
}

export type ContainerAction = 'create' | 'start' | 'die' | 'destroy';

/**
 * A container event up to its time keys (`…"scope":"local",`): keys in the daemon's order
 * (status,id,from,Type,Action,Actor{ID,Attributes},scope,time,timeNano), Attributes sorted as Go sorts them,
 * the image's labels among them.
 */
export function containerEventPrefix(action: string, id: string, image: ImageSpec, name: string, extra: ReadonlyArray<readonly [string, string]> = []): string {
  const attributes: Array<readonly [string, string]> = [...image.labels, ['image', image.ref], ['name', name], ...extra];
  attributes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const attrs = attributes.map(([k, v]) => `"${k}":"${v}"`).join(',');
  return (
    `{"status":"${action}","id":"${id}","from":"${image.ref}","Type":"container","Action":"${action}",` +
    `"Actor":{"ID":"${id}","Attributes":{${attrs}}},"scope":"local",`
  );
}

/** The attributes of a die event of container n. */
export function dieAttributes(n: number): Array<readonly [string, string]> {
  return [
    ['exitCode', EXIT_CODES[n % EXIT_CODES.length]],
    ['execDuration', String(1 + (n % 97))],
  ];
}

export interface LifecycleOptions {
  /** Lifecycles begun per second (sets how many containers are alive at once: lifecyclesPerS × lifetimeS). */
  lifecyclesPerS: number;
  /** Seconds from a container's create to its die (its destroy follows DESTROY_AFTER_DIE_S later); null: containers never die. */
  lifetimeS: number | null;
  /** Lifecycles to run, then the stream goes quiet (its connection stays open); null: endless. */
  count: number | null;
  /** An exec in each container right after its start: exec_create, exec_start, exec_die. */
  execs: boolean;
}

/** The Docker actions of one step of a LifecycleSource, in order (the event at index i has actions[i % length]). */
export function lifecycleActions(o: Pick<LifecycleOptions, 'lifetimeS' | 'execs'>): string[] {
  return ['create', 'start', ...(o.execs ? ['exec_create', 'exec_start', 'exec_die'] : []), ...(o.lifetimeS === null ? [] : ['die', 'destroy'])];
}

/** Seconds from a container's die to its destroy (a `docker rm` after the stop, `--rm`'s cleanup). */
export const DESTROY_AFTER_DIE_S = 0.1;

const EXEC_COMMAND = 'sh -c cat /etc/hostname';
const ROOT_SHELL = 'bash';

/**
 * Container lifecycles at a steady pace, each container distinct (IDs never repeat). With lag = lifecyclesPerS
 * × lifetimeS and gap = lifecyclesPerS × DESTROY_AFTER_DIE_S (at least 1 each), first = lag + gap, step j
 * creates and starts container first+j (and runs an exec in it), lets container gap+j die and destroys
 * container j. So container k (k ≥ first) is created at step k−first, dies lag steps later (lifetimeS) and is
 * destroyed gap steps after that; about lag containers run at any time. Containers 0..first−1 exist when the
 * stream begins, as containers of before the capture: gap..first−1 running (their first event is their die),
 * 0..gap−1 already exited (their first event is their destroy). Without a lifetime, step j creates and starts
 * container j and nothing dies. The daemon's state (ContainerWorld) changes as each event is emitted, so an
 * inspect answers what a daemon would at that moment.
 */
export class LifecycleSource {
  readonly actions: string[];
  private readonly gap: number;
  private readonly first: number;
  private step = 0;
  private inStep = 0;

  constructor(
    private readonly world: ContainerWorld,
    private readonly options: LifecycleOptions,
    startNs: bigint,
  ) {
    this.actions = lifecycleActions(options);
    const steps = (s: number): number => Math.max(1, Math.round(options.lifecyclesPerS * s));
    this.gap = options.lifetimeS === null ? 0 : steps(DESTROY_AFTER_DIE_S);
    this.first = options.lifetimeS === null ? 0 : steps(options.lifetimeS) + this.gap;
    for (let n = 0; n < this.first; n++) {
      const c = this.world.add(n, containerIdOf(n), containerNameOf(n), imageOf(n), 'running', startNs);
      if (n < this.gap) {
        c.status = 'exited';
        c.finishedNs = startNs;
      }
    }
  }

  get exhausted(): boolean {
    return this.options.count !== null && this.step >= this.options.count;
  }

  /** The next event's JSON up to its time keys, the daemon's state updated; null once exhausted. */
  nextPrefix(timeNano: bigint): string | null {
    if (this.exhausted) return null;
    const action = this.actions[this.inStep];
    const born = this.first + this.step;
    let prefix: string;
    switch (action) {
      case 'create': {
        const c = this.world.add(born, containerIdOf(born), containerNameOf(born), imageOf(born), 'created', timeNano);
        prefix = containerEventPrefix('create', c.id, c.image, c.name);
        break;
      }
      case 'start': {
        const c = this.world.get(containerIdOf(born))!;
        c.status = 'running';
        c.startedNs = timeNano;
        prefix = containerEventPrefix('start', c.id, c.image, c.name);
        break;
      }
      case 'exec_create':
      case 'exec_start':
      case 'exec_die': {
        const c = this.world.get(containerIdOf(born))!;
        const execId = hexId(20_000_000 + born);
        const command = born % 10 === 4 ? ROOT_SHELL : EXEC_COMMAND;
        let e = this.world.getExec(execId);
        if (action === 'exec_create') e = this.world.addExec(execId, c);
        else if (action === 'exec_start') e!.running = true;
        else {
          e!.running = false;
          e!.exitCode = 0;
        }
        const extra: Array<readonly [string, string]> = [['execID', execId]];
        if (action === 'exec_die') extra.push(['exitCode', '0']);
        prefix = containerEventPrefix(action === 'exec_die' ? action : `${action}: ${command}`, c.id, c.image, c.name, extra);
        break;
      }
      case 'die': {
        const c = this.world.get(containerIdOf(this.gap + this.step))!;
        c.status = 'exited';
        c.finishedNs = timeNano;
        c.exitCode = Number(EXIT_CODES[c.n % EXIT_CODES.length]);
        prefix = containerEventPrefix('die', c.id, c.image, c.name, dieAttributes(c.n));
        break;
      }
      default: {
        const c = this.world.get(containerIdOf(this.step))!;
        this.world.remove(c);
        prefix = containerEventPrefix('destroy', c.id, c.image, c.name);
      }
    }
    if (++this.inStep === this.actions.length) {
      this.inStep = 0;
      this.step++;
    }
    return prefix;
  }
}

/** Lifecycle containers' IDs and names: distinct from the ring's (whose numbers are below 1000 and repeat). */
export function containerIdOf(n: number): string {
  return hexId(10_000_000 + n);
}

function containerNameOf(n: number): string {
  return `shop-${imageOf(n).service}-${n}`;
}

function imageOf(n: number): ImageSpec {
  return LIFECYCLE_IMAGES[n % LIFECYCLE_IMAGES.length];
}
