/**
 * Typed wrapper over the plugin_loader addon: loads any Falco plugin `.so`
 * the way Falco 0.44 / libsinsp do (checks, init, open, next_batch with
 * libscap's checks and writes, one-field-per-call extraction).
 *
 * Every failure is an `Error` with a stable `code` (see `PluginErrorCode`).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

export type PluginErrorCode =
  | 'ERR_PLUGIN_LOAD' // dlopen failed, or get_extract_event_sources is malformed
  | 'ERR_PLUGIN_API_VERSION' // required API version unparsable or not compatible with 3.12.0
  | 'ERR_PLUGIN_SYMBOL' // a required symbol is missing
  | 'ERR_PLUGIN_VERSION' // get_version is not X.Y.Z
  | 'ERR_PLUGIN_CAPABILITY' // no capability, a half capability, id/source mismatch, reserved source
  | 'ERR_PLUGIN_FIELDS' // get_fields rejected
  | 'ERR_PLUGIN_CONFIG' // init schema/config not valid JSON, or (validate: true) config against schema
  | 'ERR_PLUGIN_INIT' // init returned FAILURE
  | 'ERR_PLUGIN_OPEN' // open returned FAILURE
  | 'ERR_PLUGIN_OPEN_PARAMS' // list_open_params failed or is malformed
  | 'ERR_PLUGIN_STATE' // use after close/destroy/unload, concurrent next_batch, live children
  | 'ERR_PLUGIN_BATCH' // next_batch broke the contract (Falco would stop)
  | 'ERR_PLUGIN_EXTRACT' // bad field request or bad extraction result
  | 'ERR_PLUGIN_EVENT' // an event record handed in is malformed or not this plugin's
  | 'ERR_PLUGIN_COLLECT'; // collect(): EOF/FAILURE/deadline before the condition held

export interface PluginError extends Error {
  code: PluginErrorCode;
  /** ERR_PLUGIN_INIT: what the plugin logged during the failed init. */
  logs?: LogEntry[];
}

export interface CollectError extends PluginError {
  code: 'ERR_PLUGIN_COLLECT';
  reason: 'EOF' | 'FAILURE' | 'NOT_SUPPORTED' | 'deadline';
  events: PluginEvent[];
  batches: number;
}

export function isPluginError(e: unknown): e is PluginError {
  if (!(e instanceof Error)) return false;
  const code: unknown = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PLUGIN_');
}

export type Capability = 'sourcing' | 'extraction' | 'parsing' | 'async' | 'capture_listening';
export type FieldType = 'string' | 'uint64' | 'reltime' | 'abstime' | 'bool' | 'ipaddr' | 'ipnet';

export interface FieldInfo {
  /** Index in get_fields: the field_id sent to extract_fields. */
  id: number;
  name: string;
  type: FieldType;
  /** ss_plugin_field_type code (string 9, uint64 8, ...). */
  ftype: number;
  desc: string;
  display: string;
  isList: boolean;
  addOutput: boolean;
  arg: { isRequired: boolean; isIndex: boolean; isKey: boolean };
  properties: string[];
}

export interface PluginInfo {
  path: string;
  name: string;
  version: string;
  description: string;
  contact: string;
  requiredApiVersion: string;
  /** 0 when the plugin has no specific source. */
  id: number;
  eventSource: string;
  capabilities: Capability[];
  fields: FieldInfo[];
  /** get_init_schema's string, or null when absent/empty. */
  initSchema: string | null;
  initSchemaType: 'json' | 'none' | number;
  /** Declared extraction sources plus the plugin's own (as libsinsp resolves them). */
  extractEventSources: string[];
}

export type LogSeverity = 'fatal' | 'critical' | 'error' | 'warning' | 'notice' | 'info' | 'debug' | 'trace' | 'unknown';

export interface LogEntry {
  /** The component passed to log_fn, or the plugin name when NULL (as Falco prints it). */
  component: string;
  message: string;
  severity: LogSeverity;
  severityCode: number;
}

export interface Metric {
  /** "<plugin name>.<metric name>", as Falco names it. */
  name: string;
  type: 'monotonic' | 'non_monotonic';
  valueType: 'u32' | 's32' | 'u64' | 's64' | 'double' | 'float' | 'int' | 'unknown';
  /** bigint for u64/s64, null for an unknown value type. */
  value: number | bigint | null;
}

export interface OpenParam {
  value: string;
  desc: string;
  separator: string;
}

export type BatchRc = 'SUCCESS' | 'TIMEOUT' | 'EOF' | 'FAILURE' | 'NOT_SUPPORTED';

