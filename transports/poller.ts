// The polling connection: the first window's answer, then one window per interval (./event-windows.ts
// says which). Its chunks are the windows' bodies back to back (a body not ending in a newline gets one, so
// windows never join lines). Pausing holds the current body and the next request; closing ends both.

import { setTimeout as sleep } from 'node:timers/promises';
import { Observable, type Subscriber } from 'rxjs';
import { EngineError, StreamError } from '../src/errors';
import type { IncomingMessage } from 'node:http';
import type { EventWindows } from './event-windows';
import type { Connection, ConnectionInfo } from './transport';

const LF = 0x0a;
const NEWLINE = Buffer.from('\n');

/**
 * The polling connection: the first window's body, then one window per interval. Its chunks are the
 * windows' bodies back to back (a body not ending in a newline gets one, so windows never join lines).
 */
export class Poller implements Connection {
  readonly finite = false;
  readonly chunks: Observable<Buffer>;
  private readonly stop = new AbortController();
  private firstIncomingMessage: IncomingMessage | null = null;
  private body: IncomingMessage | null = null;
  private held = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly windows: EventWindows,
    readonly info: ConnectionInfo,
    /** From the start of one window to the start of the next. */
    private readonly intervalMs: number,
  ) {
    this.chunks = new Observable<Buffer>((subscriber) => {
      void this.run(subscriber);
      return () => this.close();
    });
  }

  /** Reads the first window's answer (READY waits for it). */
  async first(signal: AbortSignal): Promise<void> {
    this.firstIncomingMessage = await this.windows.next(signal);
  }

  pause(): void {
    this.held = true;
    this.body?.pause();
  }

  resume(): void {
    this.held = false;
    this.body?.resume();
    this.wake?.();
  }

  close(): void {
    if (this.stop.signal.aborted) return;
    this.stop.abort(new StreamError(`polling ${this.info.transport} stopped`));
    this.firstIncomingMessage?.destroy();
    this.body?.destroy();
    this.wake?.();
  }

  private async run(subscriber: Subscriber<Buffer>): Promise<void> {
    const signal = this.stop.signal;
    try {
      let body = this.firstIncomingMessage;
      this.firstIncomingMessage = null;
      let startedAt = performance.now();
      while (body !== null && !signal.aborted) {
        await this.emit(body, subscriber);
        const due = startedAt + this.intervalMs - performance.now();
        if (due > 0) await sleep(due, undefined, { signal });
        await this.whileHeld();
        if (signal.aborted) break;
        startedAt = performance.now();
        body = await this.windows.next(signal);
      }
    } catch (err) {
      if (signal.aborted) return;
      subscriber.error(
        err instanceof EngineError
          ? err
          : new StreamError(`polling ${this.info.transport} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
      );
    }
  }

  /** Hands `body`'s bytes to the subscriber (pausable) until it ends. */
  private emit(body: IncomingMessage, subscriber: Subscriber<Buffer>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.body = body;
      let last = LF;
      let lines = 0;
      const done = (err: Error | null): void => {
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        body.off('close', onClose);
        this.body = null;
        if (err === null) resolve();
        else reject(err);
      };
      const onData = (chunk: Buffer): void => {
        if (chunk.length === 0) return;
        last = chunk[chunk.length - 1];
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) lines++;
        subscriber.next(chunk);
      };
      const onEnd = (): void => {
        if (last !== LF) {
          lines++;
          subscriber.next(NEWLINE);
        }
        this.windows.counted(lines);
        done(null);
      };
      const onError = (err: Error): void =>
        done(new StreamError(`the events window from ${this.info.transport} broke: ${err.message}`, { cause: err }));
      const onClose = (): void =>
        done(
          this.stop.signal.aborted
            ? (this.stop.signal.reason as Error)
            : new StreamError(`the events window from ${this.info.transport} broke: it closed before its end`),
        );
      body.on('data', onData);
      body.once('end', onEnd);
      body.once('error', onError);
      body.once('close', onClose);
      if (this.held) body.pause();
    });
  }

  /** Resolves once the engine is not holding the flow (or the poller closed). */
  private whileHeld(): Promise<void> {
    if (!this.held || this.stop.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}
