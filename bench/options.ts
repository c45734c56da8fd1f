// `npm run bench` options and the plan of phases they make.

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { LatencySource, PhaseSpec } from './phase-protocol';

export const ROOT = path.resolve(__dirname, '../..');

/** The realistic field set: what the shipped rule's condition and output read, one extract_fields call each. */
export const FIELDS = ['docker.status', 'docker.type', 'docker.action', 'docker.attributes.name', 'docker.attributes.image'];

export interface Options {
  rates: number[];
  /** Measured seconds per rate; null = the default (defaultDurationS). */
  durationS: number | null;
  warmupS: number;
  /** Measured seconds of each sustained-throughput phase (with and without extraction); 0 skips them. */
  throughputS: number;
  /** The generator's rate in those phases: Infinity = flood. */
  throughputRate: number;
  /** Seconds of the overload phase (Falco OVERLOAD_FACTOR× behind a generator at OVERLOAD_RATE); 0 skips it. */
  overloadS: number;
  idleS: number;
  outDir: string;
  plugin: string;
  peer: string | null;
  peerSocketBind: boolean;
  peerOpenParams: string | null;
  latencyFrom: LatencySource | 'auto';
  /** The groups of phases to run (--only), in the order of GROUPS. */
  groups: Group[];
  /** Container lifecycles/s of the enrichment latency phases (each with enrichment on and off). */
  enrichmentRates: number[];
  /** Measured seconds per enrichment rate; null = defaultDurationS(lifecycles/s). */
  enrichmentDurationS: number | null;
  /** Seconds from a container's create to its die in those phases. */
  lifetimeS: number;
  /** Containers created for the cache phase (0 skips it), at cacheRate lifecycles/s, then cacheIdleS of quiet. */
  cacheContainers: number;
  cacheRate: number;
  cacheIdleS: number;
  /** The fake daemon's service time for an inspect, ms. */
  inspectLatencyMs: number;
  /** Ours in the other phases: init_config as Falco's default ({}: enrichment on) or with enrichment off. */
  othersEnrichment: 'default' | 'off';
}

/** Groups of phases, for --only. */
export const GROUPS = ['rates', 'throughput', 'overload', 'idle', 'enrichment-latency', 'enrichment-cache'] as const;
export type Group = (typeof GROUPS)[number];
/** Names --only also takes: several groups at once. */
const GROUP_ALIASES: Record<string, readonly Group[]> = { enrichment: ['enrichment-latency', 'enrichment-cache'] };

export const USAGE = `usage: node dist/bench/run.js [options]
  --rates LIST          fixed event rates, events/s, comma-separated (default 10,1000,10000,100000; "" for none)
  --duration S          measured seconds per rate (default 10 s up to 100/s, 5 s up to 1000/s, 3 s above)
  --warmup S            seconds before measuring, not counted (default 1)
  --throughput S        measured seconds of each sustained-throughput phase, generator flooding (default 5; 0 skips)
  --throughput-rate R   the generator in those phases: max (flood, as fast as the engine reads: default) or a
                        fixed rate in events/s
  --overload S          seconds of the overload phase: generator at 20000 events/s, Falco 10× slower (default 10;
                        0 skips)
  --idle S              seconds of each of the 2 idle windows (after open, steady), 0 to skip (default 10)
  --out-dir DIR         where latest.json, latest.md and latency.svg go (default bench/results)
  --plugin FILE         plugin library (default build/libdocker.so)
  --peer FILE           a second plugin library run side by side, phase by phase, with ratios
  --peer-socket-bind    run the peer in its own mount namespace with the generator's socket bound on
                        /var/run/docker.sock (automatic when the peer does not stream from open_params)
  --peer-open-params S  open_params for the peer (default: unix://<generator socket>, or
                        unix:///var/run/docker.sock when the socket is bound)
  --latency-from SRC    ts (the event's ts, native loop), payload (its "timeNano", JS loop) or auto (default:
                        ts unless a plugin leaves ts to the host; then payload for every plugin)
  --only LIST           run only these groups of phases, comma-separated: rates, throughput, overload, idle,
                        enrichment-latency, enrichment-cache, or enrichment (both enrichment groups; ~2 min)
                        (default: all)
enrichment phases (ours only, each with init_config.enrichment.enabled true and false, side by side):
  --enrichment-rates L  container lifecycles/s (create, start, die, destroy: 4 events each), comma-separated
                        (default 10,1000; "" for none)
  --enrichment-duration S  measured seconds per rate (default 10 s up to 100/s, 5 s above)
  --lifetime S          seconds from a container's create to its die (default 1)
  --cache-containers N  containers created (and left running) for the cache phase (default 10000; 0 skips)
  --cache-rate R        lifecycles/s at which they are created (default 1000)
  --cache-idle S        seconds of quiet measured after that (default 15)
  --inspect-latency MS  the fake daemon's service time per inspect request (default 0)
  --others-enrichment M ours in the other phases: default (init_config {}, enrichment on as in Falco) or off
                        (default: default)`;

