/**
 * The canonical tar reader: indexes an uncompressed npm package archive in place and accepts it
 * only when pnpm 10, pnpm 12 and Yarn 4 would all extract the same files from it, with the same
 * contents. What each extractor does, and why each rule below exists, is in
 * shared/core/docs/tar-extraction.md; every refusal is MALFORMED_TARBALL naming the entry.
 *
 * Accepted: ustar/GNU/v7 headers with valid unsigned checksums; regular files ('0', NUL) and
 * directories ('5'); at most one pax extended header ('x', keys other than linkpath/hdrcharset/
 * GNU.sparse.*) or one GNU long name ('L') before an entry; global pax headers ('g') with only a
 * comment; canonical names under one top folder; and the end of the archive at the first block
 * that starts with a NUL byte, which must be a zero block followed by nothing but zeros.
 */
import { foldedPath, splitArchivePath } from './entryPath.js';
import { malformed } from './malformed.js';
import type { EntryContext } from './malformed.js';
import { parsePaxRecords } from './paxRecords.js';
import {
  BLOCK,
  headerChecksum,
  headerFormat,
  isReadableNumber,
  isZero,
  octalField,
  stringField,
  utf8,
} from './tarFields.js';

/** Largest pax extended header or GNU long name we accept. */
const MAX_META_BYTES = 1024 * 1024;

export type TarEntryType = 'file' | 'directory';

export interface TarEntry {
  /** Path relative to the package root (the top folder stripped). */
  readonly path: string;
  readonly type: TarEntryType;
  /** Offset of the entry's data in the uncompressed archive. */
  readonly offset: number;
  readonly size: number;
}

/** pax keys that would make extractors disagree: links are refused, and pnpm ignores the others. */
const REFUSED_PAX_KEYS = new Set(['linkpath', 'hdrcharset']);
/** The only key a global pax header may set (git archive's commit id): node-tar applies the others to every later entry, pnpm ignores them. */
const GLOBAL_PAX_KEYS = new Set(['comment']);

type Pending =
  | { kind: 'pax'; at: number; path?: string; size?: number }
  | { kind: 'gnu'; at: number; path: string };

interface Header {
  readonly at: number;
  readonly flag: number;
  readonly size: number;
  /** The ustar name, prefix joined (before any extended header applies). */
  readonly name: string;
  /** Whether the ustar prefix field is set. */
  readonly hasPrefix: boolean;
}

function readHeader(tar: Uint8Array, at: number): Header {
  const entry: EntryContext = { at };
  const stored = octalField(tar, at + 148, 8, { terminated: true });
  if (stored === undefined)
    throw malformed('the header checksum field is not a terminated octal number', entry);
  if (stored !== headerChecksum(tar, at))
    throw malformed(`bad header checksum (stored ${stored}, computed ${headerChecksum(tar, at)})`, entry);
  const format = headerFormat(tar, at);
  if (format === undefined) throw malformed('unknown header magic (neither ustar, GNU nor v7)', entry);
  let name = stringField(tar, at, 100);
  let hasPrefix = false;
  if (name === undefined)
    throw malformed(
      'the name field has bytes after its NUL terminator, or is not UTF-8 (pnpm stops at the NUL, node-tar reads on to a newline)',
      entry,
    );
  if (format === 'ustar') {
    // node-tar reads a 130-byte prefix (then atime and ctime, as star and some npm tools write them)
    // when byte 475 is NUL, else 155 bytes; pnpm reads up to the first NUL of 155 bytes. They agree
    // when the prefix text is followed by NULs up to the end of the field node-tar reads.
    const prefix = stringField(tar, at + 345, tar[at + 475] === 0 ? 130 : 155);
    if (prefix === undefined)
      throw malformed('the ustar prefix field has bytes after its NUL terminator, or is not UTF-8', {
        at,
        name,
      });
    if (prefix !== '') name = `${prefix}/${name}`;
    hasPrefix = prefix !== '';
  } else if (!isZero(tar, at + 345, at + 500)) {
    // pnpm 10 joins bytes 345.. as a prefix whatever the magic; node-tar only for "ustar\0" "00".
    throw malformed(
      'data in the prefix field but no POSIX ustar magic (pnpm reads it as a path prefix, node-tar does not)',
      { at, name },
    );
  }
  const flag = tar[at + 156]!;
  const named: EntryContext = { at, name };
  const unused: Array<[string, number, number]> = [
    ['mode', 100, 8],
    ['uid', 108, 8],
    ['gid', 116, 8],
    ['mtime', 136, 12],
  ];
  if (format === 'ustar') unused.push(['devmajor', 329, 8], ['devminor', 337, 8]);
  if (format === 'ustar' && tar[at + 475] === 0) unused.push(['atime', 476, 12], ['ctime', 488, 12]);
  for (const [field, offset, len] of unused) {
    if (!isReadableNumber(tar, at + offset, len))
      throw malformed(
        `a ${field} field node-tar cannot parse (it rejects the header and reads its data as headers; pnpm ignores the field)`,
        named,
      );
  }
  if (tar[at + 124]! & 0x80) throw malformed('a base-256 size (node-tar reads it, pnpm 10 does not)', named);
  const size = octalField(tar, at + 124, 12);
  if (size === undefined)
    throw malformed(
      'a size field that is not plain octal (padding that pnpm and node-tar read differently)',
      named,
    );
  const isEntry = flag === 0x30 || flag === 0 || flag === 0x35;
  if (isEntry && octalField(tar, at + 100, 8) === undefined)
    throw malformed('a mode field that is not plain octal', named);
  if (isEntry && stringField(tar, at + 157, 100) !== '') {
    throw malformed(
      'a link name on an entry that is not a link (node-tar skips the entry, pnpm extracts it)',
      named,
    );
  }
  return { at, flag, size, name, hasPrefix };
}

