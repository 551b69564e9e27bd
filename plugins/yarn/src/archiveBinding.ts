/**
 * Archive bindings: which verified npm tarball a Yarn cache archive was made from.
 *
 * Yarn's cache and lockfile know packages only by the sha512 of Yarn's own zip (`10c0/<hex>` in
 * yarn.lock: cache version 10, compression 0); no npm integrity survives resolution. A cache hit
 * never runs the fetcher's loader, so without a binding a warm cache would install whatever zip
 * sits in it. When sumgate verifies a tarball against the log and Yarn converts it, the zip's
 * checksum is bound here to the tarball's SRI; every later fetch checks that its archive's
 * checksum is the bound one, and the bound SRI is checked against the log again.
 *
 * One small file per (name@version, cache key) under sumgate's cache dir, shared by projects.
 */
import * as crypto from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Node's one-shot hash (20.12+), several times cheaper than createHash for a short name; a file name per package. */
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

export interface ArchiveBinding {
  readonly name: string;
  readonly version: string;
  /** Yarn's cache key (`10c0`): cache version and compression level the archive was made with. */
  readonly cacheKey: string;
  /** Hex sha512 of the zip, as after the `/` in yarn.lock's `checksum`. */
  readonly hash: string;
  /** sha512 SRI of the npm tarball the zip was converted from, proven in the log. */
  readonly integrity: string;
}

/** `10c0/<hex>` -> cache key and hash; a bare `<hex>` (old lockfiles) has no cache key. */
export function splitChecksum(checksum: string): { cacheKey: string | undefined; hash: string } {
  const slash = checksum.indexOf('/');
  return slash === -1
    ? { cacheKey: undefined, hash: checksum }
    : { cacheKey: checksum.slice(0, slash), hash: checksum.slice(slash + 1) };
}

export class ArchiveBindings {
  private readonly dir: string;
  /**
   * Bindings read or written by this process, by file: Yarn asks for each one in validateProject
   * and again in its fetch step. Only found ones are kept; a miss is read again.
   */
  private readonly known = new Map<string, ArchiveBinding>();

  constructor(cacheDir: string) {
    this.dir = path.join(cacheDir, 'yarn-archives', 'v1');
  }

  private file(name: string, version: string, cacheKey: string): string {
    const key = `${name}@${version}`;
    const h =
      oneShot === undefined ? createHash('sha256').update(key).digest('hex') : oneShot('sha256', key, 'hex');
    return path.join(this.dir, encodeURIComponent(cacheKey), h.slice(0, 2), `${h}.json`);
  }

  get(name: string, version: string, cacheKey: string): ArchiveBinding | undefined {
    const file = this.file(name, version, cacheKey);
    const known = this.known.get(file);
    if (known !== undefined) return known;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const b = JSON.parse(text) as Partial<ArchiveBinding>;
      // A damaged or foreign entry is a miss: the archive is then verified again from the network.
      if (b.name !== name || b.version !== version || b.cacheKey !== cacheKey) return undefined;
      if (typeof b.hash !== 'string' || typeof b.integrity !== 'string' || !b.integrity.startsWith('sha512-'))
        return undefined;
      this.known.set(file, b as ArchiveBinding);
      return b as ArchiveBinding;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes asynchronously (a cold install binds hundreds of archives; synchronous writes would stall
   * Yarn's event loop) and without fsync: a binding lost in a crash is only a miss, and the
   * archive is then verified again. tmp + rename keeps readers from seeing a torn file.
   */
  async set(b: ArchiveBinding): Promise<void> {
    const { name, version, cacheKey, hash, integrity } = b;
    const file = this.file(name, version, cacheKey);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ name, version, cacheKey, hash, integrity })}\n`);
    await rename(tmp, file);
    this.known.set(file, { name, version, cacheKey, hash, integrity });
  }
}
