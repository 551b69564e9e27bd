import type { SumgateCode } from '../errors.js';
import { SumgateError } from '../errors.js';

export type Decision = 'verified' | 'approved' | 'exempt' | 'off' | 'refused';

export interface InstallCodeSummary {
  readonly fingerprint: string;
  readonly hooks: readonly string[];
  /** The install-code rules the fingerprint follows: 1 for a v1 log record, else 2 (the current). */
  readonly rules?: 1 | 2 | undefined;
  /** From tarball bytes: the v1 fingerprint of the same bytes (installCodeV1.ts). */
  readonly v1?: string | undefined;
}

/** What sumgate concluded about one package version, with every reason. */
export interface Verdict {
  readonly name: string;
  readonly version: string;
  readonly integrity: string | undefined;
  readonly decision: Decision;
  /** Refusals (empty unless refused; in warn mode they are kept but the decision is not 'refused'). */
  readonly problems: readonly SumgateError[];
  /** Informational notes: unsigned record, source failovers, previous version compared. */
  readonly notes: readonly string[];
  readonly source: string | undefined;
  readonly logIndex: number | undefined;
  readonly installCode: InstallCodeSummary | undefined;
  readonly previous: { readonly version: string; readonly installCode: InstallCodeSummary } | undefined;
}

export function isRefused(v: Verdict): boolean {
  return v.decision === 'refused';
}

export function verdictToJSON(v: Verdict): Record<string, unknown> {
  return {
    name: v.name,
    version: v.version,
    integrity: v.integrity,
    decision: v.decision,
    source: v.source,
    logIndex: v.logIndex,
    installCode: v.installCode,
    previous: v.previous,
    problems: v.problems.map((p) => p.toJSON()),
    notes: v.notes,
  };
}

/** One error for many refusals, naming each package: what an install fails with. */
export function refusalError(refused: readonly Verdict[]): SumgateError {
  return combinedRefusal(
    refused.flatMap((v) => v.problems),
    refused.length,
    { refused: refused.map(verdictToJSON) },
  );
}

/**
 * Many problems as one error, printed once: a security problem's code leads; each problem keeps its
 * own line and fix. One problem is returned as it is.
 */
export function combinedRefusal(
  problems: readonly SumgateError[],
  packages = problems.length,
  data: Record<string, unknown> = {},
): SumgateError {
  const first = problems[0]!;
  if (problems.length === 1) return first;
  const code: SumgateCode = problems.find((p) => p.security)?.code ?? first.code;
  const lines = problems
    .slice(0, 20)
    .map((p) => `  - ${p.code}: ${p.message}${p.fix === undefined ? '' : `\n    fix: ${p.fix}`}`);
  const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
  return new SumgateError(code, `${packages} packages refused:\n${lines.join('\n')}${more}`, {
    data: { problems: problems.map((p) => p.toJSON()), ...data },
  });
}
