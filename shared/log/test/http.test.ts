import {
  checkConsistency,
  checkInclusion,
  decodeEntryBundle,
  entriesPath,
  hashEqual,
  LogClient,
  nodeHttpClient,
  openCheckpoint,
  parseLookupResponse,
  parseVerifierKey,
  proveConsistency,
  proveInclusion,
  recordHash,
  recordKey,
  tilePath,
  treeHash,
} from '@sumgate/core';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initLog, serveLog, type LogServer } from '../src/index.js';
import { fakeRecord, fakeRecordText } from './records.js';
import { withTiles } from './tiles.js';
import { removeTempDirs, tempDir } from './tmp.js';

afterAll(removeTempDirs);

async function appendRange(server: LogServer, from: number, to: number, salt = ''): Promise<void> {
  await Promise.all(
    Array.from({ length: to - from }, (_, j) => server.log.append(fakeRecord(from + j, salt))),
  );
}

function openCp(note: string, vkey: string) {
  return openCheckpoint(note, parseVerifierKey(vkey)).checkpoint;
}

describe('a client over HTTP', () => {
  let server: LogServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    await initLog({ dir, origin: 'http.test/log' });
    server = await serveLog({ dir, batchMaxDelayMs: 1 });
    await appendRange(server, 0, 1300);
  });
  afterAll(async () => server.close());

  it('serves the checkpoint, lookups in Go shape, and tiles that recompute the signed root', async () => {
    const res = await fetch(`${server.url}/checkpoint`);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const cp = openCp(await res.text(), server.vkey);
    expect(cp.size).toBe(1300);
    expect(hashEqual(await withTiles(server.url, cp.size, (read) => treeHash(cp.size, read)), cp.root)).toBe(
      true,
    );

    const r = fakeRecord(42);
    const lookup = await (await fetch(`${server.url}/lookup/${recordKey(r.name, r.version)}`)).text();
    const { index, record: recordText, note } = parseLookupResponse(lookup);
    expect(recordText).toBe(fakeRecordText(42));
    const lcp = openCp(note, server.vkey);
    const proof = await withTiles(server.url, lcp.size, (read) => proveInclusion(index, lcp.size, read));
    checkInclusion(proof, lcp.size, lcp.root, index, recordHash(Buffer.from(recordText)));

    // A full tile is immutable; entry bundles hold the records whose hashes are in level-0 tiles.
    const tile = await fetch(`${server.url}/${tilePath({ level: 0, index: 1, width: 256 })}`);
    expect(tile.headers.get('cache-control')).toContain('immutable');
    expect(tile.headers.get('content-type')).toBe('application/octet-stream');
    const hashes = new Uint8Array(await tile.arrayBuffer());
    const bundle = decodeEntryBundle(
      new Uint8Array(await (await fetch(`${server.url}/${entriesPath(1, 256)}`)).arrayBuffer()),
      256,
    );
    for (const [i, e] of bundle.entries())
      expect(hashEqual(recordHash(e), hashes.subarray(32 * i, 32 * i + 32))).toBe(true);
    const partial = await fetch(`${server.url}/${entriesPath(5, 1300 - 5 * 256)}`);
    expect(decodeEntryBundle(new Uint8Array(await partial.arrayBuffer()), 1300 - 5 * 256)).toHaveLength(20);
  });

  it('answers a 1,000-package batch with proofs against one checkpoint, well under 1 MB', async () => {
    const wanted = Array.from({ length: 1000 }, (_, i) => fakeRecord((i * 13) % 1300));
    const packages = [...wanted.map((r) => `${r.name}@${r.version}`), 'nope@1.0.0', 'bad spec'];
    const res = await fetch(`${server.url}/proofs`, { method: 'POST', body: JSON.stringify({ packages }) });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(500_000);
    const batch = JSON.parse(text) as {
      checkpoint: string;
      hashes: string;
      entries: Array<{ name: string; version: string; index: number; record: string; proof: number[] }>;
      missing: Array<{ name: string; reason: string }>;
    };
    const cp = openCp(batch.checkpoint, server.vkey);
    const table = Buffer.from(batch.hashes, 'base64');
    const hash = (i: number) => table.subarray(32 * i, 32 * i + 32);
    expect(batch.entries.length).toBe(new Set(wanted.map((r) => r.name)).size);
    for (const e of batch.entries) {
      checkInclusion(e.proof.map(hash), cp.size, cp.root, e.index, recordHash(Buffer.from(e.record)));
      expect(() =>
        checkInclusion(e.proof.map(hash), cp.size, cp.root, e.index + 1, recordHash(Buffer.from(e.record))),
      ).toThrow();
    }
    expect(batch.missing.map((m) => m.name).sort()).toEqual(['bad spec', 'nope']);
  });

  it('stays consistent across growth (tiles and /proof/consistency), and the core LogClient verifies it', async () => {
    const client = new LogClient({
      url: `${server.url}/`,
      vkeys: [server.vkey],
      timeoutMs: 5000,
      cacheDir: tempDir(),
      http: nodeHttpClient,
    });
    const first = await client.latest();
    const seen = [openCp(server.log.checkpoint().note, server.vkey)];
    for (const [from, to] of [
      [1300, 1301],
      [1301, 1800],
      [1800, 2100],
    ] as const) {
      await appendRange(server, from, to);
      seen.push(openCp(await (await fetch(`${server.url}/checkpoint`)).text(), server.vkey));
    }
    const last = seen[seen.length - 1]!;
    for (const old of seen.slice(0, -1)) {
      const proof = await withTiles(server.url, last.size, (read) =>
        proveConsistency(old.size, last.size, read),
      );
      checkConsistency(proof, old.size, old.root, last.size, last.root);
      const served = (await (await fetch(`${server.url}/proof/consistency/${old.size}/${last.size}`)).text())
        .trim()
        .split('\n')
        .map((l) => Buffer.from(l, 'base64'));
      checkConsistency(served, old.size, old.root, last.size, last.root);
    }
    expect((await client.latest()).size).toBeGreaterThan(first.size);
    const found = await client.lookupMany(
      [fakeRecord(2000), fakeRecord(7)].map((r) => ({ name: r.name, version: r.version })),
      false,
    );
    expect(found.found.size).toBe(2);
  });
});

