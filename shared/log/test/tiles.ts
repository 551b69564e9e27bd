/** Test client helpers: reading a log's tree through its HTTP tiles only (as a monitor would). */
import { type Hash, type SubtreeReader, TileHashReader, tilePath, tilesForComputation } from '@sumgate/core';

/** Runs `fn` over a reader backed by the server's tiles of the tree of size n (fetched first). */
export async function withTiles<T>(url: string, n: number, fn: (read: SubtreeReader) => T): Promise<T> {
  const tiles = tilesForComputation(n, fn);
  const got = new Map<string, Uint8Array>();
  await Promise.all(
    tiles.map(async (t) => {
      const res = await fetch(`${url}/${tilePath(t)}`);
      if (res.status !== 200) throw new Error(`GET ${tilePath(t)}: HTTP ${res.status}`);
      got.set(tilePath(t), new Uint8Array(await res.arrayBuffer()));
    }),
  );
  return fn(new TileHashReader(n, (t) => got.get(tilePath(t))).read);
}

export function b64(h: Hash): string {
  return Buffer.from(h).toString('base64');
}
