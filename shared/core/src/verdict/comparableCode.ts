/**
 * Which fingerprints of a version and its baseline can be compared: both under the rules the
 * log recorded the baseline with (record-format.md §"Rules versions and rollout"). A v2 client
 * reading a log whose older records are v1 compares under v1 when it knows the version's v1
 * fingerprint (a v1 record, or computed from the verified bytes); a version known only by a v2
 * record cannot be compared with a v1 baseline (neither a pass nor a claim that code changed).
 */
import type { InstallCodeSummary } from './verdict.js';

export interface Comparison {
  readonly rules: 1 | 2;
  readonly current: string;
  readonly baseline: string;
}

export function rulesOf(code: InstallCodeSummary): 1 | 2 {
  return code.rules ?? 2;
}

export function comparableCode(
  current: InstallCodeSummary,
  baseline: InstallCodeSummary,
): Comparison | undefined {
  const base = rulesOf(baseline);
  if (base === 2)
    return rulesOf(current) === 2
      ? { rules: 2, current: current.fingerprint, baseline: baseline.fingerprint }
      : undefined;
  const v1 = rulesOf(current) === 1 ? current.fingerprint : current.v1;
  return v1 === undefined ? undefined : { rules: 1, current: v1, baseline: baseline.fingerprint };
}

/** The note a v1 comparison carries: what v1 does not cover. */
export function v1Note(baselineVersion: string): string {
  return `compared under the install-code rules v1, which the log recorded ${baselineVersion} with: v1 covers only the files named on a hook's command line, not the files they require, node-gyp's .gypi inputs or dependency bins; upgrade the log to record v2 (new versions get v2 records; old ones keep v1)`;
}
