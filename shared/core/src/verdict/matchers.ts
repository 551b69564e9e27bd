import semver from 'semver';

/** `@corp/*`, `internal-*`, `*`: `*` matches any run of characters. */
export function matchesNameGlob(name: string, glob: string): boolean {
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/** A deny entry is `name` (every version) or `name@range` (semver range). */
export function matchesDeny(name: string, version: string, entry: string): boolean {
  const at = entry.indexOf('@', 1);
  if (at === -1) return matchesNameGlob(name, entry);
  if (!matchesNameGlob(name, entry.slice(0, at))) return false;
  const range = entry.slice(at + 1);
  return range === version || semver.satisfies(version, range, { includePrerelease: true });
}
