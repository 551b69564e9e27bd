// The install benchmark (after `pnpm run build`): pnpm 10, pnpm 12 and Yarn 4 on one real tree of
// about 1,000 packages (e2e/bench/tree: a full-stack app's dependencies, pinned by committed
// lockfiles), three variants side by side in one run, interleaved, order rotated every round:
//   plain    no pnpmfile / no plugin
//   noop     a pnpmfile / plugin with the same hooks doing nothing (the package manager's floor)
//   sumgate  the sumgate pnpmfile / plugin, policy pointing at a log on 127.0.0.1
// Wall time and CPU time (child rusage), paired ratios (median over rounds of variant/plain of the
// same round). Network: the registry serves the tarballs and metadata; the log (in this process)
// ingests the tree in an untimed warm-up before anything is timed.
//
//   node e2e/bench/installs.mjs [--pm pnpm10,pnpm12,yarn] [--rounds 3] [--cold-rounds 2] [--no-cold] [--keep]
// What a run removes (node_modules, a store, a cache) is only moved aside, and removed when the
// whole run ends (lib/trash.mjs says why): a few GB of disk for Yarn.
// Wrap it in `flock /tmp/sumgate-bench.lock` on a shared machine. Nothing is asserted: it prints figures.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { command, environment, installArgs, repoRoot, yarnGlobalFolder } from './lib/packageManagers.mjs';
import { timedRun } from './lib/timedRun.mjs';
import { Trash } from './lib/trash.mjs';

const REGISTRY = process.env.SUMGATE_BENCH_REGISTRY ?? 'https://registry.npmjs.org/';
const TREE = path.join(repoRoot, 'e2e/bench/tree');
const NOOP = path.join(repoRoot, 'e2e/bench/noop');
const PNPMFILE = path.join(repoRoot, 'plugins/pnpm/pnpmfile.cjs');
const YARN_PLUGIN = path.join(repoRoot, 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js');
const LOG_BUNDLE = path.join(repoRoot, 'shared/log/dist/index.js');
const CLI = path.join(repoRoot, 'shared/cli/dist/sumgate.js');

/** The flags this script knows, each with whether it takes a value: the usage and the check below. */
const FLAGS = {
  '--pm': 'pnpm10,pnpm12,yarn',
  '--rounds': 'n',
  '--cold-rounds': 'n',
  '--no-cold': undefined,
  '--keep': undefined,
};
const USAGE = `usage: node e2e/bench/installs.mjs ${Object.entries(FLAGS)
  .map(([f, v]) => `[${f}${v === undefined ? '' : ` ${v}`}]`)
  .join(' ')}\n`;
const args = process.argv.slice(2);
// Anything else (--help included) prints the usage instead of starting a 20-minute run.
for (let i = 0; i < args.length; i++) {
  if (!(args[i] in FLAGS)) {
    process.stderr.write(args[i] === '--help' ? USAGE : `unknown argument ${args[i]}\n${USAGE}`);
    process.exit(args[i] === '--help' ? 0 : 2);
  }
  if (FLAGS[args[i]] !== undefined) i++;
}
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
};
const count = (name, fallback) => {
  const n = Number(option(name, String(fallback)));
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number >= 1, got "${option(name)}"`);
  return n;
};
const PMS = option('--pm', 'pnpm10,pnpm12,yarn').split(',');
for (const pm of PMS)
  if (!['pnpm10', 'pnpm12', 'yarn'].includes(pm)) throw new Error(`--pm: unknown package manager "${pm}"`);
const ROUNDS = count('--rounds', 3);
const COLD_ROUNDS = count('--cold-rounds', 2);
const COLD = !args.includes('--no-cold');
const KEEP = args.includes('--keep');
/** Packages whose install scripts no variant runs: builds are not what this measures (pnpm 12 fails on unapproved builds). */
const NO_BUILDS = ['esbuild', '@parcel/watcher', 'nodemon'];
const VARIANTS = ['plain', 'noop', 'sumgate'];

const say = (line = '') => process.stdout.write(`${line}\n`);
const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

for (const f of [PNPMFILE, YARN_PLUGIN, LOG_BUNDLE, CLI])
  if (!existsSync(f)) throw new Error(`${f} is missing: run \`pnpm run build\` first`);

/** pnpm's own `pnpmfileChecksum` (sha256 of the file, CRLF normalized), so a frozen install accepts the committed lockfile with that pnpmfile. */
const pnpmfileChecksum = (file) =>
  `sha256-${createHash('sha256').update(readFileSync(file, 'utf8').split('\r\n').join('\n')).digest('base64')}`;

