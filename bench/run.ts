// `npm run bench`: a plugin `.so` (build/libdocker.so by default) driven through the loader addon exactly as
// Falco drives it (next_batch back to back on a worker thread, 5 string fields extracted per event, one
// extract_fields call per field), fed by a fake Docker daemon in its own process (bench/load-generator.ts).
// Phases: latency at fixed rates, sustained throughput with and without extraction, overload, idle cost; with
// `--peer other.so`, the same phases against another plugin, alternating, with ratios. Each phase runs in a
// fresh worker process (bench/phase-worker.ts) with a fresh generator. See bench/README.md.
//
//   node dist/bench/run.js [--rates 10,1000,10000,100000] [--throughput S] [--idle S] [--peer SO] [--help]

import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { latencyChart, type Series } from './chart';
import { killLoadGenerators } from './load-generator';
import { FIELDS, oursOnly, parseOptions, phaseName, plan, ROOT, type Options } from './options';
import type { EnrichmentCacheResult, EnrichmentResult, IdleResult, LatencySource, OverloadResult, PhaseSpec, RateResult, ThroughputResult } from './phase-protocol';
import { killWorkers, phaseSeconds, probeTarget, runPhase, type PhaseOutcome } from './phases';
import type { PluginTarget } from './peer';
import { machineInfo } from './processes';
import { Progress } from './progress';
import { fmtMs, fmtPct, fmtRate, GO_REFERENCE, markdown, warnings, type BenchResults, type Phase, type TargetResults } from './report';

/** Seconds a phase costs beyond its loops (node start, plugin open, engine start, close), for the progress bar. */
const PHASE_OVERHEAD_S = 2;
const PROBE_S = 1 + PHASE_OVERHEAD_S;

interface Contender {
  target: PluginTarget;
  results: TargetResults;
}

function toPhase<M>(outcome: PhaseOutcome, measure: M): Phase<M> {
  const r = outcome.result;
  return {
    measure,
    plugin: r.plugin,
    generator: outcome.generator,
    generatorCpu: outcome.generatorCpu,
    eventsConnections: outcome.eventsConnections,
    loopPeakRssMiB: r.loopPeakRssMiB,
    enginePeakRssMiB: r.enginePeakRssMiB,
    hasEngine: r.enginePid !== null,
  };
}

/** Files the outcome under its contender, and a one-line summary of it. */
function record(c: Contender, outcome: PhaseOutcome): string {
  const m = outcome.result.measure;
  const who = c.target.label;
  switch (m.kind) {
    case 'rate':
      c.results.rates.push(toPhase<RateResult>(outcome, m));
      return `${who} ${fmtRate(m.rate)}/s: ${m.events} events, p50 ${fmtMs(m.latencyMs.p50)} ms, p99 ${fmtMs(m.latencyMs.p99)} ms, max ${fmtMs(m.latencyMs.max)} ms`;
    case 'throughput':
      c.results.throughput.push(toPhase<ThroughputResult>(outcome, m));
      return `${who} max ${m.extract ? 'with' : 'without'} extraction: ${fmtRate(m.eventsPerS)} events/s, ${m.cpuUsPerEvent.toFixed(2)} µs CPU/event, generator ${fmtPct(outcome.generatorCpu?.schedPct)}`;
    case 'overload':
      c.results.overload = toPhase<OverloadResult>(outcome, m);
      return `${who} overload (${fmtRate(m.rate)}/s, Falco ${m.factor}× slower): ${fmtRate(m.deliveredPerS)} delivered/s, ${m.overflowEvents ?? '–'} dropped, engine peak ${outcome.result.enginePeakRssMiB?.toFixed(1) ?? '–'} MiB`;
    case 'idle':
      c.results.idle = toPhase<IdleResult>(outcome, m);
      return `${who} idle (steady): loop ${fmtPct(m.steady.cpu.loopPct)}, engine ${fmtPct(m.steady.cpu.engine?.statPct)} of one core`;
    case 'probe':
      return `${who} probe: ${m.events} events`;
    case 'enrichment': {
      c.results.enrichment.push(toPhase<EnrichmentResult>(outcome, m));
      const p = outcome.result.plugin;
      return (
        `${who} enrichment ${m.enrichment ? 'on' : 'off'}, ${fmtRate(m.lifecyclesPerS)} lifecycles/s: create p50 ${fmtMs(m.latencyMs.create?.p50)} p99 ${fmtMs(m.latencyMs.create?.p99)} ms, ` +
        `start p50 ${fmtMs(m.latencyMs.start?.p50)} p99 ${fmtMs(m.latencyMs.start?.p99)} ms; enriched ${p.enrichedEvents ?? '–'}, late ${p.enrichLateEvents ?? '–'}, ` +
        `inspects answered ${outcome.generator.inspects.containers + outcome.generator.inspects.images + outcome.generator.inspects.execs}`
      );
    }
    case 'enrichmentCache':
      c.results.enrichmentCache.push(toPhase<EnrichmentCacheResult>(outcome, m));
      return (
        `${who} cache, enrichment ${m.enrichment ? 'on' : 'off'}: ${m.events} events in ${m.populateS.toFixed(1)} s, ` +
        `engine RSS ${m.idleEngineRssMiB.at(-1)?.toFixed(1) ?? '–'} MiB, idle CPU ${fmtPct(m.idleCpu.engine?.schedPct)}`
      );
  }
}

