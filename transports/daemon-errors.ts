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
  TlsHandshakeError,
  TlsMismatchError,
  TlsVerifyError,
} from '../src/errors';
import { describeOrigin, type DockerHost } from './docker-host';
import type { TlsSettings } from './tls-settings';

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
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new DaemonUnreachableError(
      `cannot resolve the host name "${host.hostname ?? ''}" of the Docker daemon at ${host.url} (${code}${code === 'EAI_AGAIN' ? ': DNS did not answer' : ''}); ` +
        `check the name in ${where} and this host's DNS`,
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

function socketMissing(socketPath: string, where: string, cause?: unknown): SocketMissingError {
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

/** Node's codes for "the daemon's certificate does not chain to a trusted CA". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
/** Other certificate verification failures (OpenSSL's X509_V_ERR_* names as Node reports them). */
const CERT_PROBLEM = /^(CERT_|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE|HOSTNAME_MISMATCH|UNABLE_TO_)/;
/** A TLS client met a plain-text server: its answer ("HTTP/1.1 400…") is no TLS record. */
const NOT_TLS = /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|RECORD_LAYER_FAILURE|UNKNOWN_PROTOCOL)$/;
/** The daemon ended the handshake with an alert about our (missing) client certificate. */
const CLIENT_CERT_ALERT = /^ERR_SSL_.*ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/;

interface PeerCertificateError {
  readonly cert?: { readonly subject?: { readonly CN?: string | string[] }; readonly subjectaltname?: string };
}

/**
 * The meaning of a failure on a TLS connection, when it is a TLS one (else undefined). `used` says whether
 * a CA file and a client certificate were actually loaded (optional files from DOCKER_CERT_PATH may be absent).
 */
export function tlsFailure(
  err: unknown,
  host: DockerHost,
  settings: TlsSettings,
  used: { readonly ca: boolean; readonly cert: boolean },
): EngineError | undefined {
  const code = systemErrorCode(err) ?? '';
  const detail = err instanceof Error ? err.message : String(err);
  const name = host.hostname ?? 'localhost';
  if (UNTRUSTED.has(code)) {
    const where =
      settings.ca !== undefined && used.ca
        ? `the CA in ${settings.ca.path} (${settings.ca.from})`
        : `any CA Node.js trusts (no CA is configured${settings.ca !== undefined ? `: no ${settings.ca.path}` : ''})`;
    const fix = settings.ca?.from.startsWith('init_config') === true ? 'init_config.tls.ca' : 'init_config.tls.ca or ca.pem in DOCKER_CERT_PATH';
    return new TlsVerifyError(
      `certificate of ${name} is not signed by ${where} (${code}); the daemon at ${host.url} uses a certificate of ` +
        `another CA: set ${fix} to the CA that signed it (dockerd --tlscacert)`,
      { cause: err },
    );
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const cert = (err as PeerCertificateError).cert;
    const cn = cert?.subject?.CN;
    const names = [cert?.subjectaltname, cn !== undefined ? `CN=${Array.isArray(cn) ? cn.join(',') : cn}` : undefined]
      .filter((n) => n !== undefined && n !== '')
      .join('; ');
    return new TlsVerifyError(
      `certificate of the daemon at ${host.url} is not for ${name}: it names ${names || 'no host'}; connect with a name ` +
        `the certificate holds, or give dockerd a certificate whose subjectAltName includes ${name}`,
      { cause: err },
    );
  }
  if (CERT_PROBLEM.test(code)) {
    return new TlsVerifyError(`certificate of ${name} (the daemon at ${host.url}) fails verification: ${detail} (${code})`, { cause: err });
  }
  if (NOT_TLS.test(code)) {
    const plain =
      settings.reason === 'https://'
        ? 'write tcp:// instead of https://'
        : settings.reason === 'port 2376'
          ? 'write http:// instead of tcp://'
          : `remove ${settings.reason}`;
    return new TlsMismatchError(
      `the daemon at ${host.url} answered in plain HTTP, not TLS (TLS because of ${settings.reason}); to talk plain ` +
        `HTTP ${plain}, or use the daemon's TLS port (dockerd --tlsverify, usually 2376)`,
      { cause: err },
    );
  }
  const sentCert = used.cert;
  const rejected = CLIENT_CERT_ALERT.test(code);
  // Without a client certificate a daemon that wants one may also just hang up.
  const hungUp = !sentCert && (code === 'ECONNRESET' || code === 'EPIPE' || detail === 'socket hang up' || /before secure TLS connection/.test(detail));
  if (hungUp && !rejected) {
    return new TlsHandshakeError(
      `the daemon at ${host.url} closed the TLS connection (${code || detail}) and no client certificate is configured: ` +
        `a daemon running with --tlsverify requires one; ${settings.clientCertHint}`,
      { cause: err },
    );
  }
  if (rejected) {
    const how = `ended the TLS handshake (${code})`;
    if (!sentCert) {
      return new TlsHandshakeError(
        `the daemon at ${host.url} ${how}: it requires a client certificate, and none is configured; ${settings.clientCertHint}`,
        { cause: err },
      );
    }
    return new TlsHandshakeError(
      `the daemon at ${host.url} ${how}: it rejected the client certificate ${settings.cert?.path ?? ''} ` +
        `(${settings.cert?.from ?? ''}); it must be signed by the CA the daemon trusts (dockerd --tlscacert)`,
      { cause: err },
    );
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new TlsHandshakeError(`the TLS handshake with the daemon at ${host.url} failed: ${detail} (${code})`, { cause: err });
  }
  return undefined;
}

/** A plain HTTP request reached a TLS port: Go's server answers 400 with this text. */
export function plainAnsweredByTls(host: DockerHost, statusCode: number, body: string): EngineError | undefined {
  if (statusCode !== 400 || !body.includes('HTTP request to an HTTPS server')) return undefined;
  const address = `${host.hostname?.includes(':') ? `[${host.hostname}]` : host.hostname}:${host.port}`;
  return new TlsMismatchError(
    `the daemon at ${host.url} answered with TLS; configure TLS: tcp://${address} with init_config.tls ` +
      `(ca, cert, key) or with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or https://${address}`,
  );
}
