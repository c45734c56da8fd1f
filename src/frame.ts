// The engine's end of the frame format (docs/engine-protocol.md, "Frames"; the plugin's end is
// native/plugin/frame.h; golden frames in test/fixtures/frames/). This file is the only TypeScript code
// that knows the layout.
//
// A frame is laid out as a Falco plugin event (ss_plugin_event, two parameters), little-endian:
//   0  u64 ts          event time in ns, TS_UNKNOWN when unknown (always for control frames)
//   8  u64 tid         all ones
//  16  u32 len         38 + N
//  20  u16 type        FrameType
//  22  u32 nparams     2
//  26  u32 param 1 len 4
//  30  u32 param 2 len N
//  34  u32 plugin_id   0 (Falco fills in the plugin's id)
//  38  N bytes payload

import type { ConnectionInfo } from '../transports/transport';

export const PROTOCOL_VERSION = 1;
export const FRAME_HEADER_BYTES = 38;
export const TS_UNKNOWN = 0xffff_ffff_ffff_ffffn;
const NPARAMS = 2;
const PARAM1_BYTES = 4;

export const FrameType = {
  EVENT: 322,
  READY: 0x8001,
  ERROR: 0x8002,
  STATS: 0x8003,
  END: 0x8004,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** READY payload: what the engine connected to. */
export type ReadyInfo = ConnectionInfo;

/** Writes the 38-byte header of a frame carrying `payloadBytes` bytes into `target` at `offset`. */
function writeFrameHeader(
  target: Buffer,
  offset: number,
  type: FrameType,
  ts: bigint,
  payloadBytes: number,
): void {
  target.writeBigUInt64LE(ts, offset);
  target.fill(0xff, offset + 8, offset + 16); // tid: all ones, without a BigInt write per frame
  target.writeUInt32LE(FRAME_HEADER_BYTES + payloadBytes, offset + 16);
  target.writeUInt16LE(type, offset + 20);
  target.writeUInt32LE(NPARAMS, offset + 22);
  target.writeUInt32LE(PARAM1_BYTES, offset + 26);
  target.writeUInt32LE(payloadBytes, offset + 30);
  target.writeUInt32LE(0, offset + 34);
}


/** A whole frame in one buffer. */
function encodeFrame(type: FrameType, ts: bigint, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(frame, 0, type, ts, payload.length);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export function encodeEventFrame(ts: bigint | null, payload: Buffer): Buffer {
  return encodeFrame(FrameType.EVENT, ts ?? TS_UNKNOWN, payload);
}

/** Lays an event frame out in `target` at `offset` (room checked by the caller); returns where it ends. */
export function writeEventFrame(target: Buffer, offset: number, ts: bigint | null, payload: Buffer): number {
  writeFrameHeader(target, offset, FrameType.EVENT, ts ?? TS_UNKNOWN, payload.length);
  payload.copy(target, offset + FRAME_HEADER_BYTES);
  return offset + FRAME_HEADER_BYTES + payload.length;
}

export function encodeReadyFrame(info: ReadyInfo): Buffer {
  const payload = { protocol: PROTOCOL_VERSION, transport: info.transport, daemon: info.daemon };
  return encodeFrame(FrameType.READY, TS_UNKNOWN, Buffer.from(JSON.stringify(payload)));
}

/**
 * The plugin rejects any frame larger than 38 + maxEventBytes (at least 1024), so an ERROR frame's
 * message is cut to keep its JSON payload under MAX_ERROR_PAYLOAD_BYTES.
 */
export const MAX_ERROR_PAYLOAD_BYTES = 1000;

export function encodeErrorFrame(code: string, message: string): Buffer {
  const payloadOf = (text: string): Buffer => Buffer.from(JSON.stringify({ code, message: text }));
  let payload = payloadOf(message);
  if (payload.length > MAX_ERROR_PAYLOAD_BYTES) {
    // The longest prefix that fits (escaping and UTF-8 make bytes and characters differ: search).
    let fits = 0;
    let tooLong = message.length;
    while (tooLong - fits > 1) {
      const mid = (fits + tooLong) >>> 1;
      if (payloadOf(`${message.slice(0, mid)}…`).length <= MAX_ERROR_PAYLOAD_BYTES) fits = mid;
      else tooLong = mid;
    }
    payload = payloadOf(`${message.slice(0, fits)}…`);
  }
  return encodeFrame(FrameType.ERROR, TS_UNKNOWN, payload);
}

export function encodeStatsFrame(counters: object): Buffer {
  return encodeFrame(FrameType.STATS, TS_UNKNOWN, Buffer.from(JSON.stringify(counters)));
}

export function encodeEndFrame(): Buffer {
  return encodeFrame(FrameType.END, TS_UNKNOWN, Buffer.alloc(0));
}
