/**
 * The core's log client against the real server over HTTP: Go-shaped lookups proven from tiles
 * (and the fallback to them when a log has no batch endpoint), the tile cache, and tampering.
 */
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCosignature,
  generateCosignerKeyPair,
  type HttpClient,
  keyIdOf,
  LogClient,
  nodeHttpClient,
  parseCosignerSignerKey,
} from '@sumgate/core';
import { initLog, serveLog, type LogServer } from '../src/index.js';
import { fakeRecord } from './records.js';
import { removeTempDirs, tempDir } from './tmp.js';

let server: LogServer;
beforeAll(async () => {
  const dir = tempDir();
  await initLog({ dir, origin: 'client.test/log' });
  server = await serveLog({ dir, batchMaxDelayMs: 1 });
  await Promise.all(Array.from({ length: 700 }, (_, i) => server.log.append(fakeRecord(i))));
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

const url = () => `${server.url}/`;
const client = (cacheDir: string, httpClient: HttpClient = nodeHttpClient) =>
  new LogClient({ url: url(), vkeys: [server.vkey], timeoutMs: 10_000, cacheDir, http: httpClient });

describe('LogClient lookups proven from tiles', () => {
  it('proves a Go-shaped lookup from tiles and caches only the full tiles it used', async () => {
    const cacheDir = tempDir('sumgate-client-');
    const r = fakeRecord(300);
    const found = await client(cacheDir).lookupOne(r.name, r.version);
    expect(found?.index).toBe(300);
    expect(found?.record).toEqual(r);
    const tiles = join(cacheDir, 'logs', keyIdOf(server.vkey, 'client.test/log'), 'tile');
    const cached = readdirSync(join(tiles, '0'), { recursive: true }).map(String);
    expect(cached).toContain('001'); // leaves 256..511: full, used by the proof, cached
    expect(cached.some((p) => p.includes('.p'))).toBe(false); // partial tiles are never cached
    expect(await client(cacheDir).lookupOne('not-there', '1.0.0')).toBeUndefined();
  });

  it('falls back to lookups when the log has no batch endpoint', async () => {
    const seen: string[] = [];
    const noBatch: HttpClient = async (u, req) => {
      seen.push(`${req?.method ?? 'GET'} ${new URL(u).pathname}`);
      if (u.endsWith('/proofs')) return { status: 404, headers: {}, body: Buffer.from('not found'), url: u };
      return nodeHttpClient(u, req);
    };
    const r = await client(tempDir('sumgate-client-'), noBatch).lookupMany(
      [fakeRecord(5), fakeRecord(650)],
      false,
    );
    expect([...r.found.values()].map((f) => f.index).sort((a, b) => a - b)).toEqual([5, 650]);
    expect(seen.filter((s) => s.startsWith('GET /lookup/'))).toHaveLength(2);
  });

  it('refuses a record whose tiles were tampered with, and caches nothing from them', async () => {
    const cacheDir = tempDir('sumgate-client-');
    const tamper: HttpClient = async (u, req) => {
      const res = await nodeHttpClient(u, req);
      if (!u.includes('/tile/0/001')) return res;
      const body = Buffer.from(res.body);
      body[100] = body[100]! ^ 1;
      return { ...res, body };
    };
    const r = fakeRecord(400);
    await expect(client(cacheDir, tamper).lookupOne(r.name, r.version)).rejects.toMatchObject({
      code: 'INVALID_PROOF',
    });
    expect(
      existsSync(join(cacheDir, 'logs', keyIdOf(server.vkey, 'client.test/log'), 'tile', '0', '001')),
    ).toBe(false);
  });

  it('serves a proxy of the log through a local HTTP hop unchanged (proxies are untrusted but harmless)', async () => {
    const proxy = http.createServer((req, res) => {
      const up = http.request(
        `${server.url}${req.url}`,
        { method: req.method, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxied = new LogClient({
        url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
        vkeys: [server.vkey],
        timeoutMs: 10_000,
        cacheDir: tempDir('sumgate-client-'),
        http: nodeHttpClient,
      });
      const found = await proxied.lookupMany([fakeRecord(10)], false);
      expect(found.found.get(`${fakeRecord(10).name}@${fakeRecord(10).version}`)?.index).toBe(10);
    } finally {
      proxy.close();
    }
  });

  it('refuses a batch whose last entry is tampered with after 299 genuine ones verified the upper levels', async () => {
    type Batch = { hashes: string; entries: Array<{ index: number; record: string; proof: number[] }> };
    const pkgs = Array.from({ length: 300 }, (_, i) => fakeRecord(i * 2));
    const tampered =
      (change: (doc: Batch) => void): HttpClient =>
      async (u, req) => {
        const res = await nodeHttpClient(u, req);
        if (!u.endsWith('/proofs') || res.status !== 200) return res;
        const doc = JSON.parse(res.body.toString('utf8')) as Batch;
        change(doc);
        return { ...res, body: Buffer.from(JSON.stringify(doc)) };
      };
    const last = (doc: Batch) => doc.entries.at(-1)!;
    const hashCount = (doc: Batch) => Buffer.from(doc.hashes, 'base64').length / 32;
    const answer = async (change: (doc: Batch) => void) =>
      client(tempDir('sumgate-client-'), tampered(change))
        .lookupMany(pkgs, false)
        .then(
          (r) => `found ${r.found.size}`,
          (e: { code?: string }) => e.code,
        );
    expect(await answer(() => {})).toBe('found 300');
    // one hash too many: its first hashes still lead to a node the earlier entries verified
    expect(await answer((d) => last(d).proof.push(last(d).proof.at(-1)!))).toBe('INVALID_PROOF');
    expect(await answer((d) => last(d).proof.pop())).toBe('INVALID_PROOF');
    expect(
      await answer((d) => {
        const p = last(d).proof;
        p[0] = (p[0]! + 1) % hashCount(d);
      }),
    ).toBe('INVALID_PROOF');
    expect(await answer((d) => (last(d).index += 2))).toBe('INVALID_PROOF');
    // claimed at the place of a leaf the batch already proved, with that leaf's proof
    expect(
      await answer((d) => {
        last(d).index = d.entries[0]!.index;
        last(d).proof = [...d.entries[0]!.proof];
      }),
    ).toBe('INVALID_PROOF');
  });

  it('requires k of n witness cosignatures on the checkpoints it accepts', async () => {
    const witnesses = ['w1.test', 'w2.test', 'w3.test'].map((n) => generateCosignerKeyPair(n));
    /** A path where witnesses 1 and 2 cosign every checkpoint the log serves (as a witnessed log's front end would). */
    const cosigning =
      (signers: number[]): HttpClient =>
      async (u, req) => {
        const res = await nodeHttpClient(u, req);
        if (!u.endsWith('/proofs') || res.status !== 200) return res;
        const doc = JSON.parse(res.body.toString('utf8')) as { checkpoint: string };
        for (const i of signers)
          doc.checkpoint = addCosignature(
            doc.checkpoint,
            parseCosignerSignerKey(witnesses[i]!.skey),
            1_700_000_000 + i,
          );
        return { ...res, body: Buffer.from(JSON.stringify(doc)) };
      };
    const witnessed = (quorum: number, httpClient: HttpClient) =>
      new LogClient({
        url: url(),
        vkeys: [server.vkey],
        witnesses: { keys: witnesses.map((w) => w.vkey), quorum },
        timeoutMs: 10_000,
        cacheDir: tempDir('sumgate-client-'),
        http: httpClient,
      });
    const pkg = [{ name: fakeRecord(20).name, version: fakeRecord(20).version }];
    expect((await witnessed(2, cosigning([0, 1])).lookupMany(pkg, false)).found.size).toBe(1);
    await expect(witnessed(3, cosigning([0, 1])).lookupMany(pkg, false)).rejects.toMatchObject({
      code: 'WITNESS_QUORUM',
    });
    await expect(witnessed(1, nodeHttpClient).lookupMany(pkg, false)).rejects.toMatchObject({
      code: 'WITNESS_QUORUM',
    });
  });
});
