// What `npm run bench:fan-in` measured, summarised (medians over rounds, cost per endpoint against the issue's
// targets) and written as bench/results/fan-in.md and fan-in.json.

import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CpuUse } from './processes';
import { spread, type Spread } from './stats';

/** The issue's targets for one more endpoint that is connected and quiet. */
export const TARGET_RSS_MIB_PER_ENDPOINT = 0.5;
export const TARGET_IDLE_CPU_PCT_PER_ENDPOINT = 0.02;

/** One engine (one fan-in capture) through one round. */
export interface CaptureMeasure {
  endpoints: number;
  /** Events/s each endpoint's daemon wrote during the load. */
  ratePerEndpoint: number;
  /** The control: one endpoint carrying the widest fan-in's events. */
  control: boolean;
  enginePid: number;
  /** Engine VmRSS every second of the idle window, MiB. */
  idleRssMiB: number[];
  idleCpu: CpuUse | null;
  /** Events handed over during the idle window (none expected: the daemons are quiet). */
  idleEvents: number;
  loadCpu: CpuUse | null;
  /** Engine VmRSS every second of the load window, MiB. */
  loadRssMiB: number[];
  /** Engine VmRSS every second of the quiet window after the drain, MiB. */
  afterLoadRssMiB: number[];
  /** Events the capture's daemons wrote, and the events next_batch handed over, from the start of the load. */
  sent: number;
  delivered: number;
  /** Endpoints whose events handed over differ from what their daemon wrote. */
  endpointsMismatched: number;
  /** Events without the fan-in's "host" key. */
  untagged: number;
  /** From the daemons' halt until every event was handed over (or nothing moved for a while). */
  drainMs: number;
  /** The plugin's metrics at the end (name without the "docker." prefix). */
  metrics: Record<string, number>;
  /** Engine and plugin log lines at warning or above. */
  warnings: string[];
  /** The consumer's loop stopped early (FAILURE, EOF, a refused batch). */
  failure: string | null;
}

export interface Round {
  /** The captures in the order they were opened. */
  openOrder: string[];
  captures: CaptureMeasure[];
}

export interface Settings {
  endpoints: number[];
  rounds: number;
  restS: number;
  idleS: number;
  warmupS: number;
  loadS: number;
  afterS: number;
  ratePerEndpoint: number;
  plugin: string;
  /** init_config given to every capture over the bench's (a fresh stateDir). */
  initConfig: Record<string, unknown>;
  /** Run the control capture beside the others. */
  control: boolean;
}

interface Figures {
  rssMiB: number;
  afterLoadRssMiB: number;
  idleStatPct: number;
  idleSchedPct: number;
  loadStatPct: number;
  loadSchedPct: number;
}

type Figure = keyof Figures;
const FIGURES: readonly Figure[] = ['rssMiB', 'afterLoadRssMiB', 'idleStatPct', 'idleSchedPct', 'loadStatPct', 'loadSchedPct'];

export interface ConfigSummary {
  endpoints: number;
  ratePerEndpoint: number;
  /** Median over rounds, with the rounds' range. */
  figures: Record<Figure, Spread>;
  sent: number;
  delivered: number;
  endpointsMismatched: number;
  idleEvents: number;
  metrics: Record<string, number>;
}

export interface PerEndpoint {
  from: number;
  to: number;
  /** (value at `to` − value at `from`) / (to − from), per round; median and range over rounds. */
  figures: Record<Figure, Spread>;
}

export interface Summary {
  configs: ConfigSummary[];
  control: ConfigSummary | null;
  perEndpoint: PerEndpoint[];
  /** The widest fan-in against the control (same events/s in all): what the endpoints cost beyond their events. */
  beyondEvents: PerEndpoint | null;
  rssTargetMet: boolean;
  idleCpuTargetMet: boolean;
  lossless: boolean;
}

const lowest = (samples: readonly number[]): number => (samples.length === 0 ? NaN : Math.min(...samples));

function figuresOf(c: CaptureMeasure): Figures {
  return {
    rssMiB: lowest(c.idleRssMiB),
    afterLoadRssMiB: lowest(c.afterLoadRssMiB),
    idleStatPct: c.idleCpu?.statPct ?? NaN,
    idleSchedPct: c.idleCpu?.schedPct ?? NaN,
    loadStatPct: c.loadCpu?.statPct ?? NaN,
    loadSchedPct: c.loadCpu?.schedPct ?? NaN,
  };
}

