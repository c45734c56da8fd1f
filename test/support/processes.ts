// What a plugin leaves behind in this process: child processes and open fds.
import fs from 'node:fs';

export interface ProcessEntry {
  pid: number;
  state: string;
  cmdline: string;
  /** The program it runs (/proc/<pid>/exe); '' for a zombie. */
  exe: string;
}

/** Direct children of `parent` (zombies included: state 'Z'). */
export function childProcesses(parent = process.pid): ProcessEntry[] {
  const children: ProcessEntry[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid ...; comm may hold spaces and parentheses
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[1]) !== parent) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      // a zombie has no cmdline
    }
    let exe = '';
    try {
      exe = fs.readlinkSync(`/proc/${name}/exe`);
    } catch {
      // a zombie runs nothing
    }
    children.push({ pid: Number(name), state: rest[0] ?? '?', cmdline, exe });
  }
  return children;
}

/** The engine processes this process started (node .../dist/src/main.js, or a self-contained docker-engine). */
export function engineProcesses(parent = process.pid): ProcessEntry[] {
  return childProcesses(parent).filter((p) => p.state === 'Z' || p.cmdline.includes('main.js') || p.exe.endsWith('/docker-engine'));
}

export function openFds(): string[] {
  return fs.readdirSync('/proc/self/fd').map((fd) => {
    try {
      return `${fd} -> ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`;
    } catch {
      return `${fd} -> ?`;
    }
  });
}
