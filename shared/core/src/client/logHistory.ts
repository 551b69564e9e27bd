import { SumgateError } from '../errors.js';
import {
  checkConsistency,
  hashEqual,
  proveConsistency,
  TileHashReader,
  tilesForComputation,
  toBase64,
} from '../tlog/index.js';
import type { Hash } from '../tlog/index.js';
import type { ClientOps } from './clientOps.js';
import { CheckpointStore } from './checkpointStore.js';
import { saveForkEvidence } from './evidence.js';
import type { LogRequester } from './logRequester.js';
import { ForeignOriginError, type PinnedKeys } from './pinnedKeys.js';
import type { TrustedCheckpoint } from './pinnedKeys.js';
import { TileAbsentError, TileFetcher } from './tileFetcher.js';

const MAX_LINKS = 256;

/**
 * The log's history as this machine saw it, per pinned key: every checkpoint is checked against
 * the remembered one (Go sumdb's mergeLatest) and the remembered one only moves forward along
 * consistency proofs. Failure tiers: a proof that fails, or a tile of a tree the key signed before
 * that the log answers 404 for, is SECURITY_LOG_FORK with evidence; a network fault while proving
 * is LOG_UNREACHABLE with none.
 */
export class LogHistory {
  readonly store: CheckpointStore;
  /** Checkpoints merged (or being merged) in this process, by note hash: concurrent lookups share one merge. */
  private readonly merges = new Map<string, Promise<void>>();
  private mergeTail: Promise<void> = Promise.resolve();
  private readonly trustedCache = new Map<string, Promise<TrustedCheckpoint | undefined>>();

  constructor(
    readonly keys: PinnedKeys,
    private readonly log: LogRequester,
    private readonly cacheDir: string,
    private readonly ops: ClientOps,
  ) {
    this.store = new CheckpointStore(cacheDir, ops.files);
  }

  /** Where authenticated tiles of this key's log are kept (tile paths start with `tile/`). */
  tileDir(keyId: string): string {
    return this.store.dir(keyId);
  }

  /** Opens a served checkpoint with the pinned keys; a pinned key's signature over another origin is a fork. */
  open(note: string): TrustedCheckpoint {
    try {
      return this.keys.open(note);
    } catch (e) {
      if (!(e instanceof ForeignOriginError)) throw e;
      const t = e.opened;
      const dir = saveForkEvidence(this.cacheDir, this.ops.files, {
        keyId: t.keyId,
        logUrl: this.log.url,
        remembered: this.store.read(t.keyId),
        served: note,
        proof: [],
        reason: `The key ${t.keyName} signed a checkpoint whose origin line is ${JSON.stringify(t.checkpoint.origin)}: a second history under the same key (a split view through a new origin line).`,
      });
      throw new SumgateError(
        'SECURITY_LOG_FORK',
        `SECURITY ERROR: checksum log ${this.log.url} served a checkpoint signed by the pinned key ${t.keyName} for another origin, ${JSON.stringify(t.checkpoint.origin)} (size ${t.checkpoint.size}): the key signs a second history. Evidence saved in ${dir}`,
        {
          fix: `do not install: send ${dir} to the log operator; a checkpoint's origin must be its key's name`,
          data: { keyId: t.keyId, origin: t.checkpoint.origin, evidence: dir },
        },
      );
    }
  }

  /** Opens a served checkpoint and merges it with the remembered one (once per note per process). */
  async accept(note: string): Promise<TrustedCheckpoint> {
    const served = this.open(note);
    let merge = this.merges.get(served.noteHash);
    if (merge === undefined) {
      // One merge at a time in a process: concurrent lookups against a growing log would otherwise
      // race each other's compare-and-swap. Other processes are handled by the CAS retries.
      merge = this.mergeTail.then(() => this.mergeLatest(served));
      this.mergeTail = merge.catch(() => undefined);
      this.merges.set(served.noteHash, merge);
    }
    await merge;
    return served;
  }

  /**
   * A checkpoint a cache entry refers to, trusted only if it is kept intact, signed by a pinned key,
   * and consistent with the remembered checkpoint: through the stored consistency proofs without
   * the network, else proven from the log's tiles. Undefined when it cannot be trusted now (unknown
   * key, missing or unsigned note, log unreachable): the caller proves the record again. A proof
   * that the key signed two histories is thrown (SECURITY_LOG_FORK).
   */
  trusted(keyId: string, noteHash: string): Promise<TrustedCheckpoint | undefined> {
    const k = `${keyId} ${noteHash}`;
    let p = this.trustedCache.get(k);
    if (p === undefined) {
      p = this.checkTrusted(keyId, noteHash);
      this.trustedCache.set(k, p);
    }
    return p;
  }

