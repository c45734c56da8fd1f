// The real daemon, driven the way a user drives it: the docker CLI, and the
// daemon's own record of its events (GET /events?since&until) to compare with.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const DOCKER_SOCKET = '/var/run/docker.sock';
export const TEST_IMAGE = 'local/busybox';

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

/** `docker ...` that is expected to exit non-zero; resolves with the exit code. */
export async function dockerFailing(...args: string[]): Promise<number> {
  try {
    await run('docker', args, { timeout: 60_000 });
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

/** The daemon's own record of its events in [sinceNano, untilNano], one raw JSON line each. */
export function daemonEvents(sinceNano: bigint, untilNano: bigint): Promise<string[]> {
  const fmt = (ns: bigint): string => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
  return new Promise((resolve, reject) => {
    const req = http.get(
      { socketPath: DOCKER_SOCKET, path: `/events?since=${fmt(sinceNano)}&until=${fmt(untilNano)}` },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.length > 0)));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** A name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
