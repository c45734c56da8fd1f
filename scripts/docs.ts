// Regenerates README.md's tables from their one source each: the configuration from
// src/config/schema.json, the fields from the plugin's own get_fields, the metrics and the library's
// error codes from the tables the library is built with (build/docker-catalog prints them), the engine's
// error codes from src/errors.ts. `npm run docs` writes them; the tests check README.md is up to date.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import schema from '../src/config/schema.json';
import { ERROR_CODES } from '../src/errors';
import { loadPlugin } from '../test/support/docker-plugin';

export const README = path.join(__dirname, '..', '..', 'README.md');
export const CATALOG = path.join(__dirname, '..', '..', 'build', 'docker-catalog');

/** What build/docker-catalog prints (native/tools/print_catalog.cpp). */
export interface Catalog {
  errors: Array<{ code: string; kind: 'fatal' | 'log'; meaning: string }>;
  metrics: Array<{ name: string; kind: 'counter' | 'gauge'; meaning: string }>;
}

export function libraryCatalog(): Catalog {
  return JSON.parse(execFileSync(CATALOG, { encoding: 'utf8' })) as Catalog;
}

export interface ErrorRow {
  code: string;
  logOnly: boolean;
  meaning: string;
}

/**
 * Every error code once: the engine's (src/errors.ts), then the library's own. A code both report must
 * mean the same on both sides, else this throws.
 */
export function errorRows(catalog: Catalog = libraryCatalog()): ErrorRow[] {
  const rows = new Map<string, ErrorRow>();
  for (const [code, { logOnly, meaning }] of Object.entries(ERROR_CODES)) rows.set(code, { code, logOnly, meaning });
  for (const e of catalog.errors) {
    const row: ErrorRow = { code: e.code, logOnly: e.kind === 'log', meaning: e.meaning };
    const engine = rows.get(e.code);
    if (engine && (engine.meaning !== row.meaning || engine.logOnly !== row.logOnly)) {
      throw new Error(
        `${e.code} differs between src/errors.ts (${engine.logOnly ? 'log' : 'fatal'}: ${engine.meaning}) ` +
          `and native/plugin/error_codes.h (${e.kind}: ${e.meaning})`,
      );
    }
    if (!engine) rows.set(e.code, row);
  }
  return [...rows.values()];
}

interface SchemaProperty {
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description: string;
  properties?: Record<string, SchemaProperty>;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One row per key, an object's own keys right after it as `parent.key`. */
function configRows(properties: Record<string, SchemaProperty>, prefix = ''): string[] {
  return Object.entries(properties).flatMap(([key, p]) => {
    const type = p.enum ? p.enum.map((v) => `\`${v}\``).join(' \\| ') : (p.type ?? '');
    const range = p.minimum !== undefined && p.maximum !== undefined ? ` ${p.minimum}–${p.maximum}` : '';
    const dflt = p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``;
    const row = `| \`${prefix}${key}\` | ${type}${range} | ${dflt} | ${cell(p.description)} |`;
    return [row, ...(p.properties ? configRows(p.properties, `${prefix}${key}.`) : [])];
  });
}

export function configTable(): string {
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...configRows(schema.properties)].join('\n');
}

export function fieldsTable(): string {
  const plugin = loadPlugin();
  try {
    const rows = plugin.info.fields.map((f) => {
      const name = f.arg.isKey ? `${f.name}[key]` : f.name;
      return `| \`${name}\` | ${f.isList ? `${f.type} list` : f.type} | ${cell(f.desc)} |`;
    });
    return ['| field | type | value |', '|---|---|---|', ...rows].join('\n');
  } finally {
    plugin.unload();
  }
}

export function metricsTable(catalog: Catalog = libraryCatalog()): string {
  const rows = catalog.metrics.map((m) => `| \`${m.name}\` | ${m.kind} | ${cell(m.meaning)} |`);
  return ['| name | kind | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function errorsTable(catalog: Catalog = libraryCatalog()): string {
  const rows = errorRows(catalog).map((e) => `| \`${e.code}\`${e.logOnly ? ' (log)' : ''} | ${cell(e.meaning)} |`);
  return ['| code | meaning |', '|---|---|', ...rows].join('\n');
}

/** README text with each generated section replaced by its current content. */
export function regenerate(readme: string): string {
  const catalog = libraryCatalog();
  const sections: Record<string, string> = {
    config: configTable(),
    fields: fieldsTable(),
    metrics: metricsTable(catalog),
    errors: errorsTable(catalog),
  };
  let out = readme;
  for (const [name, table] of Object.entries(sections)) {
    const pattern = new RegExp(`(<!-- ${name}:begin[^>]*-->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!pattern.test(out)) throw new Error(`README.md has no ${name}:begin/${name}:end markers`);
    out = out.replace(pattern, (_m, begin: string, end: string) => `${begin}${table}\n${end}`);
  }
  return out;
}

if (require.main === module) {
  const before = fs.readFileSync(README, 'utf8');
  const after = regenerate(before);
  fs.writeFileSync(README, after);
  console.log(after === before ? 'README.md is up to date' : 'README.md tables regenerated');
}