function byFigure(rows: readonly Figures[]): Record<Figure, Spread> {
  return Object.fromEntries(FIGURES.map((f) => [f, spread(rows.map((r) => r[f]))])) as Record<Figure, Spread>;
}

function configSummary(captures: readonly CaptureMeasure[]): ConfigSummary {
  const metrics: Record<string, number> = {};
  for (const c of captures) for (const [k, v] of Object.entries(c.metrics)) metrics[k] = (metrics[k] ?? 0) + v;
  return {
    endpoints: captures[0].endpoints,
    ratePerEndpoint: captures[0].ratePerEndpoint,
    figures: byFigure(captures.map(figuresOf)),
    sent: captures.reduce((s, c) => s + c.sent, 0),
    delivered: captures.reduce((s, c) => s + c.delivered, 0),
    endpointsMismatched: captures.reduce((s, c) => s + c.endpointsMismatched + (c.untagged > 0 ? 1 : 0), 0),
    idleEvents: captures.reduce((s, c) => s + c.idleEvents, 0),
    metrics,
  };
}

/** (b − a) / (endpoints of b − `fromEndpoints`) per round, median and range over the rounds. */
function slope(rounds: readonly Round[], a: (r: Round) => CaptureMeasure, b: (r: Round) => CaptureMeasure, fromEndpoints: number): PerEndpoint {
  const to = b(rounds[0]).endpoints;
  const slopes = rounds.map((r): Figures => {
    const fa = figuresOf(a(r));
    const fb = figuresOf(b(r));
    return Object.fromEntries(FIGURES.map((f) => [f, (fb[f] - fa[f]) / (to - fromEndpoints)])) as unknown as Figures;
  });
  return { from: fromEndpoints, to, figures: byFigure(slopes) };
}

export function summarise(settings: Settings, rounds: readonly Round[]): Summary {
  const fanIn = (n: number) => (round: Round): CaptureMeasure => round.captures.find((c) => c.endpoints === n && !c.control)!;
  const controlOf = (round: Round): CaptureMeasure | undefined => round.captures.find((c) => c.control);
  const configs = settings.endpoints.map((n) => configSummary(rounds.map(fanIn(n))));
  const hasControl = rounds.every((r) => controlOf(r) !== undefined);
  const base = Math.min(...settings.endpoints);
  const perEndpoint = settings.endpoints.filter((n) => n !== base).map((n) => slope(rounds, fanIn(base), fanIn(n), base));
  const widest = perEndpoint[perEndpoint.length - 1];
  const control = hasControl ? configSummary(rounds.map((r) => controlOf(r)!)) : null;
  return {
    configs,
    control,
    perEndpoint,
    beyondEvents: hasControl ? slope(rounds, (r) => controlOf(r)!, fanIn(widest.to), 1) : null,
    rssTargetMet: widest.figures.rssMiB.median <= TARGET_RSS_MIB_PER_ENDPOINT,
    idleCpuTargetMet: widest.figures.idleStatPct.median <= TARGET_IDLE_CPU_PCT_PER_ENDPOINT,
    lossless: [...configs, ...(control === null ? [] : [control])].every((c) => c.sent === c.delivered && c.endpointsMismatched === 0),
  };
}

const num = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const withRange = (s: Spread, digits: number, rounds: number): string =>
  rounds > 1 ? `${num(s.median, digits)} (${num(s.min, digits)} … ${num(s.max, digits)})` : num(s.median, digits);
const verdict = (value: number, limit: number): string => (value <= limit ? `**met** (${(value / limit).toFixed(2)}× the limit)` : `**missed** (${(value / limit).toFixed(2)}× the limit)`);

