#!/usr/bin/env node
/**
 * `yarn install` with the sumgate plugin vs without, on the same real tree (300+ packages from
 * https://registry.npmjs.org/) and the same yarn.lock, side by side in one run, alternating which
 * goes first. Needs the network and a build (`pnpm run build`: the plugin bundle and shared/log/dist).
 *
 *   node e2e/yarn/bench.mjs [--rounds 3]
 *
 * Scenarios (median of the rounds, ratio = with plugin / without):
 * - warm:        Yarn cache warm (and sumgate's cache warm), node_modules removed, --immutable.
 * - cold:        Yarn cache and sumgate cache empty: every tarball downloaded (with the plugin:
 *                also proven in the log; the log itself already holds the records).
 * - warm-yarn/cold-sumgate: Yarn cache warm but sumgate's cache empty (the plugin must download
 *                each tarball once to bind it to its cached zip); informational.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NPM = 'https://registry.npmjs.org/';
const YARN = path.join(repo, 'node_modules/@yarnpkg/cli-dist/bin/yarn.js');
const BUNDLE = path.join(repo, 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js');
const DEPENDENCIES = { jest: '29.7.0', eslint: '9.17.0' };
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3);

const { initLog, serveLog } = await import(path.join(repo, 'shared/log/dist/index.js'));

const root = mkdtempSync(path.join(tmpdir(), 'sumgate-yarn-bench-'));
const logDir = path.join(root, 'log');
await initLog({ dir: logDir, origin: 'sumgate.bench/npm' });
const log = await serveLog({ dir: logDir, port: 0, upstreams: [NPM] });
const logUrl = log.url.endsWith('/') ? log.url : `${log.url}/`;

function env(project, extra = {}) {
  return {
    PATH: process.env.PATH, HOME: path.join(root, `${project.name}.home`), TMPDIR: process.env.TMPDIR ?? tmpdir(),
    NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS ?? '',
    YARN_NPM_REGISTRY_SERVER: NPM.replace(/\/$/, ''), YARN_NPM_MINIMAL_AGE_GATE: '0', YARN_ENABLE_GLOBAL_CACHE: 'false',
    YARN_CACHE_FOLDER: project.yarnCache, YARN_GLOBAL_FOLDER: path.join(root, `${project.name}.global`),
    YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_PROGRESS_BARS: 'false', YARN_ENABLE_COLORS: 'false',
    SUMGATE_CACHE_DIR: project.sumgateCache, ...extra,
  };
}

function yarn(project, args) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [YARN, ...args], { cwd: project.dir, env: env(project), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${project.name}: yarn ${args.join(' ')} exited ${code}\n${out}`));
      else resolve({ ms, out });
    });
  });
}

function makeProject(name) {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: "bench-tree", private: true, dependencies: DEPENDENCIES }, null, 2)}\n`);
  writeFileSync(path.join(dir, '.yarnrc.yml'), `nodeLinker: node-modules\nyarnPath: ${JSON.stringify(YARN)}\n`);
  writeFileSync(path.join(dir, 'yarn.lock'), '');
  return { name, dir, yarnCache: path.join(root, `${name}.yarn-cache`), sumgateCache: path.join(root, `${name}.sumgate-cache`) };
}

const clean = (...dirs) => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const plain = makeProject('plain');
const gated = makeProject('sumgate');
await yarn(gated, ['plugin', 'import', BUNDLE]);
writeFileSync(path.join(gated.dir, 'sumgate.jsonc'), `${JSON.stringify({ log: { url: logUrl, vkeys: [log.vkey] }, sources: [{ name: 'npmjs', url: NPM }] }, null, 2)}\n`);

// One lockfile for both, then let the log ingest the tree once (a log serving many users has it).
await yarn(plain, ['install']);
cpSync(path.join(plain.dir, 'yarn.lock'), path.join(gated.dir, 'yarn.lock'));
const entries = (readFileSync(path.join(plain.dir, 'yarn.lock'), 'utf8').match(/resolution: "[^"]+@npm:/g) ?? []).length;
const warmup = await yarn(gated, ['install', '--immutable']);
if (!warmup.out.includes('npm packages verified')) throw new Error(`the plugin did not run:\n${warmup.out}`);
console.log(`tree: ${Object.entries(DEPENDENCIES).map(([n, v]) => `${n}@${v}`).join(' + ')}: ${entries} lockfile entries; ${rounds} rounds; log ${logUrl}`);

const results = { warm: [[], []], cold: [[], []], 'warm-yarn/cold-sumgate': [[], []] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? [plain, gated] : [gated, plain];
  for (const p of order) {
    clean(path.join(p.dir, 'node_modules'));
    results.warm[p === gated ? 1 : 0].push((await yarn(p, ['install', '--immutable'])).ms);
  }
  for (const p of order) {
    clean(path.join(p.dir, 'node_modules'), p.sumgateCache);
    if (p === gated) results['warm-yarn/cold-sumgate'][1].push((await yarn(p, ['install', '--immutable'])).ms);
  }
  for (const p of order) {
    clean(path.join(p.dir, 'node_modules'), p.yarnCache, p.sumgateCache);
    results.cold[p === gated ? 1 : 0].push((await yarn(p, ['install', '--immutable'])).ms);
  }
  console.log(`round ${round + 1}: warm ${results.warm.map((r) => Math.round(r.at(-1))).join(' / ')} ms, cold ${results.cold.map((r) => Math.round(r.at(-1))).join(' / ')} ms (without / with)`);
}
// The warm-Yarn-cache, cold-sumgate-cache case compares against the plain warm install.
results['warm-yarn/cold-sumgate'][0] = results.warm[0];

console.log('\nscenario                 without (ms)  with (ms)  ratio');
for (const [name, [without, withPlugin]] of Object.entries(results)) {
  const a = median(without);
  const b = median(withPlugin);
  console.log(`${name.padEnd(24)} ${String(Math.round(a)).padStart(12)} ${String(Math.round(b)).padStart(10)}  ${(b / a).toFixed(3)}x`);
}
await log.close();
clean(root);