function metaData(tar: Uint8Array, h: Header, what: string): Uint8Array {
  if (h.size > MAX_META_BYTES) throw malformed(`${what} larger than ${MAX_META_BYTES} bytes`, { at: h.at });
  return tar.subarray(h.at + BLOCK, h.at + BLOCK + h.size);
}

function readPax(tar: Uint8Array, h: Header): Pending {
  const parsed = parsePaxRecords(metaData(tar, h, 'pax header'));
  if (!parsed.ok) throw malformed(parsed.why, { at: h.at });
  const pending: { kind: 'pax'; at: number; path?: string; size?: number } = { kind: 'pax', at: h.at };
  for (const [key, value] of parsed.records) {
    if (REFUSED_PAX_KEYS.has(key) || key.startsWith('GNU.sparse.'))
      throw malformed(`pax header sets "${key}", which pnpm ignores and node-tar applies`, { at: h.at });
    if (key === 'path') pending.path = value;
    if (key === 'size') {
      if (!/^[0-9]{1,15}$/.test(value))
        throw malformed(`pax size ${JSON.stringify(value)} is not a decimal number`, { at: h.at });
      pending.size = Number(value);
    }
  }
  return pending;
}

function readGnuName(tar: Uint8Array, h: Header): Pending {
  const data = metaData(tar, h, 'GNU long name');
  let nul = data.indexOf(0);
  if (nul < 0) nul = data.length;
  if (!isZero(data, nul, data.length))
    throw malformed(
      'GNU long name has bytes after its NUL terminator (pnpm and node-tar cut it differently)',
      { at: h.at },
    );
  const path = utf8(data.subarray(0, nul));
  if (path === undefined) throw malformed('GNU long name is not valid UTF-8', { at: h.at });
  return { kind: 'gnu', at: h.at, path };
}

function checkGlobalPax(tar: Uint8Array, h: Header): void {
  const parsed = parsePaxRecords(metaData(tar, h, 'global pax header'));
  if (!parsed.ok) throw malformed(parsed.why, { at: h.at });
  for (const key of parsed.records.keys()) {
    if (!GLOBAL_PAX_KEYS.has(key))
      throw malformed(
        `global pax header sets "${key}" (node-tar applies it to every later entry, pnpm does not)`,
        { at: h.at },
      );
  }
}