export function markdown(settings: Settings, summary: Summary, rounds: readonly Round[], machine: Record<string, unknown>, elapsedS: number): string {
  return [
    `## Fan-in scale, ${new Date().toISOString()}`,
    '',
    `Machine: ${Object.entries(machine).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(' ') : String(v)}`).join(', ')}. Whole run: ${elapsedS.toFixed(0)} s.`,
    '',
    method(settings, summary),
    '',
    ...configTable(settings, summary),
    '',
    `Per endpoint: (value at N − value at ${summary.perEndpoint[0].from}) / (N − ${summary.perEndpoint[0].from}), per round, median over the rounds.`,
    '',
    ...perEndpointTable(settings, summary),
    '',
    ...notes(summary, rounds),
    '',
  ].join('\n');
}

function method(settings: Settings, summary: Summary): string {
  const r = settings.rounds;
  const config = Object.keys(settings.initConfig).length === 0 ? 'the defaults (container context on, liveness check after 30 s of silence)' : `\`${JSON.stringify(settings.initConfig)}\` over the defaults`;
  const control = summary.control === null ? '' : `, and a control: 1 endpoint whose daemon writes ${summary.control.ratePerEndpoint} events/s, as many as the widest fan-in's endpoints together`;
  return (
    `${r} round${r > 1 ? 's' : ''}; in each, one fresh capture per endpoint count (${settings.endpoints.join(', ')})${control}, opened side by side through the ` +
    `loader (\`open_params\` = that many \`unix://\` sockets, comma-separated; the 1-endpoint capture is a plain \`open_params\`, whose events carry no \`host\` key), ` +
    `each endpoint its own fake Docker daemon (the bench's, answering version, events and inspects), init_config ${config} with a fresh \`stateDir\`, ` +
    `and a next_batch loop per capture. Then ${settings.restS} s of rest; an idle window of ${settings.idleS} s, every endpoint connected and quiet ` +
    `(RSS = the lowest of the engine's VmRSS sampled every second in it; CPU = the engine's utime+stime over it, schedstat beside it); then every ` +
    `daemon writes ${settings.ratePerEndpoint} events/s (the bench's event mix, whose containers the engine inspects; the daemons out of phase) for ` +
    `${settings.warmupS} s of warm-up and ${settings.loadS} s measured, halts, and the rest is drained; then ${settings.afterS} s quiet again ` +
    `(RSS after the load = the lowest sample of it). Figures are medians over the rounds${r > 1 ? ' (lowest … highest round in brackets)' : ''}.`
  );
}

function configTable(settings: Settings, summary: Summary): string[] {
  const r = settings.rounds;
  const rate = settings.ratePerEndpoint;
  const row = (name: string, c: ConfigSummary): string =>
    `| ${name} | ${withRange(c.figures.rssMiB, 1, r)} | ${withRange(c.figures.idleStatPct, 3, r)} | ${withRange(c.figures.idleSchedPct, 3, r)} | ` +
    `${withRange(c.figures.loadStatPct, 2, r)} | ${withRange(c.figures.loadSchedPct, 2, r)} | ${c.delivered}/${c.sent}` +
    `${c.endpointsMismatched > 0 ? ` (${c.endpointsMismatched} endpoint(s) off)` : ''} | ${withRange(c.figures.afterLoadRssMiB, 1, r)} |`;
  return [
    `| endpoints | RSS MiB (idle, lowest) | idle CPU % of a core (utime+stime) | idle CPU % (schedstat) | CPU % at ${rate} ev/s/endpoint (utime+stime) | CPU % at ${rate} ev/s/endpoint (schedstat) | delivered/sent | RSS MiB after the load, at rest |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...summary.configs.map((c) => row(String(c.endpoints), c)),
    ...(summary.control === null ? [] : [row(`control: 1 at ${summary.control.ratePerEndpoint} ev/s`, summary.control)]),
  ];
}

function perEndpointTable(settings: Settings, summary: Summary): string[] {
  const r = settings.rounds;
  const rate = settings.ratePerEndpoint;
  const row = (name: string, p: PerEndpoint): string =>
    `| ${name} | ${withRange(p.figures.rssMiB, 3, r)} | ${withRange(p.figures.idleStatPct, 4, r)} | ${withRange(p.figures.idleSchedPct, 4, r)} | ` +
    `${withRange(p.figures.loadStatPct, 3, r)} | ${withRange(p.figures.loadSchedPct, 3, r)} | ${withRange(p.figures.afterLoadRssMiB, 3, r)} |`;
  const widest = summary.perEndpoint[summary.perEndpoint.length - 1];
  const lines = [
    `| per endpoint | RSS MiB (idle) | idle CPU % (utime+stime) | idle CPU % (schedstat) | CPU % at ${rate} ev/s (utime+stime) | CPU % at ${rate} ev/s (schedstat) | RSS MiB after the load |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    ...summary.perEndpoint.map((p) => row(`${p.from} → ${p.to} endpoints`, p)),
  ];
  if (summary.beyondEvents !== null) {
    lines.push(row(`${widest.to} endpoints vs the control (same events/s in all): beyond the events' own cost`, summary.beyondEvents));
  }
  lines.push(
    `| target (issue), per idle endpoint | ≤ ${TARGET_RSS_MIB_PER_ENDPOINT} | ≤ ${TARGET_IDLE_CPU_PCT_PER_ENDPOINT} | ≤ ${TARGET_IDLE_CPU_PCT_PER_ENDPOINT} | | | |`,
    `| ${widest.from} → ${widest.to} against the target | ${verdict(widest.figures.rssMiB.median, TARGET_RSS_MIB_PER_ENDPOINT)} | ` +
      `${verdict(widest.figures.idleStatPct.median, TARGET_IDLE_CPU_PCT_PER_ENDPOINT)} | ${verdict(widest.figures.idleSchedPct.median, TARGET_IDLE_CPU_PCT_PER_ENDPOINT)} | | | |`,
  );
  return lines;
}

