// What `npm run package` makes, as a user gets it: release tarballs laid out for Falco's plugin folder,
// checksummed and reproducible; an engine that needs no Node.js, runs in a container holding nothing but
// the C and C++ runtimes (glibc, libstdc++, libgcc_s: what Falco's image has), and is what the library
// starts by default.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { Plugin, type PluginInstance } from '../native/loader/index';
import { docker, DOCKER_SOCKET, TEST_IMAGE, uniqueName } from './support/docker-cli';
import { payloadOf, testConfig } from './support/docker-plugin';
import { engineProcesses } from './support/processes';
import { importRuntimeImage } from './support/runtime-image';

const run = promisify(execFile);
const REPO = path.join(__dirname, '..', '..');
const RELEASE = path.join(REPO, 'release');
const PACKAGE = path.join(REPO, 'package');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const PLUGIN_TARBALL = `docker-${VERSION}-linux-${os.machine()}.tar.gz`;
const RULES_TARBALL = `docker-rules-${VERSION}.tar.gz`;

async function packageOnce(): Promise<string> {
  await run(path.join(REPO, 'scripts', 'package.sh'), { cwd: REPO, timeout: 300_000 });
  return fs.readFileSync(path.join(RELEASE, 'SHA256SUMS'), 'utf8');
}

/** `tar -tvz` as [mode, owner, name] rows. */
async function tarListing(tarball: string): Promise<string[][]> {
  const { stdout } = await run('tar', ['--numeric-owner', '-tvzf', tarball]);
  return stdout.trim().split('\n').map((line) => {
    const cols = line.split(/\s+/);
    return [cols[0], cols[1], cols[cols.length - 1]];
  });
}

