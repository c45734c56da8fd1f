// file:///abs/path.jsonl — replays a recording of Docker events, one JSON event per line, exactly as
// `docker events --format '{{json .}}'` writes it (the CLI re-encodes each event, so its bytes may differ
// from the daemon's API stream; each line's bytes are the payload, untouched).
//
// A finite source: at the end of the file the connection completes, the engine sends END and the plugin
// returns EOF. `progress` counts the bytes handed to the engine of the file's size (STATS progressPct).
// resume.sinceNano is ignored: the file is read from its start and the engine drops what was delivered.

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { ReadStream } from 'node:fs';
import { Observable } from 'rxjs';
import { FileError, OpenParamsError, StreamError, systemErrorCode } from '../src/errors';
import { describeOrigin, type DockerHost } from './docker-host';
import type { Connection, ConnectionInfo, ConnectRequest, Progress, Transport, TransportFactory } from './transport';

export const fileReplayTransport: TransportFactory = {
  schemes: ['file'],
  forms: ['file:///path/to/events.jsonl'],
  create: (host) => new FileReplayTransport(host),
};

const READ_CHUNK_BYTES = 64 * 1024;

class FileReplayTransport implements Transport {
  readonly target: string;
  readonly path: string;

  constructor(private readonly host: DockerHost) {
    // The rest is the path as written (no percent-decoding): file:///var/log/docker events.jsonl works.
    const path = host.rest;
    if (!path.startsWith('/') || path.includes('\0')) {
      throw new OpenParamsError(
        `${describeOrigin(host)} names the file "${path}", which is not an absolute path; expected file:///path/to/events.jsonl`,
      );
    }
    this.path = path;
    this.target = `file://${path}`;
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    request.signal.throwIfAborted();
    const where = describeOrigin(this.host);
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (err) {
      throw fileError(this.path, where, err);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        const what = stat.isDirectory() ? 'a directory' : 'not a regular file';
        throw new FileError(this.path, `${this.path} (${where}) is ${what}; expected a file of Docker events, one JSON per line`);
      }
      request.signal.throwIfAborted();
      return new FileReplay(handle, stat.size, this.target);
    } catch (err) {
      await handle.close();
      throw err instanceof FileError || request.signal.aborted ? err : fileError(this.path, where, err);
    }
  }
}

function fileError(path: string, where: string, err: unknown): FileError {
  const code = systemErrorCode(err);
  const why =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read: permission denied'
        : `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
  return new FileError(path, `the file ${path} (${where}) ${why}; expected a file of Docker events, one JSON per line`, { cause: err });
}

/** One pass over the file, from its start to its end. */
class FileReplay implements Connection {
  readonly finite = true;
  readonly info: ConnectionInfo;
  readonly chunks: Observable<Buffer>;
  private readonly stream: ReadStream;
  private doneBytes = 0;
  private closed = false;
  private subscribed = false;
  private held = false;

  constructor(
    handle: FileHandle,
    private readonly sizeBytes: number,
    target: string,
  ) {
    this.info = { transport: target, daemon: { version: '', apiVersion: '' } };
    // Paused until subscribed (and while the engine is behind): 'data' listeners do not resume it.
    this.stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: true });
    this.stream.pause();
    this.stream.on('error', () => undefined); // reported to the subscriber below, or nobody is listening
    this.chunks = new Observable<Buffer>((subscriber) => {
      const stream = this.stream;
      if (this.closed) {
        subscriber.error(new StreamError(`reading ${target} failed: the file was closed`));
        return undefined;
      }
      const onData = (chunk: string | Buffer): void => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk; // no encoding is set: always a Buffer
        this.doneBytes += bytes.length;
        subscriber.next(bytes);
      };
      const onEnd = (): void => subscriber.complete();
      const onError = (err: Error): void =>
        subscriber.error(new StreamError(`reading ${target} failed: ${err.message}`, { cause: err }));
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('error', onError);
      this.subscribed = true;
      if (!this.held) stream.resume();
      return () => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        this.close();
      };
    });
  }

  readonly progress = (): Progress => ({ doneBytes: this.doneBytes, totalBytes: Math.max(this.sizeBytes, this.doneBytes) });

  pause(): void {
    this.held = true;
    this.stream.pause();
  }

  resume(): void {
    this.held = false;
    if (this.subscribed) this.stream.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.destroy();
  }
}
