// Times the sumgate pnpmfile outside pnpm, in a fresh Node process, as pnpm 10 runs it on a frozen
// install with a warm store: load the .pnpmfile.cjs of the current directory, then preResolution
// on the lockfile's packages. Prints one JSON line. Used by pnpm.mjs and factsProbe.mjs; run from a
// project dir (SUMGATE_PROBE_PNPMFILE: another pnpmfile than the project's).
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');

const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main() {
  const cwd = process.cwd();
  // The lockfile object preResolution gets, read by the core's own pnpm lockfile reader (built dist).
  const { parsePnpmLockText } = await import('@sumgate/core');
  const lockfile = parsePnpmLockText(readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8'));
  let t0 = process.hrtime.bigint();
  const pnpmfile = require(process.env.SUMGATE_PROBE_PNPMFILE ?? path.join(cwd, '.pnpmfile.cjs'));
  const requireMs = since(t0);
  const lines = [];
  t0 = process.hrtime.bigint();
  await pnpmfile.hooks.preResolution(
    { wantedLockfile: lockfile, lockfileDir: cwd, registries: { default: process.env.npm_config_registry } },
    { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
  );
  const preResolutionMs = since(t0);
  const cpu = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ requireMs, preResolutionMs, cpuMs: (cpu.user + cpu.system) / 1000, packages: Object.keys(lockfile.packages ?? {}).length, lines })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
