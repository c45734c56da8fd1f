// Failures on the way to a Docker daemon → EngineErrors with a message saying what to do. Shared by every
// transport that talks HTTP to a daemon, so "connection refused" reads the same over a socket and TCP.

import {
  DaemonDownError,
  DaemonHttpError,
  DaemonUnreachableError,
  type EngineError,
  SocketMissingError,
  SocketPermissionError,
  systemErrorCode,
} from '../src/errors';
import { describeOrigin, type DockerHost } from './docker-host';

/** The request (or connect) failed before the daemon answered. */
export function connectError(err: unknown, host: DockerHost, request: string): EngineError {
  const code = systemErrorCode(err);
  const where = describeOrigin(host);
  const socketPath = host.socketPath;
  if (socketPath !== undefined && (code === 'ENOENT' || code === 'ENOTDIR')) {
    return socketMissing(socketPath, where, err);
  }
  if (socketPath !== undefined && (code === 'EACCES' || code === 'EPERM')) {
    return new SocketPermissionError(
      socketPath,
      `permission denied connecting to the Docker socket ${socketPath} (${where}); run Falco as root ` +
        `or as a member of the socket's group`,
      { cause: err },
    );
  }
  if (code === 'ECONNREFUSED') {
    return new DaemonDownError(
      `cannot connect to the Docker daemon at ${host.url}: connection refused; is dockerd running?`,
      { cause: err },
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new DaemonUnreachableError(
      `the Docker daemon at ${host.url} closed the connection during ${request} (${code}); ` +
        `is it restarting, or is ${where} really a Docker daemon?`,
      { cause: err },
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new DaemonUnreachableError(
    `cannot reach the Docker daemon at ${host.url} for ${request}: ${detail}${code && !detail.includes(code) ? ` (${code})` : ''}`,
    { cause: err },
  );
}

export function socketMissing(socketPath: string, where: string, cause?: unknown): SocketMissingError {
  return new SocketMissingError(
    socketPath,
    `Docker socket ${socketPath} does not exist (${where}); is dockerd running, and is this the socket it listens on?`,
    { cause },
  );
}

export function connectTimeout(host: DockerHost, request: string, timeoutMs: number): DaemonUnreachableError {
  return new DaemonUnreachableError(
    `no answer from the Docker daemon at ${host.url} to ${request} within ${timeoutMs} ms; ` +
      'is dockerd hung or overloaded? (init_config.openTimeoutMs sets the wait)',
  );
}

/** The daemon answered with an error status; `body` is its answer (Docker sends {"message": "…"}). */
export function httpError(host: DockerHost, request: string, statusCode: number, body: string): DaemonHttpError {
  const daemonMessage = daemonMessageOf(body);
  return new DaemonHttpError(
    statusCode,
    daemonMessage,
    `the Docker daemon at ${host.url} answered ${request} with HTTP ${statusCode}: ${daemonMessage || '(no message)'}`,
  );
}

function daemonMessageOf(body: string): string {
  const text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
      return (parsed as { message: string }).message;
    }
  } catch {
    // not JSON: the raw text is the message
  }
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
