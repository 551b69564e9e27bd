import { createHash, randomBytes } from 'node:crypto';
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

/** The on-disk format of the facts cache: packs (`facts/v4/*.pack`); v3 was one file per version. */
export const FACTS_PACK_FORMAT = 4;
const PACK_MAGIC = 'sumgate-facts-pack';
/** More packs than this in the directory and the writer merges them into one. */
export const COMPACT_ABOVE = 16;
/**
 * When packs written behind go out: the first at once (a package manager may end the process soon
 * after: pnpm 12 SIGKILLs its workers); later ones once no fact has been queued for FLUSH_IDLE_MS
 * (a burst of batches shares one pack), and at the latest FLUSH_MAX_WAIT_MS after the oldest fact
 * waiting. With a fixed 500 ms between packs, a 50-package pnpm 12 install queued all its facts
 * 150-230 ms after the first pack and waited until 500 ms to write them, so a worker killed in
 * between lost them. That is the likely way e2e/pnpm/network.test.ts once found 49 of 50 facts
 * missing, under CI's load (that run was not traced).
 */
const FLUSH_IDLE_MS = 25;
const FLUSH_MAX_WAIT_MS = 500;

/**
 * A pack: a header line (`sumgate-facts-pack 4 <count> <sha256 of the body>`) and one line per
 * fact, `name@version<TAB><its JSON>`. The checksum makes a damaged or truncated pack detectable
 * as a whole; it is no protection against someone who can write the cache (they can recompute
 * it): that is what checking every entry's proof on every read is for.
 */
export function encodePack(entries: Iterable<readonly [string, string]>): string {
  let body = '';
  let n = 0;
  for (const [key, json] of entries) {
    body += `${key}\t${json}\n`;
    n++;
  }
  const sum = createHash('sha256').update(body).digest('hex');
  return `${PACK_MAGIC} ${FACTS_PACK_FORMAT} ${n} ${sum}\n${body}`;
}

/** A pack's facts by name@version (their JSON, unparsed and unchecked), or why it is not a whole pack. */
export function decodePack(data: Buffer): Map<string, string> | string {
  const eol = data.indexOf(10);
  if (eol < 0) return 'it has no header (damaged or truncated)';
  const [magic, format, count, sum, ...rest] = data.subarray(0, eol).toString('latin1').split(' ');
  if (magic !== PACK_MAGIC || rest.length > 0 || count === undefined || !/^\d+$/.test(count))
    return 'it is not a sumgate facts pack';
  if (format !== String(FACTS_PACK_FORMAT)) return `it is not a facts pack of format ${FACTS_PACK_FORMAT}`;
  const body = data.subarray(eol + 1);
  if (createHash('sha256').update(body).digest('hex') !== sum)
    return 'its checksum does not match its content (damaged or truncated)';
  const text = body.toString('utf8');
  const out = new Map<string, string>();
  let n = 0;
  for (let at = 0; at < text.length; n++) {
    const end = text.indexOf('\n', at);
    const tab = text.indexOf('\t', at);
    if (end < 0 || tab <= at || tab > end) return `its line ${n + 2} is not a fact`;
    out.set(text.slice(at, tab), text.slice(tab + 1, end));
    at = end + 1;
  }
  if (n !== Number(count)) return `it holds ${n} facts, its header says ${count}`;
  return out;
}

const isPack = (name: string): boolean => name.endsWith('.pack');

/**
 * A new pack's temporary file (writeFileAtomic: `<pack name>.<pid>.<random>.tmp`) older than this,
 * by the time its pack name starts with, is a writer's that was killed before its rename (pnpm 12
 * SIGKILLs its workers) and is removed by the next reader. A live writer's on a machine whose
 * clock is that far behind loses its pack (its rename fails; a cache). A merged pack's name
 * (`<newest input>~<random>.pack`) carries its inputs' time, not its own: its temporary file is
 * left alone.
 */
export const STALE_TMP_MS = 10 * 60_000;

