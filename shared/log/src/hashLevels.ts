/**
 * The stored Merkle hashes of the log: one append-only file per tree level j, `tree-<j>.dat`, holding
 * in order the 32-byte hashes of the complete subtrees (j, 0), (j, 1), ... — level 0 the leaf hashes
 * (RFC 6962 §2.1), level j the roots of complete 2^j-leaf subtrees. This is Go's sumdb "stored hash"
 * layout split by level (golang.org/x/mod/sumdb/tlog StoredHashIndex), so:
 *
 * - any complete subtree hash, hence any proof hash, is one pread (no hashing on the read path);
 * - a c2sp.org/tlog-tiles tile (L, N, W) is bytes [N·256·32, (N·256+W)·32) of `tree-<8L>.dat`.
 *
 * Only complete subtrees are stored; the right edge of a tree of any size is composed from them by
 * treeHash/rangeHash (core tlog/subtree.ts). Measured against storing only every 8th level (tile
 * levels) in shared/log/README.md: 2x the hash bytes, but batch proofs ~30x faster.
 */
import {
  closeSync,
  constants,
  fdatasync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Hash, HASH_SIZE, nodeHash } from '@sumgate/core';

const fdatasyncAsync = promisify(fdatasync);

export class HashLevels {
  private readonly fds: number[] = [];
  private readonly counts: number[] = [];
  /** The last hash of level j when count(j) is odd: the left sibling waiting for its right one. */
  private readonly pendingLeft: Array<Uint8Array | undefined> = [];
  private readonly dirty = new Set<number>();

  private constructor(private readonly dir: string) {}

  static open(dir: string): HashLevels {
    const h = new HashLevels(dir);
    for (let j = 0; existsSync(h.path(j)); j++) h.openLevel(j);
    if (h.fds.length === 0) h.openLevel(0);
    return h;
  }

  private path(j: number): string {
    return join(this.dir, `tree-${j}.dat`);
  }

  private openLevel(j: number): void {
    const fd = openSync(this.path(j), constants.O_RDWR | constants.O_CREAT, 0o644);
    this.fds[j] = fd;
    this.counts[j] = Math.floor(fstatSync(fd).size / HASH_SIZE);
    this.loadPending(j);
  }

  private loadPending(j: number): void {
    const count = this.count(j);
    this.pendingLeft[j] = count % 2 === 1 ? this.read(j, count - 1, 1) : undefined;
  }

  /** Number of stored hashes at tree level j (= floor(size / 2^j) for a consistent store). */
  count(j: number): number {
    return this.counts[j] ?? 0;
  }

  /** Number of level files. */
  get levels(): number {
    return this.fds.length;
  }

  /** Reads `n` consecutive stored hashes of tree level j starting at `start`. */
  read(j: number, start: number, n: number): Buffer {
    const buf = Buffer.allocUnsafe(n * HASH_SIZE);
    if (n === 0) return buf;
    const fd = this.fds[j];
    if (fd === undefined || start < 0 || start + n > this.count(j)) {
      throw new Error(`Assertion failed: hashes [${start}, ${start + n}) of tree level ${j} are not stored`);
    }
    let done = 0;
    while (done < buf.length) {
      const r = readSync(fd, buf, done, buf.length - done, start * HASH_SIZE + done);
      if (r === 0) throw new Error(`Assertion failed: short read in tree-${j}.dat`);
      done += r;
    }
    return buf;
  }

  /**
   * Appends leaf hashes and every subtree hash they complete (RFC 6962 §2.1: a node is
   * SHA-256(0x01 ‖ left ‖ right) of two complete siblings). Writes go to the page cache; call
   * sync() before publishing a checkpoint that covers them.
   */
  appendLeaves(leaves: readonly Hash[]): void {
    const out: Uint8Array[][] = [];
    const push = (j: number, h: Uint8Array): void => {
      if (this.fds[j] === undefined) this.openLevel(j);
      let level = out[j];
      if (level === undefined) {
        level = [];
        out[j] = level;
      }
      level.push(h);
      const left = this.pendingLeft[j];
      if (left === undefined) {
        this.pendingLeft[j] = h;
      } else {
        this.pendingLeft[j] = undefined;
        push(j + 1, nodeHash(left, h));
      }
    };
    for (const leaf of leaves) push(0, leaf);
    for (let j = 0; j < out.length; j++) {
      const hs = out[j];
      if (hs === undefined || hs.length === 0) continue;
      const buf = Buffer.concat(hs);
      let done = 0;
      while (done < buf.length) {
        done += writeSync(this.fds[j]!, buf, done, buf.length - done, this.count(j) * HASH_SIZE + done);
      }
      this.counts[j] = this.count(j) + hs.length;
      this.dirty.add(j);
    }
  }

  /** Cuts tree level j back to `n` hashes (recovery of a torn or unpublished tail). */
  truncate(j: number, n: number): void {
    const fd = this.fds[j];
    if (fd === undefined) return;
    if (n > this.count(j)) throw new Error('Assertion failed: truncate cannot grow a level');
    ftruncateSync(fd, n * HASH_SIZE);
    this.counts[j] = n;
    this.loadPending(j);
    this.dirty.add(j);
  }

  /** fdatasync(2) every level written since the last sync. */
  async sync(): Promise<void> {
    const js = [...this.dirty];
    this.dirty.clear();
    await Promise.all(js.map((j) => fdatasyncAsync(this.fds[j]!)));
  }

  /** The stored hash of complete subtree (level, index): a core tlog SubtreeReader. */
  readonly subtree = (level: number, index: number): Hash => this.read(level, index, 1);

  /** Total bytes of all level files. */
  bytes(): number {
    let total = 0;
    for (let j = 0; j < this.fds.length; j++) total += this.count(j) * HASH_SIZE;
    return total;
  }

  close(): void {
    for (const fd of this.fds) closeSync(fd);
    this.fds.length = 0;
  }
}
