// The bench's results: their shape (latest.json), the Markdown tables (latest.md, stdout), the targets of
// the bench issue and the side-by-side ratios.

import { parseConfig } from '../src/config/config';
import type { GeneratorStats } from './load-generator';
import type { EnrichmentCacheResult, EnrichmentResult, IdleResult, IdleWindow, OverloadResult, PluginCounters, RateResult, ThroughputResult } from './phase-protocol';
import type { CpuUse } from './processes';
import { BATCH_BUCKETS, bucketLabel, type BatchSummary } from './stats';

/** One phase of one plugin, as measured. */
export interface Phase<M> {
  measure: M;
  plugin: PluginCounters;
  generator: GeneratorStats;
  /** % of one core over the measured part. */
  generatorCpu: CpuUse | null;
  eventsConnections: number;
  loopPeakRssMiB: number | null;
  enginePeakRssMiB: number | null;
  /** true when this plugin has an engine child process (ours does, the Go plugin has none). */
  hasEngine: boolean;
}

export interface TargetResults {
  label: string;
  library: string;
  name: string;
  version: string;
  bindSocket: boolean;
  bindReason: string | null;
  /** The probe saw events whose ts the plugin left to the host. */
  hostStampsTs: boolean;
  rates: Array<Phase<RateResult>>;
  throughput: Array<Phase<ThroughputResult>>;
  overload: Phase<OverloadResult> | null;
  idle: Phase<IdleResult> | null;
  /** Enrichment on and off per container lifecycle rate (ours only). */
  enrichment: Array<Phase<EnrichmentResult>>;
  /** The cache phase, enrichment on and off (ours only). */
  enrichmentCache: Array<Phase<EnrichmentCacheResult>>;
}

export interface BenchResults {
  machine: Record<string, unknown>;
  options: Record<string, unknown>;
  fields: string[];
  latencyFrom: string;
  wallS: number;
  targets: TargetResults[];
  warnings: string[];
}

/** The Go plugin's figures quoted by the bench issue (not measured here). */
export const GO_REFERENCE = {
  source: 'bench issue text: Go plugin 0.4.0 driven as Falco does, 5 string fields, quiet 2-core machine',
  latencyMs: { 10: { p50: 15.6, p99: 31.9 }, 1000: { p50: 18.0, p99: 42.5 } } as Record<number, { p50: number; p99: number }>,
  maxEventsPerS: 8800,
  cpuUsPerEvent: 139,
  idlePct: 10,
};

// ------------------------------------------------------------------ formatting

