// Times the sumgate pnpmfile outside pnpm, in a fresh Node process, as pnpm 10 runs it on a frozen
// install with a warm store: load the .pnpmfile.cjs of the current directory, then preResolution
// on the lockfile's packages. Prints one JSON line. Used by pnpm.mjs; run from a project dir.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');

const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** The in-memory lockfile shape preResolution gets: `packages` keyed by depPath, each with its resolution. */
function wantedLockfile(text) {
  const section = /\npackages:\n([\s\S]*?)(?:\n\S|$)/.exec(text)?.[1] ?? '';
  const packages = {};
  let current;
  for (const line of section.split('\n')) {
    const key = /^ {2}'?([^\s'][^']*?)'?:$/.exec(line);
    if (key !== null) {
      current = { resolution: {} };
      packages[key[1]] = current;
      continue;
    }
    const integrity = /^ {4}resolution: \{integrity: ([^,}\s]+)/.exec(line);
    if (integrity !== null && current !== undefined) current.resolution.integrity = integrity[1];
  }
  return { packages };
}

async function main() {
  const cwd = process.cwd();
  const lockfile = wantedLockfile(readFileSync(path.join(cwd, 'pnpm-lock.yaml'), 'utf8'));
  let t0 = process.hrtime.bigint();
  const pnpmfile = require(path.join(cwd, '.pnpmfile.cjs'));
  const requireMs = since(t0);
  const lines = [];
  t0 = process.hrtime.bigint();
  await pnpmfile.hooks.preResolution(
    { wantedLockfile: lockfile, lockfileDir: cwd, registries: { default: process.env.npm_config_registry } },
    { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
  );
  const preResolutionMs = since(t0);
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ requireMs, preResolutionMs, cpuMs: (cpu.user + cpu.system) / 1000, packages: Object.keys(lockfile.packages).length, lines })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
