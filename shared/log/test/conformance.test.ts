/**
 * One conformance suite, run on every storage backend (embedded POSIX files and PostgreSQL): the
 * log's promises checked over its HTTP API only, as a client or monitor sees them, plus the kill -9
 * crash test (conformance/crash.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkConsistency,
  checkInclusion,
  type Checkpoint,
  decodeEntryBundle,
  entriesPath,
  fromBase64Hash,
  hashEqual,
  openCheckpoint,
  parseLookupResponse,
  parseVerifierKey,
  proveConsistency,
  proveInclusion,
  recordHash,
  recordKey,
  rootFromLeafHashes,
  TILE_WIDTH,
  treeHash,
} from '@sumgate/core';
import { embedded, postgresBackend, type Backend, type TestLogHandle } from './conformance/backends.js';
import { crashScenario } from './conformance/crash.js';
import { versionsScenario } from './conformance/versions.js';
import { hasPostgres } from './pgCluster.js';
import { fakeRecord, fakeRecordText } from './records.js';
import { withTiles } from './tiles.js';
import { removeTempDirs } from './tmp.js';

afterAll(removeTempDirs);

const backends: Backend[] = [embedded];
// PostgreSQL is part of the suite wherever .ci/run has installed it; CI always has it.
if (hasPostgres() || process.env.CI !== undefined) backends.push(postgresBackend());

async function add(
  url: string,
  records: string[],
): Promise<{ entries: Array<{ index: number; existing: boolean }>; checkpoint: string }> {
  const res = await fetch(`${url}/add`, { method: 'POST', body: JSON.stringify({ records }) });
  if (res.status !== 200) throw new Error(`POST /add: ${res.status} ${await res.text()}`);
  return (await res.json()) as { entries: Array<{ index: number; existing: boolean }>; checkpoint: string };
}

async function addRange(url: string, from: number, to: number, chunk = 100): Promise<Map<number, string>> {
  const at = new Map<number, string>();
  const jobs: Array<Promise<void>> = [];
  for (let i = from; i < to; i += chunk) {
    const records = Array.from({ length: Math.min(chunk, to - i) }, (_, j) => fakeRecordText(i + j));
    jobs.push(
      add(url, records).then((r) => {
        for (const [j, e] of r.entries.entries()) at.set(e.index, records[j]!);
      }),
    );
  }
  await Promise.all(jobs);
  return at;
}

async function checkpointOf(url: string, vkey: string): Promise<Checkpoint> {
  return openCheckpoint(await (await fetch(`${url}/checkpoint`)).text(), parseVerifierKey(vkey)).checkpoint;
}

describe.each(backends)('conformance: $name backend', (backend) => {
  beforeAll(() => backend.setup(), 60_000);
  afterAll(() => backend.teardown());

  describe('one log', () => {
    let log: TestLogHandle;
    let url: string;
    let close: () => Promise<void>;
    let byIndex: Map<number, string>;
    beforeAll(async () => {
      log = await backend.create('conformance.test/log');
      const s = await log.serve();
      url = s.url;
      close = () => s.close();
      byIndex = await addRange(url, 0, 1300);
    }, 60_000);
    afterAll(() => close());

    it('gives contiguous indices and a checkpoint whose root is the RFC 6962 root of the records', async () => {
      expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 1300 }, (_, i) => i));
      const cp = await checkpointOf(url, log.vkey);
      expect(cp.size).toBe(1300);
      const leaves = Array.from({ length: 1300 }, (_, i) => recordHash(Buffer.from(byIndex.get(i)!)));
      expect(hashEqual(rootFromLeafHashes(leaves), cp.root)).toBe(true);
      expect(hashEqual(await withTiles(url, cp.size, (read) => treeHash(cp.size, read)), cp.root)).toBe(true);
      for (const [n, width] of [
        [0, TILE_WIDTH],
        [5, 1300 - 5 * TILE_WIDTH],
        [5, 3],
      ] as const) {
        const bundle = decodeEntryBundle(
          new Uint8Array(await (await fetch(`${url}/${entriesPath(n, width)}`)).arrayBuffer()),
          width,
        );
        for (const [i, e] of bundle.entries())
          expect(Buffer.from(e).toString()).toBe(byIndex.get(n * TILE_WIDTH + i));
      }
      expect((await fetch(`${url}/${entriesPath(5, 1300 - 5 * TILE_WIDTH + 1)}`)).status).toBe(404);
      expect((await fetch(`${url}/tile/0/005.p/21`)).status).toBe(404);
    });

    it('keeps the first record per name@version forever and serves the refused one as evidence', async () => {
      const again = await add(url, [fakeRecordText(7)]);
      expect(again.entries[0]).toEqual({
        index: [...byIndex].find(([, r]) => r === fakeRecordText(7))![0],
        existing: true,
      });
      const res = await fetch(`${url}/add`, {
        method: 'POST',
        body: JSON.stringify({ records: [fakeRecordText(7, 'republished')] }),
      });
      expect(res.status).toBe(409);
      expect(await res.text()).toMatch(/^LOG_CONFLICT: /);
      const r = fakeRecord(7);
      const ev = (await (await fetch(`${url}/evidence/${recordKey(r.name, r.version)}`)).json()) as {
        logged: string;
        observations: Array<{ record: string }>;
      };
      expect(ev.logged).toBe(fakeRecordText(7));
      expect(ev.observations.map((o) => o.record)).toEqual([fakeRecordText(7, 'republished')]);
      expect((await checkpointOf(url, log.vkey)).size).toBe(1300);
    });

    it('refuses every concurrent different record for one name@version, logged or being logged', async () => {
      const post = (record: string) =>
        fetch(`${url}/add`, { method: 'POST', body: JSON.stringify({ records: [record] }) }).then(
          (r) => r.status,
        );
      // Already logged: concurrent republications all conflict, none is taken as existing.
      expect(
        await Promise.all([
          post(fakeRecordText(8, 'again')),
          post(fakeRecordText(8, 'again')),
          post(fakeRecordText(8)),
        ]),
      ).toEqual([409, 409, 200]);
      // New: one record wins; the identical copies get its index, the different one conflicts.
      const racing = [
        fakeRecordText(5000, 'a'),
        fakeRecordText(5000, 'b'),
        fakeRecordText(5000, 'a'),
        fakeRecordText(5000, 'b'),
      ];
      const statuses = await Promise.all(racing.map(post));
      const r = fakeRecord(5000);
      const logged = parseLookupResponse(
        await (await fetch(`${url}/lookup/${recordKey(r.name, r.version)}`)).text(),
      ).record;
      expect(statuses).toEqual(racing.map((rec) => (rec === logged ? 200 : 409)));
      expect((await checkpointOf(url, log.vkey)).size).toBe(1301);
      // Concurrent different refusals are all kept as evidence (none lost to a racing write).
      expect(
        await Promise.all([
          post(fakeRecordText(9, 'x')),
          post(fakeRecordText(9, 'y')),
          post(fakeRecordText(9, 'z')),
        ]),
      ).toEqual([409, 409, 409]);
      const r9 = fakeRecord(9);
      const ev = (await (await fetch(`${url}/evidence/${recordKey(r9.name, r9.version)}`)).json()) as {
        observations: Array<{ record: string }>;
      };
      expect(ev.observations.map((o) => o.record).sort()).toEqual(
        ['x', 'y', 'z'].map((salt) => fakeRecordText(9, salt)).sort(),
      );
    });

    it('answers lookups in Go shape and 1,000-package batch proofs that verify, all under one checkpoint', async () => {
      const r = fakeRecord(1234);
      const { index, record, note } = parseLookupResponse(
        await (await fetch(`${url}/lookup/${recordKey(r.name, r.version)}`)).text(),
      );
      expect(record).toBe(fakeRecordText(1234));
      const lcp = openCheckpoint(note, parseVerifierKey(log.vkey)).checkpoint;
      checkInclusion(
        await withTiles(url, lcp.size, (read) => proveInclusion(index, lcp.size, read)),
        lcp.size,
        lcp.root,
        index,
        recordHash(Buffer.from(record)),
      );
      expect((await fetch(`${url}/lookup/ghost@1.0.0`)).status).toBe(404);

      const packages = Array.from({ length: 1000 }, (_, i) => fakeRecord((i * 7) % 1300)).map(
        (p) => `${p.name}@${p.version}`,
      );
      const res = await fetch(`${url}/proofs`, {
        method: 'POST',
        body: JSON.stringify({ packages: [...packages, 'ghost@1.0.0'] }),
      });
      const text = await res.text();
      expect(text.length).toBeLessThan(1_000_000);
      const batch = JSON.parse(text) as {
        checkpoint: string;
        hashes: string;
        entries: Array<{ index: number; record: string; proof: number[] }>;
        missing: Array<{ name: string }>;
      };
      const cp = openCheckpoint(batch.checkpoint, parseVerifierKey(log.vkey)).checkpoint;
      const table = Buffer.from(batch.hashes, 'base64');
      expect(batch.entries).toHaveLength(1000);
      expect(batch.missing.map((m) => m.name)).toEqual(['ghost']);
      for (const e of batch.entries) {
        const proof = e.proof.map((k) => new Uint8Array(table.subarray(32 * k, 32 * k + 32)));
        checkInclusion(proof, cp.size, cp.root, e.index, recordHash(Buffer.from(e.record)));
      }
      // A bit flipped in one shared hash breaks the proof.
      const e0 = batch.entries[0]!;
      const bad = e0.proof.map((k) => new Uint8Array(table.subarray(32 * k, 32 * k + 32)));
      bad[bad.length - 1]![0]! ^= 1;
      expect(() =>
        checkInclusion(bad, cp.size, cp.root, e0.index, recordHash(Buffer.from(e0.record))),
      ).toThrow();
    });

    it('serves consistency proofs that match the ones computed from tiles', async () => {
      const cp = await checkpointOf(url, log.vkey);
      const lines = (await (await fetch(`${url}/proof/consistency/700/${cp.size}`)).text())
        .trim()
        .split('\n');
      const fromTiles = await withTiles(url, cp.size, (read) => proveConsistency(700, cp.size, read));
      expect(lines.map((l) => fromBase64Hash(l))).toEqual(fromTiles);
      expect((await fetch(`${url}/proof/consistency/700/${cp.size + 1}`)).status).toBe(404);
    });
  });

  it('reopens with the same tree and grows consistently with every checkpoint seen', async () => {
    const log = await backend.create('conformance.test/reopen');
    const seen: Checkpoint[] = [];
    for (const [from, to] of [
      [0, 1],
      [1, 300],
      [300, 513],
      [513, 800],
    ] as const) {
      const s = await log.serve();
      const before = await checkpointOf(s.url, log.vkey);
      expect(before.size).toBe(from);
      await addRange(s.url, from, to, 64);
      seen.push(await checkpointOf(s.url, log.vkey));
      await s.close();
    }
    const s = await log.serve();
    try {
      const cp = await checkpointOf(s.url, log.vkey);
      expect(cp.size).toBe(800);
      for (const old of seen) {
        const proof = await withTiles(s.url, cp.size, (read) => proveConsistency(old.size, cp.size, read));
        checkConsistency(proof, old.size, old.root, cp.size, cp.root);
      }
    } finally {
      await s.close();
    }
  }, 60_000);

  it('lists the versions it holds and its upstream lists below one version, bounded, on GET /versions/', async () => {
    await versionsScenario(await backend.create('conformance.test/versions'));
  }, 60_000);

  it('loses no acknowledged entry when the server is SIGKILLed mid-stream, and stays consistent with every checkpoint seen', async () => {
    await crashScenario(await backend.create('conformance.test/crash'));
  }, 90_000);
});
