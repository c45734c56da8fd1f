// Every shipped rule, a real scenario that should raise it and a near miss that should not, on the real
// daemon. A case names the alerts it causes per rule, under rule_matching `all` and under Falco's default
// `first` (one alert per event: the first matching rule in load order); any other rule naming the case's
// token is a failure, so a rule that shadows or leaks shows up.
//
// Containers are created by image ID unless the case is about the image reference: an ID names no
// registry and no tag, so "Image not pinned by digest" stays out of every other case. Configuration cases
// only `docker create` (a --privileged container cannot start in this sandbox, and the rules fire on create).

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Alert } from '../support/falco';
import { docker, DOCKER_SOCKET, dockerFailing, TEST_IMAGE, testImageId, uniqueName, watchDaemonEvents, type DaemonEvent } from '../support/docker-cli';

export const RULES = {
  privileged: 'Privileged container created',
  runtimeSocket: 'Container runtime socket mounted',
  sensitiveMountRw: 'Sensitive host path mounted read-write',
  dangerousCap: 'Dangerous capability added',
  hostNamespace: 'Host namespace shared with a container',
  unconfined: 'Container confinement disabled',
  sensitiveMountRo: 'Sensitive host path mounted read-only',
  sensitivePort: 'Sensitive port published on all interfaces',
  hostDevice: 'Host device mapped into a container',
  registry: 'Image from a registry not allowed',
  credentialEnv: "Credentials passed in a container's environment",
  notPinned: 'Image not pinned by digest',
  privilegedExec: 'Privileged exec in a container',
  interactiveShell: 'Interactive shell in a container',
  execRoot: 'Exec as root in a container',
  exec: 'Shell or command executed in a container',
  copy: 'Files copied into or out of a container',
  commit: 'Container committed to an image',
  plugin: 'Docker plugin installed or enabled',
  swarmSecret: 'Swarm secret or config created or removed',
  oom: 'Container killed by the kernel OOM killer',
  exitError: 'Container exited with an error',
  unhealthy: 'Container became unhealthy',
  volumeRemoved: 'Docker volume removed',
  daemonReload: 'Docker daemon configuration reloaded',
  statusChanged: 'Container status changed',
} as const;

/** Rules about one container, whose output names its name, ID and image. */
const CONTAINER_RULES: readonly string[] = Object.values(RULES).filter(
  (r) => !([RULES.plugin, RULES.swarmSecret, RULES.volumeRemoved, RULES.daemonReload, RULES.statusChanged] as string[]).includes(r),
);

/** Alerts per rule naming the token; 'some' = at least one (health checks run every second, OOM kills may repeat). */
export type Expected = Readonly<Partial<Record<string, number | 'some'>>>;

