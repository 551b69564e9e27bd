/**
 * [network] A second, deliberately simple implementation of install code v2 (record-format.md
 * §"Install code"), checked against the real one (src/inspect/) on real tarballs of packages with
 * install-time code. It shares none of the real code paths: the tarball is unpacked by the system
 * `tar` into a real folder, paths are resolved by Node itself (require.resolve from each file),
 * imports are found by TypeScript's preProcessFile (another parser), gyp includes by a regex, and
 * the canonical text is written from the spec. Only acorn's tree is shared: the spec defines the
 * normalised form as acorn's.
 * It must agree: the same hooks; every file Node would load through a static require/import is in
 * the real closure; and where the two closures are the same files, the same fingerprint.
 * Needs the network (NPM_REGISTRY, default https://registry.npmjs.org/); SUMGATE_OFFLINE=1 skips it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'acorn';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectTarball } from '../../src/inspect/installCode.js';

const offline = process.env['SUMGATE_OFFLINE'] === '1';
const REGISTRY = process.env['NPM_REGISTRY'] ?? 'https://registry.npmjs.org/';
const PACKAGES = [
  'esbuild',
  'sharp',
  '@swc/core',
  'core-js',
  'puppeteer',
  'prisma',
  '@parcel/watcher',
  'unrs-resolver',
  'bcrypt',
];
const VERSIONS_EACH = 2;
const root = mkdtempSync(path.join(tmpdir(), 'sumgate-second-'));

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

/** Hooks by the spec's rule 1 (no git dependencies here). */
// biome-ignore lint/suspicious/noExplicitAny: the simple implementation reads package.json as it comes
type Manifest = Record<string, any>;

function hooks(m: Manifest, dir: string): Array<[string, string]> {
  const s = m.scripts !== null && typeof m.scripts === 'object' && !Array.isArray(m.scripts) ? m.scripts : {};
  const has = (k: string) => typeof s[k] === 'string' && s[k] !== '';
  const out: Array<[string, string]> = [];
  if (has('preinstall')) out.push(['preinstall', s.preinstall]);
  if (has('install')) out.push(['install', s.install]);
  else if (existsSync(path.join(dir, 'binding.gyp'))) out.push(['node-gyp', 'node-gyp rebuild']);
  if (has('postinstall')) out.push(['postinstall', s.postinstall]);
  return out;
}

/** What Node loads for a request from a file, when it is a file of this package. */
function nodeLoads(dir: string, from: string, request: string): string | undefined {
  if (request.startsWith('node:') || builtinModules.includes(request)) return undefined;
  try {
    const hit = createRequire(from).resolve(request);
    const rel = path.relative(dir, hit);
    return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
  } catch {
    return undefined;
  }
}

