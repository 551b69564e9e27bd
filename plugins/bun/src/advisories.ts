import {
  classifySpec,
  isExotic,
  isInside,
  isRefused,
  isSemver,
  localPath,
  SumgateError,
} from '@sumgate/core';
import type { PackageRef, Verdict } from '@sumgate/core';
import type { BunAdvisory, BunPackage } from './bunTypes.js';

/** A refusal as Bun prints it: the code and the cause, then the fix. Bun names the package and its path. */
export function advisoryOf(pkg: string, e: SumgateError): BunAdvisory {
  return {
    level: 'fatal',
    package: pkg,
    url: null,
    description: `sumgate ${e.code}: ${e.message}${e.fix === undefined ? '' : `\nfix: ${e.fix}`}`,
  };
}

/** The fatal advisories for refused verdicts (enforce mode); warn mode's problems are printed, not returned. */
export function advisoriesOf(verdicts: readonly Verdict[]): BunAdvisory[] {
  return verdicts.filter(isRefused).flatMap((v) => v.problems.map((p) => advisoryOf(v.name, p)));
}

/**
 * Splits what Bun is about to install into registry packages the log can prove (an exact version,
 * a tarball URL) and the rest. Workspace packages and paths inside the workspace are the project's
 * own files. The scanner sees only a specifier for git, tarball-URL and outside-path dependencies,
 * never a pin it could check, so those are refused (fail closed) with the way out.
 */
export function registryRefs(
  packages: readonly BunPackage[],
  locked: ReadonlyMap<string, string>,
  workspaceRoot: string,
): { refs: PackageRef[]; exotic: BunAdvisory[] } {
  const refs: PackageRef[] = [];
  const exotic: BunAdvisory[] = [];
  for (const p of packages) {
    const kind = classifySpec(p.requestedRange).kind;
    if (
      kind === 'workspace' ||
      (kind === 'local' && isInside(workspaceRoot, localPath(workspaceRoot, p.requestedRange)))
    )
      continue;
    if (isExotic(kind) || !isSemver(p.version) || !/^https?:\/\//.test(p.tarball)) {
      exotic.push(
        advisoryOf(
          p.name,
          new SumgateError(
            'EXOTIC_SOURCE',
            `${p.name}@${p.requestedRange} is not a registry package (${kind}), which sumgate's Bun scanner cannot prove in the checksum log`,
            {
              pkg: p.name,
              fix: `depend on a registry version of ${p.name}, or install this project with pnpm or Yarn 4 and pin it in "exotic" in sumgate.jsonc`,
            },
          ),
        ),
      );
      continue;
    }
    refs.push({
      name: p.name,
      version: p.version,
      integrity: locked.get(`${p.name}@${p.version}`),
      tarballUrl: p.tarball,
    });
  }
  return { refs, exotic };
}
