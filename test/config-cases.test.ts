// The one table of init_config cases (test/fixtures/config-cases.json), run against both validators: the
// engine's parseConfig and the plugin library's plugin_init, loaded as Falco loads it. Each must accept a
// case or report exactly its problems, worded and sorted alike. A case gives
//   config:   the init_config value (Falco hands it over as JSON text), or
//   text:     the exact text, for what JSON.parse does not keep as written (5.0, a repeated key);
//             "" is no init_config at all, which the host turns into {}
//   problems: every problem, sorted; [] means accepted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Plugin } from '../native/loader/index';
import { parseConfig } from '../src/config/config';
import schema from '../src/config/schema.json';
import { ConfigInvalidError } from '../src/errors';
import { loadPlugin } from './support/docker-plugin';

interface ConfigCase {
  readonly note?: string;
  readonly config?: unknown;
  readonly text?: string;
  readonly problems: readonly string[];
}

const CASES = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../test/fixtures/config-cases.json'), 'utf8'),
) as ConfigCase[];

const textOf = (c: ConfigCase): string => c.text ?? JSON.stringify(c.config);

function valueOf(c: ConfigCase): unknown {
  if (c.text === undefined) return c.config;
  return c.text === '' ? undefined : JSON.parse(c.text);
}

function title(c: ConfigCase): string {
  const text = textOf(c);
  const shown = text.length > 90 ? `${text.slice(0, 87)}...` : text;
  return c.note === undefined ? shown : `${c.note}: ${shown}`;
}

function engineProblems(value: unknown): readonly string[] {
  try {
    parseConfig(value);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigInvalidError);
    assert.equal(err.message, err.problems.join('; '));
    return err.problems;
  }
}

describe('the engine (parseConfig)', () => {
  for (const c of CASES) it(title(c), () => assert.deepEqual(engineProblems(valueOf(c)), c.problems));
});

describe('the library (plugin_init, after the host checked the exported schema)', () => {
  let plugin: Plugin;
  before(() => {
    plugin = loadPlugin();
  });
  after(() => plugin.unload());

  for (const c of CASES) {
    it(title(c), () => {
      if (c.problems.length === 0) {
        plugin.init(textOf(c), { validate: true }).destroy();
        return;
      }
      assert.throws(() => plugin.init(textOf(c), { validate: true }), {
        code: 'ERR_PLUGIN_INIT',
        message: `could not initialize plugin: ERR_CONFIG_INVALID: ${c.problems.join('; ')}`,
      });
    });
  }

  it('exports the schema as documentation only: titles, descriptions and defaults, no rule', () => {
    const exported = JSON.parse(plugin.info.initSchema ?? '') as Record<string, unknown>;
    assert.deepEqual(exported, documentationOf(schema));
  });

  it('hands null, "" and {} to the engine as {}', () => {
    // A stand-in node, found on PATH, that prints the start request and exits.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-node-'));
    fs.writeFileSync(path.join(dir, 'node'), '#!/bin/sh\nread -r request; echo "$request" >&2; exit 1\n', { mode: 0o755 });
    const savedPath = process.env['PATH'];
    try {
      for (const text of ['null', '', '""', '{}']) {
        process.env['PATH'] = dir;
        const state = plugin.init(text, { validate: true });
        process.env['PATH'] = savedPath;
        try {
          assert.throws(() => state.open(''), { code: 'ERR_PLUGIN_OPEN', message: /"config":\{\},/ }, text);
        } finally {
          state.destroy();
        }
      }
    } finally {
      process.env['PATH'] = savedPath;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What the library must export: the schema with only its documenting keywords, properties alike. */
function documentationOf(node: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === 'properties') {
      out[keyword] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, documentationOf(v as object)]));
    } else if (['$schema', 'title', 'description', 'default'].includes(keyword)) {
      out[keyword] = value;
    }
  }
  return out;
}
