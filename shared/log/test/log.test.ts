import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkInclusion,
  hashEqual,
  MemoryTree,
  openCheckpoint,
  parseVerifierKey,
  recordHash,
  recordKey,
} from '@sumgate/core';
import { initLog, openLog } from '../src/index.js';
import { LogStorage } from '../src/storage.js';
import { fakeRecord, fakeRecordText } from './records.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sumgate-log-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function newLog(n = 0) {
  const dir = tempDir();
  const { vkey } = await initLog({ dir, origin: 'test.example/log' });
  const log = await openLog(dir, { batchMaxDelayMs: 1 });
  const results = await Promise.all(Array.from({ length: n }, (_, i) => log.append(fakeRecord(i))));
  return { dir, vkey, log, results };
}

function memoryTreeOf(n: number, salt = ''): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < n; i++) t.append(recordHash(Buffer.from(fakeRecordText(i, salt))));
  return t;
}

describe('initLog', () => {
  it('creates keys (private key 0600), an empty signed checkpoint, and refuses a second init', async () => {
    const dir = tempDir();
    const { vkey } = await initLog({ dir, origin: 'test.example/log' });
    expect(vkey.startsWith('test.example/log+')).toBe(true);
    expect(statSync(join(dir, 'log.skey')).mode & 0o777).toBe(0o600);
    const cp = openCheckpoint(readFileSync(join(dir, 'checkpoint'), 'utf8'), parseVerifierKey(vkey));
    expect(cp.checkpoint.size).toBe(0);
    await expect(initLog({ dir, origin: 'test.example/log' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(initLog({ dir: tempDir(), origin: 'bad origin' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('Log', () => {
  it('appends in batches; the signed root equals the RFC 6962 root; proofs verify', async () => {
    const n = 1000;
    const { log, vkey, results } = await newLog(n);
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    const cp = openCheckpoint(log.checkpoint().note, parseVerifierKey(vkey)).checkpoint;
    expect(cp.size).toBe(n);
    // Appends were concurrent: compute the expected tree in the order the log assigned.
    const byIndex: string[] = [];
    for (const [i, r] of results.entries()) byIndex[r.index] = fakeRecordText(i);
    const t = new MemoryTree();
    for (const text of byIndex) t.append(recordHash(Buffer.from(text)));
    expect(hashEqual(cp.root, t.root())).toBe(true);
    for (const i of [0, 1, 255, 256, 511, 999]) {
      const leaf = recordHash(Buffer.from(byIndex[i]!));
      checkInclusion(log.proveInclusion(i), n, cp.root, i, leaf);
      expect(() => checkInclusion(log.proveInclusion(i), n, cp.root, i === 0 ? 1 : 0, leaf)).toThrow();
    }
    await log.close();
  });

  it('first record wins: identical re-append returns the index, a conflicting one is refused and kept as evidence', async () => {
    const { log } = await newLog(10);
    const key = recordKey(fakeRecord(3).name, fakeRecord(3).version);
    const index = log.lookupIndex(key)!;
    await expect(log.append(fakeRecord(3))).resolves.toEqual({ index, existing: true });
    const evil = { ...fakeRecord(3), integrity: fakeRecord(4).integrity };
    await expect(log.append(evil, 'https://evil.example')).rejects.toMatchObject({ code: 'LOG_CONFLICT' });
    const ev = log.evidence(key)!;
    expect(ev.index).toBe(index);
    expect(ev.logged).toBe(fakeRecordText(3));
    expect(ev.observations[0]!.source).toBe('https://evil.example');
    expect(log.size).toBe(10);
    // Concurrent conflicting appends of a new key: exactly one wins.
    const a = { ...fakeRecord(50) };
    const b = { ...fakeRecord(50), integrity: fakeRecord(51).integrity };
    const settled = await Promise.allSettled([log.append(a), log.append(b)]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    await log.close();
  });

  it('reopens with the same root and index; a second writer is refused', async () => {
    const { dir, log } = await newLog(300);
    const root = log.checkpoint().root;
    await expect(openLog(dir)).rejects.toMatchObject({ code: 'USAGE' });
    await log.close();
    const again = await openLog(dir);
    expect(again.size).toBe(300);
    expect(hashEqual(again.checkpoint().root, root)).toBe(true);
    expect(again.lookup(recordKey(fakeRecord(7).name, fakeRecord(7).version))?.record).toBe(
      fakeRecordText(7),
    );
    await again.close();
  });

  it('recovers: torn tails are cut, intact unpublished entries are published, hashes recomputed', async () => {
    const { dir, log } = await newLog(0);
    for (let b = 0; b < 6; b++)
      await Promise.all(Array.from({ length: 100 }, (_, j) => log.append(fakeRecord(b * 100 + j))));
    await log.close();
    // Simulate a crash after writing (and syncing) 20 more entries but before the checkpoint,
    // followed by a torn frame and a torn hash.
    const raw = LogStorage.open(dir);
    raw.append(Array.from({ length: 20 }, (_, j) => Buffer.from(fakeRecordText(600 + j))));
    await raw.sync();
    raw.close();
    appendFileSync(join(dir, 'entries.dat'), Buffer.from([0, 0, 0, 50, 1, 2, 3]));
    appendFileSync(join(dir, 'tree-0.dat'), Buffer.alloc(17, 9));
    const again = await openLog(dir, { verifyAll: true });
    expect(again.size).toBe(620);
    expect(hashEqual(again.checkpoint().root, memoryTreeOf(620).root())).toBe(true);
    expect(again.lookupIndex(recordKey(fakeRecord(619).name, fakeRecord(619).version))).toBe(619);
    await again.close();
  });

  it('refuses loudly to open storage that disagrees with its signed checkpoint', async () => {
    const { dir, log } = await newLog(300);
    await log.close();
    const flip = (level: number, index: number) => {
      const file = join(dir, `tree-${level}.dat`);
      const bytes = readFileSync(file);
      bytes[index * 32] = bytes[index * 32]! ^ 1;
      writeFileSync(file, bytes);
    };
    // 300 = 256 + 32 + 8 + 4: the root reads stored hashes (8,0), (5,8), (3,36) and (2,74).
    flip(2, 74);
    await expect(openLog(dir)).rejects.toMatchObject({ code: 'LOG_MISMATCH' });
    flip(2, 74);
    // A leaf inside a complete subtree is covered by the level above: found by the full check.
    flip(0, 5);
    await expect(openLog(dir, { verifyAll: true })).rejects.toMatchObject({ code: 'LOG_MISMATCH' });
    flip(0, 5);
    // The lock was released each time: the repaired log opens.
    await (await openLog(dir, { verifyAll: true })).close();
  });
});
