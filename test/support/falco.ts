// The real host: a Falco binary, the package installed the way README says, and Falco runs whose alerts
// (json_output) and log lines (log_stderr) the tests await.

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { childProcesses, type ProcessEntry } from './processes';

const run = promisify(execFile);
export const REPO = path.join(__dirname, '..', '..', '..');
/** Where ../shared/falco/build-falco.sh leaves its binary. */
const BUILD_SCRIPT_OUTPUT = path.join(os.homedir(), '.cache', 'falco-0.44.1', 'bin', 'falco');

export type FalcoLookup = { readonly path: string } | { readonly skip: string };

/** FALCO_BIN, else `falco` on PATH, else the Falco build script's output. */
export function findFalco(): FalcoLookup {
  const fromEnv = process.env['FALCO_BIN'];
  if (fromEnv) return isExecutable(fromEnv) ? { path: fromEnv } : { skip: `FALCO_BIN=${fromEnv} is not an executable file` };
  const onPath = spawnSync('sh', ['-c', 'command -v falco'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && isExecutable(onPath)) return { path: onPath };
  if (isExecutable(BUILD_SCRIPT_OUTPUT)) return { path: BUILD_SCRIPT_OUTPUT };
  return { skip: `no Falco binary (FALCO_BIN unset, no falco on PATH, none at ${BUILD_SCRIPT_OUTPUT})` };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * What `npm run package` makes, installed as README says: the release tarball, its SHA-256 checked,
 * unpacked into a fresh plugin folder. Returns that folder.
 */
export async function installPackage(): Promise<string> {
  await run(path.join(REPO, 'scripts', 'package.sh'), { cwd: REPO, timeout: 300_000 });
  const release = path.join(REPO, 'release');
  await run('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: release });
  const tarball = fs.readdirSync(release).find((f) => /^docker-\d.*-linux-.*\.tar\.gz$/.test(f));
  if (tarball === undefined) throw new Error(`no plugin tarball in ${release}`);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-plugins-'));
  await run('tar', ['-xzf', path.join(release, tarball), '-C', folder]);
  return folder;
}

/** The environment Falco runs in: no Node.js on PATH, as on a host or in Falco's image without it. */
function falcoEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: '/usr/sbin:/sbin' };
}

/** A Falco alert as json_output prints it. */
export interface Alert {
  readonly rule: string;
  readonly priority: string;
  readonly output: string;
  readonly output_fields: Readonly<Record<string, string | number | boolean | null>>;
  readonly source: string;
  readonly tags: readonly string[];
}

export interface FalcoOptions {
  readonly falco: string;
  /** The plugin folder (installPackage). */
  readonly plugins: string;
  /** The falco.yaml to run (default: the repository's). */
  readonly config?: string;
  /** More `-o key=value` overrides. */
  readonly overrides?: readonly string[];
  /** More arguments (default: run the docker source). */
  readonly args?: readonly string[];
}

type Waiter = { check: () => boolean };

/** One Falco process, from the repository's directory (falco.yaml names rules/docker_rules.yaml relatively). */
export class FalcoProcess {
  readonly alerts: Alert[] = [];
  readonly logs: string[] = [];
  /** stdout lines that are not alerts (the summary printed at exit). */
  readonly otherOutput: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private exitCode: number | null | undefined = undefined;

  constructor(options: FalcoOptions) {
    const args = falcoArgs(
      { ...options, overrides: ['json_output=true', 'log_stderr=true', 'log_syslog=false', ...(options.overrides ?? [])] },
      options.args ?? ['--enable-source', 'docker'],
    );
    this.child = spawn(options.falco, args, { cwd: REPO, env: falcoEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.child.stdout! }).on('line', (line) => this.onStdout(line));
    readline.createInterface({ input: this.child.stderr! }).on('line', (line) => this.onLog(line));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code;
        this.wake();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Falco's children now (the engine, and zombies if any). */
  children(): ProcessEntry[] {
    return childProcesses(this.pid);
  }

  /** Resolves with the alerts once `until(alerts)` holds; rejects at the deadline or if Falco exits first. */
  waitForAlerts(until: (alerts: readonly Alert[]) => boolean, timeoutMs = 60_000, what = 'alerts'): Promise<readonly Alert[]> {
    return this.waitFor(() => (until(this.alerts) ? this.alerts : undefined), timeoutMs, what);
  }

  /** Resolves with the count-th log line (1-based, counting from the start) matching `pattern`. */
  waitForLog(pattern: RegExp, count = 1, timeoutMs = 60_000): Promise<string> {
    return this.waitFor(
      () => this.logs.filter((l) => pattern.test(l))[count - 1],
      timeoutMs,
      `log line #${count} matching ${String(pattern)}`,
    );
  }

  /** The plugin connected to the daemon for the count-th time (each open logs it). */
  waitUntilConnected(count = 1, timeoutMs = 60_000): Promise<string> {
    return this.waitForLog(/\[libs\]: docker: connected to /, count, timeoutMs);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then the exit status. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    return this.withDeadline(this.exited, timeoutMs, 'Falco to exit after SIGTERM');
  }

  /** Everything Falco printed, for assertion messages. */
  transcript(lines = 40): string {
    return [...this.logs.slice(-lines), ...this.otherOutput.slice(-10)].join('\n');
  }

  private waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = probe();
          if (found !== undefined) {
            clearTimeout(timer);
            resolve(found);
            return true;
          }
          if (this.exitCode !== undefined) {
            clearTimeout(timer);
            reject(new Error(`Falco exited (${this.exitCode}) before ${what}:\n${this.transcript()}`));
            return true;
          }
          return false;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${this.transcript()}`));
      }, timeoutMs);
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  private withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      promise.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private onStdout(line: string): void {
    if (line.startsWith('{')) {
      try {
        this.alerts.push(JSON.parse(line) as Alert);
        this.wake();
        return;
      } catch {
        // not an alert: kept below
      }
    }
    this.otherOutput.push(line);
  }

  private onLog(line: string): void {
    this.logs.push(line);
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (w.check()) this.waiters.delete(w);
  }
}

/** -c <falco.yaml> -o library_path=<the installed package> -o <overrides...> <args...> */
function falcoArgs(options: Omit<FalcoOptions, 'falco' | 'args'>, args: readonly string[]): string[] {
  const overrides = [`plugins[0].library_path=${path.join(options.plugins, 'libdocker.so')}`, ...(options.overrides ?? [])];
  return ['-c', options.config ?? path.join(REPO, 'falco.yaml'), ...overrides.flatMap((o) => ['-o', o]), ...args];
}

/** Runs Falco to completion (a CLI action such as -V, --list, --plugin-info) and returns what it printed. */
export async function falcoCommand(
  options: Omit<FalcoOptions, 'args'> & { readonly args: readonly string[] },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(options.falco, falcoArgs(options, options.args), { cwd: REPO, env: falcoEnvironment(), timeout: 60_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : null, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
