// Frame encoding against the golden frames in test/fixtures/frames/ (the plugin is tested against the same
// bytes), and the test decoder against them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  encodeEndFrame,
  encodeErrorFrame,
  encodeEventFrame,
  encodeReadyFrame,
  encodeStatsFrame,
  FRAME_HEADER_BYTES,
  MAX_ERROR_PAYLOAD_BYTES,
  TS_UNKNOWN,
} from '../src/frame';
import { parseDockerEvent } from '../src/pipeline/parse-event';
import { Stats } from '../src/stats';
import { FrameDecoder, TYPE_END, TYPE_ERROR, TYPE_EVENT, TYPE_READY, TYPE_STATS } from './support/engine-process';

const FIXTURES = path.resolve(__dirname, '../../test/fixtures/frames');
const golden = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

const EVENT_PAYLOAD =
  '{"status":"die","id":"c6480b3f","from":"local/busybox","Type":"container","Action":"die","Actor":{"ID":"c6480b3f",' +
  '"Attributes":{"exitCode":"3","image":"local/busybox","maintainer":"José","name":"golden"}},"scope":"local",' +
  '"time":1795773869,"timeNano":1795773869230402943}';

test('event frame: header from timeNano, payload bytes as received', () => {
  const payload = Buffer.from(EVENT_PAYLOAD, 'utf8');
  const event = parseDockerEvent(payload);
  assert.ok(typeof event !== 'string');
  assert.equal(event.timeNano, 1795773869230402943n);
  assert.deepEqual(encodeEventFrame(event.timeNano, event.payload), golden('event.bin'));
});

test('ready frame', () => {
  const frame = encodeReadyFrame({
    transport: 'unix:///var/run/docker.sock',
    daemon: { version: '20.10.24+dfsg1', apiVersion: '1.41' },
  });
  assert.deepEqual(frame, golden('ready.bin'));
});

test('error frame', () => {
  const frame = encodeErrorFrame(
    'ERR_SOCKET_MISSING',
    'Docker socket /run/nope.sock does not exist (open_params "unix:///run/nope.sock")',
  );
  assert.deepEqual(frame, golden('error.bin'));
});

test('stats frame: counters in the engine order, the keys added since stats.bin after its own', () => {
  const stats = new Stats({ queuedEvents: 0, queuedBytes: 0 }, () => undefined);
  stats.add('malformedEvents', 2);
  stats.add('oversizedEvents');
  stats.add('reconnects');
  stats.add('deliveredEvents', 42);
  const frame = encodeStatsFrame(stats.snapshot());
  const goldenFrame = golden('stats.bin');
  const added = ',"enrichedEvents":0,"enrichLateEvents":0,"enrichGoneEvents":0,"enrichFailedEvents":0,"inspectRequests":0}';
  const payload = Buffer.concat([goldenFrame.subarray(FRAME_HEADER_BYTES, -1), Buffer.from(added)]);
  assert.deepEqual(frame.subarray(FRAME_HEADER_BYTES), payload);
  assert.deepEqual(frame.subarray(0, 16), goldenFrame.subarray(0, 16), 'ts and tid');
  assert.equal(frame.readUInt32LE(16), FRAME_HEADER_BYTES + payload.length, 'len');
  assert.equal(frame.readUInt16LE(20), goldenFrame.readUInt16LE(20), 'type');
  assert.equal(frame.readUInt32LE(30), payload.length, 'parameter 2 length');
});

test('end frame: empty payload', () => {
  assert.deepEqual(encodeEndFrame(), golden('end.bin'));
});

test('event without a time gets ts all ones', () => {
  const frame = encodeEventFrame(null, Buffer.from('{}'));
  assert.equal(frame.readBigUInt64LE(0), TS_UNKNOWN);
  assert.equal(frame.readUInt32LE(16), FRAME_HEADER_BYTES + 2);
});

test('a long error message is cut to keep the frame small', () => {
  const frame = encodeErrorFrame('ERR_DAEMON_HTTP', `daemon said: ${'é'.repeat(5000)}`);
  const payloadBytes = frame.length - FRAME_HEADER_BYTES;
  assert.ok(payloadBytes <= MAX_ERROR_PAYLOAD_BYTES, `payload ${payloadBytes} bytes`);
  const parsed = JSON.parse(frame.subarray(FRAME_HEADER_BYTES).toString('utf8')) as { code: string; message: string };
  assert.equal(parsed.code, 'ERR_DAEMON_HTTP');
  assert.ok(parsed.message.startsWith('daemon said: éé'));
  assert.ok(parsed.message.endsWith('…'));
});

test('the test decoder reads the golden frames, split at every byte', () => {
  const all = Buffer.concat(['ready.bin', 'event.bin', 'stats.bin', 'error.bin', 'end.bin'].map(golden));
  const decoder = new FrameDecoder();
  const frames = [];
  for (let i = 0; i < all.length; i++) frames.push(...decoder.push(all.subarray(i, i + 1)));
  assert.equal(decoder.leftover, 0);
  assert.deepEqual(
    frames.map((f) => f.type),
    [TYPE_READY, TYPE_EVENT, TYPE_STATS, TYPE_ERROR, TYPE_END],
  );
  assert.equal(frames[1].ts, 1795773869230402943n);
  assert.equal(frames[1].payload.toString('utf8'), EVENT_PAYLOAD);
  assert.equal(frames[4].payload.length, 0);
});
