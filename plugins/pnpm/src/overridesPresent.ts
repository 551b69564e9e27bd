import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether updateConfig has any override to judge (GraphGuard.checkOverrides): the config's own
 * (pnpm-workspace.yaml), or `resolutions` / `pnpm.overrides` in a package.json at or above `dir`.
 * Every ancestor counts, not only the workspace root the gate would find, so this can only say
 * "yes" more often than needed, never skip an override the guard would judge. Needs no core: with
 * no overrides pnpm 12's config worker never loads it.
 */
export function overridesPresent(
  overrides: Readonly<Record<string, unknown>> | undefined,
  dir: string,
): boolean {
  if (overrides !== undefined && overrides !== null && Object.keys(overrides).length > 0) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (manifestHasOverrides(path.join(d, 'package.json'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

function manifestHasOverrides(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
      return false;
    return true; // unreadable: let the guard look (and fail) properly
  }
  let m: { resolutions?: unknown; pnpm?: { overrides?: unknown } };
  try {
    m = JSON.parse(text) as typeof m;
  } catch {
    return true; // not JSON: the same
  }
  const some = (v: unknown) => typeof v === 'object' && v !== null && Object.keys(v).length > 0;
  return some(m?.resolutions) || some(m?.pnpm?.overrides);
}
