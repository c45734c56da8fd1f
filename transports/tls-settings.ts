// Which TLS a TCP daemon address gets, and its certificate files. Explicit wins: init_config.tls, when set,
// is the whole TLS configuration (tcp:// then means TLS); otherwise Docker's conventions as ./docker-host.ts
// read them (https://, DOCKER_TLS_VERIFY, DOCKER_TLS, port 2376; files ca.pem, cert.pem, key.pem in
// DOCKER_CERT_PATH, default ~/.docker). Nothing here falls back to plain text: http:// with TLS asked for
// is refused, and a file that cannot be read is an error (ERR_TLS_CONFIG) naming it and where it came from.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OpenParamsError, systemErrorCode, TlsConfigError } from '../src/errors';
import { describeOrigin, type DockerHost } from './docker-host';
import type { TlsOptions } from './transport';

/** One PEM file and where its path came from, for messages. */
export interface TlsFile {
  readonly path: string;
  /** `init_config.tls.cert`, `DOCKER_CERT_PATH=/certs`, `the default DOCKER_CERT_PATH /root/.docker`. */
  readonly from: string;
  /** A missing file is an error (else the file is used when it exists). */
  readonly required: boolean;
}

export interface TlsSettings {
  /** What asked for TLS, for messages: `init_config.tls`, `https://`, `DOCKER_TLS_VERIFY`, `port 2376`. */
  readonly reason: string;
  /** Verify the daemon's certificate (CA and host name). */
  readonly verify: boolean;
  readonly ca?: TlsFile;
  readonly cert?: TlsFile;
  readonly key?: TlsFile;
  /** How to give a client certificate, for messages. */
  readonly clientCertHint: string;
}

/** The warning for init_config.tls given with a local socket, which it cannot apply to. */
export function tlsForSocketWarning(target: string): string {
  return `init_config.tls is not used: ${target} is a local socket, not TCP`;
}

/** The warning for TLS without verification of the daemon's certificate, or null when it is verified. */
export function unverifiedTlsWarning(target: string, tls: TlsSettings | null): string | null {
  if (tls === null || tls.verify) return null;
  const why = tls.reason === 'init_config.tls' ? 'init_config.tls.verify is false' : 'DOCKER_TLS is set without DOCKER_TLS_VERIFY';
  return `TLS to ${target} does not verify the daemon's certificate (${why}): anyone on the path can read and ` +
    "forge its events; set verify to true with the daemon's CA";
}

/** The PEM contents of the files that exist (optional ones may be absent). */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

const EXPLICIT_HINT = 'set init_config.tls.cert and init_config.tls.key';
const ENV_HINT = 'put cert.pem and key.pem in DOCKER_CERT_PATH';

/**
 * TLS for `host` (null: plain TCP or a unix socket). Throws OpenParamsError when http:// meets TLS
 * settings, TlsConfigError when init_config.tls names cert without key or key without cert.
 */
export function resolveTls(host: DockerHost, explicit: TlsOptions | undefined, schemePrefix = ''): TlsSettings | null {
  if (host.socketPath !== undefined) return null;
  if (host.scheme === 'http') {
    const asking = explicit !== undefined ? 'init_config.tls' : host.envTls;
    if (asking === undefined) return null;
    const address = `${host.hostname?.includes(':') ? `[${host.hostname}]` : host.hostname}:${host.port}`;
    throw new OpenParamsError(
      `${describeOrigin(host)} asks for plain HTTP, but ${asking} asks for TLS; write ${schemePrefix}tcp://${address} or ` +
        `${schemePrefix}https://${address} for TLS, or remove ${asking} for plain HTTP`,
    );
  }
  if (explicit !== undefined) return fromInitConfig(explicit);
  if (host.tls === undefined) return null;

  const { certPath, certPathFrom, verify, required } = host.tls;
  const from = certPathFrom === 'DOCKER_CERT_PATH' ? `DOCKER_CERT_PATH=${certPath}` : `the default DOCKER_CERT_PATH ${certPath}`;
  const file = (name: string, mustExist: boolean): TlsFile => ({ path: path.join(certPath, name), from, required: mustExist });
  return {
    reason: host.tls.reason,
    verify,
    // Without verification the CA is not used (as the docker CLI does with --tls alone).
    ...(verify ? { ca: file('ca.pem', required) } : {}),
    cert: file('cert.pem', false),
    key: file('key.pem', false),
    clientCertHint: `${ENV_HINT} (or ${EXPLICIT_HINT})`,
  };
}

function fromInitConfig(tls: TlsOptions): TlsSettings {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const [given, missing] = tls.cert !== undefined ? ['cert', 'key'] : ['key', 'cert'];
    throw new TlsConfigError(
      `init_config.tls.${given} is set but init_config.tls.${missing} is not; a client certificate needs both ` +
        '(cert: the certificate PEM, key: its private key PEM)',
    );
  }
  const file = (name: 'ca' | 'cert' | 'key'): TlsFile | undefined => {
    const value = tls[name];
    return value === undefined ? undefined : { path: value, from: `init_config.tls.${name}`, required: true };
  };
  const ca = file('ca');
  const cert = file('cert');
  const key = file('key');
  return {
    reason: 'init_config.tls',
    verify: tls.verify !== false,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    clientCertHint: `${EXPLICIT_HINT} (or ${ENV_HINT})`,
  };
}

/** Reads the settings' files now (at every connect, so renewed certificates are picked up). */
export async function loadTlsMaterial(settings: TlsSettings): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all([readPem(settings.ca, 'CA'), readPem(settings.cert, 'client certificate'), readPem(settings.key, 'client key')]);
  if ((cert === undefined) !== (key === undefined)) {
    const [found, missing] = cert !== undefined ? [settings.cert, settings.key] : [settings.key, settings.cert];
    throw new TlsConfigError(
      `found ${found?.path ?? '?'} but not ${missing?.path ?? '?'} (${found?.from ?? '?'}); a client certificate needs both ` +
        'cert.pem and key.pem',
    );
  }
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
}

async function readPem(file: TlsFile | undefined, what: string): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  try {
    return await fs.readFile(file.path);
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === 'ENOENT' && !file.required) return undefined;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new TlsConfigError(
      `cannot read the TLS ${what} ${file.path} (from ${file.from}): ${why}; fix the path or the file's permissions`,
      { cause: err },
    );
  }
}

/** Describes the files for a "these PEM files are not valid" message. */
export function describeTlsFiles(settings: TlsSettings): string {
  const files = [settings.ca, settings.cert, settings.key].filter((f): f is TlsFile => f !== undefined);
  return files.length === 0 ? 'no files' : files.map((f) => `${f.path} (${f.from})`).join(', ');
}
