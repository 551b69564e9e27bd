/**
 * Integrity of each registry package in a package-lock.json (lockfileVersion 2/3 `packages` map:
 * `integrity` and `resolved` per installed path). The `name@version` list comes from @sumgate/log's
 * parsePackageLock; this adds the integrity it leaves out. One name@version installed at several
 * paths with DIFFERENT integrity is kept as several entries, so each is checked against the log.
 */
import { sha512Of } from '@sumgate/core';

export function packageLockIntegrities(text: string): Map<string, Set<string | undefined>> {
  const json = JSON.parse(text) as { packages?: Record<string, Record<string, unknown>> };
  const out = new Map<string, Set<string | undefined>>();
  for (const [path, entry] of Object.entries(json.packages ?? {})) {
    const idx = path.lastIndexOf('node_modules/');
    if (idx < 0 || entry['link'] === true) continue;
    const name = typeof entry['name'] === 'string' ? entry['name'] : path.slice(idx + 'node_modules/'.length);
    const version = entry['version'];
    if (typeof version !== 'string') continue;
    const integrity = typeof entry['integrity'] === 'string' ? sha512Of(entry['integrity']) : undefined;
    const key = `${name}@${version}`;
    const set = out.get(key) ?? new Set<string | undefined>();
    set.add(integrity);
    out.set(key, set);
  }
  return out;
}
