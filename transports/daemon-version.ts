// The daemon's answer to GET /version, read the same way by every transport.

import type { DaemonInfo } from './transport';

/**
 * Version and API version from a /version body, bounded so READY stays far below the smallest frame the
 * plugin accepts; null when the body is not a Docker daemon's answer.
 */
export function parseDaemonVersion(body: string): DaemonInfo | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { Version: version, ApiVersion: apiVersion } = parsed as Record<string, unknown>;
  if (typeof version !== 'string' || typeof apiVersion !== 'string') return null;
  return { version: version.slice(0, 100), apiVersion: apiVersion.slice(0, 20) };
}
