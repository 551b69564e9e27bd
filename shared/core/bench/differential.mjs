// The long differential run (issue 10): node shared/core/bench/differential.mjs [archives] [seed]
// Runs shared/core/test/inspect/differential.test.ts against pnpm 10's and Yarn 4's real extraction
// code with DIFFERENTIAL_ARCHIVES archives (default 20,000) and a seed (default: random), and prints
// how many archives it tried, how many sumgate accepted (read identically by all) and refused.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const archives = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(archives) || archives <= 0 || !Number.isInteger(seed)) {
  console.error('usage: node shared/core/bench/differential.mjs [archives] [seed]');
  process.exit(2);
}
const run = spawnSync(
  path.join(repoRoot, 'node_modules/.bin/vitest'),
  ['run', '--project', 'unit', 'shared/core/test/inspect/differential.test.ts', '-t', 'random and mutated'],
  {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, DIFFERENTIAL_ARCHIVES: String(archives), DIFFERENTIAL_SEED: String(seed) },
  },
);
const out = `${run.stdout}${run.stderr}`;
const summary = out.split('\n').find((l) => l.includes('differential: tried'));
console.log(summary === undefined ? out : summary.replace(/^.*differential:/, 'differential:'));
if (run.status !== 0) {
  console.log(
    out
      .split('\n')
      .filter((l) => /archive \d+ \(|AssertionError/.test(l))
      .slice(0, 5)
      .join('\n'),
  );
  console.log(`FAILED (seed ${seed}): an archive sumgate accepted was read differently by an extractor`);
}
process.exit(run.status ?? 1);
