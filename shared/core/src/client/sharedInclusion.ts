import { checkInclusion, hashEqual, inclusionProofSize, nodeHash } from '../tlog/index.js';
import type { Hash } from '../tlog/index.js';

/** Above this size a node's rangeKey would not be an exact integer: every proof is checked in full. */
const MAX_SHARED_SIZE = 2 ** 46;

/**
 * A number naming the leaf range [lo, min(lo + 2^level, n)) of a node (a function of lo and level for
 * this tree's n): lo * 64 + level, exact while lo < 2^46 (levels are below 64).
 */
function rangeKey(lo: number, level: number): number {
  return lo * 64 + level;
}

/**
 * Inclusion proofs of many leaves under ONE checkpoint, checked with shared work: every interior
 * node a verified proof passed through is remembered by the leaf range it covers, and a later
 * proof stops as soon as it computes a remembered node with the same hash (what is above was
 * already verified up to the root). Sound because a node's hash fixes its children (RFC 6962
 * §2.1: 0x01 || left || right, leaves 0x00-prefixed), and the range fixes the index; a range or
 * hash that does not match is simply not a shortcut, and the full RFC 9162 §2.1.3.2 check decides.
 */
export class SharedInclusion {
  /** Verified interior nodes by rangeKey. */
  private readonly verified = new Map<number, Hash>();

  constructor(
    private readonly n: number,
    private readonly root: Hash,
  ) {}

  /** Throws INVALID_PROOF (from checkInclusion) unless `leaf` is at `index` under this checkpoint. */
  check(proof: readonly Hash[], index: number, leaf: Hash): void {
    const n = this.n;
    if (
      n > MAX_SHARED_SIZE ||
      !Number.isSafeInteger(index) ||
      index < 0 ||
      index >= n ||
      proof.length !== inclusionProofSize(index, n) || // a shortcut would skip the hashes past a remembered node
      proof.some((p) => p.length !== 32)
    ) {
      checkInclusion(proof, n, this.root, index, leaf); // the plain check says why
      return;
    }
    // RFC 9162 §2.1.3.2 steps 2-4, tracking the level of r so that r covers the leaves
    // [fn << level, min((fn + 1) << level, n)).
    let fn = index;
    let sn = n - 1;
    let level = 0;
    let r = leaf;
    const path: Array<[number, Hash]> = [];
    for (const p of proof) {
      if ((fn & 1) === 1 || fn === sn) {
        r = nodeHash(p, r);
        if ((fn & 1) === 0) {
          while ((fn & 1) === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
            level++;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
      level++;
      const key = rangeKey(fn * 2 ** level, level);
      const known = this.verified.get(key);
      if (known !== undefined && hashEqual(known, r)) return; // verified from here up already
      path.push([key, r]);
    }
    checkInclusion(proof, n, this.root, index, leaf);
    for (const [key, h] of path) this.verified.set(key, h);
  }
}
