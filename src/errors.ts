// Every failure the engine reports has a class here and a stable code. The code crosses the pipe to the
// plugin (ERROR frames, log lines) and ends up in Falco's log, so codes never change meaning; messages
// name the bad value and say what to do about it.

/**
 * Every code the engine reports, declared once: whether it is only logged (the engine goes on) or fails
 * the capture, and what it means for users. README's Errors table is generated from this record and the
 * library's own codes (native/plugin/error_codes.h) by `npm run docs`; a code both use has one meaning.
 */
export const ERROR_CODES = {
  ERR_CONFIG_INVALID: { logOnly: false, meaning: '`init_config` breaks the schema; the message names every problem, its key, the rule and the value' },
  ERR_OPEN_PARAMS: { logOnly: false, meaning: '`open_params` is not a form listed above' },
  ERR_SOCKET_MISSING: { logOnly: false, meaning: 'the socket file does not exist' },
  ERR_SOCKET_PERMISSION: { logOnly: false, meaning: 'Falco may not open the socket' },
  ERR_DAEMON_DOWN: { logOnly: false, meaning: 'nothing listens on the socket (dockerd stopped)' },
  ERR_DAEMON_HTTP: { logOnly: false, meaning: 'the daemon answered with an HTTP error; its message is included' },
  ERR_DAEMON_UNREACHABLE: { logOnly: false, meaning: 'the daemon did not answer in time (`openTimeoutMs`)' },
  ERR_TLS_CONFIG: { logOnly: false, meaning: 'a TLS certificate, key or CA file is missing or unreadable; the message names it and where its path came from' },
  ERR_TLS_VERIFY: { logOnly: false, meaning: "the daemon's certificate is not signed by the CA, or not for that host name" },
  ERR_TLS_HANDSHAKE: { logOnly: false, meaning: 'the daemon refused the TLS handshake (e.g. it requires a client certificate)' },
  ERR_TLS_MISMATCH: { logOnly: false, meaning: 'TLS spoken to a plain-HTTP daemon, or the reverse' },
  ERR_FILE: { logOnly: false, meaning: 'the file of a `file://` replay is missing, unreadable or not a regular file; the message names it' },
  ERR_STREAM: { logOnly: true, meaning: 'an established event stream broke (reset, aborted); the engine reconnects and resumes' },
  ERR_STREAM_STALLED: {
    logOnly: true,
    meaning: 'an event stream went silent while its daemon published events (a proxy, NAT or firewall dropped the connection): the engine replaces it and resumes (`livenessIntervalMs`)',
  },
  ERR_EVENTS_LOST: { logOnly: true, meaning: 'after a reconnect, older events may have been evicted by the daemon before the engine got back' },
  ERR_EVENTS_DROPPED: { logOnly: true, meaning: "Falco is so far behind that the engine's buffer is full: events are dropped and counted" },
  ERR_EVENT_MALFORMED: { logOnly: true, meaning: 'a line from the daemon is not a Docker event: dropped and counted' },
  ERR_EVENT_OVERSIZED: { logOnly: true, meaning: 'a line from the daemon is larger than `maxEventBytes`: dropped and counted' },
  ERR_INSPECT: {
    logOnly: true,
    meaning: "inspecting a container, exec or image for the event's container context failed (not because it was gone): the event goes on without it (`engine_enrichment_failed_events`)",
  },
  ERR_START_REQUEST: { logOnly: false, meaning: "the library's start request is missing, not JSON or not the engine's protocol: the library and the engine disagree; please report it with the message" },
  ERR_OUTPUT: { logOnly: false, meaning: 'the engine cannot write to the library (its frame pipe is missing or broke)' },
  ERR_INTERNAL: { logOnly: false, meaning: 'a bug in the library or the engine: please report it with the message' },
} as const satisfies Record<string, { readonly logOnly: boolean; readonly meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EngineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

/** The start request on stdin is missing, not JSON, or not protocol 1. */
export class StartRequestError extends EngineError {
  constructor(message: string) {
    super('ERR_START_REQUEST', message);
    this.name = 'StartRequestError';
  }
}

/** init_config does not match src/config/schema.json. `problems`: one sentence per problem, sorted. */
export class ConfigInvalidError extends EngineError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('ERR_CONFIG_INVALID', problems.join('; '));
    this.name = 'ConfigInvalidError';
    this.problems = problems;
  }
}

