import path from 'node:path';
import { errorRow, findWorkspaceRoot, isSumgateError, verdictToJSON } from '@sumgate/core';
import type { Gate, Verdict } from '@sumgate/core';
import { parseArgs, UsageError } from '../args.js';
import { openGate } from '../gateFor.js';
import type { Command, Io } from '../io.js';
import { findLockfile, LockfileError, readLocked } from '../lockfiles/readLocked.js';
import type { LockedEntry } from '../lockfiles/readLocked.js';
import { resolveIntegrities } from '../lockfiles/resolveIntegrity.js';
import type { Unresolved } from '../lockfiles/resolveIntegrity.js';
import { Progress } from '../progress.js';

/** Packages proven per verifyLocked call: one log round trip each, and a progress step. */
const CHUNK = 250;

/** `sumgate audit`: every locked package against the log and the quarantine rules, for CI. */
export const audit: Command = {
  name: 'audit',
  summary: 'verify every package of a lockfile against the checksum log and the quarantine rules',
  usage: `usage: sumgate audit [--lockfile <path>] [--json] [--policy <file>]

Verifies every registry package pinned by pnpm-lock.yaml, yarn.lock or package-lock.json: its
integrity must be the one the checksum log recorded, and a version that adds or changes install-time
code must be approved in the policy. yarn.lock (Yarn 2+) keeps no npm integrity, so each entry's
integrity is read from the packuments of the policy's sources.

  --lockfile <path>  the lockfile (default: the one at the workspace root)
  --json             print a JSON report of every package: verdict, source, problems
  --policy <file>    the policy file (default: sumgate.jsonc at the workspace root)

Exit 0 when every package passed, 1 when some were refused, 2 when the audit could not check
(log unreachable, bad policy, unreadable lockfile, integrity that could not be resolved).

examples:
  sumgate audit                                 in CI, after a frozen install
  sumgate audit --lockfile packages/app/pnpm-lock.yaml
  sumgate audit --json | jq '.packages[] | select(.decision == "refused")'`,
  async run(argv, io) {
    const args = parseArgs(argv, { lockfile: 'string', json: 'boolean', policy: 'string', help: 'boolean' });
    if (args.flags.help === true) {
      io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
    const json = args.flags.json === true;
    let locked: ReturnType<typeof readLocked>;
    try {
      const file =
        typeof args.flags.lockfile === 'string'
          ? path.resolve(io.cwd, args.flags.lockfile)
          : findLockfile(findWorkspaceRoot(io.cwd));
      locked = readLocked(file);
    } catch (e) {
      if (!(e instanceof LockfileError)) throw e;
      return couldNotCheck(io, json, { code: 'LOCKFILE', message: e.message, fix: e.fix });
    }
    try {
      return await auditLocked(io, json, openGate(io, path.dirname(locked.file), args.flags.policy), locked);
    } catch (e) {
      if (!isSumgateError(e) || !json) throw e;
      io.stderr(`${e.describe()}\n`);
      io.stdout(`${JSON.stringify({ ok: false, error: e.toJSON() }, null, 2)}\n`);
      return errorRow(e.code).exitCode;
    }
  },
};

function couldNotCheck(io: Io, json: boolean, error: { code: string; message: string; fix: string }): number {
  io.stderr(`sumgate audit: ${error.message}\n  fix: ${error.fix}\n`);
  if (json) io.stdout(`${JSON.stringify({ ok: false, error }, null, 2)}\n`);
  return 2;
}

async function auditLocked(
  io: Io,
  json: boolean,
  gate: Gate,
  locked: ReturnType<typeof readLocked>,
): Promise<number> {
  const progress = new Progress(io);
  let entries: Array<LockedEntry & { integritySource?: string | undefined }> = locked.entries;
  let unresolved: Unresolved[] = [];
  if (!locked.integrityInLockfile) {
    const r = await resolveIntegrities(
      locked.entries.filter((e) => !gate.isExempt(e.name)),
      gate.sources,
      {
        onProgress: (done, total) =>
          progress.update(`sumgate audit: reading integrity from the sources: ${done}/${total} packages`),
      },
    );
    progress.done();
    entries = [...r.resolved, ...locked.entries.filter((e) => gate.isExempt(e.name))];
    unresolved = r.unresolved;
  }
  const verdicts: Verdict[] = [];
  for (let i = 0; i < entries.length; i += CHUNK) {
    progress.update(`sumgate audit: verifying ${i}/${entries.length} packages against the checksum log`);
    verdicts.push(...(await gate.verifyLocked(entries.slice(i, i + CHUNK))));
  }
  progress.done();

  const refused = verdicts.filter((v) => v.decision === 'refused');
  const warned = verdicts.filter((v) => v.decision !== 'refused' && v.problems.length > 0);
  const counts: Record<string, number> = { verified: 0, approved: 0, exempt: 0, off: 0, refused: 0 };
  for (const v of verdicts) counts[v.decision] = (counts[v.decision] ?? 0) + 1;
  const code = refused.length > 0 ? 1 : unresolved.length > 0 ? 2 : 0;

  if (json) {
    const report = {
      ok: code === 0,
      lockfile: locked.file,
      format: locked.kind,
      policy: gate.policy.file,
      mode: gate.policy.mode,
      log: gate.policy.log?.url,
      summary: { packages: verdicts.length + unresolved.length, ...counts, unresolved: unresolved.length },
      packages: verdicts.map((v, i) => ({
        ...verdictToJSON(v),
        // Not downloaded by an audit: the source it is routed to, or whose metadata gave the integrity
        // (yarn.lock).
        source: v.source ?? entries[i]?.integritySource ?? gate.sources.route(v.name)[0]?.name,
        integrityFrom: locked.integrityInLockfile ? 'lockfile' : 'source metadata',
      })),
      unresolved,
    };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return code;
  }

  for (const v of refused) for (const p of v.problems) io.stdout(`${p.describe()}\n`);
  for (const v of warned) for (const p of v.problems) io.stdout(`warning (mode "warn"): ${p.describe()}\n`);
  for (const u of unresolved)
    io.stdout(
      `could not check ${u.name}@${u.version}: its npm integrity could not be read from the sources (${u.reason})\n`,
    );
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  if (unresolved.length > 0) parts.push(`${unresolved.length} could not be checked`);
  const rel = path.relative(io.cwd, locked.file) || locked.file;
  io.stdout(
    `sumgate audit: ${verdicts.length + unresolved.length} packages in ${rel}: ${parts.join(', ') || 'nothing to check'} (log ${gate.policy.log?.url ?? 'none'}, policy ${gate.policy.file ?? 'default'})\n`,
  );
  if (refused.length > 0)
    io.stdout(
      `${refused.length} package(s) refused: see the reasons above; \`sumgate explain <name>@<version>\` shows the details.\n`,
    );
  return code;
}
