import { hashUtils, structUtils, tgzUtils } from '@yarnpkg/core';
import type { Configuration, Locator } from '@yarnpkg/core';
import { ppath, xfs } from '@yarnpkg/fslib';

/** Converts an npm tarball into the zip Yarn caches, exactly as Yarn's own npm fetchers do. */
export function tarballToArchive(
  tgz: Buffer,
  locator: Locator,
  configuration: Configuration,
): ReturnType<typeof tgzUtils.convertToZip> {
  return tgzUtils.convertToZip(tgz, {
    configuration,
    prefixPath: structUtils.getIdentVendorPath(locator),
    stripComponents: 1,
  });
}

/**
 * The hash part of the checksum Yarn would record for the archive made from this tarball (hex
 * sha512 of the zip file, as Cache.validateFile computes it after the loader's saveAndClose).
 */
export async function archiveHashOfTarball(
  tgz: Buffer,
  locator: Locator,
  configuration: Configuration,
): Promise<string> {
  const zipFs = await tarballToArchive(tgz, locator, configuration);
  const file = zipFs.getRealPath();
  zipFs.saveAndClose();
  try {
    return await hashUtils.checksumFile(file);
  } finally {
    await xfs.removePromise(ppath.dirname(file));
  }
}
