// One bench phase in a process of its own (forked by bench/phases.ts, possibly under `unshare --mount`, see
// bench/peer.ts): this process plays Falco. It loads the plugin `.so` through the loader addon, calls init
// with {} and open with the given open_params, then runs the phase's loop and reports (bench/phase-protocol.ts).
// A process per phase keeps plugins apart (ours and a peer never share an address space) and gives each
// phase its own peak RSS.

import { benchConfig } from './plugin-config';
import { Plugin, type FieldRequest, type LoopResult, type Metric, type PluginInstance, type PluginState } from '../native/loader/index.js';
import { lifecycleActions } from './fake-containers';
import { CACHE_DRAIN_MAX_MS, CACHE_POPULATE_SLACK_MS } from './phase-protocol';
import type {
  Drain,
  EnrichmentCacheResult,
  EnrichmentResult,
  FromWorker,
  IdleResult,
  IdleWindow,
  LoopCpu,
  OverloadResult,
  PhaseMeasure,
  PluginCounters,
  ProbeResult,
  RateResult,
  ThroughputResult,
  ToWorker,
  WorkerRequest,
} from './phase-protocol';
import { consumeAtPace } from './paced-consumer';
import { cpuBetween, findEngine, peakRssMiB, sampleCpu, sampleRss, type CpuSample } from './processes';

const RSS_SAMPLE_MS = 250;
import { summariseBatches, summariseLatencies } from './stats';

function send(m: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) throw new Error('the phase worker runs under the bench (child_process IPC)');
    process.send(m, undefined, {}, () => resolve());
  });
}

function nextMessage<T extends ToWorker['type']>(type: T): Promise<Extract<ToWorker, { type: T }>> {
  return new Promise((resolve) => {
    const on = (m: ToWorker): void => {
      if (m.type !== type) return;
      process.off('message', on);
      resolve(m as Extract<ToWorker, { type: T }>);
    };
    process.on('message', on);
  });
}

function counters(metrics: Metric[]): PluginCounters {
  const get = (name: string): number | null => {
    const m = metrics.find((x) => x.name.endsWith(`.${name}`));
    return m === undefined || m.value === null ? null : Number(m.value);
  };
  return {
    eventsDelivered: get('events_delivered'),
    engineRestarts: get('engine_restarts'),
    engineDroppedEvents: get('engine_dropped_events'),
    engineOverflowEvents: get('engine_overflow_events'),
    errors: get('errors'),
    enrichedEvents: get('engine_enriched_events'),
    enrichLateEvents: get('engine_enrichment_late_events'),
    enrichGoneEvents: get('engine_enrichment_gone_events'),
    enrichFailedEvents: get('engine_enrichment_failed_events'),
    inspectRequests: get('engine_inspect_requests'),
  };
}

/** Longer than the engine's STATS interval (1 s, src/stats.ts): a drain quiet this long saw the last STATS. */
const SETTLE_MS = 1500;
/** The engine counts as busy while it uses more than this much of a core (at rest it uses ~0.1 %). */
const ENGINE_BUSY_PCT = 3;

/**
 * Hands over what is left (the generator stopped, or its finite stream ended) until for SETTLE_MS no event
 * came, the engine's counters did not move and the engine was not busy (inspects still in flight), at most
 * `maxMs`. The loop's own counters (idle_timeouts…) do not count as moving.
 */
async function drainUntilQuiet(state: PluginState, instance: PluginInstance, enginePid: number | null, fields: FieldRequest[], maxMs: number): Promise<Drain> {
  const key = (): string =>
    state
      .metrics()
      .filter((m) => /\.(engine_|events_delivered$)/.test(m.name))
      .map((m) => `${m.name}=${String(m.value)}`)
      .join(',');
  const startedAt = performance.now();
  let quietSince = startedAt;
  let last = key();
  let engineBefore = enginePid === null ? null : sampleCpu(enginePid);
  let events = 0;
  while (performance.now() - quietSince < SETTLE_MS) {
    if (performance.now() - startedAt > maxMs) return { events, seconds: (performance.now() - startedAt) / 1000, settled: false };
    const r = await instance.runLoop({ durationMs: 100, fields });
    checkLoop(r, 'drain');
    events += r.events;
    const now = key();
    const engineNow = enginePid === null ? null : sampleCpu(enginePid);
    const engineBusy = (cpuBetween(engineBefore, engineNow)?.schedPct ?? 0) > ENGINE_BUSY_PCT;
    if (r.events > 0 || now !== last || engineBusy) quietSince = performance.now();
    last = now;
    engineBefore = engineNow;
  }
  return { events, seconds: (performance.now() - startedAt) / 1000, settled: true };
}

