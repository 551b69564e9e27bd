import { describe, expect, it } from 'vitest';
import { SharedInclusion } from '../../src/client/sharedInclusion.js';
import { checkInclusion, MemoryTree, proveInclusion, recordHash, treeHash } from '../../src/tlog/index.js';
import type { Hash } from '../../src/tlog/index.js';

function tree(n: number): { read: MemoryTree['read']; root: Hash; leaf: (i: number) => Hash } {
  const t = new MemoryTree();
  const leaf = (i: number) => recordHash(Buffer.from(`record ${i}\n`));
  for (let i = 0; i < n; i++) t.append(leaf(i));
  return { read: t.read, root: treeHash(n, t.read), leaf };
}

const accepts = (f: () => void): boolean => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};

describe('SharedInclusion: many proofs under one checkpoint, the upper levels checked once', () => {
  it('with nothing remembered yet it agrees with checkInclusion on every bit flip, index and length, for trees of 1 to 40 leaves', () => {
    for (let n = 1; n <= 40; n++) {
      const { read, root, leaf } = tree(n);
      for (let i = 0; i < n; i++) {
        const proof = proveInclusion(i, n, read);
        const both = (pr: Hash[], j: number, l: Hash) => {
          expect(
            accepts(() => new SharedInclusion(n, root).check(pr, j, l)),
            `n=${n} i=${i} j=${j}`,
          ).toBe(accepts(() => checkInclusion(pr, n, root, j, l)));
        };
        both(proof, i, leaf(i));
        for (let k = 0; k < proof.length; k++) {
          const bad = proof.map((h) => Uint8Array.from(h));
          bad[k]![31]! ^= 0x80;
          both(bad, i, leaf(i));
        }
        for (const j of [i - 1, i + 1, n]) both(proof, j, leaf(i));
        if (proof.length > 0) both(proof.slice(0, -1), i, leaf(i));
        both([...proof, root], i, leaf(i));
      }
    }
  }, 120_000); // exhaustive: seconds alone, far more on a loaded 2-core box

  it('with the upper levels remembered, accepts every genuine leaf at its index and nothing else, for trees of 1 to 70 leaves in any order', () => {
    for (let n = 1; n <= 70; n++) {
      const { read, root, leaf } = tree(n);
      const shared = new SharedInclusion(n, root);
      const order = [...new Set(Array.from({ length: n }, (_, i) => (i * 7 + 3) % n))].concat(
        Array.from({ length: n }, (_, i) => i),
      );
      for (const i of order) {
        const proof = proveInclusion(i, n, read);
        expect(() => shared.check(proof, i, leaf(i))).not.toThrow();
        const badLeaf = Uint8Array.from(leaf(i));
        badLeaf[0]! ^= 1;
        expect(accepts(() => shared.check(proof, i, badLeaf))).toBe(false);
        for (let k = 0; k < proof.length; k++) {
          // a proof hash changed: whatever the answer, a forged leaf never passes with it
          const bad = proof.map((h) => Uint8Array.from(h));
          bad[k]![31]! ^= 0x80;
          expect(accepts(() => shared.check(bad, i, badLeaf))).toBe(false);
        }
        for (let j = 0; j < n; j++) {
          if (j !== i)
            expect(
              accepts(() => shared.check(proof, j, leaf(i))),
              `n=${n} leaf ${i} claimed at ${j}`,
            ).toBe(false);
        }
      }
    }
  }, 120_000); // exhaustive: seconds alone, far more on a loaded 2-core box

  it('with the upper levels remembered, a proof one hash too long or too short is refused as checkInclusion refuses it, for trees of 2 to 70 leaves', () => {
    let refused = 0;
    for (let n = 2; n <= 70; n++) {
      const { read, root, leaf } = tree(n);
      const shared = new SharedInclusion(n, root);
      for (let i = 0; i < n; i++) shared.check(proveInclusion(i, n, read), i, leaf(i));
      for (let i = 0; i < n; i++) {
        const proof = proveInclusion(i, n, read);
        const longer = [...proof, root];
        const shorter = proof.slice(0, -1);
        for (const pr of proof.length > 0 ? [longer, shorter] : [longer]) {
          expect(accepts(() => checkInclusion(pr, n, root, i, leaf(i)))).toBe(false);
          expect(
            accepts(() => shared.check(pr, i, leaf(i))),
            `n=${n} i=${i} length ${pr.length}`,
          ).toBe(false);
          refused++;
        }
        expect(() => shared.check(proof, i, leaf(i))).not.toThrow();
      }
    }
    expect(refused).toBeGreaterThan(4000);
  });

  it('a leaf of another tree is refused even when it shares the remembered upper levels', () => {
    const { read, root, leaf } = tree(40);
    const shared = new SharedInclusion(40, root);
    for (let i = 0; i < 40; i++) shared.check(proveInclusion(i, 40, read), i, leaf(i));
    const forged = recordHash(Buffer.from('forged record\n'));
    for (let i = 0; i < 40; i++)
      expect(accepts(() => shared.check(proveInclusion(i, 40, read), i, forged))).toBe(false);
  });
});
