/**
 * A log still ingesting is not a network fault: the client asks again for what is pending, with
 * progress, within log.timeoutMs; when the budget runs out it says what to do.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LogClient } from '../../src/client/logClient.js';
import { isSumgateError } from '../../src/errors.js';
import { MemoryFiles, Network, Registry, removeTempDirs, startLog } from './world.js';
import type { TestLog } from './world.js';

let registry: Registry;
let log: TestLog;
beforeAll(async () => {
  registry = await new Registry().start();
  for (let i = 0; i < 6; i++) registry.add(`slow-${i}`, '1.0.0');
  log = await startLog(registry.url);
});
afterAll(async () => {
  await log.close();
  await registry.close();
  removeTempDirs();
});

const client = (timeoutMs: number, progress: string[]) => {
  const net = new Network();
  return {
    net,
    client: new LogClient({
      url: log.url,
      vkeys: [log.vkey],
      timeoutMs,
      cacheDir: '/memory/cache',
      http: net.http,
      ops: { files: new MemoryFiles() },
      progress: (l) => progress.push(l),
    }),
  };
};

it('waits for a log that is still ingesting, with progress, and gets every proof', async () => {
  registry.delayMs = 6000; // each packument takes 6 s, longer than the 5 s the log is asked to wait: it answers "pending" first
  const progress: string[] = [];
  const { client: c, net } = client(20_000, progress);
  const r = await c.lookupMany(
    [0, 1, 2].map((i) => ({ name: `slow-${i}`, version: '1.0.0' })),
    true,
  );
  expect([...r.found.keys()].sort()).toEqual(['slow-0@1.0.0', 'slow-1@1.0.0', 'slow-2@1.0.0']);
  expect(r.missing).toEqual([]);
  expect(
    progress.some((l) => /still ingesting 3 of 3 versions \(waited \d+ s of 20 s\)/.test(l)),
    progress.join('\n'),
  ).toBe(true);
  expect(net.requests.filter((q) => q === 'POST /proofs').length).toBeGreaterThan(1);
}, 30_000);

it('when the budget runs out while the log ingests, says so and what to do (LOG_INGESTING, not LOG_UNREACHABLE)', async () => {
  registry.delayMs = 6000;
  const progress: string[] = [];
  const { client: c } = client(2000, progress);
  const t0 = Date.now();
  const e = await c
    .lookupMany(
      [3, 4].map((i) => ({ name: `slow-${i}`, version: '1.0.0' })),
      true,
    )
    .catch((err: unknown) => err);
  expect(Date.now() - t0).toBeLessThan(4000);
  expect(isSumgateError(e)).toBe(true);
  const err = e as import('../../src/errors.js').SumgateError;
  expect(err.code).toBe('LOG_INGESTING');
  expect(err.tier).toBe('unavailable');
  expect(err.message).toContain('is still ingesting 2 of 2 versions');
  expect(err.fix).toContain('sumgate log ingest --dir <log dir> --lockfile <your lockfile>');
  expect(err.fix).toContain('"log.timeoutMs"');
}, 30_000);