const isNum = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);
export const fmtMs = (x: number | null | undefined): string => (isNum(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3)) : '–');
export const fmtPct = (x: number | null | undefined): string => (isNum(x) ? `${x.toFixed(2)} %` : '–');
const fmtMiB = (x: number | null | undefined): string => (isNum(x) ? `${x.toFixed(1)} MiB` : '–');
const fmtUs = (x: number | null | undefined): string => (isNum(x) ? `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} µs` : '–');
export const fmtRate = (x: number | null | undefined): string => (isNum(x) ? Math.round(x).toLocaleString('en-US') : '–');
const fmtRatio = (x: number | null | undefined): string => (isNum(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×` : '–');

function table(header: string[], align: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// ------------------------------------------------------------------ derived figures

/** Engine CPU of a loop: schedstat (ns resolution), 0 for a plugin without an engine. */
function engineCpuPct(engine: CpuUse | null, hasEngine: boolean): number | null {
  if (!hasEngine) return 0;
  return engine?.schedPct ?? null;
}

/** (loop + engine) CPU per event over a rate phase's whole loop (warm-up included, as its CPU is). */
export function rateCpuUsPerEvent(p: Phase<RateResult>): number | null {
  const m = p.measure;
  const engine = engineCpuPct(m.cpu.engine, p.hasEngine);
  const events = m.events + m.warmupEvents;
  if (engine === null || events <= 0) return null;
  return (((m.cpu.loopPct + engine) / 100) * m.cpu.wallS * 1e6) / events;
}

export function idleTotalPct(p: Phase<IdleResult>, w: 'afterOpen' | 'steady'): number {
  return p.measure[w].totalPct;
}

/** Peak RSS of the loop process and of the engine over every phase of a target. */
export function peakRss(t: TargetResults): { loop: number | null; engine: number | null } {
  const phases: Array<Phase<unknown>> = [...t.rates, ...t.throughput, ...(t.overload ? [t.overload] : []), ...(t.idle ? [t.idle] : [])];
  const max = (xs: Array<number | null>): number | null => {
    const ok = xs.filter(isNum);
    return ok.length ? Math.max(...ok) : null;
  };
  return { loop: max(phases.map((p) => p.loopPeakRssMiB)), engine: max(phases.map((p) => p.enginePeakRssMiB)) };
}

export interface RssTrend {
  first: number;
  last: number;
  peak: number;
  /** Peak of the second half of the samples minus the peak of the first half: ~0 when memory is flat. */
  secondHalfGrowth: number;
}

/** RSS samples taken at a fixed interval → their trend; null for fewer than 4 samples. */
export function rssTrend(s: readonly number[]): RssTrend | null {
  if (s.length < 4) return null;
  const half = Math.floor(s.length / 2);
  return { first: s[0], last: s[s.length - 1], peak: Math.max(...s), secondHalfGrowth: Math.max(...s.slice(half)) - Math.max(...s.slice(0, half)) };
}

/** Engine RSS over a phase that samples it (flood, overload). */
export function engineRssTrend(p: Phase<ThroughputResult | OverloadResult>): RssTrend | null {
  return rssTrend(p.measure.engineRssMiB);
}

// ------------------------------------------------------------------ per-plugin tables

export function rateTable(t: TargetResults): string {
  return table(
    ['rate (ev/s)', 'measured', 'events', 'batches', 'mean batch', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'CPU loop / engine', 'CPU per event', 'generator CPU', 'engine peak RSS'],
    ['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    t.rates.map((p) => {
      const m = p.measure;
      const l = m.latencyMs;
      return [
        fmtRate(m.rate),
        `${m.durationS} s`,
        String(m.events),
        String(m.batches.batches),
        m.batches.meanBatch.toFixed(2),
        fmtMs(l.p50),
        fmtMs(l.p90),
        fmtMs(l.p99),
        fmtMs(l.p999),
        fmtMs(l.max),
        `${fmtPct(m.cpu.loopPct)} / ${p.hasEngine ? fmtPct(m.cpu.engine?.schedPct) : 'none'}`,
        fmtUs(rateCpuUsPerEvent(p)),
        fmtPct(p.generatorCpu?.schedPct),
        p.hasEngine ? fmtMiB(p.enginePeakRssMiB) : 'none',
      ];
    }),
  );
}

function bucketRow(b: BatchSummary): string[] {
  return b.buckets.map((n) => (n === 0 ? '' : b.batches > 0 ? `${((n / b.batches) * 100).toFixed(n / b.batches < 0.001 ? 3 : 1)} %` : ''));
}

/** Batch sizes per phase: % of the batches with events that fall in each bucket. */
export function batchTable(t: TargetResults): string {
  const rows: string[][] = [
    ...t.rates.map((p) => [`${fmtRate(p.measure.rate)}/s`, String(p.measure.batches.batches), String(p.measure.batches.empty), String(p.measure.batches.maxBatch), ...bucketRow(p.measure.batches)]),
    ...t.throughput.map((p) => [
      `max, ${p.measure.extract ? 'with' : 'no'} extraction`,
      String(p.measure.batches.batches),
      String(p.measure.batches.empty),
      String(p.measure.batches.maxBatch),
      ...bucketRow(p.measure.batches),
    ]),
  ];
  return table(
    ['phase', 'batches', 'empty', 'max', ...BATCH_BUCKETS.map((_, i) => bucketLabel(i))],
    ['---', '---:', '---:', '---:', ...BATCH_BUCKETS.map(() => '---:')],
    rows,
  );
}

export function throughputTable(t: TargetResults): string {
  return table(
    ['phase', 'measured', 'events', 'events/s', 'mean batch', 'CPU loop / engine', 'CPU per event', 'generator: events/s, CPU', 'engine RSS first → last (peak)', 'dropped by the engine'],
    ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    t.throughput.map((p) => {
      const m = p.measure;
      const rss = engineRssTrend(p);
      const dropped = p.plugin.engineOverflowEvents ?? p.plugin.engineDroppedEvents;
      return [
        (m.extract ? `with extraction (${m.extractCalls > 0 ? (m.extractCalls / Math.max(1, m.events)).toFixed(0) : 0} fields/event)` : 'without extraction') +
          (m.generatorRate === null ? '' : `, generator paced at ${fmtRate(m.generatorRate)}/s`),
        `${m.durationS} s`,
        String(m.events),
        fmtRate(m.eventsPerS),
        m.batches.meanBatch.toFixed(1),
        `${fmtPct(m.cpu.loopPct)} / ${p.hasEngine ? fmtPct(m.cpu.engine?.schedPct) : 'none'}`,
        fmtUs(m.cpuUsPerEvent),
        `${fmtRate(p.generator.achievedRate)}, ${fmtPct(p.generatorCpu?.schedPct)}`,
        rss === null ? (p.hasEngine ? '–' : 'none') : `${rss.first.toFixed(1)} → ${rss.last.toFixed(1)} (${rss.peak.toFixed(1)}) MiB`,
        dropped === null ? '–' : String(dropped),
      ];
    }),
  );
}

export function overloadTable(t: TargetResults): string {
  const p = t.overload;
  if (p === null) return '';
  const m = p.measure;
  const rss = engineRssTrend(p);
  const growth = rss === null ? '–' : `${rss.secondHalfGrowth >= 0 ? '+' : ''}${rss.secondHalfGrowth.toFixed(1)} MiB`;
  return table(
    ['generator', 'Falco', 'measured', 'delivered/s', 'dropped by the engine', 'engine RSS first → last (peak)', 'growth (2nd half peak − 1st half)'],
    ['---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    [
      [
        `${fmtRate(p.generator.achievedRate)}/s`,
        `${m.factor}× slower`,
        `${m.durationS} s`,
        fmtRate(m.deliveredPerS),
        m.overflowEvents === null ? '–' : String(m.overflowEvents),
        rss === null ? (p.hasEngine ? '–' : 'none') : `${rss.first.toFixed(1)} → ${rss.last.toFixed(1)} (${fmtMiB(p.enginePeakRssMiB)})`,
        growth,
      ],
    ],
  );
}

export function idleTable(t: TargetResults): string {
  const p = t.idle;
  if (p === null) return '';
  const a = p.measure.afterOpen;
  const b = p.measure.steady;
  const engine = (w: IdleWindow): string => (p.hasEngine ? `${fmtPct(w.cpu.engine?.statPct)} (${fmtPct(w.cpu.engine?.schedPct)})` : 'none');
  const window = (w: IdleWindow): string => `${w.cpu.wallS.toFixed(0)} s`;
  return [
    table(
      ['idle (no events)', `CPU, first ${window(a)} after open`, `CPU, next ${window(b)} (steady)`, 'peak RSS (VmHWM)'],
      ['---', '---:', '---:', '---:'],
      [
        ['loop process (node + loader + plugin)', fmtPct(a.cpu.loopPct), fmtPct(b.cpu.loopPct), fmtMiB(p.loopPeakRssMiB)],
        ['engine process', engine(a), engine(b), p.hasEngine ? fmtMiB(p.enginePeakRssMiB) : 'none'],
        ['sum', fmtPct(a.totalPct), fmtPct(b.totalPct), ''],
        ['next_batch calls (TIMEOUT)', String(a.timeouts), String(b.timeouts), ''],
      ],
    ),
    '',
    'CPU in % of one core; engine from utime+stime in /proc/<pid>/stat (in parentheses: schedstat, ns resolution).',
  ].join('\n');
}

export function memoryLine(t: TargetResults): string {
  const r = peakRss(t);
  return `Peak RSS over all phases: loop process ${fmtMiB(r.loop)}${r.engine === null ? ' (no engine process)' : `, engine ${fmtMiB(r.engine)}`}.`;
}

// ------------------------------------------------------------------ enrichment

const fmtCount = (x: number | null | undefined): string => (isNum(x) ? String(x) : '–');
const signed = (x: number, digits = 1): string => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const onOff = (on: boolean): string => (on ? 'on' : 'off');

/** Events handed to Falco in an enrichment phase: in the loop and in the drain after it (all that was emitted). */
export function enrichmentDelivered(p: Phase<EnrichmentResult | EnrichmentCacheResult>): number {
  const m = p.measure;
  return m.kind === 'enrichment' ? m.loopEvents + m.drain.events : m.events;
}

/** "n (x %)" of the delivered events; '–' without the counter. */
function ofDelivered(n: number | null, delivered: number): string {
  if (!isNum(n)) return '–';
  return delivered > 0 ? `${n} (${((n / delivered) * 100).toFixed(1)} %)` : String(n);
}

function inspectsServed(g: GeneratorStats): string {
  const i = g.inspects;
  return `${i.containers} / ${i.images} / ${i.execs} / ${i.notFound}`;
}

/** (loop + engine) CPU per delivered event over an enrichment phase's loop. */
function enrichmentCpuUsPerEvent(p: Phase<EnrichmentResult>): number | null {
  const m = p.measure;
  const engine = engineCpuPct(m.cpu.engine, p.hasEngine);
  if (engine === null || m.loopEvents <= 0) return null;
  return (((m.cpu.loopPct + engine) / 100) * m.cpu.wallS * 1e6) / m.loopEvents;
}

/** Per lifecycle rate: enrichment off, on, and on/off, for the latencies of create and start events. */
export function enrichmentComparisonTable(t: TargetResults): string {
  const rows: string[][] = [];
  const rates = [...new Set(t.enrichment.map((p) => p.measure.lifecyclesPerS))];
  for (const rate of rates) {
    const on = t.enrichment.find((p) => p.measure.lifecyclesPerS === rate && p.measure.enrichment);
    const off = t.enrichment.find((p) => p.measure.lifecyclesPerS === rate && !p.measure.enrichment);
    const at = `${fmtRate(rate)} lifecycles/s (${fmtRate(on?.measure.eventsPerS ?? off?.measure.eventsPerS)} events/s)`;
    const row = (what: string, get: (p: Phase<EnrichmentResult>) => number | null, fmt: (x: number | null) => string): void => {
      const a = off === undefined ? null : get(off);
      const b = on === undefined ? null : get(on);
      rows.push([at, what, fmt(a), fmt(b), isNum(a) && isNum(b) && a > 0 ? fmtRatio(b / a) : '–']);
    };
    for (const action of ['create', 'start']) {
      row(`${action} p50, ms`, (p) => p.measure.latencyMs[action]?.p50 ?? null, fmtMs);
      row(`${action} p99, ms`, (p) => p.measure.latencyMs[action]?.p99 ?? null, fmtMs);
    }
    row('every event p99, ms', (p) => p.measure.latencyMs.all.p99, fmtMs);
    row('engine CPU, % of a core', (p) => p.measure.cpu.engine?.schedPct ?? null, fmtPct);
    row('CPU per event (loop + engine)', enrichmentCpuUsPerEvent, fmtUs);
    row('engine peak RSS', (p) => p.enginePeakRssMiB, fmtMiB);
  }
  return table(['rate', 'figure', 'enrichment off', 'enrichment on', 'on/off'], ['---', '---', '---:', '---:', '---:'], rows);
}

/** Every enrichment phase: latencies per action, the engine's enrichment counters, the inspects the daemon answered. */
export function enrichmentTable(t: TargetResults): string {
  return table(
    [
      'lifecycles/s',
      'enrichment',
      'events',
      'create p50 / p99 / max ms',
      'start p50 / p99 / max ms',
      'die p99, destroy p99 ms',
      'enriched',
      'late',
      'gone',
      'failed',
      'inspect requests (engine)',
      'inspects answered: containers / images / execs / 404',
      'containers in the phase',
      'CPU loop / engine',
    ],
    ['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    t.enrichment.map((p) => {
      const m = p.measure;
      const l = (a: string): string => {
        const x = m.latencyMs[a];
        return x === undefined ? '–' : `${fmtMs(x.p50)} / ${fmtMs(x.p99)} / ${fmtMs(x.max)}`;
      };
      const delivered = enrichmentDelivered(p);
      return [
        fmtRate(m.lifecyclesPerS),
        onOff(m.enrichment),
        `${m.events} (+${m.warmupEvents} warm-up, +${m.drain.events} after)`,
        l('create'),
        l('start'),
        `${fmtMs(m.latencyMs.die?.p99)}, ${fmtMs(m.latencyMs.destroy?.p99)}`,
        ofDelivered(p.plugin.enrichedEvents, delivered),
        ofDelivered(p.plugin.enrichLateEvents, delivered),
        ofDelivered(p.plugin.enrichGoneEvents, delivered),
        ofDelivered(p.plugin.enrichFailedEvents, delivered),
        fmtCount(p.plugin.inspectRequests),
        inspectsServed(p.generator),
        String(p.generator.containersCreated),
        `${fmtPct(m.cpu.loopPct)} / ${p.hasEngine ? fmtPct(m.cpu.engine?.schedPct) : 'none'}`,
      ];
    }),
  );
}

/**
 * The engine's resident memory with the containers in its cache: the lowest sample of the quiet window. V8
 * collects the garbage of taking them in (the inspect answers) when it decides (its memory reducer, some
 * seconds into the quiet); after that, what stays is what the cache holds.
 */
export function cacheRssMiB(p: Phase<EnrichmentCacheResult>): number | null {
  const s = p.measure.idleEngineRssMiB;
  return s.length ? Math.min(...s) : null;
}

export interface CacheCost {
  containers: number;
  /** on − off: engine RSS (lowest of the quiet window), MiB, and per container, bytes. */
  rssMiB: number;
  bytesPerContainer: number;
  /** on − off: engine peak RSS (VmHWM: the garbage of taking the containers in, before it is collected), MiB. */
  peakMiB: number | null;
  /** on − off: engine CPU over the quiet window, points of a core. */
  idleCpuPct: number | null;
}

export function cacheCost(t: TargetResults): CacheCost | null {
  const on = t.enrichmentCache.find((p) => p.measure.enrichment);
  const off = t.enrichmentCache.find((p) => !p.measure.enrichment);
  if (on === undefined || off === undefined) return null;
  const a = cacheRssMiB(on);
  const b = cacheRssMiB(off);
  if (!isNum(a) || !isNum(b)) return null;
  const cpuOn = on.measure.idleCpu.engine?.schedPct;
  const cpuOff = off.measure.idleCpu.engine?.schedPct;
  return {
    containers: on.measure.containers,
    rssMiB: a - b,
    bytesPerContainer: ((a - b) * 2 ** 20) / on.measure.containers,
    peakMiB: isNum(on.enginePeakRssMiB) && isNum(off.enginePeakRssMiB) ? on.enginePeakRssMiB - off.enginePeakRssMiB : null,
    idleCpuPct: isNum(cpuOn) && isNum(cpuOff) ? cpuOn - cpuOff : null,
  };
}

export function cacheTable(t: TargetResults): string {
  const rows = t.enrichmentCache.map((p) => {
    const m = p.measure;
    const rss = m.idleEngineRssMiB;
    return [
      onOff(m.enrichment),
      `${p.generator.containersCreated} (${fmtRate(m.lifecyclesPerS)}/s)`,
      String(m.events),
      `${m.populateS.toFixed(1)} s (+${m.drain.seconds.toFixed(1)} s until the engine was quiet)`,
      ofDelivered(p.plugin.enrichedEvents, m.events),
      fmtCount(p.plugin.inspectRequests),
      inspectsServed(p.generator),
      rss.length ? `${rss[0].toFixed(1)} → ${rss[rss.length - 1].toFixed(1)} (${fmtMiB(cacheRssMiB(p))})` : '–',
      fmtMiB(p.enginePeakRssMiB),
      m.populateEngineCpuS === null ? '–' : `${m.populateEngineCpuS.toFixed(2)} s (${fmtUs((m.populateEngineCpuS * 1e6) / m.containers)}/container)`,
      `${fmtPct(m.idleCpu.engine?.schedPct)} (${fmtPct(m.idleCpu.engine?.statPct)})`,
      fmtPct(m.idleCpu.loopPct),
    ];
  });
  const cost = cacheCost(t);
  const lines = [
    table(
      [
        'enrichment',
        'containers created',
        'events',
        'until all handed over',
        'enriched',
        'inspect requests (engine)',
        'inspects answered: containers / images / execs / 404',
        'engine RSS over the quiet window: first → last (lowest)',
        'engine peak RSS',
        'engine CPU to take them in',
        'engine CPU over the quiet window: schedstat (utime+stime)',
        'loop idle CPU',
      ],
      ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
      rows,
    ),
  ];
  if (cost !== null) {
    lines.push(
      '',
      `Cache cost (on − off, same events): **${signed(cost.rssMiB)} MiB** engine RSS (lowest of the quiet window) for ${fmtRate(cost.containers)} containers, ` +
        `**${fmtRate(cost.bytesPerContainer)} bytes per container**; peak RSS ${cost.peakMiB === null ? '–' : `${signed(cost.peakMiB)} MiB`} ` +
        `(${cost.peakMiB === null ? '–' : fmtRate((cost.peakMiB * 2 ** 20) / cost.containers)} bytes per container, the garbage of taking them in included); ` +
        `engine CPU over the quiet window ${cost.idleCpuPct === null ? '–' : `${signed(cost.idleCpuPct, 2)} points`} of a core.`,
    );
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ side by side

interface Row {
  what: string;
  ours: number | null;
  peer: number | null;
  fmt: (x: number | null) => string;
  /** 'lower': lower is better (ratio peer/ours); 'higher': higher is better (ratio ours/peer). */
  better: 'lower' | 'higher';
}

function comparisonRows(ours: TargetResults, peer: TargetResults): Row[] {
  const rows: Row[] = [];
  for (const o of ours.rates) {
    const p = peer.rates.find((x) => x.measure.rate === o.measure.rate);
    if (p === undefined) continue;
    const r = fmtRate(o.measure.rate);
    rows.push(
      { what: `p50 latency at ${r}/s, ms`, ours: o.measure.latencyMs.p50, peer: p.measure.latencyMs.p50, fmt: fmtMs, better: 'lower' },
      { what: `p99 latency at ${r}/s, ms`, ours: o.measure.latencyMs.p99, peer: p.measure.latencyMs.p99, fmt: fmtMs, better: 'lower' },
      { what: `max latency at ${r}/s, ms`, ours: o.measure.latencyMs.max, peer: p.measure.latencyMs.max, fmt: fmtMs, better: 'lower' },
      { what: `CPU per event at ${r}/s`, ours: rateCpuUsPerEvent(o), peer: rateCpuUsPerEvent(p), fmt: fmtUs, better: 'lower' },
    );
  }
  for (const o of ours.throughput) {
    const p = peer.throughput.find((x) => x.measure.extract === o.measure.extract);
    if (p === undefined) continue;
    const w = o.measure.extract ? 'with extraction' : 'without extraction';
    rows.push(
      { what: `max throughput ${w}, events/s`, ours: o.measure.eventsPerS, peer: p.measure.eventsPerS, fmt: fmtRate, better: 'higher' },
      { what: `CPU per event at max throughput ${w}`, ours: o.measure.cpuUsPerEvent, peer: p.measure.cpuUsPerEvent, fmt: fmtUs, better: 'lower' },
    );
  }
  if (ours.overload && peer.overload) {
    rows.push({ what: 'engine peak RSS under overload', ours: ours.overload.enginePeakRssMiB, peer: peer.overload.enginePeakRssMiB, fmt: fmtMiB, better: 'lower' });
  }
  if (ours.idle && peer.idle) {
    rows.push({ what: 'idle CPU (steady), % of a core', ours: ours.idle.measure.steady.totalPct, peer: peer.idle.measure.steady.totalPct, fmt: fmtPct, better: 'lower' });
  }
  const ro = peakRss(ours);
  const rp = peakRss(peer);
  const sum = (r: { loop: number | null; engine: number | null }): number | null => (r.loop === null ? null : r.loop + (r.engine ?? 0));
  rows.push(
    { what: 'peak RSS, loop process', ours: ro.loop, peer: rp.loop, fmt: fmtMiB, better: 'lower' },
    { what: 'peak RSS, engine process', ours: ro.engine, peer: rp.engine, fmt: fmtMiB, better: 'lower' },
    { what: 'peak RSS, loop + engine', ours: sum(ro), peer: sum(rp), fmt: fmtMiB, better: 'lower' },
  );
  return rows;
}

/** ratio > 1 = ours is better: peer/ours for latency, CPU and memory, ours/peer for throughput. */
export function comparisonTable(ours: TargetResults, peer: TargetResults): string {
  return table(
    ['figure', `ours (${ours.name} ${ours.version})`, `peer (${peer.name} ${peer.version})`, 'ratio'],
    ['---', '---:', '---:', '---:'],
    comparisonRows(ours, peer).map((r) => {
      const ratio = !isNum(r.ours) || !isNum(r.peer) || r.ours === 0 || r.peer === 0 ? null : r.better === 'lower' ? r.peer / r.ours : r.ours / r.peer;
      return [r.what, r.fmt(r.ours), r.fmt(r.peer), `${fmtRatio(ratio)} (${r.better === 'lower' ? 'peer/ours' : 'ours/peer'})`];
    }),
  );
}

// ------------------------------------------------------------------ targets

interface Target {
  what: string;
  goal: string;
  ours: string;
  go: string;
  verdict: string;
}

function verdict(value: number | null, limit: number, below: boolean, fmt: (x: number) => string): string {
  if (!isNum(value)) return 'not measured';
  const met = below ? value < limit : value >= limit;
  if (met) return `**met** (${below ? `${((1 - value / limit) * 100).toFixed(0)} % under` : `${(value / limit).toFixed(2)}× the goal`})`;
  return `**missed** by ${fmt(below ? value - limit : limit - value)} (${below ? `${(value / limit).toFixed(2)}× the limit` : `${(value / limit).toFixed(2)}× the goal`})`;
}

export function targetsTable(ours: TargetResults, peer: TargetResults | null): string {
  const rows: Target[] = [];
  const rate = (r: number): Phase<RateResult> | undefined => ours.rates.find((p) => p.measure.rate === r);
  const peerRate = (r: number): Phase<RateResult> | undefined => peer?.rates.find((p) => p.measure.rate === r);
  for (const [r, limit] of [
    [1000, 2],
    [10, 1],
  ] as const) {
    const p = rate(r)?.measure.latencyMs.p99 ?? null;
    const pp = peerRate(r)?.measure.latencyMs.p99;
    rows.push({
      what: `p99 latency at ${fmtRate(r)} events/s`,
      goal: `< ${limit} ms`,
      ours: `${fmtMs(p)} ms`,
      go: `${GO_REFERENCE.latencyMs[r].p99} ms${pp !== undefined ? `; peer here: ${fmtMs(pp)} ms` : ''}`,
      verdict: verdict(p, limit, true, (x) => `${fmtMs(x)} ms`),
    });
  }
  const tput = ours.throughput.find((p) => p.measure.extract)?.measure.eventsPerS ?? null;
  const peerTput = peer?.throughput.find((p) => p.measure.extract)?.measure.eventsPerS ?? null;
  rows.push({
    what: 'sustained throughput, 5 fields extracted',
    goal: '≥ 200,000 events/s',
    ours: `${fmtRate(tput)} events/s`,
    go: `${fmtRate(GO_REFERENCE.maxEventsPerS)} events/s${peerTput !== null ? `; peer here: ${fmtRate(peerTput)}` : ''}`,
    verdict: verdict(tput, 200_000, false, (x) => `${fmtRate(x)} events/s`),
  });
  const goBase = peerTput ?? GO_REFERENCE.maxEventsPerS;
  rows.push({
    what: `… and ≥ 20× the Go plugin's (${peerTput !== null ? 'the peer measured here' : 'its figure from the issue'})`,
    goal: `≥ ${fmtRate(20 * goBase)} events/s`,
    ours: tput === null ? '–' : `${(tput / goBase).toFixed(1)}×`,
    go: `${fmtRate(goBase)} events/s`,
    verdict: verdict(tput, 20 * goBase, false, (x) => `${fmtRate(x)} events/s`),
  });
  const idle = ours.idle?.measure.steady.totalPct ?? null;
  rows.push({
    what: 'idle CPU (steady window, loop + engine)',
    goal: '< 1 % of one core',
    ours: fmtPct(idle),
    go: `~${GO_REFERENCE.idlePct} %${peer?.idle ? `; peer here: ${fmtPct(peer.idle.measure.steady.totalPct)}` : ''}`,
    verdict: verdict(idle, 1, true, (x) => `${x.toFixed(2)} points`),
  });
  const engineRss = peakRss(ours).engine;
  const limitMiB = 100e6 / 2 ** 20;
  rows.push({
    what: 'engine peak RSS (VmHWM, all phases, incl. flood and overload)',
    goal: '< 100 MB (95.4 MiB)',
    ours: fmtMiB(engineRss),
    go: 'no engine process',
    verdict: verdict(engineRss, limitMiB, true, (x) => fmtMiB(x)),
  });
  const steadyPhases: Array<Phase<unknown>> = [...ours.rates, ...(ours.idle ? [ours.idle] : [])];
  const steadyRss = steadyPhases.map((p) => p.enginePeakRssMiB).filter(isNum);
  if (steadyRss.length > 0 && (ours.throughput.length > 0 || ours.overload !== null)) {
    const top = Math.max(...steadyRss);
    rows.push({
      what: '… the same at the fixed rates and idle only (no flood, no overload)',
      goal: '< 100 MB (95.4 MiB)',
      ours: fmtMiB(top),
      go: '–',
      verdict: verdict(top, limitMiB, true, (x) => fmtMiB(x)),
    });
  }
  // Flat under overload: the overload phase (Falco behind, the engine's buffer full), else the flood phases.
  const sampled: Array<Phase<ThroughputResult | OverloadResult>> = ours.overload !== null ? [ours.overload] : ours.throughput;
  const trends = sampled.map(engineRssTrend).filter((x) => x !== null);
  if (trends.length > 0) {
    const growth = Math.max(...trends.map((f) => f.secondHalfGrowth));
    const o = ours.overload?.measure;
    rows.push({
      what:
        o !== undefined
          ? `engine RSS flat under overload (Falco ${o.factor}× behind ${fmtRate(o.rate)} events/s for ${o.durationS} s: 2nd half peak − 1st half peak)`
          : 'engine RSS flat under overload (flood phases: 2nd half peak − 1st half peak)',
      goal: '≤ 5 MiB growth',
      ours: `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MiB`,
      go: '–',
      verdict: growth <= 5 ? '**met**' : `**missed** by ${(growth - 5).toFixed(1)} MiB`,
    });
  }
  const cpu = ours.throughput.find((p) => p.measure.extract)?.measure.cpuUsPerEvent ?? null;
  rows.push({
    what: 'CPU per event at max throughput, 5 fields (loop + engine; no goal, for scale)',
    goal: '–',
    ours: fmtUs(cpu),
    go: `${GO_REFERENCE.cpuUsPerEvent} µs`,
    verdict: isNum(cpu) ? `${(GO_REFERENCE.cpuUsPerEvent / cpu).toFixed(1)}× less than the issue's Go figure` : '–',
  });
  return table(
    ['target', 'goal', 'ours', 'Go plugin (issue text)', 'verdict'],
    ['---', '---', '---:', '---:', '---'],
    rows.map((r) => [r.what, r.goal, r.ours, r.go, r.verdict]),
  );
}

