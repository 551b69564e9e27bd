/**
 * c2sp.org/tlog-tiles: the Merkle tree served as tiles of height 8.
 *
 * Tile (L, N) holds up to 256 consecutive stored hashes at tree level 8L: hash i is complete
 * subtree (8L, N*256 + i). Full tiles hold 256 hashes; the rightmost tile of each level of a tree
 * of size n is partial, with floor(n / 256^L) mod 256 hashes. A complete subtree at level 8L + r
 * (0 <= r < 8) is the Merkle hash of 2^r consecutive hashes of one tile at level L.
 */
import { SumgateError } from '../errors.js';
import { HASH_SIZE, assertIndex, nodeHash, type Hash } from './hash.js';
import { neededSubtrees } from './proof.js';
import type { SubtreeReader } from './subtree.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** c2sp.org/tlog-tiles: `<L>` is between 0 and 63. */
export const MAX_TILE_LEVEL = 63;

export interface Tile {
  /** Tile level L: the tile stores hashes at tree level 8L. */
  level: number;
  /** Tile index N within its level. */
  index: number;
  /** Number of hashes, 1..256; 256 is a full tile. */
  width: number;
}

function malformedTile(why: string): SumgateError {
  return new SumgateError('MALFORMED_TILE', `malformed tile: ${why}`);
}

function assertTile(t: Tile): void {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > MAX_TILE_LEVEL) {
    throw new RangeError(`tile level must be 0..${MAX_TILE_LEVEL}, got ${t.level}`);
  }
  assertIndex('tile index', t.index);
  if (!Number.isInteger(t.width) || t.width < 1 || t.width > TILE_WIDTH) {
    throw new RangeError(`tile width must be 1..${TILE_WIDTH}, got ${t.width}`);
  }
}

