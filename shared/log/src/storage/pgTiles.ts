/**
 * Hash tiles as the PostgreSQL backend stores them: one row per c2sp.org/tlog-tiles tile (L, N),
 * holding not only the tile's 256 hashes of tree level 8L but every complete subtree inside the
 * tile, levels 8L .. 8L+7 (Go's "stored hashes" of the tile, 510 hashes when full). Any proof hash
 * is then a slice of one row: no hashing on the read path (the embedded store makes the same trade,
 * hashLevels.ts). The c2sp tile (L, N, W) is the first W hashes of the row.
 *
 * Row layout for a tile of width w (w hashes at its bottom level): internal level i (0..7) holds
 * floor(w / 2^i) hashes, concatenated bottom-up.
 */
import { type Hash, HASH_SIZE, nodeHash, TILE_HEIGHT, TILE_WIDTH } from '@sumgate/core';

/** Offset (in hashes) of internal level i in a row of width w. */
export function levelOffset(w: number, i: number): number {
  let off = 0;
  for (let t = 0; t < i; t++) off += Math.floor(w / 2 ** t);
  return off;
}

/** Number of hashes in a row of width w. */
export function rowHashes(w: number): number {
  return levelOffset(w, TILE_HEIGHT);
}

/** Where stored subtree (level j, index k) lives: tile (L, N) and the hash position in its row. */
export function locateSubtree(
  j: number,
  k: number,
): { level: number; index: number; internal: number; pos: number; minWidth: number } {
  const level = Math.floor(j / TILE_HEIGHT);
  const internal = j % TILE_HEIGHT;
  const perTile = TILE_WIDTH >> internal;
  const index = Math.floor(k / perTile);
  const pos = k - index * perTile;
  return { level, index, internal, pos, minWidth: (pos + 1) << internal };
}

/** The hash of subtree (j, k) from the row bytes of its tile (row width w). */
export function subtreeFromRow(row: Uint8Array, w: number, j: number, k: number): Hash {
  const { internal, pos, minWidth } = locateSubtree(j, k);
  if (w < minWidth)
    throw new Error(`Assertion failed: tile row of width ${w} does not hold subtree (${j}, ${k})`);
  const at = (levelOffset(w, internal) + pos) * HASH_SIZE;
  return row.subarray(at, at + HASH_SIZE);
}

/** The first `w` bytes-level hashes of a row of width `rowWidth`, re-laid as a row of width w (a prefix tile). */
export function truncateRow(row: Uint8Array, rowWidth: number, w: number): Buffer {
  if (w > rowWidth) throw new Error('Assertion failed: cannot widen a tile row');
  const parts: Uint8Array[] = [];
  for (let i = 0; i < TILE_HEIGHT; i++) {
    const from = levelOffset(rowWidth, i) * HASH_SIZE;
    parts.push(row.subarray(from, from + Math.floor(w / 2 ** i) * HASH_SIZE));
  }
  return Buffer.concat(parts);
}

/** The writer's copy of one tile that is still growing (the right edge of tile level L). */
export class GrowingTile {
  readonly levels: Uint8Array[][] = Array.from({ length: TILE_HEIGHT }, () => []);

  constructor(
    readonly level: number,
    readonly index: number,
  ) {}

  static fromRow(level: number, index: number, row: Uint8Array, w: number): GrowingTile {
    const t = new GrowingTile(level, index);
    for (let i = 0; i < TILE_HEIGHT; i++) {
      const n = Math.floor(w / 2 ** i);
      const from = levelOffset(w, i) * HASH_SIZE;
      for (let p = 0; p < n; p++)
        t.levels[i]!.push(row.subarray(from + p * HASH_SIZE, from + (p + 1) * HASH_SIZE));
    }
    return t;
  }

  get width(): number {
    return this.levels[0]!.length;
  }

  get full(): boolean {
    return this.width === TILE_WIDTH;
  }

  row(): Buffer {
    return Buffer.concat(this.levels.flat());
  }
}

