/**
 * The warm frozen install: 1,000 locked packages, every one proven before, the cache on disk. The
 * memo holds their proof-carrying facts; each run checks every record's inclusion proof against the
 * remembered checkpoint (its signature once) and decides again, without the network. Prints the
 * measured cost (median of 7 runs, each a fresh Gate as in a fresh process).
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { nodeFileOps } from '../../src/client/clientOps.js';
import { Gate } from '../../src/gate.js';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fakeRecord } from '../../../log/test/records.js';
import { Network, Registry, removeTempDirs, startLog, tempDir } from './world.js';
import type { TestLog } from './world.js';

const PACKAGES = 1000;
let log: TestLog;
let registry: Registry;

beforeAll(async () => {
  registry = await new Registry().start();
  log = await startLog(registry.url);
  // 5,000 entries: proofs of about 13 hashes, as in a log of a few thousand versions
  await Promise.all(Array.from({ length: 5000 }, (_, i) => log.server.log.append(fakeRecord(i))));
}, 60_000);
afterAll(async () => {
  await log.close();
  await registry.close();
  removeTempDirs();
});

it(`a warm frozen check of ${PACKAGES} packages proves every cached record again, without the network`, async () => {
  const dir = tempDir('sumgate-warm-');
  const cacheDir = path.join(dir, 'cache');
  writeFileSync(
    path.join(dir, 'sumgate.jsonc'),
    JSON.stringify({
      sources: [{ name: 'r', url: registry.url }],
      log: { url: log.url, vkeys: [log.vkey], ingest: false },
    }),
  );
  const pkgs = Array.from({ length: PACKAGES }, (_, i) => fakeRecord(i * 5)).map((r) => ({
    name: r.name,
    version: r.version,
    integrity: r.integrity,
  }));
  const net = new Network();
  const open = () =>
    Gate.open({
      cwd: dir,
      host: 'cli',
      http: net.http,
      ops: { files: nodeFileOps },
      env: { SUMGATE_CACHE_DIR: cacheDir, HOME: dir },
    });
  expect((await open().checkLocked(pkgs)).fromMemo).toBe(false);
  net.requests.length = 0;
  const times: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < 9; run++) {
    const gate = open();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const r = await gate.checkLocked(pkgs);
    const c = process.cpuUsage(c0);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cpu.push((c.user + c.system) / 1000);
    expect(r).toEqual({ count: PACKAGES, fromMemo: true });
  }
  expect(net.requests).toEqual([]);
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const median = mid(times);
  console.log(
    `warm frozen check of ${PACKAGES} packages (proofs re-checked): median ${median.toFixed(1)} ms wall, ${mid(cpu).toFixed(1)} ms CPU; best ${Math.min(...times).toFixed(1)} ms wall; runs ${times.map((t) => t.toFixed(1)).join(' ')} ms (load ${os.loadavg()[0]!.toFixed(1)})`,
  );
  expect(readdirSync(path.join(cacheDir, 'verified-lockfiles'))).toHaveLength(1);
  // No timed assertion (a loaded CI box would make it flaky): the figure to watch is the printed
  // median, and the install benchmark (e2e/bench) measures it against plain installs.

  // one flipped proof hash in the memo: the memo is refused and the packages are proven again
  const memoFile = path.join(
    cacheDir,
    'verified-lockfiles',
    readdirSync(path.join(cacheDir, 'verified-lockfiles'))[0]!,
  );
  const doc = JSON.parse(nodeFileOps.read(memoFile)!.toString()) as {
    entries: Record<string, { proven: { proof: string } }>;
  };
  const first = doc.entries[`${pkgs[0]!.name}@${pkgs[0]!.version}`]!;
  first.proven.proof = Buffer.concat([
    Buffer.alloc(32, 7),
    Buffer.from(first.proven.proof, 'base64').subarray(32),
  ]).toString('base64');
  writeFileSync(memoFile, JSON.stringify(doc));
  expect((await open().checkLocked(pkgs)).fromMemo).toBe(false);
}, 60_000);
