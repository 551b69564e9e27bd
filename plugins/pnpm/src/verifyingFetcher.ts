import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { toPnpmError } from './hostError.js';
import { parseDepPath } from './lockedPackages.js';
import { gateFor } from './session.js';

export interface TarballResolution {
  integrity?: string;
  tarball?: string;
  type?: string;
}

export interface FetchOpts {
  lockfileDir?: string;
  pkg?: { name?: string; version?: string; id?: string };
  [key: string]: unknown;
}

export interface Cafs {
  tempDir?: (() => string | Promise<string>) | string;
  [key: string]: unknown;
}

type LocalTarballFetcher = (cafs: Cafs, resolution: TarballResolution, opts: FetchOpts) => Promise<unknown>;

/** A registry tarball (not git, directory, file or a custom resolution). */
export function isRegistryTarball(resolution: TarballResolution | undefined): boolean {
  if (resolution === undefined || resolution.type !== undefined || resolution.integrity === undefined) return false;
  return resolution.tarball === undefined || /^https?:\/\//.test(resolution.tarball);
}

/**
 * Downloads the tarball from the policy's sources, verifies it against the checksum log and the
 * quarantine rules, and only then hands the verified bytes to pnpm's local-tarball fetcher. A
 * refusal happens before pnpm has anything in its store, so it is sticky: the next install calls
 * the fetcher again and is refused again. The lockfile keeps the upstream tarball URL.
 */
export async function fetchVerified(
  cafs: Cafs,
  resolution: TarballResolution,
  opts: FetchOpts,
  localTarball: LocalTarballFetcher | undefined,
  pkgId?: string,
): Promise<unknown> {
  const pkg = packageOf(opts, pkgId);
  const gate = gateFor(opts.lockfileDir);
  let verified;
  try {
    verified = await gate.fetchVerified({ name: pkg.name, version: pkg.version, integrity: resolution.integrity, tarballUrl: resolution.tarball });
  } catch (e) {
    throw toPnpmError(e);
  }
  const where = verified.verdict.logIndex === undefined ? verified.verdict.decision : `log leaf ${verified.verdict.logIndex}`;
  console.error(`sumgate: ${verified.verdict.decision} ${pkg.name}@${pkg.version} from ${verified.source} (${where})`);

  const dir = typeof cafs.tempDir === 'function' ? await cafs.tempDir() : typeof cafs.tempDir === 'string' ? cafs.tempDir : os.tmpdir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `sumgate-${randomBytes(6).toString('hex')}.tgz`);
  writeFileSync(file, verified.bytes);
  const local = { integrity: verified.integrity, tarball: `file:${file}` };
  if (localTarball === undefined) return { delegate: local };
  try {
    return await localTarball(cafs, local, opts);
  } finally {
    rmSync(file, { force: true });
  }
}

function packageOf(opts: FetchOpts, pkgId: string | undefined): { name: string; version: string } {
  if (opts.pkg?.name !== undefined && opts.pkg.version !== undefined) return { name: opts.pkg.name, version: opts.pkg.version };
  const parsed = parseDepPath(opts.pkg?.id ?? pkgId ?? '');
  if (parsed === undefined) throw new Error(`sumgate: pnpm did not say which package this tarball is (${pkgId ?? 'no id'})`);
  return parsed;
}
