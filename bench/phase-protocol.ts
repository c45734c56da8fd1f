// What the bench (parent) and a phase worker (bench/phase-worker.ts, one process per phase) say to each other
// over the fork's IPC channel, and what a phase measures.
//
//   parent → worker  {type:'run', spec}          once, right after the worker starts
//   worker → parent  {type:'opened', enginePid}  the plugin is loaded, initialised and opened
//   parent → worker  {type:'go'}                 the generator's schedule has started: run the loop
//   worker → parent  {type:'measuring'}          the measured part begins (after any warm-up loop)
//   worker → parent  {type:'loopDone'}           the measured loop returned (the generator's counters are read now)
//   worker → parent  {type:'result', result}     the loop is over (sent before close/destroy)
//   worker → parent  {type:'error', message}     anything failed; the worker exits 1

import type { BatchSummary, LatencySummary } from './stats';
import type { CpuUse } from './processes';

/** The cache phase: how much longer than planned its events may take to come, and its drain (before loopDone). */
export const CACHE_POPULATE_SLACK_MS = 30_000;
export const CACHE_DRAIN_MAX_MS = 60_000;

/** Where latency comes from: the event's `ts` (native loop), or the payload's `timeNano` (JS loop). */
export type LatencySource = 'ts' | 'payload';

export type PhaseSpec =
  | { kind: 'probe'; durationS: number }
  | { kind: 'rate'; rate: number; warmupS: number; durationS: number; latencyFrom: LatencySource }
  /** generatorRate: Infinity = flood (as fast as the engine reads), else a fixed rate above capacity. */
  | { kind: 'throughput'; warmupS: number; durationS: number; extract: boolean; generatorRate: number }
  /** Falco `factor` times slower than a generator at `rate`: the engine's memory while its buffer is full. */
  | { kind: 'overload'; rate: number; factor: number; durationS: number }
  | { kind: 'idle'; windowS: number }
  /**
   * Container lifecycles (create, start, die, destroy; distinct containers living lifetimeS) at lifecyclesPerS,
   * the engine's enrichment on or off: latency per action. Ours only.
   */
  | {
      kind: 'enrichment';
      lifecyclesPerS: number;
      lifetimeS: number;
      enrichment: boolean;
      warmupS: number;
      durationS: number;
      inspectLatencyMs: number;
    }
  /**
   * `containers` containers created and started at lifecyclesPerS (none dies), then idleS of quiet: the
   * engine's memory and idle CPU with them in its cache (enrichment on) or not (off). Ours only.
   */
  | { kind: 'enrichmentCache'; containers: number; lifecyclesPerS: number; enrichment: boolean; idleS: number; inspectLatencyMs: number };

export interface WorkerRequest {
  library: string;
  openParams: string;
  /** Names of the fields extracted per event, one extract_fields call each. */
  fields: string[];
  spec: PhaseSpec;
  /** Merged over the bench's init_config (bench/plugin-config.ts), e.g. {enrichment: {enabled: false}}. */
  initConfig: Record<string, unknown>;
}

/** The plugin's own counters (get_metrics), null where it has none (the Go SDK has no get_metrics). */
export interface PluginCounters {
  eventsDelivered: number | null;
  engineRestarts: number | null;
  engineDroppedEvents: number | null;
  engineOverflowEvents: number | null;
  errors: number | null;
  /** The engine's enrichment counters (docs/enrichment.md); null where the plugin has no such metric. */
  enrichedEvents: number | null;
  enrichLateEvents: number | null;
  enrichGoneEvents: number | null;
  enrichFailedEvents: number | null;
  inspectRequests: number | null;
}

/** CPU of the processes under test over one loop. */
export interface LoopCpu {
  wallS: number;
  /** The worker process (next_batch, extraction, Node, the plugin's own threads), % of one core. */
  loopPct: number;
  /** Its loop thread alone, when the native loop ran (null for the JS loop). */
  loopThreadPct: number | null;
  /** The plugin's engine child (null when the plugin has none, e.g. the Go plugin). */
  engine: CpuUse | null;
}

export interface ProbeResult {
  kind: 'probe';
  events: number;
  /** Events whose ts the plugin left to the host (UINT64_MAX): no latency from ts. */
  hostStamped: number;
  /** Events whose payload has a "timeNano" (latency can come from the payload). */
  withTimeNano: number;
  rc: string;
  error: string | null;
}

