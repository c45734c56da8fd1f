// A bug in the engine still reaches the plugin as an ERROR frame (ERR_INTERNAL) and exit code 70.
// The fault is injected with `node --require`, so the engine code itself stays unchanged.

import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { EngineProcess, json, TYPE_ERROR } from './support/engine-process';
import { FakeDaemon } from './support/fake-daemon';

let dir = '';
let daemon: FakeDaemon;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'engine-crash-'));
  daemon = await FakeDaemon.start();
});

after(async () => {
  await daemon.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function injected(name: string, code: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, code);
  return file;
}

for (const [kind, fault] of [
  ['an uncaught exception', "setTimeout(() => { throw new Error('injected fault'); }, 300);"],
  ['an unhandled rejection', "setTimeout(() => { Promise.reject(new Error('injected fault')); }, 300);"],
] as const) {
  test(`${kind} → ERROR ERR_INTERNAL, exit 70`, async () => {
    const preload = await injected(`${kind.replace(/\W/g, '-')}.js`, fault);
    const engine = EngineProcess.start({ openParams: daemon.openParams }, { nodeArgs: ['--require', preload] });
    try {
      const error = json(await engine.waitFrameOfType(TYPE_ERROR));
      assert.deepEqual(error, { code: 'ERR_INTERNAL', message: 'internal error: injected fault' });
      assert.equal((await engine.waitExit()).code, 70);
      assert.ok(engine.logLines.some((l) => l.startsWith('error ERR_INTERNAL please report this bug: Error: injected fault')));
    } finally {
      engine.kill();
    }
  });
}
