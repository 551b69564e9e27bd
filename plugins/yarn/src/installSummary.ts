import { MessageName } from '@yarnpkg/core';
import type { Project, Report } from '@yarnpkg/core';
import { existingSession } from './session.js';

/**
 * The `afterAllInstalled` hook: how many npm packages this install verified, how many were
 * downloaded from which source (each download also has its own line), how many came from cached
 * archives bound to verified tarballs, and how many were exempt.
 */
export function reportInstallSummary(project: Project, report: Report): void {
  const session = existingSession(project);
  if (session === undefined || !session.gate.enabled) return;
  const bySource = [...session.downloads].map(([source, n]) => `${n} from ${source}`);
  const downloaded = [...session.downloads.values()].reduce((a, b) => a + b, 0);
  const cached = session.verified.size - downloaded;
  const parts = [...bySource, `${cached} from bound cache archives`];
  if (session.exemptCount > 0) parts.push(`${session.exemptCount} exempt`);
  report.reportInfo(
    MessageName.UNNAMED,
    `sumgate: ${session.verified.size} npm packages verified against ${session.gate.policy.log?.url ?? 'the log'} (${parts.join(', ')})`,
  );
}
