/**
 * Every package pnpm links is judged first (real pnpm 10 and 12): packages reused from a shared
 * store, packages resolved in this run, and tarball-URL and git dependencies anywhere in the graph.
 * Marker files prove what ran.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { makeGitRepo, startTarballHost } from '../harness/exoticSources.js';
import type { GitRepo, TarballHost } from '../harness/exoticSources.js';
import { markerRuns } from '../harness/markers.js';
import { makeProject, runPnpm } from '../harness/packageManagers.js';
import type { PnpmVersion, RunResult } from '../harness/packageManagers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { installPnpmfile, writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions } from '../harness/sumgate.js';

const world = useScenarioWorld('sumgate-graph');
let tarballs: TarballHost;
let repo: GitRepo;
let repoDir: string | undefined;

beforeAll(async () => {
  tarballs = await startTarballHost(world.markerDir);
  repoDir = mkdtempSync(path.join(tmpdir(), 'sumgate-git-dep-'));
  repo = makeGitRepo(repoDir, world.markerDir);
  world.registry.addPackage({
    name: 'has-tar-dep',
    versions: [{ version: '1.0.0', packageJson: { dependencies: { 'tar-dep': tarballs.url } } }],
  });
  world.registry.addPackage({
    name: 'has-git-dep',
    versions: [{ version: '1.0.0', packageJson: { dependencies: { 'git-dep': repo.spec } } }],
  });
  world.registry.addPackage({
    name: 'wraps-tar-dep',
    versions: [
      { version: '1.0.0', packageJson: { dependencies: { 'has-tar-dep': '1.0.0', plain: '1.0.0' } } },
    ],
  });
});
afterAll(async () => {
  await tarballs?.close();
  if (repoDir !== undefined) rmSync(repoDir, { recursive: true, force: true });
});

const fingerprintOf = (name: string, version: string) =>
  inspectTarball(world.registry.tarballOf(name, version)).installCode.fingerprint;

/** `allowBuilds: 'all'` lets pnpm build everything (dangerouslyAllowAllBuilds): only sumgate stands in the way. */
async function project(
  dir: string,
  dependencies: Record<string, string>,
  policy: Partial<PolicyOptions> = {},
  allowBuilds: string[] | 'all' = [],
): Promise<string> {
  const pnpmSettings =
    allowBuilds === 'all'
      ? { dangerouslyAllowAllBuilds: true }
      : { allowBuilds: Object.fromEntries(allowBuilds.map((n) => [n, true])) };
  const cwd = await makeProject({ dir, packageManager: 'pnpm', dependencies, pnpmSettings });
  writePolicy(cwd, { log: world.log, sources: [world.honest()], ...policy });
  installPnpmfile(cwd);
  return cwd;
}

