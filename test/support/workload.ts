// Steady Docker activity whose events the test can predict: every operation
// the CLI reports done produced its events exactly once.
import { uniqueName } from './docker-cli';

export interface Workload {
  /** `<type> <action> <name>` of every event the operations that succeeded produced. */
  readonly expected: string[];
  stop(): Promise<void>;
}

type Docker = (...args: string[]) => Promise<string>;

function loop(step: (i: number) => Promise<string[]>): Workload {
  const expected: string[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      try {
        expected.push(...(await step(i)));
      } catch {
        // the daemon is restarting: what this operation did is unknown, so its name is never counted
      }
    }
  })();
  return {
    expected,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** `volume create` + `volume rm` pairs, back to back, until stopped. */
export function startVolumeWorkload(docker: Docker, prefix: string): Workload {
  return loop(async (i) => {
    const name = `${uniqueName(prefix)}-v${i}`;
    await docker('volume', 'create', name);
    await docker('volume', 'rm', name);
    return [`volume create ${name}`, `volume destroy ${name}`];
  });
}

/** `docker run --rm` of a container that exits at once (no network), back to back, until stopped. */
export function startContainerWorkload(docker: Docker, prefix: string, image: string): Workload {
  return loop(async (i) => {
    const name = `${uniqueName(prefix)}-c${i}`;
    await docker('run', '--rm', '--network', 'none', '--name', name, image, 'true');
    return ['create', 'attach', 'start', 'die', 'destroy'].map((action) => `container ${action} ${name}`);
  });
}

/** `<type> <action> <name>` of a workload event (its name starts with `prefix`), else null. */
export function workloadKey(payload: string, prefix: string): string | null {
  const e = JSON.parse(payload) as { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: { name?: string } } };
  const name = e.Type === 'volume' ? e.Actor?.ID : e.Type === 'container' ? e.Actor?.Attributes?.name : undefined;
  return name?.startsWith(prefix) ? `${e.Type} ${e.Action} ${name}` : null;
}

export interface Tally {
  lost: string[];
  duplicated: string[];
  unexpected: string[];
}

/**
 * What was delivered against what was expected, as multisets. Events of objects whose operation failed
 * (a restart cut it) are not expected and not counted.
 */
export function tally(expected: string[], delivered: string[]): Tally {
  const counted = new Set(expected.map((k) => k.split(' ')[2]));
  const counts = new Map<string, number>();
  for (const k of delivered) if (counted.has(k.split(' ')[2])) counts.set(k, (counts.get(k) ?? 0) + 1);
  const want = new Set(expected);
  return {
    lost: expected.filter((k) => !counts.has(k)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([k]) => k),
    unexpected: [...counts.keys()].filter((k) => !want.has(k)),
  };
}
