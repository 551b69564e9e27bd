/** A lockfile resolution as pnpm hands it to a fetcher. */
export interface TarballResolution {
  integrity?: string;
  tarball?: string;
  type?: string;
}

/**
 * What sumgate's fetcher takes: every tarball pnpm would download over http(s), a registry's (with
 * the lockfile's integrity) or a tarball-URL dependency's (which may have none yet). Git, directory
 * and local-file resolutions are judged before pnpm fetches them (readPackage, preResolution).
 * Needs no core: pnpm 12 asks `canFetch` before anything else is loaded.
 */
export function isVerifiedByFetcher(resolution: TarballResolution | undefined): boolean {
  if (resolution === undefined || resolution.type !== undefined) return false;
  if (resolution.tarball === undefined) return resolution.integrity !== undefined;
  return /^https?:\/\//.test(resolution.tarball);
}
