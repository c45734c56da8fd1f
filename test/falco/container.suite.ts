// README's "Falco in a container", run as written: its commands with the image swapped for one made here
// the way Falco's image is made (the C and C++ runtime, the Falco binary and the libraries it links; no
// Node.js, no shell), the
// release tarball unpacked where README unpacks it, the socket, rules and falco.yaml mounted as README
// mounts them. A privileged container then raises the shipped rule's alert in that Falco's output.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { docker, TEST_IMAGE, uniqueName } from '../support/docker-cli';
import { REPO } from '../support/falco';
import { readmeSection } from '../support/readme';
import { importRuntimeImage, linkedLibraries } from '../support/runtime-image';
import type { E2eEnv } from './env';

const run = promisify(execFile);
const README_IMAGE = 'falcosecurity/falco:0.44.1';
const README_PLUGIN_DIR = '/opt/falco-docker';

export function containerSuite(env: E2eEnv): void {
  describe("README's Falco in a container", () => {
    const image = `local/${uniqueName('falco-image')}:latest`;
    const name = uniqueName('falco-in-container');
    const volume = uniqueName('falco-state');
    const pluginDir = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-docker-'));
    let commands = '';

    before(async () => {
      await importFalcoImage(env.falco, image);
      commands = readmeCommands(pluginDir, image, name, volume);
      await run('sh', ['-ec', commands], { cwd: path.join(REPO, 'release') });
    });

    after(async () => {
      await run('docker', ['rm', '-f', name]).catch(() => undefined);
      await run('docker', ['volume', 'rm', volume]).catch(() => undefined);
      await run('docker', ['rmi', image]).catch(() => undefined);
      fs.rmSync(pluginDir, { recursive: true, force: true });
    });

    it('names the tarball npm run package makes', () => {
      const tarball = fs.readdirSync(path.join(REPO, 'release')).find((f) => f.endsWith(`-linux-${os.machine()}.tar.gz`));
      assert.ok(tarball !== undefined && readmeSection('falco-container').includes(tarball), `README names ${tarball}`);
    });

    it('connects to the mounted socket and raises the shipped rule for a privileged container', async () => {
      const logs = followLogs(name);
      try {
        await logs.waitFor(/docker: connected to unix:\/\/\/var\/run\/docker\.sock/, 60_000);
        const container = uniqueName('privileged');
        await docker('create', '--privileged', '--name', container, TEST_IMAGE, 'true');
        try {
          const alert = await logs.waitFor(new RegExp(`Privileged container created.*${container}`), 60_000);
          assert.match(alert, /local\/busybox/);
        } finally {
          await docker('rm', container);
        }
      } finally {
        logs.stop();
      }
    });

    it('runs the engine from the plugin folder, with no Node.js in the image', async () => {
      const { stdout } = await run('docker', ['top', name, '-o', 'pid,args']);
      assert.match(stdout, /\/usr\/share\/falco\/plugins\/docker\/docker-engine/);
      const { stdout: files } = await run('sh', ['-c', `docker export ${name} | tar -t`], { maxBuffer: 16 << 20 });
      assert.ok(!files.split('\n').some((f) => /(^|\/)node$/.test(f)), 'no node in the image');
    });
  });
}

/** README's commands, with this run's image, plugin folder, container and volume names. */
function readmeCommands(pluginDir: string, image: string, name: string, volume: string): string {
  const block = /```sh\n([\s\S]*?)```/.exec(readmeSection('falco-container'))?.[1];
  assert.ok(block !== undefined, 'README has the falco-container commands');
  for (const expected of [README_IMAGE, README_PLUGIN_DIR, '--name falco-docker', 'falco-docker-state:']) {
    assert.ok(block.includes(expected), `README's commands hold ${expected}`);
  }
  return block
    .replaceAll(README_IMAGE, image)
    .replaceAll(README_PLUGIN_DIR, pluginDir)
    .replaceAll('--name falco-docker', `--name ${name}`)
    .replaceAll('falco-docker-state:', `${volume}:`)
    .replaceAll('$PWD', REPO);
}

/** An image of the runtime alone (../support/runtime-image.ts) with Falco at /usr/bin/falco and the libraries it links. */
async function importFalcoImage(falco: string, tag: string): Promise<void> {
  await importRuntimeImage(tag, { '/usr/bin/falco': falco }, await linkedLibraries(falco));
}

/** `docker logs -f`, whose lines can be awaited. */
function followLogs(container: string): { waitFor(pattern: RegExp, timeoutMs: number): Promise<string>; stop(): void } {
  const child = spawn('docker', ['logs', '-f', container], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const wake of waiters) wake();
    });
  }
  return {
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = lines.find((l) => pattern.test(l));
          if (line === undefined) return;
          finish();
          resolve(line);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; the container printed:\n${lines.slice(-30).join('\n')}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stop: () => child.kill(),
  };
}
