/**
 * Strict decoders for the fields of a 512-byte tar header (POSIX.1-1988 ustar layout). Each accepts
 * only the spelling every extractor decodes to the same value, and returns undefined otherwise, so
 * the reader can say which field was ambiguous:
 * - numbers: pnpm 10 skips leading spaces, then leading NULs, and stops at the first space;
 *   node-tar (Yarn) cuts at the first NUL, trims spaces, and parses base-256 when the high bit is set.
 *   Only `spaces* octal-digits+ (NUL|space)*` reads alike, so only that is accepted.
 * - strings: pnpm stops at the first NUL; node-tar deletes from the first NUL to the next newline
 *   only (`/\0.*\/` without the s flag). Only a string followed by nothing but NULs reads alike.
 */
export const BLOCK = 512;

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** An octal number field, or undefined when its spelling is not one every extractor agrees on. */
export function octalField(
  buf: Uint8Array,
  start: number,
  len: number,
  opts: { terminated?: boolean } = {},
): number | undefined {
  const end = start + len;
  let i = start;
  while (i < end && buf[i] === 0x20) i++;
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
    digits++;
  }
  if (digits === 0) return undefined;
  // node-tar reads the checksum from 12 bytes (into typeflag and linkname): only a terminator inside
  // the 8-byte field keeps it from reading on.
  if (opts.terminated === true && i === end) return undefined;
  for (; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0) return undefined;
  }
  return n;
}

/**
 * A NUL-terminated UTF-8 string field: the text, or undefined when bytes follow the first NUL or the
 * bytes are not valid UTF-8 (pnpm and node-tar would replace them with U+FFFD, merging distinct names).
 */
export function stringField(buf: Uint8Array, start: number, len: number): string | undefined {
  const end = start + len;
  let nul = start;
  while (nul < end && buf[nul] !== 0) nul++;
  for (let i = nul; i < end; i++) if (buf[i] !== 0) return undefined;
  return utf8(buf.subarray(start, nul));
}

/**
 * Whether a numeric field sumgate does not use (uid, gid, mtime, device numbers, star's atime and
 * ctime) reads without error in node-tar: octal text (digits, spaces, NULs), or positive base-256
 * (first byte 0x80) within 2^53. node-tar throws on any other high-bit value and skips the whole
 * header, reading its data as headers, while pnpm ignores these fields. (identity-obj-proxy 3.0.0
 * has a base-256 uid and gid.)
 */
export function isReadableNumber(buf: Uint8Array, start: number, len: number): boolean {
  if (buf[start]! & 0x80) {
    if (buf[start] !== 0x80) return false;
    let n = 0;
    for (let i = start + 1; i < start + len; i++) {
      n = n * 256 + buf[i]!;
      if (n > Number.MAX_SAFE_INTEGER) return false;
    }
    return true;
  }
  for (let i = start; i < start + len; i++) {
    const c = buf[i]!;
    if (c !== 0 && c !== 0x20 && (c < 0x30 || c > 0x37)) return false;
  }
  return true;
}

/** Strict UTF-8 text, or undefined. */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * ustar header checksum: the unsigned sum of the header bytes with the checksum field counted as
 * spaces. pnpm 10 and node-tar both compare the unsigned sum only (historic signed sums are refused).
 */
export function headerChecksum(buf: Uint8Array, at: number): number {
  let sum = 8 * 0x20;
  for (let i = at; i < at + 148; i++) sum += buf[i]!;
  for (let i = at + 156; i < at + BLOCK; i++) sum += buf[i]!;
  return sum;
}

export function isZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The header's format, from its magic and version fields (offset 257, 8 bytes). */
export function headerFormat(buf: Uint8Array, at: number): 'ustar' | 'gnu' | 'v7' | undefined {
  const m = buf.subarray(at + 257, at + 265);
  const is = (s: string): boolean => m.every((b, i) => b === s.charCodeAt(i));
  if (is('ustar\u000000')) return 'ustar';
  if (is('ustar  \u0000')) return 'gnu';
  if (isZero(buf, at + 257, at + 265)) return 'v7';
  return undefined;
}
