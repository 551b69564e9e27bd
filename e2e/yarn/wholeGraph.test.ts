/**
 * Every package Yarn 4 links is judged first: packages from a shared global cache, packages
 * resolved in this run, and tarball-URL and git dependencies anywhere in the graph. Marker files
 * prove what ran.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { makeGitRepo, startTarballHost } from '../harness/exoticSources.js';
import type { GitRepo, TarballHost } from '../harness/exoticSources.js';
import { markerRuns } from '../harness/markers.js';
import { makeProject, runYarn } from '../harness/packageManagers.js';
import type { RunResult } from '../harness/packageManagers.js';
import { useScenarioWorld } from '../harness/scenarioWorld.js';
import { writePolicy } from '../harness/sumgate.js';
import type { PolicyOptions } from '../harness/sumgate.js';
import { importPlugin } from './yarnSumgate.js';

const world = useScenarioWorld('sumgate-yarn-graph');
let tarballs: TarballHost;
let repo: GitRepo;
let repoDir: string | undefined;

beforeAll(async () => {
  tarballs = await startTarballHost(world.markerDir);
  repoDir = mkdtempSync(path.join(tmpdir(), 'sumgate-yarn-git-dep-'));
  repo = makeGitRepo(repoDir, world.markerDir);
  world.registry.addPackage({
    name: 'has-tar-dep',
    versions: [{ version: '1.0.0', packageJson: { dependencies: { 'tar-dep': tarballs.url } } }],
  });
  world.registry.addPackage({
    name: 'has-git-dep',
    versions: [{ version: '1.0.0', packageJson: { dependencies: { 'git-dep': repo.spec } } }],
  });
});
afterAll(async () => {
  await tarballs?.close();
  if (repoDir !== undefined) rmSync(repoDir, { recursive: true, force: true });
});

const fingerprintOf = (name: string, version: string) =>
  inspectTarball(world.registry.tarballOf(name, version)).installCode.fingerprint;

/** A shared global cache (enableGlobalCache), as on a developer's laptop. */
const globalCache = () => ({
  YARN_ENABLE_GLOBAL_CACHE: 'true',
  YARN_GLOBAL_FOLDER: path.join(world.sandbox.root, 'yarn-global'),
});

function runOpts(cwd: string, env: Record<string, string> = {}) {
  return {
    cwd,
    registry: world.registry.url,
    cacheDir: world.sandbox.cacheDir,
    env: { SUMGATE_CACHE_DIR: path.join(world.sandbox.root, 'sumgate-cache'), ...env },
  };
}

async function project(
  dir: string,
  dependencies: Record<string, string>,
  policy: Partial<PolicyOptions> = {},
  built: string[] = [],
  env: Record<string, string> = {},
): Promise<string> {
  const cwd = await makeProject({
    dir,
    packageManager: 'yarn',
    dependencies,
    packageJson:
      built.length === 0
        ? {}
        : { dependenciesMeta: Object.fromEntries(built.map((n) => [n, { built: true }])) },
  });
  await importPlugin(runOpts(cwd, env));
  writePolicy(cwd, { log: world.log, sources: [world.honest()], ...policy });
  return cwd;
}

const yarn = (cwd: string, env: Record<string, string> = {}, args = ['install']): Promise<RunResult> =>
  runYarn(args, runOpts(cwd, env));