function chartSeries(targets: TargetResults[]): Series[] {
  const colors: Record<string, string> = { ours: '#1f66c2', peer: '#d9661f' };
  const series: Series[] = [];
  for (const t of targets) {
    const color = colors[t.label] ?? '#444';
    const name = `${t.label} (${t.name} ${t.version})`;
    series.push(
      { label: `${name} p50`, color, dashed: false, points: t.rates.map((p) => [p.measure.rate, p.measure.latencyMs.p50]) },
      { label: `${name} p99`, color, dashed: true, points: t.rates.map((p) => [p.measure.rate, p.measure.latencyMs.p99]) },
    );
  }
  const go = Object.entries(GO_REFERENCE.latencyMs).map(([r, v]) => [Number(r), v] as const);
  series.push(
    { label: 'Go plugin 0.4.0 p50 (issue text, not run here)', color: '#999', dashed: false, points: go.map(([r, v]) => [r, v.p50]) },
    { label: 'Go plugin 0.4.0 p99 (issue text, not run here)', color: '#999', dashed: true, points: go.map(([r, v]) => [r, v.p99]) },
  );
  return series;
}

function chooseLatencySource(options: Options, contenders: Contender[], probes: Array<{ hostStamped: number; withTimeNano: number; events: number }>): LatencySource {
  const hostStamped = probes.some((p) => p.hostStamped > 0);
  const source = options.latencyFrom === 'auto' ? (hostStamped ? 'payload' : 'ts') : options.latencyFrom;
  if (source === 'ts' && hostStamped) throw new Error('--latency-from ts: a plugin leaves ts to the host (UINT64_MAX); use payload or auto');
  if (source === 'payload') {
    probes.forEach((p, i) => {
      if (p.withTimeNano < p.events) throw new Error(`${contenders[i].target.label}: its events carry no "timeNano" in the payload: latency cannot be measured`);
    });
  }
  return source;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const machine = machineInfo();
  const libraries: Array<[string, string, string | null, 'never' | 'auto' | 'always']> = [['ours', options.plugin, null, 'never']];
  if (options.peer !== null) libraries.push(['peer', options.peer, options.peerOpenParams, options.peerSocketBind ? 'always' : 'auto']);

  const draft = plan(options, 'ts');
  const runs = (p: PhaseSpec): number => (oursOnly(p) ? 1 : libraries.length);
  const phasesS = draft.reduce((s, p) => s + runs(p) * (phaseSeconds(p) + PHASE_OVERHEAD_S), 0);
  const progress = new Progress(libraries.length * PROBE_S + phasesS, libraries.length + draft.reduce((n, p) => n + runs(p), 0));
  progress.log(`${options.plugin}${options.peer ? ` vs peer ${options.peer}` : ''} on ${String(machine.cpuModel)}, ${String(machine.cores)} cores, node ${process.version}`);

  const contenders: Contender[] = [];
  const probes = [];
  for (const [label, library, openParams, bind] of libraries) {
    progress.start(`${label}: probe (how to run it)`, PROBE_S);
    const p = await probeTarget(label, library, openParams, bind, FIELDS);
    probes.push(p.probe);
    contenders.push({
      target: { label, library, bindSocket: p.bindSocket, openParams },
      results: {
        label,
        library: path.relative(ROOT, library) || library,
        name: p.name,
        version: p.version,
        bindSocket: p.bindSocket,
        bindReason: p.reason,
        hostStampsTs: p.probe.hostStamped > 0,
        rates: [],
        throughput: [],
        overload: null,
        idle: null,
        enrichment: [],
        enrichmentCache: [],
      },
    });
    progress.finish(
      `${label}: ${p.name} ${p.version}, ${p.probe.events} events in the probe${p.probe.hostStamped > 0 ? ', ts left to the host' : ''}` +
        `${p.bindSocket ? `; runs in its own mount namespace with the socket bound on /var/run/docker.sock (${p.reason ?? ''})` : ''}`,
    );
  }
  const latencyFrom = chooseLatencySource(options, contenders, probes);
  if (latencyFrom === 'payload') progress.log('latency from the payload\'s "timeNano" (JS loop) for every plugin');

  const phases: PhaseSpec[] = plan(options, latencyFrom);
  for (const [i, spec] of phases.entries()) {
    // ours/peer, then peer/ours: neither always runs first (after the other's engine warmed the caches, or not).
    const order = oursOnly(spec) ? contenders.filter((c) => c.target.label === 'ours') : i % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      progress.start(`${c.target.label}: ${phaseName(spec)}`, phaseSeconds(spec) + PHASE_OVERHEAD_S);
      const initConfig = c.target.label === 'ours' && options.othersEnrichment === 'off' ? { enrichment: { enabled: false } } : {};
      progress.finish(record(c, await runPhase(c.target, spec, FIELDS, initConfig)));
    }
  }
  progress.stop();

  const targets = contenders.map((c) => c.results);
  const results: BenchResults = {
    machine,
    options: { ...options },
    fields: FIELDS,
    latencyFrom,
    wallS: (performance.now() - startedAt) / 1000,
    targets,
    warnings: targets.flatMap(warnings),
  };
  mkdirSync(options.outDir, { recursive: true });
  const chartFile = targets.some((t) => t.rates.length > 0) ? 'latency.svg' : null;
  if (chartFile !== null) {
    const title = `Latency vs rate, ${targets.map((t) => `${t.label} ${t.name} ${t.version}`).join(' vs ')} (${String(machine.cores)} cores)`;
    writeFileSync(path.join(options.outDir, chartFile), latencyChart(title, chartSeries(targets)));
  }
  const report = markdown(results, chartFile);
  writeFileSync(path.join(options.outDir, 'latest.md'), report);
  writeFileSync(path.join(options.outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(report);
  process.stderr.write(`bench: results in ${path.relative(process.cwd(), options.outDir) || '.'}/latest.{json,md}${chartFile ? ` and ${chartFile}` : ''}\n`);
}

function emergencyStop(): void {
  killWorkers();
  killLoadGenerators();
}

process.once('exit', emergencyStop);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    emergencyStop();
    process.exit(130);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`\nbench: ${(err as Error).stack ?? String(err)}\n`);
  emergencyStop();
  process.exit(1);
});
