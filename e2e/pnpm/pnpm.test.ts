/**
 * Real pnpm 10 and pnpm 12 installs through the drop-in `.pnpmfile.cjs`, against fixture
 * registries and the project's own checksum log on 127.0.0.1. Every scenario checks the exit code,
 * the message, and the file system (marker files prove whether an install script ran).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { markerRuns } from '../harness/markers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { startVerdaccio } from '../harness/verdaccio.js';
import { makeProject, runPnpm } from '../harness/packageManagers.js';
import type { PnpmVersion, RunResult } from '../harness/packageManagers.js';
import { forkEvidence, installPnpmfile, startForkedLog, startLog, writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions } from '../harness/sumgate.js';

const world = useScenarioWorld('sumgate-pnpm');
const { honest } = world;

async function project(
  dependencies: Record<string, string>,
  policy: Partial<PolicyOptions> = {},
  allowBuilds: string[] = [],
  dir = world.sandbox.projectDir,
): Promise<string> {
  const cwd = await makeProject({
    dir,
    packageManager: 'pnpm',
    dependencies,
    pnpmSettings: { allowBuilds: Object.fromEntries(allowBuilds.map((n) => [n, true])) },
  });
  writePolicy(cwd, { log: world.log, sources: [honest()], ...policy });
  installPnpmfile(cwd);
  return cwd;
}

function pnpm(
  version: PnpmVersion,
  cwd: string,
  args: string[] = ['install'],
  opts: { storeDir?: string; cacheDir?: string } = {},
): Promise<RunResult> {
  return runPnpm(version, args, {
    cwd,
    registry: world.registry.url,
    storeDir: opts.storeDir ?? world.sandbox.storeDir,
    cacheDir: world.sandbox.cacheDir,
    env: { SUMGATE_CACHE_DIR: opts.cacheDir ?? path.join(world.sandbox.root, 'sumgate-cache') },
  });
}

function fingerprintOf(name: string, version: string): string {
  return inspectTarball(world.registry.tarballOf(name, version)).installCode.fingerprint;
}

describe.each([10, 12] as const)('pnpm %i with the sumgate pnpmfile', (version) => {
  it("1. a clean install verifies every package and names each package's source", async () => {
    const cwd = await project({ plain: '1.0.0', 'with-dep': '1.0.0', 'same-script': '1.1.0' }, {}, [
      'same-script',
    ]);
    const r = await pnpm(version, cwd);
    expect(r.code, r.output).toBe(0);
    for (const pkg of ['plain@1.0.0', 'with-dep@1.0.0', 'dep-of-plain@2.0.0', 'same-script@1.1.0']) {
      expect(r.output).toMatch(new RegExp(`sumgate: verified ${pkg} from fixture \\(log leaf \\d+\\)`));
    }
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(true);
    // unchanged install-time code (same as 1.0.0) passes, and pnpm's allowBuilds lets it run
    expect(markerRuns(world.markerDir, 'same-script')).toBeGreaterThan(0);
    // the lockfile keeps the upstream URL/integrity, whatever source served the bytes
    expect(readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8')).toContain(
      world.registry.integrityOf('plain', '1.0.0'),
    );
  });

  it('2. a tampering mirror is passed over for an honest source; alone, it fails naming package, hashes and source', async () => {
    const cwd = await project(
      { plain: '1.0.0' },
      { sources: [{ name: 'evil', url: world.evil.url }, honest()] },
    );
    const ok = await pnpm(version, cwd);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain('plain@1.0.0: source evil passed over (served sha512-');
    expect(ok.output).toMatch(/verified plain@1\.0\.0 from fixture/);
    expect(readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8')).toContain(
      world.registry.integrityOf('plain', '1.0.0'),
    );

    const lone = await project(
      { plain: '1.0.0' },
      { sources: [{ name: 'evil', url: world.evil.url }] },
      [],
      path.join(world.sandbox.root, 'lone'),
    );
    const bad = await pnpm(version, lone, ['install'], { storeDir: path.join(world.sandbox.root, 'store2') });
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('INTEGRITY_MISMATCH');
    expect(bad.output).toContain('plain@1.0.0');
    expect(bad.output).toContain(world.registry.integrityOf('plain', '1.0.0'));
    expect(bad.output).toContain(world.evil.servedIntegrityOf('plain', '1.0.0'));
    expect(bad.output).toContain('"evil"');
  });

  it('3+7. a version that adds a postinstall is quarantined (sticky on rerun); after approval it installs and builds', async () => {
    const cwd = await project({ 'adds-script': '1.1.0' }, {}, ['adds-script']);
    for (let run = 0; run < 2; run++) {
      const r = await pnpm(version, cwd);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('QUARANTINE_ADDED');
      expect(r.output).toContain(
        'adds-script@1.1.0 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have',
      );
      expect(r.output).toContain('sumgate approve adds-script@1.1.0');
      expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
      expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);
    }
    writePolicy(cwd, {
      log: world.log,
      sources: [honest()],
      approvals: [{ package: 'adds-script@1.1.0', installCode: fingerprintOf('adds-script', '1.1.0') }],
    });
    const approved = await pnpm(version, cwd);
    expect(approved.code, approved.output).toBe(0);
    expect(approved.output).toContain('sumgate: approved adds-script@1.1.0');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });

  it('4. a changed postinstall of a package pnpm is allowed to build is still quarantined', async () => {
    const cwd = await project({ 'changes-script': '1.1.0' }, {}, ['changes-script']);
    const r = await pnpm(version, cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('QUARANTINE_CHANGED');
    expect(r.output).toContain(
      'changes-script@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
    );
    expect(markerRuns(world.markerDir, 'changes-script')).toBe(0);
  });

  it('5. a version that adds only binding.gyp (an implicit node-gyp build) is quarantined', async () => {
    const cwd = await project({ 'adds-gyp': '1.1.0' }, {}, ['adds-gyp']);
    const r = await pnpm(version, cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('adds-gyp@1.1.0 is quarantined: it adds install-time code (node-gyp)');
    expect(existsSync(path.join(cwd, 'node_modules/adds-gyp'))).toBe(false);
  });

  it('6. manifest confusion (metadata without scripts, tarball with a postinstall) is quarantined and reported', async () => {
    const cwd = await project({ confused: '1.1.0' }, {}, ['confused']);
    const r = await pnpm(version, cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('MANIFEST_CONFUSION');
    expect(r.output).toContain(
      "confused@1.1.0: the registry metadata shows no postinstall script, but the tarball's package.json has one",
    );
    expect(markerRuns(world.markerDir, 'confused')).toBe(0);
  });

  it('8. a frozen install whose lockfile integrity disagrees with the log fails before any tarball request', async () => {
    const cwd = await project({ plain: '1.0.0' });
    expect((await pnpm(version, cwd)).code).toBe(0);
    const lockfile = path.join(cwd, 'pnpm-lock.yaml');
    const forged = world.registry.integrityOf('dep-of-plain', '2.0.0');
    writeFileSync(
      lockfile,
      readFileSync(lockfile, 'utf8').replace(world.registry.integrityOf('plain', '1.0.0'), forged),
    );
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    world.registry.clearRequests();
    const r = await pnpm(version, cwd, ['install', '--frozen-lockfile'], {
      storeDir: path.join(world.sandbox.root, 'fresh-store'),
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('LOG_MISMATCH');
    expect(r.output).toContain(
      `plain@1.0.0: the lockfile's integrity ${forged} disagrees with the checksum log's ${world.registry.integrityOf('plain', '1.0.0')}`,
    );
    expect(world.registry.tarballRequests()).toEqual([]);
  });

  it('9. a log restarted with a different history (a fork) gives a SECURITY error and saves evidence', async () => {
    const own = await startLog({ upstreams: [world.registry.url] });
    const cacheDir = path.join(world.sandbox.root, 'sumgate-cache');
    try {
      const first = await project({ plain: '1.0.0' }, { log: own });
      expect((await pnpm(version, first)).code).toBe(0);
      // Same key, same URL, another history: it signs a tree in which plain is not leaf 0.
      const forked = await startForkedLog(
        own,
        [world.registry.url],
        [
          ['dep-of-plain', '2.0.0'],
          ['with-dep', '1.0.0'],
        ],
      );
      try {
        const second = await project(
          { 'with-dep': '1.0.0' },
          { log: forked },
          [],
          path.join(world.sandbox.root, 'second'),
        );
        const r = await pnpm(version, second, ['install'], { cacheDir });
        expect(r.code).not.toBe(0);
        expect(r.output).toContain('SECURITY ERROR');
        expect(r.output).toContain('SECURITY_LOG_FORK');
        expect(forkEvidence(cacheDir)).toEqual([
          ['README.txt', 'consistency-proof.txt', 'remembered.checkpoint', 'served.checkpoint'],
        ]);
      } finally {
        await forked.close();
      }
    } finally {
      await own.close().catch(() => {});
    }
  });

  it('10. log unreachable: fails closed; a frozen install of an already verified lockfile passes from the cache', async () => {
    const own = await startLog({ upstreams: [world.registry.url] });
    const cwd = await project({ plain: '1.0.0' }, { log: own });
    expect((await pnpm(version, cwd)).code).toBe(0);
    await own.close();

    const other = await project(
      { 'with-dep': '1.0.0' },
      { log: own },
      [],
      path.join(world.sandbox.root, 'other'),
    );
    const down = await pnpm(version, other);
    expect(down.code).not.toBe(0);
    expect(down.output).toContain('LOG_UNREACHABLE');
    expect(existsSync(path.join(other, 'node_modules/with-dep'))).toBe(false);

    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const frozen = await pnpm(version, cwd, ['install', '--frozen-lockfile'], {
      storeDir: path.join(world.sandbox.root, 'fresh-store'),
    });
    expect(frozen.code, frozen.output).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(true);
  });

  it("10b. a killed writer's temporary facts pack is removed by the next install that reads the facts, once 10 minutes old; a fresh one is left", async () => {
    const cache = path.join(world.sandbox.root, 'sumgate-cache');
    const first = await project({ plain: '1.0.0' });
    expect((await pnpm(version, first)).code).toBe(0);
    const v4 = path.join(cache, 'facts', 'v4');
    const at = (ms: number) => String(ms).padStart(15, '0');
    const stale = `${at(Date.now() - 11 * 60_000)}-999999-0badc0de.pack.999999.1234abcd.tmp`;
    const fresh = `${at(Date.now())}-999998-0badc0de.pack.999998.1234abcd.tmp`;
    for (const name of [stale, fresh]) writeFileSync(path.join(v4, name), 'sumgate-facts-pack 4 1 x\n');
    const second = await project({ 'with-dep': '1.0.0' }, {}, [], path.join(world.sandbox.root, 'second'));
    const r = await pnpm(version, second);
    expect(r.code, r.output).toBe(0);
    expect(existsSync(path.join(v4, stale))).toBe(false);
    expect(existsSync(path.join(v4, fresh))).toBe(true);
    expect(readdirSync(v4).some((f) => f.endsWith('.pack'))).toBe(true);
  });

  it('11. a private scope exempted by the policy installs without the log; its token goes only to its registry', async () => {
    const cwd = await project(
      { '@private/lib': '1.0.0', plain: '1.0.0' },
      {
        sources: [{ name: 'private', url: world.privateRegistry.url, scopes: ['@private'] }, honest()],
        exempt: ['@private/*'],
      },
    );
    const privateHost = new URL(world.privateRegistry.url).host;
    writeFileSync(
      path.join(cwd, '.npmrc'),
      `@private:registry=${world.privateRegistry.url}\n//${privateHost}/:_authToken=private-secret\n`,
    );
    world.registry.clearRequests();
    world.privateRegistry.clearRequests();
    const r = await pnpm(version, cwd);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('sumgate: exempt @private/lib@1.0.0 from private');
    expect(r.output).toMatch(/verified plain@1\.0\.0 from fixture/);
    const lookups = await (await fetch(`${world.log.url}lookup/@private/lib@1.0.0`)).status;
    expect(lookups).toBe(404);
    // sumgate downloaded both tarballs (pnpm's own fetcher never ran): the token went to the private registry
    // only.
    const privateTarballs = world.privateRegistry.requests.filter((q) => q.kind === 'tarball');
    expect(privateTarballs.length).toBeGreaterThan(0);
    expect(privateTarballs.every((q) => q.hasAuthorization)).toBe(true);
    expect(world.registry.requests.some((q) => q.hasAuthorization)).toBe(false);
  });
});

describe('pnpm 10 with a real Verdaccio as an honest mirror', () => {
  it('installs through Verdaccio as the only source, every tarball verified against the log', async () => {
    const verdaccio = await startVerdaccio({
      uplink: world.registry.url,
      storageDir: path.join(world.sandbox.root, 'verdaccio'),
    });
    try {
      const url = verdaccio.url.endsWith('/') ? verdaccio.url : `${verdaccio.url}/`;
      const cwd = await project(
        { plain: '1.0.0', 'with-dep': '1.0.0' },
        { sources: [{ name: 'verdaccio', url }] },
      );
      world.registry.clearRequests();
      const r = await pnpm(10, cwd);
      expect(r.code, r.output).toBe(0);
      for (const pkg of ['plain@1.0.0', 'with-dep@1.0.0', 'dep-of-plain@2.0.0']) {
        expect(r.output).toMatch(new RegExp(`sumgate: verified ${pkg} from verdaccio \\(log leaf \\d+\\)`));
      }
      // The bytes came through Verdaccio: it fetched each tarball from its uplink (Verdaccio's via
      // header). The log's own ingestion fetches from the same registry directly, without it.
      const viaVerdaccio = world.registry.requests.filter(
        (q) => q.kind === 'tarball' && String(q.headers.via ?? '').includes('Verdaccio'),
      );
      expect(viaVerdaccio.map((q) => q.path).sort()).toEqual([
        '/dep-of-plain/-/dep-of-plain-2.0.0.tgz',
        '/plain/-/plain-1.0.0.tgz',
        '/with-dep/-/with-dep-1.0.0.tgz',
      ]);
    } finally {
      await verdaccio.close();
    }
  });
});