// ------------------------------------------------------------------ warnings

export function warnings(t: TargetResults): string[] {
  const out: string[] = [];
  const who = t.label;
  for (const p of t.rates) {
    const m = p.measure;
    const g = p.generator;
    const at = `${who}, ${m.rate}/s`;
    if (m.latencyMs.negative > 0) out.push(`${at}: ${m.latencyMs.negative} negative latencies (clock anchoring problem)`);
    if ((p.plugin.engineRestarts ?? 0) > 0) out.push(`${at}: the engine restarted ${p.plugin.engineRestarts} time(s)`);
    if ((p.plugin.engineDroppedEvents ?? 0) > 0) out.push(`${at}: the engine dropped ${p.plugin.engineDroppedEvents} event(s)`);
    if (g.eventsRequests !== 1) out.push(`${at}: ${g.eventsRequests} GET /events requests (reconnects?)`);
    if (Math.abs(g.achievedRate - m.rate) > m.rate * 0.02 + 0.5) out.push(`${at}: the generator achieved ${g.achievedRate.toFixed(1)}/s (it is on the same cores)`);
    const received = m.events + m.warmupEvents;
    if (g.emitted - received > Math.max(2, m.rate * 0.05)) out.push(`${at}: ${g.emitted} emitted but only ${received} received within the loop`);
  }
  for (const p of t.throughput) {
    if ((p.plugin.engineRestarts ?? 0) > 0) out.push(`${who}, throughput: the engine restarted ${p.plugin.engineRestarts} time(s)`);
  }
  if (t.overload !== null) {
    const o = t.overload;
    if ((o.plugin.engineRestarts ?? 0) > 0) out.push(`${who}, overload: the engine restarted ${o.plugin.engineRestarts} time(s)`);
    if ((o.measure.overflowEvents ?? 1) === 0) out.push(`${who}, overload: nothing was dropped: the engine's buffer never filled, so this was no overload`);
  }
  if (t.idle !== null) {
    const n = t.idle.measure.afterOpen.events + t.idle.measure.steady.events;
    if (n > 0) out.push(`${who}, idle: ${n} events arrived from a generator at rate 0`);
  }
  for (const p of [...t.enrichment, ...t.enrichmentCache]) {
    const m = p.measure;
    const at = m.kind === 'enrichment' ? `${who}, ${m.lifecyclesPerS} lifecycles/s, enrichment ${onOff(m.enrichment)}` : `${who}, cache, enrichment ${onOff(m.enrichment)}`;
    const g = p.generator;
    const delivered = enrichmentDelivered(p);
    if ((p.plugin.engineRestarts ?? 0) > 0) out.push(`${at}: the engine restarted ${p.plugin.engineRestarts} time(s)`);
    if ((p.plugin.engineDroppedEvents ?? 0) > 0) out.push(`${at}: the engine dropped ${p.plugin.engineDroppedEvents} event(s)`);
    if (g.eventsRequests !== 1) out.push(`${at}: ${g.eventsRequests} GET /events requests (reconnects?)`);
    if (delivered !== g.emitted) {
      out.push(`${at}: ${g.emitted} events emitted, ${delivered} handed over${m.kind === 'enrichment' ? ' (the latencies per action assume every event in order)' : ''}`);
    }
    if (!m.drain.settled) out.push(`${at}: events or counters still moved ${m.drain.seconds.toFixed(0)} s after the load (counters may be short)`);
    const inspects = g.inspects.containers + g.inspects.images + g.inspects.execs + g.inspects.notFound;
    if (m.enrichment && inspects === 0) out.push(`${at}: no inspect request reached the daemon: this engine has no enrichment (the on/off figures compare the same thing)`);
    if (!m.enrichment && inspects > 0) out.push(`${at}: ${inspects} inspect requests with enrichment off`);
    if (m.enrichment && g.inspects.notFound > inspects * 0.05) {
      out.push(
        `${at}: ${g.inspects.notFound} of ${inspects} inspects answered 404: the engine asked about containers already destroyed` +
          `${m.kind === 'enrichment' ? ` (it lagged more than their ${m.lifetimeS} s of life)` : ''}`,
      );
    }
    if (m.enrichment && p.plugin.enrichedEvents === null && inspects > 0) out.push(`${at}: the plugin has no engine_enriched_events metric`);
    if (m.kind === 'enrichmentCache' && m.enrichment && m.idleEngineRssMiB.length > 0 && m.idleEngineRssMiB[0] - Math.min(...m.idleEngineRssMiB) < 1) {
      out.push(`${at}: the engine's RSS did not drop in the ${m.idleS} s quiet window (no major GC seen): the cache cost includes the garbage of taking the containers in (try a longer --cache-idle)`);
    }
  }
  return out;
}

