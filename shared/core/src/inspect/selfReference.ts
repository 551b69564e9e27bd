/**
 * A bare specifier naming the package itself (`import('puppeteer/internal/node/install.js')` inside
 * puppeteer): Node resolves it to the package's own files, by self-reference or because npm and
 * pnpm place a package beside its own name in node_modules. With an `exports` map, the subpath is
 * mapped through it: every target of the key or `*` pattern that matches, under every condition
 * (a superset of what any condition picks); without one, the subpath is a path in the package.
 * What decided it is the root manifest's `name`, `main` and `exports`, and only those: they are
 * part of the install code as {@link SELF_REFERENCE_INPUT} (a dependency's range is not).
 */
import type { ReadFile } from './nodeResolution.js';
import { packageRelative } from './nodeResolution.js';

function targetsOf(value: unknown, star: string | undefined, out: string[]): void {
  if (typeof value === 'string') out.push(star === undefined ? value : value.split('*').join(star));
  else if (Array.isArray(value)) for (const v of value) targetsOf(v, star, out);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) targetsOf(v, star, out);
}

/** The install code's entry for the manifest fields a self-reference was resolved with (no tar path starts with '/'). */
export const SELF_REFERENCE_INPUT = '/package.json#exports';

/** Package paths a self-referencing specifier can load, and the manifest fields that decided them (undefined: it does not name the package). */
export function selfReference(
  read: ReadFile,
  spec: string,
): { targets: string[]; decidedBy: string } | undefined {
  const bytes = read('package.json');
  if (bytes === undefined) return undefined;
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const name = manifest['name'];
  if (typeof name !== 'string' || (spec !== name && !spec.startsWith(`${name}/`))) return undefined;
  const subpath = spec === name ? '.' : `./${spec.slice(name.length + 1)}`;
  const exports = manifest['exports'];
  const targets: string[] = [];
  if (exports === undefined || exports === null) {
    const main = manifest['main'];
    targets.push(subpath === '.' ? (typeof main === 'string' && main !== '' ? main : 'index.js') : subpath);
  } else if (
    typeof exports === 'string' ||
    Array.isArray(exports) ||
    Object.keys(exports as object).every((k) => !k.startsWith('.'))
  ) {
    if (subpath === '.') targetsOf(exports, undefined, targets);
  } else {
    for (const [key, value] of Object.entries(exports as Record<string, unknown>)) {
      const star = key.indexOf('*');
      if (star < 0) {
        // exact keys (trailing-slash folder mappings are gone since Node 17)
        if (key === subpath) targetsOf(value, undefined, targets);
        continue;
      }
      const before = key.slice(0, star);
      const after = key.slice(star + 1);
      if (
        subpath.startsWith(before) &&
        subpath.endsWith(after) &&
        subpath.length >= before.length + after.length
      ) {
        targetsOf(value, subpath.slice(before.length, subpath.length - after.length), targets);
      }
    }
  }
  return {
    targets: targets.map((t) => packageRelative('', t)).filter((t): t is string => t !== undefined),
    decidedBy: `json:${JSON.stringify({ name, main: manifest['main'] ?? null, exports: exports ?? null })}`,
  };
}
