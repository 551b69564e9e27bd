/**
 * PostgreSQL server mode has the embedded log's operator features: HTTPS with --tls-cert/--tls-key,
 * one JSON line per request and per ingestion, /healthz, and on SIGTERM a drain that lets the
 * ingestion in flight finish and commit before the process exits 0. Both roles: the sequencer and
 * a read-only frontend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLookupResponse } from '@sumgate/core';
import { initLog } from '../src/index.js';
import { PgLogReader } from '../src/postgres.js';
import { buildServeMain } from './conformance/crash.js';
import { FakeRegistry, makeTarball } from './fakeRegistry.js';
import { hasPostgres, startPgCluster, type PgCluster } from './pgCluster.js';
import { jsonLines, startServeChild, until } from './serveChild.js';
import { httpsGet, selfSignedCert } from './tlsCert.js';
import { removeTempDirs, tempDir } from './tmp.js';

const run = hasPostgres() || process.env.CI !== undefined ? describe : describe.skip;

run('log serve --postgres: TLS, JSON lines, healthz, SIGTERM drain', () => {
  let cluster: PgCluster;
  let registry: FakeRegistry;
  let serveMain = '';
  let tls: ReturnType<typeof selfSignedCert>;
  beforeAll(async () => {
    serveMain = buildServeMain();
    cluster = await startPgCluster();
    registry = await new FakeRegistry().start();
    registry.add('slow', '1.0.0', { tgz: makeTarball('slow', '1.0.0') });
    tls = selfSignedCert();
  }, 120_000);
  afterAll(async () => {
    await registry?.close();
    cluster?.stop();
    removeTempDirs();
  });

  it('the sequencer serves HTTPS, logs JSON lines, and drains an ingestion in flight on SIGTERM; a read-only frontend too', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'pg-ops.test/log' });
    const url = cluster.createDatabase('ops');
    const tlsFlags = ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile];
    const seq = await startServeChild(serveMain, [
      '--dir',
      dir,
      '--postgres',
      url,
      '--upstream',
      registry.url,
      ...tlsFlags,
    ]);
    expect(seq.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await httpsGet(`${seq.url}/healthz`, tls.cert)).toMatchObject({ status: 200 });
    const reader = await startServeChild(serveMain, ['--postgres', url, '--read-only', ...tlsFlags]);
    expect(await httpsGet(`${reader.url}/healthz`, tls.cert)).toMatchObject({ status: 200 });

    registry.delayMs = 1500;
    registry.hits.clear();
    const inFlight = httpsGet(`${seq.url}/lookup/slow@1.0.0`, tls.cert);
    await until(() => registry.hits.has('/slow'), 'the ingestion to reach the upstream');
    seq.child.kill('SIGTERM');
    await until(() => seq.out().includes('"event":"shutdown"'), 'the shutdown line');
    await expect(httpsGet(`${seq.url}/healthz`, tls.cert)).rejects.toThrow();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(parseLookupResponse(answered.body).record).toContain('slow');
    expect(await seq.exited).toBe(0);
    registry.delayMs = 0;

    const lines = jsonLines(seq.out());
    expect(lines.find((l) => l.event === 'listening')).toMatchObject({
      tls: true,
      backend: 'postgres',
      role: 'sequencer',
      size: 0,
    });
    expect(lines.find((l) => l.event === 'ingest')).toMatchObject({
      package: 'slow@1.0.0',
      outcome: 'added',
    });
    expect(lines.find((l) => l.event === 'shutdown')).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
    expect(lines.find((l) => l.event === 'request' && l.path === '/lookup/slow@1.0.0')).toMatchObject({
      status: 200,
    });
    expect(lines.find((l) => l.event === 'stopped')).toMatchObject({ size: 1 });

    // Committed before the sequencer exited: the frontend serves it.
    const found = await httpsGet(`${reader.url}/lookup/slow@1.0.0`, tls.cert);
    expect(found.status).toBe(200);
    reader.child.kill('SIGTERM');
    expect(await reader.exited).toBe(0);
    const readerLines = jsonLines(reader.out());
    expect(readerLines.find((l) => l.event === 'listening')).toMatchObject({ tls: true, role: 'read-only' });
    expect(readerLines.find((l) => l.event === 'request' && l.path === '/lookup/slow@1.0.0')).toMatchObject({
      status: 200,
    });
    expect(readerLines.find((l) => l.event === 'stopped')).toBeDefined();

    const check = await PgLogReader.open(url);
    try {
      expect(await check.lookup('slow@1.0.0')).toMatchObject({ index: 0 });
    } finally {
      await check.close();
    }
  }, 120_000);
});
