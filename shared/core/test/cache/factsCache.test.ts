import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FactsCache } from '../../src/cache/factsCache.js';
import type { CachedFacts } from '../../src/cache/factsCache.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sumgate-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry: CachedFacts = {
  v: 3,
  proven: {
    record: 'npm a 1.0.0 sha512-x\n',
    index: 3,
    proof: 'AAAA',
    key: 'k+00',
    checkpoint: 'f'.repeat(64),
  },
  metadata: { installHooks: [], publishedAt: '2026-01-01T00:00:00Z', source: 'npmjs' },
};

describe('FactsCache: one proof-carrying file per name@version, read back unchecked', () => {
  it('round-trips an entry and misses what was never written', () => {
    const cache = new FactsCache(dir);
    expect(cache.read('a', '1.0.0')).toBeUndefined();
    cache.write('a', '1.0.0', entry);
    expect(cache.read('a', '1.0.0')).toEqual({ facts: entry, file: cache.file('a', '1.0.0') });
    expect(cache.read('a', '1.0.1')).toBeUndefined();
  });

  it('names the file of a damaged or foreign entry instead of believing it', async () => {
    const cache = new FactsCache(dir);
    cache.write('b', '1.0.0', entry);
    await cache.settled();
    writeFileSync(cache.file('b', '1.0.0'), '{"v":3,"proven":');
    expect(cache.read('b', '1.0.0')).toEqual({
      corrupt: 'it is not JSON (damaged or half written)',
      file: cache.file('b', '1.0.0'),
    });
    writeFileSync(
      cache.file('b', '1.0.0'),
      JSON.stringify({ v: 1, record: 'npm b 1.0.0 sha512-x\n', index: 0 }),
    );
    expect(cache.read('b', '1.0.0')).toMatchObject({ corrupt: expect.stringContaining('format 3') });
    writeFileSync(
      cache.file('b', '1.0.0'),
      JSON.stringify({ ...entry, metadata: { installHooks: 'postinstall' } }),
    );
    expect(cache.read('b', '1.0.0')).toMatchObject({ corrupt: expect.stringContaining('format 3') });
  });

  it('writes behind: the entry is read back at once, and is on disk once settled', async () => {
    const cache = new FactsCache(dir);
    cache.write('c', '1.0.0', entry);
    expect(existsSync(cache.file('c', '1.0.0'))).toBe(false);
    expect(cache.read('c', '1.0.0')).toEqual({ facts: entry, file: cache.file('c', '1.0.0') });
    await cache.settled();
    expect(JSON.parse(readFileSync(cache.file('c', '1.0.0'), 'utf8'))).toEqual(entry);
    expect(new FactsCache(dir).read('c', '1.0.0')).toEqual({ facts: entry, file: cache.file('c', '1.0.0') });
  });

  it('keeps the newest of two writes of one entry, and drops a failed write (a cache, not a fact)', async () => {
    const files = new Map<string, string>();
    const failing = new Set<string>();
    const cache = new FactsCache('/cache', {
      read: (f) => (files.has(f) ? Buffer.from(files.get(f)!) : undefined),
      write: () => {
        throw new Error('written behind, never now');
      },
      writeAsync: async (f, d) => {
        await new Promise((r) => setTimeout(r, 5));
        if (failing.has(f)) throw new Error('EACCES');
        files.set(f, String(d));
      },
      create: () => true,
      lock: async (_f, fn) => fn(),
    });
    const newer: CachedFacts = { ...entry, metadata: undefined };
    cache.write('d', '1.0.0', entry);
    await new Promise((r) => setImmediate(r));
    cache.write('d', '1.0.0', newer);
    failing.add(cache.file('e', '1.0.0'));
    cache.write('e', '1.0.0', entry);
    await cache.settled();
    expect(JSON.parse(files.get(cache.file('d', '1.0.0'))!)).toEqual(JSON.parse(JSON.stringify(newer)));
    expect(files.has(cache.file('e', '1.0.0'))).toBe(false);
    expect(cache.read('e', '1.0.0')).toBeUndefined();
  });
});
