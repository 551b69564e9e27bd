import { SumgateError } from '../errors.js';
import type { LockedExotic } from '../lockfile/pnpmLockfile.js';
import type { ExoticAllowance, Policy } from '../policy/policy.js';
import { exoticMismatch } from './exoticInspection.js';

/**
 * An exotic package a lockfile already resolved (installs from the lockfile never show pnpm's
 * resolver the specifier again): allowed only when the policy lists that name with the very pin the
 * lockfile recorded (the tarball's integrity, the git commit), and, unless the entry says
 * `transitive`, when a workspace project depends on it with the listed specifier.
 */
export function judgeLockedExotic(
  policy: Policy,
  entry: LockedExotic,
  directSpecs: ReadonlyMap<string, ReadonlySet<string>>,
): { allowance: ExoticAllowance } | { problem: SumgateError } {
  const file = policy.file ?? 'sumgate.jsonc';
  const what = `${entry.name}@${entry.location ?? entry.depPath}`;
  const listed = policy.exotic.filter((a) => a.package === entry.name);
  const reachable = listed.filter((a) => a.transitive || directSpecs.get(a.package)?.has(a.spec) === true);
  const pinned = reachable.find((a) =>
    entry.kind === 'git' ? a.commit === entry.commit : a.integrity === entry.integrity,
  );
  if (pinned !== undefined && entry.kind !== 'local') return { allowance: pinned };
  const candidate = reachable[0];
  if (candidate !== undefined && entry.kind !== 'local') {
    return {
      problem:
        entry.kind === 'git'
          ? new SumgateError(
              'EXOTIC_MISMATCH',
              `${what}: the lockfile pins commit ${entry.commit ?? '(none)'}, the policy ${candidate.commit ?? '(none)'}`,
              {
                pkg: what,
                fix: `reinstall so the lockfile resolves the commit "exotic" pins in ${file}, or review the new commit and change the pin`,
              },
            )
          : exoticMismatch(what, candidate.integrity ?? '(none)', entry.integrity ?? '(none)'),
    };
  }
  return {
    problem: new SumgateError(
      'EXOTIC_SOURCE',
      `${what} (${entry.kind === 'git' ? 'a git repository' : entry.kind === 'local' ? 'a path' : 'a tarball URL'}, in the lockfile) is not from a registry: nothing proves its bytes in the checksum log`,
      {
        pkg: what,
        fix:
          listed.length > 0
            ? `"exotic" lists ${entry.name} only as a direct dependency with another specifier: match it, or add "transitive": true in ${file}`
            : `depend on a registry version, or list it in "exotic" in ${file} with its pin`,
        data: { depPath: entry.depPath, kind: entry.kind },
      },
    ),
  };
}
