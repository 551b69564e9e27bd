/**
 * The drop-in `.pnpmfile.cjs`. pnpm 10 loads only `.pnpmfile.cjs`; pnpm 12 loads `.pnpmfile.mjs`
 * when present and then silently ignores the `.cjs` (research: pnpm-hooks.md, "Hook API"), so a
 * `.pnpmfile.mjs` would switch sumgate off on pnpm 12.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PNPMFILE = '.pnpmfile.cjs';

export type PnpmfileState =
  | { readonly kind: 'absent' | 'current' }
  | { readonly kind: 'conflict'; readonly why: string; readonly fix: string };

export function pnpmfileState(root: string, bundle: string): PnpmfileState {
  const target = path.join(root, PNPMFILE);
  if (existsSync(path.join(root, '.pnpmfile.mjs'))) {
    return {
      kind: 'conflict',
      why: `${path.join(root, '.pnpmfile.mjs')} exists: pnpm 12 loads it and ignores ${PNPMFILE}, so the sumgate hooks would never run there`,
      fix: `move its hooks into ${PNPMFILE} (CommonJS: pnpm 10 only loads that one) and delete it, then re-run sumgate init`,
    };
  }
  if (!existsSync(target)) return { kind: 'absent' };
  if (readFileSync(target).equals(readFileSync(bundle))) return { kind: 'current' };
  const ours = readFileSync(target, 'utf8').includes('sumgate');
  return {
    kind: 'conflict',
    why: ours
      ? `${target} is another version of the sumgate pnpmfile`
      : `${target} already exists with other hooks, and pnpm loads only one pnpmfile`,
    fix: ours
      ? `delete it and re-run sumgate init to install this version (then \`pnpm install\` to update pnpmfileChecksum in pnpm-lock.yaml)`
      : `merge by hand: keep your hooks and call sumgate's (require('${bundle}').hooks), or move your hooks elsewhere; sumgate does not overwrite it`,
  };
}

/** `registry=` from the project's .npmrc (what pnpm uses), if set. */
export function npmrcRegistry(root: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(root, '.npmrc'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^\s*registry\s*=\s*(\S+)\s*$/m.exec(text);
  return m?.[1];
}
