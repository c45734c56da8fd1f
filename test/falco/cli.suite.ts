// What a user meets first: Falco's validation of the shipped rules, --plugin-info, --list, and Falco starting
// with the plugins: entry written the ways users write it (README's `init_config: {}`, an empty string, none).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { docker, TEST_IMAGE, uniqueName } from '../support/docker-cli';
import { falcoCommand, REPO } from '../support/falco';
import { readmeSection } from '../support/readme';
import schema from '../../src/config/schema.json';
import type { E2eEnv } from './env';
import { RULES } from './rule-cases';

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** The repository's falco.yaml with the plugin entry's init_config line(s) replaced, in a temp file. */
function falcoYamlWith(initConfig: string | null): string {
  const yaml = fs.readFileSync(path.join(REPO, 'falco.yaml'), 'utf8');
  const entry = /( {4}init_config:\n(?: {6}.*\n)+| {4}init_config:.*\n)/;
  assert.match(yaml, entry, 'falco.yaml has an init_config for the plugin');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'falco-yaml-')), 'falco.yaml');
  fs.writeFileSync(file, yaml.replace(entry, initConfig === null ? '' : `    init_config: ${initConfig}\n`));
  return file;
}

const DEFAULT_STATE_DIR = schema.properties.stateDir.default;

/** Puts a directory's files back as they were (a Falco on this machine may keep its resume point there). */
function preserveDirectory(dir: string): () => void {
  const before = new Map<string, Buffer>();
  const existed = fs.existsSync(dir);
  if (existed) for (const f of fs.readdirSync(dir)) before.set(f, fs.readFileSync(path.join(dir, f)));
  return () => {
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir)) if (!before.has(f)) fs.rmSync(path.join(dir, f), { force: true });
    for (const [f, content] of before) fs.writeFileSync(path.join(dir, f), content);
    if (!existed && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  };
}

export function cliSuite(env: E2eEnv): void {
  describe('Falco with the packaged plugin, as README installs it', () => {
    it('validates every shipped rules file (falco -V)', async () => {
      const files = fs.readdirSync(path.join(REPO, 'rules')).filter((f) => f.endsWith('.yaml'));
      assert.ok(files.length >= 1);
      for (const file of files) {
        const { code, stdout, stderr } = await falcoCommand({ falco: env.falco, plugins: env.plugins, args: ['-V', `rules/${file}`] });
        assert.equal(code, 0, `${file}: ${stdout}${stderr}`);
        assert.match(stdout + stderr, new RegExp(`rules/${file.replace('.', '\\.')}: Ok`));
      }
    });

    it("README's override example (## Rules) loads after the shipped rules, and an override of a list they lack does not", async () => {
      const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
      const example = /## Rules\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
      assert.ok(example, "README's override example");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'falco-overrides-'));
      const overrides = path.join(dir, 'docker_overrides.yaml');
      fs.writeFileSync(overrides, example);
      const ok = await falcoCommand({ falco: env.falco, plugins: env.plugins, args: ['-V', 'rules/docker_rules.yaml', '-V', overrides] });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const wrong = path.join(dir, 'wrong.yaml');
      fs.writeFileSync(wrong, '- list: docker_no_such_list\n  items: [x]\n  override:\n    items: append\n');
      const refused = await falcoCommand({ falco: env.falco, plugins: env.plugins, args: ['-V', 'rules/docker_rules.yaml', '-V', wrong] });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stdout + refused.stderr, /no list by that name/);
    });

    it('--plugin-info names the plugin, its capabilities and every init_config key README lists, and inits it', async () => {
      const { code, stdout, stderr } = await falcoCommand({ falco: env.falco, plugins: env.plugins, args: ['--plugin-info', 'docker'] });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^Name: docker$/m);
      assert.match(stdout, new RegExp(`^Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(stdout, /Event Sourcing \(ID=5, source='docker'\)/);
      assert.match(stdout, /Field Extraction/);
      const keys = [...readmeSection('config').matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
      assert.ok(keys.length >= 10);
      for (const key of keys) assert.ok(stdout.includes(`"${key}"`), `${key} in the printed schema`);
      assert.match(stdout, /Suggested open params:\nunix:\/\/\/var\/run\/docker\.sock/);
    });

    it('--list=docker prints exactly the fields README lists', async () => {
      const { code, stdout, stderr } = await falcoCommand({ falco: env.falco, plugins: env.plugins, args: ['--list=docker', '-N'] });
      assert.equal(code, 0, stderr);
      const listed = stdout.split('\n').filter((l) => l.startsWith('docker.'));
      const documented = [...readmeSection('fields').matchAll(/^\| `(docker\.[a-z_.]+)(?:\[key\])?` \|/gm)].map((m) => m[1]);
      assert.deepEqual(listed, documented);
    });

    for (const [what, initConfig] of [
      ['init_config: {} (README)', '{}'],
      ['init_config: ""', '""'],
      ['no init_config', null],
    ] as const) {
      it(`starts with ${what} and raises alerts with the defaults`, async () => {
        const restore = preserveDirectory(DEFAULT_STATE_DIR); // the defaults keep resume points there
        const falco = env.start({ config: falcoYamlWith(initConfig), stateDir: null });
        try {
          await falco.waitUntilConnected();
          const name = uniqueName('e2e-config');
          await docker('run', '--rm', '--name', name, TEST_IMAGE, 'true');
          await falco.waitForAlerts((alerts) => alerts.some((a) => a.rule === RULES.statusChanged && a.output.includes(`action=die name=${name}`)));
        } finally {
          assert.equal(await falco.stop(), 0);
          restore();
        }
      });
    }

    it('refuses a misspelt nested key, naming it and the key meant', async () => {
      const { code, stderr, stdout } = await falcoCommand({
        falco: env.falco,
        plugins: env.plugins,
        config: falcoYamlWith('{ tls: { CA: /etc/docker/ca.pem } }'),
        args: ['--enable-source', 'docker', '--dry-run'],
      });
      assert.equal(code, 1);
      assert.match(stdout + stderr, /could not initialize plugin: ERR_CONFIG_INVALID: init_config\.tls\.CA is not a known key \(did you mean init_config\.tls\.ca\?\)/);
    });
  });
}
