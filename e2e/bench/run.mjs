// `npm run bench` (after `pnpm run build`): every benchmark, one after another, so none disturbs
// another's measurements. Each prints figures or ratios measured side by side in one run.
//   node e2e/bench/run.mjs [core] [log] [installs]     (default: all)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const benches = {
  core: ['shared/core/bench/bench.mjs'],
  log: ['shared/log/bench/bench.mjs', process.env.BENCH_LOG_ENTRIES ?? '1000000'],
  // pnpm 10, pnpm 12 and Yarn 4 on one ~1,000-package tree (e2e/bench/tree), plain / no-op / sumgate
  installs: ['e2e/bench/installs.mjs'],
};
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(benches);
let failed = 0;
for (const name of chosen) {
  const args = benches[name];
  if (args === undefined) {
    console.error(`unknown benchmark "${name}"; choose from ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== ${name}: node ${args.join(' ')}`);
  const r = spawnSync(process.execPath, args, { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
