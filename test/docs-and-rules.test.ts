// What users read and load stays true to the code: README's generated tables,
// the rules' fields, and the example falco.yaml.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { Plugin } from '../native/loader/index';
import { errorRows, libraryCatalog, README, regenerate } from '../scripts/docs';
import { ERROR_CODES } from '../src/errors';
import { loadPlugin } from './support/docker-plugin';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('documentation and rules', () => {
  it('README.md tables match the schema and the field table (run `npm run docs` after changing either)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    assert.equal(readme, regenerate(readme));
  });

  it('a code both the library and the engine report has one meaning, and README lists every code once', () => {
    const catalog = libraryCatalog();
    const engine = ERROR_CODES as Record<string, { logOnly: boolean; meaning: string }>;
    const shared = catalog.errors.filter((e) => e.code in engine);
    assert.ok(shared.some((e) => e.code === 'ERR_CONFIG_INVALID') && shared.some((e) => e.code === 'ERR_INTERNAL'));
    for (const e of shared) {
      assert.deepEqual({ logOnly: e.kind === 'log', meaning: e.meaning }, engine[e.code], `${e.code}: native/plugin/error_codes.h vs src/errors.ts`);
    }
    const [first] = shared;
    assert.ok(first);
    const drifted = { ...catalog, errors: catalog.errors.map((e) => (e === first ? { ...e, meaning: `${e.meaning}!` } : e)) };
    assert.throws(() => errorRows(drifted), new RegExp(`${first.code} differs`));

    const table = /<!-- errors:begin[^>]*-->\n([\s\S]*?)<!-- errors:end -->/.exec(fs.readFileSync(README, 'utf8'))?.[1] ?? '';
    const listed = [...table.matchAll(/^\| `(ERR_[A-Z_]+)`/gm)].map((m) => m[1]);
    const all = new Set([...Object.keys(engine), ...catalog.errors.map((e) => e.code)]);
    assert.deepEqual([...listed].sort(), [...all].sort());
  });

  it("README's metrics are the library's, with the kinds it gives Falco", () => {
    const plugin = loadPlugin();
    const state = plugin.init('{}');
    const metrics = state.metrics();
    state.destroy();
    plugin.unload();
    const kinds = { counter: 'monotonic', gauge: 'non_monotonic' };
    assert.deepEqual(
      metrics.map((m) => [m.name, m.type]),
      libraryCatalog().metrics.map((m) => [`docker.${m.name}`, kinds[m.kind]]),
    );
  });

  it('every docker.* field named in the rules exists in the plugin', () => {
    const plugin = loadPlugin();
    const fields = new Set(plugin.info.fields.map((f) => f.name));
    plugin.unload();
    const items = parseYaml(read('rules/docker_rules.yaml')) as Array<Record<string, unknown>>;
    const text = items.flatMap((i) => [i['condition'], i['output']]).filter((v) => typeof v === 'string').join('\n');
    const used = new Set([...text.matchAll(/\bdocker(?:\.[a-z0-9_]+)+/g)].map((m) => m[0]));
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

  it('every rule has a Falco priority and MITRE ATT&CK tags; a container rule names the container and its image', () => {
    const rules = (parseYaml(read('rules/docker_rules.yaml')) as Array<Record<string, unknown>>).filter((i) => 'rule' in i);
    const priorities = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFORMATIONAL', 'INFO', 'DEBUG'];
    for (const r of rules) {
      const name = String(r['rule']);
      assert.ok(priorities.includes(String(r['priority'])), `${name}: priority ${String(r['priority'])}`);
      const tags = r['tags'] as string[];
      assert.ok(Array.isArray(tags) && tags.includes('docker'), `${name}: tags`);
      // Operational rules (an exit code, a failed health check) and the Go plugin's rule map to no technique.
      if (!tags.includes('operational') && name !== 'Container status changed') {
        assert.ok(tags.some((t) => /^mitre_[a-z_]+$/.test(t)), `${name}: a mitre_<tactic> tag`);
        assert.ok(tags.some((t) => /^T\d{4}(\.\d{3})?$/.test(t)), `${name}: a T<technique> tag`);
      }
      if (tags.includes('container')) {
        for (const field of ['%docker.attributes.name', '%docker.actor.id', '%docker.attributes.image']) {
          assert.ok(String(r['output']).includes(field), `${name}: output names ${field}`);
        }
      }
    }
  });

  it("README's rules table lists every rule in load order, with its priority and MITRE tags", () => {
    const rules = (parseYaml(read('rules/docker_rules.yaml')) as Array<Record<string, unknown>>).filter((i) => 'rule' in i);
    const table = /<!-- rules:begin[^>]*-->\n([\s\S]*?)<!-- rules:end -->/.exec(read('README.md'))?.[1] ?? '';
    const rows = table.split('\n').slice(2).filter((l) => l.startsWith('| ')).map((l) => l.split(' | ').slice(0, 3).map((c) => c.replace(/^\| /, '')));
    assert.deepEqual(
      rows,
      rules.map((r) => {
        const mitre = (r['tags'] as string[]).filter((t) => t.startsWith('mitre_') || /^T\d/.test(t));
        return [String(r['rule']), String(r['priority']), mitre.length > 0 ? mitre.join(', ') : '—'];
      }),
    );
  });

  it('every list and macro a condition names is defined before it, and every one defined is used', () => {
    const items = parseYaml(read('rules/docker_rules.yaml')) as Array<Record<string, unknown>>;
    const defined = new Set<string>();
    const used = new Set<string>();
    for (const item of items) {
      const text = [item['condition'], item['items']].flat().filter((v) => typeof v === 'string').join(' ');
      for (const [ref] of text.matchAll(/\bdocker_[a-z0-9_]+/g)) {
        assert.ok(defined.has(ref), `${String(item['rule'] ?? item['macro'] ?? item['list'])} names ${ref} before it is defined`);
        used.add(ref);
      }
      const name = item['list'] ?? item['macro'];
      if (typeof name === 'string') defined.add(name);
    }
    assert.deepEqual([...defined].filter((n) => !used.has(n)), [], 'defined but unused');
    for (const name of ['docker_trusted_images', 'docker_privileged_images', 'docker_allowed_registries', 'docker_runtime_sockets',
      'docker_sensitive_mount_paths', 'docker_dangerous_capabilities', 'docker_unconfined_security_opts', 'docker_sensitive_ports',
      'docker_root_users', 'docker_shell_exec']) {
      assert.ok(defined.has(name), `users override ${name}`);
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

    // A new version in package.json rebuilds the library (its version object alone), and only a new one:
    // built into a copy of build/ with a package.json of another version.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-version-'));
    try {
      for (const entry of ['obj', 'gen', 'libdocker.so']) {
        fs.cpSync(path.join(ROOT, 'build', entry), path.join(out, entry), { recursive: true, preserveTimestamps: true });
      }
      const packageJson = path.join(out, 'package.json');
      fs.writeFileSync(packageJson, JSON.stringify({ version: '9.8.7-rebuilt' }));
      const library = path.join(out, 'libdocker.so');
      const make = (): void => {
        execFileSync('make', ['-s', '-C', path.join(ROOT, 'native'), `OUT=${out}`, `PACKAGE_JSON=${packageJson}`, library]);
      };
      const mtimes = (): Map<string, number> =>
        new Map(fs.readdirSync(path.join(out, 'obj')).map((f) => [f, fs.statSync(path.join(out, 'obj', f)).mtimeMs]));
      const before = mtimes();
      make();
      const after = mtimes();
      assert.deepEqual([...after].filter(([f, t]) => before.get(f) !== t).map(([f]) => f), ['version.o']);
      const rebuilt = new Plugin(library);
      assert.equal(rebuilt.info.version, '9.8.7-rebuilt');
      rebuilt.unload();
      const linked = fs.statSync(library).mtimeMs;
      make();
      assert.equal(fs.statSync(library).mtimeMs, linked, 'the same version again relinks nothing');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
