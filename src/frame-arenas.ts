// Where the sink lays event frames out: back to back in 64 KiB arenas, reused once everything written from
// them has left. take() hands out what was laid out since the last take() as one buffer (a view of the
// arena) for one write, to be released when that write completed; a full arena is retired and goes back to
// the spares once every buffer taken from it was released. The spares are as many as were ever in use at
// once (bounded by config.bufferBytes, like the write queue); trim() gives the surplus back to the GC once
// the queue is empty.
//
// Why: under a flood the engine thus writes a few large buffers instead of one buffer, one write request
// and one callback per event for V8 to allocate, track and promote (that halved its CPU per event and took
// 50 MiB off its RSS, bench/README.md "Where the engine's time goes"). And while Falco is behind, arenas
// wait in the write queue long enough to be promoted to V8's old generation: without reuse, each one
// written becomes old garbage, megabytes of it until the next full GC; reused, the engine's memory stays
// flat however long the overload lasts.

import { FRAME_HEADER_BYTES, writeEventFrame } from './frame';

const ARENA_BYTES = 64 * 1024;
/** Spares kept by trim(): enough for a tick's events at 100k+ events/s. */
const SPARE_ARENAS = 8;

class Arena {
  readonly bytes = Buffer.allocUnsafeSlow(ARENA_BYTES);
  /** Buffers taken from this arena and not released yet. */
  taken = 0;
  retired = false;
}

/** Frames laid out since the last take(): one buffer, and the call that gives its memory back. */
export interface TakenFrames {
  readonly frames: Buffer;
  readonly events: number;
  /** The write of `frames` completed: their bytes may be reused. Idempotent. */
  readonly release: () => void;
}

export class FrameArenas {
  private current = new Arena();
  private start = 0;
  private end = 0;
  private events = 0;
  private readonly spares: Arena[] = [];

  /** True when a frame of `payloadBytes` fits an arena (larger ones get a buffer of their own). */
  static holds(payloadBytes: number): boolean {
    return FRAME_HEADER_BYTES + payloadBytes <= ARENA_BYTES;
  }

  /** Bytes laid out and not taken yet. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /**
   * Lays an event frame out, or returns false when the current arena has no room for it while frames are
   * pending there: take() them, then add() again (it goes in another arena). Only for payloads that holds().
   */
  add(ts: bigint | null, payload: Buffer): boolean {
    if (FRAME_HEADER_BYTES + payload.length > ARENA_BYTES - this.end) {
      if (this.end > this.start) return false;
      this.renew();
    }
    this.end = writeEventFrame(this.current.bytes, this.end, ts, payload);
    this.events++;
    return true;
  }

  take(): TakenFrames | null {
    if (this.end === this.start) return null;
    const arena = this.current;
    const frames = arena.bytes.subarray(this.start, this.end);
    const events = this.events;
    this.start = this.end;
    this.events = 0;
    arena.taken++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      arena.taken--;
      if (arena.retired && arena.taken === 0) this.keep(arena);
    };
    return { frames, events, release };
  }

  /** Retires the current arena (nothing pending in it) and goes on in a spare or a new one. */
  private renew(): void {
    const old = this.current;
    old.retired = true;
    if (old.taken === 0) this.keep(old);
    this.current = this.spares.pop() ?? new Arena();
    this.current.retired = false;
    this.start = 0;
    this.end = 0;
  }

  /** Nothing is queued any more: keep a few spares, leave the others to the GC. */
  trim(): void {
    if (this.spares.length > SPARE_ARENAS) this.spares.length = SPARE_ARENAS;
  }

  private keep(arena: Arena): void {
    this.spares.push(arena);
  }
}
