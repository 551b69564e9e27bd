// Re-runs one install of a project kept by `installs.mjs --keep`, optionally under `node --cpu-prof`
// (Node refuses it in NODE_OPTIONS: pnpm 10 and Yarn get it as an argument; the Node processes they
// or pnpm 12 start, its workers, go through a `node` shim first on PATH that preloads
// lib/cpuProfilePreload.cjs, since pnpm 12 kills its workers), with the kept log
// served again on the port the project's sumgate.jsonc names. Prints wall and CPU time.
//   node e2e/bench/profileInstall.mjs <kept dir> <pnpm10|pnpm12|yarn> <plain|noop|sumgate>
//        [--case warm|cold-cache|cold-store] [--prof <dir>] [--runs 1]
// Wrap it in `flock /tmp/sumgate-bench.lock` on a shared machine. Profiles: cpuProfileSummary.mjs.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { command, environment, installArgs, repoRoot, yarnGlobalFolder } from './lib/packageManagers.mjs';
import { timedRun } from './lib/timedRun.mjs';
import { Trash } from './lib/trash.mjs';

const [kept, pm, variant, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
  const i = rest.indexOf(name);
  return i === -1 ? fallback : rest[i + 1];
};
if (kept === undefined || pm === undefined || variant === undefined) {
  process.stderr.write(
    'usage: node profileInstall.mjs <kept dir> <pnpm10|pnpm12|yarn> <plain|noop|sumgate> [--case warm|cold-cache|cold-store] [--prof dir] [--runs n]\n',
  );
  process.exit(2);
}
const CASE = option('--case', 'warm');
const PROF = option('--prof', undefined);
const RUNS = Number(option('--runs', '1'));
if (!['warm', 'cold-cache', 'cold-store'].includes(CASE)) throw new Error(`unknown --case ${CASE}`);

const base = path.join(kept, pm, variant);
const dirs = {
  project: path.join(base, 'project'),
  home: path.join(base, 'home'),
  store: path.join(base, 'store'),
  pmCache: path.join(base, 'pm-cache'),
  sumgateCache: variant === 'sumgate' ? path.join(base, 'sumgate-cache') : undefined,
};
if (!existsSync(dirs.project))
  throw new Error(`${dirs.project} does not exist: run installs.mjs --keep first`);

let server;
const policyFile = path.join(dirs.project, 'sumgate.jsonc');
const policy = existsSync(policyFile) ? readFileSync(policyFile, 'utf8') : undefined;
const registry =
  /"url": "(https?:\/\/(?!127\.0\.0\.1)[^"]+)"/.exec(policy ?? '')?.[1] ?? 'https://registry.npmjs.org/';
if (policy !== undefined) {
  const port = Number(/"url": "http:\/\/127\.0\.0\.1:(\d+)\//.exec(policy)?.[1]);
  const { serveLog } = await import(path.join(repoRoot, 'shared/log/dist/index.js'));
  server = await serveLog({ dir: path.join(kept, 'log'), upstreams: [registry], port });
}

const env = environment(pm, registry, dirs);
const [file, launch] = command(pm);
let pre = launch;
if (PROF !== undefined) {
  const flags = ['--cpu-prof', `--cpu-prof-dir=${path.resolve(PROF)}`];
  const shim = path.join(path.resolve(PROF), 'bin');
  mkdirSync(shim, { recursive: true });
  const preload = path.join(repoRoot, 'e2e/bench/lib/cpuProfilePreload.cjs');
  writeFileSync(path.join(shim, 'node'), `#!/bin/sh\nexec ${process.execPath} --require ${preload} "$@"\n`);
  env.SUMGATE_CPU_PROF_DIR = path.resolve(PROF);
  chmodSync(path.join(shim, 'node'), 0o755);
  env.PATH = `${shim}${path.delimiter}${env.PATH}`;
  if (file === process.execPath) pre = [...flags, ...launch];
}
const trash = new Trash(path.join(kept, pm, 'trash'));
try {
  for (let run = 0; run < RUNS; run++) {
    trash.moveAside(path.join(dirs.project, 'node_modules'));
    const empty =
      CASE === 'cold-store'
        ? [dirs.store, dirs.pmCache, yarnGlobalFolder(dirs), dirs.sumgateCache]
        : CASE === 'cold-cache'
          ? [dirs.sumgateCache]
          : [];
    for (const d of empty) if (d !== undefined) trash.moveAside(d);
    const { ms, cpuMs, output } = await timedRun(file, [...pre, ...installArgs(pm)], {
      cwd: dirs.project,
      env,
      label: `${pm} ${variant}`,
    });
    const verified = /sumgate: \d+ (?:locked|npm) packages verified[^\n]*/.exec(output)?.[0] ?? '';
    process.stdout.write(
      `${pm} ${variant} ${CASE}: ${(ms / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s cpu ${verified}\n`,
    );
  }
} finally {
  trash.empty();
  await server?.close();
}
