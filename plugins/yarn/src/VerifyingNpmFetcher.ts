import { SumgateError } from '@sumgate/core';
import type { PackageRef, VerifiedTarball } from '@sumgate/core';
import { hashUtils, structUtils } from '@yarnpkg/core';
import type { FetchOptions, FetchResult, Fetcher, Locator, MinimalFetchOptions } from '@yarnpkg/core';
import type { FakeFS, PortablePath } from '@yarnpkg/fslib';
import { NpmHttpFetcher, NpmSemverFetcher } from '@yarnpkg/plugin-npm';
import { splitChecksum } from './archiveBinding.js';
import { archiveUrlOf, isNpmRegistryLocator, packageRefOf } from './npmLocator.js';
import { reportingSumgateErrors } from './reportErrors.js';
import { sessionFor } from './session.js';
import type { SumgateSession } from './session.js';
import { archiveHashOfTarball, tarballToArchive } from './yarnArchive.js';

export const VERIFYING_FETCHER: unique symbol = Symbol.for('sumgate.VerifyingNpmFetcher');

/**
 * Fetches npm registry packages (the locators NpmSemverFetcher and NpmHttpFetcher take) through
 * sumgate: the tarball is downloaded from the policy's sources, its sha512 proven in the log, its
 * install-time code inspected and the quarantine verdict applied, all before Yarn converts it to
 * a zip; a rejection leaves nothing in the cache, so it is rejected again on the next run.
 * Registered ahead of Yarn's own npm fetchers (see index.ts). Credentials: the core sends each
 * source only its own; Yarn's npmHttpUtils (which would send the default registry's token to a
 * mirror) is never used for a verified download. yarn.lock is the same whichever source served.
 */
export class VerifyingNpmFetcher implements Fetcher {
  /** Marks the class across separate loads of the plugin bundle (see index.ts). */
  static readonly [VERIFYING_FETCHER] = true;

  supports(locator: Locator, _opts: MinimalFetchOptions): boolean {
    return isNpmRegistryLocator(locator);
  }

  getLocalPath(_locator: Locator, _opts: FetchOptions): null {
    return null;
  }

  async fetch(locator: Locator, opts: FetchOptions): Promise<FetchResult> {
    const session = await reportingSumgateErrors(async () => sessionFor(opts.project));
    session.attach(opts.report);
    const ref = packageRefOf(locator);
    const gate = session.gate;
    if (!gate.enabled) return yarnFetcherFor(locator).fetch(locator, opts);
    if (gate.isExempt(ref.name)) {
      // Exempt (private) packages skip the log and come from Yarn's own registry settings and
      // credentials (npmScopes); the policy's denials still apply.
      await reportingSumgateErrors(async () => gate.enforce(await gate.verifyLocked([ref])));
      const result = await yarnFetcherFor(locator).fetch(locator, opts);
      session.noteExempt(`${ref.name}@${ref.version}`);
      return result;
    }
    return reportingSumgateErrors(() => this.fetchVerified(locator, ref, session, opts));
  }

  private async fetchVerified(
    locator: Locator,
    ref: PackageRef,
    session: SumgateSession,
    opts: FetchOptions,
  ): Promise<FetchResult> {
    const configuration = opts.project.configuration;
    const pretty = structUtils.prettyLocator(configuration, locator);
    let downloaded: VerifiedTarball | undefined;
    const expectedChecksum = opts.checksums.get(locator.locatorHash) || null;
    const [packageFs, releaseFs, checksum] = await opts.cache.fetchPackageFromCache(
      locator,
      expectedChecksum,
      {
        onHit: () => opts.report.reportCacheHit(locator),
        onMiss: () =>
          opts.report.reportCacheMiss(
            locator,
            `${pretty} can't be found in the cache and will be fetched and verified by sumgate`,
          ),
        // Runs only on a cache miss (and for --check-cache); cache hits are checked below.
        loader: async () => {
          await session.proveResolved(opts.project);
          downloaded = await session.gate.fetchVerified(ref);
          return tarballToArchive(downloaded.bytes, locator, configuration);
        },
        ...opts.cacheOptions,
      },
    );
    try {
      if (opts.cacheOptions?.mockedPackages?.has(locator.locatorHash) !== true) {
        await this.checkArchive(locator, ref, session, opts, { checksum, packageFs, downloaded });
      }
    } catch (e) {
      releaseFs();
      throw e;
    }
    return { packageFs, releaseFs, prefixPath: structUtils.getIdentVendorPath(locator), checksum };
  }

