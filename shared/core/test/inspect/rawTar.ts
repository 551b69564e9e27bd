/**
 * A block-level tar writer for hostile fixtures: every header field can be set to any bytes, so a
 * test can build exactly the archive an attacker would. Written from the POSIX ustar layout
 * (name 0/100, mode 100/8, size 124/12, chksum 148/8, typeflag 156, linkname 157/100, magic 257/6,
 * version 263/2, prefix 345/155). `tarWriter.ts` builds the ordinary archives.
 */
import { gzipSync } from 'node:zlib';

const enc = new TextEncoder();
export const BLOCK = 512;

export interface RawHeader {
  name: string | Uint8Array;
  /** Typeflag character (default '0'); a number writes that byte. */
  type?: string | number;
  size?: number;
  mode?: number;
  linkname?: string;
  prefix?: string;
  /** Default 'ustar' ("ustar\0" "00"). */
  magic?: 'ustar' | 'gnu' | 'v7';
  /** Raw bytes written over the header (offset, bytes) before the checksum is computed. */
  patch?: Array<[number, number[] | string]>;
  /** How the checksum field is written: 'ok' (6 digits, NUL, space), 'unterminated' (8 digits), 'signed' sum, or 'bad'. */
  checksum?: 'ok' | 'unterminated' | 'signed' | 'bad';
}

function bytes(v: string | Uint8Array | number[]): Uint8Array {
  return typeof v === 'string' ? enc.encode(v) : Uint8Array.from(v);
}

function put(block: Uint8Array, at: number, len: number, v: string | Uint8Array | number[]): void {
  const b = bytes(v);
  if (b.length > len) throw new Error(`rawTar: ${b.length} bytes do not fit in ${len}`);
  block.set(b, at);
}

const octal = (value: number, len: number): string => `${value.toString(8).padStart(len - 1, '0')}\0`;

export function headerBlock(h: RawHeader): Uint8Array {
  const b = new Uint8Array(BLOCK);
  put(b, 0, 100, bytes(h.name).subarray(0, 100)); // cut, as a writer without long names would
  put(b, 100, 8, octal(h.mode ?? 0o644, 8));
  put(b, 108, 8, octal(0, 8));
  put(b, 116, 8, octal(0, 8));
  put(b, 124, 12, octal(h.size ?? 0, 12));
  put(b, 136, 12, octal(499162500, 12));
  const type = h.type ?? '0';
  b[156] = typeof type === 'number' ? type : type.charCodeAt(0);
  if (h.linkname !== undefined) put(b, 157, 100, h.linkname);
  const magic = h.magic ?? 'ustar';
  if (magic === 'ustar') put(b, 257, 8, 'ustar\u000000');
  if (magic === 'gnu') put(b, 257, 8, 'ustar  \u0000');
  if (h.prefix !== undefined) put(b, 345, 155, bytes(h.prefix).subarray(0, 155));
  for (const [at, v] of h.patch ?? []) b.set(bytes(v), at);
  b.fill(0x20, 148, 156);
  let unsigned = 0;
  let signed = 0;
  for (const x of b) {
    unsigned += x;
    signed += x > 127 ? x - 256 : x;
  }
  const mode = h.checksum ?? 'ok';
  const sum = mode === 'signed' ? signed : mode === 'bad' ? unsigned + 1 : unsigned;
  put(
    b,
    148,
    8,
    mode === 'unterminated' ? sum.toString(8).padStart(8, '0') : `${sum.toString(8).padStart(6, '0')}\0 `,
  );
  return b;
}

/** Data padded to whole blocks. */
export function dataBlocks(data: string | Uint8Array): Uint8Array {
  const d = bytes(data);
  const out = new Uint8Array(Math.ceil(d.length / BLOCK) * BLOCK);
  out.set(d);
  return out;
}

export function zeroBlocks(n: number): Uint8Array {
  return new Uint8Array(n * BLOCK);
}

/** A regular file entry (header + data); `h` overrides header fields. */
export function fileEntry(
  name: string | Uint8Array,
  content: string | Uint8Array,
  h: Partial<RawHeader> = {},
): Uint8Array {
  const data = bytes(content);
  return concat(headerBlock({ name, size: data.length, ...h }), dataBlocks(data));
}

export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = enc.encode(body).length;
  let len = n + 1;
  while (len !== n + String(len).length) len = n + String(len).length;
  return `${len}${body}`;
}

/** A pax extended header ('x', or 'g' for global) carrying `records`. */
export function paxHeader(records: Array<[string, string]>, type: 'x' | 'g' = 'x'): Uint8Array {
  const data = enc.encode(records.map(([k, v]) => paxRecord(k, v)).join(''));
  return concat(headerBlock({ name: 'PaxHeader', type, size: data.length }), dataBlocks(data));
}

/** A GNU long name header ('L', or 'K' for a long link name). */
export function gnuLongName(name: string, type: 'L' | 'K' = 'L'): Uint8Array {
  const data = enc.encode(`${name}\0`);
  return concat(headerBlock({ name: '././@LongLink', type, size: data.length }), dataBlocks(data));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Gzips the concatenated parts. */
export function tgzOf(...parts: Uint8Array[]): Uint8Array {
  return gzipSync(concat(...parts));
}
