// Benchmark of both storage backends in one run (after `pnpm run build`; PostgreSQL 15 binaries
// from `pg_config --bindir`, a throwaway cluster with fsync on):
//   node --expose-gc shared/log/bench/backends.mjs [entries=100000] [--budget-s=600]
// [--only=embedded|postgres] [--pg-profile]
// --pg-profile (PostgreSQL): loads pg_stat_statements and prints, after the appends, the top
// statements by total time, the WAL written (pg_stat_wal) and the CPU seconds of the Node process
// and of the cluster's processes (from /proc), to see where a batch's time goes.
// For each backend: durable appends/s (many appenders in flight, group commit), start time (empty
// and full), lookups/s (embedded: in process; PostgreSQL: two read frontends, each its own pool),
// the size of a cold 1,000-package batch proof, and disk per entry; then the extrapolation to
// 50,000,000 entries. If appending exceeds the budget, it stops there and measures at that size.
import { execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const { initLog, openLog } = await import(pathToFileURL(join(pkgDir, 'dist/index.js')).href);
const { PgLog, PgLogReader } = await import(pathToFileURL(join(pkgDir, 'dist/postgres.js')).href);

const args = process.argv.slice(2);
const N = Number(args.find((a) => !a.startsWith('--')) ?? 100_000);
const budgetS = Number(args.find((a) => a.startsWith('--budget-s='))?.slice(11) ?? 600);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const pgProfile = args.includes('--pg-profile');
const TARGET = 50_000_000;
const MiB = 1024 * 1024;

function name(i) {
  return i % 5 === 0 ? `@scope${i % 97}/package-${i}` : `package-${i}`;
}
function record(i) {
  // One-shot hash (Node >= 20.12): the load generator shares the CPU with the log it measures.
  const integrity = `sha512-${hash('sha512', String(i), 'base64')}`;
  return `npm ${name(i)} 1.0.${i} ${integrity}\ninstall none\n`;
}
const key = (i) => `${name(i)}@1.0.${i}`; // recordKey: these names need no escaping

/** Durable appends with `inFlight` appenders until N entries or the budget; returns {n, sec}. */
async function appendAll(log, progress) {
  const t0 = performance.now();
  let next = 0;
  let done = 0;
  let lastReport = t0;
  const deadline = t0 + budgetS * 1000;
  async function writer() {
    while (next < N && performance.now() < deadline) {
      const i = next++;
      await log.append(record(i));
      done++;
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        progress(`  ${done} appended, ${Math.round(done / ((lastReport - t0) / 1000))} appends/s so far`);
      }
    }
  }
  await Promise.all(Array.from({ length: 20_000 }, writer));
  return { n: done, sec: (performance.now() - t0) / 1000 };
}

