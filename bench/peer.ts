// How a plugin under test is run: a phase worker forked as is, or, for a peer that only reads
// /var/run/docker.sock (the Go docker plugin ignores open_params), under `unshare --mount` with the
// generator's socket bind-mounted onto /var/run/docker.sock inside that private mount namespace: the real
// daemon's socket is untouched outside it. And the probe that decides between the two.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { ProbeResult } from './phase-protocol';

export interface PluginTarget {
  /** 'ours' or 'peer'. */
  label: string;
  library: string;
  /** Run under unshare --mount with the generator's socket bound on /var/run/docker.sock. */
  bindSocket: boolean;
  /** open_params to pass instead of the generator's socket (null: unix://<socket>, or the bound path). */
  openParams: string | null;
}

const WORKER = path.join(__dirname, 'phase-worker.js');
export const DOCKER_SOCK = '/var/run/docker.sock';

/**
 * Inside the new mount namespace (private propagation, so nothing leaks out): bind the generator's socket onto
 * /var/run/docker.sock, then exec the worker (same pid, so the IPC channel and signals go straight to node).
 * Where no /var/run/docker.sock exists to bind onto, a tmpfs is mounted on its directory first (only this
 * namespace sees it) and an empty file made there as the mount point.
 */
const NAMESPACE_SCRIPT = `set -e
sock="$1"; shift
target=${DOCKER_SOCK}
if [ ! -e "$target" ]; then
  mount -t tmpfs -o size=64k,mode=755 bench-peer "$(dirname "$(readlink -f "$target")")"
  : > "$target"
fi
mount --bind "$sock" "$target"
exec "$@"`;

/** A phase worker for `target`, its IPC channel open (structured clone, so NaN survives). */
export function spawnWorker(target: PluginTarget, generatorSocket: string): ChildProcess {
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  if (!target.bindSocket) return fork(WORKER, [], { stdio, serialization: 'advanced' });
  return spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '/bin/sh', '-c', NAMESPACE_SCRIPT, 'bench-peer-ns', generatorSocket, process.execPath, WORKER],
    { stdio, serialization: 'advanced' },
  );
}

/** Checks that `unshare` can be run (util-linux, root or CAP_SYS_ADMIN). */
export function canUnshare(): string | null {
  if (!['/usr/bin/unshare', '/bin/unshare', '/usr/sbin/unshare'].some((p) => existsSync(p))) return 'unshare (util-linux) is not installed';
  if (process.getuid?.() !== 0) return 'mount namespaces need root (or CAP_SYS_ADMIN)';
  return null;
}

export interface ProbeOutcome {
  /** get_name / get_version of the library. */
  name: string;
  version: string;
  bindSocket: boolean;
  probe: ProbeResult;
  /** Why the socket had to be bound (the plain attempt's result), or null. */
  reason: string | null;
}

/** The probe's verdict on one attempt: null = the plugin streamed the generator's events, else why not. */
export function probeFailure(probe: ProbeResult | null, eventsConnections: number, error: Error | null): string | null {
  if (error !== null) return error.message.split('\n')[0];
  if (probe === null) return 'no result';
  if (probe.error !== null) return `next_batch ${probe.rc}: ${probe.error}`;
  if (eventsConnections === 0) return 'it never asked the generator for events (open_params ignored?)';
  if (probe.events === 0) return 'no event came back within the probe';
  return null;
}
