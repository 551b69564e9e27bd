/**
 * Real Yarn 4 installs through the sumgate plugin (`yarn plugin import` of the built bundle),
 * against fixture registries and the project's own checksum log on 127.0.0.1. The scenarios are
 * the pnpm adapter's, adapted to Yarn: its lockfile keeps no npm integrity (only the checksum of its
 * own zip), builds need `dependenciesMeta.<name>.built: true`, and its cache skips the fetcher's
 * loader on a hit. Every scenario checks the exit code, the message, and the file system (marker
 * files prove whether an install script ran).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { markerRuns } from '../harness/markers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { makeProject, runYarn } from '../harness/packageManagers.js';
import type { RunResult } from '../harness/packageManagers.js';
import { forkEvidence, startForkedLog, startLog, writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions } from '../harness/sumgate.js';
import { importPlugin } from './yarnSumgate.js';

const world = useScenarioWorld('sumgate-yarn');
const { honest } = world;

interface YarnRunOptions {
  /** Yarn's cache (YARN_CACHE_FOLDER); default the sandbox's. */
  yarnCache?: string;
  /** sumgate's cache (SUMGATE_CACHE_DIR): archive bindings, proven facts, checkpoints. */
  sumgateCache?: string;
  /** Yarn's registry; default the honest fixture registry. */
  registry?: string;
}

const runOpts = (cwd: string, o: YarnRunOptions = {}) => ({
  cwd,
  registry: o.registry ?? world.registry.url,
  cacheDir: o.yarnCache ?? world.sandbox.cacheDir,
  env: { SUMGATE_CACHE_DIR: o.sumgateCache ?? path.join(world.sandbox.root, 'sumgate-cache') },
});

/** A Yarn project with the plugin imported (import first, then configure) and a policy. */
async function project(
  dependencies: Record<string, string>,
  policy: Partial<PolicyOptions> = {},
  built: string[] = [],
  dir = world.sandbox.projectDir,
  yarnSettings: Record<string, unknown> = {},
): Promise<string> {
  const cwd = await makeProject({
    dir,
    packageManager: 'yarn',
    dependencies,
    packageJson:
      built.length === 0
        ? {}
        : { dependenciesMeta: Object.fromEntries(built.map((n) => [n, { built: true }])) },
    yarnSettings,
  });
  await importPlugin(runOpts(cwd));
  writePolicy(cwd, { log: world.log, sources: [honest()], ...policy });
  return cwd;
}

function yarn(cwd: string, args: string[] = ['install'], o: YarnRunOptions = {}): Promise<RunResult> {
  return runYarn(args, runOpts(cwd, o));
}

function fingerprintOf(name: string, version: string): string {
  return inspectTarball(world.registry.tarballOf(name, version)).installCode.fingerprint;
}

/** yarn.lock's `checksum:` for a package (`10c0/<hex>`). */
function lockedChecksum(cwd: string, name: string, version: string): string {
  const text = readFileSync(path.join(cwd, 'yarn.lock'), 'utf8');
  const entry = text.split('\n\n').find((e) => e.includes(`resolution: "${name}@npm:${version}"`));
  const m = entry === undefined ? null : /checksum: ([^\s]+)/.exec(entry);
  if (m === null) throw new Error(`no checksum for ${name}@${version} in yarn.lock:\n${text}`);
  return m[1]!;
}

