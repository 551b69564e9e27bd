import semver from 'semver';

/** A release version `x.y.z` without leading zeros (most versions in a lockfile). */
const PLAIN_RELEASE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/**
 * True when `version` is a strict semver version in its one canonical form: `semver.valid(version)
 * === version`. A plain `x.y.z` is answered without building a SemVer (semver reads each part as a
 * number and refuses one above Number.MAX_SAFE_INTEGER, the same comparison as here); anything else
 * is semver's call.
 */
export function isCanonicalVersion(version: string): boolean {
  const plain = PLAIN_RELEASE.exec(version);
  if (plain !== null)
    return (
      Number(plain[1]) <= Number.MAX_SAFE_INTEGER &&
      Number(plain[2]) <= Number.MAX_SAFE_INTEGER &&
      Number(plain[3]) <= Number.MAX_SAFE_INTEGER
    );
  return semver.valid(version) === version;
}
