/**
 * The witness (c2sp.org/tlog-witness) against real checkpoints: Go's checksum database (a vector),
 * and sumgate logs on both backends that submit each checkpoint to their witnesses. A witness
 * refuses a fork (split view) and a rollback, keeps its state across restarts, and a client with
 * a 2-of-3 quorum passes while one witness is down.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogClient, nodeHttpClient, openCheckpoint, parseCosignerKey, parseVerifierKey } from '@sumgate/core';
import {
  addWitnessedLog,
  initLog,
  initWitness,
  serveLog,
  serveWitness,
  Witness,
  type WitnessServer,
} from '../src/index.js';
import { embedded, postgresBackend, type Backend } from './conformance/backends.js';
import { hasPostgres } from './pgCluster.js';
import { fakeRecord, fakeRecordText } from './records.js';
import { removeTempDirs, tempDir } from './tmp.js';

afterAll(removeTempDirs);

const GO_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const goNote = (): string => {
  const proof = readFileSync(
    resolve(__dirname, '../../core/test/vectors/go-sumdb-43930254.tlog-proof'),
    'utf8',
  );
  return proof.slice(proof.indexOf('\n\n') + 2);
};

async function newWitness(name: string, logs: Array<{ vkey: string; origin?: string }>): Promise<string> {
  const dir = tempDir('sumgate-witness-');
  await initWitness(dir, name);
  for (const l of logs) await addWitnessedLog(dir, l.vkey, l.origin);
  return dir;
}

async function add(url: string, records: string[]): Promise<string> {
  const res = await fetch(`${url}/add`, { method: 'POST', body: JSON.stringify({ records }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { checkpoint: string }).checkpoint;
}

describe("a witness of Go's checksum database (any C2SP log)", () => {
  it('cosigns the sum.golang.org checkpoint from size 0, then refuses a stale old size and a forged note', async () => {
    const dir = await newWitness('witness.test/go', [{ vkey: GO_VKEY, origin: 'go.sum database tree' }]);
    const w = Witness.open(dir);
    const note = goNote();
    const ok = await w.addCheckpoint(`old 0\n\n${note}`);
    expect(ok.status).toBe(200);
    const cosigner = parseCosignerKey(readFileSync(join(dir, 'witness.vkey'), 'utf8').trim());
    const opened = openCheckpoint(note + ok.body, parseVerifierKey(GO_VKEY), {
      verifiers: [cosigner],
      quorum: 1,
    });
    expect(opened.checkpoint.size).toBe(58253265);
    expect(opened.cosigners).toEqual(['witness.test/go']);

    // The state is durable: a restarted witness knows the size and answers 409 text/x.tlog.size.
    const again = await Witness.open(dir).addCheckpoint(`old 0\n\n${note}`);
    expect(again).toMatchObject({ status: 409, contentType: 'text/x.tlog.size', body: '58253265\n' });
    expect((await Witness.open(dir).addCheckpoint(`old 58253265\n\n${note}`)).status).toBe(200);

    const forged = note.replace(/\n[A-Za-z0-9+/]{43}=\n/, '\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n');
    expect(forged).not.toBe(note);
    expect((await w.addCheckpoint(`old 58253265\n\n${forged}`)).status).toBe(403);
    expect(
      (await w.addCheckpoint(`old 0\n\n${note.replace('go.sum database tree', 'other tree')}`)).status,
    ).toBe(404);
    expect((await w.addCheckpoint(`old 99999999\n\n${note}`)).status).toBe(400);
    expect((await w.addCheckpoint(`old 01\n\n${note}`)).status).toBe(400);
  });
});

const backends: Backend[] = [embedded];
if (hasPostgres() || process.env.CI !== undefined) backends.push(postgresBackend());

describe.each(backends)('a $name log with witnesses', (backend) => {
  beforeAll(() => backend.setup(), 60_000);
  afterAll(() => backend.teardown());

  it('serves checkpoints cosigned by its witnesses; a 2-of-3 quorum passes with one witness down', async () => {
    const log = await backend.create('witness.test/log');
    const witnesses: WitnessServer[] = [];
    for (const n of ['w1', 'w2', 'w3'])
      witnesses.push(
        await serveWitness({ dir: await newWitness(`witness.test/${n}`, [{ vkey: log.vkey }]) }),
      );
    const keys = witnesses.map((w) => w.vkey);
    await witnesses[2]!.close(); // down from the start: connection refused
    const errors: unknown[] = [];
    const s = await log.serve({
      witnesses: witnesses.map((w) => ({ url: w.url, vkey: w.vkey })),
      onError: (e) => errors.push(e),
    });
    try {
      for (let i = 0; i < 600; i += 150)
        await add(
          s.url,
          Array.from({ length: 150 }, (_, j) => fakeRecordText(i + j)),
        );
      const note = await (await fetch(`${s.url}/checkpoint`)).text();
      const opened = openCheckpoint(note, parseVerifierKey(log.vkey), {
        verifiers: keys.map((k) => parseCosignerKey(k)),
        quorum: 2,
      });
      expect(opened.checkpoint.size).toBe(600);
      expect(opened.cosigners.sort()).toEqual(['witness.test/w1', 'witness.test/w2']);
      expect(witnesses[0]!.witness.cosignedSize('witness.test/log')).toBe(600);
      expect(errors.some((e) => String(e).includes(witnesses[2]!.url))).toBe(true);

      const client = (quorum: number) =>
        new LogClient({
          url: `${s.url}/`,
          vkeys: [log.vkey],
          witnesses: { keys, quorum },
          timeoutMs: 10_000,
          cacheDir: tempDir('sumgate-client-'),
          http: nodeHttpClient,
        });
      const pkg = [{ name: fakeRecord(42).name, version: fakeRecord(42).version }];
      expect(
        (await client(2).lookupMany(pkg, false)).found.get(`${pkg[0]!.name}@${pkg[0]!.version}`)?.index,
      ).toBeGreaterThanOrEqual(0);
      await expect(client(3).lookupMany(pkg, false)).rejects.toMatchObject({ code: 'WITNESS_QUORUM' });
    } finally {
      await s.close();
      await Promise.all(witnesses.map((w) => w.close()));
    }
  }, 60_000);
});

describe('a witness between a log and its fork', () => {
  it('refuses to cosign a split view and a rollback, so a client with an empty cache refuses the fork', async () => {
    const dirA = tempDir();
    const { vkey } = await initLog({ dir: dirA, origin: 'witness.test/forked' });
    const dirB = tempDir();
    cpSync(dirA, dirB, { recursive: true }); // the operator keeps the key and starts a second tree
    const w = await serveWitness({ dir: await newWitness('witness.test/w', [{ vkey }]) });
    const endpoints = [{ url: w.url, vkey: w.vkey }];
    const a = await serveLog({
      dir: dirA,
      batchMaxDelayMs: 1,
      allowDirectAppend: true,
      witnesses: endpoints,
    });
    const refusals: unknown[] = [];
    try {
      await add(
        a.url,
        Array.from({ length: 300 }, (_, i) => fakeRecordText(i)),
      );
      const rolledBackSize = 300;
      await add(
        a.url,
        Array.from({ length: 50 }, (_, i) => fakeRecordText(300 + i)),
      );
      await a.close();

      // The fork: same key, same size 300 but one different record (a split view).
      const b = await serveLog({
        dir: dirB,
        batchMaxDelayMs: 1,
        allowDirectAppend: true,
        witnesses: endpoints,
        onError: (e) => refusals.push(e),
      });
      try {
        await add(b.url, [
          ...Array.from({ length: 299 }, (_, i) => fakeRecordText(i)),
          fakeRecordText(299, 'forked'),
        ]);
        const forkNote = await (await fetch(`${b.url}/checkpoint`)).text();
        expect(openCheckpoint(forkNote, parseVerifierKey(vkey)).checkpoint.size).toBe(rolledBackSize);
        expect(forkNote).not.toContain('— witness.test/w ');
        expect(refusals.map(String).join('\n')).toMatch(/beyond this log's 300|refused/);
        expect(w.witness.cosignedSize('witness.test/forked')).toBe(350);

        // A stateless client (empty cache) requiring the witness refuses the fork.
        const client = new LogClient({
          url: `${b.url}/`,
          vkeys: [vkey],
          witnesses: { keys: [w.vkey], quorum: 1 },
          timeoutMs: 10_000,
          cacheDir: tempDir('sumgate-client-'),
          http: nodeHttpClient,
        });
        await expect(
          client.lookupMany([{ name: fakeRecord(5).name, version: fakeRecord(5).version }], false),
        ).rejects.toMatchObject({ code: 'WITNESS_QUORUM' });

        // Rollback straight at the witness: the older, genuine checkpoint of size 300 is refused too.
        const rollback = await fetch(`${w.url}/add-checkpoint`, {
          method: 'POST',
          body: `old 300\n\n${forkNote}`,
        });
        expect(rollback.status).toBe(409);
        expect(await rollback.text()).toBe('350\n');
        expect(
          (await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: `old 350\n\n${forkNote}` })).status,
        ).toBe(400);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
      await w.close();
    }
  }, 60_000);
});

describe('sumgate witness (CLI)', () => {
  it('inits a witness, trusts a log, serves add-checkpoint until stopped; usage errors exit 2', async () => {
    const { runWitnessCommand } = await import('../src/index.js');
    const out: string[] = [];
    const io = (signal?: AbortSignal) => ({
      stdout: (s: string) => out.push(s),
      stderr: (s: string) => out.push(s),
      ...(signal === undefined ? {} : { signal }),
    });
    const dir = join(tempDir('sumgate-witness-cli-'), 'w');
    expect(await runWitnessCommand(['init', '--dir', dir, '--name', 'witness.test/cli'], io())).toBe(0);
    expect(out.join('')).toMatch(/vkey: witness\.test\/cli\+[0-9a-f]{8}\+/);
    expect(
      await runWitnessCommand(
        ['add-log', '--dir', dir, '--vkey', GO_VKEY, '--origin', 'go.sum database tree'],
        io(),
      ),
    ).toBe(0);
    const stop = new AbortController();
    const serving = runWitnessCommand(['serve', '--dir', dir], io(stop.signal));
    await expect.poll(() => out.join(''), { timeout: 10_000 }).toMatch(/at http:\/\/127\.0\.0\.1:\d+\n/);
    const url = /at (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out.join(''))![1]!;
    const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${goNote()}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^— witness\.test\/cli [A-Za-z0-9+/=]+\n$/);
    expect((await fetch(`${url}/add-checkpoint`)).status).toBe(405);
    stop.abort();
    expect(await serving).toBe(0);
    expect(await runWitnessCommand(['serve'], io())).toBe(2);
    expect(await runWitnessCommand(['init', '--dir', dir, '--name', 'again'], io())).toBe(2);
  });
});
