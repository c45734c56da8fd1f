// decode-lines: byte-level line framing, bounded by maxLineBytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Observable} from 'rxjs';
import { from, throwError, concat } from 'rxjs';
import { decodeLines } from '../src/pipeline/decode-lines';

interface Decoded {
  lines: string[];
  oversized: number[];
  error?: unknown;
}

function decode(source: Observable<Buffer> | Buffer[], maxLineBytes = 64): Decoded {
  const out: Decoded = { lines: [], oversized: [] };
  const input = Array.isArray(source) ? from(source) : source;
  input
    .pipe(decodeLines({ maxLineBytes, onOversized: (bytes) => out.oversized.push(bytes) }))
    .subscribe({ next: (line) => out.lines.push(line.toString('utf8')), error: (err: unknown) => (out.error = err) });
  return out;
}

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

test('one chunk, several lines', () => {
  assert.deepEqual(decode([b('a\nbb\nccc\n')]).lines, ['a', 'bb', 'ccc']);
});

test('a line split across chunk boundaries, in three pieces', () => {
  assert.deepEqual(decode([b('{"Ty'), b('pe":"x",'), b('"Action":"y"}\n{"n'), b('":1}\n')]).lines, ['{"Type":"x","Action":"y"}', '{"n":1}']);
});

test('a UTF-8 character split across chunks stays intact', () => {
  const bytes = b('{"name":"José ✓"}\n');
  const e = bytes.indexOf(0xc3); // first byte of é
  const check = bytes.indexOf(0xe2); // first byte of ✓ (3 bytes)
  const chunks = [bytes.subarray(0, e + 1), bytes.subarray(e + 1, check + 2), bytes.subarray(check + 2)];
  assert.deepEqual(decode(chunks).lines, ['{"name":"José ✓"}']);
});

test('every split point of a multi-line input gives the same lines', () => {
  const input = b('{"a":"é"}\n\n{"b":"✓✓"}\r\nlast\n');
  for (let i = 0; i <= input.length; i++) {
    const got = decode([input.subarray(0, i), input.subarray(i)]);
    assert.deepEqual(got.lines, ['{"a":"é"}', '{"b":"✓✓"}', 'last'], `split at ${i}`);
  }
});

test('empty lines are ignored', () => {
  assert.deepEqual(decode([b('\n\na\n\n\nb\n\n')]).lines, ['a', 'b']);
});

test('CRLF: the CR is removed (Docker sends LF)', () => {
  assert.deepEqual(decode([b('a\r\nb\r'), b('\n\r\n')]).lines, ['a', 'b']);
});

test('a line of exactly maxLineBytes passes; one byte more is dropped and counted', () => {
  const ok = 'x'.repeat(16);
  const tooLong = 'y'.repeat(17);
  const got = decode([b(`${ok}\n${tooLong}\nnext\n`)], 16);
  assert.deepEqual(got.lines, [ok, 'next']);
  assert.deepEqual(got.oversized, [17]);
});

test('an oversized line spread over many chunks is skipped; the stream resynchronises at the next newline', () => {
  const chunks = [b('good1\nAAAAAAAAAA'), b('BBBBBBBBBB'), b('CCCCCCCCCC'), b('DD\ngood2\n')];
  const got = decode(chunks, 16);
  assert.deepEqual(got.lines, ['good1', 'good2']);
  assert.deepEqual(got.oversized, [32]);
});

test('an oversized line whose newline is in a later chunk, and a carried partial before it', () => {
  const got = decode([b('ab'), b('cdefghijklmnopqrstuvwxyz'), b('\nok\n')], 16);
  assert.deepEqual(got.lines, ['ok']);
  assert.deepEqual(got.oversized, [26]);
});

test('on completion the unterminated last line is emitted', () => {
  assert.deepEqual(decode([b('a\nlast')]).lines, ['a', 'last']);
});

test('on error the unterminated tail is discarded and the error passed on', () => {
  const boom = new Error('broken');
  const got = decode(concat(from([b('a\npartial')]), throwError(() => boom)));
  assert.deepEqual(got.lines, ['a']);
  assert.equal(got.error, boom);
});

test('lines are the received bytes, not re-encoded (invalid UTF-8 kept as is)', () => {
  const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
  const lines: Buffer[] = [];
  from([raw])
    .pipe(decodeLines({ maxLineBytes: 64, onOversized: () => undefined }))
    .subscribe((line) => lines.push(line));
  assert.deepEqual(lines, [raw.subarray(0, 4)]);
});