// ------------------------------------------------------------------ the whole report

export function markdown(results: BenchResults, chartFile: string | null): string {
  const [ours, peer] = results.targets;
  const m = results.machine;
  const out: string[] = [
    `## Bench results, ${String(m.date)}`,
    '',
    `Machine: ${String(m.cpuModel)}, ${String(m.cores)} cores, ${String(m.memoryGiB)} GiB, ${String(m.os)}, node ${String(m.node)}, ` +
      `load average at start ${(m.loadAverageAtStart as number[]).join(' ')}; commit ${String(m.commit)}. ` +
      `Fields per event: ${results.fields.join(', ')} (one extract_fields call each). Latency from: ${
        results.latencyFrom === 'ts' ? "the event's ts (native loop)" : 'the payload\'s "timeNano" (JS loop, every plugin)'
      }. Ours in the fixed-rate, throughput, overload and idle phases: ${
        results.options.othersEnrichment === 'off' ? 'init_config.enrichment.enabled false' : 'init_config defaults (enrichment on)'
      }. Whole run: ${results.wallS.toFixed(0)} s.`,
    '',
  ];
  if (peer !== undefined) {
    out.push(
      `### Side by side: ours vs peer`,
      '',
      `ours: \`${ours.library}\`; peer: \`${peer.library}\`${peer.bindSocket ? ` (in its own mount namespace, generator socket bound on /var/run/docker.sock: ${peer.bindReason ?? ''})` : ''}. ` +
        'Phases alternate ours/peer (order swapped every phase). Ratio > 1 means ours is better.',
      '',
      comparisonTable(ours, peer),
      '',
    );
  }
  const ordinary = ours.rates.length + ours.throughput.length > 0 || ours.overload !== null || ours.idle !== null;
  if (ordinary) out.push('### Targets (bench issue)', '', targetsTable(ours, peer ?? null), '');
  if (chartFile !== null) out.push(`![p50/p99 latency vs rate](${chartFile})`, '');
  for (const t of results.targets) {
    const title = `${t.label}: ${t.name} ${t.version} (\`${t.library}\`)`;
    if (t.rates.length > 0) out.push(`### Latency at fixed rates — ${title}`, '', rateTable(t), '');
    if (t.throughput.length > 0) out.push(`### Sustained throughput (generator flooding) — ${title}`, '', throughputTable(t), '');
    if (t.rates.length + t.throughput.length > 0) out.push(`### Batch sizes (% of batches with events) — ${title}`, '', batchTable(t), '');
    if (t.overload !== null) out.push(`### Overload (Falco behind, the engine's buffer full) — ${title}`, '', overloadTable(t), '');
    if (t.idle !== null) out.push(`### Idle — ${title}`, '', idleTable(t), '');
    if (t.enrichment.length > 0) {
      const e = t.enrichment[0].measure;
      out.push(
        `### Enrichment: latency of container events, enrichment on vs off — ${title}`,
        '',
        `Container lifecycles (${e.actions.join(', ')}; distinct containers, each living ${e.lifetimeS} s) from the fake daemon, ` +
          `which answers inspects${e.inspectLatencyMs > 0 ? ` after ${e.inspectLatencyMs} ms` : ' at once'}; init_config.enrichment.enabled true or false, ` +
          `otherwise the defaults (waitMs ${parseConfig({}).enrichment.waitMs}). Latency = daemon timeNano → next_batch return, per action (measured ${e.durationS} s after ${e.warmupS} s of warm-up); ` +
          'the two runs of a rate back to back, the order swapped from one rate to the next. on/off > 1: enrichment costs that much.',
        '',
        enrichmentComparisonTable(t),
        '',
        'Every phase (counters over the whole phase, the events after the measured loop included; % of the events handed over):',
        '',
        enrichmentTable(t),
        '',
      );
    }
    if (t.enrichmentCache.length > 0) {
      const c = t.enrichmentCache[0].measure;
      out.push(
        `### Enrichment cache: ${fmtRate(c.containers)} live containers — ${title}`,
        '',
        `${fmtRate(c.containers)} containers created and started (none dies) at ${fmtRate(c.lifecyclesPerS)}/s, every event handed over and the engine's counters ` +
          `settled, then ${c.idleS} s of quiet: the engine's VmRSS every 250 ms and its CPU over that window. Same events with enrichment off.`,
        '',
        cacheTable(t),
        '',
      );
    }
    if (t.rates.length + t.throughput.length > 0 || t.overload !== null || t.idle !== null) out.push(memoryLine(t), '');
  }
  for (const w of results.warnings) out.push(`**Warning:** ${w}`, '');
  return out.join('\n');
}
