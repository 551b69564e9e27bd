import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NpmRecord } from '../record/npmRecord.js';
import { readFileOrUndefined, writeFileAtomic } from './atomicFile.js';

/**
 * Facts proven once about a package version (its log record and leaf, its previous version's install
 * code, what the metadata claimed), cached on disk and shared by every adapter and process. Only
 * facts are cached, never decisions: an approval added to the policy takes effect on the next run,
 * and a refusal is re-derived, so it stays sticky.
 *
 * One file per name@version: the log's first record for a version wins forever, so the integrity
 * inside is the only one it can have; a caller with another integrity (a lockfile that disagrees)
 * gets a miss and goes to the log. A caller without one (Yarn's lockfile keeps none) gets the facts.
 */
export interface CachedFacts {
  readonly v: 1;
  readonly record: string;
  /** The record's fields, so reads need not re-parse the text (it was parsed strictly when proven). */
  readonly fields?: NpmRecord | undefined;
  readonly index: number;
  readonly checkpointSize: number;
  readonly origin: string;
  readonly previous?: { readonly version: string | undefined; readonly record: string | undefined } | undefined;
  readonly metadata?: { readonly installHooks: readonly string[] | undefined; readonly publishedAt: string | undefined } | undefined;
}

export class FactsCache {
  /** Directories known to exist (created at most once per process). */
  private readonly dirs = new Set<string>();

  constructor(private readonly cacheDir: string) {}

  private file(name: string, version: string): string {
    const h = createHash('sha256').update(`${name}@${version}`).digest('hex');
    return path.join(this.cacheDir, 'facts', 'v2', h.slice(0, 2), `${h}.json`);
  }

  /** Facts for name@version whose record has this integrity (any integrity when undefined). */
  lookup(name: string, version: string, integrity: string | undefined): CachedFacts | undefined {
    const data = readFileOrUndefined(this.file(name, version));
    if (data === undefined) return undefined;
    let f: CachedFacts;
    try {
      f = JSON.parse(data.toString('utf8')) as CachedFacts;
    } catch {
      return undefined; // a damaged or half-written entry is just a miss
    }
    if (f.v !== 1 || typeof f.record !== 'string') return undefined;
    // The record's first line is `npm <name> <version> <integrity>` (record-format.md).
    const recorded = f.fields?.integrity ?? f.record.slice(0, f.record.indexOf('\n')).split(' ')[3];
    if (integrity !== undefined && recorded !== integrity) return undefined;
    return f;
  }

  /**
   * A first write creates the file exclusively (one syscall, no rename: a reader seeing it half
   * written treats it as a miss); adding facts to an existing entry replaces it atomically.
   */
  set(name: string, version: string, facts: CachedFacts, replace = false): void {
    const file = this.file(name, version);
    const data = JSON.stringify(facts);
    if (replace) {
      writeFileAtomic(file, data);
      return;
    }
    const dir = path.dirname(file);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    try {
      writeFileSync(file, data, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