/** Indexes an uncompressed tar archive in place (no copies), refusing every ambiguous shape. */
export function indexTar(tar: Uint8Array): Map<string, TarEntry> {
  const entries = new Map<string, TarEntry>();
  const folded = new Map<string, string>();
  const directories = new Set<string>();
  let top: string | undefined;
  let pending: Pending | undefined;
  let pos = 0;
  for (;;) {
    if (pos + BLOCK > tar.length) {
      throw malformed(
        pos === tar.length
          ? 'the archive ends without an end-of-archive zero block (pnpm 10 fails, node-tar accepts it)'
          : 'the archive ends inside a header block',
      );
    }
    if (tar[pos] === 0) {
      // pnpm 10 stops at the first block whose first byte is NUL; node-tar reads on past one zero block.
      if (!isZero(tar, pos, pos + BLOCK))
        throw malformed(
          'a header starts with a NUL byte but is not a zero block (pnpm 10 ends the archive there, node-tar reads the entry)',
          { at: pos },
        );
      if (!isZero(tar, pos + BLOCK, tar.length))
        throw malformed(
          `data after the end-of-archive zero block at byte ${pos} (pnpm 10 stops there, node-tar reads on)`,
        );
      break;
    }
    const h = readHeader(tar, pos);
    const isEntry = h.flag === 0x30 || h.flag === 0 || h.flag === 0x35;
    const size = isEntry && pending?.kind === 'pax' && pending.size !== undefined ? pending.size : h.size;
    const dataStart = pos + BLOCK;
    if (size > tar.length - dataStart)
      throw malformed(`data runs past the end of the archive (${size} bytes)`, { at: pos, name: h.name });
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (h.flag === 0x78 || h.flag === 0x4c || h.flag === 0x67) {
      if (pending !== undefined) {
        throw malformed(
          'two extended headers for one entry (pnpm gives a GNU long name priority and applies a pax size to the next header of any kind; node-tar lets the later one win)',
          { at: h.at },
        );
      }
      if (h.flag === 0x78) pending = readPax(tar, h);
      else if (h.flag === 0x4c) pending = readGnuName(tar, h);
      else checkGlobalPax(tar, h);
      continue;
    }
    const entryAt = pending?.at ?? h.at;
    const name = pending?.path ?? h.name;
    const context: EntryContext = { at: entryAt, name };
    if (pending?.path !== undefined && h.hasPrefix) {
      // node-tar joins the ustar prefix in front of a pax path or GNU long name; pnpm uses the long name
      // alone.
      throw malformed('a long name (pax path or GNU long name) and a ustar prefix on one entry', context);
    }
    pending = undefined;
    if (!isEntry) throw malformed(unsupportedType(h.flag), context);
    const isDirectory = h.flag === 0x35;
    if (isDirectory && size !== 0)
      throw malformed(
        `a directory with ${size} bytes of data (node-tar skips none, pnpm skips them)`,
        context,
      );
    const split = splitArchivePath(name, isDirectory);
    if (!split.ok) throw malformed(split.why, context);
    if (top === undefined) top = split.top;
    else if (split.top !== top)
      throw malformed(`the top folder "${split.top}" differs from the first entry's "${top}"`, context);
    const path = split.path;
    if (path === undefined) continue;
    const key = foldedPath(path);
    const earlier = folded.get(key);
    if (earlier !== undefined) {
      // The same bytes twice read alike whichever copy an extractor keeps (proxy-agent 6.5.0 ships
      // dist/index.js as "package/./dist/index.js" and "package/dist/index.js").
      const first = entries.get(earlier);
      if (
        earlier === path &&
        !isDirectory &&
        first?.type === 'file' &&
        sameBytes(tar, first, dataStart, size)
      )
        continue;
      throw malformed(
        earlier === path
          ? 'a second entry with the same path and other contents (pnpm and Yarn keep the last, a reader keeping the first disagrees)'
          : `its path collides with "${earlier}" on case-insensitive file systems`,
        context,
      );
    }
    // Yarn creates each directory entry with mkdir, which fails with EEXIST on a folder that exists.
    if (isDirectory && directories.has(key))
      throw malformed(
        'a directory entry for a folder that earlier entries already created (Yarn fails with EEXIST)',
        context,
      );
    folded.set(key, path);
    if (isDirectory) directories.add(key);
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1))
      directories.add(foldedPath(path.slice(0, slash)));
    entries.set(path, {
      path,
      type: isDirectory ? 'directory' : 'file',
      offset: dataStart,
      size: isDirectory ? 0 : size,
    });
  }
  if (pending !== undefined)
    throw malformed('the archive ends after an extended header with no entry', { at: pending.at });
  for (const entry of entries.values()) {
    if (entry.type === 'file' && directories.has(foldedPath(entry.path))) {
      throw malformed(`"${entry.path}" is both a file and a folder of other entries`);
    }
  }
  return entries;
}

function sameBytes(tar: Uint8Array, a: TarEntry, offset: number, size: number): boolean {
  return (
    a.size === size &&
    Buffer.compare(tar.subarray(a.offset, a.offset + size), tar.subarray(offset, offset + size)) === 0
  );
}

function unsupportedType(flag: number): string {
  const c = String.fromCharCode(flag);
  switch (c) {
    case '1':
      return 'a hard link (pnpm 10 writes it as a file of its own data, Yarn drops it)';
    case '2':
      return 'a symbolic link (pnpm drops it, Yarn keeps it)';
    case 'K':
      return 'a GNU long link name (pnpm 10 fails on it, node-tar applies it)';
    case '7':
      return 'a contiguous file (pnpm 10 fails on it, Yarn drops it)';
    default:
      return `entry type ${JSON.stringify(c)} (only files and directories are extracted alike by every package manager)`;
  }
}