describe('a forked log (same key, different history)', () => {
  let a: LogServer;
  let b: LogServer;
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  it('is detected: its checkpoints are not consistent with the ones a client saw', async () => {
    const dirA = tempDir();
    await initLog({ dir: dirA, origin: 'fork.test/log' });
    const dirB = join(tempDir(), 'copy');
    cpSync(dirA, dirB, { recursive: true }); // same key, same empty log
    a = await serveLog({ dir: dirA, batchMaxDelayMs: 1 });
    b = await serveLog({ dir: dirB, batchMaxDelayMs: 1 });
    expect(a.vkey).toBe(b.vkey);
    await appendRange(a, 0, 300);
    await appendRange(b, 0, 299); // a shared prefix could be anything; then B differs
    await b.log.append(fakeRecord(299, 'forked'));
    await appendRange(b, 300, 400);
    const cpA = openCp(await (await fetch(`${a.url}/checkpoint`)).text(), a.vkey);
    const cpB = openCp(await (await fetch(`${b.url}/checkpoint`)).text(), b.vkey);
    const proof = await withTiles(b.url, cpB.size, (read) => proveConsistency(cpA.size, cpB.size, read));
    expect(() => checkConsistency(proof, cpA.size, cpA.root, cpB.size, cpB.root)).toThrow(
      /invalid transparency proof/,
    );

    // The core client remembers A's checkpoint and refuses B's.
    const cacheDir = tempDir();
    const clientA = new LogClient({
      url: `${a.url}/`,
      vkeys: [a.vkey],
      timeoutMs: 5000,
      cacheDir,
      http: nodeHttpClient,
    });
    await clientA.latest();
    const clientB = new LogClient({
      url: `${b.url}/`,
      vkeys: [b.vkey],
      timeoutMs: 5000,
      cacheDir,
      http: nodeHttpClient,
    });
    await expect(clientB.latest()).rejects.toMatchObject({ code: 'SECURITY_LOG_FORK' });
  });
});