  private async checkTrusted(keyId: string, noteHash: string): Promise<TrustedCheckpoint | undefined> {
    if (!this.keys.keyIds.includes(keyId)) return undefined; // proven under a key this policy does not pin
    const note = this.store.readNote(keyId, noteHash);
    if (note === undefined) return undefined;
    let t: TrustedCheckpoint;
    try {
      t = this.open(note);
    } catch (e) {
      if (e instanceof SumgateError && e.code === 'SECURITY_LOG_FORK') throw e;
      return undefined;
    }
    if (t.keyId !== keyId) return undefined;
    const rememberedNote = this.store.read(keyId);
    if (rememberedNote !== undefined) {
      const remembered = this.openRemembered(keyId, rememberedNote);
      if (remembered.noteHash === t.noteHash || this.linked(t, remembered)) return t;
    }
    try {
      await this.accept(note);
      return t;
    } catch (e) {
      if (e instanceof SumgateError && e.tier === 'unavailable') return undefined;
      throw e;
    }
  }

  /** Walks stored consistency proofs from `from` to `to`, recomputing each one. */
  private linked(from: TrustedCheckpoint, to: TrustedCheckpoint): boolean {
    let cur = from;
    for (let step = 0; step < MAX_LINKS; step++) {
      if (cur.checkpoint.size === to.checkpoint.size)
        return hashEqual(cur.checkpoint.root, to.checkpoint.root);
      const link = this.store.readLink(cur.keyId, cur.noteHash);
      const nextNote = link === undefined ? undefined : this.store.readNote(cur.keyId, link.to);
      if (link === undefined || nextNote === undefined) return false;
      let next: TrustedCheckpoint;
      try {
        next = this.keys.open(nextNote);
        if (
          next.keyId !== cur.keyId ||
          next.checkpoint.size <= cur.checkpoint.size ||
          next.checkpoint.size > to.checkpoint.size
        )
          return false;
        checkConsistency(
          link.proof,
          cur.checkpoint.size,
          cur.checkpoint.root,
          next.checkpoint.size,
          next.checkpoint.root,
        );
      } catch {
        return false;
      }
      cur = next;
    }
    return false;
  }

  private openRemembered(keyId: string, note: string): TrustedCheckpoint {
    try {
      const t = this.keys.open(note);
      if (t.keyId === keyId) return t;
      throw new Error(`it is signed by another key (${t.keyId})`);
    } catch (e) {
      const file = this.store.file(keyId);
      throw new SumgateError(
        'CACHE_CORRUPT',
        `the remembered checkpoint ${file} is damaged or not signed by the pinned log key: ${(e as Error).message}`,
        {
          fix: `if this machine's cache was damaged (a crash, a disk error, a partial copy), delete ${file}: the next install trusts the log's current checkpoint as on a first run. If someone else can write this cache, first compare the log's checkpoint with another machine's`,
          data: { file },
          cause: e,
        },
      );
    }
  }

  private legacyRemembered(served: TrustedCheckpoint): string | undefined {
    const note = this.store.readLegacy(served.keyName);
    if (note === undefined) return undefined;
    try {
      return this.keys.open(note).keyId === served.keyId ? note : undefined;
    } catch {
      return undefined; // another key's, or damaged: the old layout held no proof it was ours
    }
  }

  /**
   * Go's mergeLatest: a newer checkpoint must extend the remembered one; an older one must be a
   * prefix of it; an equal size must have the same root. Anything else is a fork or a rollback.
   */
  private async mergeLatest(served: TrustedCheckpoint): Promise<void> {
    const { keyId } = served;
    for (let attempt = 0; attempt < 20; attempt++) {
      const rememberedNote = this.store.read(keyId);
      if (rememberedNote === undefined) {
        // Carry over what an earlier version remembered per origin, if this key signed it.
        const legacy = this.legacyRemembered(served);
        const r = await this.store.compareAndSwap(keyId, undefined, legacy ?? served.note);
        if (r.swapped && legacy !== undefined) {
          this.store.saveNote(keyId, legacy);
          continue; // now merge the served checkpoint with it
        }
        if (r.swapped) {
          this.store.saveNote(keyId, served.note);
          return;
        }
        continue;
      }
      const remembered = this.openRemembered(keyId, rememberedNote);
      if (served.checkpoint.size === remembered.checkpoint.size) {
        if (!hashEqual(served.checkpoint.root, remembered.checkpoint.root))
          this.fork(remembered, served, [], 'Same tree size, different root hash.');
        this.store.saveNote(keyId, served.note);
        return;
      }
      const servedIsNewer = served.checkpoint.size > remembered.checkpoint.size;
      const [older, newer] = servedIsNewer ? [remembered, served] : [served, remembered];
      const proof = await this.checkExtends(older, newer, servedIsNewer, remembered, served);
      this.store.saveNote(keyId, older.note);
      this.store.saveNote(keyId, newer.note);
      this.store.saveLink(keyId, older.noteHash, newer.noteHash, proof);
      if (!servedIsNewer) return; // a stale but consistent view: keep the newer one
      const r = await this.store.compareAndSwap(keyId, rememberedNote, served.note);
      if (r.swapped) return;
      // another process remembered a different checkpoint meanwhile: check against that one too
    }
    throw new SumgateError(
      'LOG_UNREACHABLE',
      `could not update the remembered checkpoint ${this.store.file(keyId)} (too much contention)`,
      {
        fix: 'retry the install',
      },
    );
  }

