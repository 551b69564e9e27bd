/**
 * `quarantine.releaseAfterDays`: the waiting period. New or changed install-time code is released
 * once it has been public, unchanged, that long: from the publish time of the first version in an
 * unbroken run of versions (between the baseline and this one) that carry this very fingerprint,
 * or this version's own publish time. Unknown times never release anything (fail closed).
 */
import type { VersionFacts } from './baseline.js';
import { humanDuration } from './baseline.js';

const DAY = 86_400_000;

export type Wait = { released: true; note: string } | { released: false; until: string } | undefined;

export function waitingPeriod(
  days: number,
  fingerprint: string,
  between: readonly VersionFacts[],
  self: { version: string; publishedAt: string | undefined },
  now: Date,
): Wait {
  if (days <= 0) return undefined;
  let since = self;
  for (let i = between.length - 1; i >= 0; i--) {
    const b = between[i]!;
    if (b.installCode?.fingerprint !== fingerprint) break;
    since = b;
  }
  const t = since.publishedAt === undefined ? Number.NaN : Date.parse(since.publishedAt);
  if (Number.isNaN(t)) return undefined;
  const age = now.getTime() - t;
  if (age >= days * DAY) {
    return {
      released: true,
      note: `install-time code released by "quarantine.releaseAfterDays" (${days}): public and unchanged since ${since.version}, published ${humanDuration(age)} ago`,
    };
  }
  return { released: false, until: new Date(t + days * DAY).toISOString() };
}