function simpleClosure(dir: string, m: Manifest, hs: Array<[string, string]>): Set<string> {
  const files = new Set<string>();
  const queue: string[] = [];
  const words = hs
    .filter(([h]) => h !== 'node-gyp')
    .flatMap(([, c]) => c.split(/[\s;&|()<>`]+/))
    .map((w) => w.replace(/["']/g, ''));
  for (const w of words) {
    if (w === '' || w.startsWith('-') || w.startsWith('/') || w.includes('..')) continue;
    const r = nodeLoads(dir, path.join(dir, 'x.js'), `./${w}`);
    if (r !== undefined) queue.push(r);
  }
  if (hs.some(([h, c]) => h === 'node-gyp' || /\bnode-gyp\b/.test(c))) {
    for (const g = ['binding.gyp']; g.length > 0; ) {
      const f = g.shift()!;
      if (files.has(f) || !existsSync(path.join(dir, f))) continue;
      files.add(f);
      for (const x of readFileSync(path.join(dir, f), 'utf8').matchAll(
        /['"]([^'"]+\.gypi?)(?::[^'"]*)?['"]/g,
      ))
        g.push(path.posix.normalize(path.posix.join(path.posix.dirname(f), x[1]!)));
    }
  }
  while (queue.length > 0) {
    const f = queue.shift()!;
    if (files.has(f)) continue;
    files.add(f);
    if (!/\.(c?js|mjs)$/.test(f)) continue;
    const info = ts.preProcessFile(readFileSync(path.join(dir, f), 'utf8'), true, true);
    for (const imp of info.importedFiles) {
      const r = nodeLoads(dir, path.join(dir, f), imp.fileName);
      if (r !== undefined) queue.push(r);
    }
  }
  void m;
  return files;
}

/** The canonical text of rule 4, written from the spec. */
function simpleFingerprint(
  dir: string,
  m: Manifest,
  hs: Array<[string, string]>,
  files: Set<string>,
): string {
  const v: string = m.version;
  const cmd = (c: string) =>
    c
      .split(v)
      .reduce(
        (acc, part, i, parts) =>
          i === 0
            ? part
            : `${acc}${!/[\w.+-]$/.test(parts[i - 1]!) && !/^[\w.+-]/.test(part) ? '<version>' : v}${part}`,
        '',
      );
  let text = 'sumgate-install-code/v2\n';
  for (const [h, c] of hs) text += `hook ${h} ${JSON.stringify(cmd(c))}\n`;
  const deps = [
    ...new Set(
      ['dependencies', 'optionalDependencies', 'peerDependencies'].flatMap((k) => Object.keys(m[k] ?? {})),
    ),
  ].sort();
  if (deps.length > 0) text += `dependencies ${JSON.stringify(deps)}\n`;
  for (const f of [...files].sort()) {
    const bytes = readFileSync(path.join(dir, f));
    let line = sha(bytes);
    if (f === 'package.json') {
      line = sha(
        `json:${JSON.stringify(m, (_k, x: unknown) => (typeof x !== 'string' ? x : x === v ? '<version>' : x.startsWith('<') ? `<${x}` : x))}`,
      );
    } else if (/\.(c?js|mjs)$/.test(f)) {
      const goals: Array<'script' | 'module'> = f.endsWith('.mjs')
        ? ['module']
        : f.endsWith('.cjs')
          ? ['script']
          : ['script', 'module'];
      for (const sourceType of goals) {
        try {
          const ast = parse(bytes.toString('utf8'), {
            ecmaVersion: 'latest',
            sourceType,
            allowHashBang: true,
            allowReturnOutsideFunction: sourceType === 'script',
            allowAwaitOutsideFunction: sourceType === 'module',
          });
          line = sha(
            // biome-ignore lint/suspicious/noExplicitAny: a replacer walks acorn's untyped nodes
            `js:${JSON.stringify(ast, (k, x: any) => (['start', 'end', 'loc', 'range', 'raw'].includes(k) ? undefined : typeof x === 'bigint' ? `${x}n` : x?.type === 'Literal' && x.value === v ? { type: 'Literal', ownVersion: true } : x))}`,
          );
          break;
        } catch {
          /* next goal */
        }
      }
    }
    text += `file ${JSON.stringify(f)} ${line}\n`;
  }
  return `sha256-${createHash('sha256').update(text).digest('base64')}`;
}

async function tarballs(): Promise<Array<{ pkg: string; tgz: Uint8Array }>> {
  const out: Array<{ pkg: string; tgz: Uint8Array }> = [];
  for (const name of PACKAGES) {
    const doc = (await (await fetch(`${REGISTRY}${name.replace('/', '%2f')}`)).json()) as {
      'dist-tags': { latest: string };
      versions: Record<string, { dist: { tarball: string } }>;
    };
    const stable = Object.keys(doc.versions)
      .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
      .slice(-VERSIONS_EACH);
    for (const v of stable)
      out.push({
        pkg: `${name}@${v}`,
        tgz: new Uint8Array(await (await fetch(doc.versions[v]!.dist.tarball)).arrayBuffer()),
      });
  }
  return out;
}

describe.skipIf(offline)(
  '[network] a second, simple implementation of install code v2 agrees on real tarballs',
  () => {
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it(`agrees on the last ${VERSIONS_EACH} versions of ${PACKAGES.join(', ')}`, async () => {
      let same = 0;
      const all = await tarballs();
      for (const { pkg, tgz } of all) {
        const dir = path.join(root, pkg.replace(/[@/]/g, '_'));
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${dir}.tgz`, tgz);
        execFileSync('tar', ['-xzf', `${dir}.tgz`, '-C', dir, '--strip-components=1']);
        const m = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
        const real = inspectTarball(tgz).installCode;
        const hs = hooks(m, dir);
        expect(
          real.hooks.map((h) => [h.hook, h.command]),
          pkg,
        ).toEqual(hs);
        if (hs.length === 0) continue;
        const simple = simpleClosure(dir, m, hs);
        const realFiles = new Set(real.files.map((f) => f.path));
        for (const f of simple)
          if (statSync(path.join(dir, f)).isFile())
            expect(
              realFiles.has(f),
              `${pkg}: ${f}, which Node loads through a static require/import, is in the install code`,
            ).toBe(true);
        const widenedOrLiteral = [...realFiles].filter((f) => !simple.has(f));
        if (widenedOrLiteral.length === 0 && (real.scripts ?? []).length === 0) {
          same++;
          expect(real.fingerprint, `${pkg}: the same files give the same fingerprint`).toBe(
            simpleFingerprint(dir, m, hs, simple),
          );
        }
      }
      console.log(
        `second implementation: ${all.length} tarballs; hooks agree on all; the static closure is covered on all; ${same} with the same closure, each with the same fingerprint`,
      );
      expect(same).toBeGreaterThan(0);
    }, 600_000);
  },
);
