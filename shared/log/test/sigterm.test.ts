/**
 * Graceful shutdown of a real `log serve` process: on SIGTERM it stops accepting connections,
 * finishes the request in flight (an on-demand ingestion waiting on a slow upstream), makes the
 * ingested entry durable, prints its shutdown lines and exits 0. A request that outlives
 * --drain-timeout-ms is cut, and the process still exits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLookupResponse } from '@sumgate/core';
import { initLog, openLog } from '../src/index.js';
import { buildServeMain } from './conformance/crash.js';
import { jsonLines, startServeChild, until } from './serveChild.js';
import { FakeRegistry, makeTarball } from './fakeRegistry.js';
import { removeTempDirs, tempDir } from './tmp.js';

let serveMain = '';
let registry: FakeRegistry;

beforeAll(async () => {
  serveMain = buildServeMain();
  registry = await new FakeRegistry().start();
  registry.add('slow', '1.0.0', { tgz: makeTarball('slow', '1.0.0') });
}, 60_000);
afterAll(async () => {
  await registry.close();
  removeTempDirs();
});

describe('SIGTERM', () => {
  it('drains the request in flight: it completes, new connections are refused, the entry is durable, exit 0', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'sigterm.test/log' });
    const s = await startServeChild(serveMain, ['--dir', dir, '--upstream', registry.url]);
    registry.delayMs = 1500;
    registry.hits.clear();
    const inFlight = fetch(`${s.url}/lookup/slow@1.0.0`).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    await until(() => registry.hits.has('/slow'), 'the ingestion to reach the upstream');

    s.child.kill('SIGTERM');
    await until(() => s.out().includes('"event":"shutdown"'), 'the shutdown line');
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();

    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(parseLookupResponse(answered.body).record).toContain('slow');
    expect(await s.exited).toBe(0);
    registry.delayMs = 0;

    const lines = jsonLines(s.out());
    expect(lines.find((l) => l.event === 'shutdown')).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
    expect(lines.find((l) => l.event === 'request')).toMatchObject({
      path: '/lookup/slow@1.0.0',
      status: 200,
    });
    expect(lines.find((l) => l.event === 'stopped')).toMatchObject({ size: 1 });
    expect(s.out()).toContain('log server stopped\n');

    const log = await openLog(dir);
    try {
      expect(log.lookup('slow@1.0.0')).toBeDefined();
    } finally {
      await log.close();
    }
  }, 30_000);

  it('cuts a request that outlives --drain-timeout-ms and still exits 0', async () => {
    const dir = tempDir();
    await initLog({ dir, origin: 'sigterm.test/timeout' });
    const s = await startServeChild(serveMain, [
      '--dir',
      dir,
      '--upstream',
      registry.url,
      '--drain-timeout-ms',
      '200',
    ]);
    registry.delayMs = 5000;
    registry.hits.clear();
    const inFlight = fetch(`${s.url}/lookup/slow@1.0.0`).then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    await until(() => registry.hits.has('/slow'), 'the ingestion to reach the upstream');
    const killedAt = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(4000);
    expect(await inFlight).not.toBe(200);
    registry.delayMs = 0;
  }, 30_000);
});
