import { isSemver } from '@sumgate/core';
import type { PackageRef } from '@sumgate/core';

interface LockedResolution {
  integrity?: string;
  tarball?: string;
  type?: string;
}

interface LockedPackage {
  name?: string;
  version?: string;
  resolution?: LockedResolution;
}

/**
 * The registry packages of a pnpm lockfile (pnpm 10's in-memory object or pnpm 12's file shape:
 * both have `packages` keyed by depPath). Git, directory, file and custom resolutions are not
 * registry packages and are left to the package manager.
 */
export function lockedRegistryPackages(lockfile: { packages?: Record<string, LockedPackage | undefined> } | undefined): PackageRef[] {
  const out = new Map<string, PackageRef>();
  for (const [depPath, pkg] of Object.entries(lockfile?.packages ?? {})) {
    const res = pkg?.resolution;
    if (res === undefined || res.type !== undefined || res.integrity === undefined) continue;
    if (res.tarball !== undefined && !/^https?:\/\//.test(res.tarball)) continue;
    const parsed = parseDepPath(depPath);
    const name = pkg?.name ?? parsed?.name;
    const version = pkg?.version ?? parsed?.version;
    if (name === undefined || version === undefined || !isSemver(version)) continue;
    out.set(`${name}@${version}`, { name, version, integrity: res.integrity, tarballUrl: res.tarball });
  }
  return [...out.values()];
}

/** `/@scope/name@1.0.0(peer@2)` or `name@1.0.0` -> name and version. */
export function parseDepPath(depPath: string): { name: string; version: string } | undefined {
  const key = depPath.replace(/^\//, '').replace(/\(.*$/, '');
  const at = key.indexOf('@', 1);
  if (at === -1) return undefined;
  return { name: key.slice(0, at), version: key.slice(at + 1) };
}
