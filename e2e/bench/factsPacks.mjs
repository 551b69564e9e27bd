#!/usr/bin/env node
/**
 * What the facts packs cost (shared/core/src/cache/factsCache.ts), on the built core: writing N
 * facts of a realistic size (a record, a 22-hash inclusion path, metadata) in batches of B (one
 * pack per batch; more than COMPACT_ABOVE packs are merged), then, in a fresh process, the first
 * read (listing and reading every pack) and reading all N back (JSON.parse, format check).
 * Run after `pnpm run build`, under the bench lock:
 *   node e2e/bench/factsPacks.mjs [N=10000] [B=969]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FactsCache } from '../../shared/core/dist/index.js';

const [mode = 'main', ...rest] = process.argv.slice(2);
const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function factsOf(i) {
  const name = `pkg-${i}`;
  return {
    name,
    facts: {
      v: 3,
      proven: {
        record: `npm ${name} 1.0.${i % 50}\nsha512-${randomBytes(64).toString('base64')}\npublished 2026-01-01T00:00:00Z\ninstall v2 none\n`,
        index: i,
        proof: randomBytes(22 * 32).toString('base64'),
        key: 'log.example/npm+1a2b3c4d',
        checkpoint: randomBytes(32).toString('hex'),
      },
      metadata: { installHooks: [], publishedAt: '2026-01-01T00:00:00.000Z', source: 'npmjs' },
    },
  };
}

if (mode === 'write') {
  const [dir, n, b] = [rest[0], Number(rest[1]), Number(rest[2])];
  const t0 = process.hrtime.bigint();
  for (let at = 0; at < n; at += b) {
    const cache = new FactsCache(dir); // a process per batch, as installs are
    for (let i = at; i < Math.min(n, at + b); i++) {
      const { name, facts } = factsOf(i);
      cache.write(name, `1.0.${i % 50}`, facts);
    }
    await cache.settled();
  }
  console.log(JSON.stringify({ wallMs: since(t0), cpuMs: cpuMs() }));
} else if (mode === 'read') {
  const [dir, n] = [rest[0], Number(rest[1])];
  const cache = new FactsCache(dir);
  const c0 = cpuMs();
  let t0 = process.hrtime.bigint();
  const first = cache.read('pkg-0', '1.0.0');
  const firstMs = since(t0);
  const firstCpu = cpuMs() - c0;
  if (first === undefined || 'corrupt' in first) throw new Error('pkg-0 not read back');
  t0 = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < n; i++) if (cache.read(`pkg-${i}`, `1.0.${i % 50}`)?.facts !== undefined) hits++;
  console.log(
    JSON.stringify({ firstReadMs: firstMs, firstReadCpuMs: firstCpu, allReadsMs: since(t0), hits }),
  );
} else {
  const n = Number(mode === 'main' ? (rest[0] ?? 10000) : mode);
  const b = Number(mode === 'main' ? (rest[1] ?? 969) : (rest[0] ?? 969));
  const self = fileURLToPath(import.meta.url);
  const dir = mkdtempSync(path.join(tmpdir(), 'sumgate-facts-packs-'));
  try {
    const run = (...a) => JSON.parse(execFileSync(process.execPath, [self, ...a], { encoding: 'utf8' }));
    const write = run('write', dir, String(n), String(b));
    const packDir = path.join(dir, 'facts', 'v4');
    const packs = readdirSync(packDir).filter((f) => f.endsWith('.pack'));
    const bytes = packs.reduce((s, f) => s + statSync(path.join(packDir, f)).size, 0);
    const reads = [1, 2, 3].map(() => run('read', dir, String(n)));
    console.log(
      JSON.stringify({ facts: n, batch: b, write, packs: packs.length, packBytes: bytes, reads }, null, 1),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
