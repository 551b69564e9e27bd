/**
 * Baseline: the harness with PLAIN package managers (no sumgate). It proves the fixtures are
 * realistic enough that the sumgate scenarios mean something: real pnpm 10, pnpm 12 and Yarn 4 install
 * from the fixture registry, run (or refuse) install scripts as their own controls say, follow the
 * tarball over the metadata (manifest confusion), reject a tampering mirror where they check
 * integrity, and install through a real Verdaccio.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixtureRegistry, startTamperingMirror } from '../harness/fixtureRegistry.js';
import type { FixtureRegistry } from '../harness/fixtureRegistry.js';
import { makeMarkerDir, markerInstallScript, markerRuns } from '../harness/markers.js';
import { makeProject, runPnpm, runYarn } from '../harness/packageManagers.js';
import type { PnpmVersion, RunResult } from '../harness/packageManagers.js';
import { makeSandbox } from '../harness/sandbox.js';
import type { Sandbox } from '../harness/sandbox.js';
import { startVerdaccio } from '../harness/verdaccio.js';

const markerDir = makeMarkerDir();
const builds = markerInstallScript(markerDir, 'builds');
const confused = markerInstallScript(markerDir, 'confused');

let registry: FixtureRegistry;
let sandbox: Sandbox;

beforeAll(async () => {
  registry = await startFixtureRegistry({
    packages: [
      // An honest package with a postinstall that writes the `builds` marker.
      {
        name: 'builds',
        versions: [{ version: '1.0.0', packageJson: { scripts: builds.scripts }, files: builds.files }],
      },
      // Manifest confusion: the tarball has a postinstall, the registry metadata shows none.
      {
        name: 'confused',
        versions: [
          {
            version: '1.0.0',
            packageJson: { scripts: confused.scripts },
            files: confused.files,
            metadataOverride: { scripts: {} },
          },
        ],
      },
      // A scoped package with a dependency, no scripts.
      {
        name: '@acme/util',
        versions: [
          {
            version: '1.0.0',
            packageJson: { dependencies: { plain: '^1.0.0' } },
            files: { 'index.js': 'module.exports = 1;\n' },
          },
        ],
      },
      {
        name: 'plain',
        versions: [{ version: '1.0.0', files: { 'index.js': 'module.exports = "plain";\n' } }],
      },
      // 1.1.0 was published a minute ago: inside every default release-age gate.
      {
        name: 'fresh',
        versions: [
          { version: '1.0.0' },
          { version: '1.1.0', publishedAt: new Date(Date.now() - 60_000).toISOString() },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await registry.close();
  rmSync(markerDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox = makeSandbox('sumgate-baseline');
  rmSync(markerDir, { recursive: true, force: true });
  registry.clearRequests();
});

afterEach(() => sandbox.remove());

const pnpm = (version: PnpmVersion, cwd: string, registryUrl = registry.url): Promise<RunResult> =>
  runPnpm(version, ['install'], {
    cwd,
    registry: registryUrl,
    storeDir: sandbox.storeDir,
    cacheDir: sandbox.cacheDir,
  });

const yarn = (
  cwd: string,
  registryUrl = registry.url,
  env?: Record<string, string | undefined>,
): Promise<RunResult> =>
  runYarn(['install'], {
    cwd,
    registry: registryUrl,
    cacheDir: sandbox.cacheDir,
    ...(env === undefined ? {} : { env }),
  });

function installedVersion(project: string, name: string): string {
  const manifest = JSON.parse(
    readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

describe('the fixture registry speaks the registry protocol', () => {
  it('hides the tarball script from both metadata forms of the confused package', async () => {
    const full = (await (await fetch(`${registry.url}confused`)).json()) as {
      versions: Record<string, Record<string, unknown>>;
    };
    const corgiRes = await fetch(`${registry.url}confused`, {
      headers: { accept: 'application/vnd.npm.install-v1+json' },
    });
    const corgi = (await corgiRes.json()) as { versions: Record<string, Record<string, unknown>> };
    expect(full.versions['1.0.0']?.scripts).toEqual({});
    expect(corgiRes.headers.get('content-type')).toBe('application/vnd.npm.install-v1+json');
    expect(corgi.versions['1.0.0']?.hasInstallScript).toBeUndefined();
    const honest = (await (
      await fetch(`${registry.url}builds`, { headers: { accept: 'application/vnd.npm.install-v1+json' } })
    ).json()) as {
      versions: Record<string, Record<string, unknown>>;
    };
    expect(honest.versions['1.0.0']?.hasInstallScript).toBe(true);
    expect(honest.versions['1.0.0']?.scripts).toBeUndefined();
  });
});

describe.each([10, 12] as const)('pnpm %i', (version) => {
  it('runs an allowed postinstall (allowBuilds)', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'pnpm',
      dependencies: { builds: '1.0.0', '@acme/util': '^1.0.0' },
      pnpmSettings: { allowBuilds: { builds: true } },
    });
    const result = await pnpm(version, cwd);
    expect(result.code, result.output).toBe(0);
    expect(markerRuns(markerDir, 'builds')).toBe(1);
    expect(installedVersion(cwd, '@acme/util')).toBe('1.0.0');
    const lockfile = readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8');
    expect(lockfile).toContain(registry.integrityOf('builds', '1.0.0'));
    expect(lockfile).toContain(registry.integrityOf('@acme/util', '1.0.0'));
    expect(registry.tarballRequests().sort()).toEqual([
      '/@acme/util/-/util-1.0.0.tgz',
      '/builds/-/builds-1.0.0.tgz',
      '/plain/-/plain-1.0.0.tgz',
    ]);
    // Only the three packuments: no update-notifier lookup of `pnpm` (pnpm 12 does one unless disabled).
    expect(registry.packumentRequests().map(decodeURIComponent).sort()).toEqual([
      '/@acme/util',
      '/builds',
      '/plain',
    ]);
    expect(registry.requests.every((r) => !r.hasAuthorization)).toBe(true);
  });

  it('does not run a postinstall that is not allowed', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'pnpm',
      dependencies: { builds: '1.0.0' },
    });
    const result = await pnpm(version, cwd);
    if (version === 10) {
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('Ignored build scripts: builds');
    } else {
      // pnpm 12 fails the install, but only after linking.
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain('ERR_PNPM_IGNORED_BUILDS');
    }
    expect(existsSync(path.join(cwd, 'node_modules', 'builds', 'install.js'))).toBe(true);
    expect(markerRuns(markerDir, 'builds')).toBe(0);
  });

  it(`${version === 10 ? 'honours' : 'silently ignores'} onlyBuiltDependencies`, async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'pnpm',
      dependencies: { builds: '1.0.0' },
      pnpmSettings: { onlyBuiltDependencies: ['builds'] },
    });
    const result = await pnpm(version, cwd);
    expect(markerRuns(markerDir, 'builds'), result.output).toBe(version === 10 ? 1 : 0);
  });

  it('runs the tarball postinstall that the metadata hides (manifest confusion)', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'pnpm',
      dependencies: { confused: '1.0.0' },
      pnpmSettings: { allowBuilds: { confused: true } },
    });
    const result = await pnpm(version, cwd);
    expect(result.code, result.output).toBe(0);
    expect(markerRuns(markerDir, 'confused')).toBe(1);
  });

  it('rejects a mirror serving tampered bytes under the honest integrity, before any script', async () => {
    const mirror = await startTamperingMirror(registry);
    try {
      const cwd = await makeProject({
        dir: sandbox.projectDir,
        packageManager: 'pnpm',
        dependencies: { builds: '1.0.0' },
        pnpmSettings: { allowBuilds: { builds: true } },
      });
      const result = await pnpm(version, cwd, mirror.url);
      expect(result.code, result.output).toBe(1);
      // pnpm 10: ERR_PNPM_TARBALL_INTEGRITY; pnpm 12 reports its own code with the same hashes.
      expect(result.output).toContain(
        version === 10 ? 'ERR_PNPM_TARBALL_INTEGRITY' : 'ERR_PNPM_TARBALL_SIBLING_FETCH_FAILED',
      );
      expect(result.output).toContain(registry.integrityOf('builds', '1.0.0'));
      expect(result.output).toContain(mirror.servedIntegrityOf('builds', '1.0.0'));
      expect(mirror.tarballRequests()).toEqual(['/builds/-/builds-1.0.0.tgz']);
      expect(registry.requests).toEqual([]);
      expect(markerRuns(markerDir, 'builds')).toBe(0);
      expect(result.durationMs).toBeLessThan(10_000); // fetch-retries=0: no 10 s + 60 s backoff
    } finally {
      await mirror.close();
    }
  });
});

describe('release-age gates see the fixture publish times', () => {
  it('pnpm 12 (built-in 1440 min) skips a version published a minute ago; pnpm 10 takes it', async () => {
    const cwd12 = await makeProject({
      dir: path.join(sandbox.root, 'p12'),
      packageManager: 'pnpm',
      dependencies: { fresh: '^1.0.0' },
    });
    const cwd10 = await makeProject({
      dir: path.join(sandbox.root, 'p10'),
      packageManager: 'pnpm',
      dependencies: { fresh: '^1.0.0' },
    });
    const r12 = await pnpm(12, cwd12);
    const r10 = await pnpm(10, cwd10);
    expect(r12.code, r12.output).toBe(0);
    expect(r10.code, r10.output).toBe(0);
    expect(installedVersion(cwd12, 'fresh')).toBe('1.0.0');
    expect(installedVersion(cwd10, 'fresh')).toBe('1.1.0');
  });

  it('Yarn 4 takes it with the harness default (gate 0) and skips it with its own 1-day default', async () => {
    const open = await makeProject({
      dir: path.join(sandbox.root, 'open'),
      packageManager: 'yarn',
      dependencies: { fresh: '^1.0.0' },
    });
    const gated = await makeProject({
      dir: path.join(sandbox.root, 'gated'),
      packageManager: 'yarn',
      dependencies: { fresh: '^1.0.0' },
    });
    const rOpen = await yarn(open);
    const rGated = await yarn(gated, registry.url, { YARN_NPM_MINIMAL_AGE_GATE: undefined });
    expect(rOpen.code, rOpen.output).toBe(0);
    expect(rGated.code, rGated.output).toBe(0);
    expect(installedVersion(open, 'fresh')).toBe('1.1.0');
    expect(installedVersion(gated, 'fresh')).toBe('1.0.0');
  });
});

describe('Yarn 4', () => {
  it('runs a postinstall marked built: true in dependenciesMeta', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'yarn',
      dependencies: { builds: '1.0.0', '@acme/util': '^1.0.0' },
      packageJson: { dependenciesMeta: { builds: { built: true } } },
    });
    const result = await yarn(cwd);
    expect(result.code, result.output).toBe(0);
    expect(markerRuns(markerDir, 'builds')).toBe(1);
    expect(installedVersion(cwd, 'plain')).toBe('1.0.0');
    expect(readFileSync(path.join(cwd, 'yarn.lock'), 'utf8')).toContain('resolution: "@acme/util@npm:1.0.0"');
    // Yarn asks for full documents and encodes the scope separator in tarball paths too.
    expect(registry.tarballRequests().sort()).toEqual([
      '/@acme%2futil/-/util-1.0.0.tgz',
      '/builds/-/builds-1.0.0.tgz',
      '/plain/-/plain-1.0.0.tgz',
    ]);
  });

  it('does not run a postinstall by default (enableScripts is off)', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'yarn',
      dependencies: { builds: '1.0.0' },
    });
    const result = await yarn(cwd);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('YN0004');
    expect(existsSync(path.join(cwd, 'node_modules', 'builds', 'install.js'))).toBe(true);
    expect(markerRuns(markerDir, 'builds')).toBe(0);
  });

  it('runs the tarball postinstall that the metadata hides (manifest confusion)', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'yarn',
      dependencies: { confused: '1.0.0' },
      packageJson: { dependenciesMeta: { confused: { built: true } } },
    });
    const result = await yarn(cwd);
    expect(result.code, result.output).toBe(0);
    expect(markerRuns(markerDir, 'confused')).toBe(1);
  });

  it('installs tampered bytes from a mirror without noticing: it keeps no npm integrity', async () => {
    const mirror = await startTamperingMirror(registry);
    try {
      const cwd = await makeProject({
        dir: sandbox.projectDir,
        packageManager: 'yarn',
        dependencies: { plain: '1.0.0' },
      });
      const result = await yarn(cwd, mirror.url);
      expect(result.code, result.output).toBe(0);
      expect(mirror.tarballRequests()).toEqual(['/plain/-/plain-1.0.0.tgz']);
      expect(existsSync(path.join(cwd, 'node_modules', 'plain', 'tampered.js'))).toBe(true);
    } finally {
      await mirror.close();
    }
  });
});

describe('Verdaccio as an honest mirror', () => {
  it('proxies fixture packages, and pnpm 10 installs through it with the upstream integrity', async () => {
    const verdaccio = await startVerdaccio({
      uplink: registry.url,
      storageDir: path.join(sandbox.root, 'verdaccio'),
    });
    try {
      const cwd = await makeProject({
        dir: sandbox.projectDir,
        packageManager: 'pnpm',
        dependencies: { '@acme/util': '1.0.0', builds: '1.0.0' },
        pnpmSettings: { allowBuilds: { builds: true } },
      });
      const result = await pnpm(10, cwd, verdaccio.url);
      expect(result.code, result.output).toBe(0);
      expect(markerRuns(markerDir, 'builds')).toBe(1);
      const lockfile = readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8');
      expect(lockfile).toContain(registry.integrityOf('@acme/util', '1.0.0'));
      expect(lockfile).toContain(registry.integrityOf('plain', '1.0.0'));
      // The fixture registry saw Verdaccio fetch metadata and tarballs; pnpm never talked to it.
      expect(registry.packumentRequests().length).toBeGreaterThan(0);
      expect(registry.tarballRequests().sort()).toEqual([
        '/@acme/util/-/util-1.0.0.tgz',
        '/builds/-/builds-1.0.0.tgz',
        '/plain/-/plain-1.0.0.tgz',
      ]);
      expect(registry.requests.every((r) => String(r.headers.via ?? '').includes('(Verdaccio)'))).toBe(true);
    } finally {
      await verdaccio.close();
    }
  });
});
