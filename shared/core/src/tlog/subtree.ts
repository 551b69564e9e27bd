/**
 * Complete subtrees and RFC 6962 §2.1 Merkle Tree Hashes built from them.
 *
 * A complete subtree (level, index) is the perfect binary tree over the leaves
 * [index * 2^level, (index + 1) * 2^level). Level 0 hashes are record hashes. Everything that reads
 * hashes (proofs, tiles, the log server) goes through a SubtreeReader, so the same code runs on an
 * in-memory tree, on tiles fetched from a server, or on a database.
 */
import { EMPTY_TREE_HASH, assertIndex, nodeHash, type Hash } from './hash.js';
import { exactLog2, splitPoint } from './treeMath.js';

/** Returns the hash of the complete subtree (level, index). Must throw if it cannot. */
export type SubtreeReader = (level: number, index: number) => Hash;

/**
 * RFC 6962 §2.1: MTH(D[lo:hi]) for 0 <= lo < hi. Splits at the largest power of two below the
 * width, and reads every aligned power-of-two range as one complete subtree.
 */
export function rangeHash(lo: number, hi: number, read: SubtreeReader): Hash {
  assertIndex('range start', lo);
  assertIndex('range end', hi);
  if (lo >= hi) throw new RangeError(`empty or inverted range [${lo}, ${hi})`);
  return mth(lo, hi, read);
}

function mth(lo: number, hi: number, read: SubtreeReader): Hash {
  const width = hi - lo;
  const level = exactLog2(width);
  if (level >= 0 && lo % width === 0) return read(level, lo / width);
  const k = splitPoint(width);
  return nodeHash(mth(lo, lo + k, read), mth(lo + k, hi, read));
}

/** The root hash of the tree of size n: MTH(D[0:n]), and SHA-256("") for n = 0 (RFC 6962 §2.1). */
export function treeHash(n: number, read: SubtreeReader): Hash {
  assertIndex('tree size', n);
  return n === 0 ? EMPTY_TREE_HASH : mth(0, n, read);
}

/** The root of the tree whose leaf (record) hashes are `leaves`. */
export function rootFromLeafHashes(leaves: readonly Hash[]): Hash {
  const tree = new MemoryTree();
  for (const leaf of leaves) tree.append(leaf);
  return tree.root();
}

/**
 * An append-only tree that keeps every complete subtree hash in memory (2n hashes for n leaves).
 * For tests, and for the log server while a log is small.
 */
export class MemoryTree {
  /** levels[l][i] is the hash of complete subtree (l, i). */
  readonly #levels: Hash[][] = [[]];

  get size(): number {
    return this.#levels[0]?.length ?? 0;
  }

  /** Appends one record hash (see recordHash) and stores every subtree it completes. */
  append(leafHash: Hash): void {
    if (leafHash.length !== 32) throw new RangeError('leaf hash must be 32 bytes');
    let level = 0;
    let hash = leafHash;
    for (;;) {
      let row = this.#levels[level];
      if (row === undefined) {
        row = [];
        this.#levels[level] = row;
      }
      row.push(hash);
      if (row.length % 2 === 1) return;
      const left = row[row.length - 2];
      if (left === undefined)
        throw new Error('Assertion failed: MemoryTree row has a right child without a left');
      hash = nodeHash(left, hash);
      level++;
    }
  }

  readonly read: SubtreeReader = (level, index) => {
    const hash = this.#levels[level]?.[index];
    if (hash === undefined) {
      throw new RangeError(
        `subtree (level ${level}, index ${index}) is not complete in a tree of size ${this.size}`,
      );
    }
    return hash;
  };

  /** The root of the tree of size n (default: the whole tree). */
  root(n: number = this.size): Hash {
    if (n > this.size) throw new RangeError(`tree size ${n} is larger than the tree (${this.size})`);
    return treeHash(n, this.read);
  }
}