function lockfileWith(checksum) {
  const lockfile = readFileSync(path.join(TREE, 'pnpm-lock.yaml'), 'utf8');
  return checksum === undefined
    ? lockfile
    : lockfile.replace(/\nimporters:\n/, `\npnpmfileChecksum: ${checksum}\n\nimporters:\n`);
}

function projectDirs(root, variant) {
  const base = path.join(root, variant);
  return {
    project: path.join(base, 'project'),
    home: path.join(base, 'home'),
    store: path.join(base, 'store'),
    pmCache: path.join(base, 'pm-cache'),
    sumgateCache: variant === 'sumgate' ? path.join(base, 'sumgate-cache') : undefined,
  };
}

/** Every package manager's trash, emptied when the run ends (with --keep; else the root goes). */
const trashes = [];

/** One project per variant, each with its own store/cache, all on the committed lockfile. */
async function prepare(pm, root, log) {
  const projects = {};
  const trash = new Trash(path.join(root, 'trash'));
  trashes.push(trash);
  for (const variant of VARIANTS) {
    const dirs = projectDirs(root, variant);
    mkdirSync(dirs.project, { recursive: true });
    copyFileSync(path.join(TREE, 'package.json'), path.join(dirs.project, 'package.json'));
    if (variant === 'sumgate') {
      writeFileSync(
        path.join(dirs.project, 'sumgate.jsonc'),
        `${JSON.stringify({ log: { url: log.url, vkeys: [log.vkey] }, sources: [{ name: 'npmjs', url: REGISTRY }] }, null, 2)}\n`,
      );
    }
    const env = environment(pm, REGISTRY, dirs);
    const [file, pre] = command(pm);
    if (pm === 'yarn') {
      copyFileSync(path.join(TREE, 'yarn.lock'), path.join(dirs.project, 'yarn.lock'));
      writeFileSync(
        path.join(dirs.project, '.yarnrc.yml'),
        `nodeLinker: node-modules\nyarnPath: ${JSON.stringify(pre[0])}\n`,
      );
      const plugin = { plain: undefined, noop: path.join(NOOP, 'plugin-noop.cjs'), sumgate: YARN_PLUGIN }[
        variant
      ];
      if (plugin !== undefined)
        await timedRun(file, [...pre, 'plugin', 'import', plugin], {
          cwd: dirs.project,
          env,
          label: `yarn plugin import (${variant})`,
        });
    } else {
      const pnpmfile = { plain: undefined, noop: path.join(NOOP, 'pnpmfile.cjs'), sumgate: PNPMFILE }[
        variant
      ];
      if (pnpmfile !== undefined) copyFileSync(pnpmfile, path.join(dirs.project, '.pnpmfile.cjs'));
      writeFileSync(
        path.join(dirs.project, 'pnpm-lock.yaml'),
        lockfileWith(pnpmfile && pnpmfileChecksum(pnpmfile)),
      );
      writeFileSync(
        path.join(dirs.project, 'pnpm-workspace.yaml'),
        `allowBuilds:\n${NO_BUILDS.map((n) => `  '${n}': false\n`).join('')}`,
      );
    }
    projects[variant] = { variant, dirs, env, trash };
  }
  // Untimed: fills each store/cache; the sumgate one also has the log ingest every locked package
  // (on-demand ingestion from the registry) and fills the sumgate cache. Then one more untimed
  // frozen run each, so the OS file cache is warm for all.
  for (const variant of VARIANTS) {
    const t0 = Date.now();
    const { output } =
      variant === 'sumgate'
        ? await installApproving(pm, projects[variant])
        : await install(pm, projects[variant]);
    say(
      `  ${pm} ${variant}: untimed warm-up install in ${((Date.now() - t0) / 1000).toFixed(1)} s${variant === 'sumgate' ? ` (${verifiedLine(output)})` : ''}`,
    );
  }
  // The cold-sumgate-cache case gets its own project: a copy of the sumgate one after its
  // approvals, on the same store, caches and home, with its own sumgate cache. So no project is
  // installed twice per round (run H: Yarn's writes into the twice-installed project's
  // node_modules took longer than the same writes elsewhere).
  const warm = projects.sumgate.dirs;
  const cold = {
    ...warm,
    project: path.join(root, 'sumgate-cold', 'project'),
    sumgateCache: path.join(root, 'sumgate-cold', 'sumgate-cache'),
  };
  cpSync(warm.project, cold.project, {
    recursive: true,
    filter: (src) => path.basename(src) !== 'node_modules',
  });
  projects.sumgateCold = { variant: 'sumgate', dirs: cold, env: environment(pm, REGISTRY, cold), trash };
  const t0 = Date.now();
  await install(pm, projects.sumgateCold);
  say(
    `  ${pm} sumgate (copy for the cold-cache case): untimed warm-up install in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return projects;
}

function verifiedLine(output) {
  const line = /^.*sumgate: \d+ (?:locked|npm) packages verified.*$/m.exec(output)?.[0];
  return line?.replace(/^[^s]*sumgate/, 'sumgate').trim();
}

/**
 * The sumgate warm-up, as a user would do it: the tree has versions whose install-time code changed
 * since the version before (esbuild's postinstall, @parcel/watcher's install), so the first install
 * is refused with QUARANTINE_CHANGED; each is approved with `sumgate approve <pkg> --yes` (the CLI
 * reviews it against the log and writes the approval into sumgate.jsonc) and the install repeated.
 */
async function installApproving(pm, p) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await install(pm, p);
    } catch (e) {
      const quarantined = [...String(e.message).matchAll(/fix: sumgate approve (\S+)/g)].map((m) => m[1]);
      if (quarantined.length === 0 || attempt === 3) throw e;
      for (const pkg of quarantined) {
        await timedRun(process.execPath, [CLI, 'approve', pkg, '--yes', '--note', 'install benchmark'], {
          cwd: p.dirs.project,
          env: p.env,
          label: `sumgate approve ${pkg}`,
        });
      }
      say(
        `  ${pm} sumgate: approved ${quarantined.join(', ')} (quarantined: install-time code changed); installing again`,
      );
    }
  }
}

/** The registry or DNS failing for a moment: the run is repeated (at most twice) rather than the whole bench lost. */
const TRANSIENT =
  /EAI_AGAIN|ECONNRESET|ETIMEDOUT|ECONNREFUSED|socket hang up|ERR_PNPM_FETCH_5\d\d|ERR_PNPM_META_FETCH_FAIL|YN0001.*(?:5\d\d|timed out)/;

async function install(pm, p, before) {
  const [file, pre] = command(pm);
  for (let attempt = 1; ; attempt++) {
    p.trash.moveAside(path.join(p.dirs.project, 'node_modules'));
    before?.();
    // Untimed: the writes of the previous run reach the disk now, so no timed run pays for
    // another's write-back.
    execFileSync('sync');
    try {
      const result = await timedRun(file, [...pre, ...installArgs(pm)], {
        cwd: p.dirs.project,
        env: p.env,
        label: `${pm} ${p.variant}`,
      });
      if (p.variant === 'sumgate' && verifiedLine(result.output) === undefined)
        throw new Error(
          `${pm} sumgate: the plugin did not verify the install:\n${result.output.slice(-3000)}`,
        );
      return result;
    } catch (e) {
      const transient = TRANSIENT.exec(String(e.message));
      if (transient === null || attempt === 3) throw e;
      say(`  (${pm} ${p.variant}: a network error (${transient[0]}); the run is repeated)`);
    }
  }
}

/** Every store and cache of the variant: pnpm's store and cache, Yarn's cache and its mirror, sumgate's cache. */
const emptyStore = (p) => () => {
  for (const d of [p.dirs.store, p.dirs.pmCache, yarnGlobalFolder(p.dirs), p.dirs.sumgateCache])
    if (d !== undefined) p.trash.moveAside(d);
};
const emptySumgateCache = (p) => () => p.trash.moveAside(p.dirs.sumgateCache);

/** `runs`: [{ name, project, before }]; interleaved, order rotated every round. Returns per-run wall/cpu arrays. */
async function measure(pm, runs, rounds, caseName) {
  const wall = Object.fromEntries(runs.map((r) => [r.name, []]));
  const cpu = Object.fromEntries(runs.map((r) => [r.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = runs.map((_, i) => runs[(i + round) % runs.length]);
    for (const r of order) {
      const { ms, cpuMs } = await install(pm, r.project, r.before);
      wall[r.name][round] = ms;
      cpu[r.name][round] = cpuMs;
    }
    say(
      `  ${pm}, ${caseName}, round ${round + 1}: ${runs.map((r) => `${r.name} ${(wall[r.name][round] / 1000).toFixed(2)} s (cpu ${(cpu[r.name][round] / 1000).toFixed(2)})`).join(', ')}; load ${load()}`,
    );
  }
  return { wall, cpu };
}

function ratios(m, name, base = 'plain') {
  return {
    wall: median(m.wall[name].map((t, i) => t / m.wall[base][i])),
    cpu: median(m.cpu[name].map((t, i) => t / m.cpu[base][i])),
    wallMs: median(m.wall[name]),
    cpuMs: median(m.cpu[name]),
  };
}

async function benchOne(pm, root, log) {
  const [, , version] = command(pm);
  say(`\n${pm === 'yarn' ? 'Yarn' : 'pnpm'} ${version}: preparing (${root})`);
  const p = await prepare(pm, root, log);
  const rows = [];
  const warm = await measure(
    pm,
    [
      { name: 'plain', project: p.plain },
      { name: 'noop', project: p.noop },
      { name: 'sumgate', project: p.sumgate },
      { name: 'sumgate, cold cache', project: p.sumgateCold, before: emptySumgateCache(p.sumgateCold) },
    ],
    ROUNDS,
    'warm store',
  );
  rows.push({
    label: 'warm store, frozen',
    goal: 1.03,
    plain: ratios(warm, 'plain'),
    noop: ratios(warm, 'noop'),
    sumgate: ratios(warm, 'sumgate'),
  });
  rows.push({
    label: 'warm store, cold sumgate cache',
    goal: 1.15,
    plain: ratios(warm, 'plain'),
    noop: ratios(warm, 'noop'),
    sumgate: ratios(warm, 'sumgate, cold cache'),
  });
  if (COLD) {
    const cold = await measure(
      pm,
      VARIANTS.map((v) => ({ name: v, project: p[v], before: emptyStore(p[v]) })),
      COLD_ROUNDS,
      'cold store',
    );
    rows.push({
      label: 'cold store, cold sumgate cache',
      goal: 1.15,
      plain: ratios(cold, 'plain'),
      noop: ratios(cold, 'noop'),
      sumgate: ratios(cold, 'sumgate'),
    });
  }
  return { pm, version, rows };
}

function printResults(results, packages) {
  const x = (r) => `${r.toFixed(3)}x`;
  say(
    `\nresults: ${packages}; paired ratios (median over rounds of variant / plain of the same round), wall and CPU (user+sys of the whole process tree); load average now ${load()} on ${cpus().length} CPUs`,
  );
  say(
    '| case | package manager | plain wall s (cpu s) | no-op plugin wall ratio (cpu) | sumgate wall ratio (cpu) | goal |',
  );
  say('|---|---|---|---|---|---|');
  for (const { pm, version, rows } of results) {
    for (const r of rows) {
      const met = r.sumgate.wall <= r.goal ? 'met' : 'MISSED';
      say(
        `| ${r.label} | ${pm === 'yarn' ? 'Yarn' : 'pnpm'} ${version} | ${(r.plain.wallMs / 1000).toFixed(2)} (${(r.plain.cpuMs / 1000).toFixed(2)}) | ${x(r.noop.wall)} (${x(r.noop.cpu)}) | ${x(r.sumgate.wall)} (${x(r.sumgate.cpu)}) | <= ${r.goal}x: ${met} |`,
      );
    }
  }
}

async function main() {
  const root = mkdtempSync(path.join(tmpdir(), 'sumgate-installs-bench-'));
  const { initLog, serveLog } = await import(LOG_BUNDLE);
  const logDir = path.join(root, 'log');
  await initLog({ dir: logDir, origin: 'bench.sumgate.local/npm' });
  const server = await serveLog({ dir: logDir, upstreams: [REGISTRY] });
  const log = { url: server.url.endsWith('/') ? server.url : `${server.url}/`, vkey: server.vkey };
  const pnpmPackages = (
    readFileSync(path.join(TREE, 'pnpm-lock.yaml'), 'utf8')
      .split('\nsnapshots:')[0]
      .match(/^ {2}\S.*:$/gm) ?? []
  ).length;
  const yarnPackages = (
    readFileSync(path.join(TREE, 'yarn.lock'), 'utf8').match(/resolution: "[^"]+@npm:/g) ?? []
  ).length;
  const packages = `pnpm lockfile ${pnpmPackages - 1} packages, yarn.lock ${yarnPackages} npm packages`;
  say(`sumgate install benchmark: ${packages} (e2e/bench/tree), registry ${REGISTRY}, log ${log.url}`);
  say(
    `  ${ROUNDS} warm rounds${COLD ? `, ${COLD_ROUNDS} cold rounds` : ''}, variants ${VARIANTS.join(' / ')} interleaved; load average ${load()}`,
  );
  const results = [];
  try {
    for (const pm of PMS) {
      results.push(await benchOne(pm, path.join(root, pm), log));
      printResults(results.slice(-1), packages);
      // Nothing is removed until the end: a removal would slow the next package manager's rounds.
    }
  } finally {
    await server.close().catch(() => {});
    if (KEEP) {
      for (const t of trashes) t.empty();
      say(`\nkept ${root}`);
    } else rmSync(root, { recursive: true, force: true });
  }
  if (results.length > 1) printResults(results, packages);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e.stack ?? e}\n`);
  process.exitCode = 1;
});
