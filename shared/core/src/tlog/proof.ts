/**
 * RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency) proofs: generation from any SubtreeReader,
 * and verification that walks fn/sn bit by bit exactly as §2.1.3.2 and §2.1.4.2 describe.
 * A proof must be exactly as long as the tree shape requires; any other length fails.
 */
import { SumgateError } from '../errors.js';
import { EMPTY_TREE_HASH, HASH_SIZE, assertIndex, hashEqual, nodeHash, type Hash } from './hash.js';
import { rangeHash, type SubtreeReader } from './subtree.js';
import { half, lsb, splitPoint } from './treeMath.js';

function invalid(what: string): SumgateError {
  return new SumgateError('INVALID_PROOF', `invalid transparency proof: ${what}`);
}

/** RFC 9162 §2.1.3.1: PATH(index, D[0:n]), ordered from the leaf's sibling up to the root's child. */
export function proveInclusion(index: number, n: number, read: SubtreeReader): Hash[] {
  assertIndex('leaf index', index);
  assertIndex('tree size', n);
  if (index >= n) throw new RangeError(`leaf index ${index} is not in a tree of size ${n}`);
  const out: Hash[] = [];
  inclusionPath(index, 0, n, read, out);
  return out;
}

function inclusionPath(index: number, lo: number, hi: number, read: SubtreeReader, out: Hash[]): void {
  if (hi - lo === 1) return;
  const k = splitPoint(hi - lo);
  if (index < lo + k) {
    inclusionPath(index, lo, lo + k, read, out);
    out.push(rangeHash(lo + k, hi, read));
  } else {
    inclusionPath(index, lo + k, hi, read, out);
    out.push(rangeHash(lo, lo + k, read));
  }
}

function checkHashes(proof: readonly Hash[], ...hashes: Hash[]): void {
  for (const h of [...proof, ...hashes]) if (h.length !== HASH_SIZE) throw invalid('hash is not 32 bytes');
}

/**
 * How many hashes the inclusion proof of leaf `index` (< n) in a tree of size n has: the steps of
 * RFC 9162 §2.1.3.2 (checkInclusion's walk, without the hashing) until sn reaches 0.
 */
export function inclusionProofSize(index: number, n: number): number {
  let fn = index;
  let sn = n - 1;
  let size = 0;
  while (sn > 0) {
    if (lsb(fn) === 0 && fn === sn) {
      while (lsb(fn) === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
    size++;
  }
  return size;
}

/** RFC 9162 §2.1.3.2: verifies that `leaf` (a record hash) is at `index` in the tree of size n with root `root`. */
export function checkInclusion(
  proof: readonly Hash[],
  n: number,
  root: Hash,
  index: number,
  leaf: Hash,
): void {
  assertIndex('tree size', n);
  assertIndex('leaf index', index);
  checkHashes(proof, root, leaf);
  // Step 1: the index must be inside the tree.
  if (index >= n) throw invalid(`leaf index ${index} is not in a tree of size ${n}`);
  // Steps 2-3.
  let fn = index;
  let sn = n - 1;
  let r = leaf;
  // Step 4.
  for (const p of proof) {
    if (sn === 0) throw invalid('proof is too long');
    if (lsb(fn) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (lsb(fn) === 0) {
        while (lsb(fn) === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  if (sn !== 0) throw invalid('proof is too short');
  if (!hashEqual(r, root)) throw invalid('root mismatch');
}

/**
 * RFC 9162 §2.1.4.1: PROOF(m, D[0:n]) that the tree of size m is a prefix of the tree of size n.
 * Empty for m = 0 and m = n (nothing to prove; the checker compares the roots directly).
 */
export function proveConsistency(m: number, n: number, read: SubtreeReader): Hash[] {
  assertIndex('old tree size', m);
  assertIndex('new tree size', n);
  if (m > n) throw new RangeError(`old tree size ${m} is larger than new tree size ${n}`);
  const out: Hash[] = [];
  if (m === 0 || m === n) return out;
  subproof(m, 0, n, true, read, out);
  return out;
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b), m relative to lo. */
function subproof(m: number, lo: number, hi: number, b: boolean, read: SubtreeReader, out: Hash[]): void {
  const n = hi - lo;
  if (m === n) {
    if (!b) out.push(rangeHash(lo, hi, read));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(m, lo, lo + k, b, read, out);
    out.push(rangeHash(lo + k, hi, read));
  } else {
    subproof(m - k, lo + k, hi, false, read, out);
    out.push(rangeHash(lo, lo + k, read));
  }
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree (m, rootM) is a prefix of the tree (n, rootN).
 * m = n: the proof must be empty and the roots equal. m = 0: the proof must be empty and rootM must
 * be the empty tree's hash (every tree extends the empty tree).
 */
export function checkConsistency(
  proof: readonly Hash[],
  m: number,
  rootM: Hash,
  n: number,
  rootN: Hash,
): void {
  assertIndex('old tree size', m);
  assertIndex('new tree size', n);
  checkHashes(proof, rootM, rootN);
  if (m > n) throw invalid(`old tree size ${m} is larger than new tree size ${n}`);
  if (m === n) {
    if (proof.length !== 0) throw invalid('proof between equal tree sizes must be empty');
    if (!hashEqual(rootM, rootN)) throw invalid('equal tree sizes with different roots');
    return;
  }
  if (m === 0) {
    if (proof.length !== 0) throw invalid('proof from the empty tree must be empty');
    if (!hashEqual(rootM, EMPTY_TREE_HASH)) throw invalid('root of the empty tree is not SHA-256("")');
    return;
  }
  // Step 1.
  if (proof.length === 0) throw invalid('proof is empty');
  // Step 2: if m is an exact power of two, prepend rootM.
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : [...proof];
  // Step 3.
  let fn = m - 1;
  let sn = n - 1;
  // Step 4.
  while (lsb(fn) === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  const [first, ...rest] = path;
  if (first === undefined) throw invalid('proof is empty');
  let fr = first;
  let sr = first;
  // Step 6.
  for (const c of rest) {
    if (sn === 0) throw invalid('proof is too long');
    if (lsb(fn) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (lsb(fn) === 0) {
        while (lsb(fn) === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw invalid('proof is too short');
  if (!hashEqual(fr, rootM)) throw invalid('old root mismatch');
  if (!hashEqual(sr, rootN)) throw invalid('new root mismatch');
}

function isPowerOfTwo(x: number): boolean {
  let p = 1;
  while (p < x) p *= 2;
  return p === x;
}

/**
 * Runs `fn` with a reader that records which complete subtrees it asks for (returning a zero hash
 * for each), and returns them deduplicated in first-read order. Async callers use this to prefetch
 * the tiles a computation needs, then run it again synchronously over the fetched tiles.
 * `fn` must not depend on hash values to decide what to read (proof generation and tree hashing don't).
 */
export function neededSubtrees(fn: (read: SubtreeReader) => unknown): Array<[level: number, index: number]> {
  const seen = new Map<string, [number, number]>();
  const zero = new Uint8Array(HASH_SIZE);
  fn((level, index) => {
    assertIndex('subtree level', level);
    assertIndex('subtree index', index);
    const key = `${level}/${index}`;
    if (!seen.has(key)) seen.set(key, [level, index]);
    return zero;
  });
  return [...seen.values()];
}
