// `npm run bench:fan-in`: what each endpoint of a fan-in (`open_params` "A,B,C,…") costs the engine, at 1, 10
// and 50 endpoints: its RSS at rest, its idle CPU with every endpoint connected and quiet, and its CPU when every
// endpoint's daemon writes 10 events/s, every event checked to arrive through next_batch. Each round opens one
// capture per endpoint count side by side (same window, same noise from the shared cores), each endpoint its
// own fake daemon, plus a control: one endpoint carrying as many events/s as the widest fan-in, which tells what
// an endpoint costs beyond its events. Figures are medians over the rounds, the cost per endpoint the slope from
// the smallest count.
//
//   node dist/bench/fan-in.js [--endpoints 1,10,50] [--idle-s 30] [--load-s 20] [--plugin build/libdocker.so]
//     [--rounds 3] [--rest-s 12] [--warmup-s 2] [--after-s 8] [--rate 10] [--init-config JSON] [--no-control]
//     [--out-dir bench/results]
//
// --idle-s defaults to 30 s, the default livenessIntervalMs: each quiet endpoint's liveness check (src/liveness-watch.ts)
// then falls in the window once. --rest-s 12: past the V8 memory reducer's GC ~9 s after the engine starts.
// --init-config (merged over the defaults) is for finding where a cost goes, e.g. '{"livenessIntervalMs":0}'.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Plugin } from '../native/loader/index.js';
import { FanInCapture } from './fan-in-capture';
import { FanInDaemons } from './fan-in-daemons';
import { markdown, summarise, writeResults, type CaptureMeasure, type Round, type Settings } from './fan-in-report';
import type { GeneratorStats } from './load-generator';
import { cpuBetween, machineInfo, sampleCpu, sampleRss, type CpuSample } from './processes';

const ROOT = path.resolve(__dirname, '../..');
const RSS_SAMPLE_MS = 1000;
/** The drain ends when every event arrived, or nothing arrived for this long, or at the cap. */
const DRAIN_QUIET_MS = 3000;
const DRAIN_MAX_MS = 20_000;

interface Options extends Settings {
  outDir: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      endpoints: { type: 'string', default: '1,10,50' },
      'idle-s': { type: 'string', default: '30' },
      'load-s': { type: 'string', default: '20' },
      'rest-s': { type: 'string', default: '12' },
      'warmup-s': { type: 'string', default: '2' },
      'after-s': { type: 'string', default: '8' },
      rounds: { type: 'string', default: '3' },
      rate: { type: 'string', default: '10' },
      plugin: { type: 'string', default: path.join(ROOT, 'build', 'libdocker.so') },
      'init-config': { type: 'string', default: '{}' },
      'no-control': { type: 'boolean', default: false },
      'out-dir': { type: 'string', default: path.join(ROOT, 'bench', 'results') },
    },
    strict: true,
  });
  const number = (name: string, text: string, min: number, max: number, integer = false): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new Error(`--${name}: ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${text}"`);
    }
    return n;
  };
  const endpoints = [...new Set(values.endpoints.split(',').map((s) => number('endpoints', s.trim(), 1, 500, true)))].sort((a, b) => a - b);
  if (endpoints.length < 2) throw new Error('--endpoints: at least two distinct counts, e.g. 1,10,50');
  const initConfig = JSON.parse(values['init-config']) as unknown;
  if (typeof initConfig !== 'object' || initConfig === null || Array.isArray(initConfig)) throw new Error('--init-config: a JSON object');
  return {
    endpoints,
    rounds: number('rounds', values.rounds, 1, 20, true),
    restS: number('rest-s', values['rest-s'], 0, 600),
    idleS: number('idle-s', values['idle-s'], 10, 600),
    warmupS: number('warmup-s', values['warmup-s'], 0, 60),
    loadS: number('load-s', values['load-s'], 1, 600),
    afterS: number('after-s', values['after-s'], 1, 600),
    ratePerEndpoint: number('rate', values.rate, 0.1, 10_000),
    plugin: path.resolve(values.plugin),
    initConfig: initConfig as Record<string, unknown>,
    control: !values['no-control'],
    outDir: path.resolve(values['out-dir']),
  };
}

