// The end of the pipeline: frames to the plugin on fd 3.
//
// Batching adapts to the rate by itself: event frames are laid out back to back in reused arenas
// (./frame-arenas.ts), and what a tick added leaves in one write at the end of that tick (setImmediate),
// or as soon as the arena is full. At a low rate each event is thus written on its own, at once; at a
// high rate a tick's events leave together.
//
// Overflow policy. The stream's write buffer, plus the frames laid out and not yet written, is the
// engine's only event buffer, bounded by config.bufferBytes. When half of it is in use (Falco is behind)
// the sink pauses the flow and resumes it once the plugin has taken everything: pull transports (polling,
// file replay) then stop fetching, so they never lose anything. Push transports (a daemon's event stream)
// keep reading, on purpose: a daemon drops events silently for a subscriber that does not read for 100 ms,
// so the engine must stay the one that decides. An event that would take the buffer past bufferBytes is
// dropped here, newest first, counted (overflowEvents, part of droppedEvents) and logged
// (ERR_EVENTS_DROPPED, rate-limited). Memory stays bounded by bufferBytes whatever the overload.

import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Writable } from 'node:stream';
import { OutputError, systemErrorCode } from './errors';
import { FrameArenas } from './frame-arenas';
import {
  encodeEndFrame,
  encodeErrorFrame,
  encodeEventFrame,
  encodeReadyFrame,
  encodeStatsFrame,
  FRAME_HEADER_BYTES,
  type ReadyInfo,
} from './frame';
import type { DockerEvent } from './pipeline/parse-event';

/** What the sink needs of an event: its bytes and its time. */
export type SinkEvent = Pick<DockerEvent, 'payload' | 'timeNano'>;
import type { QueueGauge, StatsSnapshot } from './stats';

/** What the sink pauses when the buffer is full: the current connection. */
export interface FlowControl {
  /** False when pause() cannot stop the source (a push stream): the sink drops what does not fit. */
  readonly pausable?: boolean;
  pause(): void;
  resume(): void;
}

export interface FrameSinkOptions {
  readonly bufferBytes: number;
  /** The queue (queuedEvents/queuedBytes) changed. */
  readonly onQueueChange?: () => void;
  /** Backpressure started (true) or ended (false). */
  readonly onPause?: (paused: boolean, queuedBytes: number) => void;
  /** An event was dropped: the buffer was full. */
  readonly onOverflow?: (event: SinkEvent) => void;
  /** The output broke (the plugin went away); nothing more can be delivered. */
  readonly onBroken?: (err: OutputError) => void;
}

export class FrameSink implements QueueGauge {
  private broken = false;
  private flow: FlowControl | null = null;
  private paused = false;
  private eventsInFlight = 0;
  private bufferBytes: number;
  private readonly onQueueChange: () => void;

  private readonly arenas = new FrameArenas();
  private flushScheduled = false;

  private readonly flushAtEndOfTick = (): void => {
    this.flushScheduled = false;
    this.flush();
  };
  /** After every write: once the plugin has taken everything, spare arenas go and a paused flow resumes. */
  private readonly afterWrite = (): void => {
    if (this.queuedBytes > 0) return;
    this.arenas.trim();
    if (!this.paused) return;
    this.paused = false;
    this.options.onPause?.(false, 0);
    this.flow?.resume();
  };

  constructor(
    private readonly out: Writable,
    private readonly options: FrameSinkOptions,
  ) {
    this.bufferBytes = options.bufferBytes;
    this.onQueueChange = options.onQueueChange ?? (() => undefined);
    out.on('error', (err) => {
      if (this.broken) return;
      this.broken = true;
      const code = systemErrorCode(err);
      options.onBroken?.(
        new OutputError(
          code === 'EPIPE'
            ? 'the plugin closed the frame pipe (fd 3): nobody reads the events any more'
            : `writing frames to fd 3 failed: ${err.message}`,
          { cause: err },
        ),
      );
    });
  }

  get queuedEvents(): number {
    return this.eventsInFlight;
  }

  get queuedBytes(): number {
    return this.out.writableLength + this.arenas.pendingBytes;
  }

