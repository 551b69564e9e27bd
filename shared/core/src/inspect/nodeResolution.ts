/**
 * Node's CommonJS resolution of a path (relative to the package root) over the files a package
 * manager extracts: LOAD_AS_FILE (exact, .js, .json, .node) then LOAD_AS_DIRECTORY (package.json
 * `main`, as a file then as a directory index; then index.js, index.json, index.node). ESM imports
 * need the exact path, which is tried first, so this is a superset for them.
 * Returns the resolved file and the files that decided it (a directory's package.json).
 */
import { posix } from 'node:path';

export type ReadFile = (path: string) => Uint8Array | undefined;

const FILE_EXTENSIONS = ['', '.js', '.json', '.node'];
const INDEX_FILES = ['index.js', 'index.json', 'index.node'];

/** A package-relative path, or undefined when it leaves the package (or is empty). */
export function packageRelative(fromDir: string, spec: string): string | undefined {
  const joined = posix.normalize(posix.join(fromDir === '' ? '.' : fromDir, spec));
  if (
    joined === '.' ||
    joined === '' ||
    joined.startsWith('../') ||
    joined === '..' ||
    posix.isAbsolute(joined)
  )
    return undefined;
  return joined.replace(/\/+$/, '');
}

function asFile(read: ReadFile, path: string): string | undefined {
  for (const ext of FILE_EXTENSIONS) if (read(path + ext) !== undefined) return path + ext;
  return undefined;
}

function asIndex(read: ReadFile, dir: string): string | undefined {
  for (const index of INDEX_FILES) if (read(`${dir}/${index}`) !== undefined) return `${dir}/${index}`;
  return undefined;
}

export interface Resolved {
  readonly file: string | undefined;
  /** package.json files that steered the resolution (hashed with the code: a new `main` is new code). */
  readonly decidedBy: readonly string[];
}

export function resolveNodePath(read: ReadFile, path: string): Resolved {
  const file = asFile(read, path);
  if (file !== undefined) return { file, decidedBy: [] };
  const pjPath = `${path}/package.json`;
  const pj = read(pjPath);
  if (pj !== undefined) {
    const main = mainOf(pj);
    if (main !== undefined) {
      const target = packageRelative(path, main);
      if (target !== undefined) {
        const hit = asFile(read, target) ?? asIndex(read, target);
        if (hit !== undefined) return { file: hit, decidedBy: [pjPath] };
      }
    }
    return { file: asIndex(read, path), decidedBy: [pjPath] };
  }
  return { file: asIndex(read, path), decidedBy: [] };
}

/** A package.json's `main` string; undefined when absent or unreadable (Node then tries index files). */
function mainOf(bytes: Uint8Array): string | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const main = (parsed as Record<string, unknown>)['main'];
    return typeof main === 'string' && main.length > 0 ? main : undefined;
  } catch {
    return undefined;
  }
}