const say = (text: string): void => void process.stderr.write(`fan-in: ${text}\n`);

/** One capture of a round: its endpoints, each endpoint's events/s, and whether it is the control. */
interface CaptureSpec {
  readonly endpoints: number;
  readonly ratePerEndpoint: number;
  readonly control: boolean;
}

/**
 * A capture per endpoint count, plus the control: one endpoint carrying as many events as the widest fan-in's
 * endpoints together, so that what an endpoint costs can be told from what its events cost.
 */
function captureSpecs(settings: Settings): CaptureSpec[] {
  const specs = settings.endpoints.map((endpoints) => ({ endpoints, ratePerEndpoint: settings.ratePerEndpoint, control: false }));
  const widest = Math.max(...settings.endpoints);
  if (settings.control && widest > 1) specs.push({ endpoints: 1, ratePerEndpoint: widest * settings.ratePerEndpoint, control: true });
  return specs;
}

const describe = (spec: CaptureSpec): string => (spec.control ? `control (1 at ${spec.ratePerEndpoint}/s)` : String(spec.endpoints));

/** open_params of the daemon on `socketPath`, as the engine tags its events ("host"). */
const hostOf = (socketPath: string): string => `unix://${socketPath}`;

/** Each capture's hosts: consecutive daemons, in the order of `specs`. */
function hostsOf(specs: readonly CaptureSpec[], socketPaths: readonly string[]): string[][] {
  let next = 0;
  return specs.map((spec) => {
    next += spec.endpoints;
    return socketPaths.slice(next - spec.endpoints, next).map(hostOf);
  });
}

/** Every event of the capture's daemons arrived, each under its own endpoint, and nothing else. */
function complete(capture: FanInCapture, sentByHost: ReadonlyMap<string, number>): boolean {
  const expected = capture.hosts.reduce((sum, host) => sum + (sentByHost.get(host) ?? 0), 0);
  return capture.counter.total === expected && capture.hosts.every((host) => (capture.counter.byHost.get(host) ?? 0) === sentByHost.get(host));
}

/** Waits until every capture is complete, or nothing arrived for DRAIN_QUIET_MS; the ms it took. */
async function drain(captures: readonly FanInCapture[], sentByHost: ReadonlyMap<string, number>): Promise<number> {
  const started = performance.now();
  let lastTotal = -1;
  let lastMoveAt = started;
  while (!captures.every((c) => complete(c, sentByHost))) {
    const now = performance.now();
    const total = captures.reduce((sum, c) => sum + c.counter.total, 0);
    if (total !== lastTotal) {
      lastTotal = total;
      lastMoveAt = now;
    } else if (now - lastMoveAt >= DRAIN_QUIET_MS) break;
    if (now - started >= DRAIN_MAX_MS) break;
    await sleep(50);
  }
  return performance.now() - started;
}

const cpuOf = (captures: readonly FanInCapture[]): Array<CpuSample | null> => captures.map((c) => sampleCpu(c.enginePid));

/** Each capture's engine VmRSS every RSS_SAMPLE_MS for `seconds`. */
async function rssOver(captures: readonly FanInCapture[], seconds: number): Promise<number[][]> {
  const samplers = captures.map((c) => sampleRss(c.enginePid, RSS_SAMPLE_MS));
  await sleep(seconds * 1000);
  for (const s of samplers) s.stop();
  return samplers.map((s) => s.samples);
}

/**
 * One round: a fresh daemon per endpoint, one capture per spec (opened in `round`-rotated order), rest, the
 * idle window, the load window, the drain, the quiet after it; every capture measured over the same windows.
 */
