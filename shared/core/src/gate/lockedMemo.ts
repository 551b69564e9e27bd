import { createHash } from 'node:crypto';
import path from 'node:path';
import { isCachedFacts } from '../cache/factsCache.js';
import type { CachedFacts } from '../cache/factsCache.js';
import type { FileOps } from '../client/clientOps.js';
import type { Policy } from '../policy/policy.js';

export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  readonly integrity?: string | undefined;
}

/**
 * The verified-lockfile memo: for a lockfile that fully passed under exactly this policy and these
 * pinned keys, the proof-carrying facts of every locked package in ONE file, so a warm frozen install
 * reads one file instead of one per package. It is a cache like the others, so it proves nothing by
 * itself: every entry is checked again against the pinned keys and the remembered checkpoint, and
 * every decision is made again from the checked facts (gate.ts checkLocked).
 */
export class LockedMemo {
  constructor(
    private readonly cacheDir: string,
    private readonly files: FileOps,
  ) {}

  file(policy: Policy, keysFingerprint: string, pkgs: readonly LockedPackage[]): string {
    const { file: _where, ...rest } = policy;
    const h = createHash('sha256').update(JSON.stringify(rest)).update(`\n${keysFingerprint}`);
    for (const line of sortedLines(pkgs)) h.update(`\n${line}`);
    return path.join(this.cacheDir, 'verified-lockfiles', `${h.digest('hex')}.json`);
  }

  /** The memo's entries in the order of `pkgs` (null: exempt), or undefined when absent or unusable. */
  read(file: string, pkgs: readonly LockedPackage[]): ReadonlyArray<CachedFacts | null> | undefined {
    const data = this.files.read(file);
    if (data === undefined) return undefined;
    let doc: { v?: unknown; entries?: unknown };
    try {
      doc = JSON.parse(data.toString('utf8')) as typeof doc;
    } catch {
      return undefined;
    }
    if (doc.v !== 2 || typeof doc.entries !== 'object' || doc.entries === null) return undefined;
    const entries = doc.entries as Record<string, CachedFacts | null>;
    const out: Array<CachedFacts | null> = [];
    for (const p of pkgs) {
      const e = entries[`${p.name}@${p.version}`];
      if (e === undefined || (e !== null && !isCachedFacts(e))) return undefined;
      out.push(e);
    }
    return out;
  }

  write(file: string, pkgs: readonly LockedPackage[], entries: ReadonlyArray<CachedFacts | null>): void {
    const doc: Record<string, CachedFacts | null> = {};
    pkgs.forEach((p, i) => {
      doc[`${p.name}@${p.version}`] = entries[i] ?? null;
    });
    this.files.write(file, JSON.stringify({ v: 2, entries: doc }));
  }
}

function sortedLines(pkgs: readonly LockedPackage[]): string[] {
  return pkgs.map((p) => `${p.name}@${p.version} ${p.integrity ?? '-'}`).sort();
}
