// `npm run bench:startup`: what an engine start costs Falco (its start and every hot reload wait for
// plugin_open), next to a bare Node.js measured in the same run, for the package's self-contained engine
// and for the engine script a source checkout runs. Each round times a bare `node -e 0`, then plugin_open
// of each engine on a fake daemon that stays quiet (spawn → READY) and plugin_close. In the last round,
// each engine's VmRSS after REST_S seconds of rest, beside a bare Node process resting as long (a timer).
//
//   node dist/bench/startup.js [--opens 20] [--plugin build/libdocker.so]

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Plugin } from '../native/loader/index.js';
import { killLoadGenerators, LoadGenerator } from './load-generator';
import { benchConfig } from './plugin-config';
import { findEngine, machineInfo, statusMiB } from './processes';
import { spread } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const REST_S = 3;

function bareNodeStartMs(): number {
  const t = performance.now();
  const run = spawnSync(process.execPath, ['-e', '0']);
  if (run.status !== 0) throw new Error(`node -e 0 exited ${run.status}`);
  return performance.now() - t;
}

/** VmRSS of a bare Node process (a pending timer, nothing else) after REST_S seconds. */
async function bareNodeRestMiB(): Promise<number | null> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 600_000)'], { stdio: 'ignore' });
  try {
    await sleep(REST_S * 1000);
    return child.pid === undefined ? null : statusMiB(child.pid, 'VmRSS');
  } finally {
    child.kill();
  }
}

/** An engine to start: the package's self-contained executable, or the script a source checkout runs with node. */
interface EngineVariant {
  readonly label: string;
  readonly enginePath: string;
}

interface VariantResult {
  readonly variant: EngineVariant;
  readonly openMs: number[];
  restMiB: number | null;
}

function variants(): EngineVariant[] {
  const all = [
    { label: 'self-contained engine (package/docker-engine)', enginePath: path.join(ROOT, 'package', 'docker-engine') },
    { label: 'engine script (node dist/src/main.js)', enginePath: path.join(ROOT, 'dist', 'src', 'main.js') },
  ];
  const missing = all.filter((v) => !existsSync(v.enginePath));
  if (missing.length > 0) throw new Error(`${missing.map((v) => v.enginePath).join(', ')} missing: run npm run build and npm run package first`);
  return all;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      opens: { type: 'string', default: '20' },
      plugin: { type: 'string', default: path.join(ROOT, 'build', 'libdocker.so') },
      'out-dir': { type: 'string', default: path.join(ROOT, 'bench', 'results') },
    },
  });
  const opens = Number(values.opens);
  if (!Number.isInteger(opens) || opens < 1) throw new Error(`--opens: a positive integer, got ${values.opens}`);

  const generator = await LoadGenerator.start(0);
  const plugin = new Plugin(values.plugin);
  const results: VariantResult[] = variants().map((variant) => ({ variant, openMs: [], restMiB: null }));
  const states = results.map((r) => plugin.init({ ...benchConfig(plugin), enginePath: r.variant.enginePath }));
  const bareMs: number[] = [];
  try {
    // Interleaved, so that the machine's load at any moment weighs on every variant alike.
    for (let i = 0; i < opens; i++) {
      bareMs.push(bareNodeStartMs());
      for (const [k, result] of results.entries()) {
        const t = performance.now();
        const instance = await states[k].openAsync(generator.openParams);
        result.openMs.push(performance.now() - t);
        if (i === opens - 1) {
          await sleep(REST_S * 1000);
          const engine = findEngine();
          result.restMiB = engine === null ? null : statusMiB(engine, 'VmRSS');
        }
        instance.close();
      }
    }
  } finally {
    for (const state of states) state.destroy();
    plugin.unload();
    await generator.stop();
  }
  const bareRestMiB = await bareNodeRestMiB();

  const bare = spread(bareMs);
  const f = (n: number | null): string => (n === null ? '–' : n.toFixed(1));
  const rows = results.map(({ variant, openMs, restMiB }) => {
    const open = spread(openMs);
    const overBare = restMiB === null || bareRestMiB === null ? '' : ` (+${(restMiB - bareRestMiB).toFixed(1)})`;
    return `| plugin_open, ${variant.label} | ${f(open.median)} | ${f(open.p90)} | ${f(open.min)} | ${f(open.max)} | ${(open.median / bare.median).toFixed(2)}× | ${f(restMiB)}${overBare} |`;
  });
  const markdown = [
    `## Engine start-up, ${new Date().toISOString()}`,
    '',
    `Machine: ${Object.entries(machineInfo()).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(' ') : String(v)}`).join(', ')}. ${opens} rounds, each a bare \`node -e 0\` then plugin_open of each engine on a quiet fake daemon (spawn → READY). RSS at rest: ${REST_S} s after READY (the engines), after start (a bare Node process with a pending timer).`,
    '',
    '| | median ms | p90 ms | min ms | max ms | median / bare | RSS at rest MiB (over bare) |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
    `| bare \`node -e 0\` | ${f(bare.median)} | ${f(bare.p90)} | ${f(bare.min)} | ${f(bare.max)} | 1.00× | ${f(bareRestMiB)} |`,
    '',
  ].join('\n');
  mkdirSync(values['out-dir'], { recursive: true });
  writeFileSync(path.join(values['out-dir'], 'startup.md'), markdown);
  const json = { bareMs, bareRestMiB, engines: results.map((r) => ({ engine: r.variant.label, openMs: r.openMs, restMiB: r.restMiB })) };
  writeFileSync(path.join(values['out-dir'], 'startup.json'), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(markdown);
}

main().catch((err: unknown) => {
  killLoadGenerators();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
