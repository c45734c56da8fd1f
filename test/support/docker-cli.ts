// The real daemon, driven the way a user drives it: the docker CLI, and the
// daemon's own record of its events (GET /events?since&until) to compare with.
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const DOCKER_SOCKET = '/var/run/docker.sock';
export const TEST_IMAGE = 'local/busybox';

let testImageIdCache: Promise<string> | null = null;

/**
 * TEST_IMAGE's ID (`sha256:…`). A container created by image ID names no registry and no tag, so the image
 * rules ("Image not pinned by digest", "Image from a registry not allowed") do not fire for it.
 */
export function testImageId(): Promise<string> {
  testImageIdCache ??= docker('image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE);
  return testImageIdCache;
}

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

export interface DaemonEvent {
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { readonly ID: string; readonly Attributes: Readonly<Record<string, string>> };
  readonly timeNano: number;
}

/** The daemon's event stream from now on, as `docker events` reads it (filters as in `--filter`). */
export interface DaemonEventWatch {
  /** The first event since the watch started that `matches` accepts. */
  next(matches: (event: DaemonEvent) => boolean, timeoutMs?: number): Promise<DaemonEvent>;
  close(): void;
}

/** Resolves once the daemon answered, so that every event caused after it is seen. */
export function watchDaemonEvents(filters: Record<string, string[]> = {}): Promise<DaemonEventWatch> {
  return new Promise((resolve, reject) => {
    const events: DaemonEvent[] = [];
    const waiters = new Set<() => boolean>();
    const query = Object.keys(filters).length > 0 ? `?filters=${encodeURIComponent(JSON.stringify(filters))}` : '';
    const req = http.get({ socketPath: DOCKER_SOCKET, path: `/events${query}` });
    req.on('error', reject);
    req.on('response', (res) => {
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.length > 0) events.push(JSON.parse(line) as DaemonEvent);
        for (const w of [...waiters]) if (w()) waiters.delete(w);
      });
      resolve({
        next(matches, timeoutMs = 60_000) {
          return new Promise((found, fail) => {
            const check = (): boolean => {
              const event = events.find(matches);
              if (event === undefined) return false;
              clearTimeout(timer);
              found(event);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no daemon event matching ${JSON.stringify(filters)} and the test's condition within ${timeoutMs} ms`));
            }, timeoutMs);
            if (!check()) waiters.add(check);
          });
        },
        close() {
          req.destroy();
        },
      });
    });
  });
}

export function nowNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** A name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