export interface PluginEvent {
  /** Host-assigned, increasing per state (shared by its instances), from 1. */
  evtnum: bigint;
  /** After the host's write: "now" when the plugin sent UINT64_MAX. */
  ts: bigint;
  /** After the host's write: the plugin's ID when it sent 0. */
  pluginId: number;
  /** The payload (event_data parameter): a view into `record`. */
  data: Buffer;
  /** The whole event as the host left it (header, lengths, plugin_id, payload). */
  record: Buffer;
  /** CLOCK_REALTIME (ns) right after the next_batch call returned. */
  returnedAtNs: bigint;
  /** True when the plugin sent ts = UINT64_MAX and the host stamped it. */
  hostStampedTs: boolean;
}

export interface Batch {
  rc: BatchRc;
  events: PluginEvent[];
  /** get_last_error after FAILURE / NOT_SUPPORTED. */
  error?: string;
  returnedAtNs: bigint;
}

export interface FieldRequest {
  /** "name", or "name[arg]" (then leave `arg` out). */
  name: string;
  arg?: string | number;
}

export type FieldValue = string | bigint | boolean | Buffer;

/** Anything with a record and an evtnum: a PluginEvent, or a record read back from disk. */
export interface ExtractableEvent {
  record: Buffer;
  evtnum: bigint;
}

export interface EventText {
  text: string;
  /** 'fallback': event_to_string is absent or returned "", this is libsinsp's `datalen=N data=...`. */
  source: 'plugin' | 'fallback';
}

export interface Progress {
  /** false when the plugin has no get_progress. */
  supported: boolean;
  /** Hundredths of a percent (0..10000). */
  pct: number;
  text: string;
}

export interface LoopOptions {
  durationMs?: number;
  maxEvents?: number;
  fields?: FieldRequest[];
}

export interface LoopResult {
  events: number;
  batches: number;
  timeouts: number;
  /** Code of the last next_batch call. */
  rc: BatchRc;
  /** The plugin's error (FAILURE) or the host's verdict (then errorCode is set). */
  error?: string;
  errorCode?: PluginErrorCode;
  /** returnedAtNs - ts per event whose ts the plugin set itself. */
  latencyNs: BigInt64Array;
  batchSizes: Uint32Array;
  extractCalls: number;
  extractedValues: number;
  elapsedNs: bigint;
  /** CPU of the loop thread. */
  cpuUserUs: number;
  cpuSysUs: number;
  /** CPU of the whole process during the loop (includes the plugin's own threads). */
  processCpuUserUs: number;
  processCpuSysUs: number;
}

export interface CollectOptions {
  /** Checked after every batch with everything collected so far. */
  until: (events: PluginEvent[]) => boolean;
  timeoutMs: number;
}

export interface InitOptions {
  /** Validate the config against the init schema with ajv first, as Falco does with valijson. */
  validate?: boolean;
}

// ----------------------------------------------------------------- native

interface NativeBatch {
  rc: BatchRc;
  error?: string;
  returnedAtNs: bigint;
  events: Array<Omit<PluginEvent, 'data'>>;
}

interface NativeInstance {
  nextBatch(): Promise<NativeBatch>;
  nextBatchSync(): NativeBatch;
  runLoop(durationMs: number, maxEvents: number, fields?: FieldRequest[]): Promise<LoopResult>;
  progress(): Progress;
  close(): void;
  isClosed(): boolean;
}

interface NativeState {
  drainLogs(): LogEntry[];
  metrics(): Metric[];
  lastError(): string;
  listOpenParams(): OpenParam[];
  destroy(): void;
  isDestroyed(): boolean;
  open(params: string): NativeInstance;
  openAsync(params: string): Promise<NativeInstance>;
  extract(record: Buffer, evtnum: bigint, fields: FieldRequest[]): Array<FieldValue[] | null>;
  extractInOneCall(record: Buffer, evtnum: bigint, fields: FieldRequest[]): Array<FieldValue[] | null>;
  eventToString(record: Buffer, evtnum: bigint): EventText;
  extractEventTypes(): number[];
  config(): string;
}

interface NativePlugin {
  info(): PluginInfo;
  init(config: string): NativeState;
  unload(): void;
  isUnloaded(): boolean;
  liveStates(): number;
}

interface NativeModule {
  NativePlugin: { new (libraryPath: string): NativePlugin; isResident(libraryPath: string): boolean };
  constants: { apiVersion: string; nevtsSentinel: number; payloadOffset: number; pluginEventType: number };
}

// A native addon can only be loaded with require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require(path.join(__dirname, '../../../native/loader/build/Release/plugin_loader.node')) as NativeModule;

/** Plugin API version this loader implements, and the ABI constants it uses. */
export const loaderConstants = Object.freeze({ ...native.constants });

function pluginError<C extends PluginErrorCode>(code: C, message: string): PluginError & { code: C } {
  return Object.assign(new Error(message), { code });
}

// ----------------------------------------------------------------- wrappers

export class Plugin {
  /** True when the library at `libraryPath` is mapped in this process. */
  static isResident(libraryPath: string): boolean {
    return native.NativePlugin.isResident(libraryPath);
  }

