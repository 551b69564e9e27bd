/**
 * First record wins inside one batch, on both backends. The embedded log looks each key up before
 * queueing it; the PostgreSQL sequencer queues without a lookup and finds logged keys with its
 * batch's own leaf insert (a unique violation, then the batch again without them). Either way one
 * batch that mixes new keys, keys already logged, the same new key several times and different
 * records for a logged key and for a key of the same batch must come out the same: contiguous new
 * indices, the original index for an identical re-append, LOG_CONFLICT with evidence otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hash, hashEqual, nodeHash, recordHash, recordKey, treeHash } from '@sumgate/core';
import { initLog, openLog } from '../src/index.js';
import type { AppendResult } from '../src/log.js';
import { PgLog } from '../src/postgres.js';
import { hasPostgres, startPgCluster, type PgCluster } from './pgCluster.js';
import { fakeRecord, fakeRecordText } from './records.js';
import { removeTempDirs, tempDir } from './tmp.js';

interface Appendable {
  append(record: string): Promise<AppendResult>;
  lookup(key: string): unknown;
  evidence(key: string): unknown;
  checkpoint(): unknown;
  close(): Promise<void>;
}

let cluster: PgCluster | undefined;
const databases = new Map<string, string>();
/** One database per log directory (a reopen finds its log again). */
function databaseOf(dir: string): string {
  let url = databases.get(dir);
  if (url === undefined) {
    url = cluster!.createDatabase(`dedup${databases.size}`);
    databases.set(dir, url);
  }
  return url;
}

const backends: Array<[string, (dir: string) => Promise<Appendable>, boolean]> = [
  ['embedded', (dir) => openLog(dir, { batchMaxDelayMs: 50, batchMaxEntries: 10_000 }), true],
  [
    'PostgreSQL',
    (dir) =>
      PgLog.openSequencer({
        dir,
        url: databaseOf(dir),
        batchMaxDelayMs: 50,
        batchMaxEntries: 10_000,
      }),
    hasPostgres() || process.env.CI !== undefined,
  ],
];

const keyOf = (i: number): string => {
  const r = fakeRecord(i);
  return recordKey(r.name, r.version);
};

/** Settles every append; a refusal becomes its error code and index. */
async function settle(p: Promise<AppendResult>): Promise<AppendResult | { code: string; index: number }> {
  try {
    return await p;
  } catch (e) {
    const err = e as { code: string; data?: { index: number } };
    return { code: err.code, index: err.data?.index ?? -1 };
  }
}

