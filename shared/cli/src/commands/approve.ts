import { readFileSync } from 'node:fs';
import {
  coveringApproval,
  Gate,
  parsePolicyText,
  previousVersion,
  SumgateError,
  writeFileAtomic,
} from '@sumgate/core';
import type { LoggedRecord } from '@sumgate/core';
import { parseArgs, UsageError } from '../args.js';
import { renderCodeDiff } from '../approve/renderCodeDiff.js';
import { fetchLoggedCode } from '../approve/verifiedTarball.js';
import type { InstalledCodeView } from '../approve/verifiedTarball.js';
import { logClientFor, openGate, proveOne } from '../gateFor.js';
import type { Command, Io } from '../io.js';
import { parsePkgSpec } from '../pkgSpec.js';
import { addApproval } from '../policyEdit.js';

/** `sumgate approve`: review a version's new install-time code and pin an approval to it. */
export const approve: Command = {
  name: 'approve',
  summary: 'review the install-time code of a quarantined version and approve it in the policy',
  usage: `usage: sumgate approve <name>@<version> [--yes] [--note <text>] [--policy <file>]

Shows the install-time code (install hooks and the files they run) of <name>@<version> next to its
previous version's, both downloaded through the policy's sources and checked against the checksum
log, then asks for confirmation and adds to "approvals" in the policy:
  { "package": "<name>@<version>", "installCode": "<fingerprint>" }
The approval covers exactly that version and that code: a later change quarantines it again.
The policy file's comments and layout are kept.

  --yes            approve without asking (required when there is no terminal)
  --note <text>    a note stored with the approval (who reviewed it, why)
  --policy <file>  the policy file (default: sumgate.jsonc at the workspace root)

examples:
  sumgate approve esbuild@0.25.1                 shows the code, asks, then writes the approval
  sumgate approve esbuild@0.25.1 --yes --note "reviewed install.js (alice)"`,
  async run(argv, io) {
    const args = parseArgs(argv, { yes: 'boolean', note: 'string', policy: 'string', help: 'boolean' });
    if (args.flags.help === true) {
      io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError('give exactly one <name>@<version>');
    const { name, version } = parsePkgSpec(args.positionals[0]);
    const note = typeof args.flags.note === 'string' ? args.flags.note : undefined;
    const pkg = `${name}@${version}`;
    const gate = openGate(io, io.cwd, args.flags.policy);
    const policyFile = gate.policy.file!;
    const client = logClientFor(gate);
    const ingest = gate.policy.log?.ingest ?? true;

    const logged = await proveOne(client, ingest, name, version);
    if ('absent' in logged) {
      throw new SumgateError(
        'LOG_ABSENT',
        `${pkg} is not in the checksum log (${logged.absent}): there is nothing proven to review`,
        {
          pkg,
          fix: 'check the name and version (sumgate explain shows what the log knows)',
        },
      );
    }
    const code = logged.record.installCode;
    if (code.fingerprint === 'none') {
      io.stdout(
        `${pkg} has no install-time code (no preinstall, install or postinstall script, no binding.gyp): nothing to approve, the policy is unchanged.\n`,
      );
      return 0;
    }
    const cover = coveringApproval(gate.policy.approvals, name, version, code.fingerprint);
    if (cover !== undefined) {
      io.stdout(
        cover.carriedFrom === undefined
          ? `${pkg} is already approved for this install-time code (${code.fingerprint}) in ${policyFile}: unchanged.\n`
          : `${pkg} is not quarantined: the approval of ${cover.approval.package} in ${policyFile} covers it (the same install-time code, ${code.fingerprint}, carries forward to later versions): unchanged.\n`,
      );
      return 0;
    }

    const current = await fetchLoggedCode(gate, logged);
    const { previous, why } = await previousCode(gate, client, ingest, name, version);
    io.stdout(renderCodeDiff(current, previous, why));

    if (!(await confirmed(io, args.flags.yes === true, pkg)))
      return io.prompt === undefined && args.flags.yes !== true ? 2 : 1;

    const text = readFileSync(policyFile, 'utf8');
    const edit = addApproval(text, { package: pkg, installCode: code.fingerprint, note });
    const check = parsePolicyText(edit.text, policyFile);
    if (!check.approvals.some((a) => a.package === pkg && a.installCode === code.fingerprint)) {
      throw new SumgateError(
        'POLICY_INVALID',
        `${policyFile}: could not add the approval of ${pkg} automatically`,
        {
          fix: `add { "package": "${pkg}", "installCode": "${code.fingerprint}" } to "approvals" by hand`,
        },
      );
    }
    if (edit.status !== 'present') writeFileAtomic(policyFile, edit.text, { durable: true });
    io.stdout(
      `${edit.status === 'replaced' ? 'updated the approval of' : 'approved'} ${pkg} (install-time code ${code.fingerprint}) in ${policyFile}\n`,
    );

    // What an install will now conclude about this version (other rules still apply).
    const after = await Gate.open({ cwd: io.cwd, host: 'cli', policyFile, env: io.env }).verifyLocked([
      { name, version, integrity: logged.record.integrity },
    ]);
    const v = after[0]!;
    io.stdout(
      `now: ${pkg} is ${v.decision}${v.problems.length > 0 ? `: ${v.problems.map((p) => p.message).join('; ')}` : ''}\n`,
    );
    io.stdout('commit the policy file so CI and your team use the same approval.\n');
    return 0;
  },
};

async function previousCode(
  gate: Gate,
  client: ReturnType<typeof logClientFor>,
  ingest: boolean,
  name: string,
  version: string,
): Promise<{ previous?: InstalledCodeView; why?: string }> {
  let versions: string[];
  try {
    versions = Object.keys((await gate.sources.fetchPackument(name)).value.versions);
  } catch (e) {
    return { why: `the list of versions could not be read from the sources (${(e as Error).message})` };
  }
  const prev = previousVersion(version, versions);
  if (prev === undefined) return { why: `${name} has no version before ${version}` };
  const logged: LoggedRecord | { absent: string } = await proveOne(client, ingest, name, prev);
  if ('absent' in logged)
    return {
      why: `the previous version ${prev} is not proven in the checksum log (${logged.absent}), so its code is not shown`,
    };
  if (logged.record.installCode.fingerprint === 'none') {
    return {
      previous: {
        name,
        version: prev,
        source: '',
        leaf: logged.index,
        installCode: { hooks: [], files: [], fingerprint: 'none' },
        contents: new Map(),
      },
    };
  }
  return { previous: await fetchLoggedCode(gate, logged) };
}

async function confirmed(io: Io, yes: boolean, pkg: string): Promise<boolean> {
  if (yes) return true;
  if (io.prompt === undefined) {
    io.stderr(
      `sumgate approve: not approved: no terminal to confirm on; review the code above, then re-run with --yes: sumgate approve ${pkg} --yes\n`,
    );
    return false;
  }
  const answer = (await io.prompt(`approve ${pkg} with this install-time code? [y/N] `)).trim();
  if (/^y(es)?$/i.test(answer)) return true;
  io.stdout('not approved: the policy is unchanged.\n');
  return false;
}
