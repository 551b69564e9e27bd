import { describe, expect, it } from 'vitest';
import {
  MemoryTree,
  TILE_WIDTH,
  TileHashReader,
  TileMissingError,
  entriesPath,
  hashEqual,
  parseTilePath,
  proveConsistency,
  proveInclusion,
  recordHash,
  subtreeFromTile,
  tileBytesFromTree,
  tileForSubtree,
  tilePath,
  tilesForComputation,
  tilesForSize,
  treeHash,
  type Tile,
} from '../../src/tlog/index.js';

function makeTree(n: number): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < n; i++) t.append(recordHash(new TextEncoder().encode(`entry ${i}`)));
  return t;
}

/** The tiles a log server publishes for size n, keyed by path. */
function publish(tree: MemoryTree, n: number): Map<string, Uint8Array> {
  const tiles = new Map<string, Uint8Array>();
  for (const t of tilesForSize(n)) tiles.set(tilePath(t), tileBytesFromTree(t, tree.read));
  return tiles;
}

describe('tile paths (c2sp.org/tlog-tiles)', () => {
  it('encodes the index in 3-digit groups with x prefixes', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 3, index: 5, width: 256 })).toBe('tile/3/005');
    expect(tilePath({ level: 1, index: 1000, width: 17 })).toBe('tile/1/x001/000.p/17');
    expect(tilePath({ level: 63, index: 0, width: 1 })).toBe('tile/63/000.p/1');
    expect(entriesPath(1234067, 256)).toBe('tile/entries/x001/x234/067');
    expect(entriesPath(0, 112)).toBe('tile/entries/000.p/112');
  });

  it('parses what it formats', () => {
    for (const t of [
      { level: 0, index: 0, width: 1 },
      { level: 2, index: 999, width: 256 },
      { level: 5, index: 1000, width: 255 },
      { level: 0, index: 1234067, width: 8 },
      { level: 0, index: Number.MAX_SAFE_INTEGER, width: 256 },
    ]) {
      expect(parseTilePath(tilePath(t))).toEqual({ ...t, entries: false });
      expect(parseTilePath(entriesPath(t.index, t.width))).toEqual({ ...t, level: 0, entries: true });
    }
  });

  it.each([
    'tile/0/1',
    'tile/0/0001',
    'tile/00/000',
    'tile/01/000',
    'tile/64/000',
    'tile/100/000',
    'tile/-1/000',
    'tile/0/x000/001',
    'tile/0/x1/001',
    'tile/0/001/x002',
    'tile/0/y001/002',
    'tile/0/000.p/256',
    'tile/0/000.p/0',
    'tile/0/000.p/007',
    'tile/0/000.p/',
    'tile/0/000.p',
    'tile/0/000.p/1/2',
    'tile/0/000/',
    'tile/0/',
    'tile/0',
    'tile/entries',
    'tile/entries/000.p/300',
    'tiles/0/000',
    '/tile/0/000',
    'tile/0/00a',
    'tile/0/x001.p/5/000',
    'tile/data/000',
  ])('rejects %s with MALFORMED_TILE', (path) => {
    expect(() => parseTilePath(path)).toThrow(expect.objectContaining({ code: 'MALFORMED_TILE' }));
  });
});

