// The pnpm adapter benchmark (run after `pnpm run build`): node e2e/bench/pnpm.mjs [--reps N] [--no-cold-store] [--only 10|12]
//
// Install time with the sumgate pnpmfile vs without, on the same real tree of 300+ packages from
// registry.npmjs.org, side by side in one run, variants interleaved (order rotated every
// repetition), medians reported. The checksum log runs in this process on 127.0.0.1 and is
// pre-filled by one untimed install, so the timed runs measure the client, never ingestion.
// Nothing here is asserted: it prints figures. See README.md beside it.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const NPM = process.env.SUMGATE_BENCH_REGISTRY ?? 'https://registry.npmjs.org/';

/** A front-end project's tooling, pinned: 460+ packages, none with an install script that runs on Linux. */
export const TREE = {
  '@typescript-eslint/eslint-plugin': '8.34.1',
  '@typescript-eslint/parser': '8.34.1',
  eslint: '9.29.0',
  jest: '29.7.0',
  jsdom: '26.1.0',
  prettier: '3.5.3',
  typescript: '5.8.3',
  vite: '6.3.5',
  vitest: '3.2.4',
};
const MIN_PACKAGES = 300;

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const REPS = Number(option('--reps', process.env.BENCH_REPS ?? 5));
const VERSIONS = option('--only', '10,12').split(',').map(Number);
const COLD_STORE = !flag('--no-cold-store');
const COLD_STORE_REPS = Number(option('--cold-store-reps', 3));
/** Keep the temp dir (projects, store, log) for a look afterwards. */
const KEEP = flag('--keep');

const say = (line = '') => process.stdout.write(`${line}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- package managers (the same isolation as e2e/harness/packageManagers.ts, in plain JS) ----

function pnpmCommand(version) {
  if (version === 10) {
    // pnpm 10's exports map only `.`, which is its package.json
    const manifest = require.resolve('pnpm');
    return [process.execPath, [path.join(path.dirname(manifest), 'bin', 'pnpm.cjs')], JSON.parse(readFileSync(manifest, 'utf8')).version];
  }
  const manifest = require.resolve('pnpm12/package.json');
  const fromShim = createRequire(manifest);
  const exe = path.dirname(fromShim.resolve(`@pnpm/exe.${process.platform}-${process.arch}/package.json`));
  return [path.join(exe, 'pnpm'), [], JSON.parse(readFileSync(manifest, 'utf8')).version];
}

const INHERITED = ['TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

/** A clean environment: this Node first on PATH, a HOME per project, pnpm configured through variables only. */
function pnpmEnv(version, { home, storeDir, pnpmCacheDir, sumgateCacheDir, extra = {} }) {
  const env = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k];
  env.PATH = [path.dirname(process.execPath), ...(process.env.PATH ?? '').split(path.delimiter).filter((e) => e !== '' && !e.split(path.sep).includes('node_modules'))].join(path.delimiter);
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    NO_UPDATE_NOTIFIER: '1',
  });
  const settings = {
    registry: NPM,
    store_dir: storeDir,
    cache_dir: pnpmCacheDir,
    state_dir: path.join(home, '.local', 'state', 'pnpm'),
    update_notifier: 'false',
    fetch_retries: '2',
  };
  for (const [k, v] of Object.entries(settings)) {
    env[`npm_config_${k}`] = v;
    env[`pnpm_config_${k}`] = v;
  }
  if (version === 12) env.NO_GRAPHICS = '1';
  if (sumgateCacheDir !== undefined) env.SUMGATE_CACHE_DIR = sumgateCacheDir;
  return { ...env, ...extra };
}

/**
 * GNU time reports the CPU time (user + sys) of pnpm and every child it waited for (pnpm 12's Node
 * workers): on a shared machine, CPU time is far steadier than wall time, so both are reported.
 */
const GNU_TIME = process.platform === 'linux' && existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs pnpm; returns its wall-clock time (ms, spawn to exit), its CPU time (ms, when GNU time is there) and its output. */
function run(version, argv, cwd, env) {
  const [file, pre] = pnpmCommand(version);
  const timeFile = path.join(tmpdir(), `sumgate-bench-time-${process.pid}.txt`);
  const [cmd, cmdArgs] = GNU_TIME === undefined ? [file, [...pre, ...argv]] : [GNU_TIME, ['-o', timeFile, '-f', '%U %S', file, ...pre, ...argv]];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, cmdArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { output += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      let cpuMs;
      if (GNU_TIME !== undefined) {
        const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
        cpuMs = (user + sys) * 1000;
        rmSync(timeFile, { force: true });
      }
      if (code !== 0) reject(new Error(`pnpm ${version} ${argv.join(' ')} in ${cwd} exited ${code}:\n${output.slice(-4000)}`));
      else resolve({ ms, cpuMs, output });
    });
  });
}

// ---- the log (in this process, 127.0.0.1) ----

async function startLog(dir) {
  const logBundle = path.join(repoRoot, 'shared/log/dist/index.js');
  if (!existsSync(logBundle)) throw new Error(`${logBundle} is missing: run \`pnpm run build\` first`);
  const { initLog, serveLog } = await import(logBundle);
  await initLog({ dir, origin: 'bench.sumgate.local/npm' });
  const server = await serveLog({ dir, upstreams: [NPM] });
  return { url: server.url.endsWith('/') ? server.url : `${server.url}/`, vkey: server.vkey, close: () => server.close() };
}

