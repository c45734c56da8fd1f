// init_config, validated against the one schema (./schema.json) with the schema's defaults applied.
// The validator is compiled from the schema at build time (./config-validator.js); every problem is
// reported as one sentence naming the key, the rule and the value, e.g. `init_config.idleWaitMs must be
// <= 1000 (got 5000)`, worded as the plugin library words it (./problems.ts).

import type { ErrorObject } from 'ajv';
import { ConfigInvalidError } from '../errors';
import type { LogLevel } from '../log';
import type { TransportSettings } from '../../transports/transport';
import { type KeyPath, notAnObjectProblem, ruleProblem, sortProblems, unknownKeyProblem } from './problems';
import validate from './config-validator';
import schema from './schema.json';

/** init_config after validation, defaults filled in (tls and pollIntervalMs: TransportSettings). */
export interface EngineConfig extends TransportSettings {
  readonly nodePath?: string;
  readonly enginePath?: string;
  readonly openTimeoutMs: number;
  readonly idleWaitMs: number;
  readonly maxBatchEvents: number;
  readonly maxEventBytes: number;
  readonly bufferBytes: number;
  readonly logLevel: LogLevel;
  /** Push streams: silence after which the engine checks with the daemon that the stream is alive (0: never). */
  readonly livenessIntervalMs: number;
  /** Container context for container events (docs/enrichment.md). */
  readonly enrichment: EnrichmentSettings;
  /** Used by the plugin library (where a capture resumes after a reload); the engine ignores them. */
  readonly stateDir: string;
  readonly stateMaxAgeSec: number;
  /** Accepted for compatibility with the Go plugin and ignored. */
  readonly flushInterval?: number;
  readonly flushinterval?: number;
}

export interface EnrichmentSettings {
  readonly enabled: boolean;
  /** Longest an event waits for its container's first inspect. */
  readonly waitMs: number;
  readonly maxContainers: number;
  readonly keepAfterDestroyMs: number;
}

/**
 * Validates `raw` (the start request's `config`) and returns it with defaults. Absent, null (Falco's
 * `init_config: {}`) and "" mean `{}`. Throws ConfigInvalidError listing every problem.
 */
export function parseConfig(raw: unknown): EngineConfig {
  const data: unknown = raw === undefined || raw === null || raw === '' ? {} : structuredClone(raw);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigInvalidError([notAnObjectProblem(data)]);
  }
  if (!validate(data)) throw new ConfigInvalidError(problemsOf(validate.errors ?? [], data));
  return data as EngineConfig;
}

/**
 * Every unknown key, and the first rule each value breaks (ajv also reports a range after a wrong type;
 * the library's validator stops at the first).
 */
function problemsOf(errors: readonly ErrorObject[], data: object): string[] {
  const unknownKeys: string[] = [];
  const brokenRules = new Map<string, string>();
  for (const error of errors) {
    const path = keyPath(error.instancePath);
    if (error.keyword === 'additionalProperties') {
      const key = String(error.params['additionalProperty']);
      unknownKeys.push(unknownKeyProblem(path, key, acceptedKeysAt(path)));
    } else if (!brokenRules.has(error.instancePath)) {
      const params = error.params as Record<string, unknown>;
      brokenRules.set(error.instancePath, ruleProblem(path, error.keyword, params, valueAt(data, path)));
    }
  }
  return sortProblems([...unknownKeys, ...brokenRules.values()]);
}

interface SchemaNode {
  readonly description?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
}

/** The keys the schema accepts in the object at `path`, in schema order. */
function acceptedKeysAt(path: KeyPath): string[] {
  let node: SchemaNode = schema;
  for (const key of path) node = node.properties?.[key] ?? {};
  return Object.keys(node.properties ?? {});
}

/** A JSON pointer (`/tls/ca`) as keys. */
function keyPath(pointer: string): KeyPath {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let node = data;
  for (const key of path) node = (node as Record<string, unknown>)[key];
  return node;
}
