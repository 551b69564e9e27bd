#!/usr/bin/env node
/**
 * Packs every package a user installs, ready to publish, and checks each tarball:
 *
 *   node scripts/pack.mjs [--out <dir>] [--no-build]
 *
 * Builds first (pnpm run build) unless --no-build, then `pnpm pack`s each package into <dir>
 * (default: ./packed), which rewrites `workspace:*` to real versions. Each tarball is opened and
 * checked: no `workspace:` left in its package.json, its LICENSE, and the files it must ship (the
 * CLI carries both plugin bundles and the JSON Schema, so `sumgate init` works from an install).
 * The Yarn plugin is also written as one file, <dir>/plugin-sumgate.js, for `yarn plugin import
 * <path or URL>`. <dir>/packed.json lists every artifact with its sha512 integrity.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The packages users install, and what each tarball must contain. */
export const PACKAGES = [
  { dir: 'shared/core', files: ['dist/index.js', 'dist/index.d.ts', 'policy.schema.json'] },
  { dir: 'shared/log', files: ['dist/index.js', 'dist/index.d.ts'] },
  { dir: 'plugins/pnpm', files: ['pnpmfile.cjs', 'policy.schema.json'], banner: 'pnpmfile.cjs' },
  {
    dir: 'plugins/yarn',
    files: ['bundles/@yarnpkg/plugin-sumgate.js'],
    banner: 'bundles/@yarnpkg/plugin-sumgate.js',
  },
  { dir: 'plugins/bun', files: ['dist/scanner.js'], banner: 'dist/scanner.js' },
  {
    dir: 'shared/cli',
    files: [
      'dist/sumgate.js',
      'dist/plugins/pnpmfile.cjs',
      'dist/plugins/plugin-sumgate.js',
      'dist/policy.schema.json',
    ],
  },
];
const YARN_BUNDLE = 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js';
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'];

function parseArgs(argv) {
  const opts = { out: path.join(root, 'packed'), build: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-build') opts.build = false;
    else if (argv[i] === '--out' && argv[i + 1] !== undefined) opts.out = path.resolve(argv[++i]);
    else
      throw new Error(
        `unknown argument ${JSON.stringify(argv[i])}: usage: node scripts/pack.mjs [--out <dir>] [--no-build]`,
      );
  }
  return opts;
}

/** The repository's own pnpm (the root devDependency; its exports map only `.`, its package.json), run with this Node. */
function pnpm(args, cwd) {
  const bin = path.join(
    path.dirname(createRequire(path.join(root, 'package.json')).resolve('pnpm')),
    'bin',
    'pnpm.cjs',
  );
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0)
    throw new Error(`pnpm ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The regular files of a .tgz: path (without the leading `package/`) -> bytes. */
export function readTarball(file) {
  const tar = gunzipSync(readFileSync(file));
  const files = new Map();
  let longName;
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start, len) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix === '' ? field(0, 100) : `${prefix}/${field(0, 100)}`);
    longName = undefined;
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0' || type === '') files.set(name.replace(/^package\//, ''), Buffer.from(body));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function problemsOf(pkg, tarball) {
  const files = readTarball(tarball);
  const problems = [];
  const manifestBytes = files.get('package.json');
  if (manifestBytes === undefined) return ['no package.json'];
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  for (const field of DEPENDENCY_FIELDS) {
    for (const [dep, spec] of Object.entries(manifest[field] ?? {})) {
      if (String(spec).startsWith('workspace:')) problems.push(`${field}.${dep} is still "${spec}"`);
    }
  }
  if (!files.has('LICENSE')) problems.push('no LICENSE');
  if (manifest.license !== 'Apache-2.0')
    problems.push(`license is ${JSON.stringify(manifest.license)}, not Apache-2.0`);
  for (const f of pkg.files) if (!files.has(f)) problems.push(`${f} is missing`);
  if (pkg.banner !== undefined) {
    const first = files.get(pkg.banner)?.toString('utf8').split('\n', 1)[0] ?? '';
    if (!first.includes(`${manifest.name} ${manifest.version}`))
      problems.push(`${pkg.banner} does not start with the banner "${manifest.name} ${manifest.version}"`);
  }
  for (const [f, bytes] of files)
    if (f.endsWith('.map') || /\bsrc\//.test(f))
      problems.push(`${f} (${bytes.length} bytes) should not be published`);
  return problems;
}

const integrity = (bytes) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.build) pnpm(['run', 'build'], root);
  rmSync(opts.out, { recursive: true, force: true });
  mkdirSync(opts.out, { recursive: true });
  const artifacts = [];
  const failures = [];
  for (const pkg of PACKAGES) {
    const dir = path.join(root, pkg.dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const before = new Set(readdirSync(opts.out));
    pnpm(['pack', '--pack-destination', opts.out], dir);
    const made = readdirSync(opts.out).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (made.length !== 1)
      throw new Error(`pnpm pack in ${pkg.dir} made ${made.length} tarballs: ${made.join(', ')}`);
    const file = path.join(opts.out, made[0]);
    for (const p of problemsOf(pkg, file)) failures.push(`${made[0]}: ${p}`);
    artifacts.push({
      name: manifest.name,
      version: manifest.version,
      file: made[0],
      integrity: integrity(readFileSync(file)),
    });
  }
  const yarnFile = path.join(opts.out, 'plugin-sumgate.js');
  copyFileSync(path.join(root, YARN_BUNDLE), yarnFile);
  artifacts.push({
    name: 'plugin-sumgate.js',
    file: 'plugin-sumgate.js',
    integrity: integrity(readFileSync(yarnFile)),
  });
  writeFileSync(path.join(opts.out, 'packed.json'), `${JSON.stringify({ artifacts }, null, 2)}\n`);
  if (failures.length > 0) {
    process.stderr.write(
      `pack: ${failures.length} problem(s):\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
    );
    process.exitCode = 1;
    return;
  }
  for (const a of artifacts) process.stdout.write(`${a.file}  ${a.integrity.slice(0, 27)}...\n`);
  process.stdout.write(`pack: ${artifacts.length} artifacts in ${opts.out} (list: packed.json)\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`pack: ${e.message}\n`);
    process.exitCode = 1;
  }
}
