/**
 * Issue 11's attacks through real pnpm 10, pnpm 12 and Yarn 4 with sumgate: each attacked version
 * hides its payload where the v1 fingerprint did not look; v2 quarantines it and no marker runs.
 */
import { describe, expect, it } from 'vitest';
import { markerRuns } from '../harness/markers.js';
import { INSTALLERS, makeInstallProject } from './installers.js';
import { useAttackWorld } from './world.js';

const world = useAttackWorld('sumgate-install-code');

const ATTACKS = [
  {
    pkg: 'helper-change',
    what: 'a helper the hook requires changed',
    expect: 'helper-change@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
  },
  {
    pkg: 'dir-main',
    what: '`node lib` with a new lib/package.json main',
    expect: 'dir-main@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
  },
  {
    pkg: 'gyp-off',
    what: '"gypfile": false beside a binding.gyp',
    expect: 'gyp-off@1.1.0 is quarantined: it adds install-time code (node-gyp) that 1.0.0 did not have',
  },
  {
    pkg: 'gyp-explicit',
    what: 'an explicit node-gyp rebuild with a changed binding.gyp',
    expect: 'gyp-explicit@1.1.0 is quarantined: its install-time code (install) changed since 1.0.0',
  },
  {
    pkg: 'bin-node',
    what: 'a new dependency shipping a `node` bin',
    expect: 'bin-node@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
  },
  {
    pkg: 'self-import',
    what: "the installer imported by the package's own name through exports (puppeteer)",
    expect: 'self-import@1.1.0 is quarantined: its install-time code (postinstall) changed since 1.0.0',
  },
] as const;

describe.each(INSTALLERS)('%s with sumgate: install code v2 attacks', (pm) => {
  it.each(ATTACKS)('$pkg@1.1.0 ($what) is quarantined and nothing runs', async ({ pkg, expect: message }) => {
    const project = await makeInstallProject(world, pm, { [pkg]: '1.1.0' }, [pkg, 'fake-node']);
    const r = await project.install();
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain(message);
    expect(markerRuns(world.markerDir, pkg)).toBe(0);
    expect(markerRuns(world.markerDir, `${pkg}-ok`)).toBe(0);
  });
});

/** Asking for nothing: a release whose hook and code differ only in the version and formatting passes, and its hook runs. */
describe.each(INSTALLERS)(
  '%s with sumgate: the same install code, reformatted, with the new version',
  (pm) => {
    it('reformat@1.1.0 is not quarantined and its postinstall runs', async () => {
      const project = await makeInstallProject(world, pm, { reformat: '1.1.0' }, ['reformat']);
      const r = await project.install();
      expect(r.code, r.output).toBe(0);
      expect(markerRuns(world.markerDir, 'reformat-ok'), r.output).toBe(1);
    });
  },
);

/** The control: without sumgate, the package managers run these payloads (the attacks are real). */
describe.each(INSTALLERS)('%s without sumgate: the payloads run', (pm) => {
  it.each(['helper-change', 'dir-main', 'self-import'])('%s@1.1.0 runs its payload', async (pkg) => {
    const project = await makeInstallProject(world, pm, { [pkg]: '1.1.0' }, [pkg], false);
    const r = await project.install();
    expect(markerRuns(world.markerDir, pkg), r.output).toBeGreaterThan(0);
  });

  // pnpm 10 and Yarn 4 put the dependency's `node` first on the hook's PATH; pnpm 12 runs its own node
  it(`bin-node@1.1.0: the hook's \`node\` is ${pm === 'pnpm 12' ? 'the real node' : "the dependency's bin"}`, async () => {
    const project = await makeInstallProject(
      world,
      pm,
      { 'bin-node': '1.1.0' },
      ['bin-node', 'fake-node'],
      false,
    );
    const r = await project.install();
    expect(markerRuns(world.markerDir, 'bin-node'), r.output).toBe(pm === 'pnpm 12' ? 0 : 1);
    expect(markerRuns(world.markerDir, 'bin-node-ok'), r.output).toBe(pm === 'pnpm 12' ? 1 : 0);
  });
});

/**
 * What each package manager does with `"gypfile": false` beside a binding.gyp, measured (no network
 * here, so node-gyp cannot fetch headers and stops before configure; that it starts is the point):
 * pnpm 10 runs node-gyp rebuild, Yarn 4 tries to (`yarn run node-gyp`), pnpm 12 does not build.
 * sumgate takes the union: the implicit build counts whenever there is no install script.
 */
describe.each(INSTALLERS)('%s without sumgate: gypfile false beside binding.gyp', (pm) => {
  it(pm === 'pnpm 12' ? 'does not run node-gyp' : 'runs node-gyp anyway', async () => {
    const project = await makeInstallProject(world, pm, { 'gyp-off': '1.1.0' }, ['gyp-off'], false);
    const r = await project.install();
    if (pm === 'pnpm 10')
      expect(r.output).toMatch(/gyp-off install: gyp ERR! command .*node-gyp\.js" "rebuild"/);
    if (pm === 'yarn 4')
      expect(r.output).toContain(
        'Couldn\'t find a script name "node-gyp" in the top-level (used by gyp-off@npm:1.1.0)',
      );
    if (pm === 'pnpm 12') {
      expect(r.code, r.output).toBe(0);
      expect(r.output).not.toContain('node-gyp');
    }
  });
});