  readonly info: PluginInfo;
  readonly #native: NativePlugin;
  #validator: ValidateFunction | undefined;

  /** dlopen + every check Falco makes before init. Throws a PluginError. */
  constructor(libraryPath: string) {
    this.#native = new native.NativePlugin(libraryPath);
    this.info = Object.freeze(this.#native.info());
  }

  get unloaded(): boolean {
    return this.#native.isUnloaded();
  }

  /** States created by init() and not destroyed yet. */
  get liveStates(): number {
    return this.#native.liveStates();
  }

  /**
   * plugin_init. A YAML-map-like object is passed as JSON, as Falco does; an empty
   * config becomes "{}" when the plugin has a JSON schema. A second init while
   * another state lives gives a second, independent state.
   */
  init(config: string | object = '', options: InitOptions = {}): PluginState {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    if (options.validate) this.validateConfig(text);
    return new PluginState(this, this.#native.init(text));
  }

  /**
   * Falco's JSON-Schema check of an init config (ajv here, valijson in Falco). Throws
   * ERR_PLUGIN_CONFIG with `error in plugin <name> init config: In <json-path>, <reason>`.
   */
  validateConfig(config: string): void {
    const { name, initSchema, initSchemaType } = this.info;
    if (initSchemaType !== 'json' || !initSchema) return;
    let value: unknown;
    try {
      value = JSON.parse(config === '' ? '{}' : config);
    } catch {
      throw pluginError('ERR_PLUGIN_CONFIG', `error in plugin ${name}: init config is not a valid json`);
    }
    if (!this.#validator) {
      const ajv = new Ajv({ strict: false, allErrors: false });
      try {
        this.#validator = ajv.compile(JSON.parse(initSchema) as object);
      } catch (e) {
        throw pluginError('ERR_PLUGIN_CONFIG', `error in plugin ${name}: init schema rejected by ajv: ${(e as Error).message}`);
      }
    }
    if (!this.#validator(value)) {
      const first: ErrorObject | undefined = this.#validator.errors?.[0];
      if (!first) throw pluginError('ERR_PLUGIN_CONFIG', `error in plugin ${name} init config: failed parsing with provided schema`);
      const where = '<root>' + first.instancePath.split('/').slice(1).map((p) => `[${p.replace(/~1/g, '/').replace(/~0/g, '~')}]`).join('');
      const extra = first.keyword === 'additionalProperties' ? ` '${String(first.params.additionalProperty)}'` : '';
      throw pluginError('ERR_PLUGIN_CONFIG', `error in plugin ${name} init config: In ${where}, ${first.message ?? 'invalid'}${extra}`);
    }
  }

  /** dlclose. Throws ERR_PLUGIN_STATE while states are alive; idempotent. */
  unload(): void {
    this.#native.unload();
  }
}

export class PluginState {
  readonly plugin: Plugin;
  readonly #native: NativeState;

  /** Created by Plugin.init(). */
  constructor(plugin: Plugin, nativeState: NativeState) {
    this.plugin = plugin;
    this.#native = nativeState;
  }

  /** The config string init received (after the "" -> "{}" substitution). */
  get config(): string {
    return this.#native.config();
  }

  /** get_extract_event_types as called right after init (empty when absent). */
  get extractEventTypes(): number[] {
    return this.#native.extractEventTypes();
  }

  get destroyed(): boolean {
    return this.#native.isDestroyed();
  }

  /** Returns and clears what the plugin logged through log_fn (from any thread). */
  drainLogs(): LogEntry[] {
    return this.#native.drainLogs();
  }

  /** get_metrics, named "<plugin>.<metric>". Not serialised with other calls, as in Falco. */
  metrics(): Metric[] {
    return this.#native.metrics();
  }

  lastError(): string {
    return this.#native.lastError();
  }

  listOpenParams(): OpenParam[] {
    return this.#native.listOpenParams();
  }

  /** plugin_open with Falco's trimmed open_params. Throws ERR_PLUGIN_OPEN with the plugin's error. */
  open(params = ''): PluginInstance {
    return new PluginInstance(this, this.#native.open(params.trim()));
  }

  /** open() on a worker thread: the JS event loop keeps running while the plugin's open blocks. */
  async openAsync(params = ''): Promise<PluginInstance> {
    return new PluginInstance(this, await this.#native.openAsync(params.trim()));
  }

  /**
   * One extract_fields call per field (num_fields = 1), on a copy of the record.
   * Per field: null when the call fails or returns no value (or the event type is
   * outside the plugin's extraction types), else the values typed by field type.
   */
  extract(event: ExtractableEvent, fields: FieldRequest[]): Array<FieldValue[] | null> {
    return this.#native.extract(event.record, event.evtnum, fields);
  }

  /**
   * One extract_fields call for every field (num_fields = fields.length), as hosts other than
   * libsinsp may batch them; each result is read after the call returned. Same result shape as extract.
   */
  extractInOneCall(event: ExtractableEvent, fields: FieldRequest[]): Array<FieldValue[] | null> {
    return this.#native.extractInOneCall(event.record, event.evtnum, fields);
  }

  /** event_to_string, or libsinsp's fallback rendering (see EventText.source). */
  eventToString(event: ExtractableEvent): EventText {
    return this.#native.eventToString(event.record, event.evtnum);
  }

  /** plugin_destroy. Throws ERR_PLUGIN_STATE while instances are open; idempotent. */
  destroy(): void {
    this.#native.destroy();
  }
}

function toBatch(b: NativeBatch): Batch {
  const offset = native.constants.payloadOffset;
  const events: PluginEvent[] = b.events.map((e) => {
    const isPluginEvent = e.record.length >= offset && e.record.readUInt16LE(20) === native.constants.pluginEventType;
    return { ...e, data: e.record.subarray(isPluginEvent ? offset : e.record.length) };
  });
  const out: Batch = { rc: b.rc, events, returnedAtNs: b.returnedAtNs };
  if (b.error !== undefined) out.error = b.error;
  return out;
}

function preview(events: PluginEvent[]): string {
  const shown = events.slice(0, 10).map((e) => `#${e.evtnum} ${JSON.stringify(e.data.toString('utf8', 0, 60))}`);
  if (events.length > shown.length) shown.push(`... ${events.length - shown.length} more`);
  return `${events.length} event(s) arrived${shown.length ? ': ' + shown.join(', ') : ''}`;
}

export class PluginInstance {
  readonly state: PluginState;
  readonly #native: NativeInstance;

  /** Created by PluginState.open(). */
  constructor(state: PluginState, nativeInstance: NativeInstance) {
    this.state = state;
    this.#native = nativeInstance;
  }

  get closed(): boolean {
    return this.#native.isClosed();
  }

  /**
   * One next_batch call on a worker thread, with libscap's checks and host writes.
   * Contract violations reject with ERR_PLUGIN_BATCH (Falco would stop); a plugin
   * FAILURE resolves with rc 'FAILURE' and `error`.
   */
  async nextBatch(): Promise<Batch> {
    return toBatch(await this.#native.nextBatch());
  }

  /** nextBatch() on the calling thread (blocks for as long as the plugin does). */
  nextBatchSync(): Batch {
    return toBatch(this.#native.nextBatchSync());
  }

  /**
   * Calls next_batch back to back, again at once after TIMEOUT as Falco does, until
   * `until(events)` holds. Rejects with ERR_PLUGIN_COLLECT on EOF, FAILURE or when
   * timeoutMs passes (checked between calls), listing what arrived.
   */
  async collect({ until, timeoutMs }: CollectOptions): Promise<PluginEvent[]> {
    const deadline = performance.now() + timeoutMs;
    const events: PluginEvent[] = [];
    let batches = 0;
    let timeouts = 0;
    const name = this.state.plugin.info.name;
    const fail = (reason: CollectError['reason'], message: string): CollectError =>
      Object.assign(pluginError('ERR_PLUGIN_COLLECT', `collect: ${message}; ${preview(events)}`), { reason, events, batches });
    for (;;) {
      const batch = await this.nextBatch();
      batches++;
      if (batch.rc === 'TIMEOUT') timeouts++;
      events.push(...batch.events);
      if (until(events)) return events;
      if (batch.rc === 'EOF') throw fail('EOF', `plugin ${name} returned EOF before the condition held`);
      if (batch.rc === 'FAILURE' || batch.rc === 'NOT_SUPPORTED') {
        throw fail(batch.rc, `plugin ${name} returned ${batch.rc} (${batch.error ?? ''}) before the condition held`);
      }
      if (performance.now() >= deadline) {
        throw fail('deadline', `condition not met within ${timeoutMs} ms (${batches} next_batch call(s), ${timeouts} TIMEOUT)`);
      }
    }
  }

  /**
   * A Falco-like loop on a worker thread: next_batch back to back, host writes, one
   * extract_fields call per field per event on the plugin's own memory (live mode).
   * Stops at the first of durationMs / maxEvents / EOF / FAILURE / a refused batch;
   * with neither limit it runs until the plugin ends the stream.
   */
  async runLoop(options: LoopOptions = {}): Promise<LoopResult> {
    return this.#native.runLoop(options.durationMs ?? 0, options.maxEvents ?? 0, options.fields);
  }

  /** get_progress when present. */
  progress(): Progress {
    return this.#native.progress();
  }

  /** plugin_close. Throws ERR_PLUGIN_STATE while a next_batch call runs; idempotent. */
  close(): void {
    this.#native.close();
  }
}
