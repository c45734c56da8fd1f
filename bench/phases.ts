// The parent's side of one phase: a fresh load generator, a fresh phase worker (bench/phase-worker.ts) for the
// plugin under test, the IPC dialogue with it, and the generator's own counters and CPU (the generator runs
// beside the processes under test on the same cores, so its CPU is reported, never counted as theirs).

import type { ChildProcess } from 'node:child_process';
import { lifecycleActions } from './fake-containers';
import { LoadGenerator, type GeneratorConfig, type GeneratorStats } from './load-generator';
import { CACHE_DRAIN_MAX_MS, CACHE_POPULATE_SLACK_MS, type FromWorker, type PhaseSpec, type ToWorker, type WorkerResult } from './phase-protocol';
import { canUnshare, DOCKER_SOCK, probeFailure, spawnWorker, type PluginTarget, type ProbeOutcome } from './peer';
import { cpuBetween, sampleCpu, type CpuSample, type CpuUse } from './processes';

/** Extra seconds a phase may take (process start, open, close) before it is given up. */
export const PHASE_SLACK_S = 20;

export interface PhaseOutcome {
  result: WorkerResult;
  generator: GeneratorStats;
  /** The generator's CPU over the measured part (% of one core). */
  generatorCpu: CpuUse | null;
  /** GET /events requests the generator saw (1 per engine connection). */
  eventsConnections: number;
}

/** The generator a phase needs: its rate, and for the enrichment phases container lifecycles. */
export function generatorConfig(spec: PhaseSpec): GeneratorConfig {
  switch (spec.kind) {
    case 'enrichment': {
      const options = { lifecyclesPerS: spec.lifecyclesPerS, lifetimeS: spec.lifetimeS, count: null, execs: false };
      return { rate: spec.lifecyclesPerS * lifecycleActions(options).length, events: { kind: 'lifecycles', ...options }, inspectLatencyMs: spec.inspectLatencyMs };
    }
    case 'enrichmentCache': {
      const options = { lifecyclesPerS: spec.lifecyclesPerS, lifetimeS: null, count: spec.containers, execs: false };
      return { rate: spec.lifecyclesPerS * lifecycleActions(options).length, events: { kind: 'lifecycles', ...options }, inspectLatencyMs: spec.inspectLatencyMs };
    }
    default:
      return { rate: generatorRate(spec) };
  }
}

/** init_config a phase sets over the bench's own: the enrichment phases turn enrichment on or off. */
export function initConfigFor(spec: PhaseSpec): Record<string, unknown> {
  if (spec.kind === 'enrichment') return { enrichment: { enabled: spec.enrichment } };
  // maxContainers: the cache holds every container created (the default, 10000, for up to that many).
  if (spec.kind === 'enrichmentCache') return { enrichment: spec.enrichment ? { enabled: true, maxContainers: Math.max(10_000, spec.containers) } : { enabled: false } };
  return {};
}

/** The generator rate (events/s) of a phase that streams the ring: its rate, the throughput phase's (Infinity = flood), 0 for idle. */
function generatorRate(spec: Exclude<PhaseSpec, { kind: 'enrichment' | 'enrichmentCache' }>): number {
  switch (spec.kind) {
    case 'probe':
      return 200;
    case 'rate':
      return spec.rate;
    case 'throughput':
      return spec.generatorRate;
    case 'overload':
      return spec.rate;
    case 'idle':
      return 0;
  }
}

/** Seconds the phase's loops run (for the watchdog and the progress bar). */
export function phaseSeconds(spec: PhaseSpec): number {
  switch (spec.kind) {
    case 'probe':
      return spec.durationS;
    case 'rate':
    case 'throughput':
      return spec.warmupS + spec.durationS;
    case 'overload':
      return spec.durationS;
    case 'idle':
      return 2 * spec.windowS;
    case 'enrichment':
      // and the drain after the loop (about 2 s: the STATS interval and a margin)
      return spec.warmupS + spec.durationS + 2;
    case 'enrichmentCache':
      return spec.containers / spec.lifecyclesPerS + 2 + spec.idleS;
  }
}

/** Seconds a phase may run before its watchdog gives it up. */
function watchdogSeconds(spec: PhaseSpec): number {
  // The cache phase waits for every container's events (late by up to CACHE_POPULATE_SLACK_MS) and drains.
  return phaseSeconds(spec) + PHASE_SLACK_S + (spec.kind === 'enrichmentCache' ? (CACHE_POPULATE_SLACK_MS + CACHE_DRAIN_MAX_MS) / 1000 : 0);
}

const liveWorkers = new Set<ChildProcess>();

/** SIGKILLs every phase worker still running (for an emergency exit). */
export function killWorkers(): void {
  for (const child of liveWorkers) child.kill('SIGKILL');
}

/** Messages from one worker, awaited by type; rejects every waiter when the worker exits or fails. */
class WorkerChannel {
  private readonly queue: FromWorker[] = [];
  private readonly waiters: Array<{ type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void }> = [];
  private failure: Error | null = null;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    liveWorkers.add(child);
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        liveWorkers.delete(child);
        this.fail(new Error(`the phase worker exited (${signal ?? `status ${code}`}) before answering`));
        resolve();
      });
    });
    child.once('error', (err) => this.fail(new Error(`the phase worker could not run: ${err.message}`)));
    child.on('message', (m: FromWorker) => {
      if (m.type === 'error') {
        this.fail(new Error(`phase worker: ${m.message}`));
        return;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
      else this.queue.push(m);
    });
  }

  send(m: ToWorker): void {
    this.child.send(m);
  }

  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Extract<FromWorker, { type: T }>);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ type, resolve: (m) => resolve(m as Extract<FromWorker, { type: T }>), reject });
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }
}

