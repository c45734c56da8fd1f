// A Connection over a streaming HTTP answer (GET /events that answered 200): its body's bytes are the
// chunks. Any transport that reaches a daemon's event stream (unix socket, TCP, TLS) hands its answer here.

import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { StreamError, systemErrorCode } from '../src/errors';
import type { Connection, ConnectionInfo } from './transport';

export class HttpEventStream implements Connection {
  readonly finite = false;
  readonly chunks: Observable<Buffer>;
  private closed = false;
  /** A failure before anyone subscribed (the body must always have an 'error' listener). */
  private earlyFailure: Error | null = null;
  private readonly onEarlyError = (err: Error): void => {
    this.earlyFailure ??= err;
  };

  constructor(
    private readonly body: Readable,
    readonly info: ConnectionInfo,
  ) {
    body.on('error', this.onEarlyError);
    this.chunks = new Observable<Buffer>((subscriber) => {
      let ended = false;
      const broke = (err: Error | null): void => {
        const code = systemErrorCode(err);
        const why = err === null ? 'the connection closed' : code === 'ECONNRESET' ? 'the connection was reset' : err.message;
        subscriber.error(new StreamError(`the event stream from ${info.transport} broke: ${why}`, { cause: err }));
      };
      if (this.closed || this.earlyFailure !== null) {
        broke(this.earlyFailure);
        return undefined;
      }
      const onData = (chunk: Buffer): void => subscriber.next(chunk);
      const onEnd = (): void => {
        ended = true;
        subscriber.complete();
      };
      const onError = (err: Error): void => broke(err);
      const onClose = (): void => {
        if (!ended) broke(null);
      };
      body.on('data', onData);
      body.once('end', onEnd);
      body.on('error', onError);
      body.once('close', onClose);
      return () => {
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', onError);
        body.off('close', onClose);
        this.close();
      };
    });
  }

  // A push stream is never paused: a daemon drops events silently for a subscriber that stops reading for
  // 100 ms, so the engine keeps reading and its bounded buffer decides what to drop (src/frame-sink.ts).
  readonly pausable = false;

  pause(): void {}

  resume(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.body.destroy();
  }
}
