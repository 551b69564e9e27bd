import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { decideExotic, exoticMismatch, isSemver, parseDepPath, sha512Sri, SumgateError } from '@sumgate/core';
import type { ExoticAllowance, Gate, Policy } from '@sumgate/core';
import { toPnpmError } from './hostError.js';
import type { TarballResolution } from './resolutionKind.js';
import { gateFor, graphGuardFor } from './session.js';

export type { TarballResolution } from './resolutionKind.js';
export { isVerifiedByFetcher } from './resolutionKind.js';

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
  const gate = gateFor(opts.lockfileDir);
  let verified: { bytes: Buffer; integrity: string };
  try {
    const exotic = exoticTarball(gate.policy, resolution, opts, pkgId);
    if (exotic === 'unlisted') {
      // warn mode only (exoticTarball refuses otherwise): the bytes as the URL serves them
      const bytes = await gate.sources.fetchUrl(resolution.tarball!, resolution.tarball!);
      verified = { bytes, integrity: sha512Sri(bytes) };
    } else if (exotic !== undefined) {
      verified = await fetchExotic(gate, exotic, resolution);
    } else {
      const pkg = packageOf(opts, pkgId);
      const v = await gate.fetchVerified({
        name: pkg.name,
        version: pkg.version,
        integrity: resolution.integrity,
        tarballUrl: resolution.tarball,
      });
      const where = v.verdict.logIndex === undefined ? v.verdict.decision : `log leaf ${v.verdict.logIndex}`;
      console.error(`sumgate: ${v.verdict.decision} ${pkg.name}@${pkg.version} from ${v.source} (${where})`);
      verified = v;
    }
  } catch (e) {
    throw toPnpmError(e);
  }

  const dir =
    typeof cafs.tempDir === 'function'
      ? await cafs.tempDir()
      : typeof cafs.tempDir === 'string'
        ? cafs.tempDir
        : os.tmpdir();
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

/**
 * A tarball-URL dependency (its id names a URL, not a version, or the policy lists the URL): the
 * policy's entry for it, or a refusal when there is none.
 */
function exoticTarball(
  policy: Policy,
  resolution: TarballResolution,
  opts: FetchOpts,
  pkgId: string | undefined,
): ExoticAllowance | 'unlisted' | undefined {
  const url = resolution.tarball;
  if (url === undefined) return undefined;
  const listed = policy.exotic.find((a) => a.spec === url);
  if (listed !== undefined) return listed;
  // A registry tarball always comes with its package; pnpm 10 fetches a tarball URL while
  // resolving it with no package at all.
  const named =
    opts.pkg?.name !== undefined &&
    opts.pkg.version !== undefined &&
    isSemver(opts.pkg.version) &&
    opts.pkg.id === undefined;
  const id = parseDepPath(opts.pkg?.id ?? pkgId ?? '');
  if (named || (id !== undefined && isSemver(id.version))) return undefined;
  const what = `${opts.pkg?.name ?? id?.name ?? 'a dependency'}@${url}`;
  const problem = new SumgateError(
    'EXOTIC_SOURCE',
    `${what} (a tarball URL) is not from a registry: nothing proves its bytes in the checksum log`,
    {
      pkg: what,
      fix: `depend on a registry version, or list it in "exotic" with its "integrity"`,
    },
  );
  if (policy.mode !== 'warn') throw problem;
  console.error(`sumgate warning: ${problem.message}`);
  return 'unlisted';
}

async function fetchExotic(
  gate: Gate,
  allowance: ExoticAllowance,
  resolution: TarballResolution,
): Promise<{ bytes: Buffer; integrity: string }> {
  const inspected = await graphGuardFor(gate.workspaceRoot).exoticTarball(allowance);
  if (resolution.integrity !== undefined && resolution.integrity !== inspected.integrity) {
    throw exoticMismatch(`${allowance.package}@${allowance.spec}`, inspected.integrity, resolution.integrity);
  }
  const quarantined = decideExotic(gate.policy, inspected);
  if (quarantined !== undefined && gate.policy.mode !== 'warn') throw quarantined;
  if (quarantined !== undefined) console.error(`sumgate warning: ${quarantined.message}`);
  console.error(
    `sumgate: verified ${allowance.package}@${allowance.spec} (exotic, pinned by integrity in the policy)`,
  );
  return inspected;
}

function packageOf(opts: FetchOpts, pkgId: string | undefined): { name: string; version: string } {
  if (opts.pkg?.name !== undefined && opts.pkg.version !== undefined)
    return { name: opts.pkg.name, version: opts.pkg.version };
  const parsed = parseDepPath(opts.pkg?.id ?? pkgId ?? '');
  if (parsed === undefined)
    throw new Error(`sumgate: pnpm did not say which package this tarball is (${pkgId ?? 'no id'})`);
  return parsed;
}
