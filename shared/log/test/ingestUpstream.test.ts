// Upstream reads through the core's HTTP client: size limit, timeout, cancellation by close(). Each
// failure is SOURCE_FAILED and logs nothing; a later ingestion of the same version still works.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ingestor, initLog, type Log, openLog } from '../src/index.js';
import { FakeRegistry, makeTarball } from './fakeRegistry.js';
import { removeTempDirs, tempDir } from './tmp.js';

afterAll(removeTempDirs);

let registry: FakeRegistry;
let log: Log;

beforeEach(async () => {
  registry = await new FakeRegistry().start();
  registry.add('left-pad', '1.0.0', { tgz: makeTarball('left-pad', '1.0.0') });
  const dir = tempDir();
  await initLog({ dir, origin: 'upstream.test/log' });
  log = await openLog(dir, { batchMaxDelayMs: 1 });
});
afterEach(async () => {
  await log.close();
  await registry.close();
});

describe('upstream reads', () => {
  it('refuses a tarball over the size limit, names the limit, and logs nothing', async () => {
    const ingestor = new Ingestor(log, { upstreams: [registry.url], limits: { maxTarballBytes: 64 } });
    await expect(ingestor.ingest('left-pad', '1.0.0')).rejects.toMatchObject({
      code: 'SOURCE_FAILED',
      message: expect.stringMatching(/the tarball http:\/\/127\.0\.0\.1:\d+\/.* is larger than 64 bytes/),
    });
    expect(log.size).toBe(0);
    expect((await new Ingestor(log, { upstreams: [registry.url] }).ingest('left-pad', '1.0.0')).index).toBe(
      0,
    );
  });

  it('gives up on a silent upstream after timeoutMs; the fault is not kept as a fact', async () => {
    registry.delayMs = 3000;
    const ingestor = new Ingestor(log, { upstreams: [registry.url], limits: { timeoutMs: 200 } });
    const started = Date.now();
    await expect(ingestor.ingest('left-pad', '1.0.0')).rejects.toMatchObject({
      code: 'SOURCE_FAILED',
      message: expect.stringMatching(/fetching the packument .*left-pad failed: .*200 ms/),
    });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(log.size).toBe(0);
    registry.delayMs = 0;
    expect((await ingestor.ingest('left-pad', '1.0.0')).existing).toBe(false);
  });

  it('close() cancels a read in flight: SOURCE_FAILED at once, the connection let go', async () => {
    registry.delayMs = 20_000;
    const ingestor = new Ingestor(log, { upstreams: [registry.url] });
    const pending = ingestor.ingest('left-pad', '1.0.0');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    ingestor.close();
    await expect(pending).rejects.toMatchObject({
      code: 'SOURCE_FAILED',
      message: expect.stringMatching(/cancelled \(the log is closing\)/),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(log.size).toBe(0);
  });
});
