/**
 * Yarn Berry's lockfile keeps no npm integrity (its checksum is of Yarn's own zip), so each
 * entry's `dist.integrity` is read from the packument served by the policy's sources, a bounded
 * number of packuments at a time. The log then says whether that integrity is the one everyone saw.
 */
import type { Sources } from '@sumgate/core';
import { mapLimit } from '../mapLimit.js';
import type { LockedEntry } from './readLocked.js';
import { sha512Of } from '@sumgate/core';

export interface ResolvedEntry extends LockedEntry {
  /** The source whose packument gave the integrity. */
  readonly integritySource: string | undefined;
}

export interface Unresolved {
  readonly name: string;
  readonly version: string;
  readonly reason: string;
}

export async function resolveIntegrities(
  entries: readonly LockedEntry[],
  sources: Pick<Sources, 'fetchPackument'>,
  opts: { concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ resolved: ResolvedEntry[]; unresolved: Unresolved[] }> {
  const byName = new Map<string, LockedEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  const names = [...byName.keys()];
  const resolved: ResolvedEntry[] = [];
  const unresolved: Unresolved[] = [];
  let done = 0;
  await mapLimit(names, opts.concurrency ?? 8, async (name) => {
    const wanted = byName.get(name)!;
    try {
      const fetched = await sources.fetchPackument(name);
      for (const e of wanted) {
        const integrity = sha512Of(fetched.value.versions[e.version]?.dist?.integrity);
        if (integrity === undefined) {
          unresolved.push({
            name,
            version: e.version,
            reason: `source ${fetched.source.name} lists no sha512 integrity for ${e.version}`,
          });
        } else {
          resolved.push({ ...e, integrity, integritySource: fetched.source.name });
        }
      }
    } catch (err) {
      for (const e of wanted) unresolved.push({ name, version: e.version, reason: (err as Error).message });
    }
    opts.onProgress?.(++done, names.length);
  });
  const order = new Map(entries.map((e, i) => [`${e.name}@${e.version}`, i]));
  const rank = (e: { name: string; version: string }) => order.get(`${e.name}@${e.version}`) ?? 0;
  resolved.sort((a, b) => rank(a) - rank(b));
  unresolved.sort((a, b) => rank(a) - rank(b));
  return { resolved, unresolved };
}
