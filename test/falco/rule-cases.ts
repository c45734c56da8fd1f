// Every shipped rule, a real scenario that should raise it and a near miss that should not, on the real
// daemon. A case names the alerts it causes per rule, under rule_matching `all` and under Falco's default
// `first` (one alert per event: the first matching rule in load order); any other rule naming the case's
// token is a failure, so a rule that shadows or leaks shows up.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { docker, DOCKER_SOCKET, dockerFailing, TEST_IMAGE, uniqueName, watchDaemonEvents, type DaemonEvent } from '../support/docker-cli';

export const RULES = {
  exitError: 'Container exited with an error',
  oom: 'Container killed by the kernel OOM killer',
  exec: 'Shell or command executed in a container',
  copyIn: 'Files copied into a container',
  commit: 'Container committed to an image',
  unhealthy: 'Container became unhealthy',
  plugin: 'Docker plugin installed or enabled',
  volumeRemoved: 'Docker volume removed',
  daemonReload: 'Docker daemon configuration reloaded',
  statusChanged: 'Container status changed',
} as const;

/** Alerts per rule naming the token; 'some' = at least one (health checks run every second). */
export type Expected = Readonly<Partial<Record<string, number | 'some'>>>;

export interface CaseResult {
  /** A unique name or ID that every alert of the case names in its output. */
  readonly token: string;
  /** Output fields every alert of a rule must carry, by rule. */
  readonly fields: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface Case {
  readonly title: string;
  readonly run: () => Promise<CaseResult>;
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

const containerFields = (name: string, id: string) => ({
  'docker.attributes.name': name,
  'docker.attributes.image': TEST_IMAGE,
  'docker.actor.id': id,
});
const statusFields = (name: string) => ({
  'docker.attributes.name': name,
  'docker.type': 'container',
  'docker.from': TEST_IMAGE,
});

async function idOf(container: string): Promise<string> {
  return docker('inspect', '--format', '{{.Id}}', container);
}

/** `docker run` in the foreground that exits with `code`; the container is removed afterwards. */
function exitingContainer(code: number, runArgs: string[] = [], command = ['sh', '-c', `exit ${code}`]): () => Promise<CaseResult> {
  return async () => {
    const name = uniqueName('e2e-exit');
    const status = await dockerFailing('run', '--name', name, ...runArgs, TEST_IMAGE, ...command);
    if (status !== code) throw new Error(`docker run ${name} exited ${status}, expected ${code}`);
    const id = await idOf(name);
    await docker('rm', name);
    return {
      token: name,
      fields: {
        [RULES.statusChanged]: statusFields(name),
        [RULES.exitError]: { ...containerFields(name, id), 'docker.attributes.exitcode': String(code) },
        [RULES.oom]: containerFields(name, id),
      },
    };
  };
}

/** A container running `sleep`, `act` on it, then `docker rm -f` (kill, die 137, destroy). */
function runningContainer(act: (name: string) => Promise<void>, runArgs: string[] = []): () => Promise<CaseResult> {
  return async () => {
    const name = uniqueName('e2e-run');
    const id = await docker('run', '-d', '--name', name, ...runArgs, TEST_IMAGE, 'sleep', '600');
    await act(name);
    await docker('rm', '-f', name);
    return {
      token: name,
      fields: {
        [RULES.statusChanged]: statusFields(name),
        [RULES.exitError]: { ...containerFields(name, id), 'docker.attributes.exitcode': '137' },
        [RULES.exec]: containerFields(name, id),
        [RULES.unhealthy]: containerFields(name, id),
      },
    };
  };
}

/** A created (never started) container, `act` on it, then removed. */
function createdContainer(act: (name: string) => Promise<void>, extraFields: (name: string, id: string) => Record<string, Record<string, string>> = () => ({})): () => Promise<CaseResult> {
  return async () => {
    const name = uniqueName('e2e-created');
    const id = await docker('create', '--name', name, TEST_IMAGE, 'true');
    await act(name);
    await docker('rm', name);
    return { token: name, fields: { [RULES.statusChanged]: statusFields(name), ...extraFields(name, id) } };
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
function healthChecked(verdict: 'healthy' | 'unhealthy', healthCmd: string): () => Promise<CaseResult> {
  return async () => {
    const watch = await watchDaemonEvents({ type: ['container'] });
    try {
      const healthArgs = ['--health-cmd', healthCmd, '--health-interval', '1s', '--health-retries', '1'];
      const reached = (name: string) => (e: DaemonEvent) => e.Actor.Attributes['name'] === name && e.Action === `health_status: ${verdict}`;
      return await runningContainer(async (name) => void (await watch.next(reached(name), 30_000)), healthArgs)();
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

export const SCENARIOS: readonly RuleScenario[] = [
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
    rule: RULES.oom,
    unavailable: memoryLimitsUnsupported,
    fires: {
      title: 'a container fills its 8 MiB memory limit',
      run: exitingContainer(137, OOM_ARGS, ['sh', '-c', 'tail /dev/zero']),
      all: { [RULES.oom]: 1, [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.oom]: 1, [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
    nearMiss: {
      title: 'a container with the same limit exits normally',
      run: exitingContainer(0, OOM_ARGS),
      all: { [RULES.statusChanged]: 3 },
      first: { [RULES.statusChanged]: 3 },
    },
  },
  {
    rule: RULES.exec,
    fires: {
      title: 'docker exec runs a command in a running container',
      run: runningContainer(async (name) => void (await docker('exec', name, 'true'))),
      all: { [RULES.exec]: 1, [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.exec]: 1, [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
    nearMiss: {
      title: 'an exec is created but never started',
      run: runningContainer(createExecOnly),
      all: { [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
  },
  {
    rule: RULES.copyIn,
    fires: {
      title: 'docker cp copies a file into a container',
      run: createdContainer(
        async (name) => void (await docker('cp', tempFile('hello\n'), `${name}:/note.txt`)),
        (name, id) => ({ [RULES.copyIn]: containerFields(name, id) }),
      ),
      all: { [RULES.copyIn]: 1, [RULES.statusChanged]: 1 },
      first: { [RULES.copyIn]: 1, [RULES.statusChanged]: 1 },
    },
    nearMiss: {
      title: 'docker cp copies a file out of a container',
      run: createdContainer(async (name) => void (await docker('cp', `${name}:/bin/busybox`, path.join(os.tmpdir(), `${name}.out`)))),
      all: { [RULES.statusChanged]: 1 },
      first: { [RULES.statusChanged]: 1 },
    },
  },
  {
    rule: RULES.commit,
    fires: {
      title: 'docker commit saves a container as an image',
      run: createdContainer(
        async (name) => {
          await docker('commit', name, `local/${name}`);
          await docker('rmi', `local/${name}`);
        },
        (name, id) => ({ [RULES.commit]: { ...containerFields(name, id), 'docker.attributes[imageRef]': `local/${name}:latest` } }),
      ),
      all: { [RULES.commit]: 1, [RULES.statusChanged]: 1 },
      first: { [RULES.commit]: 1, [RULES.statusChanged]: 1 },
    },
    nearMiss: {
      title: 'docker export writes a container out as a tar',
      run: createdContainer(async (name) => void (await docker('export', '-o', path.join(os.tmpdir(), `${name}.tar`), name))),
      all: { [RULES.statusChanged]: 1 },
      first: { [RULES.statusChanged]: 1 },
    },
  },
  {
    rule: RULES.unhealthy,
    fires: {
      title: "a container's health check fails",
      run: healthChecked('unhealthy', 'false'),
      // Docker reports each health check run as an exec (exec_start: /bin/sh -c false).
      all: { [RULES.unhealthy]: 1, [RULES.exec]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.unhealthy]: 1, [RULES.exec]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
    },
    nearMiss: {
      title: "a container's health check passes",
      run: healthChecked('healthy', 'true'),
      all: { [RULES.exec]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 3 },
      first: { [RULES.exec]: 'some', [RULES.exitError]: 1, [RULES.statusChanged]: 2 },
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
      run: async () => {
        const network = uniqueName('e2e-net');
        await docker('network', 'create', network);
        const result = await createdContainer(async (name) => {
          await docker('network', 'connect', network, name);
          await docker('network', 'disconnect', network, name);
        })();
        await docker('network', 'rm', network);
        return { token: network, fields: result.fields };
      },
      all: {},
      first: {},
    },
  },
];
