/**
 * Reads npm package tarballs (.tgz) in memory, without extracting anything to disk.
 *
 * The format is POSIX ustar (POSIX.1-2001 "pax Interchange Format", IEEE Std 1003.1 `pax`), with
 * the pax extended headers (`x`) and GNU long names (`L`, `K`) that npm and other packers emit.
 * Every byte here is attacker-controlled: a tarball we read differently from the package manager
 * that installs it would let install-time code hide from sumgate. So wherever real extractors
 * could disagree (bad header checksums, `..` segments, data after the end-of-archive marker,
 * global pax headers that rename entries) we refuse with MALFORMED_TARBALL instead of guessing.
 */
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';
import { SumgateError } from '../errors.js';

/** Largest uncompressed archive we accept (npm's own limit for a published package is far lower). */
export const MAX_TAR_BYTES = 512 * 1024 * 1024;
/** Largest pax extended header or GNU long name we accept. */
const MAX_META_BYTES = 1024 * 1024;
/** How many symbolic links read() follows before giving up. */
const MAX_LINK_HOPS = 8;
const BLOCK = 512;

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Path relative to the package root: first component stripped, `.` and empty segments removed. */
  readonly path: string;
  readonly type: TarEntryType;
  /** Offset of the entry's data in the uncompressed archive. */
  readonly offset: number;
  readonly size: number;
  /** For links: the target, as stored (hard links already relative to the package root). */
  readonly linkTarget?: string;
}

function malformed(why: string): SumgateError {
  return new SumgateError('MALFORMED_TARBALL', `malformed package tarball: ${why}`, {
    fix: 'the tarball is damaged or was crafted to confuse extractors; do not install it, and report it to the registry',
  });
}

/** Gunzips a .tgz (all gzip members), bounded by `maxBytes` (default {@link MAX_TAR_BYTES}). */
export function gunzipTarball(tgz: Uint8Array, maxBytes: number = MAX_TAR_BYTES): Uint8Array {
  checkGzipMagic(tgz);
  try {
    return gunzipSync(tgz, gunzipOptions(tgz, maxBytes));
  } catch (e) {
    throw gunzipError(e, maxBytes);
  }
}

/**
 * The same, off the main thread (zlib's thread pool): package managers fetch many packages at
 * once, so a host's event loop keeps downloading while tarballs inflate.
 */
export async function gunzipTarballAsync(tgz: Uint8Array, maxBytes: number = MAX_TAR_BYTES): Promise<Uint8Array> {
  checkGzipMagic(tgz);
  try {
    return await gunzipAsync(tgz, gunzipOptions(tgz, maxBytes));
  } catch (e) {
    throw gunzipError(e, maxBytes);
  }
}

const gunzipAsync = promisify(gunzip) as (buf: Uint8Array, opts: ZlibOptions) => Promise<Buffer>;

function checkGzipMagic(tgz: Uint8Array): void {
  if (tgz.length < 2 || tgz[0] !== 0x1f || tgz[1] !== 0x8b) {
    throw malformed('not gzip data (missing the 1f 8b magic bytes)');
  }
}

function gunzipOptions(tgz: Uint8Array, maxBytes: number): ZlibOptions {
  // Output chunks sized to the expected output (npm tarballs inflate ~4x): with the 16 KiB
  // default, a 5 MB tarball takes twice as long, mostly spent growing and joining chunks.
  return { maxOutputLength: maxBytes, chunkSize: Math.min(8 << 20, Math.max(64 << 10, tgz.length * 4)) };
}

function gunzipError(e: unknown, maxBytes: number): SumgateError {
  const code = (e as { code?: unknown }).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) return malformed(`uncompressed size exceeds ${maxBytes} bytes`);
  return malformed(`gzip stream is corrupt (${(e as Error).message})`);
}

const utf8 = new TextDecoder('utf-8');

/** A NUL-terminated string field. */
function cString(buf: Uint8Array, start: number, len: number): string {
  let end = start;
  const limit = start + len;
  while (end < limit && buf[end] !== 0) end++;
  return utf8.decode(buf.subarray(start, end));
}

/**
 * A numeric header field: octal digits padded with spaces/NULs (ustar), or GNU base-256 when the
 * high bit of the first byte is set (used for sizes of 8 GiB and more).
 */
function numberField(buf: Uint8Array, start: number, len: number, what: string): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw malformed(`negative ${what} in a tar header`);
    let n = first & 0x7f;
    for (let i = start + 1; i < start + len; i++) {
      n = n * 256 + (buf[i] ?? 0);
      if (n > Number.MAX_SAFE_INTEGER) throw malformed(`${what} too large in a tar header`);
    }
    return n;
  }
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let n = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0) throw malformed(`${what} field is not octal in a tar header`);
  }
  return digits === 0 ? 0 : n;
}

