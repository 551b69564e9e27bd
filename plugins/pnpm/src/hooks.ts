import { toPnpmError } from './hostError.js';
import { graphGuardFor, gateFor } from './session.js';
import type { ResolvedManifest } from './graphGuard.js';
import type { Cafs, FetchOpts, TarballResolution } from './verifyingFetcher.js';
import { fetchVerified, isVerifiedByFetcher } from './verifyingFetcher.js';

export interface PreResolutionContext {
  wantedLockfile?: Parameters<ReturnType<typeof graphGuardFor>['checkLockfile']>[0];
  lockfileDir?: string;
  registries?: { default?: string };
}

/**
 * Before any download, on every install (frozen CI installs too): every locked package must pass:
 * registry packages proven in the checksum log with the lockfile's integrity and the quarantine
 * rules on the install-time code the log recorded from the real tarball; exotic ones pinned by the
 * policy and inspected at the pin. Throwing here aborts with zero tarball requests.
 */
export async function preResolution(
  ctx: PreResolutionContext,
  logger?: { info(m: string): void },
): Promise<void> {
  try {
    const gate = gateFor(ctx.lockfileDir, ctx.registries?.default);
    if (!gate.enabled) return;
    const { count, fromMemo } = await graphGuardFor(ctx.lockfileDir).checkLockfile(ctx.wantedLockfile);
    if (count === 0) return;
    const line = `sumgate: ${count} locked packages verified against the checksum log${fromMemo ? ' (this lockfile, already verified under this policy)' : ''}`;
    if (logger !== undefined) logger.info(line);
    else console.error(line);
  } catch (e) {
    throw toPnpmError(e);
  }
}

/**
 * Every manifest pnpm resolves passes through here before pnpm resolves below it, links it or
 * runs anything: freshly resolved registry packages are judged (log, quarantine) whether their
 * bytes will come from the network or the store, and every dependency specifier is checked for
 * exotic sources. Refusals are held until resolution is quiet, then reported together, once.
 */
export async function readPackage<T extends ResolvedManifest>(pkg: T): Promise<T> {
  try {
    if (!gateFor(undefined).enabled) return pkg;
    return await graphGuardFor(undefined).readPackage(pkg);
  } catch (e) {
    throw toPnpmError(e);
  }
}

/**
 * pnpm 10 calls this with the whole resolved graph before it links or builds: the last check of
 * every package, exotic resolutions included (memoised, so it costs one file read when readPackage
 * already judged everything). pnpm 12 calls it only after linking and running scripts, so there
 * it is not a gate (readPackage and preResolution are) and is skipped.
 */
export async function afterAllResolved<T extends object>(lockfile: T): Promise<T> {
  if ('snapshots' in lockfile) return lockfile;
  try {
    if (!gateFor(undefined).enabled) return lockfile;
    await graphGuardFor(undefined).checkLockfile(lockfile as PreResolutionContext['wantedLockfile']);
    return lockfile;
  } catch (e) {
    throw toPnpmError(e);
  }
}

/**
 * Before resolution: the workspace's overrides are dependency specifiers too (see
 * GraphGuard.checkOverrides). pnpm 12 runs this in its config worker; a throw stops the install.
 */
export async function updateConfig<
  T extends { overrides?: Record<string, unknown>; lockfileDir?: string; dir?: string },
>(config: T): Promise<T> {
  try {
    const dir = config.lockfileDir ?? config.dir;
    if (!gateFor(dir).enabled) return config;
    await graphGuardFor(dir).checkOverrides(config.overrides);
    return config;
  } catch (e) {
    throw toPnpmError(e, { codeInMessage: true });
  }
}

type PnpmFetcher = (cafs: Cafs, resolution: TarballResolution, opts: FetchOpts) => Promise<unknown>;

/** pnpm 10: `hooks.fetchers.remoteTarball` wraps the default fetchers. */
export const pnpm10Fetchers = {
  remoteTarball:
    ({
      defaultFetchers,
    }: {
      defaultFetchers: { remoteTarball: PnpmFetcher; localTarball: PnpmFetcher };
    }): PnpmFetcher =>
    async (cafs, resolution, opts) => {
      if (!isVerifiedByFetcher(resolution) || !gateFor(opts.lockfileDir).enabled)
        return defaultFetchers.remoteTarball(cafs, resolution, opts);
      return fetchVerified(cafs, resolution, opts, defaultFetchers.localTarball);
    },
};

/** pnpm 12: top-level `fetchers`, each with `canFetch` and `fetch`. */
export const pnpm12Fetchers = [
  {
    canFetch(_pkgId: string, resolution: TarballResolution): boolean {
      return isVerifiedByFetcher(resolution);
    },
    async fetch(
      cafs: Cafs,
      resolution: TarballResolution,
      opts: FetchOpts,
      fetchers?: { localTarball?: PnpmFetcher },
    ): Promise<unknown> {
      if (!gateFor(opts.lockfileDir).enabled) return { delegate: resolution };
      return fetchVerified(cafs, resolution, opts, fetchers?.localTarball);
    },
  },
];
