import { describe, expect, it } from 'vitest';
import {
  EMPTY_TREE_HASH,
  MemoryTree,
  checkConsistency,
  checkInclusion,
  inclusionProofSize,
  neededSubtrees,
  proveConsistency,
  proveInclusion,
  rangeHash,
  recordHash,
  treeHash,
  type Hash,
} from '../../src/tlog/index.js';

const MAX = 1000;
const tree = new MemoryTree();
for (let i = 0; i < MAX; i++) tree.append(recordHash(new TextEncoder().encode(`record ${i}\n`)));
const roots: Hash[] = [];
for (let n = 0; n <= MAX; n++) roots.push(tree.root(n));
const root = (n: number): Hash => roots[n] ?? EMPTY_TREE_HASH;
const leaf = (i: number): Hash => tree.read(0, i);

/** Deterministic pseudo-random sample (no Math.random, so failures reproduce). */
function sample(n: number, count: number, seed: number): number[] {
  const out = new Set<number>();
  let x = seed >>> 0 || 1;
  while (out.size < Math.min(count, n)) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.add(x % n);
  }
  return [...out];
}

function flipped(proof: readonly Hash[], at: number): Hash[] {
  return proof.map((h, j) => {
    if (j !== at) return h;
    const c = new Uint8Array(h);
    c[j % 32] = (c[j % 32] ?? 0) ^ 0x01;
    return c;
  });
}

/** The code of the SumgateError f throws, or 'no error' (cheaper than expect().toThrow in hot loops). */
function errorCode(f: () => void): string {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? 'not a SumgateError';
  }
  return 'no error';
}

const SIZES = [...Array.from({ length: 256 }, (_, i) => i + 1), 257, 511, 512, 513, 1000];

