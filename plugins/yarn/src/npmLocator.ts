import type { PackageRef } from '@sumgate/core';
import { semverUtils, structUtils } from '@yarnpkg/core';
import type { Locator } from '@yarnpkg/core';

const NPM_PROTOCOL = 'npm:';

/**
 * Whether a locator is a package from an npm registry: `name@npm:1.2.3`, or
 * `name@npm:1.2.3::__archiveUrl=...` (what Yarn locks when a packument's `dist.tarball` is off the
 * conventional path). Yarn sends the first kind to NpmSemverFetcher and the second to
 * NpmHttpFetcher: the verifying fetcher takes both, so neither path skips verification.
 */
export function isNpmRegistryLocator(locator: Locator): boolean {
  const known = registryReferences.get(locator.reference);
  if (known !== undefined) return known;
  const is = isRegistryReference(locator.reference);
  registryReferences.set(locator.reference, is);
  return is;
}

/** By reference: Yarn asks for every package in every fetch and link step, through each fetcher's `supports`. */
const registryReferences = new Map<string, boolean>();

function isRegistryReference(reference: string): boolean {
  if (!reference.startsWith(NPM_PROTOCOL)) return false;
  try {
    // semver.valid, as NpmSemverFetcher.supports checks: a strict parse that throws when invalid.
    new semverUtils.SemVer(structUtils.parseRange(reference).selector);
    return true;
  } catch {
    return false;
  }
}

/** The tarball URL Yarn locked for an off-path tarball, if any. */
export function archiveUrlOf(locator: Locator): string | undefined {
  const { params } = structUtils.parseRange(locator.reference);
  const url = params?.__archiveUrl;
  return typeof url === 'string' ? url : undefined;
}

/** The package a registry locator names, as the core wants it. */
export function packageRefOf(locator: Locator, integrity?: string): PackageRef {
  const { selector } = structUtils.parseRange(locator.reference);
  return {
    name: structUtils.stringifyIdent(locator),
    version: selector,
    integrity,
    tarballUrl: archiveUrlOf(locator),
  };
}
