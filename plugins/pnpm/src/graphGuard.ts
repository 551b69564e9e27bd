import {
  classifySpec,
  combinedRefusal,
  decideExotic,
  dependencyEdges,
  importerSpecifiers,
  inspectExotic,
  isInside,
  isRefused,
  isSemver,
  isSumgateError,
  judgeDependency,
  judgeLockedExotic,
  lockedExoticPackages,
  lockedRegistryPackages,
  matchesDeny,
  SumgateError,
  VerdictBatcher,
} from '@sumgate/core';
import type { ExoticAllowance, Gate, InspectedExotic, PnpmLockfileLike } from '@sumgate/core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RefusalHold } from './refusalHold.js';
import { workspaceProjects } from './workspaceProjects.js';

export interface ResolvedManifest {
  name?: string;
  version?: string;
  dist?: { integrity?: unknown; tarball?: unknown };
  [key: string]: unknown;
}

/**
 * Judges every package pnpm resolves in this run before pnpm links or builds it, whether its bytes
 * come from the network, pnpm's store or node_modules: the readPackage hook sees each freshly
 * resolved registry package (with the integrity pnpm will link) and every manifest's dependency
 * specifiers; a lockfile-based install is judged whole in preResolution (and, on pnpm 10, again in
 * afterAllResolved, before linking). Exotic dependencies are refused unless the policy pins them,
 * and what it pins is inspected at the pin.
 */
export class GraphGuard {
  private readonly batcher: VerdictBatcher;
  private readonly hold = new RefusalHold();
  private readonly exotics = new Map<string, Promise<InspectedExotic>>();
  private projects: Map<string, string> | undefined;
  /** Who first declared each package name in this resolution: for the dependency chain in messages. */
  private readonly declaredBy = new Map<string, string>();

  constructor(private readonly gate: Gate) {
    this.batcher = new VerdictBatcher((refs) => gate.verifyLocked(refs));
  }

  /** readPackage: resolves to the manifest unchanged, or (held until resolution is quiet) rejects with every refusal. */
  async readPackage<T extends ResolvedManifest>(pkg: T): Promise<T> {
    const problems = this.refusing(await this.hold.track(() => this.judgeManifest(pkg)));
    if (problems.length > 0) return this.hold.refuse(problems);
    return pkg;
  }

  /** preResolution and pnpm 10's afterAllResolved: every package of a lockfile, registry and exotic, in one verdict. */
  async checkLockfile(lockfile: PnpmLockfileLike | undefined): Promise<{ count: number; fromMemo: boolean }> {
    const exoticProblems = this.refusing(await this.lockedExoticProblems(lockfile));
    const locked = lockedRegistryPackages(lockfile);
    try {
      const result =
        locked.length === 0 ? { count: 0, fromMemo: false } : await this.gate.checkLocked(locked);
      if (exoticProblems.length > 0) throw combinedRefusal(exoticProblems);
      return result;
    } catch (e) {
      if (exoticProblems.length === 0 || !isSumgateError(e) || exoticProblems.includes(e)) throw e;
      throw combinedRefusal([...exoticProblems, e]);
    }
  }

  /**
   * updateConfig: overrides (pnpm-workspace.yaml `overrides`, package.json `resolutions` and
   * `pnpm.overrides`) replace specifiers inside pnpm, after readPackage has seen the manifests, and
   * pnpm fetches a git override (running its prepare) while resolving: each one is judged here, as a
   * direct dependency of the workspace, before resolution starts.
   */
  async checkOverrides(overrides: Readonly<Record<string, unknown>> | undefined): Promise<void> {
    const all = { ...rootManifestOverrides(this.gate.workspaceRoot), ...(overrides ?? {}) };
    const problems: SumgateError[] = [];
    for (const [selector, spec] of Object.entries(all)) {
      if (typeof spec !== 'string') continue;
      const edge = {
        parent: `the workspace (override "${selector}")`,
        alias: overriddenName(selector),
        spec,
        direct: true,
        projectDir: this.gate.workspaceRoot,
      };
      const judged = judgeDependency(this.gate.policy, edge, this.gate.workspaceRoot);
      if (!judged.exotic) continue;
      const problem =
        'problem' in judged
          ? judged.problem
          : await this.inspect(judged.allowance).then(
              (e) => decideExotic(this.gate.policy, e),
              (e: unknown) => asProblem(e),
            );
      if (problem !== undefined) problems.push(problem);
    }
    const refused = this.refusing(problems);
    if (refused.length > 0) throw combinedRefusal(refused);
  }

  /** In `mode: "warn"` problems are printed and nothing is refused; otherwise all of them refuse. */
  private refusing(problems: SumgateError[]): SumgateError[] {
    if (problems.length === 0 || this.gate.policy.mode !== 'warn') return problems;
    for (const p of problems) console.error(`sumgate warning: ${p.message}`);
    return [];
  }

