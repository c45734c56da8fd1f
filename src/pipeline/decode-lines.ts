// Stage 1: byte chunks from a transport → one Buffer per line.
//
// Lines are split on 0x0A at the byte level, so a UTF-8 character cut across two chunks is never decoded
// half (nothing is decoded here at all). The partial line at the end of a chunk is carried to the next.
// Bounded: a line longer than `maxLineBytes` is dropped (onOversized), the parts held so far are freed at
// once and the stage skips to the next newline, so a hostile stream cannot grow memory. A trailing CR is
// removed (Docker sends LF; CRLF from a proxy or a file is tolerated). Empty lines are ignored.
// On completion the unterminated tail is emitted (a file's last line may lack its newline; a truncated
// event is rejected by the next stage); on error the tail is discarded.

import { Observable, type OperatorFunction } from 'rxjs';

export interface DecodeLinesOptions {
  /** Longest line accepted: its bytes before the LF (a CR of a CRLF counts). */
  readonly maxLineBytes: number;
  /** A line longer than maxLineBytes was dropped; `bytes` is its length (as far as it was seen). */
  readonly onOversized: (bytes: number) => void;
}

const LF = 0x0a;
const CR = 0x0d;

export function decodeLines(options: DecodeLinesOptions): OperatorFunction<Buffer, Buffer> {
  const { maxLineBytes, onOversized } = options;
  return (source) =>
    new Observable<Buffer>((subscriber) => {
      // Per-subscription state: the carried partial line, or the length of the oversized line being skipped.
      let parts: Buffer[] = [];
      let partBytes = 0;
      let skipping = false;
      let skippedBytes = 0;

      const emitLine = (line: Buffer): void => {
        let end = line.length;
        if (end > 0 && line[end - 1] === CR) end--;
        if (end === 0) return;
        subscriber.next(end === line.length ? line : line.subarray(0, end));
      };

      const onChunk = (chunk: Buffer): void => {
        let start = 0;
        let newline = chunk.indexOf(LF, start);
        while (newline !== -1) {
          const piece = chunk.subarray(start, newline);
          if (skipping) {
            skipping = false;
            onOversized(skippedBytes + piece.length);
          } else if (partBytes + piece.length > maxLineBytes) {
            onOversized(partBytes + piece.length);
            parts = [];
            partBytes = 0;
          } else if (partBytes === 0) {
            emitLine(piece);
          } else {
            parts.push(piece);
            const line = Buffer.concat(parts, partBytes + piece.length);
            parts = [];
            partBytes = 0;
            emitLine(line);
          }
          if (subscriber.closed) return;
          start = newline + 1;
          newline = chunk.indexOf(LF, start);
        }
        if (start === chunk.length) return;
        const rest = start === 0 ? chunk : chunk.subarray(start);
        if (skipping) {
          skippedBytes += rest.length;
        } else if (partBytes + rest.length > maxLineBytes) {
          // Too long already: free what is held and skip to the next newline.
          skipping = true;
          skippedBytes = partBytes + rest.length;
          parts = [];
          partBytes = 0;
        } else {
          parts.push(rest);
          partBytes += rest.length;
        }
      };

      const subscription = source.subscribe({
        next: (chunk) => {
          try {
            onChunk(chunk);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          if (skipping) {
            onOversized(skippedBytes);
          } else if (partBytes > 0) {
            emitLine(Buffer.concat(parts, partBytes));
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        parts = [];
      };
    });
}
