/**
 * The config-dependency route: `pnpm add --config pnpm-plugin-sumgate`, with the plugin served by a
 * registry like any package, then real installs gated by it on pnpm 10 and 12.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixtureRegistry } from '../harness/fixtureRegistry.js';
import type { FixtureRegistry } from '../harness/fixtureRegistry.js';
import { makeMarkerDir, markerRuns } from '../harness/markers.js';
import { makeProject, runPnpm } from '../harness/packageManagers.js';
import type { PnpmVersion } from '../harness/packageManagers.js';
import { makeSandbox } from '../harness/sandbox.js';
import type { Sandbox } from '../harness/sandbox.js';
import { pnpmfileBundle, startLog, writePolicy } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';
import { fixturePackages } from '../harness/fixturePackages.js';

let markerDir: string;
let registry: FixtureRegistry;
let log: TestLog;
let sandbox: Sandbox;

beforeAll(async () => {
  markerDir = makeMarkerDir();
  const manifest = JSON.parse(
    readFileSync(path.join(path.dirname(pnpmfileBundle()), 'package.json'), 'utf8'),
  ) as { version: string };
  registry = await startFixtureRegistry({
    packages: [
      ...fixturePackages(markerDir).filter((p) => !p.name.startsWith('@private/')),
      {
        name: 'pnpm-plugin-sumgate',
        versions: [
          {
            version: manifest.version,
            packageJson: { main: 'pnpmfile.cjs' },
            files: { 'pnpmfile.cjs': readFileSync(pnpmfileBundle()) },
          },
        ],
      },
    ],
  });
  log = await startLog({ upstreams: [registry.url] });
});

afterAll(async () => {
  await Promise.all([registry?.close(), log?.close()]);
  rmSync(markerDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox = makeSandbox('sumgate-pnpm-config');
  for (const f of readdirSync(markerDir)) rmSync(path.join(markerDir, f), { force: true });
});
afterEach(() => sandbox.remove());

const pnpm = (version: PnpmVersion, cwd: string, args: string[]) =>
  runPnpm(version, args, {
    cwd,
    registry: registry.url,
    storeDir: sandbox.storeDir,
    cacheDir: sandbox.cacheDir,
    env: { SUMGATE_CACHE_DIR: path.join(sandbox.root, 'sumgate-cache') },
  });

describe.each([10, 12] as const)('pnpm %i with pnpm-plugin-sumgate as a config dependency', (version) => {
  it('installs the plugin with `pnpm add --config`, then verifies and quarantines like the drop-in pnpmfile', async () => {
    const cwd = await makeProject({
      dir: sandbox.projectDir,
      packageManager: 'pnpm',
      dependencies: { plain: '1.0.0' },
      pnpmSettings: { allowBuilds: { 'adds-script': true } },
    });
    writePolicy(cwd, { log, sources: [{ name: 'fixture', url: registry.url }] });
    const added = await pnpm(version, cwd, ['add', '--config', 'pnpm-plugin-sumgate']);
    expect(added.code, added.output).toBe(0);
    expect(readFileSync(path.join(cwd, 'pnpm-workspace.yaml'), 'utf8')).toContain('pnpm-plugin-sumgate');
    expect(existsSync(path.join(cwd, '.pnpmfile.cjs'))).toBe(false);

    const ok = await pnpm(version, cwd, ['install']);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toMatch(/sumgate: verified plain@1\.0\.0 from fixture \(log leaf \d+\)/);

    const refused = await pnpm(version, cwd, ['add', 'adds-script@1.1.0']);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('adds-script@1.1.0 is quarantined');
    expect(markerRuns(markerDir, 'adds-script')).toBe(0);
  });
});
