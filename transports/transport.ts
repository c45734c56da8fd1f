// The one interface every transport implements, and everything a transport and the engine exchange. A
// transport knows how to reach one source of Docker events (a local socket, TCP/TLS, a polled endpoint, a
// file to replay) and hands the engine a byte stream; it knows nothing of lines, events, frames or
// reconnect policy, which are the engine's (src/engine.ts). A transport imports this file, its siblings
// and the shared leaf modules (src/errors.ts, src/log.ts) only; the engine reaches transports through the
// registry (./index.ts). A new transport is one module plus one line in ./index.ts.

import type { Observable } from 'rxjs';
import type { Logger } from '../src/log';
import type { DockerHost } from './docker-host';

/** What the daemon says of itself (GET /version); empty strings for a source without a daemon (a file). */
export interface DaemonInfo {
  readonly version: string;
  readonly apiVersion: string;
}

/** What a connection reaches (READY's payload). */
export interface ConnectionInfo {
  readonly transport: string;
  readonly daemon: DaemonInfo;
}

/** How far a finite source got: bytes handed to the engine of the bytes there are. */
export interface Progress {
  readonly doneBytes: number;
  readonly totalBytes: number;
}

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
  readonly info: ConnectionInfo;
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

export interface LivenessRequest {
  /** The newest timeNano the stream delivered, or, before its first event, where the last check ended. */
  readonly afterNano: bigint | null;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** What the daemon says it published, asked on a connection of its own. */
export interface LivenessAnswer {
  /** The newest event the daemon published after afterNano, up to untilNano (null: none). */
  readonly newestNano: bigint | null;
  /** The daemon's time the answer covers (for the next check's afterNano while nothing was received). */
  readonly untilNano: bigint;
}

/** The Docker objects the engine inspects for container context (docs/enrichment.md). */
export type InspectKind = 'container' | 'exec' | 'image';

/** Inspects a transport sends to one daemon at once, on as many kept connections; the others wait. */
export const MAX_CONCURRENT_INSPECTS = 16;

export interface InspectRequest {
  readonly kind: InspectKind;
  /** The object's ID as the event names it (Actor.ID, the execID attribute, a container's Image). */
  readonly id: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface Transport {
  /** What it connects to, for messages and READY, e.g. `unix:///var/run/docker.sock`. */
  readonly target: string;
  /**
   * Daemon transports: the object's inspect answer (GET /containers|exec|images/{id}/json), parsed; null
   * when the daemon has no such object (404: already removed). Rejects with an EngineError otherwise.
   */
  inspect?(request: InspectRequest): Promise<unknown>;
  /**
   * Push transports: asks the daemon, on a fresh connection, which events it published after
   * `afterNano` (the engine's end-to-end liveness check of a quiet stream). Rejects with an EngineError
   * when the daemon does not answer within `timeoutMs`.
   */
  check?(request: LivenessRequest): Promise<LivenessAnswer>;
  /**
   * Establishes the stream: resolves once the source answered (for a daemon: the events request got
   * 200), rejects with an EngineError naming the target and what to do.
   */
  connect(request: ConnectRequest): Promise<Connection>;
}

/** One source: its transport and its address as written in open_params. */
export interface Endpoint {
  readonly given: string;
  readonly transport: Transport;
}

/**
 * What open_params selects: one endpoint, or several (a fan-in). The engine runs each endpoint on its own
 * (own reconnect loop, resume point and dedupe, so one failing source never interrupts the others) and,
 * in a fan-in, tags its events with the endpoint's address.
 */
export interface Sources {
  /** open_params as the engine names it: the one transport's target, or the endpoints as given. */
  readonly target: string;
  readonly endpoints: readonly Endpoint[];
  readonly fanIn: boolean;
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

/** init_config.tls: PEM file paths and whether to verify the daemon's certificate. */
export interface TlsOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly verify: boolean;
}

/** The keys of init_config (validated, defaults applied) that transports read. */
export interface TransportSettings {
  /** TLS to a daemon over TCP; when set it replaces DOCKER_TLS_VERIFY / DOCKER_CERT_PATH. */
  readonly tls?: TlsOptions;
  /** poll+ transports: time between the starts of two GET /events windows. */
  readonly pollIntervalMs: number;
  /** TCP and TLS: idle time before TCP keep-alive probes. */
  readonly keepAliveMs: number;
}

/** What a transport may take from the engine besides the address: its settings and the log. */
export interface TransportContext {
  readonly config: TransportSettings;
  readonly log: Logger;
}
