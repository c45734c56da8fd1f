// Reading the engine's `enrichment` key (docs/enrichment.md) out of an event payload, and what it should
// hold for a container according to `docker inspect`, mapped independently of src/enrichment/.

/** The payload split into the daemon's own bytes and the enrichment the engine inserted (null: none). */
export function splitEnrichment(payload: Buffer | string): { readonly daemonBytes: string; readonly enrichment: Record<string, Record<string, unknown>> | null } {
  const text = payload.toString();
  const at = text.lastIndexOf(',"enrichment":{');
  if (at < 0) return { daemonBytes: text, enrichment: null };
  const inserted = text.slice(at + ',"enrichment":'.length, text.length - 1);
  return { daemonBytes: `${text.slice(0, at)}}`, enrichment: JSON.parse(inserted) as Record<string, Record<string, unknown>> };
}

/** What these tests read of `docker inspect <container>`. */
export interface Inspect {
  Id: string;
  Image: string;
  Path: string;
  Args: string[];
  Config: { User: string; WorkingDir: string; Env: string[] | null; Labels: Record<string, string> | null };
  HostConfig: {
    Privileged: boolean;
    CapAdd: string[] | null;
    CapDrop: string[] | null;
    PidMode: string;
    NetworkMode: string;
    IpcMode: string;
    UTSMode: string;
    UsernsMode: string;
    SecurityOpt: string[] | null;
    ReadonlyRootfs: boolean;
    Devices: Array<{ PathOnHost: string }> | null;
    PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> | null;
    RestartPolicy: { Name: string; MaximumRetryCount: number };
  };
  Mounts: Array<{ Type: string; Source: string; Destination: string; RW: boolean }>;
}

/** What `enrichment.container` should be for a container inspected by `docker inspect` (Docker >= 20.10). */
export function expectedContainerContext(inspect: Inspect): Record<string, unknown> {
  const host = inspect.HostConfig;
  const ports = Object.entries(host.PortBindings ?? {}).flatMap(([containerSide, bindings]) =>
    bindings.map((b) => ({
      hostIp: b.HostIp === '' ? '0.0.0.0' : b.HostIp,
      hostPort: b.HostPort === '' ? 0 : Number(b.HostPort),
      containerPort: Number(containerSide.split('/')[0]),
      protocol: containerSide.split('/')[1],
    })),
  );
  const policy = host.RestartPolicy;
  return {
    privileged: host.Privileged,
    user: inspect.Config.User === '' ? 'root' : inspect.Config.User,
    capAdd: host.CapAdd ?? [],
    capDrop: host.CapDrop ?? [],
    mounts: inspect.Mounts.map((m) => ({ type: m.Type, source: m.Source, destination: m.Destination, rw: m.RW })).sort((a, b) => a.destination.localeCompare(b.destination)),
    pidMode: host.PidMode,
    networkMode: host.NetworkMode,
    ipcMode: host.IpcMode,
    utsMode: host.UTSMode,
    usernsMode: host.UsernsMode,
    securityOpt: host.SecurityOpt ?? [],
    readonlyRootfs: host.ReadonlyRootfs,
    devices: (host.Devices ?? []).map((d) => d.PathOnHost),
    ports,
    restartPolicy: policy.Name === '' ? 'no' : policy.Name === 'on-failure' && policy.MaximumRetryCount > 0 ? `on-failure:${policy.MaximumRetryCount}` : policy.Name,
    cmdline: [inspect.Path, ...inspect.Args].join(' '),
    workdir: inspect.Config.WorkingDir === '' ? '/' : inspect.Config.WorkingDir,
    envNames: (inspect.Config.Env ?? []).map((e) => e.split('=')[0]),
    labels: inspect.Config.Labels ?? {},
  };
}
