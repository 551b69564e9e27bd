/**
 * What a package's install hooks really run, over the files the package manager extracts:
 * - every path word of a hook command, resolved as Node resolves `node <word>` (extensions, a
 *   directory's package.json `main`, index files); JavaScript entries are followed through their
 *   static require/import closure (jsClosure.ts);
 * - package scripts a hook command names (`npm run build`, `yarn build`), followed the same way;
 * - node-gyp's inputs (gypInputs.ts) whenever node-gyp runs: the implicit build, or a hook word
 *   `node-gyp` / `node-gyp-build...`;
 * - the names of the package's dependencies: a dependency's `bin` is linked onto the PATH the hooks
 *   run with and can shadow any command word (`node`, `sh`, `node-gyp`, a helper's bin), so a new
 *   dependency is new install-time code. (Its own files are its own install code only when it has
 *   hooks; a package's code is fingerprinted per package.)
 */
import { jsClosure } from './jsClosure.js';
import type { Widening } from './jsClosure.js';
import { gypInputs } from './gypInputs.js';
import { resolveNodePath } from './nodeResolution.js';
import type { ReadFile } from './nodeResolution.js';

export interface HookInputs {
  /** path -> normalised JavaScript text or raw bytes. */
  readonly files: Map<string, Uint8Array | string>;
  /** Scripts named by a hook command: name -> command. */
  readonly scripts: Array<{ name: string; command: string }>;
  /** Names of dependencies whose bins are on the hooks' PATH, sorted. */
  readonly dependencies: string[];
  readonly widened: Widening[];
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'];

/** Words of a shell command, quotes removed. */
export function commandWords(command: string): string[] {
  return command
    .split(/[\s;&|()<>`]+/)
    .map((w) => w.replace(/["']/g, ''))
    .filter((w) => w.length > 0);
}

export function runsNodeGyp(command: string): boolean {
  return commandWords(command).some((w) => /^node-gyp(?:$|-build)/.test(w.split('/').pop() ?? ''));
}

function scriptsOf(manifest: Record<string, unknown>): Record<string, string> {
  const s = manifest['scripts'];
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return {};
  return Object.fromEntries(
    Object.entries(s as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}

export function dependencyNames(manifest: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const field of DEPENDENCY_FIELDS) {
    const deps = manifest[field];
    if (typeof deps === 'object' && deps !== null && !Array.isArray(deps))
      for (const n of Object.keys(deps)) names.add(n);
  }
  return [...names].sort();
}

export function hookInputs(
  manifest: Record<string, unknown>,
  commands: readonly string[],
  implicitGyp: boolean,
  read: ReadFile,
  allPaths: readonly string[],
  pathTokens: (command: string) => string[],
): HookInputs {
  const scripts = scriptsOf(manifest);
  const named: Array<{ name: string; command: string }> = [];
  const pending = [...commands];
  const seen = new Set(commands);
  const all: string[] = [];
  while (pending.length > 0) {
    const command = pending.shift()!;
    all.push(command);
    for (const w of commandWords(command)) {
      const script = scripts[w];
      if (script !== undefined && !named.some((n) => n.name === w)) {
        named.push({ name: w, command: script });
        if (!seen.has(script)) {
          seen.add(script);
          pending.push(script);
        }
      }
    }
  }
  const entries = new Set<string>();
  const steering = new Set<string>();
  const gyp = implicitGyp || all.some(runsNodeGyp);
  const tokens = all.flatMap(pathTokens);
  if (gyp) {
    const g = gypInputs(read);
    for (const f of g.gypFiles) steering.add(f);
    tokens.push(...g.commandWords);
  }
  for (const token of tokens) {
    const r = resolveNodePath(read, token);
    for (const pj of r.decidedBy) steering.add(pj);
    if (r.file !== undefined) entries.add(r.file);
  }
  const version = manifest['version'];
  const name = manifest['name'];
  const closure = jsClosure(read, allPaths, entries, {
    name: typeof name === 'string' ? name : undefined,
    version: typeof version === 'string' ? version : undefined,
  });
  for (const f of steering) if (!closure.files.has(f)) closure.files.set(f, read(f)!);
  // A hook that reads its own package.json (for its version) is not new code each release: every
  // string equal to the version (the `version` field, exact pins of its own platform packages) is
  // normalised; other strings starting with '<' get one more, so no real string reads as the marker.
  if (closure.files.has('package.json')) {
    const marked = (v: unknown): unknown =>
      typeof v !== 'string'
        ? v
        : typeof version === 'string' && v === version
          ? '<version>'
          : v.startsWith('<')
            ? `<${v}`
            : v;
    closure.files.set('package.json', `json:${JSON.stringify(manifest, (_k, v: unknown) => marked(v))}`);
  }
  return {
    files: closure.files,
    scripts: named.sort((a, b) => (a.name < b.name ? -1 : 1)),
    dependencies: dependencyNames(manifest),
    widened: closure.widened,
  };
}
