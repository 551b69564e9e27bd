/**
 * Gate.lockfileVerdicts: the verdicts of a whole lockfile, from the log the first time and from the
 * verified-lockfile memo after (what Yarn's validateProject keeps for its fetcher). The memo's
 * verdicts are the full path's (decision, leaf, previous version); it never enforces; a refused or
 * tampered lockfile never comes from the memo.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { MemoryFiles, Network, project, Registry, removeTempDirs, startLog } from './world.js';
import type { TestLog } from './world.js';

let registry: Registry;
let log: TestLog;
let files: MemoryFiles;
let net: Network;

beforeAll(async () => {
  registry = await new Registry().start();
  registry.add('plain', '1.0.0');
  registry.add('hooked', '1.0.0', { scripts: { postinstall: 'node install.js' } });
  registry.add('hooked', '1.1.0', { scripts: { postinstall: 'node install.js' } });
  registry.add('added', '1.0.0');
  registry.add('added', '1.1.0', { scripts: { install: 'node install.js' } });
  registry.add('private', '1.0.0');
  log = await startLog(registry.url);
});
afterAll(async () => {
  await log.close();
  await registry.close();
  removeTempDirs();
});
beforeEach(() => {
  files = new MemoryFiles();
  net = new Network();
});

const locked = (name: string, version = '1.0.0') => ({
  name,
  version,
  integrity: registry.integrityOf(name, version),
});
const gateOn = (over: Record<string, unknown> = {}) =>
  project({
    sources: [{ name: 'fixture', url: registry.url }],
    log: { url: log.url, vkeys: [log.vkey], timeoutMs: 5000 },
    ...over,
  }).open(files, net);
const summary = (vs: ReadonlyArray<{ name: string; decision: string; logIndex: number | undefined }>) =>
  vs.map((v) => ({ name: v.name, decision: v.decision, logIndex: v.logIndex }));

it('gives the same verdicts from the memo as from the log, without the network', async () => {
  const pkgs = [locked('plain'), locked('hooked', '1.1.0'), { name: 'private', version: '1.0.0' }];
  const over = { exempt: ['private'] };
  const first = await gateOn(over).lockfileVerdicts(pkgs);
  expect(first.fromMemo).toBe(false);
  expect(first.verdicts.map((v) => v.decision)).toEqual(['verified', 'verified', 'exempt']);
  net.requests.length = 0;
  const again = await gateOn(over).lockfileVerdicts(pkgs);
  expect(again.fromMemo).toBe(true);
  expect(net.requests).toEqual([]);
  expect(summary(again.verdicts)).toEqual(summary(first.verdicts));
  expect(again.verdicts[1]?.previous?.version).toBe('1.0.0');
});

it('does not enforce, and a refused lockfile is never memoised', async () => {
  // added@1.1.0 adds an install script: quarantined
  const pkgs = [locked('plain'), locked('added', '1.1.0')];
  for (let run = 0; run < 2; run++) {
    const r = await gateOn().lockfileVerdicts(pkgs);
    expect(r.fromMemo).toBe(false);
    expect(r.verdicts.map((v) => v.decision)).toEqual(['verified', 'refused']);
  }
  await expect(gateOn().checkLocked(pkgs)).rejects.toMatchObject({ code: 'QUARANTINE_ADDED' });
  expect(files.matching(/verified-lockfiles/)).toEqual([]);
});

it('goes the full way when a memo entry does not check out', async () => {
  const pkgs = [locked('plain'), locked('hooked', '1.1.0')];
  await gateOn().lockfileVerdicts(pkgs);
  const [memo] = files.matching(/verified-lockfiles/);
  const doc = JSON.parse(files.read(memo!)!.toString()) as {
    entries: Record<string, { proven: { record: string } }>;
  };
  const entry = doc.entries['plain@1.0.0']!;
  entry.proven.record = entry.proven.record.replace(/sha512-[A-Za-z0-9+/=]+/, locked('added').integrity);
  files.write(memo!, JSON.stringify(doc));
  const r = await gateOn().lockfileVerdicts(pkgs);
  expect(r.fromMemo).toBe(false);
  expect(r.verdicts.map((v) => v.decision)).toEqual(['verified', 'verified']);
});
