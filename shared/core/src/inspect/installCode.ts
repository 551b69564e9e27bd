/**
 * The install-time code of a package version, read from the package.json INSIDE its tarball (the
 * one npm, pnpm and Yarn run scripts from; the registry's metadata can differ: manifest confusion).
 * Rules and canonical text: shared/core/docs/record-format.md §"Install code".
 */
import { createHash } from 'node:crypto';
import { SumgateError } from '../errors.js';
import { withPackage } from './malformed.js';
import { openTarball, openTarballAsync } from './tarball.js';
import type { Tarball } from './tarball.js';
import { hookInputs } from './hookResolution.js';
import type { Widening } from './jsClosure.js';
import { installCodeV1Fingerprint } from './installCodeV1.js';

export type InstallHook = 'preinstall' | 'install' | 'node-gyp' | 'postinstall' | 'prepare';

/** The fixed order hooks are listed (and run) in. */
export const INSTALL_HOOKS: readonly InstallHook[] = [
  'preinstall',
  'install',
  'node-gyp',
  'postinstall',
  'prepare',
];

export interface InstallCode {
  /** In {@link INSTALL_HOOKS} order. */
  hooks: Array<{ hook: InstallHook; command: string }>;
  /**
   * Content hashes (lowercase hex SHA-256) of the files the hooks run, sorted by path; for
   * JavaScript also the hash of its normalised syntax tree (normalizedJs.ts), which the fingerprint uses.
   */
  files: Array<{ path: string; sha256: string; normalized?: string }>;
  /** Package scripts a hook command runs (`npm run build`), sorted by name. */
  scripts?: Array<{ name: string; command: string }>;
  /** Dependency names (their bins are on the hooks' PATH), sorted. */
  dependencies?: string[];
  /** Where a dynamic require/import widened the closure. */
  widened?: Widening[];
  /** {@link NO_INSTALL_CODE} or `sha256-<base64>` over the canonical text. */
  fingerprint: string;
  /** The same bytes under the v1 rules (installCodeV1.ts), to check and compare with v1 records. */
  v1?: string;
}

export interface InstallCodeOptions {
  /** Git dependencies also run `prepare` on install. */
  gitDependency?: boolean;
  /** `name@version` of the package, put in front of MALFORMED_TARBALL messages. */
  pkg?: string;
}

export const NO_INSTALL_CODE = 'none';

/** The implicit build npm, pnpm and Yarn run for a package with a binding.gyp. */
export const NODE_GYP_COMMAND = 'node-gyp rebuild';

const CANONICAL_HEADER = 'sumgate-install-code/v2\n';

