// The one interface every transport implements. A transport knows how to reach one source of Docker
// events (a local socket, TCP/TLS, a polled endpoint, a file to replay, several of them fanned in) and
// hands the engine a byte stream; it knows nothing of lines, events, frames or reconnect policy, which are
// the engine's (src/engine.ts). A new transport is one module plus one line in ./index.ts.

import type { Observable } from 'rxjs';
import type { EngineConfig } from '../src/config/config';
import type { ReadyInfo } from '../src/frame';
import type { Progress } from '../src/stats';
import type { Logger } from '../src/log';
import type { DockerHost } from './docker-host';

export interface ConnectRequest {
  /**
   * Replay from this Docker timeNano (inclusive, as the daemon's `since=` is); null = live only.
   * A transport that cannot replay ignores it (the engine drops repeats anyway).
   */
  readonly sinceNano: bigint | null;
  /** Give up waiting for the source after this long (EngineError ERR_DAEMON_UNREACHABLE). */
  readonly timeoutMs: number;
  /** Aborted when the engine stops: reject promptly (with signal.reason), release everything. */
  readonly signal: AbortSignal;
}

/** One established stream, from connect() until it ends or is closed. */
export interface Connection {
  /** READY's `transport` and `daemon`. */
  readonly info: ReadyInfo;
  /**
   * The stream's bytes: newline-delimited Docker event JSON. Chunk boundaries are arbitrary, but all
   * chunks of one connection form one byte stream (a fan-in transport emits whole lines per chunk).
   * Subscribing starts the flow (nothing is lost before); it completes when the source ends and errors
   * with an EngineError (usually ERR_STREAM) when it breaks. Subscribe once.
   */
  readonly chunks: Observable<Buffer>;
  /**
   * True when completion means "finished for good" (a replayed file reached its end: the engine sends END),
   * false when the source may come back (a daemon restart: the engine reconnects).
   */
  readonly finite: boolean;
  /**
   * Finite sources: how many of the source's bytes `chunks` has emitted so far, of how many (STATS
   * progressPct/progressText). Absent for live sources.
   */
  readonly progress?: () => Progress;
  /**
   * False for a push stream, which keeps reading while "paused" (a daemon drops events for a subscriber that
   * stops reading): the engine's bounded buffer then drops what does not fit. Absent = true.
   */
  readonly pausable?: boolean;
  /** Stop delivering chunks for now (backpressure): pull transports stop polling or reading. */
  pause(): void;
  resume(): void;
  /** Release everything; idempotent; chunks completes or is already done. */
  close(): void;
}

export interface Transport {
  /** What it connects to, for messages and READY, e.g. `unix:///var/run/docker.sock`. */
  readonly target: string;
  /**
   * Establishes the stream: resolves once the source answered (for a daemon: the events request got
   * 200), rejects with an EngineError naming the target and what to do.
   */
  connect(request: ConnectRequest): Promise<Connection>;
  /**
   * A fan-in (several sources in one open_params): its endpoints, each with the address as given. The
   * engine runs each endpoint on its own (own reconnect loop, resume point and dedupe, so one failing
   * source never interrupts the others) and tags its events with that address; connect() is the plain
   * merge of all of them, for a caller that wants one stream.
   */
  readonly endpoints?: readonly Endpoint[];
}

/** One source of a fan-in: its transport and its address as written in open_params. */
export interface Endpoint {
  readonly given: string;
  readonly transport: Transport;
}

/** How the registry (./index.ts) knows a transport. */
export interface TransportFactory {
  /** URL schemes it serves (without `://`). */
  readonly schemes: readonly string[];
  /** The accepted forms, listed in the message for a scheme nobody serves. */
  readonly forms: readonly string[];
  /** Builds the transport for a parsed host; throws OpenParamsError when the host is unusable. */
  create(host: DockerHost, env: NodeJS.ProcessEnv, context: TransportContext): Transport;
}

/** What a transport may take from the engine besides the address: init_config and the log. */
export interface TransportContext {
  readonly config: EngineConfig;
  readonly log: Logger;
}
