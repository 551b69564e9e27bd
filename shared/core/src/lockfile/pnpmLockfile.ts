import type { PackageRef } from '../gate.js';
import { isSemver } from '../verdict/previousVersion.js';

/**
 * The one reader of pnpm lockfiles: pnpm 10's in-memory object, pnpm 12's file shape and the parsed
 * pnpm-lock.yaml all key `packages` by depPath (`name@version(peers)` or `name@<url>`). A registry
 * package is one whose depPath names a semver version; everything else (a tarball URL, git, a
 * directory) is exotic, whatever `version` the entry also carries.
 */
export interface PnpmLockfileLike {
  readonly packages?: Readonly<Record<string, LockedPackage | undefined>> | undefined;
  readonly importers?: Readonly<Record<string, LockedImporter | undefined>> | undefined;
}

interface LockedResolution {
  readonly integrity?: string;
  readonly tarball?: string;
  readonly type?: string;
  readonly repo?: string;
  readonly commit?: string;
  readonly directory?: string;
}

interface LockedPackage {
  readonly name?: string;
  readonly version?: string;
  readonly resolution?: LockedResolution;
}

interface LockedImporter {
  /** pnpm 10's in-memory shape: alias -> specifier. */
  readonly specifiers?: Readonly<Record<string, string>>;
  /** The file shape: alias -> {specifier, version}; in memory: alias -> version. */
  readonly dependencies?: Readonly<Record<string, unknown>>;
  readonly devDependencies?: Readonly<Record<string, unknown>>;
  readonly optionalDependencies?: Readonly<Record<string, unknown>>;
}

export interface LockedExotic {
  readonly depPath: string;
  readonly name: string;
  readonly kind: 'tarball' | 'git' | 'local';
  readonly integrity: string | undefined;
  readonly commit: string | undefined;
  /** The tarball URL, repository or directory the lockfile resolved it to. */
  readonly location: string | undefined;
}

/** `/@scope/name@1.0.0(peer@2)` or `name@1.0.0` -> name and version (the version may be a URL). */
export function parseDepPath(depPath: string): { name: string; version: string } | undefined {
  const key = depPath.replace(/^\//, '').replace(/\(.*$/, '');
  const at = key.indexOf('@', 1);
  if (at === -1) return undefined;
  return { name: key.slice(0, at), version: key.slice(at + 1) };
}

/** The registry packages of a pnpm lockfile, each once, with the integrity and tarball URL it records. */
export function lockedRegistryPackages(lockfile: PnpmLockfileLike | undefined): PackageRef[] {
  const out = new Map<string, PackageRef>();
  for (const [depPath, pkg] of Object.entries(lockfile?.packages ?? {})) {
    const parsed = parseDepPath(depPath);
    const res = pkg?.resolution;
    if (parsed === undefined || res === undefined || res.type !== undefined || !isSemver(parsed.version))
      continue;
    if (res.tarball !== undefined && !/^https?:\/\//.test(res.tarball)) continue;
    const name = pkg?.name ?? parsed.name;
    out.set(`${name}@${parsed.version}`, {
      name,
      version: parsed.version,
      integrity: res.integrity,
      tarballUrl: res.tarball,
    });
  }
  return [...out.values()];
}

/** The packages of a pnpm lockfile that no registry serves: tarball URLs, git commits, directories. */
export function lockedExoticPackages(lockfile: PnpmLockfileLike | undefined): LockedExotic[] {
  const out: LockedExotic[] = [];
  for (const [depPath, pkg] of Object.entries(lockfile?.packages ?? {})) {
    const parsed = parseDepPath(depPath);
    const res = pkg?.resolution;
    if (parsed === undefined || res === undefined) continue;
    if (
      res.type === undefined &&
      isSemver(parsed.version) &&
      (res.tarball === undefined || /^https?:\/\//.test(res.tarball))
    )
      continue;
    const name = pkg?.name ?? parsed.name;
    const kind =
      res.type === 'git'
        ? 'git'
        : res.type === 'directory' || res.tarball?.startsWith('file:') === true
          ? 'local'
          : 'tarball';
    out.push({
      depPath,
      name,
      kind,
      integrity: res.integrity,
      commit: res.commit,
      location: res.repo ?? res.tarball ?? res.directory ?? parsed.version,
    });
  }
  return out;
}

/** Every importer's direct dependencies as alias -> specifiers written in its package.json. */
export function importerSpecifiers(lockfile: PnpmLockfileLike | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (alias: string, spec: unknown) => {
    if (typeof spec !== 'string') return;
    let set = out.get(alias);
    if (set === undefined) {
      set = new Set();
      out.set(alias, set);
    }
    set.add(spec);
  };
  for (const importer of Object.values(lockfile?.importers ?? {})) {
    for (const [alias, spec] of Object.entries(importer?.specifiers ?? {})) add(alias, spec);
    for (const field of [importer?.dependencies, importer?.devDependencies, importer?.optionalDependencies]) {
      for (const [alias, dep] of Object.entries(field ?? {})) {
        if (typeof dep === 'object' && dep !== null) add(alias, (dep as { specifier?: unknown }).specifier);
      }
    }
  }
  return out;
}