async function runRound(plugin: Plugin, settings: Settings, round: number): Promise<Round> {
  const specs = captureSpecs(settings);
  const openOrder = specs.map((_, i) => (i + round) % specs.length);
  const daemons = await FanInDaemons.start(specs.flatMap((spec) => Array<number>(spec.endpoints).fill(spec.ratePerEndpoint)));
  const opened = new Map<number, FanInCapture>();
  try {
    const hosts = hostsOf(specs, daemons.socketPaths);
    for (const i of openOrder) opened.set(i, await FanInCapture.open(plugin, settings.initConfig, hosts[i]));
    const captures = specs.map((_, i) => opened.get(i)!);
    const label = `round ${round + 1}/${settings.rounds}`;
    say(`${label}: opened ${openOrder.map((i) => describe(specs[i])).join(', ')} (engines ${captures.map((c) => c.enginePid).join(', ')}); resting ${settings.restS} s`);
    await sleep(settings.restS * 1000);

    say(`${label}: idle window, ${settings.idleS} s`);
    const eventsBeforeIdle = captures.map((c) => c.counter.total);
    const idle0 = cpuOf(captures);
    const idleRss = await rssOver(captures, settings.idleS);
    const idle1 = cpuOf(captures);
    const idleEvents = captures.map((c, i) => c.counter.total - eventsBeforeIdle[i]);

    say(`${label}: ${settings.ratePerEndpoint} events/s per endpoint, ${settings.warmupS} s warm-up + ${settings.loadS} s`);
    daemons.begin();
    await sleep(settings.warmupS * 1000);
    const load0 = cpuOf(captures);
    const loadRss = await rssOver(captures, settings.loadS);
    const load1 = cpuOf(captures);
    const stats: GeneratorStats[] = await daemons.halt();
    const sentByHost = new Map(stats.map((s, i) => [hostOf(daemons.socketPaths[i]), s.emitted]));
    const drainMs = await drain(captures, sentByHost);
    say(`${label}: drained in ${(drainMs / 1000).toFixed(1)} s; quiet for ${settings.afterS} s`);
    const afterLoadRss = await rssOver(captures, settings.afterS);

    const measures = captures.map(
      (c, i): CaptureMeasure => ({
        endpoints: c.endpoints,
        ratePerEndpoint: specs[i].ratePerEndpoint,
        control: specs[i].control,
        enginePid: c.enginePid,
        idleRssMiB: idleRss[i],
        idleCpu: cpuBetween(idle0[i], idle1[i]),
        idleEvents: idleEvents[i],
        loadCpu: cpuBetween(load0[i], load1[i]),
        loadRssMiB: loadRss[i],
        afterLoadRssMiB: afterLoadRss[i],
        sent: c.hosts.reduce((sum, host) => sum + (sentByHost.get(host) ?? 0), 0),
        delivered: c.counter.total,
        endpointsMismatched: c.hosts.filter((host) => (c.counter.byHost.get(host) ?? 0) !== sentByHost.get(host)).length,
        untagged: c.counter.untagged,
        drainMs,
        metrics: c.metrics(),
        warnings: c.warnings(),
        failure: c.counter.failure,
      }),
    );
    return { openOrder: openOrder.map((i) => describe(specs[i])), captures: measures };
  } finally {
    for (const c of opened.values()) await c.close();
    await daemons.stop();
  }
}

/** Tracked files that differ from the commit machineInfo() names: what ran is that commit plus these. */
function uncommittedFiles(): string[] {
  try {
    const status = execFileSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return status.split('\n').filter((line) => line.trim() !== '').map((line) => line.slice(3));
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const { outDir, ...settings } = parseOptions();
  const started = performance.now();
  const machine = { ...machineInfo(), uncommittedTrackedFiles: uncommittedFiles().length };
  const plugin = new Plugin(settings.plugin);
  const rounds: Round[] = [];
  try {
    for (let i = 0; i < settings.rounds; i++) rounds.push(await runRound(plugin, settings, i));
  } finally {
    plugin.unload();
  }
  const summary = summarise(settings, rounds);
  const text = markdown(settings, summary, rounds, machine, (performance.now() - started) / 1000);
  mkdirSync(outDir, { recursive: true });
  writeResults(outDir, text, { machine, settings, summary, rounds });
  process.stdout.write(text);
  if (!summary.lossless) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
