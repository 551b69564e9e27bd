/**
 * The install-code rules v1 (`sumgate-install-code/v1`), exactly as sumgate computed them before
 * install code v2: a log of v1 records keeps its fingerprints forever (first observation wins),
 * so a v2 client still checks a v1 record against the bytes, and compares a version with a v1
 * baseline under v1 (record-format.md §"Rules versions and rollout"). v1 hashes only the files
 * named on a hook's command line (raw bytes) and `binding.gyp` for the implicit build, which npm's
 * rule skips for a `preinstall` or `"gypfile": false`.
 */
import { createHash } from 'node:crypto';
import { NODE_GYP_COMMAND, NO_INSTALL_CODE, pathTokens } from './installCode.js';
import type { ReadFile } from './nodeResolution.js';

const HEADER = 'sumgate-install-code/v1\n';
const NODE_SUFFIXES = ['', '.js', '.cjs', '.mjs', '.json', '/index.js', '/index.cjs', '/index.mjs'];

function scriptOf(scripts: unknown, name: string): string | undefined {
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) return undefined;
  const value = (scripts as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

const hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function installCodeV1Fingerprint(
  manifest: Record<string, unknown>,
  read: ReadFile,
  gitDependency = false,
): string {
  const scripts = manifest['scripts'];
  const preinstall = scriptOf(scripts, 'preinstall');
  const install = scriptOf(scripts, 'install');
  const postinstall = scriptOf(scripts, 'postinstall');
  const hooks: Array<[string, string]> = [];
  if (preinstall !== undefined) hooks.push(['preinstall', preinstall]);
  if (install !== undefined) hooks.push(['install', install]);
  if (
    install === undefined &&
    preinstall === undefined &&
    manifest['gypfile'] !== false &&
    read('binding.gyp') !== undefined
  )
    hooks.push(['node-gyp', NODE_GYP_COMMAND]);
  if (postinstall !== undefined) hooks.push(['postinstall', postinstall]);
  if (gitDependency) {
    const prepare = scriptOf(scripts, 'prepare');
    if (prepare !== undefined) hooks.push(['prepare', prepare]);
  }
  if (hooks.length === 0) return NO_INSTALL_CODE;
  const files = new Map<string, string>();
  for (const [hook, command] of hooks) {
    if (hook === 'node-gyp') {
      files.set('binding.gyp', hex(read('binding.gyp')!));
      continue;
    }
    for (const token of pathTokens(command)) {
      for (const suffix of NODE_SUFFIXES) {
        const path = token + suffix;
        if (files.has(path)) break;
        const data = read(path);
        if (data !== undefined) {
          files.set(path, hex(data));
          break;
        }
      }
    }
  }
  let text = HEADER;
  for (const [hook, command] of hooks) text += `hook ${hook} ${JSON.stringify(command)}\n`;
  for (const [path, sha256] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    text += `file ${JSON.stringify(path)} ${sha256}\n`;
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}
