import { SumgateError } from '../errors.js';
import { inspectTarballAsync } from '../inspect/installCode.js';
import type { ExoticAllowance, Policy } from '../policy/policy.js';
import type { Sources } from '../sources/sources.js';
import { sha512Sri } from '../sri.js';
import type { InstallCodeSummary } from '../verdict/verdict.js';
import type { DependencySpec } from './dependencySpec.js';
import { gitSnapshot } from './gitSnapshot.js';

/** What an allowed exotic dependency really is, read from its bytes at the pin. */
export interface InspectedExotic {
  readonly alias: string;
  /** The name and version its own package.json gives. */
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly installCode: InstallCodeSummary;
  /** The verified bytes (tarballs only: what the fetcher hands the package manager). */
  readonly bytes: Buffer;
}

/**
 * Fetches an allowed exotic dependency at its pin and reads its install-time code: a tarball URL
 * must hash to the policy's integrity (else EXOTIC_MISMATCH); a git repository is archived at the
 * pinned commit, `prepare` included (git dependencies run it when installed).
 */
export async function inspectExotic(
  sources: Sources,
  allowance: ExoticAllowance,
  spec: DependencySpec,
): Promise<InspectedExotic> {
  const what = `${allowance.package}@${allowance.spec}`;
  let bytes: Buffer;
  if (spec.kind === 'tarball') {
    bytes = await sources.fetchUrl(allowance.spec, what);
    const got = sha512Sri(bytes);
    if (got !== allowance.integrity) throw exoticMismatch(what, allowance.integrity ?? '(none)', got);
  } else if (spec.kind === 'git' && allowance.commit !== undefined) {
    bytes = await gitSnapshot(allowance.spec, allowance.commit, what);
  } else {
    throw new SumgateError(
      'EXOTIC_SOURCE',
      `${what}: sumgate can only inspect pinned tarball URLs and git repositories`,
      {
        pkg: what,
        fix: 'depend on a registry version, a tarball URL pinned by integrity, or a git commit',
      },
    );
  }
  const { manifest, installCode } = await inspectTarballAsync(bytes, { gitDependency: spec.kind === 'git' });
  return {
    alias: allowance.package,
    name: typeof manifest.name === 'string' ? manifest.name : allowance.package,
    version: typeof manifest.version === 'string' ? manifest.version : '0.0.0',
    integrity: sha512Sri(bytes),
    installCode: { fingerprint: installCode.fingerprint, hooks: installCode.hooks.map((h) => h.hook) },
    bytes,
  };
}

export function exoticMismatch(what: string, pinned: string, got: string): SumgateError {
  return new SumgateError(
    'EXOTIC_MISMATCH',
    `${what}: the bytes hash to ${got}, not the ${pinned} the policy pins`,
    {
      pkg: what,
      fix: 'the URL now serves other bytes than were reviewed: find out why before changing the pin in "exotic"',
      data: { pinned, got },
    },
  );
}

/**
 * The quarantine rule for an exotic dependency: it has no earlier version in any log to compare
 * with, so install-time code is held until approved for exactly that code.
 */
export function decideExotic(policy: Policy, e: InspectedExotic): SumgateError | undefined {
  if (policy.mode === 'off' || !policy.quarantine || e.installCode.fingerprint === 'none') return undefined;
  const pkg = `${e.alias}@${e.version}`;
  if (policy.approvals.some((a) => a.package === pkg && a.installCode === e.installCode.fingerprint))
    return undefined;
  return new SumgateError(
    'QUARANTINE_FIRST',
    `${pkg} is quarantined: it is an exotic dependency with install-time code (${e.installCode.hooks.join(', ')}) that no earlier version vouches for; nothing was run`,
    {
      pkg,
      fix: `review it, then add {"package": "${pkg}", "installCode": "${e.installCode.fingerprint}"} to "approvals" in ${policy.file ?? 'sumgate.jsonc'}`,
      data: { installCode: e.installCode, exotic: true },
    },
  );
}
