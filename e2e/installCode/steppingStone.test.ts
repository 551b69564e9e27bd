/**
 * The stepping stone through real pnpm 10, pnpm 12 and Yarn 4: stepping-stone 1.0.0 has no install
 * code, 1.0.1 adds a postinstall, 1.0.2 keeps it an hour later. A project on ^1.0.0 resolves 1.0.2,
 * whose code equals its predecessor's; compared with the established baseline 1.0.0 it is ADDED,
 * and the message names 1.0.1. An approval of 1.0.1 carries forward to 1.0.2.
 *
 * Then through a mirror that hides versions from its packuments: the versions walked come from the
 * log's list too (GET /versions/), so hiding the stepping stone, or everything but 1.0.2, changes
 * neither the baseline nor the version named. A log older than that list degrades to the mirror's
 * packument, with a note (`sumgate explain`). The other way round, a log that leaves the stepping
 * stone out of its list is outvoted by the honest source's packument, and a log whose list fails
 * stops the install (LOG_UNREACHABLE) without that failure being remembered.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectTarball } from '@sumgate/core';
import { startMirror } from '../harness/fixtureRegistry.js';
import type { FixtureRegistry } from '../harness/fixtureRegistry.js';
import { markerRuns } from '../harness/markers.js';
import { startVersionListProxy } from '../harness/versionListProxy.js';
import type { VersionListProxy } from '../harness/versionListProxy.js';
import { INSTALLERS, makeInstallProject } from './installers.js';
import type { Installer, ProjectWiring } from './installers.js';
import { useAttackWorld } from './world.js';

const world = useAttackWorld('sumgate-stepping-stone');
const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/cli/dist/sumgate.js');
const NAMED =
  'stepping-stone@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; this install-time code first appeared in 1.0.1, published 60 minutes before 1.0.2';
/** A project on stepping-stone ^1.0.0 with sumgate (its postinstall allowed to build), wired as given. */
const steppingStoneProject = (pm: Installer, wiring: ProjectWiring = {}) =>
  makeInstallProject(world, pm, { 'stepping-stone': '^1.0.0' }, ['stepping-stone'], true, wiring);

describe.each(INSTALLERS)('%s with sumgate: the stepping stone', (pm) => {
  it('1.0.2 is quarantined as ADDED naming 1.0.1; an approval of 1.0.1 carries to 1.0.2', async () => {
    const project = await steppingStoneProject(pm);
    const r = await project.install();
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('QUARANTINE_ADDED');
    expect(r.output).toContain(
      'stepping-stone@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; this install-time code first appeared in 1.0.1, published 60 minutes before 1.0.2',
    );
    expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);
    // Again over the same sumgate cache: the walk past 1.0.1 is not cached, so 1.0.1 is named again.
    const again = await project.install();
    expect(again.code, again.output).not.toBe(0);
    expect(again.output).toContain(NAMED);
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

describe('a mirror hiding versions from its packuments', () => {
  const mirrors: Record<string, FixtureRegistry> = {};
  let older: VersionListProxy;
  beforeAll(async () => {
    mirrors['the stepping stone'] = await startMirror(world.registry, {
      hide: (name, version) => name === 'stepping-stone' && version === '1.0.1',
    });
    mirrors['every version but 1.0.2'] = await startMirror(world.registry, {
      hide: (name, version) => name === 'stepping-stone' && version !== '1.0.2',
    });
    older = await startVersionListProxy(world.log, { how: 'older' });
  });
  afterAll(async () => {
    await Promise.all([...Object.values(mirrors).map((m) => m.close()), older?.close()]);
  });

  describe.each(INSTALLERS)('%s with sumgate', (pm) => {
    it.each(['the stepping stone', 'every version but 1.0.2'])(
      'hiding %s: 1.0.2 is still ADDED against 1.0.0 and the message names 1.0.1 (from the log list)',
      async (hidden) => {
        const mirror = mirrors[hidden]!;
        const project = await steppingStoneProject(pm, { registry: mirror.url });
        mirror.clearRequests();
        const r = await project.install();
        expect(r.code, r.output).not.toBe(0);
        expect(r.output).toContain('QUARANTINE_ADDED');
        expect(r.output).toContain(NAMED);
        expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);
        // The mirror really hid them: the package manager resolved 1.0.2 from a packument without 1.0.1.
        expect(mirror.packumentRequests().length).toBeGreaterThan(0);
        expect(mirror.tarballRequests().some((t) => t.includes('stepping-stone-1.0.1'))).toBe(false);
      },
    );

    it('an older log without the list: the mirror hides 1.0.1 from the message, with a note saying why', async () => {
      const mirror = mirrors['the stepping stone']!;
      const project = await steppingStoneProject(pm, { registry: mirror.url, log: older });
      const before = older.changed.length;
      const r = await project.install();
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain(
        'stepping-stone@1.0.2 is quarantined: it adds install-time code (postinstall) that 1.0.0 did not have; nothing was run',
      );
      expect(r.output).not.toContain('first appeared');
      expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);
      expect(older.changed.length).toBeGreaterThan(before);
      // explain (on a cache of its own, as on another machine) says why.
      const explained = await promisify(execFile)(
        process.execPath,
        [cli, 'explain', 'stepping-stone@1.0.2'],
        {
          cwd: project.cwd,
          env: { ...process.env, SUMGATE_CACHE_DIR: path.join(world.sandbox.root, 'explain-cache') },
        },
      ).catch((e: { stdout?: string; stderr?: string; code?: number }) => e);
      expect(explained.stdout).toContain('QUARANTINE_ADDED');
      expect(explained.stdout).toContain(
        `the checksum log ${older.url} does not list versions (HTTP 404 on GET /versions/: a log older than this client), so the versions stepping-stone@1.0.2 was compared with come from the packument of the source fixture only`,
      );
    });
  });
});

describe('a log whose version list is wrong or failing, behind an honest source', () => {
  let omitting: VersionListProxy;
  let failing: VersionListProxy;
  beforeAll(async () => {
    omitting = await startVersionListProxy(world.log, { how: 'omit', omit: (v) => v === '1.0.1' });
    failing = await startVersionListProxy(world.log, { how: 'fail' });
  });
  afterAll(async () => {
    await Promise.all([omitting?.close(), failing?.close()]);
  });

  describe.each(INSTALLERS)('%s with sumgate', (pm) => {
    it('a log leaving 1.0.1 out of its list: the source lists it, so the message still names it', async () => {
      const project = await steppingStoneProject(pm, { log: omitting });
      const before = omitting.changed.length;
      const r = await project.install();
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain('QUARANTINE_ADDED');
      expect(r.output).toContain(NAMED);
      expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);
      expect(omitting.changed.length).toBeGreaterThan(before);
    });

    it('a log failing its list: the install stops (LOG_UNREACHABLE, nothing run), and the failure is not remembered', async () => {
      const project = await steppingStoneProject(pm, { log: failing });
      const before = failing.changed.length;
      const r = await project.install();
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain('LOG_UNREACHABLE');
      expect(r.output).toContain('stepping-stone@1.0.2');
      expect(r.output).not.toContain('QUARANTINE_ADDED');
      expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);
      expect(failing.changed.length).toBeGreaterThan(before);
      // The same project and sumgate cache, the real log: decided in full, as if it never failed.
      project.policy({ log: world.log });
      const healed = await project.install();
      expect(healed.code, healed.output).not.toBe(0);
      expect(healed.output).toContain(NAMED);
      expect(markerRuns(world.markerDir, 'stepping-stone')).toBe(0);
    });
  });
});