/** ustar §header checksum: the sum of all header bytes with the chksum field read as spaces. */
function checksumMatches(buf: Uint8Array, at: number): boolean {
  const stored = numberField(buf, at + 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (buf[at + i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Historic tars summed signed chars; every reader accepts either.
  return stored === unsigned || stored === signed;
}

function isZeroBlock(buf: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/** pax §extended header: records `"<len> <key>=<value>\n"`, where len counts the whole record. */
function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    if (data[i] === 0) break; // some writers NUL-pad the header data
    let len = 0;
    let j = i;
    while (j < data.length && data[j]! >= 0x30 && data[j]! <= 0x39 && j - i < 10) len = len * 10 + (data[j++]! - 0x30);
    if (j === i || data[j] !== 0x20 || len <= j - i + 1 || i + len > data.length || data[i + len - 1] !== 0x0a) {
      throw malformed('bad pax extended header record');
    }
    const record = utf8.decode(data.subarray(j + 1, i + len - 1));
    const eq = record.indexOf('=');
    if (eq <= 0) throw malformed('bad pax extended header record (no key)');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * Turns an archive path into a path relative to the package root, like `tar --strip-components=1`
 * (what npm, pnpm and Yarn do): everything up to the first `/` is the root, whatever it is named.
 * Returns undefined for the root itself and for entries outside any root directory.
 */
export function packagePath(archivePath: string): string | undefined {
  const slash = archivePath.indexOf('/');
  if (slash < 0) return undefined;
  const parts: string[] = [];
  for (const seg of archivePath.slice(slash + 1).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw malformed(`entry path "${archivePath}" contains ".."`);
    parts.push(seg);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

function entryType(flag: number): TarEntryType {
  switch (flag) {
    case 0x30: // '0'
    case 0: //   '\0' (pre-POSIX regular file)
    case 0x37: // '7' contiguous file: extractors treat it as a regular file
      return 'file';
    case 0x31: return 'hardlink'; // '1'
    case 0x32: return 'symlink'; // '2'
    case 0x35: return 'directory'; // '5'
    default: return 'other';
  }
}

/**
 * Indexes an uncompressed tar archive in place (no copies). Later entries with the same path replace
 * earlier ones, as they do on extraction.
 */
export function indexTar(tar: Uint8Array): Map<string, TarEntry> {
  const entries = new Map<string, TarEntry>();
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;
  let sawZero = false;
  for (;;) {
    if (pos + BLOCK > tar.length) {
      if (pos < tar.length && !isAllZero(tar, pos)) throw malformed('archive ends inside a header block');
      break; // EOF without the two zero blocks: extractors accept it
    }
    if (isZeroBlock(tar, pos)) {
      pos += BLOCK;
      if (sawZero) {
        // End of archive (ustar: two zero blocks). Anything else after it is not ours to ignore.
        if (!isAllZero(tar, pos)) throw malformed('data after the end-of-archive marker');
        break;
      }
      sawZero = true; // node-tar keeps reading after a single zero block, so do we
      continue;
    }
    sawZero = false;
    if (!checksumMatches(tar, pos)) throw malformed(`bad header checksum at byte ${pos}`);
    const flag = tar[pos + 156] ?? 0;
    const headerSize = numberField(tar, pos + 124, 12, 'size');
    const isUstar = tar[pos + 257] === 0x75 && cString(tar, pos + 257, 6) === 'ustar' && tar[pos + 263] === 0x30;
    let size = headerSize;
    const paxSize = pax?.get('size');
    if (paxSize !== undefined && flag !== 0x78 && flag !== 0x67 && flag !== 0x4c && flag !== 0x4b) {
      if (!/^[0-9]{1,16}$/.test(paxSize)) throw malformed('bad pax size');
      size = Number(paxSize);
    }
    const dataStart = pos + BLOCK;
    if (size > tar.length - dataStart) throw malformed(`entry data runs past the end of the archive at byte ${pos}`);
    const data = (): Uint8Array => tar.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    switch (flag) {
      case 0x78: // 'x' pax extended header for the next entry
        if (size > MAX_META_BYTES) throw malformed('pax header too large');
        pax = new Map([...(pax ?? []), ...parsePax(data())]);
        continue;
      case 0x67: { // 'g' pax global header
        if (size > MAX_META_BYTES) throw malformed('pax header too large');
        const global = parsePax(data());
        for (const key of ['path', 'linkpath', 'size']) {
          if (global.has(key)) throw malformed(`global pax header sets "${key}"`);
        }
        continue;
      }
      case 0x4c: // 'L' GNU long name for the next entry
        if (size > MAX_META_BYTES) throw malformed('GNU long name too large');
        longName = cString(data(), 0, size);
        continue;
      case 0x4b: // 'K' GNU long link name for the next entry
        if (size > MAX_META_BYTES) throw malformed('GNU long link name too large');
        longLink = cString(data(), 0, size);
        continue;
    }

    // pax `path` overrides everything; a GNU long name overrides the header; ustar joins prefix/name.
    let name = pax?.get('path') ?? longName;
    if (name === undefined) {
      const headerAt = dataStart - BLOCK;
      name = cString(tar, headerAt, 100);
      if (isUstar && tar[headerAt + 345] !== 0) name = `${cString(tar, headerAt + 345, 155)}/${name}`;
    }
    const rawLink = pax?.get('linkpath') ?? longLink ?? cString(tar, dataStart - BLOCK + 157, 100);
    pax = undefined;
    longName = undefined;
    longLink = undefined;

    const type = entryType(flag);
    // POSIX stores no data for links and directories; readers disagree on skipping a non-zero size.
    if (size !== 0 && (type === 'hardlink' || type === 'symlink' || type === 'directory')) {
      throw malformed(`${type} entry "${name}" has a non-zero size`);
    }
    const path = packagePath(name);
    if (path === undefined) continue;
    let linkTarget: string | undefined;
    if (type === 'hardlink') {
      linkTarget = packagePath(rawLink);
      if (linkTarget === undefined) throw malformed(`hard link "${name}" points outside the package`);
    } else if (type === 'symlink') {
      linkTarget = rawLink;
    }
    const entry: TarEntry = {
      path,
      type,
      offset: dataStart,
      size: type === 'file' ? size : 0,
      ...(linkTarget === undefined ? {} : { linkTarget }),
    };
    entries.delete(path); // keep Map order = order of the final writes
    entries.set(path, entry);
  }
  if (longName !== undefined || pax !== undefined || longLink !== undefined) {
    throw malformed('archive ends after an extended header with no entry');
  }
  return entries;
}

function isAllZero(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Resolves a symlink target relative to the link's directory; undefined when it leaves the package. */
function resolveSymlink(linkPath: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined;
  const parts = linkPath.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(seg);
    }
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

/** An opened tarball: its uncompressed bytes and an index of its entries. */
export class Tarball {
  readonly tar: Uint8Array;
  readonly entries: ReadonlyMap<string, TarEntry>;

  constructor(tar: Uint8Array) {
    this.tar = tar;
    this.entries = indexTar(tar);
  }

  /**
   * The regular file a path names, following hard links and symbolic links that stay inside the
   * package (extraction would create them), or undefined when there is none.
   */
  fileEntry(path: string): TarEntry | undefined {
    let current = path;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const entry = this.entries.get(current);
      if (entry === undefined) return undefined;
      if (entry.type === 'file') return entry;
      if (entry.type === 'hardlink' && entry.linkTarget !== undefined) {
        current = entry.linkTarget;
      } else if (entry.type === 'symlink' && entry.linkTarget !== undefined) {
        const next = resolveSymlink(current, entry.linkTarget);
        if (next === undefined) return undefined;
        current = next;
      } else {
        return undefined;
      }
    }
    return undefined;
  }

  /** Contents of the regular file at `path` (a view into {@link tar}, not a copy). */
  read(path: string): Uint8Array | undefined {
    const entry = this.fileEntry(path);
    return entry === undefined ? undefined : this.tar.subarray(entry.offset, entry.offset + entry.size);
  }
}

/** Gunzips and indexes a .tgz. Throws SumgateError('MALFORMED_TARBALL'). */
export function openTarball(tgz: Uint8Array): Tarball {
  return new Tarball(gunzipTarball(tgz));
}

/** {@link openTarball}, inflating off the main thread. */
export async function openTarballAsync(tgz: Uint8Array): Promise<Tarball> {
  return new Tarball(await gunzipTarballAsync(tgz));
}

/** Every entry of a .tgz, in archive order (after later duplicates replaced earlier ones). */
export function listTarball(tgz: Uint8Array): TarEntry[] {
  return [...openTarball(tgz).entries.values()];
}

/**
 * The wanted regular files of a .tgz, keyed by path relative to the package root. Links are
 * followed as {@link Tarball.read} does. The returned arrays are views into one buffer.
 */
export function readTarball(tgz: Uint8Array, want: (path: string) => boolean): Map<string, Uint8Array> {
  const tarball = openTarball(tgz);
  const out = new Map<string, Uint8Array>();
  for (const path of tarball.entries.keys()) {
    if (!want(path)) continue;
    const data = tarball.read(path);
    if (data !== undefined) out.set(path, data);
  }
  return out;
}
