import type { SumgateCode } from '../errors.js';
import { SumgateError } from '../errors.js';

export type Decision = 'verified' | 'approved' | 'exempt' | 'off' | 'refused';

export interface InstallCodeSummary {
  readonly fingerprint: string;
  readonly hooks: readonly string[];
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
  const problems = refused.flatMap((v) => v.problems);
  const first = problems[0]!;
  if (problems.length === 1) return first;
  const code: SumgateCode = problems.some((p) => p.security) ? problems.find((p) => p.security)!.code : first.code;
  const lines = problems.slice(0, 20).map((p) => `  - ${p.message}${p.fix === undefined ? '' : `\n    fix: ${p.fix}`}`);
  const more = problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : '';
  return new SumgateError(code, `${refused.length} packages refused:\n${lines.join('\n')}${more}`, {
    data: { refused: refused.map(verdictToJSON) },
  });
}
