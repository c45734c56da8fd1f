// The fan-in bench's fake Docker daemons: several of the load generator's FakeDockerDaemon
// (bench/load-generator.ts: version, events, inspects as dockerd answers them), each on a unix socket of its
// own, all in one process forked like the load generator: fifty generator processes would cost GBs and add
// their own CPU to the shared cores. Driven over the fork's IPC channel:
//   child → parent  {type:'listening', socketPaths}    once every socket accepts connections
//                   {type:'stats', stats}               answer to 'halt': each daemon's counters, in order
//                   {type:'error', message}
//   parent → child  {type:'start'}                      every daemon starts its schedule, phases spread over one
//                                                       event interval (independent daemons do not tick together)
//                   {type:'halt'}                       every daemon stops emitting for good (streams stay open)
//                   {type:'stop'}                       close everything, remove the temp dir, exit

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeDockerDaemon, type GeneratorStats } from './load-generator';

type ParentMessage = { type: 'start' } | { type: 'halt' } | { type: 'stop' };
type ChildMessage =
  | { type: 'listening'; socketPaths: string[] }
  | { type: 'stats'; stats: GeneratorStats[] }
  | { type: 'error'; message: string };

/** The body of bench/fan-in-daemons-process.ts: `node fan-in-daemons-process.js <events/s of each daemon, comma-separated>`. */
export async function serveDaemons(argv: string[]): Promise<void> {
  if (process.send === undefined) throw new Error('the fan-in daemons run under FanInDaemons.start (child_process.fork)');
  const send = (m: ChildMessage): void => {
    process.send?.(m);
  };
  const rates = argv[0].split(',').map(Number);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-fan-in-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const daemons: FakeDockerDaemon[] = [];
  try {
    rates.forEach((rate, i) => daemons.push(new FakeDockerDaemon(path.join(dir, `d${i}.sock`), rate)));
    await Promise.all(daemons.map((d) => d.listen()));
  } catch (err) {
    cleanup();
    send({ type: 'error', message: (err as Error).message });
    process.exit(1);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map((d) => d.close()));
    cleanup();
    process.exit(0);
  };
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'start') daemons.forEach((d, i) => setTimeout(() => d.start(), phaseMs(i, rates[i])));
    else if (m.type === 'halt') {
      for (const d of daemons) d.halt();
      send({ type: 'stats', stats: daemons.map((d) => d.stats()) });
    } else if (m.type === 'stop') void stop();
  });
  // The parent went away (crashed, killed): do not outlive it.
  process.on('disconnect', () => void stop());
  send({ type: 'listening', socketPaths: daemons.map((d) => d.socketPath) });
}

/**
 * Where in the event interval daemon `i` starts: golden-ratio steps, so that any run of consecutive daemons
 * (one capture's endpoints) is spread evenly over the interval.
 */
function phaseMs(i: number, rate: number): number {
  return (((i * 0.6180339887) % 1) * 1000) / rate;
}

const ENTRY = path.join(__dirname, 'fan-in-daemons-process.js');

/** The parent's handle on the daemons' process. */
export class FanInDaemons {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly socketPaths: readonly string[],
  ) {
    this.exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** Forks one daemon per entry of `rates` (its events/s once started); resolves when they all listen. */
  static async start(rates: readonly number[], timeoutMs = 30_000): Promise<FanInDaemons> {
    const child = fork(ENTRY, [rates.join(',')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    const first = await new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fan-in daemons did not listen within ${timeoutMs} ms`)), timeoutMs);
      child.once('message', (m: ChildMessage) => {
        clearTimeout(timer);
        resolve(m);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the fan-in daemons exited early (${signal ?? `status ${code}`})`));
      });
    }).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    });
    if (first.type !== 'listening') {
      child.kill('SIGKILL');
      throw new Error(`the fan-in daemons failed: ${first.type === 'error' ? first.message : first.type}`);
    }
    return new FanInDaemons(child, first.socketPaths);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Every daemon starts emitting now. */
  begin(): void {
    this.child.send({ type: 'start' } satisfies ParentMessage);
  }

  /** Every daemon stops emitting for good, its stream left open; resolves with each daemon's counters. */
  halt(timeoutMs = 5000): Promise<GeneratorStats[]> {
    return new Promise<GeneratorStats[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the fan-in daemons did not answer 'halt' within ${timeoutMs} ms`)), timeoutMs);
      this.child.once('message', (m: ChildMessage) => {
        clearTimeout(timer);
        if (m.type === 'stats') resolve(m.stats);
        else reject(new Error(`unexpected answer from the fan-in daemons: ${m.type}`));
      });
      this.child.send({ type: 'halt' } satisfies ParentMessage);
    });
  }

  /** Stops the daemons and waits for their exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
    // Killed before its own cleanup: its temp dir is left behind.
    if (this.socketPaths.length > 0) rmSync(path.dirname(this.socketPaths[0]), { recursive: true, force: true });
  }
}
