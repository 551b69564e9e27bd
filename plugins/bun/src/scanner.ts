/**
 * sumgate's Bun security scanner (`bunfig.toml`: `[install.security] scanner = "bun-scanner-sumgate"`).
 * For each package Bun is about to install, it proves the exact version in the checksum log (the
 * log ingests unknown ones from its upstreams), checks bun.lock's integrity against the logged one
 * when there is a lockfile, and applies the quarantine rules to the install-time code the log read
 * from the real tarball: no tarball download. Refusals are `fatal` advisories naming the code, the
 * cause and the fix; a log that cannot be reached throws, which stops the install (fail closed).
 * Same policy file as pnpm and Yarn (`sumgate.jsonc` at the workspace root, or SUMGATE_POLICY).
 */
import { Gate, isSumgateError } from '@sumgate/core';
import { advisoriesOf, registryRefs } from './advisories.js';
import { bunLockIntegrities } from './bunLockIntegrity.js';
import type { BunAdvisory, BunPackage, BunScanner } from './bunTypes.js';

export type { BunAdvisory, BunPackage, BunScanner } from './bunTypes.js';

async function scan({ packages }: { packages: readonly BunPackage[] }): Promise<BunAdvisory[]> {
  const cwd = process.cwd();
  try {
    const gate = Gate.open({ cwd, host: 'bun', env: process.env, log: (line) => console.error(line) });
    if (!gate.enabled) return [];
    const { refs, exotic } = registryRefs(
      packages,
      bunLockIntegrities(gate.workspaceRoot),
      gate.workspaceRoot,
    );
    const verdicts = await gate.verifyLocked(refs);
    for (const v of verdicts)
      if (v.decision !== 'refused')
        for (const p of v.problems) console.error(`sumgate warning: ${p.message}`);
    const refused = [...exotic, ...advisoriesOf(verdicts)];
    if (refused.length === 0)
      console.error(
        `sumgate: ${refs.length} packages verified against ${gate.policy.log?.url ?? 'the checksum log'}`,
      );
    return refused;
  } catch (e) {
    // Could not check (log down, bad policy): Bun stops the install and prints this.
    throw isSumgateError(e) ? new Error(e.describe()) : e;
  }
}

export const scanner: BunScanner = { version: '1', scan };
