// What users read and load stays true to the code: README's generated tables,
// the rules' fields, and the example falco.yaml.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { README, regenerate } from '../scripts/docs';
import { loadPlugin } from './support/docker-plugin';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('documentation and rules', () => {
  it('README.md tables match the schema and the field table (run `npm run docs` after changing either)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    assert.equal(readme, regenerate(readme));
  });

  it('every docker.* field named in the rules exists in the plugin', () => {
    const plugin = loadPlugin();
    const fields = new Set(plugin.info.fields.map((f) => f.name));
    plugin.unload();
    const used = new Set([...read('rules/docker_rules.yaml').matchAll(/\bdocker(?:\.[a-z0-9_]+)+/g)].map((m) => m[0]));
    assert.ok(used.size >= 8, [...used].join(', '));
    for (const name of used) assert.ok(fields.has(name), `rules use ${name}, which the plugin does not have`);
  });

  it('the rules file is valid YAML: each rule complete, for the docker source, requiring a version this library satisfies', () => {
    const plugin = loadPlugin();
    const version = plugin.info.version;
    plugin.unload();
    const items = parseYaml(read('rules/docker_rules.yaml')) as Array<Record<string, unknown>>;
    const requirement = items.find((i) => 'required_plugin_versions' in i)?.['required_plugin_versions'] as Array<{ name: string; version: string }>;
    const required = requirement.find((r) => r.name === 'docker')?.version;
    assert.ok(required);
    const num = (v: string): number[] => v.split('.').map(Number);
    const [ra = 0, rb = 0, rc = 0] = num(required);
    const [va = 0, vb = 0, vc = 0] = num(version);
    assert.ok(va === ra && (vb > rb || (vb === rb && vc >= rc)), `${version} does not satisfy ${required}`);
    const rules = items.filter((i) => 'rule' in i);
    assert.ok(rules.length >= 10);
    for (const r of rules) {
      for (const key of ['desc', 'condition', 'output', 'priority']) assert.equal(typeof r[key], 'string', `${String(r['rule'])}: ${key}`);
      assert.equal(r['source'], 'docker', String(r['rule']));
    }
  });

  it("keeps the Go plugin's rule unchanged, last, so that under rule_matching: first it hides no other rule", () => {
    const rules = (parseYaml(read('rules/docker_rules.yaml')) as Array<Record<string, unknown>>).filter((i) => 'rule' in i);
    const last = rules[rules.length - 1];
    assert.equal(last['rule'], 'Container status changed');
    assert.equal(last['condition'], 'docker.status in (create,start,die)');
    assert.equal(
      last['output'],
      'status=%docker.status from=%docker.from type=%docker.type action=%docker.action name=%docker.attributes.name',
    );
  });

  it('falco.yaml, and the plugins entry README shows, load this plugin by its name and library, with the rules file', () => {
    const config = parseYaml(read('falco.yaml')) as { load_plugins: string[]; plugins: Array<Record<string, unknown>>; rules_files: string[] };
    assert.deepEqual(config.load_plugins, ['docker']);
    assert.equal(config.plugins[0]?.['name'], 'docker');
    assert.equal(config.plugins[0]?.['library_path'], 'libdocker.so');
    assert.ok(config.rules_files.includes('rules/docker_rules.yaml'));
    const snippet = /```yaml\n(load_plugins: \[docker\][\s\S]*?)```/.exec(read('README.md'))?.[1];
    assert.ok(snippet, "README's install snippet");
    const fromReadme = parseYaml(snippet) as { plugins: Array<Record<string, unknown>> };
    assert.equal(fromReadme.plugins[0]?.['name'], 'docker');
    assert.equal(fromReadme.plugins[0]?.['library_path'], 'libdocker.so');
  });

  it('package.json and the library agree on the version', () => {
    const plugin = loadPlugin();
    const version = plugin.info.version;
    plugin.unload();
    assert.equal(version, (JSON.parse(read('package.json')) as { version: string }).version);
  });
});
