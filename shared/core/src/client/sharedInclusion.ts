import { checkInclusion, hashEqual, nodeHash } from '../tlog/index.js';
import type { Hash } from '../tlog/index.js';

/**
 * Inclusion proofs of many leaves under ONE checkpoint, checked with shared work: every interior
 * node a verified proof passed through is remembered by the leaf range it covers, and a later
 * proof stops as soon as it computes a remembered node with the same hash (what is above was
 * already verified up to the root). Sound because a node's hash fixes its children (RFC 6962
 * §2.1: 0x01 || left || right, leaves 0x00-prefixed), and the range fixes the index; a range or
 * hash that does not match is simply not a shortcut, and the full RFC 9162 §2.1.3.2 check decides.
 */
export class SharedInclusion {
  private readonly verified = new Map<string, Hash>();

  constructor(
    private readonly n: number,
    private readonly root: Hash,
  ) {}

  /** Throws INVALID_PROOF (from checkInclusion) unless `leaf` is at `index` under this checkpoint. */
  check(proof: readonly Hash[], index: number, leaf: Hash): void {
    const n = this.n;
    if (!Number.isSafeInteger(index) || index < 0 || index >= n || proof.some((p) => p.length !== 32)) {
      checkInclusion(proof, n, this.root, index, leaf); // the plain check says why
      return;
    }
    // RFC 9162 §2.1.3.2 steps 2-4, tracking the level of r so that r covers the leaves
    // [fn << level, min((fn + 1) << level, n)).
    let fn = index;
    let sn = n - 1;
    let level = 0;
    let r = leaf;
    const path: Array<[string, Hash]> = [];
    for (const p of proof) {
      if (sn === 0) break; // too long: the plain check below rejects it
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
      const lo = fn * 2 ** level;
      const key = `${lo}:${Math.min(lo + 2 ** level, n)}`;
      const known = this.verified.get(key);
      if (known !== undefined && hashEqual(known, r)) return; // verified from here up already
      path.push([key, r]);
    }
    checkInclusion(proof, n, this.root, index, leaf);
    for (const [key, h] of path) this.verified.set(key, h);
  }
}
