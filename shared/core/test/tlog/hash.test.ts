import { describe, expect, it } from 'vitest';
import {
  EMPTY_TREE_HASH,
  MemoryTree,
  checkConsistency,
  checkInclusion,
  fromBase64Hash,
  hashEqual,
  nodeHash,
  proveConsistency,
  proveInclusion,
  recordHash,
  recordTextHash,
  rootFromLeafHashes,
  toBase64,
} from '../../src/tlog/index.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// The RFC 6962 reference vectors of the certificate-transparency C++ merkle tree tests, as
// republished in transparency-dev/merkle testonly/constants.go (LeafInputs, RootHashes, and the
// consistency / inclusion proofs below).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CONSISTENCY: Array<[number, number, string[]]> = [
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const INCLUSION: Array<[number, number, string[]]> = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

function referenceTree(): MemoryTree {
  const t = new MemoryTree();
  for (const l of LEAVES) t.append(recordHash(l));
  return t;
}

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree to SHA-256("")', () => {
    expect(toHex(EMPTY_TREE_HASH)).toBe(ROOTS[0]);
    expect(toHex(rootFromLeafHashes([]))).toBe(ROOTS[0]);
  });

  it('reproduces the reference roots for every size 0..8', () => {
    const tree = referenceTree();
    for (let n = 0; n <= 8; n++) expect(toHex(tree.root(n)), `size ${n}`).toBe(ROOTS[n]);
    for (let n = 1; n <= 8; n++) {
      expect(toHex(rootFromLeafHashes(LEAVES.slice(0, n).map(recordHash)))).toBe(ROOTS[n]);
    }
  });

  it('hashes a record given as text exactly as its UTF-8 bytes', () => {
    for (const text of ['', 'npm left-pad 1.3.0 sha512-x\n', 'caf\u00e9 \u{1F600}\n', '\0\u0001']) {
      expect(toHex(recordTextHash(text))).toBe(toHex(recordHash(new TextEncoder().encode(text))));
    }
  });

  it('uses distinct leaf and node prefixes (a leaf is not a node of its halves)', () => {
    const a = recordHash(hex('01'));
    const b = recordHash(hex('02'));
    expect(hashEqual(nodeHash(a, b), recordHash(new Uint8Array([...a, ...b])))).toBe(false);
  });

  it('generates and checks the reference consistency proofs', () => {
    const tree = referenceTree();
    for (const [m, n, want] of CONSISTENCY) {
      expect(proveConsistency(m, n, tree.read).map(toHex)).toEqual(want);
      checkConsistency(want.map(hex), m, hex(ROOTS[m] ?? ''), n, hex(ROOTS[n] ?? ''));
    }
  });

  it('generates and checks the reference inclusion proofs', () => {
    const tree = referenceTree();
    for (const [i, n, want] of INCLUSION) {
      expect(proveInclusion(i, n, tree.read).map(toHex)).toEqual(want);
      checkInclusion(want.map(hex), n, hex(ROOTS[n] ?? ''), i, recordHash(LEAVES[i] ?? new Uint8Array()));
    }
  });
});

describe('base64 hashes', () => {
  it('round-trips', () => {
    const h = recordHash(hex('abcd'));
    expect(hashEqual(fromBase64Hash(toBase64(h)), h)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['31 bytes', Buffer.alloc(31, 7).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 7).toString('base64')],
    ['no padding', toBase64(new Uint8Array(32)).replace(/=$/, '')],
    ['spare bits set', toBase64(new Uint8Array(32)).replace(/A=$/, 'B=')],
    ['url alphabet', toBase64(new Uint8Array(32).fill(0xff)).replace(/\//g, '_')],
    [
      'embedded newline',
      `${toBase64(new Uint8Array(32)).slice(0, 10)}\n${toBase64(new Uint8Array(32)).slice(10)}`,
    ],
    ['trailing space', `${toBase64(new Uint8Array(32))} `],
  ])('rejects %s with MALFORMED_PROOF', (_name, s) => {
    expect(() => fromBase64Hash(s)).toThrow(expect.objectContaining({ code: 'MALFORMED_PROOF' }));
  });
});
