// Benchmark of the sumgate checksum log (run after `pnpm run build`):
//   node shared/log/bench/bench.mjs [entries=1000000]
// Prints durable appends/s, open time, lookups/s, inclusion-proof and batch-proof sizes, and the
// size of the tile store at the end.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.env.SUMGATE_LOG_DIST ?? new URL('../dist/index.js', import.meta.url).href;
const { initLog, openLog, buildProofBatch } = await import(
  dist.startsWith('/') ? pathToFileURL(dist).href : dist
);

const N = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'sumgate-log-bench-'));
const MiB = 1024 * 1024;

function record(i) {
  const integrity = `sha512-${createHash('sha512').update(String(i)).digest('base64')}`;
  const name = i % 5 === 0 ? `@scope${i % 97}/package-${i}` : `package-${i}`;
  return `npm ${name} 1.0.${i} ${integrity}\ninstall none\n`;
}

try {
  await initLog({ dir, origin: 'bench.example/log' });
  let log = await openLog(dir, { batchMaxDelayMs: 2, batchMaxEntries: 16384 });

  // Durable appends: many writers in flight (as under ingestion); every promise resolves only after
  // the fsync and the signed checkpoint covering its entry.
  const inFlight = 20_000;
  const t0 = performance.now();
  let next = 0;
  async function writer() {
    while (next < N) {
      const i = next++;
      await log.append(record(i));
    }
  }
  await Promise.all(Array.from({ length: inFlight }, writer));
  const appendSec = (performance.now() - t0) / 1000;
  console.log(`machine: ${cpus().length} cores, node ${process.version}`);
  console.log(`durable appends: ${N} in ${appendSec.toFixed(2)} s = ${Math.round(N / appendSec)} appends/s`);

  await log.close();
  const t1 = performance.now();
  log = await openLog(dir);
  console.log(
    `open (recover + verify root + rebuild index of ${log.size}): ${(performance.now() - t1).toFixed(0)} ms`,
  );
  if (process.env.BENCH_VERIFY_ALL === '1') {
    const t1v = performance.now();
    await log.close();
    log = await openLog(dir, { verifyAll: true });
    console.log(
      `open with verifyAll (re-parse and re-hash every entry, check every node): ${(performance.now() - t1v).toFixed(0)} ms`,
    );
  }

  // Lookups: index + record read, as GET /lookup does (without HTTP).
  const L = 200_000;
  const pkgs = Array.from({ length: L }, (_, j) => {
    const i = (j * 7919) % N;
    return { name: i % 5 === 0 ? `@scope${i % 97}/package-${i}` : `package-${i}`, version: `1.0.${i}` };
  });
  const keys = pkgs.map((p) => `${p.name}@${p.version}`); // recordKey: these names need no escaping
  const t2 = performance.now();
  let found = 0;
  for (const k of keys) if (log.lookup(k) !== undefined) found++;
  const lookupSec = (performance.now() - t2) / 1000;
  console.log(
    `lookups: ${L} (found ${found}) in ${lookupSec.toFixed(2)} s = ${Math.round(L / lookupSec)} lookups/s`,
  );

  const proof = log.proveInclusion(Math.floor(N / 3));
  console.log(`inclusion proof at size ${log.size}: ${proof.length} hashes = ${proof.length * 32} bytes`);

  const t3 = performance.now();
  const batch = buildProofBatch(
    log,
    Array.from({ length: 1000 }, (_, j) => pkgs[j * 37]),
  );
  const batchMs = performance.now() - t3;
  const json = JSON.stringify(batch);
  console.log(
    `batch proof for 1000 random packages: ${(json.length / 1024).toFixed(0)} KiB JSON, ${Buffer.from(batch.hashes, 'base64').length / 32} distinct hashes, built in ${batchMs.toFixed(0)} ms`,
  );

  const s = log.stats();
  console.log(
    `store at ${s.size} entries: hash tiles ${(s.hashBytes / MiB).toFixed(1)} MiB, entries+offsets ${(s.entryBytes / MiB).toFixed(1)} MiB`,
  );
  console.log(`memory: rss ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`);
  await log.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