/** CPU of one native loop (its getrusage figures) plus the engine's between two samples. */
function loopCpu(r: LoopResult, engine0: CpuSample | null, engine1: CpuSample | null): LoopCpu {
  const wallUs = Number(r.elapsedNs) / 1e3;
  return {
    wallS: wallUs / 1e6,
    loopPct: ((r.processCpuUserUs + r.processCpuSysUs) / wallUs) * 100,
    loopThreadPct: ((r.cpuUserUs + r.cpuSysUs) / wallUs) * 100,
    engine: cpuBetween(engine0, engine1),
  };
}

function checkLoop(r: LoopResult, what: string): void {
  if (r.error !== undefined) throw new Error(`${what}: the loop stopped with ${r.rc}${r.errorCode ? ` (${r.errorCode})` : ''}: ${r.error}`);
}

const TIME_NANO = Buffer.from('"timeNano":');

/** The payload's "timeNano" (ns since the epoch), or null. */
function timeNanoOf(data: Buffer): bigint | null {
  const at = data.lastIndexOf(TIME_NANO);
  if (at < 0) return null;
  let i = at + TIME_NANO.length;
  let end = i;
  while (end < data.length && data[end] >= 0x30 && data[end] <= 0x39) end++;
  if (end === i) return null;
  let v = 0n;
  for (; i < end; i++) v = v * 10n + BigInt(data[i] - 0x30);
  return v;
}

interface JsLoop {
  latencyNs: number[];
  batchSizes: number[];
  events: number;
  hostStamped: number;
  withoutTimeNano: number;
  extractCalls: number;
  extractedValues: number;
  rc: string;
  error: string | null;
  wallS: number;
  cpuPct: number;
}

/**
 * The Falco-like loop in JS, for plugins that leave `ts` to the host (as the Go SDK does): next_batch back to
 * back (each call on a worker thread, stamped natively when it returns), latency = that stamp − the payload's
 * timeNano, and the fields extracted one extract_fields call each (on a copy of the record).
 */
