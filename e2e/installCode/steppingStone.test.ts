/**
 * The stepping stone through real pnpm 10, pnpm 12 and Yarn 4: stepping-stone 1.0.0 has no install
 * code, 1.0.1 adds a postinstall, 1.0.2 keeps it an hour later. A project on ^1.0.0 resolves 1.0.2,
 * whose code equals its predecessor's; compared with the established baseline 1.0.0 it is ADDED,
 * and the message names 1.0.1. An approval of 1.0.1 carries forward to 1.0.2.
 */
import { describe, expect, it } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { markerRuns } from '../harness/markers.js';
import { INSTALLERS, makeInstallProject } from './installers.js';
import { useAttackWorld } from './world.js';

const world = useAttackWorld('sumgate-stepping-stone');

describe.each(INSTALLERS)('%s with sumgate: the stepping stone', (pm) => {
  it('1.0.2 is quarantined as ADDED naming 1.0.1; an approval of 1.0.1 carries to 1.0.2', async () => {
    const project = await makeInstallProject(world, pm, { 'stepping-stone': '^1.0.0' }, ['stepping-stone']);
    const r = await project.install();
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('QUARANTINE_ADDED');
    expect(r.output).toContain(
      'stepping-stone@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; this install-time code first appeared in 1.0.1, published 60 minutes before 1.0.2',
    );
    expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);

    const fingerprint = inspectTarball(world.registry.tarballOf('stepping-stone', '1.0.1')).installCode
      .fingerprint;
    expect(inspectTarball(world.registry.tarballOf('stepping-stone', '1.0.2')).installCode.fingerprint).toBe(
      fingerprint,
    );
    project.policy({ approvals: [{ package: 'stepping-stone@1.0.1', installCode: fingerprint }] });
    const approved = await project.install();
    expect(approved.code, approved.output).toBe(0);
    expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(1);
  });
});
