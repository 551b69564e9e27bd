import { createHash } from 'node:crypto';
import path from 'node:path';
import { readFileOrUndefined, writeFileAtomic } from './atomicFile.js';

/**
 * Facts proven once about a package version (its log record and leaf, its previous version's install
 * code, what the metadata claimed), cached on disk by name@version+integrity and shared by every
 * adapter and process. Only facts are cached, never decisions: an approval added to the policy
 * takes effect on the next run, and a refusal is re-derived, so it stays sticky.
 */
export interface CachedFacts {
  readonly v: 1;
  readonly record: string;
  readonly index: number;
  readonly checkpointSize: number;
  readonly origin: string;
  readonly previous?: { readonly version: string | undefined; readonly record: string | undefined } | undefined;
  readonly metadata?: { readonly installHooks: readonly string[] | undefined; readonly publishedAt: string | undefined } | undefined;
}

export class FactsCache {
  constructor(private readonly cacheDir: string) {}

  private file(name: string, version: string, integrity: string): string {
    const h = createHash('sha256').update(`${name}@${version}\0${integrity}`).digest('hex');
    return path.join(this.cacheDir, 'facts', 'v1', h.slice(0, 2), `${h}.json`);
  }

  /** The file that remembers which integrity a name@version was proven with (the log's first record wins forever). */
  private pointer(name: string, version: string): string {
    const h = createHash('sha256').update(`${name}@${version}`).digest('hex');
    return path.join(this.cacheDir, 'facts', 'v1', 'by-version', h.slice(0, 2), h);
  }

  /** Facts for name@version, with the lockfile's integrity when the caller has one (pnpm, npm), else the proven one (Yarn). */
  lookup(name: string, version: string, integrity: string | undefined): CachedFacts | undefined {
    const i = integrity ?? readFileOrUndefined(this.pointer(name, version))?.toString('utf8');
    return i === undefined ? undefined : this.get(name, version, i);
  }

  get(name: string, version: string, integrity: string): CachedFacts | undefined {
    const data = readFileOrUndefined(this.file(name, version, integrity));
    if (data === undefined) return undefined;
    try {
      const f = JSON.parse(data.toString('utf8')) as CachedFacts;
      return f.v === 1 && typeof f.record === 'string' ? f : undefined;
    } catch {
      return undefined; // a damaged entry is just a miss
    }
  }

  set(name: string, version: string, integrity: string, facts: CachedFacts): void {
    writeFileAtomic(this.file(name, version, integrity), JSON.stringify(facts));
    writeFileAtomic(this.pointer(name, version), integrity);
  }
}