function withTimeout<T>(p: Promise<T>, seconds: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: no answer within ${seconds} s`));
    }, seconds * 1000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `spec` against `target` with a generator of its own; the generator and the worker never outlive it. */
export async function runPhase(target: PluginTarget, spec: PhaseSpec, fields: string[], initConfig: Record<string, unknown> = {}): Promise<PhaseOutcome> {
  const generator = await LoadGenerator.start(generatorConfig(spec));
  let channel: WorkerChannel | null = null;
  try {
    channel = new WorkerChannel(spawnWorker(target, generator.socketPath));
    const kill = (): void => void channel?.child.kill('SIGKILL');
    const what = `${target.label} ${spec.kind}`;
    // With the socket bound on /var/run/docker.sock the plugin is told that path, as a daemon default would be.
    const openParams = target.openParams ?? (target.bindSocket ? `unix://${DOCKER_SOCK}` : generator.openParams);
    channel.send({ type: 'run', request: { library: target.library, openParams, fields, spec, initConfig: { ...initConfig, ...initConfigFor(spec) } } });
    await withTimeout(channel.next('opened'), PHASE_SLACK_S, `${what}: open`, kill);
    const measuring = channel.next('measuring');
    measuring.catch(() => undefined);
    let generator0: CpuSample | null = sampleCpu(generator.pid);
    generator.begin();
    channel.send({ type: 'go' });
    if (spec.kind === 'throughput') {
      await withTimeout(measuring, PHASE_SLACK_S + spec.warmupS, `${what}: warm-up`, kill);
      generator0 = sampleCpu(generator.pid);
    }
    await withTimeout(channel.next('loopDone'), watchdogSeconds(spec), what, kill);
    // Right as the loop returned: the generator's counters and CPU cover the loop, not the worker's summing up.
    const generatorCpu = cpuBetween(generator0, sampleCpu(generator.pid));
    // The enrichment phases then drain everything emitted: the generator stops emitting here (it still answers
    // inspects), and its counters are read again once the worker is done.
    const drains = spec.kind === 'enrichment' || spec.kind === 'enrichmentCache';
    let stats = drains ? await generator.halt() : await generator.stats();
    const { result } = await withTimeout(channel.next('result'), PHASE_SLACK_S, `${what}: result`, kill);
    if (drains) {
      // emitted and the achieved rate as of the halt; the inspects answered until now
      const { inspects, liveContainers, containersCreated } = await generator.stats();
      stats = { ...stats, inspects, liveContainers, containersCreated };
    }
    const eventsConnections = generator.eventsConnections;
    // close/destroy in the worker: give it a few seconds (the Go SDK's close can leave a goroutine blocked).
    const exitTimer = setTimeout(kill, 5000);
    await channel.exited;
    clearTimeout(exitTimer);
    return { result, generator: stats, generatorCpu, eventsConnections };
  } finally {
    if (channel !== null && channel.child.exitCode === null && channel.child.signalCode === null) {
      channel.child.kill('SIGKILL');
      await channel.exited;
    }
    await generator.stop();
  }
}

const PROBE_S = 1;

function identity(outcome: PhaseOutcome): { name: string; version: string } {
  return { name: outcome.result.name, version: outcome.result.version };
}

async function probeOnce(target: PluginTarget, fields: string[]): Promise<{ outcome: PhaseOutcome | null; failure: string | null }> {
  try {
    const outcome = await runPhase(target, { kind: 'probe', durationS: PROBE_S }, fields);
    const probe = outcome.result.measure.kind === 'probe' ? outcome.result.measure : null;
    return { outcome, failure: probeFailure(probe, outcome.eventsConnections, null) };
  } catch (err) {
    return { outcome: null, failure: probeFailure(null, 0, err as Error) };
  }
}

/**
 * Runs the plugin for a second against a generator at 200 events/s to learn how it must be run: with the
 * generator's socket in open_params, or (`bind` 'auto' after that failed, or 'always') in a mount namespace
 * with the socket bound on /var/run/docker.sock; and whether it stamps `ts` itself. Throws when neither works.
 */
export async function probeTarget(
  label: string,
  library: string,
  openParams: string | null,
  bind: 'never' | 'auto' | 'always',
  fields: string[],
): Promise<ProbeOutcome> {
  const plain: PluginTarget = { label, library, bindSocket: false, openParams };
  let reason: string | null = null;
  if (bind !== 'always') {
    const { outcome, failure } = await probeOnce(plain, fields);
    if (failure === null && outcome?.result.measure.kind === 'probe') return { ...identity(outcome), bindSocket: false, probe: outcome.result.measure, reason: null };
    if (bind === 'never') throw new Error(`${label} (${library}): ${failure ?? 'no probe result'}`);
    reason = failure;
  }
  const unshareProblem = canUnshare();
  if (unshareProblem !== null) throw new Error(`${label}: ${reason ?? ''}; and it cannot run with the socket bound: ${unshareProblem}`);
  const { outcome, failure } = await probeOnce({ ...plain, bindSocket: true }, fields);
  if (failure === null && outcome?.result.measure.kind === 'probe') {
    return { ...identity(outcome), bindSocket: true, probe: outcome.result.measure, reason: reason ?? '--peer-socket-bind' };
  }
  throw new Error(`${label} (${library}): ${reason !== null ? `with open_params: ${reason}; ` : ''}with the socket bound on ${DOCKER_SOCK}: ${failure ?? 'no probe result'}`);
}