describe('npm run package', () => {
  let firstSums = '';
  let secondSums = '';
  let plugin: Plugin;

  before(async () => {
    firstSums = await packageOnce();
    secondSums = await packageOnce();
    plugin = new Plugin(path.join(PACKAGE, 'libdocker.so'));
  });
  after(() => plugin?.unload());

  it('is reproducible: a second build gives the same bytes', () => {
    assert.match(firstSums, new RegExp(`^[0-9a-f]{64}  ${PLUGIN_TARBALL}$`, 'm'));
    assert.match(firstSums, new RegExp(`^[0-9a-f]{64}  ${RULES_TARBALL}$`, 'm'));
    assert.equal(secondSums, firstSums);
  });

  it('writes SHA-256 sums that check', async () => {
    const { stdout } = await run('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: RELEASE });
    assert.deepEqual(stdout.trim().split('\n').sort(), [`${PLUGIN_TARBALL}: OK`, `${RULES_TARBALL}: OK`]);
  });

  it("lays the plugin tarball out as Falco's plugin folder: the library and the engine, executable, owned by root", async () => {
    assert.deepEqual(await tarListing(path.join(RELEASE, PLUGIN_TARBALL)), [
      ['-rwxr-xr-x', '0/0', 'libdocker.so'],
      ['-rwxr-xr-x', '0/0', 'docker-engine'],
    ]);
  });

  it('ships the rules as their own tarball, the same bytes as rules/docker_rules.yaml', async () => {
    assert.deepEqual(await tarListing(path.join(RELEASE, RULES_TARBALL)), [['-rw-r--r--', '0/0', 'docker_rules.yaml']]);
    const { stdout } = await run('tar', ['-xOzf', path.join(RELEASE, RULES_TARBALL), 'docker_rules.yaml'], { maxBuffer: 1 << 20 });
    assert.equal(stdout, fs.readFileSync(path.join(REPO, 'rules', 'docker_rules.yaml'), 'utf8'));
  });

  it('the engine runs with no Node.js anywhere: a container of the C and C++ runtimes alone, the Docker socket mounted', async () => {
    const image = await minimalRuntimeImage(path.join(PACKAGE, 'docker-engine'));
    try {
      const { stdout } = await run('docker', [
        'run', '--rm', '-v', `${DOCKER_SOCKET}:${DOCKER_SOCKET}`, image.tag, '/plugins/docker-engine', '--check',
      ]);
      assert.match(stdout, /^ok: connected to unix:\/\/\/var\/run\/docker\.sock \(Docker \S+, API \d+\.\d+\)$/m);
      assert.ok(!image.files.some((f) => /node/.test(path.basename(f))), `no node in ${JSON.stringify(image.files)}`);
    } finally {
      await docker('rmi', image.tag);
    }
  });

  it("reports a bad open_params in the container as the plugin's open would", async () => {
    const image = await minimalRuntimeImage(path.join(PACKAGE, 'docker-engine'));
    try {
      await assert.rejects(run('docker', ['run', '--rm', image.tag, '/plugins/docker-engine', '--check']), (err: { code?: number; stderr?: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr ?? '', /^ERR_SOCKET_MISSING: Docker socket \/var\/run\/docker\.sock does not exist/m);
        return true;
      });
    } finally {
      await docker('rmi', image.tag);
    }
  });

  describe('the packaged library through the loader, as Falco loads it', () => {
    it('starts the self-contained engine beside it by default and delivers a container event', async () => {
      const state = plugin.init(JSON.stringify(testConfig()), { validate: true });
      const given = process.env['NODE_OPTIONS'];
      process.env['NODE_OPTIONS'] = '--stack-trace-limit=20'; // Falco's environment: it follows the plugin's flag
      let instance: PluginInstance;
      try {
        instance = state.open('');
      } finally {
        if (given === undefined) delete process.env['NODE_OPTIONS'];
        else process.env['NODE_OPTIONS'] = given;
      }
      try {
        const engines = engineProcesses().filter((p) => p.state !== 'Z');
        assert.deepEqual(engines.map((p) => p.exe), [path.join(PACKAGE, 'docker-engine')]);
        const environ = fs.readFileSync(`/proc/${engines[0].pid}/environ`, 'utf8').split('\0');
        assert.ok(environ.includes('NODE_OPTIONS=--max-semi-space-size=2 --stack-trace-limit=20'), 'V8 flags reach it through NODE_OPTIONS');
        const name = uniqueName('packaged');
        const collecting = instance.collect({ until: (evs) => evs.some((e) => payloadOf(e).includes(`"name":"${name}"`)), timeoutMs: 30_000 });
        await docker('create', '--name', name, TEST_IMAGE, 'true');
        const events = await collecting;
        await docker('rm', name);
        const created = events.find((e) => payloadOf(e).includes(`"name":"${name}"`));
        assert.ok(created !== undefined);
        assert.deepEqual(state.extract(created, [{ name: 'docker.attributes.name' }]), [[name]]);
      } finally {
        instance.close();
        state.destroy();
      }
      assert.deepEqual(engineProcesses(), [], 'no engine left');
    });

    it('says that nodePath is ignored when the engine needs no Node.js', () => {
      const state = plugin.init(JSON.stringify(testConfig({ nodePath: process.execPath })), { validate: true });
      try {
        const logs = state.drainLogs().map((l) => l.message);
        assert.ok(logs.some((m) => /nodePath is ignored: the engine .*\/docker-engine runs without Node\.js/.test(m)), JSON.stringify(logs));
      } finally {
        state.destroy();
      }
    });
  });

  it("registry.yaml's entry is what the library reports", () => {
    const registry = parseYaml(fs.readFileSync(path.join(REPO, 'registry.yaml'), 'utf8')) as RegistryFile;
    const [entry] = registry.plugins;
    const { info } = plugin;
    assert.equal(entry.name, info.name);
    assert.equal(entry.capabilities.sourcing.id, info.id);
    assert.equal(entry.capabilities.sourcing.source, info.eventSource);
    assert.equal(entry.capabilities.sourcing.supported, true);
    assert.equal(entry.capabilities.extraction.supported, true);
    assert.equal(entry.description, info.description);
    assert.equal(entry.url, info.contact);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { license: string };
    assert.equal(entry.license, pkg.license);
  });
});

interface RegistryFile {
  plugins: {
    name: string;
    description: string;
    url: string;
    license: string;
    capabilities: { sourcing: { supported: boolean; id: number; source: string }; extraction: { supported: boolean } };
  }[];
}

/** An image of the runtime alone (./support/runtime-image.ts) with `executable` at /plugins/docker-engine. */
async function minimalRuntimeImage(executable: string): Promise<{ tag: string; files: string[] }> {
  const tag = `local/${uniqueName('engine-runtime')}:latest`;
  const files = await importRuntimeImage(tag, { '/plugins/docker-engine': executable });
  assert.ok(files.some((f) => /\/libc\.so\.6$/.test(f)) && files.some((f) => /\/libstdc\+\+\.so\.6$/.test(f)), JSON.stringify(files));
  return { tag, files };
}