function dirBytes(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

function sampleKeys(n, size) {
  return Array.from({ length: n }, (_, j) => key((j * 7919 + 13) % size));
}

function batchRequest(size) {
  return Array.from({ length: 1000 }, (_, j) => {
    const i = (j * 104_729 + 7) % size;
    return { name: name(i), version: `1.0.${i}` };
  });
}

async function benchEmbedded() {
  const dir = mkdtempSync(join(tmpdir(), 'sumgate-bench-embedded-'));
  try {
    await initLog({ dir, origin: 'bench.example/log' });
    let t = performance.now();
    let log = await openLog(dir, { batchMaxDelayMs: 2, batchMaxEntries: 16384 });
    const startEmpty = performance.now() - t;
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const { n, sec } = await appendAll(log, console.log);
    await log.close();
    t = performance.now();
    log = await openLog(dir);
    const startFull = performance.now() - t;
    globalThis.gc?.();
    const indexHeap = process.memoryUsage().heapUsed - heapBefore;
    const keys = sampleKeys(200_000, n);
    t = performance.now();
    let found = 0;
    for (const k of keys) if (log.lookup(k) !== undefined) found++;
    const lookupSec = (performance.now() - t) / 1000;
    t = performance.now();
    const batch = JSON.stringify(log.proofBatch(batchRequest(n)));
    const batchMs = performance.now() - t;
    const disk = dirBytes(dir);
    await log.close();
    return {
      backend: 'embedded',
      n,
      appendRate: n / sec,
      startEmpty,
      startFull,
      lookups: found / lookupSec,
      found,
      batchBytes: batch.length,
      batchMs,
      disk,
      indexHeap,
      gcExposed: globalThis.gc !== undefined,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startCluster() {
  const out = join(pkgDir, 'node_modules', '.cache', 'sumgate-bench');
  mkdirSync(out, { recursive: true });
  execFileSync(
    join(pkgDir, '../../node_modules/.bin/tsup'),
    ['test/pgCluster.ts', '--format', 'esm', '--target', 'node20', '--out-dir', out, '--silent'],
    { cwd: pkgDir, stdio: 'pipe' },
  );
  const { startPgCluster, PRODUCTION_SETTINGS } = await import(pathToFileURL(join(out, 'pgCluster.js')).href);
  const extra = pgProfile ? ['shared_preload_libraries=pg_stat_statements', 'track_wal_io_timing=on'] : [];
  return startPgCluster({ settings: [...PRODUCTION_SETTINGS, ...extra] });
}

/** CPU seconds (user + system) of the cluster: the postmaster of `pid`'s backend and its children. */
function clusterCpuSeconds(backendPid) {
  const stat = (pid) =>
    readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
  const postmaster = Number(stat(backendPid)[1]);
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const f = stat(e);
      if (Number(e) === postmaster || Number(f[1]) === postmaster)
        total += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

async function profileStart(url) {
  const { default: postgres } = await import(
    pathToFileURL(join(pkgDir, 'node_modules/postgres/src/index.js')).href
  );
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
  await sql`SELECT pg_stat_statements_reset()`;
  await sql`SELECT pg_stat_reset_shared('wal')`;
  const [{ pid }] = await sql`SELECT pg_backend_pid() AS pid`;
  return { sql, pid, pgCpu: clusterCpuSeconds(pid), nodeCpu: process.cpuUsage(), t: performance.now() };
}

async function profileEnd(p, n) {
  const wall = (performance.now() - p.t) / 1000;
  const node = process.cpuUsage(p.nodeCpu);
  const pgCpu = clusterCpuSeconds(p.pid) - p.pgCpu;
  const top =
    await p.sql`SELECT calls, rows, round(total_exec_time) AS ms, round(mean_exec_time::numeric, 2) AS mean_ms,
      shared_blks_hit AS hit, shared_blks_read AS read, shared_blks_dirtied AS dirtied, wal_bytes, wal_fpi,
      left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`;
  const [wal] =
    await p.sql`SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync, round(wal_write_time) AS write_ms, round(wal_sync_time) AS sync_ms FROM pg_stat_wal`;
  console.log(`profile over ${n} appends, ${wall.toFixed(1)} s wall:`);
  console.log(
    `  CPU: node ${((node.user + node.system) / 1e6).toFixed(1)} s (user ${(node.user / 1e6).toFixed(1)}), postgres ${pgCpu.toFixed(1)} s, of ${(2 * wall).toFixed(1)} core-s`,
  );
  console.log(
    `  WAL: ${(Number(wal.wal_bytes) / MiB).toFixed(0)} MiB (${(Number(wal.wal_bytes) / n).toFixed(0)} B/entry), ${wal.wal_fpi} full-page images, ${wal.wal_sync} syncs (${wal.sync_ms} ms), writes ${wal.write_ms} ms`,
  );
  for (const r of top) {
    console.log(
      `  ${String(r.ms).padStart(8)} ms ${String(r.calls).padStart(7)} calls ${String(r.mean_ms).padStart(8)} ms/call rows ${r.rows} hit ${r.hit} read ${r.read} dirtied ${r.dirtied} wal ${(Number(r.wal_bytes) / MiB).toFixed(0)} MiB fpi ${r.wal_fpi} | ${r.query}`,
    );
  }
  await p.sql.end();
}

async function benchPostgres() {
  const cluster = await startCluster();
  const dir = mkdtempSync(join(tmpdir(), 'sumgate-bench-pgkeys-'));
  try {
    await initLog({ dir, origin: 'bench.example/log' });
    const url = cluster.createDatabase('bench');
    let t = performance.now();
    let log = await PgLog.openSequencer({
      dir,
      url,
      batchMaxDelayMs: 2,
      batchMaxEntries: 16384,
      maxConnections: 8,
    });
    const startEmpty = performance.now() - t;
    const prof = pgProfile ? await profileStart(url) : undefined;
    const { n, sec } = await appendAll(log, console.log);
    if (prof !== undefined) await profileEnd(prof, n);
    await log.close();
    t = performance.now();
    log = await PgLog.openSequencer({ dir, url });
    const startFull = performance.now() - t;
    t = performance.now();
    const readers = [
      await PgLogReader.open(url, { maxConnections: 4 }),
      await PgLogReader.open(url, { maxConnections: 4 }),
    ];
    const readerStart = (performance.now() - t) / 2;
    const keys = sampleKeys(200_000, n);
    t = performance.now();
    let found = 0;
    await Promise.all(
      readers.map(async (r, ri) => {
        const mine = keys.filter((_, j) => j % 2 === ri);
        let at = 0;
        await Promise.all(
          Array.from({ length: 1024 }, async () => {
            while (at < mine.length) {
              const k = mine[at++];
              if ((await r.lookup(k)) !== undefined) found++;
            }
          }),
        );
      }),
    );
    const lookupSec = (performance.now() - t) / 1000;
    const cold = await PgLogReader.open(url, { maxConnections: 2 }); // empty tile cache
    t = performance.now();
    const batch = JSON.stringify(await cold.proofBatch(batchRequest(n)));
    const batchMs = performance.now() - t;
    const disk = await cold.diskBytes();
    await Promise.all([...readers, cold].map((r) => r.close()));
    await log.close();
    return {
      backend: 'postgres',
      n,
      appendRate: n / sec,
      startEmpty,
      startFull,
      readerStart,
      lookups: found / lookupSec,
      found,
      batchBytes: batch.length,
      batchMs,
      disk,
    };
  } finally {
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}; target ${N} entries, append budget ${budgetS} s per backend`,
);
const results = [];
for (const [b, run] of [
  ['embedded', benchEmbedded],
  ['postgres', benchPostgres],
]) {
  if (only !== undefined && only !== b) continue;
  console.log(`\n== ${b} ==`);
  const r = await run();
  results.push(r);
  console.log(JSON.stringify(r));
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`\n| figure | ${results.map((r) => r.backend).join(' | ')} |`);
console.log(`|---|${results.map(() => '---').join('|')}|`);
const row = (label, f) => console.log(`| ${label} | ${results.map(f).join(' | ')} |`);
row('entries appended (of target)', (r) => `${fmt(r.n)} of ${fmt(N)}`);
row('durable appends/s (batched)', (r) => fmt(r.appendRate));
row(
  'lookups/s',
  (r) =>
    `${fmt(r.lookups)} (${r.backend === 'postgres' ? 'two read frontends' : 'in process'}; ${fmt(r.found)} found)`,
);
row(
  'cold batch proof, 1,000 packages',
  (r) => `${(r.batchBytes / 1024).toFixed(0)} KiB, ${r.batchMs.toFixed(0)} ms`,
);
row(
  'start time empty / full',
  (r) =>
    `${r.startEmpty.toFixed(0)} ms / ${r.startFull.toFixed(0)} ms${r.readerStart === undefined ? '' : ` (read frontend ${r.readerStart.toFixed(0)} ms)`}`,
);
row('disk per entry', (r) => `${(r.disk / r.n).toFixed(0)} B (${(r.disk / MiB).toFixed(0)} MiB)`);
row(
  `extrapolated disk at ${fmt(TARGET)}`,
  (r) => `${(((r.disk / r.n) * TARGET) / 1024 ** 3).toFixed(1)} GiB`,
);
row(`extrapolated append time for ${fmt(TARGET)}`, (r) => `${(TARGET / r.appendRate / 3600).toFixed(2)} h`);
row(`extrapolated start at ${fmt(TARGET)}`, (r) =>
  r.backend === 'postgres'
    ? `${r.startFull.toFixed(0)} ms (reads the right edge only)`
    : `${((r.startFull * TARGET) / r.n / 1000).toFixed(0)} s (index rebuilt from every entry)`,
);
row(`extrapolated index memory at ${fmt(TARGET)}`, (r) =>
  r.backend === 'postgres'
    ? 'in PostgreSQL (disk)'
    : `${((r.indexHeap * TARGET) / r.n / 1024 ** 3).toFixed(1)} GiB heap (the name@version Map${r.gcExposed ? '' : '; run with --expose-gc for a clean figure'})`,
);