  /** The bound on queued bytes (init_config.bufferBytes, known once the config is read). */
  setBufferBytes(bytes: number): void {
    this.bufferBytes = bytes;
  }

  /** The connection to pause when the buffer is full (null between connections). */
  setFlow(flow: FlowControl | null): void {
    this.flow = flow;
    if (flow !== null && this.paused) flow.pause();
  }

  ready(info: ReadyInfo): void {
    this.write(encodeReadyFrame(info));
  }

  event(event: SinkEvent): void {
    if (this.broken) return;
    const frameBytes = FRAME_HEADER_BYTES + event.payload.length;
    const full = this.queuedBytes + frameBytes > this.bufferBytes;
    // A paused pull source only has its last fetch in flight: let it overshoot rather than lose it.
    if (full && !(this.paused && this.flow?.pausable !== false)) {
      this.options.onOverflow?.(event);
      return;
    }
    this.eventsInFlight++;
    if (FrameArenas.holds(event.payload.length)) {
      if (!this.arenas.add(event.timeNano, event.payload)) {
        this.flush();
        this.arenas.add(event.timeNano, event.payload);
      }
      this.scheduleFlush();
    } else {
      this.flush();
      this.writeEvents(encodeEventFrame(event.timeNano, event.payload), 1, null);
    }
    this.onQueueChange();
    if (!this.paused && this.queuedBytes > this.bufferBytes / 2) {
      this.paused = true;
      this.options.onPause?.(true, this.queuedBytes);
      this.flow?.pause();
    }
  }

  stats(snapshot: StatsSnapshot): void {
    this.write(encodeStatsFrame(snapshot));
  }

  error(code: string, message: string): void {
    this.write(encodeErrorFrame(code, message));
  }

  end(): void {
    this.write(encodeEndFrame());
  }

  /** Writes what is pending and closes fd 3; resolves when done or after `deadlineMs` (a stuck reader). */
  close(deadlineMs: number): Promise<void> {
    this.flush();
    if (this.broken || this.out.destroyed || this.out.writableEnded) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadlineMs);
      this.out.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A control frame: after the events laid out before it. */
  private write(frame: Buffer): void {
    if (this.broken) return;
    this.flush();
    this.out.write(frame, this.afterWrite);
  }

  /** Writes the frames laid out so far. */
  private flush(): void {
    if (this.broken) return;
    const taken = this.arenas.take();
    if (taken === null) return;
    this.writeEvents(taken.frames, taken.events, taken.release);
  }

  /** Writes `events` event frames in one buffer; they leave the queue gauge once written. */
  private writeEvents(frames: Buffer, events: number, release: (() => void) | null): void {
    this.out.write(frames, () => {
      release?.();
      this.eventsInFlight -= events;
      this.onQueueChange();
      this.afterWrite();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushAtEndOfTick);
  }
}

/**
 * The STATS output on `fd` (4 when started by the plugin), or null when that fd is not open (the engine
 * started by hand, or by an older plugin): then STATS frames go with the events.
 */
export function openStatsOutput(fd: number): Writable | null {
  try {
    fs.fstatSync(fd);
  } catch {
    return null;
  }
  const out = openFrameOutput(fd);
  out.on('error', () => undefined); // the plugin closed it: counters are advisory, events go on
  return out;
}

/**
 * The frame output on `fd` (3 when started by the plugin): a pipe or socket through net.Socket, or a
 * regular file (handy to capture frames by hand: `node dist/src/main.js 3>frames.bin`).
 */
export function openFrameOutput(fd: number): Writable {
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch (err) {
    throw new OutputError(
      `fd ${fd} is not open: the engine writes its frames there and is meant to be started by the plugin ` +
        `(or by hand with ${fd}>frames.bin)`,
      { cause: err },
    );
  }
  if (stat.isFile()) return fs.createWriteStream('', { fd, autoClose: true });
  try {
    return new net.Socket({ fd, readable: false, writable: true });
  } catch (err) {
    throw new OutputError(`fd ${fd} must be a pipe, a socket or a file (${(err as Error).message})`, { cause: err });
  }
}
