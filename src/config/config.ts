// init_config, validated against the one schema (./schema.json) with the schema's defaults applied.
// The validator is compiled once, on first use; every problem is reported as one sentence naming the key,
// the rule and the value, e.g. `init_config.idleWaitMs must be <= 1000 (got 5000)`.

import { describeValue } from '../describe-value';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { ConfigInvalidError } from '../errors';
import type { LogLevel } from '../log';
import schema from './schema.json';

/** init_config after validation, defaults filled in. */
export interface EngineConfig {
  readonly nodePath?: string;
  readonly enginePath?: string;
  readonly openTimeoutMs: number;
  readonly idleWaitMs: number;
  readonly maxBatchEvents: number;
  readonly maxEventBytes: number;
  readonly bufferBytes: number;
  /** poll+ transports: time between two GET /events windows. */
  readonly pollIntervalMs: number;
  readonly logLevel: LogLevel;
  /** Used by the plugin library (where a capture resumes after a reload); the engine ignores them. */
  readonly stateDir: string;
  readonly stateMaxAgeSec: number;
  /** TLS to a daemon over TCP; when set it replaces DOCKER_TLS_VERIFY / DOCKER_CERT_PATH. */
  readonly tls?: TlsConfig;
  /** Accepted for compatibility with the Go plugin and ignored. */
  readonly flushInterval?: number;
  readonly flushinterval?: number;
}

/** init_config.tls: PEM file paths and whether to verify the daemon's certificate (default true). */
export interface TlsConfig {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly verify: boolean;
}

export const ACCEPTED_KEYS: readonly string[] = Object.keys(schema.properties);

let validator: ValidateFunction | null = null;

function compiled(): ValidateFunction {
  if (validator === null) {
    // strict: a schema mistake fails loudly (and in the tests) instead of being logged to stderr, which
    // would not be a well-formed log line.
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, logger: false });
    validator = ajv.compile(schema);
  }
  return validator;
}

/**
 * Validates `raw` (the start request's `config`; absent means `{}`) and returns it with defaults.
 * Throws ConfigInvalidError listing every problem.
 */
export function parseConfig(raw: unknown): EngineConfig {
  const data: unknown = raw === undefined ? {} : structuredClone(raw);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigInvalidError([`init_config must be a JSON object (got ${describeValue(data)})`]);
  }
  const validate = compiled();
  if (!validate(data)) {
    throw new ConfigInvalidError((validate.errors ?? []).map((e) => describeProblem(e, data)));
  }
  return data as EngineConfig;
}

function describeProblem(error: ErrorObject, data: unknown): string {
  const key = `init_config${error.instancePath.replace(/\//g, '.')}`;
  const got = `(got ${describeValue(valueAt(data, error.instancePath))})`;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const unknownKey = String(params['additionalProperty']);
      const accepted = acceptedKeysAt(error.instancePath);
      const hint = suggestKey(unknownKey, accepted);
      return (
        `${key} has unknown key "${unknownKey}"${hint ? ` (did you mean "${hint}"?)` : ''}; ` +
        `accepted keys: ${accepted.join(', ')}`
      );
    }
    case 'type':
      return `${key} must be ${article(String(params['type']))} ${got}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${key} must be ${String(params['comparison'])} ${String(params['limit'])} ${got}`;
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return `${key} must be one of ${allowed} ${got}`;
    }
    case 'minLength':
      return `${key} must not be empty ${got}`;
    default:
      return `${key} ${error.message ?? `fails ${error.keyword}`} ${got}`;
  }
}

/** The keys the schema accepts in the object at `pointer` (`""` = init_config itself, `/tls`…). */
interface SchemaNode {
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
}

function acceptedKeysAt(pointer: string): readonly string[] {
  let node: SchemaNode = schema;
  for (const segment of pointer.split('/').slice(1)) {
    node = node.properties?.[segment] ?? {};
  }
  return node.properties === undefined ? ACCEPTED_KEYS : Object.keys(node.properties);
}

function suggestKey(unknownKey: string, accepted: readonly string[]): string | undefined {
  const lower = unknownKey.toLowerCase();
  return (
    accepted.find((k) => k.toLowerCase() === lower) ??
    accepted.find((k) => lower.length >= 4 && k.toLowerCase().startsWith(lower)) ??
    accepted.find((k) => k.length >= 4 && lower.startsWith(k.toLowerCase()))
  );
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

