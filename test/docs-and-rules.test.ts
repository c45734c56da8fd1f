// What users read and load stays true to the code: README's generated tables,
// the rules' fields, and the example falco.yaml.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
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

  it('the rules require a plugin version this library satisfies, and every rule is for the docker source', () => {
    const plugin = loadPlugin();
    const version = plugin.info.version;
    plugin.unload();
    const rules = read('rules/docker_rules.yaml');
    const required = /- name: docker\n\s+version: (\d+\.\d+\.\d+)/.exec(rules)?.[1];
    assert.ok(required);
    const num = (v: string): number[] => v.split('.').map(Number);
    const [ra = 0, rb = 0, rc = 0] = num(required);
    const [va = 0, vb = 0, vc = 0] = num(version);
    assert.ok(va === ra && (vb > rb || (vb === rb && vc >= rc)), `${version} does not satisfy ${required}`);
    const ruleCount = (rules.match(/^- rule: /gm) ?? []).length;
    assert.equal((rules.match(/^ {2}source: docker$/gm) ?? []).length, ruleCount);
    assert.ok(rules.includes('condition: docker.status in (create,start,die)'), "keeps the Go plugin's rule");
  });

  it('falco.yaml loads this plugin by its name and library, with the rules file', () => {
    const yaml = read('falco.yaml');
    assert.match(yaml, /load_plugins: \[docker\]/);
    assert.match(yaml, /- name: docker\n\s+library_path: libdocker\.so/);
    assert.match(yaml, /rules_files:\n\s+- rules\/docker_rules\.yaml/);
  });

  it('package.json and the library agree on the version', () => {
    const plugin = loadPlugin();
    const version = plugin.info.version;
    plugin.unload();
    assert.equal(version, (JSON.parse(read('package.json')) as { version: string }).version);
  });
});
