// Docker's ways of writing a time: `since`/`until` query values, /info's SystemTime, the Date header.

import type { IncomingHttpHeaders } from 'node:http';

const NANOS_PER_SECOND = 1_000_000_000n;
export const NANOS_PER_MS = 1_000_000n;

/** Docker's `since`/`until` format with full precision: `<seconds>.<nanoseconds, 9 digits>`. */
export function formatSince(timeNano: bigint): string {
  const seconds = timeNano / NANOS_PER_SECOND;
  const nanos = timeNano % NANOS_PER_SECOND;
  return `${seconds}.${nanos.toString().padStart(9, '0')}`;
}

const SYSTEM_TIME = /"SystemTime"\s*:\s*"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)"/;

/** /info's SystemTime (RFC 3339 with nanoseconds, any offset) in ns since the epoch, or null. */
export function parseSystemTime(body: string): bigint | null {
  const match = SYSTEM_TIME.exec(body);
  if (match === null) return null;
  const [, seconds, fraction = '', zone] = match;
  const ms = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * NANOS_PER_MS + BigInt(fraction.padEnd(9, '0'));
}

/** The Date header (truncated to the second) in ms since the epoch, or null. */
export function dateHeaderMs(headers: IncomingHttpHeaders): number | null {
  const text = headers.date;
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
