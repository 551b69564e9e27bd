import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FileOps } from '../client/clientOps.js';
import { nodeFileOps } from '../client/clientOps.js';
import type { SourceMetadata } from '../verdict/decide.js';

/**
 * A record with what proves it: its exact text, its leaf index, the inclusion path (one base64
 * string of the hashes, leaf to root) and the signed checkpoint it is proven under, referred to by the pinned
 * key's id and
 * the note's sha256 (kept in logs/<key>/checkpoints/). Nothing here is believed until checked again.
 */
export interface ProvenEntry {
  readonly record: string;
  readonly index: number;
  /** The inclusion path: the base64 of its 32-byte hashes concatenated, leaf to root. */
  readonly proof: string;
  readonly key: string;
  readonly checkpoint: string;
}

/**
 * Facts proven once about a package version, cached on disk and shared by every adapter and
 * process: its record with proof, its previous version's record with proof (for the install-code
 * comparison), and what the source's metadata claimed. Only facts, never decisions: an approval
 * added to the policy takes effect on the next run, and a refusal is re-derived, so it stays
 * sticky. Nothing that failed is written: a version whose metadata could not be fetched has no
 * `metadata` here, and one whose previous version could not be proven has no `previous`.
 *
 * Anyone who can write the cache directory can write these files, so every read is checked against
 * the pinned keys and the remembered checkpoint (gate/recordProver.ts) before it counts.
 */
export interface CachedFacts {
  readonly v: 3;
  readonly proven: ProvenEntry;
  /** The previous version (undefined version: there is none) and its proven record. */
  readonly previous?:
    | { readonly version: string | undefined; readonly proven: ProvenEntry | undefined }
    | undefined;
  readonly metadata?: SourceMetadata | undefined;
}

export type FactsRead =
  | { readonly facts: CachedFacts; readonly file: string }
  | { readonly corrupt: string; readonly file: string }
  | undefined;

/** Entries written behind at once, at most (each is a file create: the cost of a cold cache). */
const WRITE_BEHIND_CONCURRENCY = 16;

/**
 * The facts cache. Where the file system can write without blocking (`FileOps.writeAsync`),
 * entries are written behind: `write` queues and returns, and the files are created while the
 * package manager goes on (a cold cache means one file per package, about a millisecond each on
 * a busy disk: a second on the critical path of a 1,000-package install). This process reads its
 * own queued entries back; a process that exits first leaves those facts uncached, which costs
 * only proving them again next time. A failed write is dropped the same way: facts are a cache,
 * and the memo of the verified lockfile (written synchronously) surfaces an unwritable cache.
 */
export class FactsCache {
  private readonly queued = new Map<string, string>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly cacheDir: string,
    private readonly files: FileOps = nodeFileOps,
  ) {}

  file(name: string, version: string): string {
    const h = createHash('sha256').update(`${name}@${version}`).digest('hex');
    return path.join(this.cacheDir, 'facts', 'v3', h.slice(0, 2), `${h}.json`);
  }

  /** The entry for name@version as stored (unchecked), or why it cannot be read. */
  read(name: string, version: string): FactsRead {
    const file = this.file(name, version);
    const queued = this.queued.get(file);
    const data = queued === undefined ? this.files.read(file) : Buffer.from(queued, 'utf8');
    if (data === undefined) return undefined;
    let f: unknown;
    try {
      f = JSON.parse(data.toString('utf8'));
    } catch {
      return { corrupt: 'it is not JSON (damaged or half written)', file };
    }
    if (!isCachedFacts(f)) return { corrupt: 'it is not a sumgate facts entry of format 3', file };
    return { facts: f, file };
  }

  /** Writes (or replaces) the entry atomically: now, or behind (see the class). */
  write(name: string, version: string, facts: CachedFacts): void {
    const file = this.file(name, version);
    const json = JSON.stringify(facts);
    if (this.files.writeAsync === undefined) {
      this.files.write(file, json);
      return;
    }
    this.queued.set(file, json);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Resolves when every entry written so far is on disk (or dropped); for tests and the CLI. */
  async settled(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flush(): Promise<void> {
    const writeAsync = this.files.writeAsync!;
    try {
      while (this.queued.size > 0) {
        const batch = [...this.queued].slice(0, WRITE_BEHIND_CONCURRENCY * 8);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < batch.length) {
            const [file, json] = batch[next++]!;
            await writeAsync(file, json).catch(() => {});
            // a newer entry queued meanwhile stays queued (and is written next round)
            if (this.queued.get(file) === json) this.queued.delete(file);
          }
        };
        await Promise.all(Array.from({ length: WRITE_BEHIND_CONCURRENCY }, worker));
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

export function isProvenEntry(e: unknown): e is ProvenEntry {
  if (typeof e !== 'object' || e === null) return false;
  const p = e as Partial<ProvenEntry>;
  return (
    typeof p.record === 'string' &&
    Number.isSafeInteger(p.index) &&
    (p.index ?? -1) >= 0 &&
    typeof p.proof === 'string' &&
    typeof p.key === 'string' &&
    typeof p.checkpoint === 'string'
  );
}

export function isCachedFacts(f: unknown): f is CachedFacts {
  if (typeof f !== 'object' || f === null) return false;
  const c = f as Partial<CachedFacts>;
  if (c.v !== 3 || !isProvenEntry(c.proven)) return false;
  if (
    c.previous !== undefined &&
    (typeof c.previous !== 'object' ||
      c.previous === null ||
      (c.previous.version !== undefined && typeof c.previous.version !== 'string') ||
      (c.previous.proven !== undefined && !isProvenEntry(c.previous.proven)))
  )
    return false;
  const m = c.metadata;
  if (
    m !== undefined &&
    (typeof m !== 'object' ||
      m === null ||
      (m.installHooks !== undefined &&
        !(Array.isArray(m.installHooks) && m.installHooks.every((h) => typeof h === 'string'))) ||
      (m.publishedAt !== undefined && typeof m.publishedAt !== 'string'))
  )
    return false;
  return true;
}
