/**
 * Which approval lets a version's install-time code run: an approval of exactly this version with
 * this fingerprint, else (approvals carry forward) an approval of an EARLIER version of the same
 * package with the same fingerprint, the highest such version. Reviewed code is reviewed code: a
 * later release that runs the same install code asks nothing new. A later approval never covers an
 * earlier version, and another fingerprint never covers anything.
 */
import semver from 'semver';
import type { Approval } from '../policy/policy.js';

export interface Cover {
  readonly approval: Approval;
  /** The approved version when it is another (earlier) one than the version installed. */
  readonly carriedFrom: string | undefined;
}

function split(pkg: string): { name: string; version: string } | undefined {
  const at = pkg.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { name: pkg.slice(0, at), version: pkg.slice(at + 1) };
}

export function coveringApproval(
  approvals: readonly Approval[],
  name: string,
  version: string,
  fingerprint: string,
): Cover | undefined {
  const exact = approvals.find((a) => a.package === `${name}@${version}` && a.installCode === fingerprint);
  if (exact !== undefined) return { approval: exact, carriedFrom: undefined };
  if (semver.valid(version) === null) return undefined;
  let best: { approval: Approval; version: string } | undefined;
  for (const a of approvals) {
    if (a.installCode !== fingerprint) continue;
    const p = split(a.package);
    if (p === undefined || p.name !== name || semver.valid(p.version) === null) continue;
    if (semver.compare(p.version, version) >= 0) continue;
    if (best === undefined || semver.compare(p.version, best.version) > 0)
      best = { approval: a, version: p.version };
  }
  return best === undefined ? undefined : { approval: best.approval, carriedFrom: best.version };
}
