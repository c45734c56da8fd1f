// One sentence per init_config problem, worded exactly as the plugin library words it
// (native/plugin/config_problems.cpp); test/fixtures/config-cases.json holds both to it.

import { describeValue } from '../describe-value';

/** ['tls', 'ca'] names init_config.tls.ca. */
export type KeyPath = readonly string[];

const MIN_PREFIX_LENGTH = 4;
const MAX_EDIT_DISTANCE = 2;

export function notAnObjectProblem(config: unknown): string {
  return `init_config must be a JSON object (got ${describeValue(config)})`;
}

/** `key` of the object at `object` is none of `accepted` (its keys in schema order). */
export function unknownKeyProblem(object: KeyPath, key: string, accepted: readonly string[]): string {
  const match = nearMatch(key, accepted);
  const hint = match === undefined ? '' : ` (did you mean ${keyName([...object, match])}?)`;
  return `${keyName([...object, key])} is not a known key${hint}; ${keyName(object)} accepts ${accepted.join(', ')}`;
}

/** The value at `path` breaks `keyword`; `params` are ajv's for that keyword. */
export function ruleProblem(path: KeyPath, keyword: string, params: Record<string, unknown>, value: unknown): string {
  return `${keyName(path)} ${requirement(keyword, params)} (got ${describeValue(value)})`;
}

/** The problems in byte order (UTF-8, as the library sorts them). */
export function sortProblems(problems: readonly string[]): string[] {
  return [...problems].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

function keyName(path: KeyPath): string {
  return ['init_config', ...path].join('.');
}

function requirement(keyword: string, params: Record<string, unknown>): string {
  switch (keyword) {
    case 'type':
      return `must be ${withArticle(String(params['type']))}`;
    case 'minimum':
    case 'maximum':
      return `must be ${String(params['comparison'])} ${JSON.stringify(params['limit'])}`;
    case 'minLength':
      return 'must not be empty';
    case 'enum':
      return `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `breaks the schema's ${keyword} rule`;
  }
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/**
 * The same key ignoring case; else a key the unknown one begins, or one that begins it; else the first
 * of the nearest within two edits. Case is A-Z only and lengths are in code points, as in the library.
 */
function nearMatch(unknown: string, accepted: readonly string[]): string | undefined {
  const wanted = codePoints(asciiLower(unknown));
  const keys = accepted.map((k) => codePoints(asciiLower(k)));
  const rules: Array<(key: string[]) => boolean> = [
    (key) => key.join('') === wanted.join(''),
    (key) => wanted.length >= MIN_PREFIX_LENGTH && startsWith(key, wanted),
    (key) => key.length >= MIN_PREFIX_LENGTH && startsWith(wanted, key),
  ];
  for (const rule of rules) {
    const i = keys.findIndex(rule);
    if (i >= 0) return accepted[i];
  }
  let best: string | undefined;
  let bestDistance = MAX_EDIT_DISTANCE + 1;
  keys.forEach((key, i) => {
    const distance = editDistance(wanted, key);
    if (distance < bestDistance) [best, bestDistance] = [accepted[i], distance];
  });
  return best;
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function codePoints(text: string): string[] {
  return Array.from(text);
}

function startsWith(text: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= text.length && prefix.every((c, i) => text[i] === c);
}

function editDistance(a: readonly string[], b: readonly string[]): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
