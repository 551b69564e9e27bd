/**
 * [network] A real install from https://registry.npmjs.org/ through the drop-in `.pnpmfile.cjs`,
 * with pnpm 10 and pnpm 12: a tree of about 50 real packages, the project's own checksum log on
 * 127.0.0.1 ingesting each version on demand from the registry, then a frozen reinstall (fresh
 * node_modules and store, same sumgate cache) that is proven from the cache alone.
 *
 * Needs the npm registry; skipped when SUMGATE_OFFLINE=1.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockedRegistryPackages, parsePnpmLockText } from '@sumgate/core';
import { makeProject, runPnpm } from '../harness/packageManagers.js';
import type { PnpmVersion, RunResult } from '../harness/packageManagers.js';
import { makeSandbox } from '../harness/sandbox.js';
import type { Sandbox } from '../harness/sandbox.js';
import { installPnpmfile, startLog, writePolicy } from '../harness/sumgate.js';
import type { TestLog } from '../harness/sumgate.js';

const NPM = 'https://registry.npmjs.org/';

/**
 * Pinned, mature, script-free libraries: 50 packages in all (yargs, glob and chalk bring the rest).
 * Transitive ranges may move to newer patch releases; every assertion is against the lockfile the
 * first install wrote, not a hard-coded list.
 */
const DEPENDENCIES = {
  chalk: '4.1.2',
  commander: '12.1.0',
  debug: '4.3.7',
  glob: '10.4.5',
  kleur: '4.1.5',
  ms: '2.1.3',
  semver: '7.6.3',
  yargs: '17.7.2',
};

/** `name@version` of every registry package the lockfile holds (the core's pnpm lockfile reader). */
function lockedPackages(lockfile: string): string[] {
  return lockedRegistryPackages(parsePnpmLockText(lockfile)).map((p) => `${p.name}@${p.version}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function verifiedFromNpm(output: string, pkg: string): boolean {
  return new RegExp(`sumgate: verified ${escapeRegExp(pkg)} from npmjs \\(log leaf \\d+\\)`).test(output);
}

describe.skipIf(process.env.SUMGATE_OFFLINE === '1')(
  '[network] pnpm through the sumgate pnpmfile, from registry.npmjs.org',
  () => {
    let log: TestLog;
    const sandboxes: Sandbox[] = [];

    beforeAll(async () => {
      // One log for both pnpm versions: pnpm 10's run ingests, pnpm 12's finds the records already logged.
      log = await startLog({ upstreams: [NPM], origin: 'network.sumgate.test/npm' });
    });

    afterAll(async () => {
      await log?.close();
      for (const s of sandboxes) s.remove();
    });

    it.each([10, 12] as const)(
      'pnpm %i: a real tree verified leaf by leaf, then a frozen reinstall from the sumgate cache',
      async (version: PnpmVersion) => {
        const sandbox = makeSandbox(`sumgate-net-${version}`);
        sandboxes.push(sandbox);
        const cwd = await makeProject({
          dir: sandbox.projectDir,
          packageManager: 'pnpm',
          dependencies: DEPENDENCIES,
        });
        writePolicy(cwd, { log, sources: [{ name: 'npmjs', url: NPM }] });
        installPnpmfile(cwd);
        const sumgateCache = path.join(sandbox.root, 'sumgate-cache');
        const pnpm = (args: string[], storeDir: string): Promise<RunResult> =>
          runPnpm(version, args, {
            cwd,
            registry: NPM,
            storeDir,
            cacheDir: sandbox.cacheDir,
            env: { SUMGATE_CACHE_DIR: sumgateCache },
            // the real registry can drop a connection; pnpm's retry waits are short for a few attempts
            fetchRetries: 2,
            timeoutMs: 90_000,
          });

        const first = await pnpm(['install'], sandbox.storeDir);
        expect(first.code, first.output).toBe(0);
        const locked = lockedPackages(readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8'));
        expect(locked.length, 'the tree is about 50 packages').toBeGreaterThanOrEqual(40);
        expect(locked).toContain('yargs@17.7.2');
        const unverified = locked.filter((pkg) => !verifiedFromNpm(first.output, pkg));
        expect(unverified, first.output).toEqual([]);
        expect(first.output).not.toContain('sumgate warning');

        // CI: a fresh checkout (no node_modules) and a fresh store, with the sumgate cache restored.
        rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
        const frozen = await pnpm(['install', '--frozen-lockfile'], path.join(sandbox.root, 'fresh-store'));
        expect(frozen.code, frozen.output).toBe(0);
        expect(frozen.output).toContain(
          `sumgate: ${locked.length} locked packages verified against the checksum log`,
        );
        // every locked version was proven before, so no log round trip was needed
        expect(frozen.output).not.toMatch(/sumgate: proving \d+ of/);
        const refetched = locked.filter((pkg) => !verifiedFromNpm(frozen.output, pkg));
        expect(refetched, frozen.output).toEqual([]);
        expect(readFileSync(path.join(cwd, 'node_modules/yargs/package.json'), 'utf8')).toContain(
          '"version": "17.7.2"',
        );
      },
      150_000,
    );
  },
);
