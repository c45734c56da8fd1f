// Runs the engine exactly as the plugin does: `node dist/src/main.js`, stdio [stdin, stdout, stderr, fd 3]
// all pipes, the start request written on stdin. Frames from fd 3 are decoded here by an independent
// little decoder (not src/frame.ts), log lines from stdout/stderr are collected, and tests await either
// by predicate with a bounded deadline (never a sleep).

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const ENGINE_PATH = path.resolve(__dirname, '../../src/main.js');

export const TYPE_EVENT = 322;
export const TYPE_READY = 0x8001;
export const TYPE_ERROR = 0x8002;
export const TYPE_STATS = 0x8003;
export const TYPE_END = 0x8004;
const KNOWN_TYPES = new Set([TYPE_EVENT, TYPE_READY, TYPE_ERROR, TYPE_STATS, TYPE_END]);
const ALL_ONES = 0xffffffffffffffffn;

export interface Frame {
  readonly ts: bigint;
  readonly type: number;
  readonly payload: Buffer;
}

/** Frame decoding, as the plugin does it: checks every header field the protocol fixes. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Frames completed by `chunk`; throws on a protocol violation. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= 38) {
      const p = this.pending;
      const ts = p.readBigUInt64LE(0);
      const tid = p.readBigUInt64LE(8);
      const len = p.readUInt32LE(16);
      const type = p.readUInt16LE(20);
      const nparams = p.readUInt32LE(22);
      const len1 = p.readUInt32LE(26);
      const len2 = p.readUInt32LE(30);
      const pluginId = p.readUInt32LE(34);
      if (tid !== ALL_ONES) throw new Error(`frame tid is ${tid}, expected all ones`);
      if (nparams !== 2) throw new Error(`frame nparams is ${nparams}`);
      if (len1 !== 4) throw new Error(`frame param 1 length is ${len1}`);
      if (len !== 38 + len2) throw new Error(`frame len ${len} != 38 + ${len2}`);
      if (pluginId !== 0) throw new Error(`frame plugin_id is ${pluginId}`);
      if (!KNOWN_TYPES.has(type)) throw new Error(`unknown frame type ${type}`);
      if (type !== TYPE_EVENT && ts !== ALL_ONES) throw new Error(`control frame ts is ${ts}`);
      if (p.length < len) break;
      frames.push({ ts, type, payload: Buffer.from(p.subarray(38, len)) });
      this.pending = p.subarray(len);
    }
    return frames;
  }

  get leftover(): number {
    return this.pending.length;
  }
}

export interface StartRequestInput {
  config?: unknown;
  openParams?: string;
  sinceNano?: string;
  deliveredNano?: string[];
}

export function startRequestLine(input: StartRequestInput): string {
  return `${JSON.stringify({
    protocol: 1,
    config: input.config ?? {},
    openParams: input.openParams ?? '',
    resume: { sinceNano: input.sinceNano ?? '0', ...(input.deliveredNano !== undefined ? { deliveredNano: input.deliveredNano } : {}) },
  })}\n`;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface EngineProcessOptions {
  /** Environment of the engine (default: this process's, without DOCKER_HOST). */
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Node options before the engine path (e.g. `--require` a fault injector). */
  nodeArgs?: string[];
}

interface Waiter {
  readonly check: () => boolean;
}

export class EngineProcess {
  readonly frames: Frame[] = [];
  readonly logLines: string[] = [];
  readonly exited: Promise<Exit>;
  protocolError: Error | null = null;
  exit: Exit | null = null;

  private readonly child: ChildProcess;
  private readonly frameStream: Readable;
  private readonly decoder = new FrameDecoder();
  private readonly statsDecoder = new FrameDecoder();
  private readonly waiters = new Set<Waiter>();
  private logTail = '';

  static start(request: StartRequestInput | string, options: EngineProcessOptions = {}): EngineProcess {
    const line = typeof request === 'string' ? request : startRequestLine(request);
    return new EngineProcess(line, options);
  }

