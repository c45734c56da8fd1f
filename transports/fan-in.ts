// Several sources in one open_params, separated by commas, e.g.
// `unix:///var/run/docker.sock,tcp://10.0.0.2:2375,file:///recordings/a.jsonl`. Each endpoint is built
// through the registry like a lone open_params (any transport, but not another fan-in); an empty one or
// one naming a daemon already listed is refused. The engine runs each endpoint on its own (its own
// reconnect loop, resume point and dedupe: src/endpoint-runner.ts) and adds `"host":"<endpoint as given>"`
// to each event, so a daemon that goes away never holds up the others. connect() below is the plain
// merge, for a caller that wants one stream: whole lines per chunk, ends when all ended, breaks when one broke.

import { merge, Observable, type OperatorFunction } from 'rxjs';
import { OpenParamsError } from '../src/errors';
import type { ReadyInfo } from '../src/frame';
import type { Progress } from '../src/stats';
import type { Connection, ConnectRequest, Endpoint, Transport } from './transport';

export const FAN_IN_SEPARATOR = ',';

export class FanInTransport implements Transport {
  readonly target: string;

  constructor(readonly endpoints: readonly Endpoint[]) {
    this.target = endpoints.map((e) => e.given).join(FAN_IN_SEPARATOR);
  }

  async connect(request: ConnectRequest): Promise<Connection> {
    const attempt = new AbortController();
    const onStop = (): void => attempt.abort(request.signal.reason);
    request.signal.addEventListener('abort', onStop, { once: true });
    let failure: { error: unknown } | null = null;
    const results = await Promise.allSettled(
      this.endpoints.map((e) =>
        e.transport.connect({ ...request, signal: attempt.signal }).catch((err: unknown) => {
          if (failure === null) {
            failure = { error: err };
            attempt.abort(err);
          }
          throw err;
        }),
      ),
    );
    request.signal.removeEventListener('abort', onStop);
    const connections = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (failure === null && connections.length === results.length) return new MergedConnection(this.target, connections);
    for (const c of connections) c.close();
    throw (failure as { error: unknown } | null)?.error ?? request.signal.reason;
  }
}

/** Splits open_params on commas and builds each endpoint with `build` (the registry). */
export function parseFanIn(openParams: string, build: (endpoint: string) => Transport): FanInTransport {
  const parts = openParams.split(FAN_IN_SEPARATOR).map((p) => p.trim());
  const seen = new Map<string, string>();
  const endpoints = parts.map((given, i): Endpoint => {
    if (given === '') {
      throw new OpenParamsError(
        `open_params "${openParams}" has an empty endpoint (number ${i + 1}); separate endpoints with single commas, ` +
          'e.g. unix:///var/run/docker.sock,tcp://10.0.0.2:2375',
      );
    }
    const transport = build(given);
    const key = daemonKey(transport.target);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new OpenParamsError(
        `open_params "${openParams}" lists the same source twice ("${earlier}" and "${given}" both reach ${key}); ` +
          'name each daemon or file once',
      );
    }
    seen.set(key, given);
    return { given, transport };
  });
  return new FanInTransport(endpoints);
}

/** One daemon reached two ways (streamed and polled, tcp:// and http://) is still one daemon. */
function daemonKey(target: string): string {
  return target.replace(/^poll\+/, '').replace(/^(?:https?|tcp):\/\//, 'tcp://');
}

class MergedConnection implements Connection {
  readonly info: ReadyInfo;
  readonly finite: boolean;
  readonly pausable: boolean;
  readonly chunks: Observable<Buffer>;
  readonly progress?: () => Progress;

  constructor(
    target: string,
    private readonly connections: readonly Connection[],
  ) {
    const distinct = (values: string[]): string => [...new Set(values.filter((v) => v !== ''))].join(',');
    this.info = {
      transport: target,
      daemon: {
        version: distinct(connections.map((c) => c.info.daemon.version)),
        apiVersion: distinct(connections.map((c) => c.info.daemon.apiVersion)),
      },
    };
    this.finite = connections.every((c) => c.finite);
    this.pausable = connections.every((c) => c.pausable !== false);
    this.chunks = merge(...connections.map((c) => c.chunks.pipe(wholeLines())));
    const counted = connections.flatMap((c) => (c.progress !== undefined ? [c.progress] : []));
    if (counted.length > 0) {
      this.progress = () =>
        counted.reduce<Progress>((sum, p) => {
          const { doneBytes, totalBytes } = p();
          return { doneBytes: sum.doneBytes + doneBytes, totalBytes: sum.totalBytes + totalBytes };
        }, { doneBytes: 0, totalBytes: 0 });
    }
  }

  pause(): void {
    for (const c of this.connections) c.pause();
  }

  resume(): void {
    for (const c of this.connections) c.resume();
  }

  close(): void {
    for (const c of this.connections) c.close();
  }
}

const LF = 0x0a;

/** Re-chunks a byte stream into whole lines (a tail without newline is held, and ended at completion). */
export function wholeLines(): OperatorFunction<Buffer, Buffer> {
  return (source) =>
    new Observable<Buffer>((subscriber) => {
      let tail: Buffer[] = [];
      return source.subscribe({
        next: (chunk) => {
          const cut = chunk.lastIndexOf(LF);
          if (cut === -1) {
            tail.push(chunk);
            return;
          }
          const lines = tail.length === 0 ? chunk.subarray(0, cut + 1) : Buffer.concat([...tail, chunk.subarray(0, cut + 1)]);
          tail = cut + 1 < chunk.length ? [chunk.subarray(cut + 1)] : [];
          subscriber.next(lines);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          if (tail.length > 0) subscriber.next(Buffer.concat([...tail, Buffer.from('\n')]));
          tail = [];
          subscriber.complete();
        },
      });
    });
}