export function defaultDurationS(rate: number): number {
  if (rate <= 100) return 10;
  if (rate <= 1000) return 5;
  return 3;
}

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      rates: { type: 'string', default: '10,1000,10000,100000' },
      duration: { type: 'string' },
      warmup: { type: 'string', default: '1' },
      throughput: { type: 'string', default: '5' },
      'throughput-rate': { type: 'string', default: 'max' },
      overload: { type: 'string', default: '10' },
      idle: { type: 'string', default: '10' },
      'out-dir': { type: 'string', default: path.join(ROOT, 'bench/results') },
      plugin: { type: 'string', default: path.join(ROOT, 'build/libdocker.so') },
      peer: { type: 'string' },
      'peer-socket-bind': { type: 'boolean', default: false },
      'peer-open-params': { type: 'string' },
      'latency-from': { type: 'string', default: 'auto' },
      only: { type: 'string' },
      'enrichment-rates': { type: 'string', default: '10,1000' },
      'enrichment-duration': { type: 'string' },
      lifetime: { type: 'string', default: '1' },
      'cache-containers': { type: 'string', default: '10000' },
      'cache-rate': { type: 'string', default: '1000' },
      'cache-idle': { type: 'string', default: '15' },
      'inspect-latency': { type: 'string', default: '0' },
      'others-enrichment': { type: 'string', default: 'default' },
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
  const rateList = (name: string, text: string, max: number, unit: string): number[] =>
    text
      .split(',')
      .filter((s) => s.trim() !== '')
      .map((s) => {
        const n = Number(s.trim());
        if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`--${name}: "${s}" is not a rate in (0, ${max}] ${unit}`);
        return n;
      });
  const rates = rateList('rates', values.rates, 1_000_000, 'events/s');
  const enrichmentRates = rateList('enrichment-rates', values['enrichment-rates'], 100_000, 'lifecycles/s');
  const cacheRate = rateList('cache-rate', values['cache-rate'], 100_000, 'lifecycles/s');
  if (cacheRate.length !== 1) throw new Error(`--cache-rate must be one rate, got "${values['cache-rate']}"`);
  const cacheContainers = Number(values['cache-containers']);
  if (!Number.isInteger(cacheContainers) || cacheContainers < 0 || cacheContainers > 1_000_000) {
    throw new Error(`--cache-containers must be an integer in [0, 1000000], got "${values['cache-containers']}"`);
  }
  const inspectLatencyMs = Number(values['inspect-latency']);
  if (!Number.isFinite(inspectLatencyMs) || inspectLatencyMs < 0 || inspectLatencyMs > 10_000) {
    throw new Error(`--inspect-latency must be a number of ms in [0, 10000], got "${values['inspect-latency']}"`);
  }
  const othersEnrichment = values['others-enrichment'];
  if (othersEnrichment !== 'default' && othersEnrichment !== 'off') throw new Error(`--others-enrichment must be default or off, got "${othersEnrichment}"`);
  let groups: Group[] = [...GROUPS];
  if (values.only !== undefined) {
    const wanted = new Set<Group>();
    for (const name of values.only.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const resolved = GROUP_ALIASES[name] ?? (GROUPS.includes(name as Group) ? [name as Group] : null);
      if (resolved === null) throw new Error(`--only: "${name}" is none of ${[...GROUPS, ...Object.keys(GROUP_ALIASES)].join(', ')}`);
      for (const g of resolved) wanted.add(g);
    }
    if (wanted.size === 0) throw new Error('--only: no group given');
    groups = GROUPS.filter((g) => wanted.has(g));
  }
  const throughputRate = values['throughput-rate'] === 'max' ? Infinity : Number(values['throughput-rate']);
  if (!(throughputRate > 0) || (Number.isFinite(throughputRate) && throughputRate > 1_000_000)) {
    throw new Error(`--throughput-rate must be max or a rate in (0, 1000000], got "${values['throughput-rate']}"`);
  }
  const latencyFrom = values['latency-from'];
  if (latencyFrom !== 'auto' && latencyFrom !== 'ts' && latencyFrom !== 'payload') throw new Error(`--latency-from must be auto, ts or payload, got "${latencyFrom}"`);
  if ((values['peer-socket-bind'] || values['peer-open-params'] !== undefined) && values.peer === undefined) {
    throw new Error('--peer-socket-bind and --peer-open-params need --peer');
  }
  return {
    rates,
    durationS: values.duration === undefined ? null : seconds('duration', values.duration, 0.1),
    warmupS: seconds('warmup', values.warmup, 0),
    throughputS: seconds('throughput', values.throughput, 0),
    throughputRate,
    overloadS: seconds('overload', values.overload, 0),
    idleS: seconds('idle', values.idle, 0),
    outDir: path.resolve(values['out-dir']),
    plugin: path.resolve(values.plugin),
    peer: values.peer === undefined ? null : path.resolve(values.peer),
    peerSocketBind: values['peer-socket-bind'],
    peerOpenParams: values['peer-open-params'] ?? null,
    latencyFrom,
    groups,
    enrichmentRates,
    enrichmentDurationS: values['enrichment-duration'] === undefined ? null : seconds('enrichment-duration', values['enrichment-duration'], 0.1),
    lifetimeS: seconds('lifetime', values.lifetime, 0.01),
    cacheContainers,
    cacheRate: cacheRate[0],
    cacheIdleS: seconds('cache-idle', values['cache-idle'], 0.1),
    inspectLatencyMs,
    othersEnrichment,
  };
}

