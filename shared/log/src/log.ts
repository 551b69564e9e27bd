/**
 * An open checksum log: durable storage, the signing key, the name@version index, and the
 * sequencer that turns appends into published checkpoints. One process per directory (dirLock).
 *
 * Invariant: `published` (the checkpoint clients see) and `index` (what lookups find) only ever
 * cover entries that are fsynced, and they change together, in one synchronous step.
 */
import { readFileSync } from 'node:fs';
import {
  formatCheckpoint,
  type Hash,
  hashEqual,
  type NpmRecord,
  openCheckpoint,
  parseRecord,
  parseSignerKey,
  parseVerifierKey,
  proveConsistency,
  proveInclusion,
  recordHash,
  type Signer,
  signNote,
  SumgateError,
  toBase64,
  type Verifier,
} from '@sumgate/core';
import { writeFileAtomic } from './atomicFile.js';
import { lockLogDir, type DirLock } from './dirLock.js';
import { EvidenceStore, type Evidence } from './evidence.js';
import { logFile, readLogConfig } from './logFiles.js';
import { FirstRecordWins, logConflict, recordEntry } from './firstRecordWins.js';
import { type CommitResult, Sequencer, type QueuedEntry } from './sequencer.js';
import { LogStorage } from './storage.js';
import { buildProofBatch, type ProofBatch, type ProofRequest } from './proofBatch.js';
import type { WitnessSubmitter } from './witness/witnessSubmitter.js';
import { VersionIndex } from './versionIndex.js';

export interface OpenLogOptions {
  /** How long the first entry of a batch waits for company (default 5 ms). */
  batchMaxDelayMs?: number;
  /** Most entries per batch, i.e. per fsync and checkpoint (default 8192). */
  batchMaxEntries?: number;
  /** Witnesses to cosign every new checkpoint before it is published (witness/witnessSubmitter.ts). */
  witnesses?: WitnessSubmitter | undefined;
  /**
   * On open, re-parse and re-hash every entry and check every stored tile against the level above
   * (slower). Without it, open checks the signed root, which covers the right edge of every level.
   */
  verifyAll?: boolean;
}

export interface PublishedCheckpoint {
  size: number;
  root: Hash;
  /** The signed note, exactly as served at /checkpoint. */
  note: string;
}

export interface AppendResult {
  index: number;
  /** True when the identical record was already logged (or queued). */
  existing: boolean;
}

const decoder = new TextDecoder();

/**
 * The index key of a valid record without parsing all of it: its first line is
 * `npm <escaped name> <version> <integrity>` and the escaped name is canonical (record-format.md),
 * so `<escaped name> <version>` (sliced straight from the bytes, no concatenation: the index is
 * rebuilt for every entry on open) identifies the version. recordKey form is `<escaped>@<version>`.
 */
function indexKeyOfText(text: string): string {
  const end = text.indexOf(' ', text.indexOf(' ', 4) + 1);
  if (!text.startsWith('npm ') || end < 0) throw new Error('Assertion failed: not an npm record');
  // A copy, not a slice: V8 keeps a sliced string's whole parent alive, so every index key (and the
  // version index's slices of it) would hold its record's full text for the life of the log
  // (measured: 413 B of heap per appended entry, 8.3M entries filled Node's 4 GB heap).
  return Buffer.from(text.slice(4, end), 'latin1').toString('latin1');
}

function indexKeyOfEntry(entry: Buffer): string {
  const end = entry.indexOf(32, entry.indexOf(32, 4) + 1);
  if (end < 0) throw new Error('Assertion failed: a stored entry is not an npm record');
  return entry.toString('latin1', 4, end);
}

/** recordKey `<escaped>@<version>` -> index key `<escaped> <version>`. */
function indexKey(key: string): string {
  const at = key.lastIndexOf('@');
  return at <= 0 ? key : `${key.slice(0, at)} ${key.slice(at + 1)}`;
}

