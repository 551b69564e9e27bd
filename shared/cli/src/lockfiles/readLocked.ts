/**
 * The registry packages a lockfile pins, with the npm integrity each one is expected to have.
 * pnpm-lock.yaml is read by the core's one pnpm lockfile reader (the adapters use it too); the
 * name@version lists of the other formats come from @sumgate/log's parsers, integrity is added here.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lockedRegistryPackages, parsePnpmLockText, sha512Of } from '@sumgate/core';
import { parsePackageLock, parseYarnLock } from '@sumgate/log';
import { packageLockIntegrities } from './packageLockIntegrity.js';
import { yarnClassicIntegrities } from './yarnClassicIntegrity.js';

export type LockfileKind = 'pnpm-lock.yaml' | 'yarn.lock' | 'package-lock.json';

export const LOCKFILE_NAMES: readonly LockfileKind[] = ['pnpm-lock.yaml', 'yarn.lock', 'package-lock.json'];

export interface LockedEntry {
  readonly name: string;
  readonly version: string;
  /** sha512 SRI the lockfile pins (undefined: the format keeps none, see `integrityFrom`). */
  readonly integrity: string | undefined;
  readonly tarballUrl?: string | undefined;
}

export interface Locked {
  readonly kind: LockfileKind;
  readonly file: string;
  readonly entries: LockedEntry[];
  /** Yarn Berry keeps no npm integrity: entries must be resolved through the sources. */
  readonly integrityInLockfile: boolean;
}

export class LockfileError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'LockfileError';
  }
}

/** The lockfile in `root`; throws when there is none or more than one. */
export function findLockfile(root: string): string {
  const found = LOCKFILE_NAMES.map((n) => path.join(root, n)).filter((f) => existsSync(f));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new LockfileError(
      `no lockfile in ${root} (looked for ${LOCKFILE_NAMES.join(', ')})`,
      'run the install once to create it, or pass --lockfile <path>',
    );
  }
  throw new LockfileError(
    `several lockfiles in ${root}: ${found.map((f) => path.basename(f)).join(', ')}`,
    'pass the one your installs use with --lockfile <path>',
  );
}

export function lockfileKind(file: string): LockfileKind {
  const base = path.basename(file);
  if (base.endsWith('.yaml') || base.endsWith('.yml')) return 'pnpm-lock.yaml';
  if (base.endsWith('.json')) return 'package-lock.json';
  if (base.endsWith('.lock')) return 'yarn.lock';
  throw new LockfileError(
    `${file}: not a lockfile sumgate can read`,
    'pass a pnpm-lock.yaml, yarn.lock or package-lock.json',
  );
}

export function readLocked(file: string): Locked {
  const kind = lockfileKind(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LockfileError(
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'check the path given to --lockfile',
    );
  }
  try {
    return parseLockedText(kind, file, text);
  } catch (e) {
    if (e instanceof LockfileError) throw e;
    const fix = (e as { fix?: unknown }).fix;
    throw new LockfileError(
      `${file} is not a readable ${kind}: ${(e as Error).message}`,
      typeof fix === 'string' ? fix : 'regenerate it with the package manager',
    );
  }
}

function dedupe(entries: LockedEntry[]): LockedEntry[] {
  const seen = new Map<string, LockedEntry>();
  for (const e of entries) seen.set(`${e.name}@${e.version}#${e.integrity ?? ''}`, e);
  return [...seen.values()];
}

export function parseLockedText(kind: LockfileKind, file: string, text: string): Locked {
  if (kind === 'pnpm-lock.yaml') {
    const entries = lockedRegistryPackages(parsePnpmLockText(text)).map((p) => ({
      name: p.name,
      version: p.version,
      integrity: sha512Of(p.integrity),
      tarballUrl: p.tarballUrl,
    }));
    return { kind, file, entries: dedupe(entries), integrityInLockfile: true };
  }
  if (kind === 'package-lock.json') {
    const integrity = packageLockIntegrities(text);
    const entries = parsePackageLock(text).flatMap((p) =>
      [...(integrity.get(`${p.name}@${p.version}`) ?? [undefined])].map((i) => ({ ...p, integrity: i })),
    );
    return { kind, file, entries: dedupe(entries), integrityInLockfile: true };
  }
  const classic = yarnClassicIntegrities(text);
  const berry = text.includes('__metadata:');
  const entries = parseYarnLock(text).map((p) => ({
    ...p,
    integrity: classic.get(`${p.name}@${p.version}`),
  }));
  return { kind, file, entries: dedupe(entries), integrityInLockfile: !berry };
}
