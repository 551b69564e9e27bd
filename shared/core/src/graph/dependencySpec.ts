/**
 * What a dependency specifier points at, as npm, pnpm and Yarn read it: the registry (a range, a
 * tag, `npm:` aliases, catalogs), the workspace, or an exotic source (a tarball URL, a git
 * repository, a path on disk). Only registry packages can be proven in the checksum log; the rest
 * need an explicit, pinned entry in the policy's `exotic` list.
 */
export type SpecKind = 'registry' | 'workspace' | 'tarball' | 'git' | 'local' | 'other';

export interface DependencySpec {
  readonly kind: SpecKind;
  /** The specifier as written. */
  readonly spec: string;
  /** For git: the full commit hash the specifier pins (`#<sha>` or `#commit=<sha>`), if any. */
  readonly commit?: string | undefined;
}

const GIT_PREFIX = /^(git\+[a-z]+:|git:|git@|ssh:|github:|gitlab:|bitbucket:|gist:)/i;
const GITHUB_SHORTHAND = /^[A-Za-z0-9][\w.-]*\/[\w.-]+(#.*)?$/;
const LOCAL_PREFIX = /^(file:|link:|portal:|patch:|\.{1,2}\/|\/|~\/|[A-Za-z]:[\\/])/;
const COMMIT = /^[0-9a-f]{40}$/;

export function classifySpec(spec: string): DependencySpec {
  const s = spec.trim();
  if (s.startsWith('workspace:')) return { kind: 'workspace', spec };
  if (s.startsWith('npm:') || s.startsWith('catalog:')) return { kind: 'registry', spec };
  if (GIT_PREFIX.test(s)) return { kind: 'git', spec, commit: commitOf(s) };
  if (/^https?:\/\//i.test(s)) {
    return /\.git(#|$)/i.test(s) ? { kind: 'git', spec, commit: commitOf(s) } : { kind: 'tarball', spec };
  }
  if (LOCAL_PREFIX.test(s)) return { kind: 'local', spec };
  if (/^[a-z][a-z0-9+.-]*:/i.test(s)) return { kind: 'other', spec };
  if (GITHUB_SHORTHAND.test(s) && !s.startsWith('@')) return { kind: 'git', spec, commit: commitOf(s) };
  return { kind: 'registry', spec };
}

/** The commit a git specifier pins: `#<40 hex>` or Yarn's `#commit=<40 hex>`; a branch, tag or range is no pin. */
function commitOf(spec: string): string | undefined {
  const hash = spec.indexOf('#');
  if (hash === -1) return undefined;
  for (const part of spec.slice(hash + 1).split('&')) {
    const value = part.startsWith('commit=') ? part.slice('commit='.length) : part;
    if (COMMIT.test(value.toLowerCase())) return value.toLowerCase();
  }
  return undefined;
}

export function isExotic(kind: SpecKind): boolean {
  return kind === 'tarball' || kind === 'git' || kind === 'local' || kind === 'other';
}
