// `npm run bench`: latency at the next_batch boundary and idle cost of build/libdocker.so, driven through the
// loader addon exactly as Falco drives it (back-to-back next_batch on a worker thread, 5 string fields
// extracted per event, one extract_fields call per field), fed by a fake Docker daemon in its own process
// (bench/load-generator.ts). See bench/README.md for what each figure means.
//
//   node dist/bench/run.js [--rates 10,1000] [--duration S] [--warmup S] [--idle S] [--out FILE] [--plugin SO]

import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Plugin, type FieldRequest, type LoopResult, type Metric, type PluginInstance, type PluginState } from '../native/loader/index.js';
import { killLoadGenerators, LoadGenerator, type GeneratorStats } from './load-generator';
import { cpuBetween, findEngine, machineInfo, peakRssMiB, sampleCpu, type CpuUse } from './processes';

const ROOT = path.resolve(__dirname, '../..');
const FIELDS: FieldRequest[] = [
  { name: 'docker.status' },
  { name: 'docker.type' },
  { name: 'docker.action' },
  { name: 'docker.attributes.name' },
  { name: 'docker.attributes.image' },
];
const PERCENTILES = [50, 90, 99, 99.9] as const;
/** Extra seconds a phase may take (engine start, open, close) before the watchdog gives up. */
const PHASE_SLACK_S = 20;

// ------------------------------------------------------------------ options

interface Options {
  rates: number[];
  /** Measured seconds per rate; null = the default (10 s up to 100/s, 5 s above). */
  durationS: number | null;
  warmupS: number;
  idleS: number;
  out: string;
  plugin: string;
}

const USAGE = `usage: node dist/bench/run.js [options]
  --rates LIST     event rates to measure, events/s, comma-separated (default 10,1000; "" for none)
  --duration S     measured seconds per rate (default 10 s up to 100/s, 5 s above)
  --warmup S       seconds at each rate before measuring, not counted (default 1)
  --idle S         seconds of each of the 2 idle windows (after open, steady), 0 to skip (default 10)
  --out FILE       JSON results (default bench/results/latest.json)
  --plugin FILE    plugin library (default build/libdocker.so)`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rates: { type: 'string', default: '10,1000' },
      duration: { type: 'string' },
      warmup: { type: 'string', default: '1' },
      idle: { type: 'string', default: '10' },
      out: { type: 'string', default: path.join(ROOT, 'bench/results/latest.json') },
      plugin: { type: 'string', default: path.join(ROOT, 'build/libdocker.so') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const seconds = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > 3600) throw new Error(`--${name} must be a number of seconds in [${min}, 3600], got "${text}"`);
    return n;
  };
  const rates = values.rates.split(',').filter((s) => s.trim() !== '').map((s) => {
    const n = Number(s.trim());
    if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new Error(`--rates: "${s}" is not a rate in (0, 1000000] events/s`);
    return n;
  });
  return {
    rates,
    durationS: values.duration === undefined ? null : seconds('duration', values.duration, 0.1),
    warmupS: seconds('warmup', values.warmup, 0),
    idleS: seconds('idle', values.idle, 0),
    out: path.resolve(values.out),
    plugin: path.resolve(values.plugin),
  };
}

function defaultDurationS(rate: number): number {
  return rate <= 100 ? 10 : 5;
}

// ------------------------------------------------------------------ statistics

export interface LatencySummary {
  count: number;
  /** Nearest-rank percentiles and extremes, in ms. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
  /** Latencies below zero (emission after return: a clock problem, should be 0). */
  negative: number;
}

/** Nearest-rank percentile of sorted values: the smallest value with at least p% of the values at or below it. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function summarise(latencyNs: BigInt64Array, skip: number): LatencySummary {
  const values = new Float64Array(Math.max(0, latencyNs.length - skip));
  let sum = 0;
  let negative = 0;
  for (let i = 0; i < values.length; i++) {
    const ms = Number(latencyNs[i + skip]) / 1e6;
    values[i] = ms;
    sum += ms;
    if (ms < 0) negative++;
  }
  values.sort();
  const [p50, p90, p99, p999] = PERCENTILES.map((p) => percentile(values, p)) as [number, number, number, number];
  return {
    count: values.length,
    p50,
    p90,
    p99,
    p999,
    max: values.length ? values[values.length - 1] : NaN,
    min: values.length ? values[0] : NaN,
    mean: values.length ? sum / values.length : NaN,
    negative,
  };
}

interface BatchSummary {
  /** next_batch calls that returned events, and those that returned TIMEOUT with none. */
  batches: number;
  timeouts: number;
  events: number;
  meanBatch: number;
  maxBatch: number;
}