export class Log {
  private readonly index = new Map<string, number>();
  private readonly versions = new VersionIndex();
  private readonly sequencer: Sequencer;
  private readonly appends: FirstRecordWins;
  private readonly evidenceStore: EvidenceStore;
  private published: PublishedCheckpoint;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly origin: string,
    readonly vkey: string,
    private readonly signer: Signer,
    readonly verifier: Verifier,
    private readonly storage: LogStorage,
    private readonly lock: DirLock,
    published: PublishedCheckpoint,
    private readonly opts: OpenLogOptions,
  ) {
    this.published = published;
    this.evidenceStore = new EvidenceStore(dir);
    this.sequencer = new Sequencer((batch) => this.commit(batch), {
      maxDelayMs: opts.batchMaxDelayMs ?? 5,
      maxEntries: opts.batchMaxEntries ?? 8192,
    });
    this.appends = new FirstRecordWins((key) => {
      const index = this.index.get(key);
      return index === undefined ? undefined : { index, bytes: this.storage.entries.read(index) };
    }, this.sequencer);
  }

  /**
   * Opens a log: recovers storage against the signed checkpoint (storage.ts), checks that the stored
   * tree has exactly the signed root, rebuilds the name@version index, and publishes a checkpoint
   * for intact entries written after the last one. Refuses to open a log whose storage disagrees.
   */
  static async open(dir: string, opts: OpenLogOptions = {}): Promise<Log> {
    const { origin } = readLogConfig(dir);
    const signer = parseSignerKey(readFileSync(logFile.skey(dir), 'utf8').trim());
    const vkey = readFileSync(logFile.vkey(dir), 'utf8').trim();
    const verifier = parseVerifierKey(vkey);
    if (signer.name !== origin || verifier.name !== origin || signer.keyHash !== verifier.keyHash) {
      throw new SumgateError('USAGE', `the keys in ${dir} do not belong to log ${origin}`, {
        fix: 'restore log.skey and log.vkey from the same sumgate log init',
      });
    }
    const lock = lockLogDir(dir);
    let storage: LogStorage | undefined;
    try {
      const note = readFileSync(logFile.checkpoint(dir), 'utf8');
      const { checkpoint } = openCheckpoint(note, verifier, undefined, { expectOrigin: origin });
      storage = LogStorage.open(dir);
      let extra: number;
      try {
        extra = storage.recover(checkpoint.size);
      } catch (e) {
        throw corrupt(dir, (e as Error).message);
      }
      const root = storage.root(checkpoint.size);
      if (!hashEqual(root, checkpoint.root)) {
        throw corrupt(
          dir,
          `the stored tree of size ${checkpoint.size} has root ${toBase64(root)}, the signed checkpoint says ${toBase64(checkpoint.root)}`,
        );
      }
      const log = new Log(
        dir,
        origin,
        vkey,
        signer,
        verifier,
        storage,
        lock,
        { size: checkpoint.size, root, note },
        opts,
      );
      if (extra > 0 || opts.witnesses !== undefined) {
        // Intact entries written after the last checkpoint: durable now, so publish them. With
        // witnesses, the checkpoint on disk is signed but not cosigned yet: ask them.
        await storage.sync();
        await log.publish(storage.size, () => undefined);
      }
      log.rebuildIndex(opts.verifyAll === true);
      const damaged = opts.verifyAll === true ? storage.verifyTree() : undefined;
      if (damaged !== undefined) throw corrupt(dir, damaged);
      return log;
    } catch (e) {
      storage?.close();
      lock.release();
      throw e;
    }
  }

  private rebuildIndex(verifyAll: boolean): void {
    this.index.clear();
    this.versions.clear();
    const size = this.published.size;
    const leafBatch = 4096;
    let leaves: Buffer | undefined;
    this.storage.entries.forEach((entry, i) => {
      if (i >= size) return;
      const key = indexKeyOfEntry(entry);
      if (this.index.has(key))
        throw corrupt(this.dir, `entry ${i} repeats ${key} (first at ${this.index.get(key)})`);
      this.index.set(key, i);
      this.versions.add(key);
      if (verifyAll) {
        parseRecord(decoder.decode(entry));
        if (i % leafBatch === 0) leaves = this.storage.hashes.read(0, i, Math.min(leafBatch, size - i));
        const stored = leaves!.subarray((i % leafBatch) * 32, (i % leafBatch) * 32 + 32);
        if (!hashEqual(stored, recordHash(entry)))
          throw corrupt(this.dir, `leaf hash ${i} does not match entry ${i}`);
      }
    });
  }

  /** The latest published checkpoint. */
  checkpoint(): PublishedCheckpoint {
    return this.published;
  }

  get size(): number {
    return this.published.size;
  }

  /**
   * Appends a record (an NpmRecord or its exact text). Resolves once a published checkpoint covers
   * it. The first record per name@version wins forever: an identical re-append returns the existing
   * index, a different one is refused with LOG_CONFLICT and kept as evidence.
   */
  async append(record: NpmRecord | string, source = 'append'): Promise<AppendResult> {
    if (this.closed) throw new SumgateError('USAGE', 'the log is closed');
    const { text, key, bytes } = recordEntry(record, indexKeyOfText);
    const outcome = await this.appends.append(key, bytes);
    if (outcome.conflict === true) return this.refuse(key, outcome.index, text, source);
    return { index: outcome.index, existing: outcome.existing };
  }

  private async refuse(ikey: string, index: number, text: string, source: string): Promise<never> {
    const key = ikey.replace(' ', '@');
    const logged = this.readRecord(index);
    await this.evidenceStore.add(key, index, logged, {
      record: text,
      source,
      observedAt: new Date().toISOString(),
    });
    throw logConflict(text, index, source, key);
  }

  /** Durably appends a batch, then signs and publishes the checkpoint covering it (sequencer.ts). */
  private async commit(batch: readonly QueuedEntry[]): Promise<CommitResult> {
    // Only new keys are queued here (FirstRecordWins looks each up in the index first).
    const first = this.storage.append(batch.map((b) => b.bytes));
    await this.storage.sync();
    await this.publish(first + batch.length, () => {
      for (let i = 0; i < batch.length; i++) {
        this.index.set(batch[i]!.key, first + i);
        this.versions.add(batch[i]!.key);
      }
    });
    return { first };
  }

  /** Signs and atomically writes the checkpoint of size n; only then do clients see it. */
  private async publish(size: number, indexNewEntries: () => void): Promise<void> {
    const root = this.storage.root(size);
    const text = formatCheckpoint({ origin: this.origin, size, root, extensions: [] });
    const note = signNote(text, [this.signer]);
    await writeFileAtomic(logFile.checkpoint(this.dir), note);
    // c2sp.org/tlog-witness: cosignatures are collected for the durable checkpoint before clients see it.
    const served =
      this.opts.witnesses === undefined
        ? note
        : await this.opts.witnesses.cosign(note, size, (m, n) => proveConsistency(m, n, this.storage.read));
    // One synchronous step: no request can see the new checkpoint without the new index entries.
    this.published = { size, root, note: served };
    indexNewEntries();
  }

  /** The leaf index of a published record, by recordKey. */
  lookupIndex(key: string): number | undefined {
    return this.index.get(indexKey(key));
  }

  /** A published record and its index, by recordKey. */
  lookup(key: string): { index: number; record: string } | undefined {
    const index = this.index.get(indexKey(key));
    return index === undefined ? undefined : { index, record: this.readRecord(index) };
  }

  /** The versions of an escaped name with published records, at most `max`. */
  versionsOf(escapedName: string, max: number): string[] {
    return this.versions.versionsOf(escapedName, max);
  }

  readRecord(index: number): string {
    return decoder.decode(this.storage.entries.read(index));
  }

  /** Records [start, start+n) (bytes, for entry bundles). */
  readEntries(start: number, n: number): Buffer[] {
    return this.storage.entries.readRange(start, n);
  }

  /** Stored hashes [start, start+n) of tree level j (a tile's bytes when j = 8L). */
  readStoredHashes(j: number, start: number, n: number): Buffer {
    return this.storage.hashes.read(j, start, n);
  }

  /** RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of size `size` (≤ published). */
  proveInclusion(index: number, size = this.published.size): Hash[] {
    if (size > this.published.size) throw new RangeError('tree size beyond the published checkpoint');
    return proveInclusion(index, size, this.storage.read);
  }

  /** RFC 9162 §2.1.4.1 consistency proof between two published tree sizes. */
  proveConsistency(m: number, n: number): Hash[] {
    if (n > this.published.size) throw new RangeError('tree size beyond the published checkpoint');
    return proveConsistency(m, n, this.storage.read);
  }

  /** Batch inclusion proofs against the published checkpoint (proofBatch.ts). */
  proofBatch(packages: readonly ProofRequest[]): ProofBatch {
    return buildProofBatch(this, packages);
  }

  evidence(key: string): Evidence | undefined {
    return this.evidenceStore.get(key);
  }

  stats(): { size: number; entryBytes: number; hashBytes: number } {
    return { size: this.published.size, ...this.storage.stats() };
  }

  /** Waits for queued appends, then releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sequencer.flush().catch(() => undefined);
    this.storage.close();
    this.lock.release();
  }
}

function corrupt(dir: string, why: string): SumgateError {
  return new SumgateError(
    'LOG_MISMATCH',
    `the log storage in ${dir} does not match its signed checkpoint: ${why}`,
    {
      fix: `do not serve this log; restore ${dir} from a backup (every checkpoint it ever published must stay consistent)`,
    },
  );
}

export async function openLog(dir: string, opts: OpenLogOptions = {}): Promise<Log> {
  return Log.open(dir, opts);
}