/** c2sp.org/tlog-tiles: N as zero-padded 3-digit path elements, all but the last prefixed by `x`. */
function indexPath(index: number): string {
  assertIndex('tile index', index);
  let s = String(index % 1000).padStart(3, '0');
  let rest = Math.floor(index / 1000);
  while (rest > 0) {
    s = `x${String(rest % 1000).padStart(3, '0')}/${s}`;
    rest = Math.floor(rest / 1000);
  }
  return s;
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, e.g. `tile/0/x001/x234/067.p/8` (c2sp.org/tlog-tiles "Merkle Tree"). */
export function tilePath(t: Tile): string {
  assertTile(t);
  return `tile/${t.level}/${indexPath(t.index)}${widthSuffix(t.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`: the entry bundle for entries [N*256, N*256 + W) (c2sp.org/tlog-tiles "Log entries"). */
export function entriesPath(index: number, width: number): string {
  assertTile({ level: 0, index, width });
  return `tile/entries/${indexPath(index)}${widthSuffix(width)}`;
}

const LEVEL = /^(0|[1-9][0-9]?)$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;
const LAST_ELEMENT = /^[0-9]{3}$/;
const X_ELEMENT = /^x[0-9]{3}$/;

/**
 * Parses a tile or entry-bundle path (without any URL prefix). Strict: only the one canonical
 * spelling of each tile is accepted, else MALFORMED_TILE. Entry bundles come back with level 0.
 */
export function parseTilePath(path: string): Tile & { entries: boolean } {
  const parts = path.split('/');
  if (parts.length < 3 || parts[0] !== 'tile')
    throw malformedTile(`not a tile path: ${JSON.stringify(path)}`);
  const levelPart = parts[1] ?? '';
  const entries = levelPart === 'entries';
  let level = 0;
  if (!entries) {
    if (!LEVEL.test(levelPart)) throw malformedTile(`bad level in ${JSON.stringify(path)}`);
    level = Number(levelPart);
    if (level > MAX_TILE_LEVEL)
      throw malformedTile(`level above ${MAX_TILE_LEVEL} in ${JSON.stringify(path)}`);
  }
  let elements = parts.slice(2);
  let width = TILE_WIDTH;
  // A partial tile ends in `<last>.p/<W>`.
  const last = elements[elements.length - 1] ?? '';
  const beforeLast = elements[elements.length - 2];
  if (beforeLast?.endsWith('.p')) {
    if (!WIDTH.test(last)) throw malformedTile(`bad width in ${JSON.stringify(path)}`);
    width = Number(last);
    if (width >= TILE_WIDTH) throw malformedTile(`width must be 1..255 in ${JSON.stringify(path)}`);
    elements = [...elements.slice(0, -2), beforeLast.slice(0, -2)];
  }
  const final = elements[elements.length - 1] ?? '';
  if (!LAST_ELEMENT.test(final)) throw malformedTile(`bad index in ${JSON.stringify(path)}`);
  let index = 0;
  for (const [i, e] of elements.entries()) {
    const isLast = i === elements.length - 1;
    if (!isLast && !X_ELEMENT.test(e)) throw malformedTile(`bad index element in ${JSON.stringify(path)}`);
    // Canonical form: no leading all-zero `x000` element.
    if (i === 0 && !isLast && e === 'x000')
      throw malformedTile(`non-canonical index in ${JSON.stringify(path)}`);
    index = index * 1000 + Number(isLast ? e : e.slice(1));
  }
  if (!Number.isSafeInteger(index)) throw malformedTile(`index too large in ${JSON.stringify(path)}`);
  return { level, index, width, entries };
}

/** 256^level, the number of leaves under one stored hash of tile level `level`. */
function leavesPerHash(level: number): number {
  return TILE_WIDTH ** level;
}

/** Every tile of the tree of size n, full and partial, level by level (c2sp.org/tlog-tiles "Partial Tiles"). */
export function tilesForSize(n: number): Tile[] {
  assertIndex('tree size', n);
  const tiles: Tile[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL; level++) {
    const hashes = Math.floor(n / leavesPerHash(level));
    if (hashes === 0) break;
    const full = Math.floor(hashes / TILE_WIDTH);
    for (let index = 0; index < full; index++) tiles.push({ level, index, width: TILE_WIDTH });
    const partial = hashes % TILE_WIDTH;
    if (partial > 0) tiles.push({ level, index: full, width: partial });
  }
  return tiles;
}

/**
 * The tile, as published for a tree of size n, that holds the hashes of complete subtree
 * (level, index): tile level floor(level / 8), with the width that tile has in the tree of size n.
 */
export function tileForSubtree(level: number, index: number, n: number): Tile {
  assertIndex('subtree level', level);
  assertIndex('subtree index', index);
  assertIndex('tree size', n);
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const r = level - tileLevel * TILE_HEIGHT;
  const first = index * 2 ** r; // first stored hash at level 8L
  const end = first + 2 ** r;
  const stored = Math.floor(n / leavesPerHash(tileLevel));
  if (!Number.isSafeInteger(end) || end > stored) {
    throw new RangeError(`subtree (level ${level}, index ${index}) is not complete in a tree of size ${n}`);
  }
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const width = Math.min(TILE_WIDTH, stored - tileIndex * TILE_WIDTH);
  return { level: tileLevel, index: tileIndex, width };
}

/** Computes complete subtree (level, index) from the 32*W bytes of `tile` (untrusted until checked against a root). */
export function subtreeFromTile(tileData: Uint8Array, tile: Tile, level: number, index: number): Hash {
  assertTile(tile);
  if (tileData.length !== HASH_SIZE * tile.width) {
    throw malformedTile(`${tilePath(tile)} is ${tileData.length} bytes, expected ${HASH_SIZE * tile.width}`);
  }
  if (Math.floor(level / TILE_HEIGHT) !== tile.level) {
    throw new RangeError(`subtree level ${level} is not stored in a tile of level ${tile.level}`);
  }
  const r = level - tile.level * TILE_HEIGHT;
  const start = index * 2 ** r - tile.index * TILE_WIDTH;
  const count = 2 ** r;
  if (start < 0 || start + count > tile.width) {
    throw new RangeError(`subtree (level ${level}, index ${index}) is not inside ${tilePath(tile)}`);
  }
  return perfectTreeHash(tileData, start, count);
}

/** The Merkle hash of `count` (a power of two) stored hashes starting at hash `start` of a tile. */
function perfectTreeHash(tileData: Uint8Array, start: number, count: number): Hash {
  if (count === 1) return tileData.slice(start * HASH_SIZE, (start + 1) * HASH_SIZE);
  const half = count / 2;
  return nodeHash(perfectTreeHash(tileData, start, half), perfectTreeHash(tileData, start + half, half));
}

/** The 32*W bytes of tile `tile`: stored hashes (8L, N*256) .. (8L, N*256 + W - 1). For log servers. */
export function tileBytesFromTree(tile: Tile, read: SubtreeReader): Uint8Array {
  assertTile(tile);
  const out = new Uint8Array(HASH_SIZE * tile.width);
  for (let i = 0; i < tile.width; i++) {
    out.set(read(tile.level * TILE_HEIGHT, tile.index * TILE_WIDTH + i), i * HASH_SIZE);
  }
  return out;
}

/** Thrown by TileHashReader when the caller did not supply a tile it needs. Catch it, fetch `tile`, retry. */
export class TileMissingError extends Error {
  readonly tile: Tile;
  constructor(tile: Tile) {
    super(`tile ${tilePath(tile)} is needed but was not fetched (prefetch with tilesForComputation)`);
    this.name = 'TileMissingError';
    this.tile = tile;
  }
}

/**
 * A SubtreeReader over the tiles of a tree of size n. `getTile` returns a tile's bytes or
 * undefined if it has not been fetched. Hashes read this way are only as trustworthy as the tiles:
 * check whatever you compute from them (a proof, a root) against a signed checkpoint.
 */
export class TileHashReader {
  readonly n: number;
  readonly #getTile: (t: Tile) => Uint8Array | undefined;

  constructor(n: number, getTile: (t: Tile) => Uint8Array | undefined) {
    assertIndex('tree size', n);
    this.n = n;
    this.#getTile = getTile;
  }

  /** The tiles needed to read complete subtree (level, index). */
  tilesNeeded(level: number, index: number): Tile[] {
    return [tileForSubtree(level, index, this.n)];
  }

  /**
   * Per tile, the hashes of its inner levels (1..7) computed so far: a proof reads up to eight
   * subtrees from one tile, and many proofs share tiles, so each inner node is hashed once.
   */
  readonly #inner = new Map<string, Map<number, Hash>>();

  readonly read: SubtreeReader = (level, index) => {
    const tile = tileForSubtree(level, index, this.n);
    const data = this.#getTile(tile);
    if (data === undefined) throw new TileMissingError(tile);
    if (level % TILE_HEIGHT === 0) return subtreeFromTile(data, tile, level, index);
    const key = tilePath(tile);
    let memo = this.#inner.get(key);
    if (memo === undefined) {
      memo = new Map();
      this.#inner.set(key, memo);
    }
    // Keyed by level and index; the tile's bytes cannot change under one reader (same n, same getTile).
    const slot = level * 2 ** 24 + (index % 2 ** 24);
    let h = memo.get(slot);
    if (h === undefined) {
      h = nodeHash(this.read(level - 1, 2 * index), this.read(level - 1, 2 * index + 1));
      memo.set(slot, h);
    }
    return h;
  };
}

/** The distinct tiles of the tree of size n that computation `fn` reads (see neededSubtrees). */
export function tilesForComputation(n: number, fn: (read: SubtreeReader) => unknown): Tile[] {
  const seen = new Map<string, Tile>();
  for (const [level, index] of neededSubtrees(fn)) {
    const tile = tileForSubtree(level, index, n);
    seen.set(tilePath(tile), tile);
  }
  return [...seen.values()];
}
