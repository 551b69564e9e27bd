import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MemoryTree,
  formatCheckpoint,
  formatTlogProof,
  generateKeyPair,
  parseSignerKey,
  parseTlogProof,
  parseVerifierKey,
  proveInclusion,
  recordHash,
  signNote,
  verifyTlogProof,
} from '../../src/tlog/index.js';

// A real c2sp.org/tlog-proof from Go's checksum database (see ../vectors/README.md).
const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../vectors');
const PROOF = readFileSync(path.join(VECTORS, 'go-sumdb-43930254.tlog-proof'), 'utf8');
const RECORD = new Uint8Array(readFileSync(path.join(VECTORS, 'go-sumdb-43930254.record')));
const SUMDB = parseVerifierKey('sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8');

const code = (code: string) => expect.objectContaining({ code });

describe('the Go checksum database vector', () => {
  it('verifies', () => {
    const v = verifyTlogProof(PROOF, RECORD, SUMDB, { expectOrigin: 'go.sum database tree' });
    expect(v.index).toBe(43930254);
    expect(v.checkpoint.size).toBe(58253265);
    expect(v.checkpoint.origin).toBe('go.sum database tree');
    expect(parseTlogProof(PROOF).proof).toHaveLength(26);
  });

  it('round-trips through parse and format', () => {
    expect(formatTlogProof(parseTlogProof(PROOF))).toBe(PROOF);
  });

  it('fails when any one byte of the record changes', () => {
    for (let i = 0; i < RECORD.length; i++) {
      const r = new Uint8Array(RECORD);
      r[i] = (r[i] ?? 0) ^ 0x20;
      expect(() => verifyTlogProof(PROOF, r, SUMDB), `byte ${i}`).toThrow(code('INVALID_PROOF'));
    }
    expect(() => verifyTlogProof(PROOF, RECORD.subarray(0, -1), SUMDB)).toThrow(code('INVALID_PROOF'));
  });

  it('fails when a byte of any proof hash changes', () => {
    const parsed = parseTlogProof(PROOF);
    for (let j = 0; j < parsed.proof.length; j++) {
      const proof = parsed.proof.map((h, k) =>
        k === j ? Uint8Array.from(h, (b, x) => (x === 31 ? b ^ 1 : b)) : h,
      );
      expect(() => verifyTlogProof(formatTlogProof({ ...parsed, proof }), RECORD, SUMDB)).toThrow(
        code('INVALID_PROOF'),
      );
    }
  });

  it('fails for a wrong index, or a missing or extra proof hash', () => {
    const parsed = parseTlogProof(PROOF);
    for (const index of [43930253, 43930255, 0, 58253264, 58253265]) {
      expect(() => verifyTlogProof(formatTlogProof({ ...parsed, index }), RECORD, SUMDB)).toThrow(
        code('INVALID_PROOF'),
      );
    }
    const short = { ...parsed, proof: parsed.proof.slice(0, -1) };
    expect(() => verifyTlogProof(formatTlogProof(short), RECORD, SUMDB)).toThrow(code('INVALID_PROOF'));
    const long = { ...parsed, proof: [...parsed.proof, parsed.proof[0] ?? new Uint8Array(32)] };
    expect(() => verifyTlogProof(formatTlogProof(long), RECORD, SUMDB)).toThrow(code('INVALID_PROOF'));
  });

  it('fails when the checkpoint is tampered with', () => {
    expect(() => verifyTlogProof(PROOF.replace('58253265', '58253266'), RECORD, SUMDB)).toThrow(
      code('BAD_SIGNATURE'),
    );
    expect(() => verifyTlogProof(PROOF.replace('lIyLAEe4', 'lIyLAEe5'), RECORD, SUMDB)).toThrow(
      code('BAD_SIGNATURE'),
    );
    expect(() => verifyTlogProof(PROOF, RECORD, SUMDB, { expectOrigin: 'sum.golang.org' })).toThrow(
      code('MALFORMED_CHECKPOINT'),
    );
    const otherKey = parseVerifierKey(generateKeyPair('sum.golang.org').vkey);
    expect(() => verifyTlogProof(PROOF, RECORD, otherKey)).toThrow(code('BAD_SIGNATURE'));
  });
});

describe('tlog-proof format', () => {
  const log = generateKeyPair('example.org/log');
  const tree = new MemoryTree();
  const records = Array.from({ length: 7 }, (_, i) => new TextEncoder().encode(`record ${i}\n`));
  for (const r of records) tree.append(recordHash(r));
  const note = signNote(
    formatCheckpoint({ origin: 'example.org/log', size: 7, root: tree.root(), extensions: [] }),
    [parseSignerKey(log.skey)],
  );
  const proofFor = (i: number, extra?: Uint8Array): string =>
    formatTlogProof({
      ...(extra === undefined ? {} : { extra }),
      index: i,
      proof: proveInclusion(i, 7, tree.read),
      checkpointNote: note,
    });

  it('carries optional extra data and verifies every record', () => {
    const extra = new TextEncoder().encode('age-v1.2.1-darwin-arm64.tar.gz');
    const text = proofFor(3, extra);
    expect(text.split('\n')[1]).toBe(`extra ${Buffer.from(extra).toString('base64')}`);
    expect(parseTlogProof(text).extra).toEqual(extra);
    for (let i = 0; i < 7; i++)
      expect(
        verifyTlogProof(proofFor(i), records[i] ?? new Uint8Array(), parseVerifierKey(log.vkey)).index,
      ).toBe(i);
  });

  it('verifies a proof with no hashes (a tree of one record)', () => {
    const one = new MemoryTree();
    one.append(recordHash(records[0] ?? new Uint8Array()));
    const n1 = signNote(
      formatCheckpoint({ origin: 'example.org/log', size: 1, root: one.root(), extensions: [] }),
      [parseSignerKey(log.skey)],
    );
    const text = formatTlogProof({ index: 0, proof: [], checkpointNote: n1 });
    expect(text.startsWith('c2sp.org/tlog-proof@v1\nindex 0\n\nexample.org/log\n1\n')).toBe(true);
    expect(
      verifyTlogProof(text, records[0] ?? new Uint8Array(), parseVerifierKey(log.vkey)).checkpoint.size,
    ).toBe(1);
  });

  const good = (): string => proofFor(2);
  it.each([
    ['a wrong header', () => good().replace('tlog-proof@v1', 'tlog-proof@v2')],
    ['no index line', () => good().replace('index 2\n', '')],
    ['a leading zero', () => good().replace('index 2', 'index 02')],
    ['a negative index', () => good().replace('index 2', 'index -2')],
    ['an empty extra', () => good().replace('\nindex', '\nextra \nindex')],
    ['a bad proof hash', () => good().replace(/\nindex 2\n[^\n]{4}/, '\nindex 2\n!!!!')],
    ['no blank line', () => good().replace(/\n\nexample\.org/, '\nexample.org')],
    ['no checkpoint', () => good().slice(0, good().indexOf('\n\n') + 2)],
    ['truncated', () => 'c2sp.org/tlog-proof@v1\nindex 2'],
  ])('rejects %s with MALFORMED_PROOF', (_name, make) => {
    expect(() => parseTlogProof(make())).toThrow(code('MALFORMED_PROOF'));
  });
});
