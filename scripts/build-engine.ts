// The engine as one self-contained executable, build/engine/docker-engine: what the package puts beside
// libdocker.so so that Falco's host needs neither Node.js nor node_modules (`npm run package` runs it).
//   1. esbuild bundles src/main.ts into one CommonJS file. rxjs comes from its ES modules, so only the
//      operators the engine uses are kept (its CommonJS index loads every one: ~80 ms of a start).
//   2. Node's single-executable application: a stripped copy of the Node.js running this script with the bundle
//      injected as its NODE_SEA_BLOB (postject). No V8 code cache: V8 writes a different cache at every
//      build, which would make the package irreproducible, and for this ~100 kB bundle it saved nothing
//      measurable (bench/results/startup.md).
//
//   node dist/scripts/build-engine.js [--out build/engine]

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(__dirname, '../..');
/** Node's documented fuse: the executable looks for its blob once this string's byte is flipped. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const RXJS_ESM = path.join(ROOT, 'node_modules/rxjs/dist/esm');
/** Written by scripts/config-validator.ts at `npm run build:ts`; src/ has only its declaration. */
const CONFIG_VALIDATOR = path.join(ROOT, 'dist/src/config/config-validator.js');

const rxjsModules: esbuild.Plugin = {
  name: 'rxjs-esm',
  setup(build) {
    build.onResolve({ filter: /^rxjs$/ }, () => ({ path: path.join(RXJS_ESM, 'index.js') }));
    build.onResolve({ filter: /^rxjs\/operators$/ }, () => ({ path: path.join(RXJS_ESM, 'operators/index.js') }));
    build.onResolve({ filter: /\/config-validator$/ }, () => ({ path: CONFIG_VALIDATOR }));
  },
};

export async function bundleEngine(outFile: string): Promise<void> {
  if (!fs.existsSync(CONFIG_VALIDATOR)) throw new Error(`${CONFIG_VALIDATOR} is missing: run npm run build:ts first`);
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'src/main.ts')],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true, // error names and stack traces stay readable in bug reports
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [rxjsModules],
  });
}

/** Runs a build step, showing its chatter (LIEF warns about every ELF note it does not know) only on failure. */
function quietly(command: string, args: readonly string[], cwd?: string): void {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${[command, ...args].join(' ')} failed: ${String(stdout ?? '')}${String(stderr ?? '')}`, { cause: err });
  }
}

/** A copy of this Node.js with `bundle` as its single-executable blob, at `executable`. */
export function makeExecutable(bundle: string, executable: string): void {
  const dir = path.dirname(executable);
  const blob = path.join(dir, 'engine.blob');
  const seaConfig = path.join(dir, 'sea-config.json');
  // Relative names: the blob records them, and the same engine must make the same bytes wherever it is built.
  const config = { main: path.relative(dir, bundle), output: path.basename(blob), disableExperimentalSEAWarning: true, useCodeCache: false };
  fs.writeFileSync(seaConfig, JSON.stringify(config));
  quietly(process.execPath, ['--experimental-sea-config', path.basename(seaConfig)], dir);
  // Node's symbols and debug sections (13 MB of its 99) are of no use to a user; the fuse stays.
  quietly('strip', ['--strip-all', process.execPath, '-o', executable]);
  fs.chmodSync(executable, 0o755);
  quietly(process.execPath, [require.resolve('postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  fs.rmSync(blob);
  fs.rmSync(seaConfig);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(ROOT, 'build/engine') } } });
  const out = path.resolve(values.out);
  fs.mkdirSync(out, { recursive: true });
  const bundle = path.join(out, 'engine.cjs');
  await bundleEngine(bundle);
  makeExecutable(bundle, path.join(out, 'docker-engine'));
  console.log(`build-engine: ${path.relative(process.cwd(), path.join(out, 'docker-engine'))} (Node.js ${process.version} + ${fs.statSync(bundle).size} bytes of engine)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`build-engine: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