export interface EdgeMark {
  readonly size: number;
  readonly tiles: ReadonlyArray<{ tile: GrowingTile; widths: number[] }>;
  readonly changed: Map<string, GrowingTile>;
}

/**
 * The right edge of the whole tree, one GrowingTile per tile level, fed with leaf hashes. Every
 * hash a root of the current size needs is on this edge (the complete subtrees of the size's binary
 * decomposition lie in the last tile of their tile level).
 */
export class TreeEdge {
  private readonly tiles: GrowingTile[] = [];
  /** Tiles changed since the last takeChanged(), by "L/N". */
  private changed = new Map<string, GrowingTile>();

  constructor(public size: number) {}

  /** Restores the edge of a tree of `size` leaves; `loadRow` returns (row, width) of tile (L, N). */
  static async load(
    size: number,
    loadRow: (level: number, index: number) => Promise<{ row: Uint8Array; width: number }>,
  ): Promise<TreeEdge> {
    const edge = new TreeEdge(size);
    for (let L = 0; L === 0 || Math.floor(size / TILE_WIDTH ** L) > 0; L++) {
      const c = Math.floor(size / TILE_WIDTH ** L);
      const index = Math.floor(c / TILE_WIDTH);
      const w = c % TILE_WIDTH;
      if (w === 0) {
        edge.tiles[L] = new GrowingTile(L, index);
        continue;
      }
      const { row, width } = await loadRow(L, index);
      if (width < w)
        throw new Error(`tile ${L}/${index} holds ${width} hashes, the signed size ${size} needs ${w}`);
      edge.tiles[L] = GrowingTile.fromRow(L, index, width === w ? row : truncateRow(row, width, w), w);
    }
    return edge;
  }

  private push(j: number, h: Uint8Array): void {
    const L = Math.floor(j / TILE_HEIGHT);
    const i = j % TILE_HEIGHT;
    let t = this.tiles[L];
    if (t === undefined) {
      t = new GrowingTile(L, 0);
      this.tiles[L] = t;
    }
    if (i === 0 && t.full) {
      t = this.tiles[L] = new GrowingTile(L, t.index + 1);
    }
    const lv = t.levels[i]!;
    lv.push(h);
    this.changed.set(`${L}/${t.index}`, t);
    if (lv.length % 2 === 0) this.push(j + 1, nodeHash(lv[lv.length - 2]!, h));
  }

  /** RFC 6962 §2.1: appends leaf hashes and every subtree hash they complete. */
  appendLeaves(leaves: readonly Hash[]): void {
    for (const leaf of leaves) this.push(0, leaf);
    this.size += leaves.length;
  }

  /** A point to rewind to: the edge as it is now (the sizes of its tiles' levels). */
  mark(): EdgeMark {
    return {
      size: this.size,
      tiles: this.tiles.map((tile) => ({ tile, widths: tile.levels.map((l) => l.length) })),
      changed: new Map(this.changed),
    };
  }

  /** Back to `m`: appendLeaves only ever appends to the levels of the tiles it had, or adds tiles. */
  rewind(m: EdgeMark): void {
    this.size = m.size;
    this.tiles.length = 0;
    for (const { tile, widths } of m.tiles) {
      for (const [i, w] of widths.entries()) tile.levels[i]!.length = w;
      this.tiles.push(tile);
    }
    this.changed = m.changed;
  }

  /** The tiles changed since the last call (rows to upsert). */
  takeChanged(): GrowingTile[] {
    const out = [...this.changed.values()];
    this.changed = new Map();
    return out;
  }

  /** A SubtreeReader over the edge: subtrees (j, k) of the right edge of the current size. */
  readonly read = (j: number, k: number): Hash => {
    const { level, index, internal, pos } = locateSubtree(j, k);
    const t = this.tiles[level];
    const h = t !== undefined && t.index === index ? t.levels[internal]![pos] : undefined;
    if (h === undefined) throw new Error(`Assertion failed: subtree (${j}, ${k}) is not on the right edge`);
    return h;
  };
}
