// Stage 2: one line → one Docker event, or nothing.
//
// A line is an event when it is a JSON object with a string `Type` and a string `Action`; anything else is
// dropped and reported (onMalformed). The payload stays the line exactly as received: this stage only
// reads it. `timeNano` is taken from the line's text, because JSON numbers lose precision above 2^53
// (a timeNano is about 2^60); without it `time` (seconds) × 1e9; without both it is unknown (null).

import { describeValue } from '../describe-value';
import { Observable, type OperatorFunction } from 'rxjs';

export interface DockerEvent {
  /** The line exactly as the daemon sent it, without its line ending. */
  readonly payload: Buffer;
  /** Docker's timeNano, or null when the event carries no time. */
  readonly timeNano: bigint | null;
  readonly type: string;
  readonly action: string;
  /** Actor.ID: the container, image, network… the event is about (null when absent). */
  readonly actorId: string | null;
  /** Actor.Attributes.execID of an exec_create / exec_start / exec_die event. */
  readonly execId: string | null;
  /** The line already holds an `enrichment` key (a replayed capture): nothing is to be added. */
  readonly enriched: boolean;
}

export interface ParseEventOptions {
  /** A line was not a Docker event; `reason` says why. */
  readonly onMalformed: (line: Buffer, reason: string) => void;
}

const NANOS_PER_SECOND = 1_000_000_000n;
/** The key the engine adds for container context (docs/enrichment.md). */
export const ENRICHMENT_KEY = 'enrichment';
/** Frame timestamps are u64 and all-ones means "unknown": a larger time is treated as absent. */
const MAX_TIME_NANO = 0xffff_ffff_ffff_fffen;
const TIME_NANO = /"timeNano"\s*:\s*(\d+)/g;

/** Parses one line; returns the event or the reason it is not one. */
export function parseDockerEvent(line: Buffer): DockerEvent | string {
  const text = line.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `not a JSON object (${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : `a ${typeof value}`})`;
  }
  const record = value as Record<string, unknown>;
  const type = record['Type'];
  const action = record['Action'];
  if (typeof type !== 'string') return `no string "Type" (got ${describeValue(type, 40)})`;
  if (typeof action !== 'string') return `no string "Action" (got ${describeValue(action, 40)})`;
  const actor = record['Actor'];
  const actorRecord = typeof actor === 'object' && actor !== null ? (actor as Record<string, unknown>) : {};
  const attributes = actorRecord['Attributes'];
  const execId = typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, unknown>)['execID'] : undefined;
  return {
    payload: line,
    timeNano: eventTime(text, record),
    type,
    action,
    actorId: typeof actorRecord['ID'] === 'string' ? actorRecord['ID'] : null,
    execId: typeof execId === 'string' ? execId : null,
    enriched: ENRICHMENT_KEY in record,
  };
}

export function parseEvent(options: ParseEventOptions): OperatorFunction<Buffer, DockerEvent> {
  const { onMalformed } = options;
  return (source) =>
    new Observable<DockerEvent>((subscriber) =>
      source.subscribe({
        next: (line) => {
          let parsed: DockerEvent | string;
          try {
            parsed = parseDockerEvent(line);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          if (typeof parsed === 'string') onMalformed(line, parsed);
          else subscriber.next(parsed);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}

const TIME_NANO_KEY = '"timeNano":';

/** The integer right after the last `"timeNano":` in `text`, if it is the one that parses to `value`. */
function digitsAfterLast(text: string, value: number): bigint | null {
  const at = text.lastIndexOf(TIME_NANO_KEY);
  if (at < 0) return null;
  const start = at + TIME_NANO_KEY.length;
  let end = start;
  while (end < text.length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
  const digits = text.slice(start, end);
  return end > start && Number(digits) === value ? BigInt(digits) : null;
}

function eventTime(text: string, record: Record<string, unknown>): bigint | null {
  const timeNano = record['timeNano'];
  if (typeof timeNano === 'number' && Number.isInteger(timeNano) && timeNano >= 0) {
    let found: bigint | null = null;
    if (Number.isSafeInteger(timeNano)) {
      found = BigInt(timeNano);
    } else {
      // The digits JSON.parse rounded: the daemon writes timeNano last, so look there first; else find the
      // occurrence that parses to the value JSON.parse kept (the last top-level one).
      found = digitsAfterLast(text, timeNano);
      if (found === null) {
        for (const match of text.matchAll(TIME_NANO)) {
          if (Number(match[1]) === timeNano) found = BigInt(match[1]);
        }
      }
    }
    if (found !== null && found <= MAX_TIME_NANO) return found;
  }
  const time = record['time'];
  if (typeof time === 'number' && Number.isSafeInteger(time) && time >= 0) {
    const nanos = BigInt(time) * NANOS_PER_SECOND;
    if (nanos <= MAX_TIME_NANO) return nanos;
  }
  return null;
}

