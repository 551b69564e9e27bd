import { SumgateError, isSumgateError } from '@sumgate/core';
import type { PackageRef } from '@sumgate/core';
import { MessageName } from '@yarnpkg/core';
import type { LocatorHash, Project } from '@yarnpkg/core';
import { splitChecksum } from './archiveBinding.js';
import { isNpmRegistryLocator, packageRefOf } from './npmLocator.js';
import { messageNameFor } from './reportErrors.js';
import { sessionFor } from './session.js';
import type { SumgateSession } from './session.js';

export interface ValidationReport {
  reportWarning: (name: MessageName, text: string) => void;
  reportError: (name: MessageName, text: string) => void;
}

/**
 * The `validateProject` hook: runs before resolution and before any download. Loads the policy (a
 * bad one stops the install here), then batch-verifies the npm packages yarn.lock holds: each must
 * be in the log, its install-time code (as the log recorded it from the real tarball) must pass
 * the quarantine, and where this machine bound the locked archive checksum to a verified tarball
 * (archiveBinding.ts) yarn.lock's checksum must be that archive. `project.originalPackages` holds
 * the lockfile's packages only now (resolution replaces it), so the verdicts are kept in the
 * session for the fetcher.
 */
export async function validateLockedPackages(project: Project, report: ValidationReport): Promise<void> {
  const fail = (e: unknown): void => {
    if (isSumgateError(e)) report.reportError(messageNameFor(e.code), e.describe());
    else throw e;
  };
  let session: SumgateSession;
  try {
    session = sessionFor(project);
  } catch (e) {
    fail(e);
    return;
  }
  if (!session.gate.enabled) return;

  const { refs, hashes, mismatches } = lockedRefs(project, session);
  for (const m of mismatches) fail(m);
  if (refs.length === 0) return;
  await session.withSink(
    (line) =>
      line.startsWith('sumgate warning')
        ? report.reportWarning(MessageName.UNNAMED, line)
        : session.defer(line),
    async () => {
      try {
        // Memoised like pnpm's preResolution: a yarn.lock that fully passed before is one file read
        // (every cached proof is still checked again and every package decided again).
        const { verdicts } = await session.gate.lockfileVerdicts(refs);
        for (const [i, v] of verdicts.entries()) session.locked.set(hashes[i]!, v);
        session.gate.enforce(verdicts);
      } catch (e) {
        fail(e);
      }
    },
  );
}

/** The lockfile's npm packages, with the tarball integrity this machine bound to each locked archive. */
function lockedRefs(
  project: Project,
  session: SumgateSession,
): { refs: PackageRef[]; hashes: LocatorHash[]; mismatches: SumgateError[] } {
  const refs: PackageRef[] = [];
  const hashes: LocatorHash[] = [];
  const mismatches: SumgateError[] = [];
  for (const pkg of project.originalPackages.values()) {
    if (!isNpmRegistryLocator(pkg)) continue;
    const ref = packageRefOf(pkg);
    const checksum = project.storedChecksums.get(pkg.locatorHash);
    const locked = checksum === undefined ? undefined : splitChecksum(checksum);
    const binding = session.gate.isExempt(ref.name)
      ? undefined
      : session.bindings.get(ref.name, ref.version, locked?.cacheKey ?? session.cacheKey);
    if (binding !== undefined && locked !== undefined && binding.hash !== locked.hash) {
      mismatches.push(archiveMismatch(`${ref.name}@${ref.version}`, checksum!, binding));
      continue;
    }
    refs.push(binding === undefined ? ref : { ...ref, integrity: binding.integrity });
    hashes.push(pkg.locatorHash);
  }
  return { refs, hashes, mismatches };
}

function archiveMismatch(
  pkg: string,
  checksum: string,
  binding: { cacheKey: string; hash: string; integrity: string },
): SumgateError {
  return new SumgateError(
    'LOG_MISMATCH',
    `${pkg}: yarn.lock's checksum ${checksum} is not the archive of the tarball the checksum log proves (${binding.integrity}, whose archive is ${binding.cacheKey}/${binding.hash})`,
    {
      pkg,
      fix: 'yarn.lock was edited or resolved against a source that served other bytes than everyone else saw: investigate before reinstalling; do not just regenerate the lockfile',
      data: { lockfile: checksum, archive: `${binding.cacheKey}/${binding.hash}`, log: binding.integrity },
    },
  );
}
