import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOSTILE_SHAPES } from '../../core/test/inspect/hostileArchives.js';
import { initLog, serveLog, type LogServer } from '../src/index.js';
import { FakeRegistry } from './fakeRegistry.js';
import { removeTempDirs, tempDir } from './tmp.js';

afterAll(removeTempDirs);

let registry: FakeRegistry;
let server: LogServer;
let dir: string;

beforeEach(async () => {
  registry = await new FakeRegistry().start();
  dir = tempDir();
  await initLog({ dir, origin: 'ingest-malformed.test/log' });
  server = await serveLog({ dir, upstreams: [registry.url], batchMaxDelayMs: 1 });
});
afterEach(async () => {
  await server.close();
  await registry.close();
});

const payload = {
  benign: '{"name":"hostile","version":"1.0.0"}\n',
  hidden: '{"name":"hostile","version":"1.0.0","scripts":{"postinstall":"node install.js"}}\n',
  installJs: 'console.log("ran")\n',
};

describe('the log refuses to record a tarball the canonical reader refuses, and keeps the evidence', () => {
  it.each(HOSTILE_SHAPES.slice(0, 5).map((s) => [s.id, s] as const))('%s', async (_id, shape) => {
    const tgz = shape.build(payload);
    registry.add('hostile', '1.0.0', { tgz });
    const res = await fetch(`${server.url}/lookup/hostile@1.0.0`);
    const body = await res.text();
    expect(res.status).toBe(502);
    expect(body).toMatch(/^MALFORMED_TARBALL: hostile@1\.0\.0: malformed package tarball: /);
    expect(body).toMatch(shape.refusal);
    expect(body).toContain('not logged (the tarball from ');
    expect(server.log.size).toBe(0);
    expect((await fetch(`${server.url}/lookup/hostile@1.0.0`)).status).toBe(502); // nothing was cached as a fact

    const evidenceDir = join(dir, 'evidence', 'malformed');
    const kept = readdirSync(evidenceDir).sort();
    expect(kept).toHaveLength(2);
    const tgzFile = kept.find((f) => f.endsWith('.tgz'))!;
    expect(tgzFile).toMatch(/^hostile%401\.0\.0-[0-9a-f]{16}\.tgz$/);
    expect(Buffer.compare(readFileSync(join(evidenceDir, tgzFile)), Buffer.from(tgz))).toBe(0);
    const about = JSON.parse(
      readFileSync(join(evidenceDir, tgzFile.replace(/\.tgz$/, '.json')), 'utf8'),
    ) as Record<string, string>;
    expect(about['key']).toBe('hostile@1.0.0');
    expect(about['upstream']).toBe(registry.url);
    expect(about['reason']).toMatch(shape.refusal);
    expect(about['integrity']).toMatch(/^sha512-/);
  });
});
