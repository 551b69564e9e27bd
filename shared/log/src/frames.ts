/**
 * The framing of `entries.dat`: each log entry is stored as
 *
 *   u32 BE length ‖ u32 BE CRC-32 of the entry ‖ entry bytes
 *
 * so that a torn tail (a crash in the middle of an append) is detected on open and cut off.
 * Frames are only ever appended; the end offset of entry i is kept in `offsets.dat`.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_SIZE = 8;

/** Entries must fit a c2sp.org/tlog-tiles entry bundle, whose length prefix is a uint16. */
export const MAX_ENTRY_SIZE = 0xffff;

/** Writes the frame of `entry` into `out` at `pos` and returns the position after it. */
export function writeFrame(out: Buffer, pos: number, entry: Uint8Array): number {
  out.writeUInt32BE(entry.length, pos);
  out.writeUInt32BE(crc32(entry), pos + 4);
  out.set(entry, pos + FRAME_HEADER_SIZE);
  return pos + FRAME_HEADER_SIZE + entry.length;
}

export interface ScannedFrame {
  /** The entry bytes (a view into the scanned buffer). */
  readonly entry: Buffer;
  /** Offset of the byte after this frame, relative to the scanned buffer. */
  readonly end: number;
}

/**
 * Reads consecutive intact frames from `buf` starting at `pos`. Stops (without throwing) at the first
 * frame that is incomplete or whose CRC does not match: the caller decides whether that is a torn
 * tail (more data may follow in the next chunk) or the end of the log.
 */
export function* scanFrames(buf: Buffer, pos = 0): Generator<ScannedFrame> {
  while (pos + FRAME_HEADER_SIZE <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const crc = buf.readUInt32BE(pos + 4);
    const start = pos + FRAME_HEADER_SIZE;
    if (len > MAX_ENTRY_SIZE || start + len > buf.length) return;
    const entry = buf.subarray(start, start + len);
    if (crc32(entry) !== crc) return;
    pos = start + len;
    yield { entry, end: pos };
  }
}

/** The entry inside one frame read from disk; throws if the frame is damaged. */
export function unframe(frame: Buffer): Buffer {
  const len = frame.readUInt32BE(0);
  const entry = frame.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + len);
  if (entry.length !== len || crc32(entry) !== frame.readUInt32BE(4)) {
    throw new Error('Assertion failed: damaged frame inside the committed part of entries.dat');
  }
  return entry;
}