describe('Yarn 4: the whole resolved graph is judged', () => {
  it('1. a package in a shared global cache, approved by project A, is refused in project B; its script never runs there', async () => {
    const approval = {
      approvals: [{ package: 'adds-script@1.1.0', installCode: fingerprintOf('adds-script', '1.1.0') }],
    };
    const a = await project(
      path.join(world.sandbox.root, 'a'),
      { 'adds-script': '1.1.0', plain: '1.0.0' },
      approval,
      ['adds-script'],
      globalCache(),
    );
    const first = await yarn(a, globalCache());
    expect(first.code, first.output).toBe(0);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);

    const b = await project(
      path.join(world.sandbox.root, 'b'),
      { 'adds-script': '1.1.0', plain: '1.0.0' },
      {},
      ['adds-script'],
      globalCache(),
    );
    world.registry.clearRequests();
    const r = await yarn(b, globalCache());
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('QUARANTINE_ADDED');
    expect(r.output).toContain('adds-script@1.1.0 is quarantined');
    expect(world.registry.tarballRequests().filter((u) => u.includes('adds-script-1.1.0'))).toEqual([]);
    expect(existsSync(path.join(b, 'node_modules/adds-script'))).toBe(false);
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(1);
  });

  it('2. a resolve without a lockfile reports every quarantined package in one run', async () => {
    const cwd = await project(
      world.sandbox.projectDir,
      { 'adds-script': '1.1.0', 'changes-script': '1.1.0', 'adds-gyp': '1.1.0' },
      {},
      ['adds-script', 'changes-script', 'adds-gyp'],
    );
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('adds-script@1.1.0 is quarantined');
    expect(r.output).toContain('changes-script@1.1.0 is quarantined');
    expect(r.output).toContain('adds-gyp@1.1.0 is quarantined');
    expect(markerRuns(world.markerDir, 'adds-script') + markerRuns(world.markerDir, 'changes-script')).toBe(
      0,
    );
  });

  it('3. a registry package that depends on a tarball URL or a git repository is refused, naming the parent; nothing of them runs', async () => {
    tarballs.host.clearRequests();
    for (const [dep, needle] of [
      ['has-tar-dep', `tar-dep@${tarballs.url} (a tarball URL, required by has-tar-dep@1.0.0)`],
      ['has-git-dep', `(a git repository, required by has-git-dep@1.0.0)`],
    ] as const) {
      const cwd = await project(path.join(world.sandbox.root, dep), { [dep]: '1.0.0' }, {}, [
        'tar-dep',
        'git-dep',
      ]);
      const r = await yarn(cwd);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('EXOTIC_SOURCE');
      expect(r.output).toContain(needle);
    }
    expect(tarballs.host.tarballRequests()).toEqual([]);
    expect(markerRuns(world.markerDir, 'tar-dep') + markerRuns(world.markerDir, 'git-dep')).toBe(0);
  });

  it('4. a direct tarball-URL dependency: refused unless listed; listed, its postinstall is quarantined; approved, it installs and builds', async () => {
    const cwd = await project(world.sandbox.projectDir, { 'tar-dep': tarballs.url }, {}, ['tar-dep']);
    const unlisted = await yarn(cwd);
    expect(unlisted.code).not.toBe(0);
    expect(unlisted.output).toContain(
      `tar-dep@${tarballs.url} (a tarball URL, a direct dependency of fixture-project)`,
    );

    const exotic = [{ package: 'tar-dep', spec: tarballs.url, integrity: tarballs.integrity }];
    writePolicy(cwd, { log: world.log, sources: [world.honest()], exotic });
    const quarantined = await yarn(cwd);
    expect(quarantined.code).not.toBe(0);
    expect(quarantined.output).toContain('QUARANTINE_FIRST');
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
    const approved = await yarn(cwd);
    expect(approved.code, approved.output).toBe(0);
    expect(markerRuns(world.markerDir, 'tar-dep'), approved.output).toBe(1);
  });

  it('5. a direct git dependency pinned to a commit: its prepare is quarantined until approved', async () => {
    const cwd = await project(
      world.sandbox.projectDir,
      { 'git-dep': repo.spec },
      { exotic: [{ package: 'git-dep', spec: repo.spec, commit: repo.commit }] },
      ['git-dep'],
    );
    const r = await yarn(cwd);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      'git-dep@1.0.0 is quarantined: it is an exotic dependency with install-time code (prepare)',
    );
    expect(markerRuns(world.markerDir, 'git-dep')).toBe(0);
  });

  it('6. (attack) an npm alias or a resolutions override cannot smuggle a quarantined version or a git repository past the gate', async () => {
    const aliased = await project(world.sandbox.projectDir, { innocent: 'npm:adds-script@1.1.0' }, {}, [
      'innocent',
    ]);
    const a = await yarn(aliased);
    expect(a.code).not.toBe(0);
    expect(a.output).toContain('adds-script@1.1.0 is quarantined');
    expect(markerRuns(world.markerDir, 'adds-script')).toBe(0);

    const dir = path.join(world.sandbox.root, 'override');
    const cwd = await makeProject({
      dir,
      packageManager: 'yarn',
      dependencies: { plain: '1.0.0' },
      packageJson: { resolutions: { plain: repo.spec }, dependenciesMeta: { plain: { built: true } } },
    });
    await importPlugin(runOpts(cwd));
    writePolicy(cwd, { log: world.log, sources: [world.honest()] });
    const r = await yarn(cwd);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('EXOTIC_SOURCE');
    expect(markerRuns(world.markerDir, 'git-dep')).toBe(0);
  });
});
