/**
 * PostgreSQL only: one sequencer, any number of stateless read frontends. Frontends serve what the
 * sequencer published (never more), catch up with newer checkpoints, refuse appends; a second
 * sequencer on the same database is refused; the CLI starts both roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashEqual,
  openCheckpoint,
  parseLookupResponse,
  parseVerifierKey,
  recordKey,
  treeHash,
} from '@sumgate/core';
import { initLog, runLogCommand, serveLog } from '../src/index.js';
import { PgLog, PgLogReader } from '../src/postgres.js';
import { hasPostgres, startPgCluster, type PgCluster } from './pgCluster.js';
import { fakeRecord, fakeRecordText } from './records.js';
import { withTiles } from './tiles.js';
import { removeTempDirs, tempDir } from './tmp.js';

const run = hasPostgres() || process.env.CI !== undefined ? describe : describe.skip;

run('a log in PostgreSQL with read frontends', () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster();
  }, 60_000);
  afterAll(() => {
    cluster?.stop();
    removeTempDirs();
  });

  it('serves the same published tree from two read-only frontends, which catch up and refuse appends', async () => {
    const dir = tempDir();
    const { vkey } = await initLog({ dir, origin: 'pg.test/log' });
    const url = cluster.createDatabase('frontends');
    const seq = await serveLog({ dir, postgres: url, batchMaxDelayMs: 1 });
    const readers = [
      await serveLog({ dir: '', postgres: url, readOnly: true, checkpointTtlMs: 60_000 }),
      await serveLog({ dir: '', postgres: url, readOnly: true, checkpointTtlMs: 60_000 }),
    ];
    try {
      const log = seq.log as PgLog;
      await Promise.all(Array.from({ length: 600 }, (_, i) => log.append(fakeRecordText(i))));
      for (const r of readers) {
        // The checkpoint each frontend cached at start (size 0) is older than the entry: it re-reads.
        const p = fakeRecord(599);
        const { index, note } = parseLookupResponse(
          await (await fetch(`${r.url}/lookup/${recordKey(p.name, p.version)}`)).text(),
        );
        const cp = openCheckpoint(note, parseVerifierKey(vkey)).checkpoint;
        expect(cp.size).toBe(600);
        expect(index).toBeLessThan(cp.size);
        expect(hashEqual(await withTiles(r.url, 600, (read) => treeHash(600, read)), cp.root)).toBe(true);
        const add = await fetch(`${r.url}/add`, {
          method: 'POST',
          body: JSON.stringify({ records: [fakeRecordText(1000)] }),
        });
        expect(add.status).toBe(404); // no test-only endpoint on a frontend
      }
      expect(await (await fetch(`${readers[0]!.url}/checkpoint`)).text()).toBe(
        await (await fetch(`${readers[1]!.url}/checkpoint`)).text(),
      );

      // Another sequencer on the same database is refused while this one runs.
      await expect(PgLog.openSequencer({ dir, url })).rejects.toMatchObject({
        code: 'USAGE',
        message: expect.stringContaining('another sequencer'),
      });
      // A database without a log is not served.
      await expect(PgLogReader.open(cluster.createDatabase('empty'))).rejects.toMatchObject({
        code: 'USAGE',
      });
    } finally {
      await Promise.all(readers.map((r) => r.close()));
      await seq.close();
    }
  }, 60_000);

  it('is started by the CLI: the sequencer with --dir, frontends with --read-only', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'pg.test/cli' });
    const url = cluster.createDatabase('cli');
    const out: string[] = [];
    const io = (signal: AbortSignal) => ({
      stdout: (s: string) => out.push(s),
      stderr: (s: string) => out.push(s),
      signal,
    });
    const stopSeq = new AbortController();
    const seq = runLogCommand(['serve', '--dir', dir, '--postgres', url], io(stopSeq.signal));
    await expect.poll(() => out.join(''), { timeout: 20_000 }).toMatch(/serving pg\.test\/cli at http/);
    const stopReader = new AbortController();
    const reader = runLogCommand(['serve', '--postgres', url, '--read-only'], io(stopReader.signal));
    await expect
      .poll(() => out.join('').match(/serving pg\.test\/cli at/g)?.length ?? 0, { timeout: 20_000 })
      .toBe(2);
    stopReader.abort();
    stopSeq.abort();
    expect(await reader).toBe(0);
    expect(await seq).toBe(0);
    expect(await runLogCommand(['serve', '--read-only'], io(new AbortController().signal))).toBe(2);
    expect(
      await runLogCommand(
        ['serve', '--dir', dir, '--postgres', 'mysql://x'],
        io(new AbortController().signal),
      ),
    ).toBe(2);
  }, 60_000);
});
