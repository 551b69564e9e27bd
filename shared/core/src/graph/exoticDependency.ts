import { homedir } from 'node:os';
import path from 'node:path';
import { SumgateError } from '../errors.js';
import type { ExoticAllowance, Policy } from '../policy/policy.js';
import { classifySpec, isExotic } from './dependencySpec.js';
import type { DependencySpec } from './dependencySpec.js';

/** One dependency as a manifest declares it: who asks, under which name, with which specifier. */
export interface DependencyEdge {
  /** Who declares it: `name@version` of a package, or a workspace project's name. */
  readonly parent: string;
  readonly alias: string;
  readonly spec: string;
  /** Declared by a workspace project (a direct dependency), not by an installed package. */
  readonly direct: boolean;
  /** Who brought the parent in, outermost first (`app > a@1.0.0`), when known. */
  readonly via?: string | undefined;
  /** For a direct dependency: the project's directory (a relative path is resolved from it). */
  readonly projectDir?: string | undefined;
}

export type ExoticJudgement =
  | { readonly exotic: false }
  | { readonly exotic: true; readonly spec: DependencySpec; readonly allowance: ExoticAllowance }
  | { readonly exotic: true; readonly spec: DependencySpec; readonly problem: SumgateError };

/**
 * The rule for exotic dependencies (pnpm 11's blockExoticSubdeps, made strict): one below the top
 * level is refused unless the policy lists it with `transitive: true`; a direct one only when the
 * policy lists exactly that name and specifier. What is allowed is still pinned and inspected.
 */
export function judgeDependency(
  policy: Policy,
  edge: DependencyEdge,
  workspaceRoot?: string,
): ExoticJudgement {
  const spec = classifySpec(edge.spec);
  if (!isExotic(spec.kind)) return { exotic: false };
  if (
    spec.kind === 'local' &&
    edge.direct &&
    workspaceRoot !== undefined &&
    edge.projectDir !== undefined &&
    isInside(workspaceRoot, localPath(edge.projectDir, edge.spec))
  )
    return { exotic: false };
  const file = policy.file ?? 'sumgate.jsonc';
  const what = `${edge.alias}@${edge.spec}`;
  const allowance = policy.exotic.find((a) => a.package === edge.alias && a.spec === edge.spec);
  const where = edge.direct
    ? `a direct dependency of ${edge.parent}`
    : `required by ${edge.parent}${edge.via === undefined ? '' : `; chain: ${edge.via} > ${edge.parent} > ${edge.alias}`}`;
  if (allowance !== undefined && (edge.direct || allowance.transitive))
    return { exotic: true, spec, allowance };
  const pin =
    spec.kind === 'tarball'
      ? ', "integrity": "sha512-..."'
      : spec.kind === 'git'
        ? ', "commit": "<40-hex commit the specifier names>"'
        : '';
  const fix = edge.direct
    ? `if you trust it, add {"package": "${edge.alias}", "spec": "${edge.spec}"${pin}} to "exotic" in ${file}; then its install-time code is reviewed like any other`
    : allowance !== undefined
      ? `it is listed in "exotic" only as a direct dependency: add "transitive": true to that entry in ${file} if ${edge.parent} may bring it`
      : `ask ${edge.parent.replace(/@[^@]*$/, '')}'s maintainers to depend on a registry version, or list it in "exotic" with "transitive": true${pin ? ' and its pin' : ''} in ${file}`;
  return {
    exotic: true,
    spec,
    problem: new SumgateError(
      'EXOTIC_SOURCE',
      `${what} (${kindText(spec)}, ${where}) is not from a registry: nothing proves its bytes in the checksum log`,
      {
        pkg: what,
        fix,
        data: {
          parent: edge.parent,
          via: edge.via,
          alias: edge.alias,
          spec: edge.spec,
          kind: spec.kind,
          direct: edge.direct,
        },
      },
    ),
  };
}

function kindText(spec: DependencySpec): string {
  switch (spec.kind) {
    case 'tarball':
      return 'a tarball URL';
    case 'git':
      return spec.commit === undefined ? 'a git repository, no commit pinned' : 'a git repository';
    case 'local':
      return 'a path outside the workspace';
    default:
      return 'an unknown protocol';
  }
}

/** Every dependency a manifest declares, in its dependency fields. */
export function dependencyEdges(
  manifest: { name?: string; version?: string; [k: string]: unknown },
  direct: boolean,
): DependencyEdge[] {
  const parent = direct
    ? (manifest.name ?? 'the workspace root')
    : `${manifest.name ?? '?'}@${manifest.version ?? '?'}`;
  const fields = direct
    ? ['dependencies', 'devDependencies', 'optionalDependencies']
    : ['dependencies', 'optionalDependencies'];
  const edges: DependencyEdge[] = [];
  for (const field of fields) {
    const deps = manifest[field];
    if (typeof deps !== 'object' || deps === null) continue;
    for (const [alias, spec] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof spec === 'string') edges.push({ parent, alias, spec, direct });
    }
  }
  return edges;
}

/** The directory or file a local specifier names, resolved from the declaring project. */
export function localPath(projectDir: string, spec: string): string {
  const bare = spec.replace(/^(file|link|portal):/, '');
  return bare.startsWith('~/') ? path.join(homedir(), bare.slice(2)) : path.resolve(projectDir, bare);
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
