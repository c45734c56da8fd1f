// Every failure the engine reports has a class here and a stable code. The code crosses the pipe to the
// plugin (ERROR frames, log lines) and ends up in Falco's log, so codes never change meaning; messages
// name the bad value and say what to do about it.

export type ErrorCode =
  | 'ERR_START_REQUEST'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_OPEN_PARAMS'
  | 'ERR_SOCKET_MISSING'
  | 'ERR_SOCKET_PERMISSION'
  | 'ERR_DAEMON_DOWN'
  | 'ERR_DAEMON_HTTP'
  | 'ERR_DAEMON_UNREACHABLE'
  | 'ERR_TLS_CONFIG'
  | 'ERR_TLS_VERIFY'
  | 'ERR_TLS_HANDSHAKE'
  | 'ERR_TLS_MISMATCH'
  | 'ERR_FILE'
  | 'ERR_STREAM'
  | 'ERR_EVENT_MALFORMED'
  | 'ERR_EVENT_OVERSIZED'
  | 'ERR_EVENTS_LOST'
  | 'ERR_EVENTS_DROPPED'
  | 'ERR_OUTPUT'
  | 'ERR_INTERNAL';

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
