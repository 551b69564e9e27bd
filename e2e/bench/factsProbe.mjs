// The facts cache in isolation: hookProbe.cjs (load the pnpmfile, preResolution on the tree's
// lockfile, in a fresh Node process) on a cold sumgate cache, for each pnpmfile given, interleaved,
// in the pnpm 10 sumgate project kept by `installs.mjs --keep` (its log served again). Prints, per
// run: preResolution, the probe process's wall and CPU (GNU time: write-behind and exit included)
// and what the facts cache holds after it exited (files under facts/).
//   node e2e/bench/factsProbe.mjs <kept dir> <label>=<pnpmfile> [<label>=<pnpmfile> ...] [--rounds 4]
// Wrap it in `flock /tmp/sumgate-bench.lock` on a shared machine.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { environment, repoRoot } from './lib/packageManagers.mjs';
import { timedRun } from './lib/timedRun.mjs';

const [kept, ...rest] = process.argv.slice(2);
const at = rest.indexOf('--rounds');
const ROUNDS = at === -1 ? 4 : Number(rest[at + 1]);
const files = rest.filter((a, i) => a.includes('=') && i !== at + 1).map((a) => a.split('='));
if (kept === undefined || files.length === 0) {
  process.stderr.write('usage: node factsProbe.mjs <kept dir> <label>=<pnpmfile> ... [--rounds 4]\n');
  process.exit(2);
}
const base = path.join(kept, 'pnpm10', 'sumgate');
const dirs = {
  project: path.join(base, 'project'),
  home: path.join(base, 'home'),
  store: path.join(base, 'store'),
  pmCache: path.join(base, 'pm-cache'),
  sumgateCache: path.join(base, 'sumgate-cache'),
};
const policy = readFileSync(path.join(dirs.project, 'sumgate.jsonc'), 'utf8');
const registry =
  /"url": "(https?:\/\/(?!127\.0\.0\.1)[^"]+)"/.exec(policy)?.[1] ?? 'https://registry.npmjs.org/';
const port = Number(/"url": "http:\/\/127\.0\.0\.1:(\d+)\//.exec(policy)?.[1]);
const { serveLog } = await import(path.join(repoRoot, 'shared/log/dist/index.js'));
const server = await serveLog({ dir: path.join(kept, 'log'), upstreams: [registry], port });

function factsOnDisk() {
  const root = path.join(dirs.sumgateCache, 'facts');
  let n = 0;
  let bytes = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        n++;
        bytes += statSync(p).size;
      }
    }
  };
  try {
    walk(root);
  } catch {}
  return { files: n, kB: Math.round(bytes / 1024) };
}

const probe = path.join(repoRoot, 'e2e/bench/hookProbe.cjs');
const results = Object.fromEntries(files.map(([label]) => [label, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? files : [...files].reverse();
    for (const [label, pnpmfile] of order) {
      rmSync(dirs.sumgateCache, { recursive: true, force: true });
      const env = {
        ...environment('pnpm10', registry, dirs),
        SUMGATE_PROBE_PNPMFILE: path.resolve(pnpmfile),
      };
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      const { ms, cpuMs, output } = await timedRun(process.execPath, [probe], {
        cwd: dirs.project,
        env,
        label,
      });
      const line = JSON.parse(output.trim().split('\n').pop());
      const r = {
        preResolutionMs: Math.round(line.preResolutionMs),
        wallMs: Math.round(ms),
        cpuMs: Math.round(cpuMs),
        ...factsOnDisk(),
        load,
      };
      results[label].push(r);
      process.stdout.write(`${label} round ${round + 1}: ${JSON.stringify(r)}\n`);
    }
  }
} finally {
  await server.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label, rs] of Object.entries(results))
  process.stdout.write(
    `${label}: median preResolution ${median(rs.map((r) => r.preResolutionMs))} ms, wall ${median(rs.map((r) => r.wallMs))} ms, cpu ${median(rs.map((r) => r.cpuMs))} ms\n`,
  );
