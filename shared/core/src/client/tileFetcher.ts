import path from 'node:path';
import { readFileOrUndefined, writeFileAtomic } from '../cache/atomicFile.js';
import { originDirName } from '../cache/cacheDir.js';
import { HASH_SIZE, TILE_WIDTH, tilePath } from '../tlog/index.js';
import type { Tile } from '../tlog/index.js';
import type { HttpClient } from '../sources/http.js';
import { SumgateError } from '../errors.js';

/**
 * Tiles from a log server with a disk cache. Tiles are suspect until whatever was computed from
 * them checked out against a signed checkpoint: call `save` only then. Full tiles are cached
 * forever (they are immutable); partial tiles never.
 */
export class TileFetcher {
  private readonly fetched = new Map<string, Uint8Array>();

  constructor(
    private readonly logUrl: string,
    private readonly origin: string,
    private readonly cacheDir: string,
    private readonly http: HttpClient,
    private readonly timeoutMs: number,
  ) {}

  private cachePath(t: Tile): string {
    return path.join(this.cacheDir, 'logs', originDirName(this.origin), tilePath(t));
  }

  get(t: Tile): Uint8Array | undefined {
    return this.fetched.get(tilePath(t));
  }

  async fetchAll(tiles: readonly Tile[]): Promise<void> {
    await Promise.all(tiles.map((t) => this.fetchOne(t)));
  }

  private async fetchOne(t: Tile): Promise<void> {
    const key = tilePath(t);
    if (this.fetched.has(key)) return;
    const full = t.width === TILE_WIDTH;
    const cached = full ? readFileOrUndefined(this.cachePath(t)) : undefined;
    if (cached !== undefined && cached.length === TILE_WIDTH * HASH_SIZE) {
      this.fetched.set(key, cached);
      return;
    }
    let data = await this.download(t);
    if (data === undefined && !full) {
      // The log has grown since: the partial tile is gone, its full tile starts with the same hashes.
      const fullData = await this.download({ ...t, width: TILE_WIDTH });
      data = fullData?.subarray(0, t.width * HASH_SIZE);
    }
    if (data === undefined || data.length !== t.width * HASH_SIZE) {
      throw new SumgateError('LOG_UNREACHABLE', `checksum log ${this.logUrl} did not serve tile ${key}`, {
        fix: 'check that the log server is up and serves C2SP tiles; retry',
        data: { tile: key },
      });
    }
    this.fetched.set(key, data);
  }

  private async download(t: Tile): Promise<Uint8Array | undefined> {
    const res = await this.http(`${this.logUrl}${tilePath(t)}`, { timeoutMs: this.timeoutMs, maxBytes: TILE_WIDTH * HASH_SIZE });
    if (res.status === 404) return undefined;
    if (res.status !== 200) return undefined;
    return res.body;
  }

  /** Persists the full tiles used so far; call after they were authenticated against a checkpoint. */
  save(): void {
    for (const [key, data] of this.fetched) {
      if (data.length !== TILE_WIDTH * HASH_SIZE || key.includes('.p/')) continue;
      const file = path.join(this.cacheDir, 'logs', originDirName(this.origin), key);
      if (readFileOrUndefined(file) === undefined) writeFileAtomic(file, data);
    }
  }
}