/** Batches after the first `skipEvents` events (a batch straddling the boundary counts as warm-up). */
function summariseBatches(sizes: Uint32Array, skipEvents: number): BatchSummary {
  let seen = 0;
  let batches = 0;
  let timeouts = 0;
  let events = 0;
  let maxBatch = 0;
  for (const n of sizes) {
    const warm = seen >= skipEvents;
    seen += n;
    if (!warm) continue;
    if (n === 0) timeouts++;
    else {
      batches++;
      events += n;
      if (n > maxBatch) maxBatch = n;
    }
  }
  return { batches, timeouts, events, meanBatch: batches ? events / batches : NaN, maxBatch };
}

// ------------------------------------------------------------------ /proc

// ------------------------------------------------------------------ runs

interface PluginCounters {
  eventsDelivered: number;
  engineRestarts: number;
  engineDroppedEvents: number;
  errors: number;
}

function pluginCounters(metrics: Metric[]): PluginCounters {
  const get = (name: string): number => {
    const m = metrics.find((x) => x.name === `docker.${name}`);
    return m === undefined || m.value === null ? NaN : Number(m.value);
  };
  return {
    eventsDelivered: get('events_delivered'),
    engineRestarts: get('engine_restarts'),
    engineDroppedEvents: get('engine_dropped_events'),
    errors: get('errors'),
  };
}

interface Session {
  state: PluginState;
  instance: PluginInstance;
  generator: LoadGenerator;
  enginePid: number;
}

/** A generator at `rate`, a fresh plugin state opened on it, and the engine it started. */
async function openSession(plugin: Plugin, rate: number): Promise<Session> {
  const generator = await LoadGenerator.start(rate);
  let state: PluginState | null = null;
  try {
    state = plugin.init({});
    const instance = state.open(generator.openParams);
    const enginePid = findEngine();
    if (enginePid === null) {
      instance.close();
      throw new Error('open succeeded but no engine process (child node running dist/src/main.js) was found');
    }
    return { state, instance, generator, enginePid };
  } catch (err) {
    state?.destroy();
    await generator.stop();
    throw err;
  }
}

async function closeSession(s: Session): Promise<void> {
  s.instance.close();
  s.state.destroy();
  await s.generator.stop();
}

function checkLoop(result: LoopResult, what: string): void {
  if (result.error !== undefined) {
    throw new Error(`${what}: the loop stopped with ${result.rc}${result.errorCode ? ` (${result.errorCode})` : ''}: ${result.error}`);
  }
}

interface RateResult {
  rate: number;
  warmupS: number;
  durationS: number;
  events: number;
  warmupEvents: number;
  batches: BatchSummary;
  latencyMs: LatencySummary;
  /** The warm-up's worst latency (first events through cold code), ms. */
  warmupMaxLatencyMs: number;
  /** Over warm-up + measurement. */
  loopCpuPct: number;
  loopThreadCpuPct: number;
  engineCpu: CpuUse | null;
  enginePeakRssMiB: number | null;
  loopPeakRssMiB: number | null;
  generator: GeneratorStats;
  plugin: PluginCounters;
  extractCalls: number;
  extractedValues: number;
}

async function runRate(plugin: Plugin, rate: number, durationS: number, warmupS: number): Promise<RateResult> {
  const session = await openSession(plugin, rate);
  try {
    const { instance } = session;
    const warmupEvents = Math.round(rate * warmupS);
    const cpu0 = sampleCpu(session.enginePid);
    session.generator.begin();
    const result = await instance.runLoop({ durationMs: Math.round((warmupS + durationS) * 1000), fields: FIELDS });
    const cpu1 = sampleCpu(session.enginePid);
    const generator = await session.generator.stats();
    checkLoop(result, `rate ${rate}/s`);
    const elapsedUs = Number(result.elapsedNs) / 1e3;
    const warm = summarise(result.latencyNs.slice(0, warmupEvents), 0);
    const out: RateResult = {
      rate,
      warmupS,
      durationS,
      events: result.events - warmupEvents,
      warmupEvents,
      batches: summariseBatches(result.batchSizes, warmupEvents),
      latencyMs: summarise(result.latencyNs, warmupEvents),
      warmupMaxLatencyMs: warm.max,
      loopCpuPct: ((result.processCpuUserUs + result.processCpuSysUs) / elapsedUs) * 100,
      loopThreadCpuPct: ((result.cpuUserUs + result.cpuSysUs) / elapsedUs) * 100,
      engineCpu: cpuBetween(cpu0, cpu1),
      enginePeakRssMiB: peakRssMiB(session.enginePid),
      loopPeakRssMiB: peakRssMiB('self'),
      generator,
      plugin: pluginCounters(session.state.metrics()),
      extractCalls: result.extractCalls,
      extractedValues: result.extractedValues,
    };
    if (result.latencyNs.length !== result.events) {
      throw new Error(`rate ${rate}/s: ${result.events - result.latencyNs.length} events had no ts of their own (host-stamped)`);
    }
    return out;
  } finally {
    await closeSession(session);
  }
}

