/**
 * name@version pairs of registry packages from lockfiles, for `sumgate log ingest`:
 * pnpm-lock.yaml (v9 `packages:` keys; v6 `/name@version` keys too), package-lock.json (v2/v3
 * `packages`), yarn.lock (Berry `resolution: "name@npm:version"`, and classic v1 entries), and
 * list files of `name@version` lines. Non-registry dependencies (git, file:, link:, workspace:,
 * patch:, tarball URLs) are skipped: the log only holds registry versions.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { lockedRegistryPackages, parsePnpmLockText, SumgateError } from '@sumgate/core';

export interface PackageVersion {
  name: string;
  version: string;
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** `name@version` (name may be scoped) when version is an exact semver version, else undefined. */
export function parseSpec(spec: string): PackageVersion | undefined {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return undefined;
  const name = spec.slice(0, at);
  const version = spec.slice(at + 1);
  if (!SEMVER.test(version) || /\s/.test(name)) return undefined;
  return { name, version };
}

function unquote(s: string): string {
  const t = s.trim();
  return (t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))
    ? t.slice(1, -1)
    : t;
}

/** pnpm-lock.yaml: its registry packages, through the core's one pnpm lockfile reader. */
export function parsePnpmLock(text: string): PackageVersion[] {
  return lockedRegistryPackages(parsePnpmLockText(text)).map(({ name, version }) => ({ name, version }));
}

/** package-lock.json v2/v3 (npm 7+): the `packages` map, without links and bundled dependencies. */
export function parsePackageLock(text: string): PackageVersion[] {
  const json = JSON.parse(text) as { packages?: Record<string, Record<string, unknown>> };
  if (typeof json.packages !== 'object' || json.packages === null) {
    throw new SumgateError('USAGE', 'package-lock.json has no "packages" map (lockfileVersion 1)', {
      fix: 'regenerate it with npm 7 or later (npm install --lockfile-version 3)',
    });
  }
  const out: PackageVersion[] = [];
  for (const [path, entry] of Object.entries(json.packages)) {
    if (path === '' || entry['link'] === true || entry['inBundle'] === true) continue;
    const resolved = entry['resolved'];
    if (typeof resolved === 'string' && !/^https?:\/\//.test(resolved)) continue;
    const idx = path.lastIndexOf('node_modules/');
    if (idx < 0) continue; // a workspace folder
    const name = typeof entry['name'] === 'string' ? entry['name'] : path.slice(idx + 'node_modules/'.length);
    const version = entry['version'];
    if (typeof version === 'string' && SEMVER.test(version)) out.push({ name, version });
  }
  return out;
}

/** yarn.lock: Berry `resolution: "name@npm:version"` lines, or classic v1 `version "x"` under a header. */
export function parseYarnLock(text: string): PackageVersion[] {
  const out: PackageVersion[] = [];
  if (text.includes('__metadata:')) {
    for (const m of text.matchAll(/^ {2}resolution: "?([^"\n]+?)"?\s*$/gm)) {
      const res = m[1]!;
      const at = res.indexOf('@npm:', 1);
      if (at < 0) continue; // workspace:, patch:, git, file...
      const p = parseSpec(`${res.slice(0, at)}@${res.slice(at + 5)}`);
      if (p !== undefined) out.push(p);
    }
    return out;
  }
  let header: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S.*:$/.test(line) && !line.startsWith('#')) {
      header = unquote(line.slice(0, -1).split(',')[0]!);
      continue;
    }
    const v = /^ {2}version "?([^"\s]+)"?$/.exec(line);
    if (v !== null && header !== undefined) {
      const at = header.lastIndexOf('@');
      const p = at > 0 ? parseSpec(`${header.slice(0, at)}@${v[1]}`) : undefined;
      if (p !== undefined) out.push(p);
      header = undefined;
    }
  }
  return out;
}

/** A list file: one `name@version` per line; blank lines and `#` comments are ignored. */
export function parseList(text: string): PackageVersion[] {
  const out: PackageVersion[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const p = parseSpec(line);
    if (p === undefined) {
      throw new SumgateError(
        'USAGE',
        `line ${i + 1} of the list is not name@version: ${JSON.stringify(line.slice(0, 200))}`,
        {
          fix: 'write one exact version per line, e.g. lodash@4.17.21 or @types/node@20.11.0',
        },
      );
    }
    out.push(p);
  });
  return out;
}

function dedupe(list: PackageVersion[]): PackageVersion[] {
  const seen = new Map<string, PackageVersion>();
  for (const p of list) seen.set(`${p.name}@${p.version}`, p);
  return [...seen.values()];
}

/** Reads a lockfile, choosing the parser by file name. */
export function readLockfile(path: string): PackageVersion[] {
  const text = readFileSync(path, 'utf8');
  const file = basename(path);
  if (file.endsWith('.yaml') || file.endsWith('.yml')) return dedupe(parsePnpmLock(text));
  if (file.endsWith('.json')) return dedupe(parsePackageLock(text));
  if (file === 'yarn.lock' || file.endsWith('.lock')) return dedupe(parseYarnLock(text));
  throw new SumgateError('USAGE', `unknown lockfile type: ${path}`, {
    fix: 'pass pnpm-lock.yaml, package-lock.json or yarn.lock (or use --list with name@version lines)',
  });
}

export function readList(path: string): PackageVersion[] {
  return dedupe(parseList(readFileSync(path, 'utf8')));
}
