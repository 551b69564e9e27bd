import semver from 'semver';
import { isCanonicalVersion } from '../record/canonicalVersion.js';

/**
 * The version a new version's install-time code is compared with: the highest published version
 * lower than it. Prereleases form their own track: a stable version is compared with the highest
 * lower STABLE version (a 2.0.0-beta that added a postinstall does not launder it into 2.0.0);
 * a prerelease is compared with the highest lower version of any kind. Invalid semver is ignored.
 */
export function previousVersion(version: string, published: Iterable<string>): string | undefined {
  const current = semver.parse(version);
  if (current === null) return undefined;
  const stableOnly = current.prerelease.length === 0;
  let best: semver.SemVer | undefined;
  for (const v of published) {
    const p = semver.parse(v);
    if (p === null || semver.compare(p, current) >= 0) continue;
    if (stableOnly && p.prerelease.length > 0) continue;
    if (best === undefined || semver.compare(p, best) > 0) best = p;
  }
  return best?.version;
}

/** A strict semver version string, as registries publish them. */
export function isSemver(version: string): boolean {
  return isCanonicalVersion(version);
}
