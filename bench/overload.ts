// `npm run bench:overload`: memory and loss when Falco falls behind. A fake daemon emits at RATE events/s
// while the consumer (next_batch back to back, as Falco, but throttled) takes only RATE / FACTOR; once the
// engine's buffer (init_config.bufferBytes) is full, the engine keeps reading the daemon and drops what does
// not fit. Reports the peak RSS of the engine and of this (Falco-like) process, against an unthrottled run
// at the same rate, and how many events were delivered and dropped.
//
//   node dist/bench/overload.js [--rate 20000] [--factor 10] [--duration 20]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Plugin } from '../native/loader/index.js';
import { killLoadGenerators, LoadGenerator } from './load-generator';
import { findEngine, machineInfo, peakRssMiB } from './processes';

const ROOT = path.resolve(__dirname, '../..');

interface OverloadResult {
  factor: number;
  emitted: number;
  delivered: number;
  overflowDropped: number;
  engineRssPeakMiB: number | null;
  engineRssMaxSampledMiB: number;
  loopRssPeakMiB: number | null;
}

function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function runOnce(library: string, rate: number, factor: number, durationS: number): Promise<OverloadResult> {
  const generator = await LoadGenerator.start(rate);
  const plugin = new Plugin(library);
  const state = plugin.init('{}');
  const instance = await state.openAsync(generator.openParams);
  const engine = findEngine();
  let delivered = 0;
  let maxSampled = 0;
  const sampler = setInterval(() => {
    if (engine !== null) maxSampled = Math.max(maxSampled, rssMiB(engine));
  }, 200);
  generator.begin();
  const startedAt = performance.now();
  const consumeRate = rate / factor;
  while (performance.now() - startedAt < durationS * 1000) {
    const batch = await instance.nextBatch();
    delivered += batch.events.length;
    if (batch.rc === 'FAILURE' || batch.rc === 'EOF') throw new Error(`the source stopped: ${batch.rc} ${batch.error ?? ''}`);
    // Falco slowed down to rate / factor: wait until the schedule allows the next batch.
    const aheadMs = (delivered / consumeRate) * 1000 - (performance.now() - startedAt);
    if (factor > 1 && aheadMs > 0) await sleep(aheadMs);
    process.stdout.write(`\r  ${factor}× overload: ${((performance.now() - startedAt) / 1000).toFixed(0)} s, ${delivered} delivered, engine ${rssMiB(engine ?? 0).toFixed(0)} MiB   `);
  }
  clearInterval(sampler);
  const emitted = (await generator.stats()).emitted;
  await generator.stop();
  // Drain what the engine still holds: its counters travel behind the queued events.
  for (let idle = 0; idle < 20; ) {
    const batch = await instance.nextBatch();
    delivered += batch.events.length;
    idle = batch.events.length === 0 ? idle + 1 : 0;
  }
  const metrics = Object.fromEntries(state.metrics().map((m) => [m.name, Number(m.value)]));
  const engineRssPeakMiB = engine === null ? null : peakRssMiB(engine);
  instance.close();
  state.destroy();
  plugin.unload();
  process.stdout.write('\n');
  return {
    factor,
    emitted,
    delivered,
    overflowDropped: metrics['docker.engine_overflow_events'] ?? 0,
    engineRssPeakMiB,
    engineRssMaxSampledMiB: maxSampled,
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
  const results = [await runOnce(library, rate, 1, Math.min(durationS, 10)), await runOnce(library, rate, factor, durationS)];
  const mib = (x: number | null): string => (x === null ? '–' : x.toFixed(1));
  const table = [
    `| consumer | emitted | delivered | dropped (overflow) | lost otherwise | engine peak RSS MiB | loop process peak RSS MiB |`,
    `|---|---:|---:|---:|---:|---:|---:|`,
    ...results.map(
      (r) =>
        `| ${r.factor === 1 ? 'keeps up' : `${r.factor}× slower than the load`} | ${r.emitted} | ${r.delivered} | ${r.overflowDropped} | ${r.emitted - r.delivered - r.overflowDropped} | ${mib(r.engineRssPeakMiB)} | ${mib(r.loopRssPeakMiB)} |`,
    ),
  ].join('\n');
  console.log(`\noverload at ${rate} events/s for ${durationS} s (init_config defaults: bufferBytes 16 MiB)\n\n${table}`);
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