  /** The bytes of an allowed exotic tarball, verified at its pin (for the fetcher). */
  exoticTarball(allowance: ExoticAllowance): Promise<InspectedExotic> {
    return this.inspect(allowance);
  }

  private async judgeManifest(pkg: ResolvedManifest): Promise<SumgateError[]> {
    const { policy } = this.gate;
    const problems: SumgateError[] = [];
    const name = pkg.name ?? '';
    const version = pkg.version ?? '';
    const denied = policy.deny.find((d) => matchesDeny(name, version, d));
    if (denied !== undefined) {
      problems.push(
        new SumgateError('DENIED', `${name}@${version} is denied by the policy entry "${denied}"`, {
          pkg: `${name}@${version}`,
          fix: `use another version, or remove "${denied}" from "deny" in ${policy.file}`,
        }),
      );
    }
    const integrity = typeof pkg.dist?.integrity === 'string' ? pkg.dist.integrity : undefined;
    const projectDir = integrity === undefined ? this.projectDir(name) : undefined;
    const direct = projectDir !== undefined;
    const checks: Array<Promise<SumgateError | undefined>> = [];
    const via = direct ? undefined : this.chainTo(name);
    for (const edge of dependencyEdges(pkg, direct)) {
      if (!this.declaredBy.has(edge.alias)) this.declaredBy.set(edge.alias, edge.parent);
      const judged = judgeDependency(policy, { ...edge, projectDir, via }, this.gate.workspaceRoot);
      if (!judged.exotic) continue;
      if ('problem' in judged) problems.push(judged.problem);
      else
        checks.push(
          this.inspect(judged.allowance).then(
            (e) => decideExotic(policy, e),
            (e: unknown) => asProblem(e),
          ),
        );
    }
    if (integrity !== undefined && isSemver(version)) {
      const tarballUrl = typeof pkg.dist?.tarball === 'string' ? pkg.dist.tarball : undefined;
      const verdict = await this.batcher.verdictFor({ name, version, integrity, tarballUrl });
      if (isRefused(verdict)) problems.push(...verdict.problems);
      else this.gate.enforce([verdict]);
    }
    for (const p of await Promise.all(checks)) if (p !== undefined) problems.push(p);
    return problems;
  }

  private async lockedExoticProblems(lockfile: PnpmLockfileLike | undefined): Promise<SumgateError[]> {
    const entries = lockedExoticPackages(lockfile).filter(
      (e) =>
        !(
          e.kind === 'local' &&
          e.location !== undefined &&
          isInside(
            this.gate.workspaceRoot,
            path.resolve(this.gate.workspaceRoot, e.location.replace(/^file:/, '')),
          )
        ),
    );
    if (entries.length === 0) return [];
    const direct = importerSpecifiers(lockfile);
    const problems = await Promise.all(
      entries.map(async (entry) => {
        const judged = judgeLockedExotic(this.gate.policy, entry, direct);
        if ('problem' in judged) return judged.problem;
        return this.inspect(judged.allowance).then(
          (e) => decideExotic(this.gate.policy, e),
          (e: unknown) => asProblem(e),
        );
      }),
    );
    return problems.filter((p): p is SumgateError => p !== undefined);
  }

  private inspect(allowance: ExoticAllowance): Promise<InspectedExotic> {
    let p = this.exotics.get(allowance.spec);
    if (p === undefined) {
      p = inspectExotic(this.gate.sources, allowance, classifySpec(allowance.spec));
      p.catch(() => this.exotics.delete(allowance.spec));
      this.exotics.set(allowance.spec, p);
    }
    return p;
  }

  /** `app > a@1.0.0` for a package b that a@1.0.0 declared and app declared a (at most 8 links). */
  private chainTo(name: string): string | undefined {
    const links: string[] = [];
    for (
      let at = this.declaredBy.get(name);
      at !== undefined && links.length < 8;
      at = this.declaredBy.get(at.replace(/(.)@[^@]*$/, '$1'))
    ) {
      if (links.includes(at)) break;
      links.unshift(at);
    }
    return links.length === 0 ? undefined : links.join(' > ');
  }

  private projectDir(name: string): string | undefined {
    this.projects ??= workspaceProjects(this.gate.workspaceRoot);
    return this.projects.get(name);
  }
}

/** `a>b@^1`, `@s/x@2`, `x` -> the package whose specifier the override replaces. */
function overriddenName(selector: string): string {
  const last = selector.split('>').pop()!.trim();
  const at = last.indexOf('@', 1);
  return at === -1 ? last : last.slice(0, at);
}

/** `resolutions` and `pnpm.overrides` of the root package.json (pnpm 10 reads both into its overrides). */
function rootManifestOverrides(root: string): Record<string, unknown> {
  try {
    const m = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      resolutions?: unknown;
      pnpm?: { overrides?: unknown };
    };
    const obj = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
    return { ...obj(m.resolutions), ...obj(m.pnpm?.overrides) };
  } catch {
    return {};
  }
}

function asProblem(e: unknown): SumgateError {
  if (isSumgateError(e)) return e;
  throw e;
}
