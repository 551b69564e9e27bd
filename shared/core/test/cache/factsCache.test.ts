import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileOps } from '../../src/client/clientOps.js';
import { nodeFileOps } from '../../src/client/clientOps.js';
import {
  COMPACT_ABOVE,
  FactsCache,
  STALE_TMP_MS,
  decodePack,
  encodePack,
} from '../../src/cache/factsCache.js';
import type { CachedFacts } from '../../src/cache/factsCache.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'sumgate-facts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => path.join(root, `c${n++}`);

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
const packsIn = (dir: string): string[] =>
  readdirSync(path.join(dir, 'facts', 'v4')).filter((f) => f.endsWith('.pack'));
const facts = (i: number): CachedFacts => ({ ...entry, proven: { ...entry.proven, index: i } });

describe('FactsCache: packs of proof-carrying facts per name@version, read back unchecked', () => {
  it('round-trips an entry and misses what was never written', () => {
    const cache = new FactsCache(freshDir());
    expect(cache.read('a', '1.0.0')).toBeUndefined();
    cache.write('a', '1.0.0', entry);
    expect(cache.read('a', '1.0.0')).toEqual({ facts: entry, file: cache.dir });
    expect(cache.read('a', '1.0.1')).toBeUndefined();
  });

  it('writes one pack per batch, read by a fresh FactsCache (another process)', async () => {
    const dir = freshDir();
    const cache = new FactsCache(dir);
    for (let i = 0; i < 500; i++) cache.write(`p${i}`, '1.0.0', facts(i));
    expect(cache.read('p7', '1.0.0')).toMatchObject({ facts: facts(7) }); // queued: read back at once
    await cache.settled();
    const packs = packsIn(dir);
    expect(packs).toHaveLength(1);
    const other = new FactsCache(dir);
    const file = path.join(dir, 'facts', 'v4', packs[0]!);
    expect(other.read('p7', '1.0.0')).toEqual({ facts: JSON.parse(JSON.stringify(facts(7))), file });
    expect(other.read('p499', '1.0.0')).toMatchObject({ facts: { proven: { index: 499 } }, file });
    expect(other.read('p500', '1.0.0')).toBeUndefined();
    // v3's per-file entries are not read (proven again once)
    const v3 = path.join(dir, 'facts', 'v3', 'ab');
    mkdirSync(v3, { recursive: true });
    writeFileSync(path.join(v3, 'x.json'), JSON.stringify(entry));
    expect(new FactsCache(dir).read('a', '1.0.0')).toBeUndefined();
  });

  it('writes the first pack at once and a later burst as soon as the writes pause, well before 500 ms', async () => {
    // pnpm 12 SIGKILLs its hooks worker when the install ends: a fixed 500 ms between packs lost
    // the second pack of a small install now and then.
    const dir = freshDir();
    const cache = new FactsCache(dir);
    const started = Date.now();
    cache.write('first', '1.0.0', facts(0));
    // the first pack's timer (0 ms) fires before this one: its write has started
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 1; i <= 5; i++) {
      cache.write(`burst${i}`, '1.0.0', facts(i));
      await new Promise((r) => setTimeout(r, 5));
    }
    while (packsIn(dir).length < 2 && Date.now() - started < 2000) await new Promise((r) => setTimeout(r, 5));
    expect(packsIn(dir)).toHaveLength(2);
    // the old schedule wrote the second pack 500 ms after the first; this one about 25 ms after the burst
    expect(Date.now() - started).toBeLessThan(450);
    await cache.settled();
    expect(new FactsCache(dir).read('burst5', '1.0.0')).toMatchObject({ facts: { proven: { index: 5 } } });
  });

  it('removes the temporary file of a pack write killed before its rename once it is stale, and nothing else', async () => {
    const dir = freshDir();
    const cache = new FactsCache(dir);
    cache.write('a', '1.0.0', entry);
    await cache.settled();
    const v4 = path.join(dir, 'facts', 'v4');
    const [pack] = packsIn(dir);
    const at = (ms: number) => String(ms).padStart(15, '0');
    const old = Date.now() - STALE_TMP_MS - 60_000;
    const names = {
      stale: `${at(old)}-4242-0badc0de.pack.4242.1234abcd.tmp`,
      fresh: `${at(Date.now() - 1000)}-4243-0badc0de.pack.4243.1234abcd.tmp`,
      merging: `${at(old)}-4244-0badc0de~00ff00ff.pack.4245.1234abcd.tmp`,
      other: `${at(old)}-4246-0badc0de.pack.tmp`,
    };
    for (const name of Object.values(names)) writeFileSync(path.join(v4, name), 'sumgate-facts-pack 4 1 x\n');
    expect(new FactsCache(dir).read('a', '1.0.0')).toMatchObject({ facts: { proven: { index: 3 } } });
    expect(readdirSync(v4).sort()).toEqual([pack!, names.fresh, names.merging, names.other].sort());
  });

  it('ignores a truncated or damaged pack as a whole, says so, removes it, and never believes it', async () => {
    const dir = freshDir();
    const cache = new FactsCache(dir);
    cache.write('b', '1.0.0', entry);
    cache.write('c', '1.0.0', entry);
    await cache.settled();
    const [name] = packsIn(dir);
    const file = path.join(dir, 'facts', 'v4', name!);
    const whole = readFileSync(file);
    const said: string[] = [];
    const ignored = (f: string, why: string) => said.push(`${path.basename(f)}: ${why}`);
    for (const damaged of [
      whole.subarray(0, whole.length - 10), // truncated inside the last fact
      whole.subarray(0, whole.indexOf(10, whole.indexOf(10) + 1) + 1), // truncated at a line's end
      Buffer.from(whole.toString().replace('"index":3', '"index":4')), // a changed byte
      Buffer.from('{"v":3}'),
    ]) {
      writeFileSync(file, damaged);
      const fresh = new FactsCache(dir, nodeFileOps, ignored);
      expect(fresh.read('b', '1.0.0')).toBeUndefined();
      expect(fresh.read('c', '1.0.0')).toBeUndefined();
      expect(packsIn(dir)).toEqual([]);
    }
    expect(said).toEqual([
      `${name}: its checksum does not match its content (damaged or truncated)`,
      `${name}: its checksum does not match its content (damaged or truncated)`,
      `${name}: its checksum does not match its content (damaged or truncated)`,
      `${name}: it has no header (damaged or truncated)`,
    ]);
    // a pack whose checksum holds (a forger can recompute it) still only yields unchecked
    // entries: a malformed one is a corrupt entry, named by its pack, never a fact
    const forged = path.join(dir, 'facts', 'v4', '000000000000001-1-ab.pack');
    writeFileSync(
      forged,
      encodePack([
        ['b@1.0.0', '{"v":3,"proven":'],
        ['c@1.0.0', JSON.stringify({ v: 1 })],
      ]),
    );
    const fresh = new FactsCache(dir);
    expect(fresh.read('b', '1.0.0')).toEqual({ corrupt: 'its entry is not JSON (damaged)', file: forged });
    expect(fresh.read('c', '1.0.0')).toMatchObject({ corrupt: expect.stringContaining('format 3') });
    expect(decodePack(Buffer.from(`${encodePack([['b@1.0.0', '{}']])}x`))).toMatch(/checksum/);
  });

  it('two writers at once: each writes its own pack, and a fresh reader sees both (the newest per key)', async () => {
    const dir = freshDir();
    const one = new FactsCache(dir);
    const two = new FactsCache(dir);
    one.write('shared', '1.0.0', facts(1));
    one.write('only-one', '1.0.0', facts(10));
    await new Promise((r) => setTimeout(r, 5)); // two's pack is named later
    two.write('shared', '1.0.0', facts(2));
    two.write('only-two', '1.0.0', facts(20));
    await Promise.all([one.settled(), two.settled()]);
    expect(packsIn(dir)).toHaveLength(2);
    const fresh = new FactsCache(dir);
    expect(fresh.read('shared', '1.0.0')).toMatchObject({ facts: { proven: { index: 2 } } });
    expect(fresh.read('only-one', '1.0.0')).toMatchObject({ facts: { proven: { index: 10 } } });
    expect(fresh.read('only-two', '1.0.0')).toMatchObject({ facts: { proven: { index: 20 } } });
  });

  it(`merges more than ${COMPACT_ABOVE} packs into one, newest fact per key, losing none`, async () => {
    const dir = freshDir();
    for (let i = 0; i <= COMPACT_ABOVE; i++) {
      const cache = new FactsCache(dir);
      cache.write('every', '1.0.0', facts(i));
      cache.write(`only${i}`, '1.0.0', facts(100 + i));
      await cache.settled();
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(packsIn(dir)).toHaveLength(1);
    const fresh = new FactsCache(dir);
    expect(fresh.read('every', '1.0.0')).toMatchObject({ facts: { proven: { index: COMPACT_ABOVE } } });
    for (let i = 0; i <= COMPACT_ABOVE; i++)
      expect(fresh.read(`only${i}`, '1.0.0')).toMatchObject({ facts: { proven: { index: 100 + i } } });
    // the merged pack sorts after what it merged and before what comes next
    const later = new FactsCache(dir);
    later.write('every', '1.0.0', facts(99));
    await later.settled();
    expect(new FactsCache(dir).read('every', '1.0.0')).toMatchObject({ facts: { proven: { index: 99 } } });
  });

  it('a reader whose listed pack was merged meanwhile lists again and reads the merged one', () => {
    const dir = path.join(freshDir(), 'facts', 'v4');
    const files = new Map<string, Buffer>([
      [
        path.join(dir, '000000000000001-1-aa.pack'),
        Buffer.from(encodePack([['x@1.0.0', JSON.stringify(entry)]])),
      ],
    ]);
    let listings = 0;
    const ops: FileOps = {
      ...nodeFileOps,
      read: (f) => files.get(f),
      list: () => {
        listings++;
        const names = [...files.keys()].map((f) => path.basename(f));
        if (listings === 1) {
          // a compaction runs between this listing and the reads
          const merged = path.join(dir, '000000000000001-1-aa~bb.pack');
          files.set(merged, files.get(path.join(dir, '000000000000001-1-aa.pack'))!);
          files.delete(path.join(dir, '000000000000001-1-aa.pack'));
        }
        return names;
      },
    };
    const cache = new FactsCache(path.dirname(path.dirname(dir)), ops);
    expect(cache.read('x', '1.0.0')).toMatchObject({
      facts: entry,
      file: path.join(dir, '000000000000001-1-aa~bb.pack'),
    });
    expect(listings).toBe(2);
  });

  it('at exit (process.exit after a refusal), what is still queued is written as one pack at once', () => {
    const dir = freshDir();
    const cache = new FactsCache(dir);
    cache.write('f', '1.0.0', entry);
    cache.write('g', '1.0.0', entry);
    cache.exiting(); // what the process's exit listener does
    expect(packsIn(dir)).toHaveLength(1);
    expect(new FactsCache(dir).read('g', '1.0.0')).toMatchObject({ facts: entry });
  });

  it('keeps the newest of two writes of one entry, and drops a failed write (a cache, not a fact)', async () => {
    const files = new Map<string, string>();
    let failing = false;
    const ops: FileOps = {
      read: (f) => (files.has(f) ? Buffer.from(files.get(f)!) : undefined),
      write: () => {
        throw new Error('written behind, never now');
      },
      writeAsync: async (f, d) => {
        await new Promise((r) => setTimeout(r, 5));
        if (failing) throw new Error('EACCES');
        files.set(f, String(d));
      },
      create: () => true,
      lock: async (_f, fn) => fn(),
      list: (d) => [...files.keys()].filter((f) => path.dirname(f) === d).map((f) => path.basename(f)),
      remove: (f) => files.delete(f),
    };
    const cache = new FactsCache('/cache', ops);
    const newer: CachedFacts = { ...entry, metadata: undefined };
    cache.write('d', '1.0.0', entry);
    cache.write('d', '1.0.0', newer);
    await cache.settled();
    expect(new FactsCache('/cache', ops).read('d', '1.0.0')).toEqual({
      facts: JSON.parse(JSON.stringify(newer)),
      file: [...files.keys()][0],
    });
    failing = true;
    cache.write('e', '1.0.0', entry);
    await cache.settled();
    expect(files.size).toBe(1);
    expect(cache.read('e', '1.0.0')).toBeUndefined();
    expect(new FactsCache('/cache', ops).read('e', '1.0.0')).toBeUndefined();
  });
});