export interface CaseResult {
  /** A unique name or ID that every alert of the case names in its output. */
  readonly token: string;
  /** Output fields every alert of a rule must carry, by rule. */
  readonly fields: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The suite's Falco, for a case to await the alerts of what it did. */
export interface AlertWatch {
  waitForAlerts(until: (alerts: readonly Alert[]) => boolean, timeoutMs?: number, what?: string): Promise<readonly Alert[]>;
}

export interface Case {
  readonly title: string;
  readonly run: (falco: AlertWatch) => Promise<CaseResult>;
  readonly all: Expected;
  readonly first: Expected;
}

export interface RuleScenario {
  readonly rule: string;
  readonly fires: Case;
  readonly nearMiss: Case;
  /** Why the scenario cannot run on this machine, if it cannot. */
  readonly unavailable?: () => Promise<string | null>;
}

type Fields = Record<string, Record<string, string>>;

/** Every container rule's alert names the container and its image; `specific` adds the offending setting. */
function containerRuleFields(name: string, id: string, image: string, specific: Fields = {}): Fields {
  const fields: Fields = {};
  for (const rule of CONTAINER_RULES) {
    fields[rule] = { 'docker.attributes.name': name, 'docker.actor.id': id, 'docker.attributes.image': image, ...specific[rule] };
  }
  fields[RULES.statusChanged] = { 'docker.attributes.name': name, 'docker.type': 'container', 'docker.from': image };
  return fields;
}

const EXEC_RULES: readonly string[] = [RULES.privilegedExec, RULES.interactiveShell, RULES.execRoot, RULES.exec];

/**
 * Until Falco raised an alert naming `container` (of one of `rules`, if given): the event behind it has
 * been enriched, or has gone on without its context. A case acts on the container again only then, so that
 * its next docker CLI does not compete for this machine's 2 cores with the engine's inspect (which has
 * enrichment.waitMs, 50 ms, before the event goes on without it).
 */
async function alerted(falco: AlertWatch, container: string, rules?: readonly string[]): Promise<void> {
  const mine = (a: Alert) => a.output.includes(container) && (rules === undefined || rules.includes(a.rule));
  await falco.waitForAlerts((alerts) => alerts.some(mine), 60_000, `an alert naming ${container}`);
}

async function idOf(container: string): Promise<string> {
  return docker('inspect', '--format', '{{.Id}}', container);
}

/** `docker run` in the foreground that exits with `code`; the container is removed afterwards. */
function exitingContainer(code: number, runArgs: string[] = [], command = ['sh', '-c', `exit ${code}`]): () => Promise<CaseResult> {
  return async () => {
    const name = uniqueName('e2e-exit');
    const image = await testImageId();
    const status = await dockerFailing('run', '--name', name, ...runArgs, image, ...command);
    if (status !== code) throw new Error(`docker run ${name} exited ${status}, expected ${code}`);
    const id = await idOf(name);
    await docker('rm', name);
    return { token: name, fields: containerRuleFields(name, id, image, { [RULES.exitError]: { 'docker.attributes.exitcode': String(code) } }) };
  };
}

/** A container running `sleep`, `act` on it, then `docker rm -f` (kill, die 137, destroy). */
function runningContainer(act: (name: string, falco: AlertWatch) => Promise<void>, runArgs: string[] = [], specific: Fields = {}): (falco: AlertWatch) => Promise<CaseResult> {
  return async (falco) => {
    const name = uniqueName('e2e-run');
    const image = await testImageId();
    const id = await docker('run', '-d', '--name', name, ...runArgs, image, 'sleep', '600');
    await alerted(falco, name);
    await act(name, falco);
    await docker('rm', '-f', name);
    return { token: name, fields: containerRuleFields(name, id, image, { [RULES.exitError]: { 'docker.attributes.exitcode': '137' }, ...specific }) };
  };
}

/** `docker exec <args> <container> <command>` on a running container; a failing exec is fine (a privileged one cannot start here). */
function execIn(args: string[], command: string[], specific: (cmdline: string) => Fields): (falco: AlertWatch) => Promise<CaseResult> {
  const act = async (name: string, falco: AlertWatch) => {
    await dockerFailing('exec', ...args, name, ...command);
    await alerted(falco, name, EXEC_RULES);
  };
  return runningContainer(act, [], specific(command.join(' ')));
}

const execFields = (rules: string[], user: string, cmdline: string): Fields =>
  Object.fromEntries(rules.map((r) => [r, { 'docker.exec.user': user, 'docker.exec.cmdline': cmdline }]));

/**
 * A container created (never started) with `createArgs` from `image` (default: TEST_IMAGE's ID), `act` on
 * it, then removed, and the image's tag with it when the case made one.
 */
function createdContainer(
  createArgs: string[] | (() => string[]) = [],
  options: { act?: (name: string) => Promise<void>; image?: () => Promise<string>; specific?: Fields } = {},
): (falco: AlertWatch) => Promise<CaseResult> {
  return async (falco) => {
    const name = uniqueName('e2e-created');
    const image = await (options.image ?? testImageId)();
    const id = await docker('create', '--name', name, ...(typeof createArgs === 'function' ? createArgs() : createArgs), image, 'true');
    await alerted(falco, name);
    await options.act?.(name);
    await docker('rm', name);
    if (options.image !== undefined) await docker('rmi', image);
    return { token: name, fields: containerRuleFields(name, id, image, options.specific) };
  };
}

/** TEST_IMAGE tagged as `<repository>:<unique tag>` for a case (createdContainer removes the tag). */
function taggedImage(repository: string): () => Promise<string> {
  return async () => {
    const reference = `${repository}:${uniqueName('e2e')}`;
    await docker('tag', TEST_IMAGE, reference);
    return reference;
  };
}

/** Starts an exec without running it (POST /containers/{name}/exec): Docker says exec_create only. */
function createExecOnly(container: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: DOCKER_SOCKET, method: 'POST', path: `/containers/${container}/exec`, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`exec create: HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ Cmd: ['true'] }));
  });
}

/** A running container whose health check (every second) reaches `verdict`, then removed. */
function healthChecked(verdict: 'healthy' | 'unhealthy', healthCmd: string): (falco: AlertWatch) => Promise<CaseResult> {
  return async (falco) => {
    const watch = await watchDaemonEvents({ type: ['container'] });
    try {
      const healthArgs = ['--health-cmd', healthCmd, '--health-interval', '1s', '--health-retries', '1'];
      const reached = (name: string) => (e: DaemonEvent) => e.Actor.Attributes['name'] === name && e.Action === `health_status: ${verdict}`;
      return await runningContainer(async (name) => void (await watch.next(reached(name), 30_000)), healthArgs)(falco);
    } finally {
      watch.close();
    }
  };
}

function tempFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cp-'));
  const file = path.join(dir, 'note.txt');
  fs.writeFileSync(file, content);
  return file;
}

/** A Docker plugin made from a local directory (`docker plugin create`), then removed. */
async function createPlugin(): Promise<CaseResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-plugin-'));
  fs.mkdirSync(path.join(dir, 'rootfs', 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(dir, 'rootfs', 'bin', 'busybox'));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      description: 'end-to-end test plugin',
      documentation: 'https://example.invalid',
      entrypoint: ['/bin/busybox', 'sleep', '600'],
      interface: { types: ['docker.volumedriver/1.0'], socket: 'e2e.sock' },
      network: { type: 'host' },
    }),
  );
  const name = `local/${uniqueName('e2e-plugin')}:latest`;
  try {
    await docker('plugin', 'create', name, dir);
    const id = await docker('plugin', 'inspect', '--format', '{{.Id}}', name);
    await docker('plugin', 'rm', name);
    return { token: name, fields: { [RULES.plugin]: { 'docker.action': 'create', 'docker.attributes.name': name, 'docker.actor.id': id } } };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `docker <kind> create` then `rm` of a volume or network: create and destroy events of that type. */
function createdAndRemoved(kind: 'volume' | 'network'): () => Promise<CaseResult> {
  return async () => {
    const name = uniqueName(`e2e-${kind}`);
    await docker(kind, 'create', name);
    await docker(kind, 'rm', name);
    return { token: name, fields: { [RULES.volumeRemoved]: { 'docker.actor.id': name, 'docker.attributes[driver]': 'local' } } };
  };
}

/**
 * A single-node swarm for `act` (its argument: a unique name prefix), left afterwards. Swarm events come
 * from the cluster's store: the case awaits the last one (`lastEvent`) before leaving, so none is lost.
 */
function inSwarm(act: (prefix: string) => Promise<void>, lastEvent: (prefix: string) => (e: DaemonEvent) => boolean): () => Promise<CaseResult> {
  return async () => {
    if ((await docker('info', '--format', '{{.Swarm.LocalNodeState}}')) !== 'inactive') await docker('swarm', 'leave', '--force');
    const prefix = uniqueName('e2e-swarm');
    const watch = await watchDaemonEvents();
    await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
    try {
      await act(prefix);
      await watch.next(lastEvent(prefix), 30_000);
    } finally {
      watch.close();
      await docker('swarm', 'leave', '--force');
    }
    return { token: prefix, fields: {} };
  };
}

async function secretsAndConfigs(prefix: string): Promise<void> {
  const file = tempFile('not really a secret\n');
  for (const kind of ['secret', 'config']) {
    await docker(kind, 'create', `${prefix}-${kind}`, file);
    await docker(kind, 'rm', `${prefix}-${kind}`);
  }
}

async function overlayNetwork(prefix: string): Promise<void> {
  await docker('network', 'create', '--driver', 'overlay', `${prefix}-net`);
  await docker('network', 'rm', `${prefix}-net`);
}

const removedInSwarm = (type: string) => (prefix: string) => (e: DaemonEvent) =>
  e.Type === type && e.Action === 'remove' && (e.Actor.Attributes['name'] ?? '').startsWith(prefix);

/** SIGHUP to the machine's dockerd: it reloads its configuration (a daemon `reload` event). */
async function reloadDaemon(): Promise<CaseResult> {
  const id = await docker('info', '--format', '{{.ID}}');
  const pid = Number(fs.readFileSync('/var/run/docker.pid', 'utf8'));
  const watch = await watchDaemonEvents({ type: ['daemon'] });
  try {
    process.kill(pid, 'SIGHUP');
    await watch.next((e) => e.Action === 'reload', 30_000);
  } finally {
    watch.close();
  }
  return { token: id, fields: { [RULES.daemonReload]: { 'docker.actor.id': id, 'docker.attributes.name': os.hostname() } } };
}

async function memoryLimitsUnsupported(): Promise<string | null> {
  const supported = await docker('info', '--format', '{{.MemoryLimit}}');
  return supported === 'true' ? null : 'this dockerd cannot limit memory (docker info: MemoryLimit false)';
}

const OOM_ARGS = ['-m', '8m', '--memory-swap', '8m'];

/** A list field of one value, as json_output's output_fields gives it (the text output says `(value)`). */
const list = (rule: string, field: string, value: string): Fields => ({ [rule]: { [field]: value } });

/** Docker itself adds label=disable to a privileged container, or one in the host's PID or IPC namespace. */
const labelDisabled = list(RULES.unconfined, 'docker.container.security_opt', 'label=disable');

/** A created-only container raising `rule` on its create: under `all` the catch-all rule too. */
function onCreate(...rules: string[]): Pick<Case, 'all' | 'first'> {
  const [head] = rules;
  if (head === undefined) return { first: { [RULES.statusChanged]: 1 }, all: { [RULES.statusChanged]: 1 } };
  return { first: { [head]: 1 }, all: { ...Object.fromEntries(rules.map((r) => [r, 1])), [RULES.statusChanged]: 1 } };
}

/**
 * A running container (create, start, kill, die 137, destroy) in which one exec starts, raising `rules`
 * (most severe first) on its exec_start.
 */
function withExec(...rules: string[]): Pick<Case, 'all' | 'first'> {
  const [head] = rules;
  const lifecycle = (status: number) => ({ [RULES.exitError]: 1, [RULES.statusChanged]: status });
  return {
    first: { ...(head === undefined ? {} : { [head]: 1 }), ...lifecycle(2) },
    all: { ...Object.fromEntries(rules.map((r) => [r, 1])), ...lifecycle(3) },
  };
}

/**
 * `docker exec <args> <container> <command>` in a running container as `user`: the exec's fields checked in
 * each of `rules`' alerts, which are all the case raises besides the container's lifecycle.
 */
function execCase(title: string, args: string[], command: string[], user: string, ...rules: string[]): Case {
  return { title, run: execIn(args, command, (cmdline) => execFields(rules, user, cmdline)), ...withExec(...rules) };
}

export const SCENARIOS: readonly RuleScenario[] = [
  {
    rule: RULES.privileged,
    fires: {
      title: 'a container is created with --privileged',
      run: createdContainer(['--privileged'], { specific: { [RULES.privileged]: { 'docker.container.privileged': 'true' }, ...labelDisabled } }),
      // Docker adds label=disable (no SELinux labelling) to a privileged container.
      ...onCreate(RULES.privileged, RULES.unconfined),
    },
    nearMiss: { title: 'a container is created without --privileged', run: createdContainer(), ...onCreate() },
  },
  {
    rule: RULES.runtimeSocket,
    fires: {
      title: 'the Docker socket is bind-mounted (-v /var/run/docker.sock:/var/run/docker.sock:ro)',
      run: createdContainer(['-v', `${DOCKER_SOCKET}:/var/run/docker.sock:ro`], { specific: list(RULES.runtimeSocket, 'docker.container.mount.sources', DOCKER_SOCKET) }),
      ...onCreate(RULES.runtimeSocket),
    },
    nearMiss: {
      title: 'a harmless host file is mounted where the socket would be',
      run: createdContainer(() => ['-v', `${tempFile('')}:/var/run/docker.sock`]),
      ...onCreate(),
    },
  },
  {
    rule: RULES.sensitiveMountRw,
    fires: { title: 'the host /etc is mounted read-write (-v /etc:/host-etc)', run: createdContainer(['-v', '/etc:/host-etc'], { specific: list(RULES.sensitiveMountRw, 'docker.container.mount.rw_sources', '/etc') }), ...onCreate(RULES.sensitiveMountRw) },
    nearMiss: {
      title: 'the host /etc is mounted read-only (-v /etc:/host-etc:ro)',
      run: createdContainer(['-v', '/etc:/host-etc:ro']),
      ...onCreate(RULES.sensitiveMountRo),
    },
  },
  {
    rule: RULES.dangerousCap,
    fires: { title: 'a container is created with --cap-add SYS_ADMIN', run: createdContainer(['--cap-add', 'SYS_ADMIN'], { specific: list(RULES.dangerousCap, 'docker.container.cap_add', 'CAP_SYS_ADMIN') }), ...onCreate(RULES.dangerousCap) },
    nearMiss: { title: 'a container is created with --cap-add CHOWN', run: createdContainer(['--cap-add', 'CHOWN']), ...onCreate() },
  },
  {
    rule: RULES.hostNamespace,
    fires: {
      title: "a container is created in the host's PID namespace (--pid host)",
      run: createdContainer(['--pid', 'host'], { specific: { [RULES.hostNamespace]: { 'docker.container.pid_mode': 'host' }, ...labelDisabled } }),
      ...onCreate(RULES.hostNamespace, RULES.unconfined),
    },
    nearMiss: { title: 'a container is created with its own empty network (--network none)', run: createdContainer(['--network', 'none']), ...onCreate() },
  },
  {
    rule: RULES.unconfined,
    fires: {
      title: 'a container is created with --security-opt seccomp=unconfined',
      run: createdContainer(['--security-opt', 'seccomp=unconfined'], { specific: list(RULES.unconfined, 'docker.container.security_opt', 'seccomp=unconfined') }),
      ...onCreate(RULES.unconfined),
    },
    nearMiss: {
      title: 'a container is created with --security-opt no-new-privileges',
      run: createdContainer(['--security-opt', 'no-new-privileges']),
      ...onCreate(),
    },
  },
  {
    rule: RULES.sensitiveMountRo,
    fires: { title: 'the host /root is mounted read-only (-v /root:/host-root:ro)', run: createdContainer(['-v', '/root:/host-root:ro'], { specific: list(RULES.sensitiveMountRo, 'docker.container.mount.sources', '/root') }), ...onCreate(RULES.sensitiveMountRo) },
    nearMiss: {
      title: 'a harmless host directory is mounted read-only',
      run: createdContainer(() => ['-v', `${path.dirname(tempFile(''))}:/data:ro`]),
      ...onCreate(),
    },
  },
  {
    rule: RULES.sensitivePort,
    fires: { title: 'port 22 is published on every interface (-p 0.0.0.0:22:22)', run: createdContainer(['-p', '0.0.0.0:22:22'], { specific: list(RULES.sensitivePort, 'docker.container.public_ports', '22/tcp') }), ...onCreate(RULES.sensitivePort) },
    nearMiss: { title: 'port 22 is published on loopback only (-p 127.0.0.1:22:22)', run: createdContainer(['-p', '127.0.0.1:22:22']), ...onCreate() },
  },
  {
    rule: RULES.hostDevice,
    fires: { title: 'a host device is mapped in (--device /dev/null:/dev/xnull)', run: createdContainer(['--device', '/dev/null:/dev/xnull'], { specific: list(RULES.hostDevice, 'docker.container.devices', '/dev/null') }), ...onCreate(RULES.hostDevice) },
    nearMiss: { title: 'a tmpfs is mounted (--tmpfs /scratch), no device', run: createdContainer(['--tmpfs', '/scratch']), ...onCreate() },
  },
  {
    rule: RULES.registry,
    fires: {
      title: 'a container is created from registry.example.invalid:5000/e2e/busybox',
      run: createdContainer([], { image: taggedImage('registry.example.invalid:5000/e2e/busybox'), specific: { [RULES.registry]: { 'docker.image.registry': 'registry.example.invalid:5000' } } }),
      ...onCreate(RULES.registry, RULES.notPinned),
    },
    nearMiss: {
      title: 'a container is created from quay.io/e2e/busybox (an allowed registry)',
      run: createdContainer([], { image: taggedImage('quay.io/e2e/busybox') }),
      ...onCreate(RULES.notPinned),
    },
  },
  {
    rule: RULES.credentialEnv,
    fires: {
      title: 'a container is created with -e AWS_SECRET_ACCESS_KEY=…',
      run: createdContainer(['-e', 'AWS_SECRET_ACCESS_KEY=not-a-real-key'], { specific: list(RULES.credentialEnv, 'docker.container.env_names', 'AWS_SECRET_ACCESS_KEY') }),
      ...onCreate(RULES.credentialEnv),
    },
    nearMiss: { title: 'a container is created with -e AWS_REGION=…', run: createdContainer(['-e', 'AWS_REGION=eu-west-1']), ...onCreate() },
  },
  {
    rule: RULES.notPinned,
    fires: { title: 'a container is created from a tag (local/e2e-busybox:<tag>)', run: createdContainer([], { image: taggedImage('local/e2e-busybox') }), ...onCreate(RULES.notPinned) },
    nearMiss: { title: 'a container is created from the same image by its ID', run: createdContainer(), ...onCreate() },
  },
  {
    rule: RULES.privilegedExec,
    fires: execCase('docker exec --privileged runs a command', ['--privileged'], ['true'], 'root', RULES.privilegedExec, RULES.execRoot, RULES.exec),
    nearMiss: execCase('docker exec runs the same command unprivileged, as user 1000', ['-u', '1000'], ['true'], '1000', RULES.exec),
  },
  {
    rule: RULES.interactiveShell,
    fires: execCase('docker exec -t starts a shell (sh -c true)', ['-t'], ['sh', '-c', 'true'], 'root', RULES.interactiveShell, RULES.execRoot, RULES.exec),
    nearMiss: execCase('docker exec -t runs a command that is no shell (true)', ['-t'], ['true'], 'root', RULES.execRoot, RULES.exec),
  },
  {
    rule: RULES.execRoot,
    fires: execCase('docker exec runs a command as root', [], ['true'], 'root', RULES.execRoot, RULES.exec),
    nearMiss: execCase('docker exec -u 1000 runs a command', ['-u', '1000'], ['true'], '1000', RULES.exec),
  },
  {
    rule: RULES.exec,
    fires: execCase('docker exec -u 1000 runs a command in a running container', ['-u', '1000'], ['true'], '1000', RULES.exec),
    nearMiss: { title: 'an exec is created but never started', run: runningContainer(createExecOnly), ...withExec() },
  },
  {
    rule: RULES.copy,
    fires: {
      title: 'docker cp copies a file into a container and one out',
      run: createdContainer([], {
        act: async (name) => {
          await docker('cp', tempFile('hello\n'), `${name}:/note.txt`);
          await docker('cp', `${name}:/note.txt`, path.join(os.tmpdir(), `${name}.out`));
        },
      }),
      first: { [RULES.copy]: 2, [RULES.statusChanged]: 1 },
      all: { [RULES.copy]: 2, [RULES.statusChanged]: 1 },
    },
    nearMiss: { title: "docker diff lists a container's changes", run: createdContainer([], { act: async (name) => void (await docker('diff', name)) }), ...onCreate() },
  },
  {
    rule: RULES.commit,
    fires: {
      title: 'docker commit saves a container as an image',
      run: async (falco) => {
        let ref = '';
        const result = await createdContainer([], {
          act: async (name) => {
            await docker('commit', name, `local/${name}`);
            await docker('rmi', `local/${name}`);
            ref = `local/${name}:latest`;
          },
        })(falco);
        return { ...result, fields: { ...result.fields, [RULES.commit]: { ...result.fields[RULES.commit], 'docker.attributes[imageRef]': ref } } };
      },
      first: { [RULES.commit]: 1, [RULES.statusChanged]: 1 },
      all: { [RULES.commit]: 1, [RULES.statusChanged]: 1 },
    },
    nearMiss: {
      title: 'docker export writes a container out as a tar',
      run: createdContainer([], { act: async (name) => void (await docker('export', '-o', path.join(os.tmpdir(), `${name}.tar`), name)) }),
      ...onCreate(),
    },
  },
  {
    rule: RULES.plugin,
    fires: { title: 'docker plugin create installs a plugin', run: createPlugin, all: { [RULES.plugin]: 1 }, first: { [RULES.plugin]: 1 } },
    nearMiss: {
      title: 'a volume is created (same action, not a plugin)',
      run: createdAndRemoved('volume'),
      all: { [RULES.volumeRemoved]: 1 },
      first: { [RULES.volumeRemoved]: 1 },
    },
  },
  {
    rule: RULES.swarmSecret,
    fires: {
      title: 'a swarm secret and a swarm config are created and removed',
      run: inSwarm(secretsAndConfigs, removedInSwarm('config')),
      all: { [RULES.swarmSecret]: 4 },
      first: { [RULES.swarmSecret]: 4 },
    },
    nearMiss: { title: 'a swarm overlay network is created and removed', run: inSwarm(overlayNetwork, removedInSwarm('network')), all: {}, first: {} },
  },
  {
    rule: RULES.oom,
    unavailable: memoryLimitsUnsupported,
    fires: {
      title: 'a container fills its 8 MiB memory limit',
      run: exitingContainer(137, OOM_ARGS, ['sh', '-c', 'tail /dev/zero']),
      // One oom event per kill the kernel reports: sometimes two (seen once in fourteen runs).
      all: { [RULES.oom]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.oom]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
    nearMiss: {
      title: 'a container with the same limit exits normally',
      run: exitingContainer(0, OOM_ARGS),
      all: { [RULES.statusChanged]: 3 },
      first: { [RULES.statusChanged]: 3 },
    },
  },
  {
    rule: RULES.exitError,
    fires: {
      title: 'a container exits with 3',
      run: exitingContainer(3),
      all: { [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
    nearMiss: {
      title: 'a container exits with 0',
      run: exitingContainer(0),
      all: { [RULES.statusChanged]: 3 },
      first: { [RULES.statusChanged]: 3 },
    },
  },
  {
    rule: RULES.unhealthy,
    fires: {
      title: "a container's health check fails",
      run: healthChecked('unhealthy', 'false'),
      // Docker runs each health check as an exec (exec_start: /bin/sh -c false), as the container's user (root).
      all: { [RULES.unhealthy]: 1, [RULES.execRoot]: 'some', [RULES.exec]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.unhealthy]: 1, [RULES.execRoot]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
    nearMiss: {
      title: "a container's health check passes",
      run: healthChecked('healthy', 'true'),
      all: { [RULES.execRoot]: 'some', [RULES.exec]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.execRoot]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
  },
  {
    rule: RULES.volumeRemoved,
    fires: { title: 'a volume is removed', run: createdAndRemoved('volume'), all: { [RULES.volumeRemoved]: 1 }, first: { [RULES.volumeRemoved]: 1 } },
    nearMiss: { title: 'a network is removed (same action, not a volume)', run: createdAndRemoved('network'), all: {}, first: {} },
  },
  {
    rule: RULES.daemonReload,
    fires: { title: 'dockerd reloads its configuration (SIGHUP)', run: reloadDaemon, all: { [RULES.daemonReload]: 1 }, first: { [RULES.daemonReload]: 1 } },
    nearMiss: { title: 'a network is created and removed (no daemon event)', run: createdAndRemoved('network'), all: {}, first: {} },
  },
  {
    rule: RULES.statusChanged,
    fires: {
      title: 'a container is created, started and dies',
      run: exitingContainer(0),
      all: { [RULES.statusChanged]: 3 },
      first: { [RULES.statusChanged]: 3 },
    },
    nearMiss: {
      title: 'a container is connected to a network (the Go plugin fired here with stale values)',
      run: async (falco) => {
        const network = uniqueName('e2e-net');
        await docker('network', 'create', network);
        const result = await createdContainer([], {
          act: async (name) => {
            await docker('network', 'connect', network, name);
            await docker('network', 'disconnect', network, name);
          },
        })(falco);
        await docker('network', 'rm', network);
        return { token: network, fields: result.fields };
      },
      all: {},
      first: {},
    },
  },
];

/** The rules × scenarios table for README and reports: for each rule, the case that raises it and the near miss. */
export function scenarioTable(): string {
  const rows = SCENARIOS.map((s, i) => `| ${i + 1} | ${s.rule} | ${s.fires.title} | ${s.nearMiss.title} |`);
  return ['| # | rule | fires when | stays silent when |', '|---|---|---|---|', ...rows].join('\n');
}
