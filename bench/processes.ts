// What the bench reads about processes: CPU time, peak memory, the engine child, the machine.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every Linux we run on
}

/** Fields of /proc/<pid>/stat after the command name (index 0 = field 3, state). */
export function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export interface CpuSample {
  /** utime + stime from /proc/<pid>/stat, in µs (clock-tick resolution). */
  statUs: number;
  /** Sum of the threads' on-CPU time from /proc/<pid>/task/<tid>/schedstat, in µs (ns resolution). */
  schedUs: number;
  atNs: bigint;
}

export function sampleCpu(pid: number): CpuSample | null {
  const fields = statFields(pid);
  if (fields === null) return null;
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 (utime) and 15 (stime)
  let schedNs = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        schedNs += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    schedNs = NaN;
  }
  return { statUs: (ticks * 1e6) / clockTicks, schedUs: schedNs / 1e3, atNs: process.hrtime.bigint() };
}

export interface CpuUse {
  /** % of one core over the interval, from utime+stime. */
  statPct: number;
  /** The same from schedstat (finer). */
  schedPct: number;
}

export function cpuBetween(a: CpuSample | null, b: CpuSample | null): CpuUse | null {
  if (a === null || b === null) return null;
  const wallUs = Number(b.atNs - a.atNs) / 1e3;
  return { statPct: ((b.statUs - a.statUs) / wallUs) * 100, schedPct: ((b.schedUs - a.schedUs) / wallUs) * 100 };
}

/** A memory figure of /proc/<pid>/status (VmRSS, VmHWM) in MiB, or null when the process is gone. */
export function statusMiB(pid: number | 'self', key: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Peak RSS (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number | 'self'): number | null {
  return statusMiB(pid, 'VmHWM');
}

/** A process's VmRSS every `intervalMs` (MiB, 0.1 precision) until stop(); nothing for a null pid. */
export function sampleRss(pid: number | null, intervalMs: number): { readonly samples: number[]; stop(): void } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const rss = pid === null ? null : statusMiB(pid, 'VmRSS');
    if (rss !== null) samples.push(Math.round(rss * 10) / 10);
  }, intervalMs);
  return { samples, stop: () => clearInterval(timer) };
}

/** The engine: our child `node` process running dist/src/main.js. */
export function findEngine(): number | null {
  const found = findEngines();
  if (found.length > 1) throw new Error(`several engine processes are children of this process: ${found.join(', ')}`);
  return found[0] ?? null;
}

/** Every engine among our children (one per open capture). */
export function findEngines(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const fields = statFields(pid);
    if (fields === null || Number(fields[1]) !== process.pid) continue; // field 4, ppid
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if ((/\bnode\b/.test(cmdline) && cmdline.includes('dist/src/main.js')) || /\/docker-engine\b/.test(cmdline)) found.push(pid);
  }
  return found;
}

export function machineInfo(): Record<string, unknown> {
  const cpus = os.cpus();
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    commit = null;
  }
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    commit,
  };
}

