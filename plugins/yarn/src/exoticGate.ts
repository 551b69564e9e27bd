import { classifySpec, decideExotic, inspectExotic, judgeDependency } from '@sumgate/core';
import type { ExoticAllowance, Gate, InspectedExotic } from '@sumgate/core';
import { structUtils } from '@yarnpkg/core';
import type { Descriptor, Locator, Project } from '@yarnpkg/core';
import { npath } from '@yarnpkg/fslib';
import { builtinPatchedRange } from './builtinPatch.js';
import { reportingSumgateErrors } from './reportErrors.js';
import { sessionFor } from './session.js';

const inspected = new Map<string, Promise<InspectedExotic>>();

/**
 * The `reduceDependency` hook: Yarn calls it for every dependency of every package and workspace
 * while it resolves, lockfile or not, before it fetches anything (Yarn fetches a git or tarball
 * dependency while resolving it, and a git dependency's fetch runs its `prepare`). An exotic
 * dependency (a tarball URL, git, a path outside the workspace) is refused unless the policy lists
 * it, pinned; what is listed is inspected at the pin, and install-time code in it is quarantined
 * until approved.
 */
export async function gateExoticDependency(
  dependency: Descriptor,
  project: Project,
  parent: Locator,
): Promise<Descriptor> {
  return reportingSumgateErrors(async () => {
    const session = sessionFor(project);
    const gate = session.gate;
    if (!gate.enabled) return dependency;
    // Yarn's compat plugin has already wrapped typescript/resolve/fsevents in its built-in patch
    const range = builtinPatchedRange(dependency.range) ?? dependency.range;
    const workspace = parent.reference.startsWith('workspace:')
      ? project.tryWorkspaceByLocator(parent)
      : null;
    const judged = judgeDependency(
      gate.policy,
      {
        parent:
          workspace !== null
            ? structUtils.stringifyIdent(parent)
            : `${structUtils.stringifyIdent(parent)}@${versionOf(parent)}`,
        alias: structUtils.stringifyIdent(dependency),
        spec: range,
        direct: workspace !== null,
        projectDir: workspace === null ? undefined : npath.fromPortablePath(workspace.cwd),
      },
      gate.workspaceRoot,
    );
    if (!judged.exotic) return dependency;
    const problem =
      'problem' in judged
        ? judged.problem
        : decideExotic(gate.policy, await inspectAt(judged.allowance, gate));
    if (problem === undefined) return dependency;
    if (gate.policy.mode !== 'warn') throw problem;
    session.say(`sumgate warning: ${problem.message}`);
    return dependency;
  });
}

/** An allowed exotic dependency's bytes at its pin, inspected once per process. */
export function inspectAt(allowance: ExoticAllowance, gate: Pick<Gate, 'sources'>): Promise<InspectedExotic> {
  let p = inspected.get(allowance.spec);
  if (p === undefined) {
    p = inspectExotic(gate.sources, allowance, classifySpec(allowance.spec));
    p.catch(() => inspected.delete(allowance.spec));
    inspected.set(allowance.spec, p);
  }
  return p;
}

function versionOf(locator: Locator): string {
  const { selector } = structUtils.parseRange(locator.reference);
  return selector;
}