async function jsLoop(state: PluginState, instance: PluginInstance, durationS: number, fields: FieldRequest[]): Promise<JsLoop> {
  const out: JsLoop = {
    latencyNs: [],
    batchSizes: [],
    events: 0,
    hostStamped: 0,
    withoutTimeNano: 0,
    extractCalls: 0,
    extractedValues: 0,
    rc: 'SUCCESS',
    error: null,
    wallS: 0,
    cpuPct: 0,
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const endNs = t0 + BigInt(Math.round(durationS * 1e9));
  while (process.hrtime.bigint() < endNs) {
    const batch = await instance.nextBatch();
    out.rc = batch.rc;
    out.batchSizes.push(batch.events.length);
    for (const ev of batch.events) {
      out.events++;
      if (ev.hostStampedTs) out.hostStamped++;
      const timeNano = timeNanoOf(ev.data);
      if (timeNano === null) out.withoutTimeNano++;
      else out.latencyNs.push(Number(batch.returnedAtNs - timeNano));
      if (fields.length > 0) {
        for (const values of state.extract(ev, fields)) if (values !== null) out.extractedValues += values.length;
        out.extractCalls += fields.length;
      }
    }
    if (batch.rc === 'FAILURE' || batch.rc === 'NOT_SUPPORTED' || batch.rc === 'EOF') {
      out.error = batch.error ?? batch.rc;
      break;
    }
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  out.wallS = wallUs / 1e6;
  out.cpuPct = ((cpu.user + cpu.system) / wallUs) * 100;
  return out;
}

async function probe(state: PluginState, instance: PluginInstance, durationS: number): Promise<ProbeResult> {
  const r = await jsLoop(state, instance, durationS, []);
  return { kind: 'probe', events: r.events, hostStamped: r.hostStamped, withTimeNano: r.events - r.withoutTimeNano, rc: r.rc, error: r.error };
}

async function rate(
  state: PluginState,
  instance: PluginInstance,
  enginePid: number | null,
  spec: Extract<WorkerRequest['spec'], { kind: 'rate' }>,
  fields: FieldRequest[],
): Promise<RateResult> {
  const what = `rate ${spec.rate}/s`;
  const warmupEvents = Math.round(spec.rate * spec.warmupS);
  const totalS = spec.warmupS + spec.durationS;
  const engine0 = enginePid === null ? null : sampleCpu(enginePid);
  let latencyNs: ArrayLike<bigint | number>;
  let batchSizes: ArrayLike<number>;
  let events: number;
  let cpu: LoopCpu;
  let extractCalls: number;
  let extractedValues: number;
  if (spec.latencyFrom === 'ts') {
    const r = await instance.runLoop({ durationMs: Math.round(totalS * 1000), fields });
    const engine1 = enginePid === null ? null : sampleCpu(enginePid);
    await send({ type: 'loopDone' });
    checkLoop(r, what);
    if (r.latencyNs.length !== r.events) {
      throw new Error(`${what}: ${r.events - r.latencyNs.length} events had no ts of their own (host-stamped): use --latency-from payload`);
    }
    ({ latencyNs, batchSizes, events, extractCalls, extractedValues } = r);
    cpu = loopCpu(r, engine0, engine1);
  } else {
    const r = await jsLoop(state, instance, totalS, fields);
    const engine1 = enginePid === null ? null : sampleCpu(enginePid);
    await send({ type: 'loopDone' });
    if (r.error !== null) throw new Error(`${what}: the loop stopped with ${r.rc}: ${r.error}`);
    if (r.withoutTimeNano > 0) throw new Error(`${what}: ${r.withoutTimeNano} events had no "timeNano" in their payload`);
    ({ latencyNs, batchSizes, events, extractCalls, extractedValues } = r);
    cpu = { wallS: r.wallS, loopPct: r.cpuPct, loopThreadPct: null, engine: cpuBetween(engine0, engine1) };
  }
  const warm = summariseLatencies(Array.prototype.slice.call(latencyNs, 0, warmupEvents) as Array<bigint | number>);
  return {
    kind: 'rate',
    rate: spec.rate,
    warmupS: spec.warmupS,
    durationS: spec.durationS,
    latencyFrom: spec.latencyFrom,
    events: events - warmupEvents,
    warmupEvents,
    batches: summariseBatches(batchSizes, warmupEvents),
    latencyMs: summariseLatencies(latencyNs, warmupEvents),
    warmupMaxLatencyMs: warm.max,
    cpu,
    extractCalls,
    extractedValues,
  };
}

async function throughput(
  instance: PluginInstance,
  enginePid: number | null,
  spec: Extract<WorkerRequest['spec'], { kind: 'throughput' }>,
  fields: FieldRequest[],
): Promise<ThroughputResult> {
  const what = `throughput ${spec.extract ? 'with' : 'without'} extraction`;
  const loopFields = spec.extract ? fields : undefined;
  const sampler = sampleRss(enginePid, RSS_SAMPLE_MS);
  try {
    if (spec.warmupS > 0) checkLoop(await instance.runLoop({ durationMs: Math.round(spec.warmupS * 1000), fields: loopFields }), `${what}, warm-up`);
    await send({ type: 'measuring' });
    const engine0 = enginePid === null ? null : sampleCpu(enginePid);
    const r = await instance.runLoop({ durationMs: Math.round(spec.durationS * 1000), fields: loopFields });
    const engine1 = enginePid === null ? null : sampleCpu(enginePid);
    await send({ type: 'loopDone' });
    checkLoop(r, what);
    const cpu = loopCpu(r, engine0, engine1);
    const wallS = Number(r.elapsedNs) / 1e9;
    const cpuUs = ((cpu.loopPct + (cpu.engine?.schedPct ?? 0)) / 100) * wallS * 1e6;
    return {
      kind: 'throughput',
      extract: spec.extract,
      generatorRate: Number.isFinite(spec.generatorRate) ? spec.generatorRate : null,
      warmupS: spec.warmupS,
      durationS: spec.durationS,
      events: r.events,
      eventsPerS: r.events / wallS,
      batches: summariseBatches(r.batchSizes),
      cpu,
      cpuUsPerEvent: r.events > 0 ? cpuUs / r.events : NaN,
      extractCalls: r.extractCalls,
      engineRssMiB: sampler.samples,
    };
  } finally {
    sampler.stop();
  }
}

/** Falco `factor` times slower than the load: next_batch, then a pause that holds the pace to rate / factor. */
async function overload(
  state: PluginState,
  instance: PluginInstance,
  enginePid: number | null,
  spec: Extract<WorkerRequest['spec'], { kind: 'overload' }>,
): Promise<OverloadResult> {
  const sampler = sampleRss(enginePid, RSS_SAMPLE_MS);
  try {
    const { delivered, wallS } = await consumeAtPace(instance, spec.rate / spec.factor, spec.durationS);
    await send({ type: 'loopDone' });
    return {
      kind: 'overload',
      rate: spec.rate,
      factor: spec.factor,
      durationS: spec.durationS,
      delivered,
      deliveredPerS: delivered / wallS,
      overflowEvents: counters(state.metrics()).engineOverflowEvents,
      engineRssMiB: sampler.samples,
    };
  } finally {
    sampler.stop();
  }
}

async function idle(instance: PluginInstance, enginePid: number | null, windowS: number, fields: FieldRequest[]): Promise<IdleResult> {
  const openedAt = process.hrtime.bigint();
  const window = async (): Promise<IdleWindow> => {
    const startS = Number(process.hrtime.bigint() - openedAt) / 1e9;
    const engine0 = enginePid === null ? null : sampleCpu(enginePid);
    const r = await instance.runLoop({ durationMs: Math.round(windowS * 1000), fields });
    const engine1 = enginePid === null ? null : sampleCpu(enginePid);
    checkLoop(r, 'idle');
    const cpu = loopCpu(r, engine0, engine1);
    return { startS, cpu, totalPct: cpu.loopPct + (cpu.engine?.statPct ?? 0), timeouts: r.timeouts, events: r.events };
  };
  const afterOpen = await window();
  const steady = await window();
  await send({ type: 'loopDone' });
  return { kind: 'idle', afterOpen, steady };
}

/** Container lifecycles, enrichment on or off: latency per action (the i-th event is actions[i % length]). */
/** How long the drains may take: the parent waits for the result PHASE_SLACK_S (20 s) after loopDone. */
const LATENCY_DRAIN_MAX_MS = 12_000;
async function enrichment(
  state: PluginState,
  instance: PluginInstance,
  enginePid: number | null,
  spec: Extract<WorkerRequest['spec'], { kind: 'enrichment' }>,
  fields: FieldRequest[],
): Promise<EnrichmentResult> {
  const what = `enrichment ${spec.enrichment ? 'on' : 'off'}, ${spec.lifecyclesPerS} lifecycles/s`;
  const actions = lifecycleActions({ lifetimeS: spec.lifetimeS, execs: false });
  const eventsPerS = spec.lifecyclesPerS * actions.length;
  const warmupEvents = Math.round(eventsPerS * spec.warmupS);
  const engine0 = enginePid === null ? null : sampleCpu(enginePid);
  const r = await instance.runLoop({ durationMs: Math.round((spec.warmupS + spec.durationS) * 1000), fields });
  const engine1 = enginePid === null ? null : sampleCpu(enginePid);
  await send({ type: 'loopDone' });
  checkLoop(r, what);
  if (r.latencyNs.length !== r.events) throw new Error(`${what}: ${r.events - r.latencyNs.length} events had no ts of their own (host-stamped)`);
  const byAction = new Map<string, number[]>(actions.map((a) => [a, []]));
  for (let i = warmupEvents; i < r.events; i++) byAction.get(actions[i % actions.length])!.push(Number(r.latencyNs[i]));
  const latencyMs: Record<string, ReturnType<typeof summariseLatencies>> = { all: summariseLatencies(r.latencyNs, warmupEvents) };
  for (const [action, ns] of byAction) latencyMs[action] = summariseLatencies(ns);
  // The generator stops now (the parent halts it on loopDone): the rest, and the engine's last STATS.
  const drain = await drainUntilQuiet(state, instance, enginePid, fields, LATENCY_DRAIN_MAX_MS);
  return {
    kind: 'enrichment',
    lifecyclesPerS: spec.lifecyclesPerS,
    eventsPerS,
    lifetimeS: spec.lifetimeS,
    enrichment: spec.enrichment,
    inspectLatencyMs: spec.inspectLatencyMs,
    warmupS: spec.warmupS,
    durationS: spec.durationS,
    actions,
    events: Math.max(0, r.events - warmupEvents),
    warmupEvents,
    loopEvents: r.events,
    drain,
    latencyMs,
    batches: summariseBatches(r.batchSizes, warmupEvents),
    cpu: loopCpu(r, engine0, engine1),
  };
}

/** Containers created and started (none dies), then quiet: the engine's memory and idle CPU with them. */
async function enrichmentCache(
  state: PluginState,
  instance: PluginInstance,
  enginePid: number | null,
  spec: Extract<WorkerRequest['spec'], { kind: 'enrichmentCache' }>,
  fields: FieldRequest[],
): Promise<EnrichmentCacheResult> {
  const what = `cache, enrichment ${spec.enrichment ? 'on' : 'off'}`;
  const expected = spec.containers * lifecycleActions({ lifetimeS: null, execs: false }).length;
  const engineAtStart = enginePid === null ? null : sampleCpu(enginePid);
  const startedAt = performance.now();
  const capMs = (spec.containers / spec.lifecyclesPerS) * 1000 + CACHE_POPULATE_SLACK_MS;
  let events = 0;
  while (events < expected && performance.now() - startedAt < capMs) {
    const r = await instance.runLoop({ durationMs: 1000, maxEvents: expected - events, fields });
    checkLoop(r, what);
    events += r.events;
  }
  const populateS = (performance.now() - startedAt) / 1000;
  // The inspects of the last containers complete (the engine may lag far behind), the engine's last STATS comes.
  const drain = await drainUntilQuiet(state, instance, enginePid, fields, CACHE_DRAIN_MAX_MS);
  const engineSettled = enginePid === null ? null : sampleCpu(enginePid);
  const sampler = sampleRss(enginePid, RSS_SAMPLE_MS);
  try {
    const engine0 = enginePid === null ? null : sampleCpu(enginePid);
    const r = await instance.runLoop({ durationMs: Math.round(spec.idleS * 1000), fields });
    const engine1 = enginePid === null ? null : sampleCpu(enginePid);
    await send({ type: 'loopDone' });
    checkLoop(r, `${what}, idle`);
    return {
      kind: 'enrichmentCache',
      containers: spec.containers,
      lifecyclesPerS: spec.lifecyclesPerS,
      enrichment: spec.enrichment,
      inspectLatencyMs: spec.inspectLatencyMs,
      events: events + drain.events + r.events,
      populateS,
      drain,
      populateEngineCpuS: engineAtStart === null || engineSettled === null ? null : (engineSettled.schedUs - engineAtStart.schedUs) / 1e6,
      idleS: spec.idleS,
      idleCpu: loopCpu(r, engine0, engine1),
      idleEngineRssMiB: sampler.samples,
    };
  } finally {
    sampler.stop();
  }
}

async function main(): Promise<void> {
  const { request } = await nextMessage('run');
  const fields: FieldRequest[] = request.fields.map((name) => ({ name }));
  const plugin = new Plugin(request.library);
  const state = plugin.init({ ...benchConfig(plugin), ...request.initConfig });
  let instance: PluginInstance;
  try {
    instance = await state.openAsync(request.openParams);
  } catch (err) {
    const logs = state.drainLogs().map((l) => l.message);
    throw new Error(`open(${JSON.stringify(request.openParams)}) failed: ${(err as Error).message}${logs.length ? `; logs: ${logs.join(' | ')}` : ''}`);
  }
  const enginePid = findEngine();
  const go = nextMessage('go');
  await send({ type: 'opened', enginePid });
  await go;
  const spec = request.spec;
  let measure: PhaseMeasure;
  if (spec.kind === 'probe') {
    measure = await probe(state, instance, spec.durationS);
    await send({ type: 'loopDone' });
  }
  else if (spec.kind === 'rate') measure = await rate(state, instance, enginePid, spec, fields);
  else if (spec.kind === 'throughput') measure = await throughput(instance, enginePid, spec, fields);
  else if (spec.kind === 'overload') measure = await overload(state, instance, enginePid, spec);
  else if (spec.kind === 'enrichment') measure = await enrichment(state, instance, enginePid, spec, fields);
  else if (spec.kind === 'enrichmentCache') measure = await enrichmentCache(state, instance, enginePid, spec, fields);
  else measure = await idle(instance, enginePid, spec.windowS, fields);
  await send({
    type: 'result',
    result: {
      name: plugin.info.name,
      version: plugin.info.version,
      measure,
      plugin: counters(state.metrics()),
      enginePid,
      loopPeakRssMiB: peakRssMiB('self'),
      enginePeakRssMiB: enginePid === null ? null : peakRssMiB(enginePid),
      logs: state.drainLogs().slice(-20).map((l) => `${l.severity}: ${l.message}`),
    },
  });
  // No unload: a Go c-shared library cannot be dlclosed safely, and the process ends here anyway.
  instance.close();
  state.destroy();
  process.disconnect();
  process.exit(0);
}

main().catch(async (err: unknown) => {
  try {
    await send({ type: 'error', message: (err as Error).stack ?? String(err) });
  } finally {
    process.exit(1);
  }
});
