// A Connection over a streaming HTTP response (GET /events that answered 200). Any transport that reaches
// a daemon over HTTP (unix socket, TCP, TLS) hands its response here.

import type { IncomingMessage } from 'node:http';
import { Observable } from 'rxjs';
import { StreamError, systemErrorCode } from '../src/errors';
import type { ReadyInfo } from '../src/frame';
import type { Connection } from './transport';

export class HttpEventStream implements Connection {
  readonly finite = false;
  readonly chunks: Observable<Buffer>;
  private closed = false;
  /** A failure before anyone subscribed (the response must always have an 'error' listener). */
  private earlyFailure: Error | null = null;
  private readonly onEarlyError = (err: Error): void => {
    this.earlyFailure ??= err;
  };

  constructor(
    private readonly response: IncomingMessage,
    readonly info: ReadyInfo,
  ) {
    response.on('error', this.onEarlyError);
    this.chunks = new Observable<Buffer>((subscriber) => {
      const res = this.response;
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
      res.on('data', onData);
      res.once('end', onEnd);
      res.on('error', onError);
      res.once('close', onClose);
      return () => {
        res.off('data', onData);
        res.off('end', onEnd);
        res.off('error', onError);
        res.off('close', onClose);
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
    this.response.destroy();
  }
}