interface IdleWindow {
  /** Seconds since open when the window started. */
  startS: number;
  durationS: number;
  loopCpuPct: number;
  /** The loop thread alone (the next_batch calls), within loopCpuPct. */
  loopThreadCpuPct: number;
  engineCpu: CpuUse | null;
  /** loopCpuPct + engineCpu.statPct. */
  totalCpuPct: number | null;
  /** next_batch calls that returned TIMEOUT, and events (should be 0). */
  timeouts: number;
  events: number;
}

interface IdleResult {
  /** Right after open: includes the engine's one-off post-start work (V8's memory reducer GC a few s in). */
  afterOpen: IdleWindow;
  /** The next window: steady state. */
  steady: IdleWindow;
  enginePeakRssMiB: number | null;
  loopPeakRssMiB: number | null;
}

async function idleWindow(session: Session, openedAt: bigint, durationS: number): Promise<IdleWindow> {
  const { instance } = session;
  const startS = Number(process.hrtime.bigint() - openedAt) / 1e9;
  const cpu0 = sampleCpu(session.enginePid);
  const result = await instance.runLoop({ durationMs: Math.round(durationS * 1000), fields: FIELDS });
  const cpu1 = sampleCpu(session.enginePid);
  checkLoop(result, 'idle');
  const elapsedUs = Number(result.elapsedNs) / 1e3;
  const loopCpuPct = ((result.processCpuUserUs + result.processCpuSysUs) / elapsedUs) * 100;
  const engineCpu = cpuBetween(cpu0, cpu1);
  return {
    startS,
    durationS,
    loopCpuPct,
    loopThreadCpuPct: ((result.cpuUserUs + result.cpuSysUs) / elapsedUs) * 100,
    engineCpu,
    totalCpuPct: engineCpu === null ? null : loopCpuPct + engineCpu.statPct,
    timeouts: result.timeouts,
    events: result.events,
  };
}

/** Two back-to-back windows of `durationS` on a generator that never emits: right after open, then steady. */
async function runIdle(plugin: Plugin, durationS: number): Promise<IdleResult> {
  const session = await openSession(plugin, 0);
  const openedAt = process.hrtime.bigint();
  try {
    const afterOpen = await idleWindow(session, openedAt, durationS);
    const steady = await idleWindow(session, openedAt, durationS);
    return { afterOpen, steady, enginePeakRssMiB: peakRssMiB(session.enginePid), loopPeakRssMiB: peakRssMiB('self') };
  } finally {
    await closeSession(session);
  }
}

// ------------------------------------------------------------------ report