  private async checkExtends(
    older: TrustedCheckpoint,
    newer: TrustedCheckpoint,
    newerIsServed: boolean,
    remembered: TrustedCheckpoint,
    served: TrustedCheckpoint,
  ): Promise<Hash[]> {
    const m = older.checkpoint.size;
    const n = newer.checkpoint.size;
    const tiles = new TileFetcher(this.log, this.tileDir(newer.keyId), this.ops.files);
    const needed = tilesForComputation(n, (read) => proveConsistency(m, n, read));
    const prove = (): Hash[] => proveConsistency(m, n, new TileHashReader(n, (t) => tiles.get(t)).read);
    try {
      await tiles.fetchAll(needed);
    } catch (e) {
      if (!(e instanceof TileAbsentError)) throw e; // LOG_UNREACHABLE: proves nothing
      // A tile of the tree just served is missing: the log is broken, not proven lying.
      if (newerIsServed) throw unreachable(this.log.url, e);
      this.fork(
        remembered,
        served,
        [],
        `The log answers 404 for tile ${e.tile} of the tree of size ${n} its key signed earlier: it was rolled back.`,
      );
    }
    let proof = prove();
    try {
      checkConsistency(proof, m, older.checkpoint.root, n, newer.checkpoint.root);
    } catch {
      if (!tiles.usedCache)
        this.fork(
          remembered,
          served,
          proof.map(toBase64),
          `The tree of size ${m} is not a prefix of the tree of size ${n}.`,
        );
      // Cached tiles are hints: prove again from the log's own before concluding anything.
      try {
        await tiles.refetchCached(needed);
      } catch (e) {
        if (e instanceof TileAbsentError) throw unreachable(this.log.url, e);
        throw e;
      }
      proof = prove();
      try {
        checkConsistency(proof, m, older.checkpoint.root, n, newer.checkpoint.root);
      } catch {
        this.fork(
          remembered,
          served,
          proof.map(toBase64),
          `The tree of size ${m} is not a prefix of the tree of size ${n}.`,
        );
      }
    }
    tiles.save();
    return proof;
  }

  private fork(
    remembered: TrustedCheckpoint,
    served: TrustedCheckpoint,
    proof: string[],
    reason: string,
  ): never {
    const dir = saveForkEvidence(this.cacheDir, this.ops.files, {
      keyId: served.keyId,
      logUrl: this.log.url,
      remembered: remembered.note,
      served: served.note,
      proof,
      reason,
    });
    throw new SumgateError(
      'SECURITY_LOG_FORK',
      `SECURITY ERROR: checksum log ${served.checkpoint.origin} (${this.log.url}) served a checkpoint of size ${served.checkpoint.size} that is inconsistent with the one verified earlier (size ${remembered.checkpoint.size}): the log has forked or been rolled back. ${reason} Evidence saved in ${dir}`,
      {
        fix: `do not install: send ${dir} to the log operator. Only if the log was deliberately reset, delete ${this.store.file(served.keyId)} after checking why`,
        data: {
          origin: served.checkpoint.origin,
          rememberedSize: remembered.checkpoint.size,
          servedSize: served.checkpoint.size,
          evidence: dir,
        },
      },
    );
  }
}

export function unreachable(url: string, e: TileAbsentError): SumgateError {
  return new SumgateError(
    'LOG_UNREACHABLE',
    `checksum log ${url} did not serve tile ${e.tile} of the tree it just signed`,
    {
      fix: 'check that the log server is up and serves C2SP tiles; retry',
      data: { tile: e.tile },
    },
  );
}
