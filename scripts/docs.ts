// Regenerates README.md's configuration and field tables from their one
// source each: src/config/schema.json and the plugin's own get_fields.
// `npm run docs` writes them; the tests check README.md is up to date.
import fs from 'node:fs';
import path from 'node:path';
import schema from '../src/config/schema.json';
import { loadPlugin } from '../test/support/docker-plugin';

export const README = path.join(__dirname, '..', '..', 'README.md');

interface SchemaProperty {
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function configTable(): string {
  const rows = Object.entries(schema.properties as Record<string, SchemaProperty>).map(([key, p]) => {
    const type = p.enum ? p.enum.map((v) => `\`${v}\``).join(' \\| ') : (p.type ?? '');
    const range = p.minimum !== undefined && p.maximum !== undefined ? ` ${p.minimum}–${p.maximum}` : '';
    const dflt = p.default === undefined ? '' : `\`${JSON.stringify(p.default)}\``;
    return `| \`${key}\` | ${type}${range} | ${dflt} | ${cell(p.description)} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function fieldsTable(): string {
  const plugin = loadPlugin();
  try {
    const rows = plugin.info.fields.map((f) => {
      const name = f.arg.isKey ? `${f.name}[key]` : f.name;
      return `| \`${name}\` | ${f.type} | ${cell(f.desc)} |`;
    });
    return ['| field | type | value |', '|---|---|---|', ...rows].join('\n');
  } finally {
    plugin.unload();
  }
}

/** README text with each generated section replaced by its current content. */
export function regenerate(readme: string): string {
  const sections: Record<string, string> = { config: configTable(), fields: fieldsTable() };
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