const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '–');
const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)} %`);
const mib = (x: number | null): string => (x === null ? '–' : `${x.toFixed(1)} MiB`);

function rateTable(results: RateResult[]): string {
  const lines = [
    '| rate (ev/s) | measured | events | batches | mean batch | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | CPU loop / engine | engine peak RSS |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const l = r.latencyMs;
    lines.push(
      `| ${r.rate} | ${r.durationS} s | ${r.events} | ${r.batches.batches} | ${r.batches.meanBatch.toFixed(2)} | ` +
        `${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.p999)} | ${ms(l.max)} | ` +
        `${pct(r.loopCpuPct)} / ${pct(r.engineCpu?.schedPct)} | ${mib(r.enginePeakRssMiB)} |`,
    );
  }
  return lines.join('\n');
}

function idleTable(r: IdleResult): string {
  const a = r.afterOpen;
  const b = r.steady;
  const engine = (w: IdleWindow): string => `${pct(w.engineCpu?.statPct)} (${pct(w.engineCpu?.schedPct)})`;
  return [
    `| idle (no events) | CPU, first ${a.durationS} s after open | CPU, next ${b.durationS} s (steady) | peak RSS (VmHWM) |`,
    '|---|---:|---:|---:|',
    `| loop process (node + loader + libdocker.so) | ${pct(a.loopCpuPct)} | ${pct(b.loopCpuPct)} | ${mib(r.loopPeakRssMiB)} |`,
    `| engine process (node dist/src/main.js) | ${engine(a)} | ${engine(b)} | ${mib(r.enginePeakRssMiB)} |`,
    `| sum | ${pct(a.totalCpuPct)} | ${pct(b.totalCpuPct)} | |`,
    '',
    'CPU in % of one core; engine from utime+stime in /proc/<pid>/stat (in parentheses: from schedstat, ns resolution).',
  ].join('\n');
}

function warnings(results: RateResult[], idle: IdleResult | null): string[] {
  const out: string[] = [];
  for (const r of results) {
    const g = r.generator;
    if (r.latencyMs.negative > 0) out.push(`rate ${r.rate}/s: ${r.latencyMs.negative} negative latencies (clock anchoring problem)`);
    if (r.plugin.engineRestarts > 0) out.push(`rate ${r.rate}/s: the engine restarted ${r.plugin.engineRestarts} time(s)`);
    if (r.plugin.engineDroppedEvents > 0) out.push(`rate ${r.rate}/s: the engine dropped ${r.plugin.engineDroppedEvents} event(s)`);
    if (g.eventsRequests !== 1) out.push(`rate ${r.rate}/s: the engine made ${g.eventsRequests} GET /events requests (reconnects?)`);
    if (Math.abs(g.achievedRate - r.rate) > r.rate * 0.02 + 0.5) out.push(`rate ${r.rate}/s: the generator achieved ${g.achievedRate.toFixed(1)}/s`);
    const received = r.events + r.warmupEvents;
    if (g.emitted - received > Math.max(2, r.rate * 0.05)) out.push(`rate ${r.rate}/s: ${g.emitted} emitted but only ${received} received`);
  }
  const idleEvents = idle === null ? 0 : idle.afterOpen.events + idle.steady.events;
  if (idleEvents > 0) out.push(`idle: ${idleEvents} events arrived from a generator at rate 0`);
  return out;
}

// ------------------------------------------------------------------ main

function progress(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const plan = options.rates.map((rate) => ({ rate, durationS: options.durationS ?? defaultDurationS(rate) }));
  const budgetS = plan.reduce((s, p) => s + p.durationS + options.warmupS + PHASE_SLACK_S, 0) + (options.idleS > 0 ? 2 * options.idleS + PHASE_SLACK_S : 0);
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: gave up after ${budgetS} s (a phase hung); stopping\n`);
    killLoadGenerators();
    process.exit(2);
  }, budgetS * 1000);
  watchdog.unref();
  process.once('exit', killLoadGenerators);

  const machine = machineInfo();
  const plugin = new Plugin(options.plugin);
  progress(`${plugin.info.name} ${plugin.info.version} (${options.plugin}) on ${String(machine.cpuModel)}, ${String(machine.cores)} cores, node ${process.version}`);

  const results: RateResult[] = [];
  for (const [i, { rate, durationS }] of plan.entries()) {
    progress(`[${i + 1}/${plan.length + (options.idleS > 0 ? 1 : 0)}] ${rate} events/s for ${options.warmupS} s warm-up + ${durationS} s …`);
    const r = await runRate(plugin, rate, durationS, options.warmupS);
    results.push(r);
    progress(`    ${r.events} events, p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms`);
  }
  let idle: IdleResult | null = null;
  if (options.idleS > 0) {
    progress(`[${plan.length + 1}/${plan.length + 1}] idle (generator at rate 0): 2 windows of ${options.idleS} s …`);
    idle = await runIdle(plugin, options.idleS);
    const w = idle.steady;
    progress(`    steady: loop ${pct(w.loopCpuPct)}, engine ${pct(w.engineCpu?.statPct)} of one core`);
  }
  plugin.unload();

  const report: string[] = [];
  if (results.length > 0) {
    report.push(
      `### Latency at the next_batch boundary (${plugin.info.name} ${plugin.info.version}, ${FIELDS.length} fields extracted per event)`,
      '',
      rateTable(results),
      '',
    );
  }
  if (idle !== null) report.push('### Idle cost', '', idleTable(idle), '');
  report.push(
    `Machine: ${String(machine.cpuModel)}, ${String(machine.cores)} cores, ${String(machine.os)}, node ${process.version}, ` +
      `load average at start ${(machine.loadAverageAtStart as number[]).join(' ')}; ${String(machine.date)}.`,
  );
  const problems = warnings(results, idle);
  for (const w of problems) report.push(`\n**Warning:** ${w}`);
  process.stdout.write(`${report.join('\n')}\n`);

  mkdirSync(path.dirname(options.out), { recursive: true });
  const json = {
    machine,
    plugin: { path: path.relative(ROOT, options.plugin), name: plugin.info.name, version: plugin.info.version },
    options: { ...options, out: undefined, plugin: undefined },
    fields: FIELDS.map((f) => f.name),
    rates: results,
    idle,
    warnings: problems,
  };
  writeFileSync(options.out, `${JSON.stringify(json, null, 2)}\n`);
  progress(`results written to ${path.relative(process.cwd(), options.out)}`);
  clearTimeout(watchdog);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
  killLoadGenerators();
  process.exit(1);
});
