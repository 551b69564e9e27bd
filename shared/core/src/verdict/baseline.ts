/**
 * The established baseline a version's install-time code is compared with: the highest lower
 * version on its track (previousVersion.ts) published at least `baselineDays` before it. Versions
 * published in between are returned too, so the verdict can name where new code first appeared (a
 * worm's stepping stone: 1.0.1 adds a postinstall, 1.0.2 an hour later keeps it).
 * Publish times come from the log's records (the upstream's time when the log ingested it), never
 * from a source's packument. Publish times that are missing, or are not publish times (two or more versions
 * with one
 * timestamp to the millisecond, which real publishes never share, as a mirror that re-stamped old
 * versions has), degrade to the immediately preceding
 * version, with a note saying why.
 */
import semver from 'semver';
import type { InstallCodeSummary } from './verdict.js';

export interface VersionFacts {
  readonly version: string;
  readonly publishedAt: string | undefined;
  readonly installCode: InstallCodeSummary | undefined;
}

export interface Baseline {
  /** The version compared with (undefined: there is none). */
  readonly version: string | undefined;
  readonly facts: VersionFacts | undefined;
  /** Versions newer than the baseline and older than the version, oldest first. */
  readonly between: readonly VersionFacts[];
  readonly note: string | undefined;
}

const DAY = 86_400_000;
/** How many lower versions are examined before the walk gives up (and finds no baseline). */
export const MAX_BASELINE_WALK = 64;

/** Lower versions on the version's track, highest first (the order previousVersion picks from). */
export function lowerOnTrack(version: string, published: Iterable<string>): string[] {
  const current = semver.parse(version);
  if (current === null) return [];
  const stableOnly = current.prerelease.length === 0;
  const out: semver.SemVer[] = [];
  for (const v of published) {
    const p = semver.parse(v);
    if (p === null || semver.compare(p, current) >= 0) continue;
    if (stableOnly && p.prerelease.length > 0) continue;
    out.push(p);
  }
  return out.sort((a, b) => semver.compare(b, a)).map((p) => p.version);
}

export function humanDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(ms / DAY)} days`;
}

export async function establishedBaseline(
  version: string,
  publishedAt: string | undefined,
  lower: readonly string[],
  factsOf: (version: string) => Promise<VersionFacts>,
  baselineDays: number,
): Promise<Baseline> {
  const immediate = async (note: string | undefined): Promise<Baseline> => {
    const v = lower[0];
    return { version: v, facts: v === undefined ? undefined : await factsOf(v), between: [], note };
  };
  if (baselineDays <= 0) return immediate(undefined);
  const t = publishedAt === undefined ? Number.NaN : Date.parse(publishedAt);
  if (Number.isNaN(t))
    return immediate(
      `the log has no publish time for ${version} (a v1 record, or its upstream gave none), so it is compared with the preceding version, not an established baseline`,
    );
  const walked: VersionFacts[] = [];
  const times = new Map<string, number>([[publishedAt!, 1]]);
  for (const v of lower.slice(0, MAX_BASELINE_WALK)) {
    const f = await factsOf(v);
    const ft = f.publishedAt === undefined ? Number.NaN : Date.parse(f.publishedAt);
    if (Number.isNaN(ft))
      return immediate(
        `the log has no publish time for ${v} (a v1 record, or its upstream gave none), so ${version} is compared with the preceding version, not an established baseline`,
      );
    const same = (times.get(f.publishedAt!) ?? 0) + 1;
    times.set(f.publishedAt!, same);
    if (same >= 2)
      return immediate(
        `${same} versions share the publish time ${f.publishedAt} (not publish times), so ${version} is compared with the preceding version, not an established baseline`,
      );
    if (t - ft >= baselineDays * DAY)
      return { version: v, facts: f, between: walked.reverse(), note: undefined };
    walked.push(f);
  }
  return { version: undefined, facts: undefined, between: walked.reverse(), note: undefined };
}
