import path from 'node:path';
import { SumgateError } from '../errors.js';
import { HASH_SIZE, TILE_WIDTH, tilePath } from '../tlog/index.js';
import type { Tile } from '../tlog/index.js';
import type { FileOps } from './clientOps.js';
import type { LogRequester } from './logRequester.js';

/**
 * The log definitively does not have a tile (HTTP 404 for the tile and its full version). Only this,
 * for a tree the log signed earlier, can count as evidence of a rollback; a network error, a
 * timeout or a 5xx is LOG_UNREACHABLE and proves nothing.
 */
export class TileAbsentError extends Error {
  constructor(
    readonly tile: string,
    logUrl: string,
  ) {
    super(`checksum log ${logUrl} answered 404 for tile ${tile}`);
    this.name = 'TileAbsentError';
  }
}

/**
 * Tiles from a log server with a disk cache. Tiles are suspect until whatever was computed from
 * them checked out against a signed checkpoint: call `save` only then. Full tiles are cached
 * forever (they are immutable); partial tiles never. A cached tile is still only a hint: when a
 * proof computed with cached tiles fails, `refetchCached` replaces them with the log's own before
 * anyone concludes anything (a poisoned cache must not look like a fork).
 */
export class TileFetcher {
  private readonly fetched = new Map<string, Uint8Array>();
  private readonly fromCache = new Set<string>();

  constructor(
    private readonly log: LogRequester,
    private readonly tileDir: string,
    private readonly files: FileOps,
  ) {}

  private cachePath(key: string): string {
    return path.join(this.tileDir, key);
  }

  get(t: Tile): Uint8Array | undefined {
    return this.fetched.get(tilePath(t));
  }

  get usedCache(): boolean {
    return this.fromCache.size > 0;
  }

  async fetchAll(tiles: readonly Tile[]): Promise<void> {
    await Promise.all(tiles.map((t) => this.fetchOne(t, true)));
  }

  /** Drops every tile that came from the disk cache and downloads it again. */
  async refetchCached(tiles: readonly Tile[]): Promise<void> {
    for (const key of this.fromCache) this.fetched.delete(key);
    this.fromCache.clear();
    await Promise.all(tiles.map((t) => this.fetchOne(t, false)));
  }

  private async fetchOne(t: Tile, useCache: boolean): Promise<void> {
    const key = tilePath(t);
    if (this.fetched.has(key)) return;
    const full = t.width === TILE_WIDTH;
    const cached = full && useCache ? this.files.read(this.cachePath(key)) : undefined;
    if (cached !== undefined && cached.length === TILE_WIDTH * HASH_SIZE) {
      this.fetched.set(key, cached);
      this.fromCache.add(key);
      return;
    }
    let data = await this.download(t);
    if (data === undefined && !full) {
      // The log has grown since: the partial tile is gone, its full tile starts with the same hashes.
      const fullData = await this.download({ ...t, width: TILE_WIDTH });
      data = fullData?.subarray(0, t.width * HASH_SIZE);
    }
    if (data === undefined) throw new TileAbsentError(key, this.log.url);
    if (data.length !== t.width * HASH_SIZE) {
      throw new SumgateError(
        'MALFORMED_TILE',
        `checksum log ${this.log.url} served tile ${key} with ${data.length} bytes, not ${t.width * HASH_SIZE}`,
        {
          fix: 'the log or a proxy in front of it serves broken tiles; report it to the log operator',
          data: { tile: key },
        },
      );
    }
    this.fetched.set(key, data);
  }

  private async download(t: Tile): Promise<Uint8Array | undefined> {
    return this.log.get(tilePath(t), { absent: [404], maxBytes: TILE_WIDTH * HASH_SIZE });
  }

  /** Persists the full tiles used so far; call after they were authenticated against a checkpoint. */
  save(): void {
    for (const [key, data] of this.fetched) {
      if (data.length !== TILE_WIDTH * HASH_SIZE || key.includes('.p/') || this.fromCache.has(key)) continue;
      this.files.write(this.cachePath(key), data);
    }
  }
}