/** What else the run saw: loss, events while idle, the container context, reconnects, warnings. */
function notes(summary: Summary, rounds: readonly Round[]): string[] {
  const out: string[] = [];
  out.push(summary.lossless ? '- No loss: under each endpoint (`host`), next_batch handed over exactly as many events as its daemon wrote.' : '- **Events lost or repeated**: see delivered/sent above and `fan-in.json`.');
  for (const c of [...summary.configs, ...(summary.control === null ? [] : [summary.control])]) {
    const m = c.metrics;
    out.push(
      `- ${c.endpoints} endpoint(s) at ${c.ratePerEndpoint} ev/s, all rounds: container context on ${m['engine_enriched_events'] ?? 0} events ` +
        `(late ${m['engine_enrichment_late_events'] ?? 0}, failed ${m['engine_enrichment_failed_events'] ?? 0}, gone ${m['engine_enrichment_gone_events'] ?? 0}), ` +
        `${m['engine_inspect_requests'] ?? 0} inspect requests; reconnects ${m['engine_reconnects'] ?? 0}, stalled streams ${m['engine_stalled_streams'] ?? 0}, ` +
        `engine restarts ${m['engine_restarts'] ?? 0}, errors ${m['errors'] ?? 0}; events during the idle windows ${c.idleEvents}.`,
    );
  }
  out.push(
    "- A quiet endpoint's only periodic work is its liveness check (`livenessIntervalMs`, src/liveness-watch.ts). The fake daemon " +
      'answers `GET /info` with 404, so a check there is `/info`, `/_ping` (its Date header) and `/events?since&until`, each on a fresh ' +
      'connection; a real dockerd answers `/info` (a few kB of JSON with SystemTime) and the check is two requests.',
  );
  for (const round of rounds) {
    for (const c of round.captures) if (c.failure !== null) out.push(`- **Consumer stopped early** (${c.endpoints} endpoint(s)): ${c.failure}`);
  }
  const warned = rounds.flatMap((r) => r.captures).filter((c) => c.warnings.length > 0);
  if (warned.length > 0) {
    const counts = [...new Set(warned.map((c) => c.endpoints))].map((n) => `${n} endpoints: ${warned.filter((c) => c.endpoints === n).map((c) => c.warnings.length).join(', ')}`);
    out.push(`- Log lines at warning or above, per capture and round (${counts.join('; ')}); the first: \`${warned[0].warnings[0].slice(0, 220)}\` (all in fan-in.json).`);
  }
  return out;
}

export function writeResults(outDir: string, markdownText: string, json: unknown): void {
  writeFileSync(path.join(outDir, 'fan-in.md'), markdownText);
  writeFileSync(path.join(outDir, 'fan-in.json'), `${JSON.stringify(json, null, 2)}\n`);
}
