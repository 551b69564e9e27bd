/**
 * Which package manager a repository uses, from the files it commits: pnpm (pnpm-lock.yaml,
 * pnpm-workspace.yaml, `packageManager: pnpm@...`) or Yarn 2+ (a yarn.lock with `__metadata`,
 * .yarnrc.yml, `packageManager: yarn@2+`). The `packageManager` field decides when both appear.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type PackageManager = 'pnpm' | 'yarn';

export interface Detection {
  readonly manager: PackageManager | undefined;
  /** Why: the files or fields seen. */
  readonly evidence: string[];
  /** Set when the repo looks like something sumgate cannot plug into (Yarn classic). */
  readonly unsupported?: string | undefined;
  /** Set when both managers' files are present and nothing says which one wins. */
  readonly ambiguous?: boolean | undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function packageManagerField(root: string): string | undefined {
  const text = read(path.join(root, 'package.json'));
  if (text === undefined) return undefined;
  try {
    const pm = (JSON.parse(text) as { packageManager?: unknown }).packageManager;
    return typeof pm === 'string' ? pm : undefined;
  } catch {
    return undefined;
  }
}

export function detectPackageManager(root: string): Detection {
  const pnpm: string[] = [];
  const yarn: string[] = [];
  let yarnClassic: string | undefined;
  if (existsSync(path.join(root, 'pnpm-lock.yaml'))) pnpm.push('pnpm-lock.yaml');
  if (existsSync(path.join(root, 'pnpm-workspace.yaml'))) pnpm.push('pnpm-workspace.yaml');
  const yarnLock = read(path.join(root, 'yarn.lock'));
  if (yarnLock !== undefined) {
    if (yarnLock.includes('__metadata:')) yarn.push('yarn.lock (Yarn 2+)');
    else if (yarnLock.trim() !== '') yarnClassic = 'yarn.lock is a Yarn classic (v1) lockfile';
  }
  if (existsSync(path.join(root, '.yarnrc.yml'))) yarn.push('.yarnrc.yml');
  const pm = packageManagerField(root);
  const pmMatch = pm === undefined ? null : /^(pnpm|yarn)@(\d+)/.exec(pm);
  if (pmMatch !== null) {
    const field = `package.json "packageManager": "${pm}"`;
    if (pmMatch[1] === 'pnpm') return { manager: 'pnpm', evidence: [field, ...pnpm] };
    if (Number(pmMatch[2]) < 2)
      return { manager: undefined, evidence: [field], unsupported: `${field} is Yarn classic` };
    return { manager: 'yarn', evidence: [field, ...yarn] };
  }
  if (pnpm.length > 0 && yarn.length > 0)
    return { manager: undefined, evidence: [...pnpm, ...yarn], ambiguous: true };
  if (pnpm.length > 0) return { manager: 'pnpm', evidence: pnpm };
  if (yarn.length > 0) return { manager: 'yarn', evidence: yarn };
  if (yarnClassic !== undefined)
    return { manager: undefined, evidence: [yarnClassic], unsupported: yarnClassic };
  return { manager: undefined, evidence: [] };
}
