// stdin carries one line, the start request, then nothing until EOF, which means "stop now"
// (docs/engine-protocol.md, "Start request"). This module reads that line, checks its shape and reports
// EOF; the config inside is validated by src/config/config.ts.

import type { Readable } from 'node:stream';
import { StartRequestError } from './errors';
import { PROTOCOL_VERSION } from './frame';

export interface StartRequest {
  readonly protocol: number;
  /** init_config as the plugin received it, not yet validated. */
  readonly config: unknown;
  readonly openParams: string;
  /** 0n = start live; else the newest timeNano the plugin delivered. */
  readonly sinceNano: bigint;
  /** The times of the last events the plugin delivered (resume.deliveredNano), if given. */
  readonly deliveredNanos?: readonly bigint[];
}

export interface StdinSession {
  /** The start request; rejects with StartRequestError. */
  readonly request: Promise<StartRequest>;
  /** Resolves on stdin EOF (or error): stop now. Never rejects. */
  readonly eof: Promise<void>;
}

const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const MAX_U64 = 0xffff_ffff_ffff_ffffn;

/** Starts reading `stdin`: the first line becomes `request`, the end of the stream resolves `eof`. */
export function readStdin(stdin: Readable): StdinSession {
  let settleRequest!: { resolve: (r: StartRequest) => void; reject: (e: Error) => void };
  const request = new Promise<StartRequest>((resolve, reject) => {
    settleRequest = { resolve, reject };
  });
  // The caller may stop before looking at the request; never leave a rejection unhandled.
  request.catch(() => undefined);

  let done = false;
  const parts: Buffer[] = [];
  let bytes = 0;

  const onData = (chunk: Buffer): void => {
    if (done) return; // after the request, stdin carries nothing: discard
    const newline = chunk.indexOf(0x0a);
    const piece = newline === -1 ? chunk : chunk.subarray(0, newline);
    parts.push(piece);
    bytes += piece.length;
    if (newline === -1 && bytes <= MAX_REQUEST_BYTES) return;
    done = true;
    const line = Buffer.concat(parts);
    parts.length = 0;
    if (bytes > MAX_REQUEST_BYTES) {
      settleRequest.reject(new StartRequestError(`start request on stdin is longer than ${MAX_REQUEST_BYTES} bytes`));
      return;
    }
    try {
      settleRequest.resolve(parseStartRequest(line.toString('utf8')));
    } catch (err) {
      settleRequest.reject(err as Error);
    }
  };

  const eof = new Promise<void>((resolve) => {
    const finish = (): void => {
      if (!done) {
        done = true;
        settleRequest.reject(new StartRequestError('stdin closed before the start request arrived'));
      }
      resolve();
    };
    stdin.once('end', finish);
    stdin.once('close', finish);
    stdin.once('error', finish);
  });

  stdin.on('data', onData);
  return { request, eof };
}

/** Parses and checks one start request line. Throws StartRequestError. */
export function parseStartRequest(line: string): StartRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new StartRequestError(`start request on stdin is not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StartRequestError('start request on stdin must be a JSON object');
  }
  const req = value as Record<string, unknown>;
  if (req['protocol'] !== PROTOCOL_VERSION) {
    throw new StartRequestError(
      `start request protocol ${JSON.stringify(req['protocol'])} is not supported: this engine speaks ` +
        `protocol ${PROTOCOL_VERSION}; install the engine that came with the plugin`,
    );
  }
  const openParams = req['openParams'] ?? '';
  if (typeof openParams !== 'string') {
    throw new StartRequestError(`start request openParams must be a string (got ${JSON.stringify(openParams)})`);
  }
  return { protocol: PROTOCOL_VERSION, config: req['config'], openParams: openParams.trim(), ...parseResume(req['resume']) };
}

/** Times the plugin may list in resume.deliveredNano (it sends at most 512). */
const MAX_DELIVERED_NANOS = 4096;

function parseResume(resume: unknown): Pick<StartRequest, 'sinceNano' | 'deliveredNanos'> {
  if (resume === undefined || resume === null) return { sinceNano: 0n };
  const fields = typeof resume === 'object' ? (resume as Record<string, unknown>) : {};
  const since = fields['sinceNano'];
  if (!isNanos(since)) {
    throw new StartRequestError(
      `start request resume.sinceNano must be a decimal string of nanoseconds, "0" to start live ` +
        `(got ${JSON.stringify(since)})`,
    );
  }
  const delivered = fields['deliveredNano'];
  if (delivered === undefined) return { sinceNano: BigInt(since) };
  if (!Array.isArray(delivered) || delivered.length > MAX_DELIVERED_NANOS) {
    throw new StartRequestError(
      `start request resume.deliveredNano must be an array of at most ${MAX_DELIVERED_NANOS} timeNano strings ` +
        `(got ${Array.isArray(delivered) ? `${delivered.length} items` : JSON.stringify(delivered)})`,
    );
  }
  const bad = delivered.findIndex((t) => !isNanos(t));
  if (bad >= 0) {
    throw new StartRequestError(
      `start request resume.deliveredNano[${bad}] must be a decimal string of nanoseconds (got ${JSON.stringify(delivered[bad])})`,
    );
  }
  return { sinceNano: BigInt(since), deliveredNanos: (delivered as string[]).map((t) => BigInt(t)) };
}

function isNanos(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9]{1,20}$/.test(value) && BigInt(value) <= MAX_U64;
}
