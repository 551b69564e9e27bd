import { classifySpec } from '../graph/dependencySpec.js';
import type { ExoticAllowance } from './policy.js';
import { policyError } from './policyError.js';

const SHA512_SRI = /^sha512-[A-Za-z0-9+/]{86}==$/;
const COMMIT = /^[0-9a-f]{40}$/;
const NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-]+$/i;

/**
 * `exotic`: the tarball-URL and git dependencies a project allows, each pinned: a tarball by its
 * sha512 integrity, a git repository by a full commit named in the specifier itself (so the
 * package manager fetches exactly that commit). A path outside the workspace cannot be pinned and
 * is always refused.
 */
export function exoticOf(file: string, v: unknown): ExoticAllowance[] {
  if (!Array.isArray(v))
    throw policyError(
      file,
      'exotic',
      'an array of {"package", "spec", "integrity" | "commit", "transitive"?}',
      v,
    );
  return v.map((item, i) => {
    const key = `exotic[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw policyError(file, key, 'an object', item);
    const o = item as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!['package', 'spec', 'integrity', 'commit', 'transitive', 'note'].includes(k)) {
        throw policyError(
          file,
          `${key}.${k}`,
          'one of the known keys (package, spec, integrity, commit, transitive, note)',
        );
      }
    }
    if (typeof o.package !== 'string' || !NAME.test(o.package))
      throw policyError(file, `${key}.package`, 'a package name', o.package);
    if (typeof o.spec !== 'string' || o.spec === '')
      throw policyError(
        file,
        `${key}.spec`,
        'the dependency specifier exactly as package.json writes it',
        o.spec,
      );
    const spec = classifySpec(o.spec);
    if (spec.kind === 'registry' || spec.kind === 'workspace') {
      throw policyError(
        file,
        `${key}.spec`,
        'a tarball URL or a git repository (registry versions need no entry)',
        o.spec,
      );
    }
    if (spec.kind === 'local' || spec.kind === 'other') {
      throw policyError(
        file,
        `${key}.spec`,
        'a tarball URL or a git repository: a path outside the workspace or another protocol cannot be pinned (move the package into the workspace, or publish it)',
        o.spec,
      );
    }
    const integrity = o.integrity;
    if (integrity !== undefined && (typeof integrity !== 'string' || !SHA512_SRI.test(integrity))) {
      throw policyError(file, `${key}.integrity`, 'a sha512 SRI "sha512-..."', integrity);
    }
    if (spec.kind === 'tarball' && integrity === undefined) {
      throw policyError(
        file,
        `${key}.integrity`,
        "the tarball's sha512 SRI (a tarball URL is pinned by its bytes)",
      );
    }
    const commit = o.commit;
    if (commit !== undefined && (typeof commit !== 'string' || !COMMIT.test(commit)))
      throw policyError(file, `${key}.commit`, 'a full 40-hex commit', commit);
    if (spec.kind === 'git') {
      if (commit === undefined)
        throw policyError(file, `${key}.commit`, 'the full commit the repository is pinned to');
      if (spec.commit !== commit)
        throw policyError(
          file,
          `${key}.spec`,
          `a git specifier that names the pinned commit (…#${String(commit)})`,
          o.spec,
        );
    }
    if (o.transitive !== undefined && typeof o.transitive !== 'boolean')
      throw policyError(file, `${key}.transitive`, 'true or false', o.transitive);
    if (o.note !== undefined && typeof o.note !== 'string')
      throw policyError(file, `${key}.note`, 'a string', o.note);
    return {
      package: o.package,
      spec: o.spec,
      integrity: integrity as string | undefined,
      commit: commit as string | undefined,
      transitive: o.transitive === true,
      note: o.note as string | undefined,
    };
  });
}