// ---- projects ----

function lockedPackageCount(lockfile) {
  const section = /\npackages:\n([\s\S]*?)(?:\n\S|$)/.exec(lockfile)?.[1] ?? '';
  return section.split('\n').filter((l) => /^ {2}\S/.test(l)).length;
}

/**
 * Two projects on the same lockfile and the same pnpm store: `sumgate` has the drop-in
 * .pnpmfile.cjs and sumgate.jsonc; `plain` has neither, and its lockfile is the sumgate one minus
 * the `pnpmfileChecksum` line (pnpm records the pnpmfile's hash there, and a frozen install refuses
 * a lockfile whose checksum does not match the pnpmfile in use). Everything else is byte-identical.
 */
async function prepare(version, root, log, pnpmfile) {
  const dirs = {
    store: path.join(root, 'store'),
    pnpmCache: path.join(root, 'pnpm-cache'),
    sumgateCache: path.join(root, 'sumgate-cache'),
    sumgate: path.join(root, 'sumgate'),
    plain: path.join(root, 'plain'),
  };
  const manifest = `${JSON.stringify({ name: 'bench-tree', version: '1.0.0', private: true, dependencies: TREE }, null, 2)}\n`;
  for (const p of [dirs.sumgate, dirs.plain]) {
    mkdirSync(p, { recursive: true });
    writeFileSync(path.join(p, 'package.json'), manifest);
    // esbuild's postinstall (a binary check) is not run by either variant: pnpm 12 fails an install
    // with unapproved builds, and builds are not what this measures.
    writeFileSync(path.join(p, 'pnpm-workspace.yaml'), 'allowBuilds:\n  esbuild: false\n');
  }
  writeFileSync(path.join(dirs.sumgate, 'sumgate.jsonc'), `${JSON.stringify({ log: { url: log.url, vkeys: [log.vkey] }, sources: [{ name: 'npmjs', url: NPM }] }, null, 2)}\n`);
  copyFileSync(pnpmfile, path.join(dirs.sumgate, '.pnpmfile.cjs'));

  const envOf = (variant, extra) => pnpmEnv(version, {
    home: `${dirs[variant]}.home`, storeDir: dirs.store, pnpmCacheDir: dirs.pnpmCache, extra,
    sumgateCacheDir: variant === 'sumgate' ? dirs.sumgateCache : undefined,
  });

  // Untimed: resolves the tree, fills the store, the log (on-demand ingestion) and the sumgate cache.
  const t0 = Date.now();
  const first = await run(version, ['install'], dirs.sumgate, envOf('sumgate'));
  const lockfile = readFileSync(path.join(dirs.sumgate, 'pnpm-lock.yaml'), 'utf8');
  const count = lockedPackageCount(lockfile);
  if (count < MIN_PACKAGES) throw new Error(`the bench tree has ${count} packages, fewer than ${MIN_PACKAGES}`);
  const verified = (first.output.match(/^sumgate: verified /gm) ?? []).length;
  if (!/^pnpmfileChecksum: /m.test(lockfile)) throw new Error(`pnpm ${version} wrote no pnpmfileChecksum: the plain lockfile would not be comparable`);
  writeFileSync(path.join(dirs.plain, 'pnpm-lock.yaml'), lockfile.replace(/^pnpmfileChecksum: .*\n/m, ''));
  say(`  pnpm ${version}: untimed first install of ${count} packages (${verified} verified, log filled) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // Untimed: the plain project accepts the lockfile frozen (warms the OS file cache for both).
  await run(version, ['install', '--frozen-lockfile'], dirs.plain, envOf('plain'));
  return { dirs, envOf, count };
}

// ---- measurements ----

/**
 * Each variant: `before` readies the state (untimed), then one timed `pnpm install
 * --frozen-lockfile`. Variants interleave; the order rotates each repetition, so drift (thermal,
 * page cache, a noisy neighbour) hits all of them alike.
 */
async function measure(version, ctx, variants, reps) {
  const times = Object.fromEntries(variants.map((v) => [v.name, []]));
  const cpu = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let r = 0; r < reps; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    for (const v of order) {
      const { ms, cpuMs } = await timedRun(version, ctx, v);
      times[v.name][r] = ms;
      if (cpuMs !== undefined) cpu[v.name][r] = cpuMs;
    }
  }
  const base = variants[0].name;
  return Object.fromEntries(variants.map(({ name }) => [name, {
    median: median(times[name]),
    min: Math.min(...times[name]),
    all: times[name],
    cpu: cpu[name].length === 0 ? undefined : median(cpu[name]),
    // the runs of one repetition are minutes apart at most: their ratio cancels slow drift
    pairedRatio: median(times[name].map((t, r) => t / times[base][r])),
  }]));
}

/** The registry or DNS failing for a moment: the run is repeated (at most twice) rather than the whole bench lost. */
const TRANSIENT = /EAI_AGAIN|ECONNRESET|ETIMEDOUT|ECONNREFUSED|socket hang up|ERR_PNPM_FETCH_5\d\d|ERR_PNPM_META_FETCH_FAIL/;

async function timedRun(version, ctx, v) {
  const cwd = ctx.dirs[v.project];
  for (let attempt = 1; ; attempt++) {
    rmSync(path.join(cwd, 'node_modules'), { recursive: true, force: true });
    v.before?.();
    try {
      const result = await run(version, ['install', '--frozen-lockfile'], cwd, ctx.envOf(v.project, v.env));
      if (v.project === 'sumgate' && !result.output.includes(`sumgate: ${ctx.count} locked packages verified`)) {
        throw new Error(`pnpm ${version} ${v.name}: the sumgate pnpmfile did not verify the lockfile:\n${result.output.slice(-3000)}`);
      }
      return result;
    } catch (e) {
      const transient = TRANSIENT.exec(String(e.message));
      if (transient === null || attempt === 3) throw e;
      say(`  (pnpm ${version}, ${v.name}: a network error (${transient[0]}); the run is repeated)`);
    }
  }
}

/**
 * The pnpmfile's own cost on the critical path of a warm-store frozen install, without pnpm's
 * noise: a fresh Node process loads it and runs preResolution on the lockfile (hookProbe.cjs),
 * with the sumgate cache warm, then emptied (one batch proof from the log on 127.0.0.1).
 */
async function probeHooks(ctx, reps) {
  const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'hookProbe.cjs');
  const once = (before) => new Promise((resolve, reject) => {
    before?.();
    const child = spawn(process.execPath, [probe], { cwd: ctx.dirs.sumgate, env: ctx.envOf('sumgate'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { out += c; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`hookProbe.cjs exited ${code}: ${out}`));
      const r = JSON.parse(out.trim().split('\n').pop());
      if (!r.lines.some((l) => l.startsWith(`sumgate: ${ctx.count} locked packages verified`))) return reject(new Error(`hookProbe.cjs: ${out}`));
      resolve(r);
    });
  });
  const warm = [];
  const cold = [];
  for (let i = 0; i < reps; i++) {
    warm.push(await once());
    cold.push(await once(() => rmSync(ctx.dirs.sumgateCache, { recursive: true, force: true })));
  }
  await once(); // leave the cache warm
  const med = (xs, k) => median(xs.map((x) => x[k]));
  return {
    requireMs: med(warm, 'requireMs'),
    warmMs: med(warm, 'preResolutionMs'),
    coldMs: med(cold, 'preResolutionMs'),
    warmCpuMs: med(warm, 'cpuMs'),
  };
}

async function main() {
  const pnpmfile = path.join(repoRoot, 'plugins/pnpm/pnpmfile.cjs');
  if (!existsSync(pnpmfile)) throw new Error(`${pnpmfile} is missing: run \`pnpm run build\` first`);
  const root = mkdtempSync(path.join(tmpdir(), 'sumgate-bench-'));
  const log = await startLog(path.join(root, 'log'));
  const results = [];
  let hooks;
  try {
    say(`sumgate pnpm benchmark: ${Object.keys(TREE).length} pinned dependencies from ${NPM}, log on ${log.url}`);
    say(`  ${REPS} repetitions per variant (median), interleaved${COLD_STORE ? `; cold store ${COLD_STORE_REPS}` : ''}\n`);
    for (const version of VERSIONS) {
      const ctx = await prepare(version, path.join(root, `pnpm${version}`), log, pnpmfile);
      const emptySumgateCache = () => rmSync(ctx.dirs.sumgateCache, { recursive: true, force: true });
      const emptyStore = () => {
        rmSync(ctx.dirs.store, { recursive: true, force: true });
        rmSync(ctx.dirs.pnpmCache, { recursive: true, force: true });
      };
      const warm = await measure(version, ctx, [
        { name: 'plain', project: 'plain' },
        { name: 'sumgate', project: 'sumgate' },
        { name: 'sumgate, cold sumgate cache', project: 'sumgate', before: emptySumgateCache },
      ], REPS);
      const [, , pnpmVersion] = pnpmCommand(version);
      results.push({ version: pnpmVersion, label: 'warm store, frozen', plain: warm.plain, sumgate: warm.sumgate, goal: 1.03 });
      results.push({ version: pnpmVersion, label: 'warm store, cold sumgate cache', plain: warm.plain, sumgate: warm['sumgate, cold sumgate cache'], goal: 1.15 });
      if (COLD_STORE) {
        const cold = await measure(version, ctx, [
          { name: 'plain', project: 'plain', before: emptyStore },
          { name: 'sumgate', project: 'sumgate', before: () => { emptyStore(); emptySumgateCache(); } },
        ], COLD_STORE_REPS);
        results.push({ version: pnpmVersion, label: 'cold store, cold sumgate cache', plain: cold.plain, sumgate: cold.sumgate });
      }
      printTable(results.filter((r) => r.version === pnpmVersion), ctx.count);
      if (hooks === undefined) {
        hooks = await probeHooks(ctx, REPS);
        hooks.plainMs = warm.plain.median;
        hooks.pnpm = pnpmVersion;
      }
    }
  } finally {
    await log.close().catch(() => {});
    if (KEEP) say(`\nkept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  say(`\nsummary (sumgate / plain, medians; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs):`);
  for (const r of results) {
    const ratio = r.sumgate.median / r.plain.median;
    const verdict = r.goal === undefined ? '' : ratio <= r.goal ? ` (goal <= ${r.goal}x: met)` : ` (goal <= ${r.goal}x: MISSED)`;
    const cpu = r.plain.cpu === undefined ? '' : `; cpu ${(r.sumgate.cpu / r.plain.cpu).toFixed(3)}x`;
    say(`  pnpm ${r.version}, ${r.label}: wall ${ratio.toFixed(3)}x${verdict}; paired ${r.sumgate.pairedRatio.toFixed(3)}x${cpu}; fastest runs ${(r.sumgate.min / r.plain.min).toFixed(3)}x`);
  }
  if (hooks !== undefined) {
    const pct = (ms) => `${((ms / hooks.plainMs) * 100).toFixed(1)}% of the plain pnpm ${hooks.pnpm} install`;
    say(`\nthe pnpmfile alone, in a fresh Node process (hookProbe.cjs, medians of ${REPS}):`);
    say(`  load .pnpmfile.cjs: ${hooks.requireMs.toFixed(1)} ms (in a fresh process; in pnpm 10's own process most of the Node built-ins it needs are loaded already)`);
    say(`  preResolution, warm sumgate cache: ${hooks.warmMs.toFixed(1)} ms; load + preResolution = ${pct(hooks.requireMs + hooks.warmMs)}`);
    say(`  preResolution, empty sumgate cache (one batch proof from the log): ${hooks.coldMs.toFixed(1)} ms; load + preResolution = ${pct(hooks.requireMs + hooks.coldMs)}`);
    say(`  whole probe process CPU, warm: ${hooks.warmCpuMs.toFixed(0)} ms (Node start-up included)`);
  }
}

function printTable(rows, count) {
  const s = (ms) => (ms / 1000).toFixed(2);
  const cpuRatio = (r) => (r.plain.cpu === undefined ? 'n/a' : `${(r.sumgate.cpu / r.plain.cpu).toFixed(3)}x`);
  say(`\n  pnpm ${rows[0].version}, ${count} packages, pnpm install --frozen-lockfile (seconds, medians)`);
  say('  | case | wall plain | wall sumgate | wall ratio | paired ratio | cpu plain | cpu sumgate | cpu ratio | ratio of fastest runs | wall runs plain / sumgate |');
  say('  |---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const cpu = r.plain.cpu === undefined ? 'n/a | n/a' : `${s(r.plain.cpu)} | ${s(r.sumgate.cpu)}`;
    say(`  | ${r.label} | ${s(r.plain.median)} | ${s(r.sumgate.median)} | ${(r.sumgate.median / r.plain.median).toFixed(3)}x | ${r.sumgate.pairedRatio.toFixed(3)}x | ${cpu} | ${cpuRatio(r)} | ${(r.sumgate.min / r.plain.min).toFixed(3)}x | ${r.plain.all.map(s).join(' ')} / ${r.sumgate.all.map(s).join(' ')} |`);
  }
  say('');
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e.stack ?? e}\n`);
  process.exitCode = 1;
});