/** The overload phase's generator rate (events/s) and how many times slower Falco consumes. */
export const OVERLOAD_RATE = 20_000;
export const OVERLOAD_FACTOR = 10;

/**
 * The measured phases, in order: each rate, throughput with then without extraction, overload, idle; then the
 * enrichment phases, each with enrichment on and off back to back, the order swapped from one pair to the next.
 */
export function plan(options: Options, latencyFrom: LatencySource): PhaseSpec[] {
  const has = (g: Group): boolean => options.groups.includes(g);
  const phases: PhaseSpec[] = has('rates')
    ? options.rates.map((rate) => ({
        kind: 'rate',
        rate,
        warmupS: options.warmupS,
        durationS: options.durationS ?? defaultDurationS(rate),
        latencyFrom,
      }))
    : [];
  if (has('throughput') && options.throughputS > 0) {
    for (const extract of [true, false]) {
      phases.push({ kind: 'throughput', warmupS: options.warmupS, durationS: options.throughputS, extract, generatorRate: options.throughputRate });
    }
  }
  if (has('overload') && options.overloadS > 0) phases.push({ kind: 'overload', rate: OVERLOAD_RATE, factor: OVERLOAD_FACTOR, durationS: options.overloadS });
  if (has('idle') && options.idleS > 0) phases.push({ kind: 'idle', windowS: options.idleS });
  let pair = 0;
  const onOff = (): boolean[] => (pair++ % 2 === 0 ? [true, false] : [false, true]);
  if (has('enrichment-latency')) {
    for (const lifecyclesPerS of options.enrichmentRates) {
      for (const enrichment of onOff()) {
        phases.push({
          kind: 'enrichment',
          lifecyclesPerS,
          lifetimeS: options.lifetimeS,
          enrichment,
          warmupS: options.warmupS,
          durationS: options.enrichmentDurationS ?? defaultDurationS(lifecyclesPerS),
          inspectLatencyMs: options.inspectLatencyMs,
        });
      }
    }
  }
  if (has('enrichment-cache') && options.cacheContainers > 0) {
    for (const enrichment of onOff()) {
      phases.push({
        kind: 'enrichmentCache',
        containers: options.cacheContainers,
        lifecyclesPerS: options.cacheRate,
        enrichment,
        idleS: options.cacheIdleS,
        inspectLatencyMs: options.inspectLatencyMs,
      });
    }
  }
  return phases;
}

/** Phases of ours alone (a peer has no enrichment to turn on or off). */
export function oursOnly(spec: PhaseSpec): boolean {
  return spec.kind === 'enrichment' || spec.kind === 'enrichmentCache';
}

export function phaseName(spec: PhaseSpec): string {
  switch (spec.kind) {
    case 'probe':
      return 'probe';
    case 'rate':
      return `${spec.rate} events/s`;
    case 'throughput':
      return `max throughput ${spec.extract ? 'with' : 'without'} extraction${Number.isFinite(spec.generatorRate) ? ` (generator at ${spec.generatorRate}/s)` : ''}`;
    case 'overload':
      return `overload (${spec.rate} events/s, Falco ${spec.factor}× slower)`;
    case 'idle':
      return 'idle';
    case 'enrichment':
      return `enrichment ${spec.enrichment ? 'on' : 'off'}, ${spec.lifecyclesPerS} container lifecycles/s`;
    case 'enrichmentCache':
      return `cache: ${spec.containers} containers, enrichment ${spec.enrichment ? 'on' : 'off'}`;
  }
}
