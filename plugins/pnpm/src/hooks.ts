import { matchesDeny } from '@sumgate/core';
import { toPnpmError } from './hostError.js';
import { lockedRegistryPackages } from './lockedPackages.js';
import { gateFor } from './session.js';
import type { Cafs, FetchOpts, TarballResolution } from './verifyingFetcher.js';
import { fetchVerified, isRegistryTarball } from './verifyingFetcher.js';

interface PreResolutionContext {
  wantedLockfile?: { packages?: Record<string, unknown> };
  lockfileDir?: string;
  registries?: { default?: string };
}

/**
 * Before any download, on every install (frozen CI installs too): every locked registry package
 * must be in the checksum log with the lockfile's integrity, and pass the quarantine rules on the
 * install-time code the log recorded from the real tarball. Throwing here aborts with zero tarball requests.
 */
export async function preResolution(ctx: PreResolutionContext, logger?: { info(m: string): void }): Promise<void> {
  try {
    const gate = gateFor(ctx.lockfileDir, ctx.registries?.default);
    if (!gate.enabled) return;
    const locked = lockedRegistryPackages(ctx.wantedLockfile as Parameters<typeof lockedRegistryPackages>[0]);
    if (locked.length === 0) return;
    const { count, fromMemo } = await gate.checkLocked(locked);
    const line = `sumgate: ${count} locked packages verified against the checksum log${fromMemo ? ' (this lockfile, already verified under this policy)' : ''}`;
    if (logger !== undefined) logger.info(line);
    else console.error(line);
  } catch (e) {
    throw toPnpmError(e);
  }
}

/** Cheap checks for newly resolved packages: denials. Never relies on `scripts` (metadata is not the tarball). */
export function readPackage<T extends { name?: string; version?: string }>(pkg: T): T {
  if (pkg.name === undefined || pkg.version === undefined) return pkg;
  const gate = gateFor(undefined);
  const denied = gate.enabled ? gate.policy.deny.find((d) => matchesDeny(pkg.name!, pkg.version!, d)) : undefined;
  if (denied !== undefined) {
    const err = new Error(`sumgate DENIED: ${pkg.name}@${pkg.version} is denied by the policy entry "${denied}"`) as Error & { code?: string; hint?: string };
    err.code = 'SUMGATE_DENIED';
    err.hint = `use another version, or remove "${denied}" from "deny" in ${gate.policy.file}`;
    err.stack = err.message;
    throw err;
  }
  return pkg;
}

type PnpmFetcher = (cafs: Cafs, resolution: TarballResolution, opts: FetchOpts) => Promise<unknown>;

/** pnpm 10: `hooks.fetchers.remoteTarball` wraps the default fetchers. */
export const pnpm10Fetchers = {
  remoteTarball: ({ defaultFetchers }: { defaultFetchers: { remoteTarball: PnpmFetcher; localTarball: PnpmFetcher } }): PnpmFetcher =>
    async (cafs, resolution, opts) => {
      if (!isRegistryTarball(resolution) || !gateFor(opts.lockfileDir).enabled) return defaultFetchers.remoteTarball(cafs, resolution, opts);
      return fetchVerified(cafs, resolution, opts, defaultFetchers.localTarball);
    },
};

/** pnpm 12: top-level `fetchers`, each with `canFetch` and `fetch`. */
export const pnpm12Fetchers = [
  {
    canFetch(_pkgId: string, resolution: TarballResolution): boolean {
      return isRegistryTarball(resolution);
    },
    async fetch(cafs: Cafs, resolution: TarballResolution, opts: FetchOpts, fetchers?: { localTarball?: PnpmFetcher }): Promise<unknown> {
      if (!gateFor(opts.lockfileDir).enabled) return { delegate: resolution };
      return fetchVerified(cafs, resolution, opts, fetchers?.localTarball);
    },
  },
];
