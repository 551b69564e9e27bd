/**
 * The log's entries, in order: `entries.dat` holds the framed entry bytes (see frames.ts) and
 * `offsets.dat` one u64 BE per entry, the end offset of its frame, so entry i is the frame between
 * end(i-1) and end(i), and an entry bundle is two preads.
 */
import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FRAME_HEADER_SIZE, scanFrames, unframe, writeFrame } from './frames.js';

const fdatasyncAsync = promisify(fdatasync);
const SCAN_CHUNK = 8 << 20;

function readFully(fd: number, buf: Buffer, pos: number): void {
  let done = 0;
  while (done < buf.length) {
    const r = readSync(fd, buf, done, buf.length - done, pos + done);
    if (r === 0) throw new Error('Assertion failed: short read in the entry store');
    done += r;
  }
}

function writeFully(fd: number, buf: Buffer, pos: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, pos + done);
}

export class EntryStore {
  private readonly entriesFd: number;
  private readonly offsetsFd: number;
  private n: number;
  private end: number;
  private dirty = false;

  constructor(dir: string) {
    const flags = constants.O_RDWR | constants.O_CREAT;
    this.entriesFd = openSync(join(dir, 'entries.dat'), flags, 0o644);
    this.offsetsFd = openSync(join(dir, 'offsets.dat'), flags, 0o644);
    this.n = Math.floor(fstatSync(this.offsetsFd).size / 8);
    this.end = this.n === 0 ? 0 : this.endOf(this.n - 1);
  }

  /** Number of entries whose end offset is recorded. */
  get count(): number {
    return this.n;
  }

  /** Bytes of entries.dat covered by the recorded entries. */
  get bytes(): number {
    return this.end;
  }

  /** Size of entries.dat on disk (may exceed `bytes` after a crash). */
  fileSize(): number {
    return fstatSync(this.entriesFd).size;
  }

  private endOf(i: number): number {
    const b = Buffer.allocUnsafe(8);
    readFully(this.offsetsFd, b, i * 8);
    return Number(b.readBigUInt64BE(0));
  }

  private startOf(i: number): number {
    return i === 0 ? 0 : this.endOf(i - 1);
  }

  /** Appends entries (to the page cache; sync() makes them durable). Returns the first new index. */
  append(entries: readonly Uint8Array[]): number {
    const first = this.n;
    let total = 0;
    for (const e of entries) total += FRAME_HEADER_SIZE + e.length;
    const frames = Buffer.allocUnsafe(total);
    const offsets = Buffer.allocUnsafe(entries.length * 8);
    let pos = 0;
    for (let i = 0; i < entries.length; i++) {
      pos = writeFrame(frames, pos, entries[i]!);
      offsets.writeBigUInt64BE(BigInt(this.end + pos), i * 8);
    }
    writeFully(this.entriesFd, frames, this.end);
    writeFully(this.offsetsFd, offsets, this.n * 8);
    this.end += total;
    this.n += entries.length;
    this.dirty = true;
    return first;
  }

  async sync(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await Promise.all([fdatasyncAsync(this.entriesFd), fdatasyncAsync(this.offsetsFd)]);
  }

  /** The bytes of entry i. */
  read(i: number): Buffer {
    return this.readRange(i, 1)[0]!;
  }

  /** The bytes of entries [start, start+n). */
  readRange(start: number, n: number): Buffer[] {
    if (n === 0) return [];
    if (start < 0 || start + n > this.n)
      throw new Error(`Assertion failed: entries [${start}, ${start + n}) not stored`);
    const ends = Buffer.allocUnsafe(8 * (n + 1));
    const withPrev = start > 0;
    readFully(this.offsetsFd, withPrev ? ends : ends.subarray(8), (withPrev ? start - 1 : 0) * 8);
    if (!withPrev) ends.writeBigUInt64BE(0n, 0);
    const from = Number(ends.readBigUInt64BE(0));
    const to = Number(ends.readBigUInt64BE(8 * n));
    const buf = Buffer.allocUnsafe(to - from);
    readFully(this.entriesFd, buf, from);
    const out: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const a = Number(ends.readBigUInt64BE(8 * i)) - from;
      const b = Number(ends.readBigUInt64BE(8 * (i + 1))) - from;
      out.push(unframe(buf.subarray(a, b)));
    }
    return out;
  }

  /**
   * Visits entries [0, count) in order by scanning entries.dat sequentially (fast open). Throws if a
   * frame inside that range is damaged.
   */
  forEach(visit: (entry: Buffer, index: number) => void): void {
    let index = 0;
    for (const { entry } of this.scanFrom(0, this.end)) {
      if (index >= this.n) break;
      visit(entry, index++);
    }
    if (index !== this.n) {
      throw new Error(`entries.dat is damaged: only ${index} of ${this.n} recorded entries are intact`);
    }
  }

  private *scanFrom(pos: number, limit: number): Generator<{ entry: Buffer; end: number }> {
    let carry = Buffer.alloc(0);
    while (pos < limit) {
      const chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, limit - pos));
      readFully(this.entriesFd, chunk, pos);
      const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      const base = pos - carry.length;
      let consumed = 0;
      for (const f of scanFrames(buf)) {
        yield { entry: f.entry, end: base + f.end };
        consumed = f.end;
      }
      carry = buf.subarray(consumed);
      pos += chunk.length;
    }
  }

  /**
   * Crash recovery: keeps the first `trusted` entries (covered by the signed checkpoint, so they were
   * fsynced), then re-reads every intact frame after them, drops a torn tail, and rewrites their end
   * offsets. Returns the entries found after `trusted` (never acknowledged, but intact).
   */
  recover(trusted: number): Buffer[] {
    if (this.n < trusted) {
      throw new Error(`offsets.dat records ${this.n} entries but the signed checkpoint covers ${trusted}`);
    }
    const start = this.startOf(trusted);
    const fileSize = this.fileSize();
    if (fileSize < start) throw new Error(`entries.dat is shorter than the signed checkpoint requires`);
    this.n = trusted;
    this.end = start;
    const extra: Buffer[] = [];
    const ends: number[] = [];
    for (const f of this.scanFrom(start, fileSize)) {
      extra.push(Buffer.from(f.entry));
      ends.push(f.end);
    }
    const newEnd = ends.length === 0 ? start : ends[ends.length - 1]!;
    ftruncateSync(this.entriesFd, newEnd);
    ftruncateSync(this.offsetsFd, trusted * 8);
    const offsets = Buffer.allocUnsafe(ends.length * 8);
    for (const [i, e] of ends.entries()) offsets.writeBigUInt64BE(BigInt(e), i * 8);
    writeFully(this.offsetsFd, offsets, trusted * 8);
    this.n = trusted + ends.length;
    this.end = newEnd;
    this.dirty = true;
    return extra;
  }

  close(): void {
    closeSync(this.entriesFd);
    closeSync(this.offsetsFd);
  }
}