function pnpm(
  version: PnpmVersion,
  cwd: string,
  args: string[] = ['install'],
  cache = 'sumgate-cache',
): Promise<RunResult> {
  return runPnpm(version, args, {
    cwd,
    registry: world.registry.url,
    storeDir: world.sandbox.storeDir,
    cacheDir: world.sandbox.cacheDir,
    env: { SUMGATE_CACHE_DIR: path.join(world.sandbox.root, cache) },
  });
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe.each([10, 12] as const)('pnpm %i: the whole resolved graph is judged', (version) => {
  it('1. a package in a shared store, approved by project A, is refused in project B (install, frozen, add); its script never runs there', async () => {
    const approval = {
      approvals: [{ package: 'adds-script@1.1.0', installCode: fingerprintOf('adds-script', '1.1.0') }],
    };
    const a = await project(
      path.join(world.sandbox.root, 'a'),
      { 'adds-script': '1.1.0', plain: '1.0.0' },
      approval,
      ['adds-script'],
    );
    const first = await pnpm(version, a);
    expect(first.code, first.output).toBe(0);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);

    // B: same store, same sumgate cache, no approval; pnpm would reuse the store copy and build it.
    const b = await project(
      path.join(world.sandbox.root, 'b'),
      { 'adds-script': '1.1.0', plain: '1.0.0' },
      {},
      ['adds-script'],
    );
    const fresh = await pnpm(version, b);
    expect(fresh.code).not.toBe(0);
    expect(fresh.output).toContain('SUMGATE_QUARANTINE_ADDED');
    expect(count(fresh.output, 'adds-script@1.1.0 is quarantined'), fresh.output).toBe(1);
    expect(fresh.output).toContain(
      'adds-script@1.1.0 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have',
    );
    expect(existsSync(path.join(b, 'node_modules/adds-script'))).toBe(false);

    copyFileSync(path.join(a, 'pnpm-lock.yaml'), path.join(b, 'pnpm-lock.yaml'));
    const frozen = await pnpm(version, b, ['install', '--frozen-lockfile']);
    expect(frozen.code).not.toBe(0);
    expect(frozen.output).toContain('adds-script@1.1.0 is quarantined');
    expect(existsSync(path.join(b, 'node_modules/adds-script'))).toBe(false);

    const c = await project(path.join(world.sandbox.root, 'c'), { plain: '1.0.0' }, {}, ['adds-script']);
    expect((await pnpm(version, c)).code).toBe(0);
    const add = await pnpm(version, c, ['add', 'adds-script@1.1.0']);
    expect(add.code).not.toBe(0);
    expect(add.output).toContain('adds-script@1.1.0 is quarantined');
    expect(existsSync(path.join(c, 'node_modules/adds-script'))).toBe(false);

    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });

  it('2. a resolve without a lockfile reports every quarantined package in one block, printed once', async () => {
    const cwd = await project(
      world.sandbox.projectDir,
      { 'adds-script': '1.1.0', 'changes-script': '1.1.0', 'adds-gyp': '1.1.0', plain: '1.0.0' },
      {},
      ['adds-script', 'changes-script', 'adds-gyp'],
    );
    const r = await pnpm(version, cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('3 packages refused');
    for (const line of [
      'adds-script@1.1.0 is quarantined: it adds install-time code (postinstall)',
      'changes-script@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
      'adds-gyp@1.1.0 is quarantined: it adds install-time code (node-gyp)',
    ])
      expect(count(r.output, line), r.output).toBe(1);
    expect(r.output).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
    expect(markerRuns(world.markerDir, 'adds-script') + markerRuns(world.markerDir, 'changes-script')).toBe(
      0,
    );
  });

  it('3. registry packages that depend on a tarball URL or a git repository are refused in one block, naming the chain; nothing of them runs', async () => {
    tarballs.host.clearRequests();
    const cwd = await project(
      world.sandbox.projectDir,
      { 'has-tar-dep': '1.0.0', 'has-git-dep': '1.0.0' },
      {},
      'all',
    );
    const r = await pnpm(version, cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('SUMGATE_EXOTIC_SOURCE');
    expect(r.output).toContain('2 packages refused');
    expect(r.output).toContain(
      `tar-dep@${tarballs.url} (a tarball URL, required by has-tar-dep@1.0.0; chain: fixture-project > has-tar-dep@1.0.0 > tar-dep)`,
    );
    expect(r.output).toContain(
      `git-dep@${repo.spec} (a git repository, required by has-git-dep@1.0.0; chain: fixture-project > has-git-dep@1.0.0 > git-dep)`,
    );

    // two levels down, the chain names every link
    const deep = await project(
      path.join(world.sandbox.root, 'deep'),
      { 'wraps-tar-dep': '1.0.0' },
      {},
      'all',
    );
    const d = await pnpm(version, deep);
    expect(d.code).not.toBe(0);
    expect(d.output).toContain('chain: fixture-project > wraps-tar-dep@1.0.0 > has-tar-dep@1.0.0 > tar-dep');

    expect(tarballs.host.tarballRequests()).toEqual([]);
    expect(markerRuns(world.markerDir, 'tar-dep') + markerRuns(world.markerDir, 'git-dep')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/.pnpm'))).toBe(false);
  });

  it('4. a direct tarball-URL dependency: refused unless listed; listed, its postinstall is quarantined; approved, it installs and builds', async () => {
    const cwd = await project(world.sandbox.projectDir, { 'tar-dep': tarballs.url }, {}, 'all');
    const unlisted = await pnpm(version, cwd);
    expect(unlisted.code).not.toBe(0);
    expect(unlisted.output).toContain(
      `tar-dep@${tarballs.url} (a tarball URL, a direct dependency of fixture-project)`,
    );
    expect(unlisted.output).toContain('"exotic"');

    const exotic = [{ package: 'tar-dep', spec: tarballs.url, integrity: tarballs.integrity }];
    writePolicy(cwd, { log: world.log, sources: [world.honest()], exotic });
    const quarantined = await pnpm(version, cwd);
    expect(quarantined.code).not.toBe(0);
    expect(quarantined.output).toContain('SUMGATE_QUARANTINE_FIRST');
    expect(quarantined.output).toContain(
      'tar-dep@1.0.0 is quarantined: it is an exotic dependency with install-time code (postinstall)',
    );
    expect(markerRuns(world.markerDir, 'tar-dep')).toBe(0);

    const fp = inspectTarball(tarballs.host.tarballOf('tar-dep', '1.0.0')).installCode.fingerprint;
    writePolicy(cwd, {
      log: world.log,
      sources: [world.honest()],
      exotic,
      approvals: [{ package: 'tar-dep@1.0.0', installCode: fp }],
    });
    const approved = await pnpm(version, cwd);
    expect(approved.code, approved.output).toBe(0);
    expect(markerRuns(world.markerDir, 'tar-dep'), approved.output).toBe(1);

    // a pin that no longer matches what the lockfile recorded fails before anything is fetched
    writePolicy(cwd, {
      log: world.log,
      sources: [world.honest()],
      exotic: [{ ...exotic[0], integrity: world.registry.integrityOf('plain', '1.0.0') }],
      approvals: [{ package: 'tar-dep@1.0.0', installCode: fp }],
    });
    const moved = await pnpm(version, cwd, ['install', '--frozen-lockfile']);
    expect(moved.code).not.toBe(0);
    expect(moved.output).toContain('EXOTIC_MISMATCH');
  });

  it('5. a direct git dependency pinned to a commit: its prepare is quarantined until approved', async () => {
    const cwd = await project(
      world.sandbox.projectDir,
      { 'git-dep': repo.spec },
      { exotic: [{ package: 'git-dep', spec: repo.spec, commit: repo.commit }] },
      'all',
    );
    const r = await pnpm(version, cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      'git-dep@1.0.0 is quarantined: it is an exotic dependency with install-time code (prepare)',
    );
    expect(markerRuns(world.markerDir, 'git-dep')).toBe(0);
  });

  it('6. (attack) an npm alias or a workspace override cannot smuggle a quarantined version or a git repository past the gate', async () => {
    const aliased = await project(world.sandbox.projectDir, { innocent: 'npm:adds-script@1.1.0' }, {}, 'all');
    const a = await pnpm(version, aliased);
    expect(a.code).not.toBe(0);
    expect(a.output).toContain('adds-script@1.1.0 is quarantined');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);

    const dir = path.join(world.sandbox.root, 'override');
    const cwd = await makeProject({
      dir,
      packageManager: 'pnpm',
      dependencies: { plain: '1.0.0' },
      pnpmSettings: { dangerouslyAllowAllBuilds: true, overrides: { plain: repo.spec } },
    });
    writePolicy(cwd, { log: world.log, sources: [world.honest()] });
    installPnpmfile(cwd);
    const r = await pnpm(version, cwd);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('EXOTIC_SOURCE');
    expect(markerRuns(world.markerDir, 'git-dep')).toBe(0);
    expect(existsSync(path.join(cwd, 'node_modules/plain/prepare.js'))).toBe(false);
  });

  it('7. mode "warn": exotic dependencies are reported and the install goes on (pnpm 12 blocks exotic subdependencies itself)', async () => {
    const cwd = await project(world.sandbox.projectDir, { 'has-tar-dep': '1.0.0' }, { mode: 'warn' });
    const r = await pnpm(version, cwd);
    expect(r.output).toContain(
      `sumgate warning: tar-dep@${tarballs.url} (a tarball URL, required by has-tar-dep@1.0.0`,
    );
    if (version === 12) {
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('ERR_PNPM_EXOTIC_SUBDEP');
    } else {
      expect(r.code, r.output).toBe(0);
      expect(existsSync(path.join(cwd, 'node_modules/has-tar-dep'))).toBe(true);
    }
  });
});