/** The time a pack's temporary file was started, from the pack name it begins with; undefined for anything else. */
function tmpStartedAt(name: string): number | undefined {
  const m = /^(\d{15})-\d+-[0-9a-f]+\.pack\.\d+\.[0-9a-f]+\.tmp$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/**
 * The facts cache: packs of facts, each written once, atomically (tmp + rename, a unique name),
 * so concurrent processes (pnpm 12's workers, pnpm and Yarn side by side, the CLI) see a whole
 * pack or none. Facts proven together go to disk together, as one pack per batch (one file for a
 * cold install of a thousand packages instead of a thousand: creating a file costs about a
 * millisecond here, and was a second of a cold install's CPU).
 *
 * Writes are queued (read back in-process at once) and written behind where the file system can
 * write without blocking (`FileOps.writeAsync`): what is queued when the current turn of the event
 * loop ends goes out as one pack (a proven batch is written in one turn), and later packs when the
 * writes pause (FLUSH_IDLE_MS; facts gathered one by one, as answers come, share one); elsewhere
 * (the in-memory test file systems) at once. At `process.exit` what is still queued is written at
 * once. A process killed first leaves those facts uncached, and a failed write drops them: facts are
 * a cache, and cost only proving them again; the memo of the verified lockfile (written
 * synchronously) surfaces an unwritable cache.
 *
 * Reads scan the packs once per FactsCache, on the first read (one list, one read per pack; a
 * process does not see packs other processes write after that). A damaged pack is ignored as a
 * whole (said through `ignored`, and removed): its facts are proven again. When there are more than
 * COMPACT_ABOVE packs, a writer merges them (newest fact per key wins) into one new pack, then
 * removes the ones it merged: a reader that finds a listed pack gone lists again and reads the
 * merged one; two compactions at once only leave a duplicate for the next. Per-file entries of
 * format 3 (`facts/v3/`) are not read: they are proven again once. The first read also removes
 * the temporary files of pack writes killed before their rename (STALE_TMP_MS).
 */
export class FactsCache {
  /** Facts not yet handed to a pack write, by name@version (JSON). */
  private readonly queued = new Map<string, string>();
  /** Facts being written in a pack now. */
  private writing: Map<string, string> | undefined;
  /** Facts read from the packs (lazily) and written by this instance since, with their pack. */
  private loaded: Map<string, { readonly json: string; readonly file: string }> | undefined;
  private flushing: Promise<void> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Packs started by this cache (the first goes out at once). */
  private flushes = 0;
  /** When the oldest fact still queued was queued (undefined: none queued). */
  private oldestQueued: number | undefined;

  constructor(
    private readonly cacheDir: string,
    private readonly files: FileOps = nodeFileOps,
    private readonly ignored: (file: string, why: string) => void = () => {},
  ) {}

  /** The directory of the packs. */
  get dir(): string {
    return path.join(this.cacheDir, 'facts', `v${FACTS_PACK_FORMAT}`);
  }

  /** The entry for name@version as stored (unchecked), or why it cannot be read. */
  read(name: string, version: string): FactsRead {
    const key = `${name}@${version}`;
    const pending = this.queued.get(key) ?? this.writing?.get(key);
    const hit = pending === undefined ? this.packs().get(key) : { json: pending, file: this.dir };
    if (hit === undefined) return undefined;
    const { file } = hit;
    let f: unknown;
    try {
      f = JSON.parse(hit.json);
    } catch {
      return { corrupt: 'its entry is not JSON (damaged)', file };
    }
    if (!isCachedFacts(f)) return { corrupt: 'it is not a sumgate facts entry of format 3', file };
    return { facts: f, file };
  }

  /** Queues the entry (replacing an older one) for the next pack: now, or behind (see the class). */
  write(name: string, version: string, facts: CachedFacts): void {
    this.queued.set(`${name}@${version}`, JSON.stringify(facts));
    if (this.files.writeAsync === undefined) {
      this.flushNow();
      return;
    }
    atExit(this);
    const now = Date.now();
    this.oldestQueued ??= now;
    if (this.timer !== undefined) clearTimeout(this.timer); // a pause after this write, not the last one
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.startFlush();
      },
      this.flushes === 0
        ? 0
        : Math.min(FLUSH_IDLE_MS, Math.max(0, this.oldestQueued + FLUSH_MAX_WAIT_MS - now)),
    );
  }

  /** Resolves when every entry written so far is on disk (or dropped); for tests and the CLI. */
  async settled(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.startFlush();
    }
    while (this.flushing !== undefined) await this.flushing;
  }

  /**
   * At the process's exit (`process.exit` included, as a package manager does after a refusal):
   * what is still queued or in flight, as one pack written now. A killed process (pnpm 12's
   * workers) leaves it uncached.
   */
  exiting(): void {
    const pending = new Map([...(this.writing ?? []), ...this.queued]);
    if (pending.size === 0) return;
    try {
      this.files.write(path.join(this.dir, packName()), encodePack(pending));
    } catch {
      // dropped: a cache
    }
  }

  private startFlush(): void {
    this.flushes++;
    this.oldestQueued = undefined;
    this.afterPending(() => this.flush());
  }

  /** Synchronous file systems: the queue as one pack now, compaction behind. */
  private flushNow(): void {
    const batch = this.takeQueued();
    const file = path.join(this.dir, packName());
    try {
      this.files.write(file, encodePack(batch));
      this.landed(batch, file);
    } catch {
      // dropped: a cache (see the class)
    } finally {
      this.writing = undefined;
    }
    this.afterPending(() => this.compactIfMany());
  }

  /** Runs `work` after the writes already pending; `settled()` waits for it. */
  private afterPending(work: () => Promise<void>): void {
    const next = (this.flushing ?? Promise.resolve()).then(work);
    this.flushing = next;
    void next.then(() => {
      if (this.flushing === next) this.flushing = undefined;
    });
  }

  private async flush(): Promise<void> {
    if (this.queued.size === 0) return;
    const batch = this.takeQueued();
    const file = path.join(this.dir, packName());
    try {
      await this.files.writeAsync!(file, encodePack(batch));
      this.landed(batch, file);
    } catch {
      // dropped: a cache (see the class)
    } finally {
      this.writing = undefined;
      if (this.queued.size === 0) exitFlushes.delete(this);
    }
    await this.compactIfMany();
  }

  private takeQueued(): Map<string, string> {
    const batch = new Map(this.queued);
    this.queued.clear();
    this.writing = batch;
    return batch;
  }

  private landed(batch: Map<string, string>, file: string): void {
    if (this.loaded === undefined) return; // the first read finds the pack on disk
    for (const [key, json] of batch) this.loaded.set(key, { json, file });
  }

  /** The facts of every pack (the newest per key), read on first use. */
  private packs(): Map<string, { readonly json: string; readonly file: string }> {
    if (this.loaded !== undefined) return this.loaded;
    const loaded = new Map<string, { readonly json: string; readonly file: string }>();
    for (const [file, facts] of this.readPacks())
      for (const [key, json] of facts) loaded.set(key, { json, file });
    this.loaded = loaded;
    return loaded;
  }

  /** Every whole pack, oldest first (by name: a time, then a merged pack after its newest input). */
  private readPacks(): [string, Map<string, string>][] {
    const got = new Map<string, Map<string, string>>();
    const tried = new Set<string>();
    for (let listing = 0; listing < 4; listing++) {
      let vanished = false;
      for (const name of this.files.list(this.dir)) {
        if (listing === 0) this.removeIfStaleTmp(name);
        if (!isPack(name) || tried.has(name)) continue;
        tried.add(name);
        const file = path.join(this.dir, name);
        let data: Buffer | undefined;
        try {
          data = this.files.read(file);
        } catch (e) {
          this.ignored(file, `it cannot be read (${(e as Error).message})`);
          continue;
        }
        if (data === undefined) {
          vanished = true; // merged by a compaction meanwhile: list again for the merged pack
          continue;
        }
        const facts = decodePack(data);
        if (typeof facts === 'string') {
          this.ignored(file, facts);
          try {
            this.files.remove(file); // packs are never rewritten: this one stays damaged
          } catch {
            // left for the next reader
          }
          continue;
        }
        got.set(name, facts);
      }
      if (!vanished) break;
    }
    return [...got]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, facts]) => [path.join(this.dir, name), facts]);
  }

  private removeIfStaleTmp(name: string): void {
    const started = tmpStartedAt(name);
    if (started === undefined || Date.now() - started < STALE_TMP_MS) return;
    try {
      this.files.remove(path.join(this.dir, name));
    } catch {
      // left for the next reader
    }
  }

  /**
   * Merges the packs into one when there are more than COMPACT_ABOVE: the merged pack is in place
   * (renamed) before any pack it merged is removed, and only packs it holds are removed.
   */
  private async compactIfMany(): Promise<void> {
    try {
      if (this.files.list(this.dir).filter(isPack).length <= COMPACT_ABOVE) return;
      const packs = this.readPacks();
      if (packs.length <= 1) return;
      const merged = new Map<string, string>();
      for (const [, facts] of packs) for (const [key, json] of facts) merged.set(key, json);
      const newest = path.basename(packs[packs.length - 1]![0]).replace(/(~[0-9a-f]+)?\.pack$/, '');
      const file = path.join(this.dir, `${newest}~${randomBytes(4).toString('hex')}.pack`);
      const data = encodePack(merged);
      if (this.files.writeAsync === undefined) this.files.write(file, data);
      else await this.files.writeAsync(file, data);
      for (const [f] of packs) this.files.remove(f);
    } catch {
      // a cache: the packs stay as they were, the next writer merges them
    }
  }
}

/** The caches with facts queued or in flight (written at exit if still so). */
const exitFlushes = new Set<FactsCache>();
let exitHooked = false;

function atExit(cache: FactsCache): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => {
      for (const c of exitFlushes) c.exiting();
    });
  }
  exitFlushes.add(cache);
}

/** A new pack's name: the time first (so names sort oldest first), then what makes it unique. */
function packName(): string {
  return `${String(Date.now()).padStart(15, '0')}-${process.pid}-${randomBytes(4).toString('hex')}.pack`;
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