describe('Yarn 4 with the sumgate plugin', () => {
  it("1. a clean install verifies every package and names each package's source", async () => {
    const cwd = await project({ plain: '1.0.0', 'with-dep': '1.0.0', 'same-script': '1.1.0' }, {}, [
      'same-script',
    ]);
    expect(readFileSync(path.join(cwd, '.yarnrc.yml'), 'utf8')).toContain(
      '.yarn/plugins/@yarnpkg/plugin-sumgate.cjs',
    );
    const r = await yarn(cwd);
    expect(r.code, r.output).toBe(0);
    for (const pkg of ['plain@1.0.0', 'with-dep@1.0.0', 'dep-of-plain@2.0.0', 'same-script@1.1.0']) {
      expect(r.output).toMatch(new RegExp(`sumgate: verified ${pkg} from fixture \\(log leaf \\d+\\)`));
    }
    expect(r.output).toMatch(
      /sumgate: 4 npm packages verified against http:\/\/127\.0\.0\.1:\d+\/ \(4 from fixture, 0 from bound cache archives\)/,
    );
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(true);
    // unchanged install-time code (same as 1.0.0) passes, and dependenciesMeta.built lets it run
    expect(markerRuns(world.markerDir, 'same-script')).toBe(1);
    // a warm rerun checks every cached archive against its binding, without downloading
    world.registry.clearRequests();
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const warm = await yarn(cwd, ['install', '--immutable']);
    expect(warm.code, warm.output).toBe(0);
    expect(warm.output).toContain(
      `sumgate: 4 npm packages verified against ${world.log.url} (4 from bound cache archives)`,
    );
    expect(world.registry.tarballRequests()).toEqual([]);
  });

  it('2. a tampering mirror is passed over for an honest source; alone, it fails naming package, hashes and source', async () => {
    const cwd = await project(
      { plain: '1.0.0' },
      { sources: [{ name: 'evil', url: world.evil.url }, honest()] },
    );
    const ok = await yarn(cwd);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain('plain@1.0.0: source evil passed over (served sha512-');
    expect(ok.output).toMatch(/verified plain@1\.0\.0 from fixture/);
    // yarn.lock does not depend on the source that served the bytes
    expect(readFileSync(path.join(cwd, 'yarn.lock'), 'utf8')).not.toContain(world.evil.url);

    const lone = await project(
      { plain: '1.0.0' },
      { sources: [{ name: 'evil', url: world.evil.url }] },
      [],
      path.join(world.sandbox.root, 'lone'),
    );
    const bad = await yarn(lone, ['install'], { yarnCache: path.join(world.sandbox.root, 'cache2') });
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('INTEGRITY_MISMATCH');
    expect(bad.output).toContain('plain@1.0.0');
    expect(bad.output).toContain(world.registry.integrityOf('plain', '1.0.0'));
    expect(bad.output).toContain(world.evil.servedIntegrityOf('plain', '1.0.0'));
    expect(bad.output).toContain('"evil"');
    expect(existsSync(path.join(lone, 'node_modules/plain'))).toBe(false);
  });

  it('3. a version that adds a postinstall is quarantined, with the approve command; after approval it installs and builds', async () => {
    const cwd = await project({ 'adds-script': '1.1.0' }, {}, ['adds-script']);
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('QUARANTINE_ADDED');
    expect(r.output).toContain(
      'adds-script@1.1.0 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have',
    );
    expect(r.output).toContain('sumgate approve adds-script@1.1.0');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/adds-script'))).toBe(false);
    // a failed fetch writes nothing: yarn.lock is still the empty file makeProject wrote
    expect(readFileSync(path.join(cwd, 'yarn.lock'), 'utf8')).toBe('');

    writePolicy(cwd, {
      log: world.log,
      sources: [honest()],
      approvals: [{ package: 'adds-script@1.1.0', installCode: fingerprintOf('adds-script', '1.1.0') }],
    });
    const approved = await yarn(cwd);
    expect(approved.code, approved.output).toBe(0);
    expect(approved.output).toContain('sumgate: approved adds-script@1.1.0 from fixture');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });

  it('4. a changed postinstall of a package marked built: true is still quarantined', async () => {
    const cwd = await project({ 'changes-script': '1.1.0' }, {}, ['changes-script']);
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('QUARANTINE_CHANGED');
    expect(r.output).toContain(
      'changes-script@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
    );
    expect(markerRuns(world.markerDir, 'changes-script')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/changes-script'))).toBe(false);
  });

  it('5. a version that adds only binding.gyp (an implicit node-gyp build) is quarantined', async () => {
    const cwd = await project({ 'adds-gyp': '1.1.0' }, {}, ['adds-gyp']);
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('adds-gyp@1.1.0 is quarantined: it adds install-time code (node-gyp)');
    expect(existsSync(path.join(cwd, 'node_modules/adds-gyp'))).toBe(false);
  });

  it('6. manifest confusion (metadata without scripts, tarball with a postinstall) is quarantined and reported', async () => {
    const cwd = await project({ confused: '1.1.0' }, {}, ['confused']);
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('MANIFEST_CONFUSION');
    expect(r.output).toContain(
      "confused@1.1.0: the registry metadata shows no postinstall script, but the tarball's package.json has one",
    );
    expect(markerRuns(world.markerDir, 'confused')).toBe(0);
  });

  it('7. a rejection is sticky, and a warm Yarn cache filled without sumgate is still rejected', async () => {
    // Rerun after a rejection: nothing entered the cache, so it is downloaded and rejected again.
    const cwd = await project({ 'adds-script': '1.1.0' }, {}, ['adds-script']);
    for (let run = 0; run < 2; run++) {
      const r = await yarn(cwd);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('QUARANTINE_ADDED');
    }
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);

    // A cache filled by an install without the plugin, from the tampering mirror: the lockfile and
    // the cache agree with each other, and Yarn alone would install it again from the cache.
    const poisoned = await makeProject({
      dir: path.join(world.sandbox.root, 'poisoned'),
      packageManager: 'yarn',
      dependencies: { plain: '1.0.0' },
    });
    const yarnCache = path.join(world.sandbox.root, 'shared-yarn-cache');
    const plainYarn = await yarn(poisoned, ['install'], { registry: world.evil.url, yarnCache });
    expect(plainYarn.code, plainYarn.output).toBe(0);
    expect(existsSync(path.join(poisoned, 'node_modules/plain/tampered.js'))).toBe(true);
    rmSync(path.join(poisoned, 'node_modules'), { recursive: true, force: true });

    await importPlugin(runOpts(poisoned, { yarnCache }));
    writePolicy(poisoned, { log: world.log, sources: [honest()] });
    for (let run = 0; run < 2; run++) {
      const r = await yarn(poisoned, ['install'], { yarnCache });
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('INTEGRITY_MISMATCH');
      expect(r.output).toContain("plain@1.0.0: Yarn's cache holds an archive");
      expect(r.output).toContain(world.registry.integrityOf('plain', '1.0.0'));
      expect(r.output).toContain('yarn cache clean');
      expect(existsSync(path.join(poisoned, 'node_modules/plain'))).toBe(false);
    }
  });

  it('8. a lockfile checksum that disagrees with the log-verified archive fails before any tarball request', async () => {
    const cwd = await project({ plain: '1.0.0', 'dep-of-plain': '2.0.0' });
    expect((await yarn(cwd)).code).toBe(0);
    const lockfile = path.join(cwd, 'yarn.lock');
    const honestChecksum = lockedChecksum(cwd, 'plain', '1.0.0');
    const forged = lockedChecksum(cwd, 'dep-of-plain', '2.0.0');
    writeFileSync(
      lockfile,
      readFileSync(lockfile, 'utf8').replace(`checksum: ${honestChecksum}`, `checksum: ${forged}`),
    );
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    world.registry.clearRequests();
    const r = await yarn(cwd, ['install', '--immutable'], {
      yarnCache: path.join(world.sandbox.root, 'fresh-cache'),
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('LOG_MISMATCH');
    expect(r.output).toContain(
      `plain@1.0.0: yarn.lock's checksum ${forged} is not the archive of the tarball the checksum log proves (${world.registry.integrityOf('plain', '1.0.0')}`,
    );
    expect(world.registry.tarballRequests()).toEqual([]);
  });

  it('9. a log restarted with a different history (a fork) gives a SECURITY error and saves evidence', async () => {
    const own = await startLog({ upstreams: [world.registry.url] });
    const sumgateCache = path.join(world.sandbox.root, 'sumgate-cache');
    try {
      const first = await project({ plain: '1.0.0' }, { log: own });
      expect((await yarn(first)).code).toBe(0);
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
        const r = await yarn(second, ['install'], { sumgateCache });
        expect(r.code).not.toBe(0);
        expect(r.output).toContain('SECURITY ERROR');
        expect(r.output).toContain('SECURITY_LOG_FORK');
        expect(existsSync(path.join(second, 'node_modules/with-dep'))).toBe(false);
        expect(forkEvidence(sumgateCache)).toEqual([
          ['README.txt', 'consistency-proof.txt', 'remembered.checkpoint', 'served.checkpoint'],
        ]);
      } finally {
        await forked.close();
      }
    } finally {
      await own.close().catch(() => {});
    }
  });

  it('10. log unreachable: fails closed; an already verified lockfile installs from the cache', async () => {
    const own = await startLog({ upstreams: [world.registry.url] });
    const cwd = await project({ plain: '1.0.0' }, { log: own });
    expect((await yarn(cwd)).code).toBe(0);
    await own.close();

    const other = await project(
      { 'with-dep': '1.0.0' },
      { log: own },
      [],
      path.join(world.sandbox.root, 'other'),
    );
    const down = await yarn(other, ['install'], { yarnCache: path.join(world.sandbox.root, 'other-cache') });
    expect(down.code).not.toBe(0);
    expect(down.output).toContain('LOG_UNREACHABLE');
    expect(existsSync(path.join(other, 'node_modules/with-dep'))).toBe(false);

    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    const offline = await yarn(cwd, ['install', '--immutable']);
    expect(offline.code, offline.output).toBe(0);
    expect(offline.output).toContain('1 from bound cache archives');
    expect(existsSync(path.join(cwd, 'node_modules/plain/index.js'))).toBe(true);
  });

  it('11. a private scope exempted by the policy installs without the log', async () => {
    const cwd = await project(
      { '@private/lib': '1.0.0', plain: '1.0.0' },
      {
        sources: [{ name: 'private', url: world.privateRegistry.url, scopes: ['@private'] }, honest()],
        exempt: ['@private/*'],
      },
      [],
      world.sandbox.projectDir,
      { npmScopes: { private: { npmRegistryServer: world.privateRegistry.url.replace(/\/$/, '') } } },
    );
    const r = await yarn(cwd);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('sumgate: exempt @private/lib@1.0.0');
    expect(r.output).toMatch(/verified plain@1\.0\.0 from fixture/);
    expect(existsSync(path.join(cwd, 'node_modules/@private/lib/package.json'))).toBe(true);
    expect(world.privateRegistry.tarballRequests()).toEqual(['/@private%2flib/-/lib-1.0.0.tgz']);
    expect((await fetch(`${world.log.url}lookup/@private/lib@1.0.0`)).status).toBe(404);
  });

  it('12. the script guard: a package that reaches the build without a verified archive does not run its postinstall', async () => {
    const cwd = await project({ 'same-script': '1.1.0' }, {}, ['same-script']);
    // Another plugin, loaded after sumgate, puts a plain npm fetcher ahead of the verifying one:
    // the archive then never passes sumgate's fetcher, and only wrapScriptExecution stands.
    const bypass = path.join(world.sandbox.root, 'plugin-bypass.cjs');
    writeFileSync(
      bypass,
      [
        'module.exports = { name: "plugin-bypass", factory(require) {',
        '  const npm = require("@yarnpkg/plugin-npm");',
        '  npm.default.fetchers.unshift(class BypassFetcher extends npm.NpmSemverFetcher {});',
        '  return {};',
        '} };',
      ].join('\n'),
    );
    const imported = await yarn(cwd, ['plugin', 'import', bypass]);
    expect(imported.code, imported.output).toBe(0);
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('YN0009');
    expect(r.output).toContain('same-script@npm:1.1.0 reached the build step without a verified archive');
    expect(markerRuns(world.markerDir, 'same-script')).toBe(0);
  });
});