export interface RateResult {
  kind: 'rate';
  rate: number;
  warmupS: number;
  durationS: number;
  latencyFrom: LatencySource;
  events: number;
  warmupEvents: number;
  batches: BatchSummary;
  latencyMs: LatencySummary;
  warmupMaxLatencyMs: number;
  /** Over warm-up + measurement. */
  cpu: LoopCpu;
  extractCalls: number;
  extractedValues: number;
}

export interface ThroughputResult {
  kind: 'throughput';
  extract: boolean;
  /** null = flood. */
  generatorRate: number | null;
  warmupS: number;
  durationS: number;
  /** Measured part only. */
  events: number;
  eventsPerS: number;
  batches: BatchSummary;
  cpu: LoopCpu;
  /** (loop process + engine) CPU µs per delivered event. */
  cpuUsPerEvent: number;
  extractCalls: number;
  /** Engine VmRSS sampled every 250 ms over warm-up + measurement, MiB. */
  engineRssMiB: number[];
}

export interface OverloadResult {
  kind: 'overload';
  rate: number;
  factor: number;
  durationS: number;
  /** Events next_batch returned, and per second (the consumer's pace: rate / factor). */
  delivered: number;
  deliveredPerS: number;
  /** The plugin's engine_overflow_events at the end (null without get_metrics). */
  overflowEvents: number | null;
  /** Engine VmRSS sampled every 250 ms, MiB. */
  engineRssMiB: number[];
}

export interface IdleWindow {
  /** Seconds since open when the window started. */
  startS: number;
  cpu: LoopCpu;
  /** loopPct + engine statPct. */
  totalPct: number;
  timeouts: number;
  events: number;
}

export interface IdleResult {
  kind: 'idle';
  /** Right after open: includes the engine's one-off post-start work. */
  afterOpen: IdleWindow;
  /** The next window: steady state. */
  steady: IdleWindow;
}

/** Events handed over after the measured loop, the generator stopped, until nothing moved for a while. */
export interface Drain {
  events: number;
  seconds: number;
  /** false when events or counters still moved when the drain gave up. */
  settled: boolean;
}

export interface EnrichmentResult {
  kind: 'enrichment';
  lifecyclesPerS: number;
  /** lifecyclesPerS × actions.length. */
  eventsPerS: number;
  lifetimeS: number;
  enrichment: boolean;
  inspectLatencyMs: number;
  warmupS: number;
  durationS: number;
  /** The Docker actions of one lifecycle step: the i-th event of the stream is actions[i % length]. */
  actions: string[];
  /** Measured events (after the warm-up events). */
  events: number;
  warmupEvents: number;
  /** Events handed over in the loop (warm-up included) and after it (drain): all of them = what was emitted. */
  loopEvents: number;
  drain: Drain;
  /** Latency per action ('create', 'start', …) and over every event ('all'), measured part. */
  latencyMs: Record<string, LatencySummary>;
  batches: BatchSummary;
  /** Over warm-up + measurement. */
  cpu: LoopCpu;
}

export interface EnrichmentCacheResult {
  kind: 'enrichmentCache';
  containers: number;
  lifecyclesPerS: number;
  enrichment: boolean;
  inspectLatencyMs: number;
  /** Events handed over (containers × 2 when all came), and seconds until the last of them. */
  events: number;
  populateS: number;
  drain: Drain;
  /** Engine CPU time (schedstat) from open until the drain settled: taking the containers in, s. */
  populateEngineCpuS: number | null;
  /** The quiet window after that: CPU, engine VmRSS every 250 ms (MiB). */
  idleS: number;
  idleCpu: LoopCpu;
  idleEngineRssMiB: number[];
}

export type PhaseMeasure = ProbeResult | RateResult | ThroughputResult | OverloadResult | IdleResult | EnrichmentResult | EnrichmentCacheResult;

export interface WorkerResult {
  /** get_name / get_version of the library. */
  name: string;
  version: string;
  measure: PhaseMeasure;
  plugin: PluginCounters;
  enginePid: number | null;
  /** VmHWM of the worker (the Falco-like process) and of the engine, MiB. */
  loopPeakRssMiB: number | null;
  enginePeakRssMiB: number | null;
  /** What the plugin logged (at most the last 20 lines). */
  logs: string[];
}

export type ToWorker = { type: 'run'; request: WorkerRequest } | { type: 'go' };
export type FromWorker =
  | { type: 'opened'; enginePid: number | null }
  | { type: 'measuring' }
  | { type: 'loopDone' }
  | { type: 'result'; result: WorkerResult }
  | { type: 'error'; message: string };