describe('tiles of a tree', () => {
  it('lists the tiles of the spec example, a tree of 70,000 (and of 256)', () => {
    const tiles = tilesForSize(70_000);
    const level = (l: number): Tile[] => tiles.filter((t) => t.level === l);
    expect(level(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(level(0).filter((t) => t.width < 256)).toEqual([{ level: 0, index: 273, width: 112 }]);
    expect(level(1)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    expect(level(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles).toHaveLength(277);
    expect(tilesForSize(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(tilesForSize(0)).toEqual([]);
  });

  it('computes the same root from tiles as in memory for every size 1..1000', () => {
    const tree = makeTree(1000);
    for (let n = 1; n <= 1000; n++) {
      const tiles = publish(tree, n);
      const reader = new TileHashReader(n, (t) => tiles.get(tilePath(t)));
      expect(hashEqual(treeHash(n, reader.read), tree.root(n)), `size ${n}`).toBe(true);
    }
  });

  it('serves proofs from tiles for multi-level trees, with only the tiles a proof needs', () => {
    const big = 70_000;
    const tree = makeTree(big);
    for (const n of [65_535, 65_536, 65_537, big]) {
      const tiles = publish(tree, n);
      for (const i of [0, 255, 256, 65_535, 12_345, n - 1].filter((i) => i < n)) {
        const fetched = new Map<string, Uint8Array>();
        const needed = tilesForComputation(n, (read) => proveInclusion(i, n, read));
        for (const t of needed) fetched.set(tilePath(t), tiles.get(tilePath(t)) ?? new Uint8Array());
        expect(needed.length).toBeLessThanOrEqual(8);
        const reader = new TileHashReader(n, (t) => fetched.get(tilePath(t)));
        const fromTiles = proveInclusion(i, n, reader.read);
        const fromMemory = proveInclusion(i, n, tree.read);
        expect(fromTiles.map((h) => Buffer.from(h).toString('hex'))).toEqual(
          fromMemory.map((h) => Buffer.from(h).toString('hex')),
        );
      }
      const all = new TileHashReader(n, (t) => tiles.get(tilePath(t)));
      expect(hashEqual(treeHash(n, all.read), tree.root(n))).toBe(true);
      expect(proveConsistency(1000, n, all.read)).toEqual(proveConsistency(1000, n, tree.read));
    }
  });

  it('reports a missing tile with the tile to fetch (the root of 600 reads tile 1/000.p/2 and 0/002.p/88)', () => {
    const tree = makeTree(600);
    const tiles = publish(tree, 600);
    const reader = new TileHashReader(600, (t) =>
      t.level === 0 && t.index === 2 ? undefined : tiles.get(tilePath(t)),
    );
    expect(() => treeHash(600, reader.read)).toThrow(TileMissingError);
    try {
      treeHash(600, reader.read);
    } catch (e) {
      expect((e as TileMissingError).tile).toEqual({ level: 0, index: 2, width: 88 });
    }
    expect(reader.tilesNeeded(3, 40)).toEqual([{ level: 0, index: 1, width: 256 }]);
  });

  it('refuses a tile of the wrong length', () => {
    const tree = makeTree(300);
    const tiles = publish(tree, 300);
    const reader = new TileHashReader(300, (t) => tiles.get(tilePath(t))?.subarray(32));
    expect(() => treeHash(300, reader.read)).toThrow(expect.objectContaining({ code: 'MALFORMED_TILE' }));
  });

  it('maps subtrees to tiles with the width of the tree size', () => {
    expect(tileForSubtree(0, 5, 300)).toEqual({ level: 0, index: 0, width: 256 });
    expect(tileForSubtree(0, 260, 300)).toEqual({ level: 0, index: 1, width: 44 });
    expect(tileForSubtree(5, 8, 300)).toEqual({ level: 0, index: 1, width: 44 });
    expect(tileForSubtree(8, 0, 300)).toEqual({ level: 1, index: 0, width: 1 });
    expect(tileForSubtree(9, 0, 70_000)).toEqual({ level: 1, index: 0, width: 256 });
    expect(() => tileForSubtree(6, 4, 300)).toThrow(RangeError);
    expect(() => tileForSubtree(0, 300, 300)).toThrow(RangeError);
    const tree = makeTree(300);
    const t = tileForSubtree(5, 8, 300);
    const bytes = tileBytesFromTree(t, tree.read);
    expect(bytes.length).toBe(44 * 32);
    expect(hashEqual(subtreeFromTile(bytes, t, 5, 8), tree.read(5, 8))).toBe(true);
    expect(() => subtreeFromTile(bytes, t, 6, 4)).toThrow(RangeError);
    expect(TILE_WIDTH).toBe(256);
  });
});
