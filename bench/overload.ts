// `npm run bench:overload`: memory and loss when Falco falls behind. A fake daemon emits at RATE events/s
// while the consumer (next_batch back to back, as Falco, but throttled) takes only RATE / FACTOR; once the
// engine's buffer (init_config.bufferBytes) is full, the engine keeps reading the daemon and drops what does
// not fit. Reports the peak RSS of the engine and of this (Falco-like) process, against an unthrottled run
// at the same rate, and how many events were delivered and dropped.
//
//   node dist/bench/overload.js [--rate 20000] [--factor 10] [--duration 20]

import { benchConfig } from './plugin-config';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Plugin } from '../native/loader/index.js';
import { parseConfig } from '../src/config/config';
import { killLoadGenerators, LoadGenerator } from './load-generator';
import { consumeAtPace } from './paced-consumer';
import { findEngine, machineInfo, peakRssMiB, sampleRss } from './processes';
import { Progress } from './progress';
import { rssTrend, type RssTrend } from './report';

const ROOT = path.resolve(__dirname, '../..');
const MIB = 1024 * 1024;
const OVERFLOW_METRIC = 'docker.engine_overflow_events';
/** Longer than the engine's STATS interval (src/stats.ts). */
const STATS_SETTLE_MS = 1500;

const consumerLabel = (factor: number): string => (factor === 1 ? 'keeps up' : `${factor}× slower than the load`);

interface OverloadResult {
  factor: number;
  emitted: number;
  delivered: number;
  overflowDropped: number;
  engineRssPeakMiB: number | null;
  /** The engine's VmRSS every 200 ms while the load ran: first, last, peak, growth. */
  engineRss: RssTrend | null;
  loopRssPeakMiB: number | null;
}

async function runOnce(library: string, rate: number, factor: number, durationS: number, progress: Progress): Promise<OverloadResult> {
  progress.start(consumerLabel(factor), durationS + 2);
  const generator = await LoadGenerator.start(rate);
  const plugin = new Plugin(library);
  const state = plugin.init(benchConfig(plugin));
  const instance = await state.openAsync(generator.openParams);
  const engine = findEngine();
  const sampler = sampleRss(engine, 200);
  generator.begin();
  // Falco slowed down to rate / factor (factor 1: it keeps up).
  let { delivered } = await consumeAtPace(instance, factor > 1 ? rate / factor : Infinity, durationS);
  sampler.stop();
  const emitted = (await generator.halt()).emitted;
  // Drain what the engine still holds, until neither events nor counters move for longer than the engine's
  // STATS interval (1 s): the last drops are counted in its last STATS frame.
  const overflowCount = (): number => Number(state.metrics().find((m) => m.name === OVERFLOW_METRIC)?.value ?? 0);
  let lastChangeAt = performance.now();
  let lastOverflow = overflowCount();
  while (performance.now() - lastChangeAt < STATS_SETTLE_MS) {
    const batch = await instance.nextBatch();
    delivered += batch.events.length;
    const overflow = overflowCount();
    if (batch.events.length > 0 || overflow !== lastOverflow) lastChangeAt = performance.now();
    lastOverflow = overflow;
  }
  await generator.stop();
  const metrics = Object.fromEntries(state.metrics().map((m) => [m.name, Number(m.value)]));
  const engineRssPeakMiB = engine === null ? null : peakRssMiB(engine);
  instance.close();
  state.destroy();
  plugin.unload();
  progress.finish(`${consumerLabel(factor)}: ${delivered} delivered, engine peak ${engineRssPeakMiB?.toFixed(1) ?? '–'} MiB`);
  return {
    factor,
    emitted,
    delivered,
    overflowDropped: metrics[OVERFLOW_METRIC] ?? 0,
    engineRssPeakMiB,
    engineRss: rssTrend(sampler.samples),
    loopRssPeakMiB: peakRssMiB('self'),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '20000' },
      factor: { type: 'string', default: '10' },
      duration: { type: 'string', default: '20' },
      plugin: { type: 'string', default: path.join(ROOT, 'build', 'libdocker.so') },
    },
  });
  const rate = Number(values.rate);
  const factor = Number(values.factor);
  const durationS = Number(values.duration);
  const library = values.plugin ?? '';
  const keepUpS = Math.min(durationS, 10);
  const progress = new Progress(keepUpS + durationS + 4, 2);
  const results = [
    await runOnce(library, rate, 1, keepUpS, progress),
    await runOnce(library, rate, factor, durationS, progress),
  ];
  progress.stop();
  const mib = (x: number | null): string => (x === null ? '–' : x.toFixed(1));
  const table = [
    `| consumer | emitted | delivered | dropped (overflow) | lost otherwise | engine peak RSS MiB | engine RSS first → last MiB | growth (2nd half peak − 1st half) MiB | loop process peak RSS MiB |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...results.map(
      (r) =>
        `| ${consumerLabel(r.factor)} | ${r.emitted} | ${r.delivered} | ${r.overflowDropped} | ${r.emitted - r.delivered - r.overflowDropped} | ${mib(r.engineRssPeakMiB)} | ${mib(r.engineRss?.first ?? null)} → ${mib(r.engineRss?.last ?? null)} | ${r.engineRss === null ? '–' : `${r.engineRss.secondHalfGrowth >= 0 ? '+' : ''}${mib(r.engineRss.secondHalfGrowth)}`} | ${mib(r.loopRssPeakMiB)} |`,
    ),
  ].join('\n');
  console.log(`\noverload at ${rate} events/s for ${durationS} s (init_config defaults: bufferBytes ${parseConfig({}).bufferBytes / MIB} MiB)\n\n${table}`);
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    path.join(ROOT, 'bench', 'results', 'overload.json'),
    `${JSON.stringify({ machine: machineInfo(), rate, durationS, results }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  killLoadGenerators();
  console.error(err);
  process.exit(1);
});