function scriptOf(scripts: unknown, name: string): string | undefined {
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) return undefined;
  const value = (scripts as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** record-format.md §"Install code" rule 1: which hooks run, with which commands. */
function hooksOf(
  manifest: Record<string, unknown>,
  hasFile: (path: string) => boolean,
  opts: InstallCodeOptions,
): Array<{ hook: InstallHook; command: string }> {
  const scripts = manifest['scripts'];
  const preinstall = scriptOf(scripts, 'preinstall');
  const install = scriptOf(scripts, 'install');
  const postinstall = scriptOf(scripts, 'postinstall');
  const hooks: Array<{ hook: InstallHook; command: string }> = [];
  if (preinstall !== undefined) hooks.push({ hook: 'preinstall', command: preinstall });
  if (install !== undefined) hooks.push({ hook: 'install', command: install });
  // The implicit build, as the union of the package managers: npm skips it for a preinstall or
  // `"gypfile": false`, pnpm 10 and Yarn 4 do not; only an install script replaces it everywhere.
  if (install === undefined && hasFile('binding.gyp')) {
    hooks.push({ hook: 'node-gyp', command: NODE_GYP_COMMAND });
  }
  if (postinstall !== undefined) hooks.push({ hook: 'postinstall', command: postinstall });
  if (opts.gitDependency === true) {
    const prepare = scriptOf(scripts, 'prepare');
    if (prepare !== undefined) hooks.push({ hook: 'prepare', command: prepare });
  }
  return hooks;
}

/**
 * Candidate package paths named in a shell command: words split at blanks and shell operators,
 * quotes removed, the value of `--opt=value` words too; `./` and `.` segments dropped.
 */
export function pathTokens(command: string): string[] {
  const out = new Set<string>();
  for (const word of command.split(/[\s;&|()<>`]+/)) {
    const unquoted = word.replace(/["']/g, '');
    const eq = unquoted.lastIndexOf('=');
    for (const candidate of eq >= 0 ? [unquoted, unquoted.slice(eq + 1)] : [unquoted]) {
      const parts: string[] = [];
      let ok = candidate.length > 0 && !candidate.startsWith('/');
      for (const seg of candidate.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') ok = false;
        parts.push(seg);
      }
      if (ok && parts.length > 0) out.add(parts.join('/'));
    }
  }
  return [...out];
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** record-format.md §"Install code" rule 3: the canonical text and its hash. */
export function canonicalInstallText(
  code: Pick<InstallCode, 'hooks' | 'files' | 'scripts' | 'dependencies'>,
  version?: string,
): string {
  let text = CANONICAL_HEADER;
  for (const { hook, command } of code.hooks)
    text += `hook ${hook} ${JSON.stringify(withoutVersion(command, version))}\n`;
  for (const { name, command } of code.scripts ?? [])
    text += `script ${JSON.stringify(name)} ${JSON.stringify(withoutVersion(command, version))}\n`;
  if (code.dependencies !== undefined && code.dependencies.length > 0)
    text += `dependencies ${JSON.stringify(code.dependencies)}\n`;
  for (const { path, sha256, normalized } of code.files)
    text += `file ${JSON.stringify(path)} ${normalized ?? sha256}\n`;
  return text;
}

/** A command's own copy of the package version (`napi-postinstall pkg 1.11.1 check`) becomes `<version>`. */
function withoutVersion(command: string, version: string | undefined): string {
  if (version === undefined || version === '') return command;
  return command.split(version).reduce((acc, part, i, parts) => {
    if (i === 0) return part;
    const before = parts[i - 1]!;
    const boundary = !/[\w.+-]$/.test(before) && !/^[\w.+-]/.test(part);
    return `${acc}${boundary ? '<version>' : version}${part}`;
  }, '');
}

function computeInstallCode(
  manifest: Record<string, unknown>,
  read: (path: string) => Uint8Array | undefined,
  opts: InstallCodeOptions,
  allPaths: readonly string[],
): InstallCode {
  const hooks = hooksOf(manifest, (p) => read(p) !== undefined, opts);
  const v1 = installCodeV1Fingerprint(manifest, read, opts.gitDependency === true);
  if (hooks.length === 0) return { hooks, files: [], fingerprint: NO_INSTALL_CODE, v1 };
  // record-format.md §"Install code" rule 2: what the hooks run (hookResolution.ts).
  const inputs = hookInputs(
    manifest,
    hooks.filter((h) => h.hook !== 'node-gyp').map((h) => h.command),
    hooks.some((h) => h.hook === 'node-gyp'),
    read,
    allPaths,
    pathTokens,
  );
  const sorted = [...inputs.files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, content]) => {
      // an input that is not a file (selfReference.ts: the manifest fields that resolved a self-reference)
      // hashes its text
      const sha256 = sha256Hex(read(path) ?? new TextEncoder().encode(content as string));
      return typeof content === 'string'
        ? { path, sha256, normalized: sha256Hex(new TextEncoder().encode(content)) }
        : { path, sha256 };
    });
  const code = {
    hooks,
    files: sorted,
    scripts: inputs.scripts,
    dependencies: inputs.dependencies,
    widened: inputs.widened,
  };
  const version = typeof manifest['version'] === 'string' ? manifest['version'] : undefined;
  const digest = createHash('sha256').update(canonicalInstallText(code, version)).digest('base64');
  return { ...code, fingerprint: `sha256-${digest}`, v1 };
}

/** Install code from a manifest and the package's files (path relative to the package root -> bytes). */
export function installCodeOf(
  manifest: Record<string, unknown>,
  files: Map<string, Uint8Array>,
  opts: InstallCodeOptions = {},
): InstallCode {
  return computeInstallCode(manifest, (p) => files.get(p), opts, [...files.keys()]);
}

/** Parses package.json bytes the way npm does (UTF-8, optional BOM, must be an object). */
export function parseManifest(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SumgateError('MALFORMED_TARBALL', 'malformed package tarball: package.json is not valid UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SumgateError(
      'MALFORMED_TARBALL',
      `malformed package tarball: package.json is not valid JSON (${(e as Error).message})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SumgateError(
      'MALFORMED_TARBALL',
      'malformed package tarball: package.json is not a JSON object',
    );
  }
  return parsed as Record<string, unknown>;
}

/** The real manifest and install code of a package, straight from its .tgz bytes. */
export function inspectTarball(
  tgz: Uint8Array,
  opts: InstallCodeOptions = {},
): { manifest: Record<string, unknown>; installCode: InstallCode } {
  try {
    return inspectOpened(openTarball(tgz), opts);
  } catch (e) {
    throw withPackage(e, opts.pkg);
  }
}

/** {@link inspectTarball}, inflating off the main thread (what the adapters use while a package manager downloads). */
export async function inspectTarballAsync(
  tgz: Uint8Array,
  opts: InstallCodeOptions = {},
): Promise<{ manifest: Record<string, unknown>; installCode: InstallCode }> {
  try {
    return inspectOpened(await openTarballAsync(tgz), opts);
  } catch (e) {
    throw withPackage(e, opts.pkg);
  }
}

function inspectOpened(
  tarball: Tarball,
  opts: InstallCodeOptions,
): { manifest: Record<string, unknown>; installCode: InstallCode } {
  const bytes = tarball.read('package.json');
  if (bytes === undefined) {
    throw new SumgateError(
      'MALFORMED_TARBALL',
      'malformed package tarball: no package.json at the package root',
    );
  }
  const manifest = parseManifest(bytes);
  const paths = [...tarball.entries.keys()].filter((p) => tarball.read(p) !== undefined);
  return { manifest, installCode: computeInstallCode(manifest, (p) => tarball.read(p), opts, paths) };
}
