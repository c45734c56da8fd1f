// The stages of one connection, in order: bytes → lines → events → without repeats after a resume.

import { pipe, type OperatorFunction } from 'rxjs';
import { decodeLines } from './decode-lines';
import { dedupeAfterResume } from './dedupe-after-resume';
import { parseEvent, type DockerEvent } from './parse-event';
import type { ResumeBoundary } from './resume-point';

export interface DockerEventsOptions {
  readonly maxEventBytes: number;
  readonly boundary: ResumeBoundary;
  readonly onOversized: (bytes: number) => void;
  readonly onMalformed: (line: Buffer, reason: string) => void;
  readonly onRepeat: (event: DockerEvent) => void;
}

export function dockerEvents(options: DockerEventsOptions): OperatorFunction<Buffer, DockerEvent> {
  return pipe(
    decodeLines({ maxLineBytes: options.maxEventBytes, onOversized: options.onOversized }),
    parseEvent({ onMalformed: options.onMalformed }),
    dedupeAfterResume(options.boundary, options.onRepeat),
  );
}