describe('inclusion proofs over every tree size', () => {
  it('every proof for every leaf verifies, and a flipped bit in any proof hash fails', () => {
    let checked = 0;
    let flips = 0;
    for (const n of SIZES) {
      const leaves = n <= 256 ? Array.from({ length: n }, (_, i) => i) : sample(n, 40, n);
      for (const i of leaves) {
        const proof = proveInclusion(i, n, tree.read);
        checkInclusion(proof, n, root(n), i, leaf(i));
        checked++;
        if (n <= 24 || i % 31 === 0) {
          for (let j = 0; j < proof.length; j++) {
            const code = errorCode(() => checkInclusion(flipped(proof, j), n, root(n), i, leaf(i)));
            if (code !== 'INVALID_PROOF') expect.fail(`flipped hash ${j} of proof (${i}, ${n}): ${code}`);
            flips++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(32_000);
    expect(flips).toBeGreaterThan(2_500);
  });

  it('fails for a wrong leaf, wrong index, wrong size, wrong root, or a proof of the wrong length', () => {
    for (const n of [1, 2, 3, 5, 8, 13, 100, 256, 257]) {
      for (const i of sample(n, 6, 7 * n)) {
        const proof = proveInclusion(i, n, tree.read);
        const fails = (f: () => void): void => {
          expect(f).toThrow(expect.objectContaining({ code: 'INVALID_PROOF' }));
        };
        fails(() => checkInclusion(proof, n, root(n), i, leaf((i + 1) % MAX)));
        if (n > 1) fails(() => checkInclusion(proof, n, root(n), (i + 1) % n, leaf(i)));
        fails(() => checkInclusion(proof, n + 1, root(n + 1), i, leaf(i)));
        if (i < n - 1) fails(() => checkInclusion(proof, n - 1, root(n - 1), i, leaf(i)));
        fails(() => checkInclusion(proof, n, root(n + 1), i, leaf(i)));
        fails(() => checkInclusion([...proof, leaf(0)], n, root(n), i, leaf(i)));
        if (proof.length > 0) fails(() => checkInclusion(proof.slice(0, -1), n, root(n), i, leaf(i)));
        fails(() => checkInclusion(proof, n, root(n), n, leaf(i)));
      }
    }
  });
});

describe('consistency proofs over every tree size', () => {
  it('every proof for every m <= n verifies (m sampled above 128), and a flipped bit fails', () => {
    let checked = 0;
    let flips = 0;
    for (const n of SIZES) {
      const ms =
        n <= 128
          ? Array.from({ length: n + 1 }, (_, m) => m)
          : [0, 1, 2, 3, 64, 127, 128, n - 1, n, ...sample(n, 12, n)];
      for (const m of ms) {
        const proof = proveConsistency(m, n, tree.read);
        checkConsistency(proof, m, root(m), n, root(n));
        checked++;
        if (n <= 40 || m % 29 === 0) {
          for (let j = 0; j < proof.length; j++) {
            const code = errorCode(() => checkConsistency(flipped(proof, j), m, root(m), n, root(n)));
            if (code !== 'INVALID_PROOF') expect.fail(`flipped hash ${j} of proof (${m}, ${n}): ${code}`);
            flips++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(8_000);
    expect(flips).toBeGreaterThan(5_000);
  });

  it('fails for wrong sizes, wrong roots, and wrong lengths', () => {
    const fails = (f: () => void): void => {
      expect(f).toThrow(expect.objectContaining({ code: 'INVALID_PROOF' }));
    };
    for (const n of [2, 3, 7, 8, 9, 100, 256, 257, 1000]) {
      for (const m of [1, 2, 3, 5, 8, Math.floor(n / 2), n - 1].filter((m) => m > 0 && m < n)) {
        const proof = proveConsistency(m, n, tree.read);
        if (m > 1) fails(() => checkConsistency(proof, m - 1, root(m - 1), n, root(n)));
        if (m + 1 < n) fails(() => checkConsistency(proof, m + 1, root(m + 1), n, root(n)));
        if (n < MAX) fails(() => checkConsistency(proof, m, root(m), n + 1, root(n + 1)));
        fails(() => checkConsistency(proof, m, root(m), n, root(n - 1)));
        fails(() => checkConsistency(proof, m, root(m - 1), n, root(n)));
        fails(() => checkConsistency([...proof, leaf(0)], m, root(m), n, root(n)));
        fails(() => checkConsistency(proof.slice(0, -1), m, root(m), n, root(n)));
        fails(() => checkConsistency([], m, root(m), n, root(n)));
      }
    }
  });

  it('applies the m = n and m = 0 rules', () => {
    expect(proveConsistency(5, 5, tree.read)).toEqual([]);
    expect(proveConsistency(0, 5, tree.read)).toEqual([]);
    checkConsistency([], 5, root(5), 5, root(5));
    checkConsistency([], 0, EMPTY_TREE_HASH, 5, root(5));
    checkConsistency([], 0, EMPTY_TREE_HASH, 0, EMPTY_TREE_HASH);
    const fails = (f: () => void): void => {
      expect(f).toThrow(expect.objectContaining({ code: 'INVALID_PROOF' }));
    };
    fails(() => checkConsistency([], 5, root(5), 5, root(6)));
    fails(() => checkConsistency([leaf(0)], 5, root(5), 5, root(5)));
    fails(() => checkConsistency([], 0, root(1), 5, root(5)));
    fails(() => checkConsistency([leaf(0)], 0, EMPTY_TREE_HASH, 5, root(5)));
    fails(() => checkConsistency([], 6, root(6), 5, root(5)));
  });
});

describe('subtrees', () => {
  it('rangeHash of any range equals the root of a tree of just those leaves', () => {
    for (const [lo, hi] of [
      [0, 1],
      [3, 5],
      [4, 8],
      [5, 13],
      [256, 300],
      [17, 999],
    ] as const) {
      const sub = new MemoryTree();
      for (let i = lo; i < hi; i++) sub.append(leaf(i));
      expect(Buffer.from(rangeHash(lo, hi, tree.read)).equals(Buffer.from(sub.root()))).toBe(true);
    }
  });

  it('neededSubtrees lists, deduplicated, exactly the subtrees a computation reads', () => {
    const reads: string[] = [];
    const recording = (l: number, i: number): Hash => {
      reads.push(`${l}/${i}`);
      return tree.read(l, i);
    };
    proveInclusion(300, 1000, recording);
    treeHash(1000, recording);
    const needed = neededSubtrees((read) => {
      proveInclusion(300, 1000, read);
      treeHash(1000, read);
    });
    expect(needed.map(([l, i]) => `${l}/${i}`)).toEqual([...new Set(reads)]);
    expect(needed).toContainEqual([9, 0]);
  });

  it('rejects sizes that are not safe integers', () => {
    expect(() => treeHash(2 ** 53, tree.read)).toThrow(RangeError);
    expect(() => proveInclusion(1.5, 4, tree.read)).toThrow(RangeError);
    expect(() => proveInclusion(4, 4, tree.read)).toThrow(RangeError);
    expect(() => tree.root(MAX + 1)).toThrow(RangeError);
  });
});

describe('inclusionProofSize', () => {
  it('is the length of the proof proveInclusion builds, for every leaf of trees of 1 to 300 and sampled leaves up to 1,000', () => {
    for (let n = 1; n <= MAX; n++) {
      const leaves = n <= 300 ? Array.from({ length: n }, (_, i) => i) : sample(n, 8, n);
      for (const i of leaves)
        expect(inclusionProofSize(i, n), `leaf ${i} of ${n}`).toBe(proveInclusion(i, n, tree.read).length);
    }
  });
});
