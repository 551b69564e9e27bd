/**
 * Random tar archives for the differential test: mostly well-formed npm-style packages, with the
 * ambiguous shapes of the hostile catalogue mixed in at random (odd names, every type flag,
 * extended headers alone or stacked, numeric fields in every padding, bad magic and checksums,
 * zero blocks, trailing data, embedded headers), plus byte mutations of whole archives with the
 * header checksum recomputed or not. Deterministic for a seed.
 */
import { gzipSync } from 'node:zlib';
import { BLOCK, concat, dataBlocks, gnuLongName, headerBlock, paxHeader, zeroBlocks } from './rawTar.js';
import type { RawHeader } from './rawTar.js';

export interface Rng {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

const NAMES = [
  'package.json',
  'install.js',
  'index.js',
  'lib/a.js',
  'lib/b/c.js',
  'README.md',
  'Package.json',
  'lib',
  'bin/cli',
  `${'d'.repeat(70)}/${'e'.repeat(60)}.js`,
];

function baseName(r: Rng): string {
  const top = r.chance(0.9) ? 'package' : r.pick(['node-v1', 'pkg', 'package2']);
  return `${top}/${r.pick(NAMES)}`;
}

/** A name, sometimes bent into a shape extractors read differently. */
function entryName(r: Rng): string {
  const name = baseName(r);
  if (!r.chance(0.25)) return name;
  switch (r.int(11)) {
    case 0:
      return name.replace('/', '\\');
    case 1:
      return `./${name}`;
    case 2:
      return `/${name}`;
    case 3:
      return name.replace('/', '//');
    case 4:
      return `${name}/`;
    case 5:
      return name.slice(name.indexOf('/') + 1);
    case 6:
      return name.replace('/', '/../');
    case 7:
      return `${name}\u0000junk`;
    case 8:
      return name.replace('/', '/\n');
    case 9:
      return name.replace('/', '/./');
    default:
      return name.toUpperCase();
  }
}

function content(r: Rng): Uint8Array {
  const n = r.pick([0, 1, 13, 511, 512, 513, 1500]);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x20 + r.int(95);
  if (n > 0) out[0] = 0x41;
  return out;
}

/** A 12-byte size field spelled one of the ways real and hostile writers spell it. */
function sizeField(r: Rng, size: number): Array<[number, number[] | string]> {
  const oct = size.toString(8);
  switch (r.int(8)) {
    case 0:
      return [[124, `${' '.repeat(11 - oct.length - 1)}${oct} \u0000`]];
    case 1:
      return [[124, `\u0000 ${oct.padStart(10, '0')}`]];
    case 2: {
      const b = new Array<number>(12).fill(0);
      b[0] = 0x80;
      for (let i = 11, v = size; i > 0 && v > 0; i--, v = Math.floor(v / 256)) b[i] = v % 256;
      return [[124, b]];
    }
    case 3:
      return [[124, oct.padStart(12, '0')]];
    case 4:
      return [[124, `${oct.padStart(10, '0')}x\u0000`]];
    case 5:
      return [[124, `${oct.padStart(6, '0')} 7\u0000\u0000\u0000\u0000`]];
    case 6:
      return [[124, new Array<number>(12).fill(0)]];
    default:
      return [[124, `${oct.padStart(11, '0')} `]];
  }
}

function headerVariant(r: Rng, name: string, size: number): RawHeader {
  const h: RawHeader = { name: enc(name), size };
  if (enc(name).length > 100) {
    const cut = name.lastIndexOf('/');
    h.name = name.slice(cut + 1);
    h.prefix = name.slice(0, cut);
  }
  if (!r.chance(0.3)) return h;
  switch (r.int(9)) {
    case 0:
      h.patch = sizeField(r, size);
      break;
    case 1:
      h.checksum = r.pick(['unterminated', 'signed', 'bad'] as const);
      break;
    case 2:
      h.magic = r.pick(['gnu', 'v7'] as const);
      break;
    case 3:
      h.linkname = 'x';
      break;
    case 4:
      h.patch = [
        [
          100,
          r.pick([
            '0000644 ',
            '  644\u0000\u0000\u0000',
            '\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000',
            '0000abc\u0000',
          ]),
        ],
      ];
      break;
    case 5:
      h.patch = [
        [345, 'package'],
        [257, 'ustar  \u0000'],
      ];
      break;
    case 6:
      h.patch = [
        [257, 'ustar\u000000'],
        [345, 'package'],
      ];
      h.name = name.slice(name.indexOf('/') + 1);
      break;
    case 7:
      h.patch = [[0, [0]]];
      break;
    default:
      h.patch = [[400 + r.int(100), [0x41]]];
      break;
  }
  return h;
}

const encoder = new TextEncoder();
const enc = (s: string): Uint8Array => encoder.encode(s);

function fileOf(r: Rng, name: string, type: string | number = '0'): Uint8Array {
  const data = content(r);
  return concat(headerBlock({ ...headerVariant(r, name, data.length), type }), dataBlocks(data));
}

function randomEntry(r: Rng): Uint8Array {
  const roll = r.next();
  if (roll < 0.5) return fileOf(r, entryName(r), r.chance(0.1) ? 0 : '0');
  if (roll < 0.58)
    return concat(
      headerBlock({ name: `${entryName(r).replace(/\/$/, '')}/`, type: '5', size: r.chance(0.1) ? 512 : 0 }),
      r.chance(0.1) ? zeroBlocks(1) : new Uint8Array(0),
    );
  if (roll < 0.68) {
    const records: Array<[string, string]> = [];
    if (r.chance(0.8)) records.push(['path', entryName(r)]);
    if (r.chance(0.2))
      records.push([
        r.pick(['mtime', 'linkpath', 'comment', 'uid', 'GNU.sparse.size', 'hdrcharset', 'path']),
        '1',
      ]);
    return concat(
      paxHeader(records),
      r.chance(0.1) ? paxHeader([['path', entryName(r)]]) : new Uint8Array(0),
      fileOf(r, entryName(r)),
    );
  }
  if (roll < 0.76)
    return concat(
      gnuLongName(entryName(r)),
      r.chance(0.15) ? paxHeader([['path', entryName(r)]]) : new Uint8Array(0),
      fileOf(r, entryName(r)),
    );
  if (roll < 0.8)
    return concat(
      headerBlock({
        name: entryName(r),
        type: r.pick(['1', '2']),
        linkname: r.pick(['package/index.js', 'index.js', '../x']),
      }),
    );
  if (roll < 0.84) return fileOf(r, entryName(r), r.pick(['7', '3', '4', '6', 'K', 'S', 'V', 'Z']));
  if (roll < 0.87)
    return paxHeader(
      [[r.pick(['comment', 'path', 'size', 'mtime']), r.pick(['x', '1', 'package/index.js'])]],
      'g',
    );
  if (roll < 0.93) {
    // a carrier whose data is itself a header and its data
    const inner = fileOf(r, entryName(r));
    return concat(
      headerBlock({ ...headerVariant(r, entryName(r), inner.length), type: r.pick(['0', '0', '5']) }),
      inner,
    );
  }
  if (roll < 0.96) return zeroBlocks(1);
  return concat(paxHeader([['size', String(r.pick([0, 1, 600]))]]), fileOf(r, entryName(r)));
}

/**
 * An archive every extractor should read alike: distinct names under one top folder, in every
 * spelling the canonical reader accepts (pax paths, GNU long names, ustar prefixes, v7 and GNU
 * magic, space-padded numbers, directories, a global comment).
 */
function cleanArchive(r: Rng): Uint8Array {
  const parts: Uint8Array[] = [];
  if (r.chance(0.1)) parts.push(paxHeader([['comment', 'deadbeef']], 'g'));
  const top = r.pick(['package', 'package', 'node-v1']);
  for (let i = 0, n = 1 + r.int(6); i < n; i++) {
    const name = `${top}/${r.pick(['', 'lib/', 'a/b/'])}${r.pick(NAMES).replace(/\//g, '-')}-${i}`;
    const data = content(r);
    switch (r.int(7)) {
      case 0:
        parts.push(
          paxHeader([
            ['path', name],
            ['mtime', '499162500'],
          ]),
          headerBlock({ name: 'ignored', size: data.length }),
          dataBlocks(data),
        );
        break;
      case 1:
        parts.push(
          gnuLongName(name),
          headerBlock({ name: name.slice(0, 99), size: data.length, magic: 'gnu' }),
          dataBlocks(data),
        );
        break;
      case 2:
        parts.push(
          headerBlock({ name, size: data.length, magic: r.pick(['v7', 'gnu'] as const) }),
          dataBlocks(data),
        );
        break;
      case 3:
        parts.push(
          headerBlock({
            name,
            size: data.length,
            patch: [[124, `${' '.repeat(4)}${data.length.toString(8).padStart(6, '0')} \u0000`]],
          }),
          dataBlocks(data),
        );
        break;
      case 4:
        parts.push(headerBlock({ name: `${top}/dir-${i}/`, type: '5' }));
        break;
      default: {
        const cut = name.lastIndexOf('/');
        const times: Array<[number, string]> = r.chance(0.5)
          ? [
              [476, '14727160336\u0000'],
              [488, '14727160336\u0000'],
            ]
          : [];
        parts.push(
          headerBlock({
            name: name.slice(cut + 1),
            prefix: name.slice(0, cut),
            size: data.length,
            patch: times,
          }),
          dataBlocks(data),
        );
      }
    }
  }
  parts.push(zeroBlocks(r.pick([1, 2, 2, 20])));
  return concat(...parts);
}

/** One random archive, gzipped (sometimes in two members, or with bytes after the gzip data). */
export function randomArchive(r: Rng): Uint8Array {
  if (r.chance(0.35)) {
    const clean = cleanArchive(r);
    return gzipped(r, r.chance(0.1) ? mutate(r, clean) : clean);
  }
  const parts: Uint8Array[] = [];
  for (let i = 0, n = 1 + r.int(6); i < n; i++) parts.push(randomEntry(r));
  parts.push(zeroBlocks(r.pick([2, 2, 2, 1, 0, 20])));
  if (r.chance(0.04)) parts.push(dataBlocks('trailing'));
  let tar = concat(...parts);
  if (r.chance(0.15)) tar = mutate(r, tar);
  return gzipped(r, tar);
}

/** Flips bytes of a tar, inside headers most of the time, recomputing the checksum or not. */
function mutate(r: Rng, tar: Uint8Array): Uint8Array {
  const out = Uint8Array.from(tar);
  const blocks = Math.floor(out.length / BLOCK);
  if (blocks === 0) return out;
  for (let i = 0, n = 1 + r.int(3); i < n; i++) {
    const block = r.int(blocks);
    out[block * BLOCK + r.int(BLOCK)] = r.pick([
      0,
      0x20,
      0x2f,
      0x5c,
      0x2e,
      0x30,
      0x37,
      0x80,
      0xff,
      r.int(256),
    ]);
    if (r.chance(0.7)) fixChecksum(out, block * BLOCK);
  }
  return out;
}

function fixChecksum(tar: Uint8Array, at: number): void {
  tar.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = at; i < at + BLOCK; i++) sum += tar[i]!;
  tar.set(enc(`${sum.toString(8).padStart(6, '0')}\u0000 `), at + 148);
}

function gzipped(r: Rng, tar: Uint8Array): Uint8Array {
  if (r.chance(0.03) && tar.length > BLOCK) {
    const cut = BLOCK * (1 + r.int(Math.floor(tar.length / BLOCK) - 1 || 1));
    return concat(gzipSync(tar.subarray(0, cut)), gzipSync(tar.subarray(cut)));
  }
  const gz = gzipSync(tar);
  if (r.chance(0.02)) return concat(gz, new Uint8Array(r.pick([1, 8, 512])));
  return gz;
}