  private constructor(line: string, options: EngineProcessOptions) {
    const env = options.env ?? withoutDockerHost(process.env);
    const spawnOptions: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'], env };
    if (options.uid !== undefined) spawnOptions.uid = options.uid;
    if (options.gid !== undefined) spawnOptions.gid = options.gid;
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), ENGINE_PATH], spawnOptions);
    this.frameStream = this.child.stdio[3] as Readable;
    this.frameStream.on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.decoder.push(chunk));
      } catch (err) {
        this.protocolError ??= err as Error;
      }
      this.notify();
    });
    // STATS frames come on fd 4, as the plugin reads them; the tests see one list of frames.
    (this.child.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      try {
        this.frames.push(...this.statsDecoder.push(chunk));
      } catch (err) {
        this.protocolError ??= err as Error;
      }
      this.notify();
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        const all = this.logTail + text;
        const lines = all.split('\n');
        this.logTail = lines.pop() ?? '';
        this.logLines.push(...lines);
        this.notify();
      });
    }
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        if (this.logTail !== '') this.logLines.push(this.logTail);
        this.notify();
        resolve(this.exit);
      });
    });
    const stdin = this.child.stdin as Writable;
    stdin.on('error', () => undefined); // the engine may exit before reading it
    stdin.write(line);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes stdin: "stop now". */
  closeStdin(): void {
    this.child.stdin?.end();
  }

  /** Stops reading fd 3 (the plugin is busy), or reads again. */
  pauseFrames(): void {
    this.frameStream.pause();
  }

  resumeFrames(): void {
    this.frameStream.resume();
  }

  kill(): void {
    if (this.exit === null) this.child.kill('SIGKILL');
  }

  framesOf(type: number): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** The first frame (received so far or later) matching `predicate`. */
  waitFrame(predicate: (frame: Frame) => boolean, what: string, timeoutMs = 10_000): Promise<Frame> {
    return this.waitFor(() => this.frames.find(predicate), what, timeoutMs);
  }

  waitFrameOfType(type: number, timeoutMs = 10_000): Promise<Frame> {
    return this.waitFrame((f) => f.type === type, `a frame of type 0x${type.toString(16)}`, timeoutMs);
  }

  waitLog(predicate: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return this.waitFor(() => this.logLines.find(predicate), what, timeoutMs);
  }

  waitExit(timeoutMs = 10_000): Promise<Exit> {
    return this.waitFor(() => this.exit ?? undefined, 'the engine to exit', timeoutMs);
  }

  /** Resolves when `probe` returns something; rejects after `timeoutMs` with what was seen. */
  waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (this.protocolError !== null) {
            done();
            reject(this.protocolError);
            return true;
          }
          const found = probe();
          if (found === undefined) {
            if (this.exit === null) return false;
            // Everything the engine wrote was read before 'close': it will not come any more.
            done();
            reject(new Error(`the engine exited before ${what}\n${this.describe()}`));
            return true;
          }
          done();
          resolve(found);
          return true;
        },
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  /** Frames and log lines seen so far, for failure messages. */
  describe(): string {
    const frames = this.frames
      .slice(-20)
      .map((f) => `  frame type=0x${f.type.toString(16)} ts=${f.ts} ${f.payload.toString('utf8').slice(0, 300)}`);
    return [
      `exit: ${JSON.stringify(this.exit)}`,
      `frames (${this.frames.length}, last 20):`,
      ...frames,
      `log lines (${this.logLines.length}):`,
      ...this.logLines.slice(-30).map((l) => `  ${l}`),
    ].join('\n');
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }
}

export function withoutDockerHost(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy['DOCKER_HOST'];
  return copy;
}

export function json(frame: Frame): Record<string, unknown> {
  return JSON.parse(frame.payload.toString('utf8')) as Record<string, unknown>;
}