  /**
   * Cache hits must not bypass verification: the archive Yarn is about to use must be the one
   * bound to a tarball the log proves (archiveBinding.ts). An archive without a binding is
   * verified again: download, verify, convert, and compare with the cached zip.
   */
  private async checkArchive(
    locator: Locator,
    ref: PackageRef,
    session: SumgateSession,
    opts: FetchOptions,
    got: {
      checksum: string | null;
      packageFs: FakeFS<PortablePath>;
      downloaded: VerifiedTarball | undefined;
    },
  ): Promise<void> {
    const gate = session.gate;
    const { cacheKey, hash } = await this.archiveChecksum(
      locator,
      session,
      opts,
      got.checksum,
      got.packageFs,
    );
    const pkg = `${ref.name}@${ref.version}`;
    if (got.downloaded !== undefined) {
      await this.accept(session, locator, ref, { cacheKey, hash }, got.downloaded);
      return;
    }
    if (session.verified.get(locator.locatorHash)?.hash === hash) return;

    const binding = session.bindings.get(ref.name, ref.version, cacheKey);
    if (binding !== undefined && binding.hash === hash) {
      const locked = session.locked.get(locator.locatorHash);
      const verdict =
        locked !== undefined && locked.integrity === binding.integrity
          ? locked
          : (await gate.verifyLocked([{ ...ref, integrity: binding.integrity }]))[0]!;
      gate.enforce([verdict]);
      session.verified.set(locator.locatorHash, { hash, integrity: binding.integrity, verdict });
      return;
    }

    // Not made by a verified fetch (an install without the plugin, another machine's cache, a
    // tampered file): rebuild the archive from verified bytes and compare.
    session.say(`sumgate: ${pkg}: the cached archive is not bound to a verified tarball; verifying it again`);
    await session.proveResolved(opts.project);
    const verified = await gate.fetchVerified(ref);
    const rebuilt = await archiveHashOfTarball(verified.bytes, locator, opts.project.configuration);
    if (rebuilt !== hash) {
      throw new SumgateError(
        'INTEGRITY_MISMATCH',
        `${pkg}: Yarn's cache holds an archive (${cacheKey}/${hash.slice(0, 16)}…) that was not made from the tarball the checksum log proves (${verified.integrity}, whose archive is ${cacheKey}/${rebuilt.slice(0, 16)}…)`,
        {
          pkg,
          fix: 'something other than a verified fetch put it there (an install without sumgate, a copied or tampered cache): run `yarn cache clean`, then install again',
          data: {
            cached: `${cacheKey}/${hash}`,
            verified: `${cacheKey}/${rebuilt}`,
            integrity: verified.integrity,
          },
        },
      );
    }
    await this.accept(session, locator, ref, { cacheKey, hash }, verified);
  }

  /** Binds the archive to the verified tarball and remembers it for the rest of the command. */
  private async accept(
    session: SumgateSession,
    locator: Locator,
    ref: PackageRef,
    archive: { cacheKey: string; hash: string },
    v: VerifiedTarball,
  ): Promise<void> {
    await session.bindings.set({
      name: ref.name,
      version: ref.version,
      cacheKey: archive.cacheKey,
      hash: archive.hash,
      integrity: v.integrity,
    });
    session.verified.set(locator.locatorHash, {
      hash: archive.hash,
      integrity: v.integrity,
      verdict: v.verdict,
    });
    session.recordDownload(`${ref.name}@${ref.version}`, v);
  }

  /**
   * The cache key and hash of the archive actually in use. Yarn's returned checksum is the file's
   * own hash in the fetch step, except when it hides it (conditional packages: null), when
   * `checksumBehavior: ignore` returns the lockfile's, and in the link step (skipIntegrityCheck),
   * where it returns the one the fetch step stored. Then the file is hashed here.
   */
  private async archiveChecksum(
    locator: Locator,
    session: SumgateSession,
    opts: FetchOptions,
    checksum: string | null,
    packageFs: FakeFS<PortablePath>,
  ): Promise<{ cacheKey: string; hash: string }> {
    const expected = opts.checksums.get(locator.locatorHash) ?? null;
    const fallbackKey =
      (expected === null ? undefined : splitChecksum(expected).cacheKey) ?? session.cacheKey;
    if (checksum !== null) {
      const { cacheKey, hash } = splitChecksum(checksum);
      const computedByYarn =
        opts.cacheOptions?.skipIntegrityCheck !== true &&
        opts.project.configuration.get('checksumBehavior') !== 'ignore';
      if (computedByYarn || session.verified.get(locator.locatorHash)?.hash === hash)
        return { cacheKey: cacheKey ?? fallbackKey, hash };
    }
    return { cacheKey: fallbackKey, hash: await hashUtils.checksumFile(packageFs.getRealPath()) };
  }
}

/** Yarn's own fetcher for a registry locator, for exempt packages and `mode: "off"`. */
function yarnFetcherFor(locator: Locator): Fetcher {
  return archiveUrlOf(locator) === undefined ? new NpmSemverFetcher() : new NpmHttpFetcher();
}