for (const [name, open, enabled] of backends) {
  (enabled ? describe : describe.skip)(`first record wins within one batch (${name})`, () => {
    beforeAll(async () => {
      if (name === 'PostgreSQL') cluster = await startPgCluster();
    }, 60_000);
    afterAll(() => {
      if (name === 'PostgreSQL') cluster?.stop();
      removeTempDirs();
    });

    it('a batch of new keys, logged keys, repeated keys and conflicting records', async () => {
      const dir = tempDir();
      await initLog({ dir, origin: 'dedup.test/log' });
      const log = await open(dir);
      try {
        const logged = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append(fakeRecordText(i))));
        expect(logged.map((r) => r.index)).toEqual([...Array(10).keys()]);

        // One batch (all appends in one turn, 50 ms before the batch starts).
        const calls: Array<[string, ReturnType<typeof settle>]> = [];
        const add = (label: string, text: string): void => {
          calls.push([label, settle(log.append(text))]);
        };
        add('logged 3', fakeRecordText(3));
        for (let i = 10; i < 20; i++) add(`new ${i}`, fakeRecordText(i));
        add('logged 0', fakeRecordText(0));
        add('logged 0 again', fakeRecordText(0));
        add('new 10 again', fakeRecordText(10));
        add('new 10 a third time', fakeRecordText(10));
        add('different 5', fakeRecordText(5, 'other'));
        add('different 11', fakeRecordText(11, 'other'));
        add('logged 9', fakeRecordText(9));
        const out = new Map<string, AppendResult | { code: string; index: number }>();
        for (const [label, p] of calls) out.set(label, await p);

        const fresh = Array.from({ length: 10 }, (_, j) => out.get(`new ${j + 10}`) as AppendResult);
        expect(fresh.every((r) => r.existing === false)).toBe(true);
        expect(fresh.map((r) => r.index).sort((a, b) => a - b)).toEqual(
          [...Array(10).keys()].map((j) => j + 10),
        );
        expect(out.get('logged 3')).toEqual({ index: 3, existing: true });
        expect(out.get('logged 0')).toEqual({ index: 0, existing: true });
        expect(out.get('logged 0 again')).toEqual({ index: 0, existing: true });
        expect(out.get('logged 9')).toEqual({ index: 9, existing: true });
        expect(out.get('new 10 again')).toEqual({ index: fresh[0]!.index, existing: true });
        expect(out.get('new 10 a third time')).toEqual({ index: fresh[0]!.index, existing: true });
        expect(out.get('different 5')).toEqual({ code: 'LOG_CONFLICT', index: 5 });
        expect(out.get('different 11')).toEqual({ code: 'LOG_CONFLICT', index: fresh[1]!.index });

        // The tree holds exactly the 20 first records, each once, at the index it was given.
        const cp = (await log.checkpoint()) as { size: number; root: Uint8Array };
        expect(cp.size).toBe(20);
        const leaves: Hash[] = [];
        for (let i = 0; i < 20; i++) {
          const found = (await log.lookup(keyOf(i))) as { index: number; record: string };
          expect(found.record).toBe(fakeRecordText(i));
          leaves[found.index] = recordHash(new TextEncoder().encode(found.record));
        }
        const read = (j: number, k: number): Hash => subtree(leaves, j, k);
        expect(hashEqual(treeHash(20, read), cp.root)).toBe(true);
        expect(await log.evidence(keyOf(5))).toMatchObject({ index: 5, logged: fakeRecordText(5) });
        expect(await log.evidence(keyOf(11))).toMatchObject({
          index: fresh[1]!.index,
          logged: fakeRecordText(11),
        });

        // A batch of logged keys only appends nothing; the log goes on after it.
        const again = await Promise.all([3, 12, 0].map((i) => log.append(fakeRecordText(i))));
        expect(again).toEqual([
          { index: 3, existing: true },
          { index: fresh[2]!.index, existing: true },
          { index: 0, existing: true },
        ]);
        expect(((await log.checkpoint()) as { size: number }).size).toBe(20);
        expect(await log.append(fakeRecordText(20))).toEqual({ index: 20, existing: false });
      } finally {
        await log.close();
      }
    });

    it('a mixed batch across a tile and bundle boundary, then a reopen that checks the stored tree', async () => {
      const dir = tempDir();
      await initLog({ dir, origin: 'dedup.test/log' });
      let log = await open(dir);
      try {
        await Promise.all(Array.from({ length: 250 }, (_, i) => log.append(fakeRecordText(i))));
        // 20 new keys (250..269, across index 256) with logged ones among them: on PostgreSQL the
        // first insert is refused and the batch's tiles and bundles are computed again without them.
        const mixed = await Promise.all([
          ...Array.from({ length: 10 }, (_, j) => log.append(fakeRecordText(250 + j))),
          log.append(fakeRecordText(7)),
          log.append(fakeRecordText(249)),
          ...Array.from({ length: 10 }, (_, j) => log.append(fakeRecordText(260 + j))),
        ]);
        expect(mixed.filter((r) => !r.existing).map((r) => r.index)).toEqual(
          Array.from({ length: 20 }, (_, j) => 250 + j),
        );
        expect(mixed.filter((r) => r.existing)).toEqual([
          { index: 7, existing: true },
          { index: 249, existing: true },
        ]);
        await log.close();
        log = await open(dir); // the stored tree must have the signed root (LOG_MISMATCH otherwise)
        const cp = (await log.checkpoint()) as { size: number; root: Uint8Array };
        expect(cp.size).toBe(270);
        const leaves = Array.from({ length: 270 }, (_, i) =>
          recordHash(new TextEncoder().encode(fakeRecordText(i))),
        );
        expect(
          hashEqual(
            treeHash(270, (j, k) => subtree(leaves, j, k)),
            cp.root,
          ),
        ).toBe(true);
        expect(await log.append(fakeRecordText(270))).toEqual({ index: 270, existing: false });
      } finally {
        await log.close();
      }
    });
  });
}

/** The hash of subtree (level j, index k) over `leaves` (RFC 6962 node hashes). */
function subtree(leaves: readonly Hash[], j: number, k: number): Hash {
  if (j === 0) return leaves[k]!;
  return nodeHash(subtree(leaves, j - 1, 2 * k), subtree(leaves, j - 1, 2 * k + 1));
}
