/**
 * Embedded, crash-safe storage of one log: entries (entryStore.ts) plus the stored Merkle hashes per
 * tile level (hashLevels.ts). Nothing here is visible to clients until the sequencer publishes a
 * checkpoint, and it publishes only after sync() has made every covered byte durable.
 */
import { type Hash, hashEqual, nodeHash, recordHash, type SubtreeReader, treeHash } from '@sumgate/core';
import { EntryStore } from './entryStore.js';
import { HashLevels } from './hashLevels.js';

export class LogStorage {
  readonly entries: EntryStore;
  readonly hashes: HashLevels;

  private constructor(readonly dir: string) {
    this.entries = new EntryStore(dir);
    this.hashes = HashLevels.open(dir);
  }

  static open(dir: string): LogStorage {
    return new LogStorage(dir);
  }

  /** Number of entries written (durable or not). */
  get size(): number {
    return this.entries.count;
  }

  /** Appends entries and their hashes to the page cache; returns the index of the first one. */
  append(entries: readonly Uint8Array[]): number {
    const leaves: Hash[] = entries.map((e) => recordHash(e));
    const first = this.entries.append(entries);
    this.hashes.appendLeaves(leaves);
    return first;
  }

  /** fdatasync(2) of every file written since the last sync. */
  async sync(): Promise<void> {
    await Promise.all([this.entries.sync(), this.hashes.sync()]);
  }

  readonly read: SubtreeReader = (level, index) => this.hashes.subtree(level, index);

  /** RFC 6962 §2.1 root of the first n entries (complete subtrees from disk, the right edge computed). */
  root(n: number): Hash {
    return treeHash(n, this.read);
  }

  /**
   * Crash recovery against the last signed checkpoint (size `trusted`):
   * - entries after it that are intact are kept, a torn tail is cut off (entryStore.recover);
   * - every tree level j is cut back to what the checkpoint covers, floor(trusted / 2^j) hashes, and the
   *   hashes of the kept extra entries are recomputed from the entries themselves;
   * so the hash files never hold a hash that was written but not fsynced before a crash.
   * Returns how many entries beyond the checkpoint were kept.
   */
  recover(trusted: number): number {
    const extra = this.entries.recover(trusted);
    for (let j = 0; j < this.hashes.levels; j++) {
      const want = Math.floor(trusted / 2 ** j);
      if (this.hashes.count(j) < want) {
        throw new Error(
          `tree-${j}.dat holds ${this.hashes.count(j)} hashes but the signed checkpoint (size ${trusted}) needs ${want}`,
        );
      }
      this.hashes.truncate(j, want);
    }
    if (this.hashes.count(0) < trusted)
      throw new Error('tree-0.dat is missing leaf hashes covered by the signed checkpoint');
    this.hashes.appendLeaves(extra.map((e) => recordHash(e)));
    return extra.length;
  }

  /**
   * Full check of the hash files: every stored hash of level j+1 must be the RFC 6962 node hash of
   * its two children on level j. Returns a description of the first mismatch, or undefined.
   */
  verifyTree(): string | undefined {
    const chunk = 8192;
    for (let j = 0; j + 1 < this.hashes.levels; j++) {
      const parents = this.hashes.count(j + 1);
      for (let p0 = 0; p0 < parents; p0 += chunk) {
        const n = Math.min(chunk, parents - p0);
        const up = this.hashes.read(j + 1, p0, n);
        const down = this.hashes.read(j, 2 * p0, 2 * n);
        for (let i = 0; i < n; i++) {
          const h = nodeHash(down.subarray(64 * i, 64 * i + 32), down.subarray(64 * i + 32, 64 * i + 64));
          if (!hashEqual(h, up.subarray(32 * i, 32 * i + 32))) {
            return `stored hash (${j + 1}, ${p0 + i}) is not the hash of its children on level ${j}`;
          }
        }
      }
    }
    return undefined;
  }

  /** Bytes on disk: entries and hash tiles. */
  stats(): { entryBytes: number; hashBytes: number } {
    return { entryBytes: this.entries.bytes + this.entries.count * 8, hashBytes: this.hashes.bytes() };
  }

  close(): void {
    this.entries.close();
    this.hashes.close();
  }
}
