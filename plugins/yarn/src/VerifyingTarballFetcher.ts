import { decideExotic, SumgateError } from '@sumgate/core';
import type { ExoticAllowance } from '@sumgate/core';
import { hashUtils, structUtils } from '@yarnpkg/core';
import type { FetchOptions, FetchResult, Fetcher, Locator, MinimalFetchOptions } from '@yarnpkg/core';
import { inspectAt } from './exoticGate.js';
import { reportingSumgateErrors } from './reportErrors.js';
import { sessionFor } from './session.js';
import { archiveHashOfTarball, tarballToArchive } from './yarnArchive.js';

export const VERIFYING_TARBALL_FETCHER: unique symbol = Symbol.for('sumgate.VerifyingTarballFetcher');

/**
 * Fetches the tarball-URL dependencies the policy allows (`exotic`, pinned by integrity) from the
 * bytes sumgate verified at the pin, placed ahead of Yarn's TarballHttpFetcher: Yarn would
 * otherwise download the URL again itself, and a server could serve it other bytes. A cache hit
 * is compared with the archive of the verified bytes, so a cache filled by anyone else is not
 * trusted.
 */
export class VerifyingTarballFetcher implements Fetcher {
  static readonly [VERIFYING_TARBALL_FETCHER] = true;

  supports(locator: Locator, opts: MinimalFetchOptions): boolean {
    return allowanceOf(locator, opts) !== undefined;
  }

  getLocalPath(): null {
    return null;
  }

  async fetch(locator: Locator, opts: FetchOptions): Promise<FetchResult> {
    return reportingSumgateErrors(async () => {
      const allowance = allowanceOf(locator, opts)!;
      const gate = sessionFor(opts.project).gate;
      const verified = await inspectAt(allowance, gate);
      const quarantined = decideExotic(gate.policy, verified);
      if (quarantined !== undefined && gate.policy.mode !== 'warn') throw quarantined;
      const expectedChecksum = opts.checksums.get(locator.locatorHash) || null;
      const [packageFs, releaseFs, checksum] = await opts.cache.fetchPackageFromCache(
        locator,
        expectedChecksum,
        {
          onHit: () => opts.report.reportCacheHit(locator),
          onMiss: () =>
            opts.report.reportCacheMiss(
              locator,
              `${structUtils.prettyLocator(opts.project.configuration, locator)} will be fetched from the bytes sumgate verified at the policy's pin`,
            ),
          loader: () => tarballToArchive(verified.bytes, locator, opts.project.configuration),
          ...opts.cacheOptions,
        },
      );
      const used = checksum?.split('/').pop() ?? (await hashUtils.checksumFile(packageFs.getRealPath()));
      const expected = await archiveHashOfTarball(verified.bytes, locator, opts.project.configuration);
      if (used !== expected) {
        releaseFs();
        const pkg = `${allowance.package}@${allowance.spec}`;
        throw new SumgateError(
          'INTEGRITY_MISMATCH',
          `${pkg}: Yarn's cache holds an archive (${used.slice(0, 16)}…) that was not made from the bytes the policy pins (${verified.integrity})`,
          {
            pkg,
            fix: 'something other than sumgate put it there (an install without sumgate, a copied or tampered cache): run `yarn cache clean`, then install again',
          },
        );
      }
      return { packageFs, releaseFs, prefixPath: structUtils.getIdentVendorPath(locator), checksum };
    });
  }
}

function allowanceOf(locator: Locator, opts: MinimalFetchOptions): ExoticAllowance | undefined {
  if (!/^https?:/.test(locator.reference)) return undefined;
  let exotic: readonly ExoticAllowance[];
  try {
    exotic = sessionFor(opts.project).gate.policy.exotic;
  } catch {
    return undefined;
  }
  const name = structUtils.stringifyIdent(locator);
  return exotic.find((a) => a.package === name && a.spec === locator.reference && a.integrity !== undefined);
}