/** open_params (or DOCKER_HOST) names nothing the engine can connect to. */
export class OpenParamsError extends EngineError {
  constructor(message: string) {
    super('ERR_OPEN_PARAMS', message);
    this.name = 'OpenParamsError';
  }
}

/** The Docker socket file does not exist (or is not a socket). */
export class SocketMissingError extends EngineError {
  readonly socketPath: string;

  constructor(socketPath: string, message: string, options?: { cause?: unknown }) {
    super('ERR_SOCKET_MISSING', message, options);
    this.name = 'SocketMissingError';
    this.socketPath = socketPath;
  }
}

/** The Docker socket exists but this process may not connect to it. */
export class SocketPermissionError extends EngineError {
  readonly socketPath: string;

  constructor(socketPath: string, message: string, options?: { cause?: unknown }) {
    super('ERR_SOCKET_PERMISSION', message, options);
    this.name = 'SocketPermissionError';
    this.socketPath = socketPath;
  }
}

/** Nothing listens at the daemon's address (connection refused). */
export class DaemonDownError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DAEMON_DOWN', message, options);
    this.name = 'DaemonDownError';
  }
}

/** The daemon answered with an HTTP error status; `daemonMessage` is what it said. */
export class DaemonHttpError extends EngineError {
  readonly statusCode: number;
  readonly daemonMessage: string;

  constructor(statusCode: number, daemonMessage: string, message: string) {
    super('ERR_DAEMON_HTTP', message);
    this.name = 'DaemonHttpError';
    this.statusCode = statusCode;
    this.daemonMessage = daemonMessage;
  }
}

/** The daemon could not be reached for another reason (timeout, reset, unexpected answer). */
export class DaemonUnreachableError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DAEMON_UNREACHABLE', message, options);
    this.name = 'DaemonUnreachableError';
  }
}

/** A TLS setting cannot be used: a certificate, key or CA file is missing, unreadable or not valid PEM. */
export class TlsConfigError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TLS_CONFIG', message, options);
    this.name = 'TlsConfigError';
  }
}

/** The daemon's certificate failed verification (unknown CA, wrong host name, expired). */
export class TlsVerifyError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TLS_VERIFY', message, options);
    this.name = 'TlsVerifyError';
  }
}

/** The daemon refused or broke the TLS handshake (e.g. it requires a client certificate). */
export class TlsHandshakeError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TLS_HANDSHAKE', message, options);
    this.name = 'TlsHandshakeError';
  }
}

/** One side speaks TLS and the other plain HTTP: the daemon's port and the TLS settings disagree. */
export class TlsMismatchError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TLS_MISMATCH', message, options);
    this.name = 'TlsMismatchError';
  }
}

/** The file to replay (file:///…) is missing, unreadable or not a regular file; `path` names it. */
export class FileError extends EngineError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('ERR_FILE', message, options);
    this.name = 'FileError';
    this.path = path;
  }
}

/** An established event stream broke (reset, aborted). After READY the engine reconnects. */
export class StreamError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_STREAM', message, options);
    this.name = 'StreamError';
  }
}

/** A quiet event stream missed events its daemon published: the connection is dead (a log code). */
export class StreamStalledError extends EngineError {
  constructor(message: string) {
    super('ERR_STREAM_STALLED', message);
    this.name = 'StreamStalledError';
  }
}

/** fd 3 (the frame pipe to the plugin) is missing or broke. */
export class OutputError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_OUTPUT', message, options);
    this.name = 'OutputError';
  }
}

/** A bug: anything thrown that is not an EngineError. */
class InternalError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INTERNAL', message, options);
    this.name = 'InternalError';
  }
}

/** An inspect answer the engine cannot use (too large, not JSON) for an event's container context. */
export class InspectError extends EngineError {
  constructor(message: string) {
    super('ERR_INSPECT', message);
    this.name = 'InspectError';
  }
}

/** The error as an EngineError: itself if it is one, else wrapped as ERR_INTERNAL. */
export function asEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  if (err instanceof Error) return new InternalError(`internal error: ${err.message}`, { cause: err });
  return new InternalError(`internal error: ${String(err)}`, { cause: err });
}

/** `code` of a Node.js system error (ENOENT, ECONNREFUSED…), if any. */
export function systemErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
