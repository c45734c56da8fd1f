// The frame sink and its arenas, in process against an in-memory Writable: what reaches fd 3 (frames in
// order, control frames after the events laid out before them), how writes are batched per tick, and the
// buffer bound.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setImmediate as nextTick } from 'node:timers/promises';
import { encodeEventFrame, FRAME_HEADER_BYTES } from '../src/frame';
import { FrameArenas } from '../src/frame-arenas';
import { FrameSink, type FlowControl, type SinkEvent } from '../src/frame-sink';
import { Stats } from '../src/stats';
import { FrameDecoder, TYPE_END, TYPE_EVENT, TYPE_STATS } from './support/engine-process';

/** A Writable that records each write; `hold` keeps write callbacks back until release(). */
class RecordingOutput extends Writable {
  readonly writes: Buffer[] = [];
  private held: Array<() => void> = [];
  hold = false;

  constructor() {
    super({ highWaterMark: 16 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.writes.push(Buffer.from(chunk));
    if (this.hold) this.held.push(() => done());
    else done();
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }

  frames(): ReturnType<FrameDecoder['push']> {
    return new FrameDecoder().push(Buffer.concat(this.writes));
  }
}

const event = (i: number, payloadBytes = 300): SinkEvent => {
  const head = `{"Type":"container","Action":"start","n":${i},"pad":"`;
  const payload = Buffer.from(`${head}${'x'.repeat(Math.max(0, payloadBytes - head.length - 2))}"}`);
  return { payload, timeNano: 1_795_773_869_000_000_000n + BigInt(i) };
};

test('arenas: frames laid out back to back decode to the same frames encodeEventFrame makes', () => {
  const arenas = new FrameArenas();
  const events = Array.from({ length: 10 }, (_, i) => event(i, 100 + i * 37));
  for (const e of events) assert.equal(arenas.add(e.timeNano, e.payload), true);
  assert.equal(arenas.pendingBytes, events.reduce((n, e) => n + FRAME_HEADER_BYTES + e.payload.length, 0));
  const taken = arenas.take();
  assert.ok(taken !== null);
  assert.equal(taken.events, 10);
  assert.deepEqual(taken.frames, Buffer.concat(events.map((e) => encodeEventFrame(e.timeNano, e.payload))));
  assert.equal(arenas.take(), null, 'nothing pending after a take');
});

test('arenas: a full arena says so while frames are pending, and continues in a fresh one after take()', () => {
  const arenas = new FrameArenas();
  const big = event(0, 20_000);
  let added = 0;
  while (arenas.add(big.timeNano, big.payload)) added++;
  assert.equal(added, 3, 'three 20 kB frames fit a 64 KiB arena');
  const first = arenas.take();
  assert.ok(first !== null);
  assert.equal(arenas.add(big.timeNano, big.payload), true);
  const second = arenas.take();
  assert.ok(second !== null);
  assert.notEqual(second.frames.buffer, first.frames.buffer, 'a new arena: the taken frames are never overwritten');
  assert.deepEqual(first.frames.subarray(0, FRAME_HEADER_BYTES + big.payload.length), encodeEventFrame(big.timeNano, big.payload));
  assert.equal(FrameArenas.holds(64 * 1024), false);
});

test('sink: the events of one tick leave in one write, at the end of the tick', async () => {
  const out = new RecordingOutput();
  const sink = new FrameSink(out, { bufferBytes: 1 << 20 });
  for (let i = 0; i < 50; i++) sink.event(event(i));
  assert.equal(out.writes.length, 0, 'nothing written within the tick');
  assert.equal(sink.queuedEvents, 50);
  await nextTick();
  assert.equal(out.writes.length, 1);
  assert.deepEqual(
    out.frames().map((f) => f.ts),
    Array.from({ length: 50 }, (_, i) => event(i).timeNano),
  );
  assert.equal(sink.queuedEvents, 0);
  assert.equal(sink.queuedBytes, 0);
});

test('sink: control frames go after the events laid out before them; an oversized event gets its own write', async () => {
  const out = new RecordingOutput();
  const sink = new FrameSink(out, { bufferBytes: 1 << 20 });
  sink.event(event(1));
  sink.stats(new Stats({ queuedEvents: 0, queuedBytes: 0 }, () => undefined).snapshot());
  sink.event(event(2, 70_000));
  sink.event(event(3));
  sink.end();
  await sink.close(1000);
  const frames = out.frames();
  assert.deepEqual(
    frames.map((f) => (f.type === TYPE_EVENT ? `event ${f.payload.length}` : f.type)),
    ['event 300', TYPE_STATS, 'event 70000', 'event 300', TYPE_END],
  );
  assert.equal(frames[2]?.ts, event(2).timeNano);
});

test('sink: beyond bufferBytes a push stream loses the newest events, counted; a pull source is paused at half and resumed once all is written', async () => {
  const out = new RecordingOutput();
  out.hold = true;
  let overflow = 0;
  const pauses: boolean[] = [];
  const sink = new FrameSink(out, {
    bufferBytes: 64 * 1024,
    onOverflow: () => overflow++,
    onPause: (paused) => pauses.push(paused),
  });
  const flow: FlowControl & { state: string } = {
    pausable: false,
    state: 'flowing',
    pause() {
      this.state = 'paused';
    },
    resume() {
      this.state = 'flowing';
    },
  };
  sink.setFlow(flow);
  const frameBytes = FRAME_HEADER_BYTES + 300;
  for (let i = 0; i < 400; i++) sink.event(event(i));
  const kept = Math.floor((64 * 1024) / frameBytes);
  assert.equal(overflow, 400 - kept, 'what does not fit is dropped');
  assert.ok(sink.queuedBytes <= 64 * 1024);
  assert.deepEqual(pauses, [true]);
  await nextTick();
  out.release();
  await nextTick();
  assert.deepEqual(pauses, [true, false], 'resumed once the plugin took everything');
  assert.equal(flow.state, 'flowing');
  assert.deepEqual(
    out.frames().map((f) => f.ts),
    Array.from({ length: kept }, (_, i) => event(i).timeNano),
    'the oldest ones delivered, in order',
  );
});
