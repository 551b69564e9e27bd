import { formatRecord, sha512Of, verdictToJSON } from '@sumgate/core';
import type { Gate, LoggedRecord, Verdict } from '@sumgate/core';
import { parseArgs, UsageError } from '../args.js';
import { logClientFor, openGate, proveOne } from '../gateFor.js';
import type { Command } from '../io.js';
import { parsePkgSpec } from '../pkgSpec.js';
import { visible } from '../terminalText.js';
import { fetchLoggedCode } from '../approve/verifiedTarball.js';
import { widenedLines } from '../widenedLines.js';

/** What the tarball's own install code says beyond the log's fingerprint: where it was widened. */
type CodeDetail =
  | { readonly widened: string[]; readonly raw: unknown }
  | { readonly error: string }
  | undefined;

async function codeDetail(gate: Gate, record: LoggedRecord | undefined): Promise<CodeDetail> {
  if (record === undefined || record.record.installCode.fingerprint === 'none') return undefined;
  try {
    const view = await fetchLoggedCode(gate, record);
    return { widened: widenedLines(view.installCode), raw: view.installCode.widened ?? [] };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** What a source's metadata says about the version, compared with the log. */
interface SourceFacts {
  readonly source: string | undefined;
  readonly url: string | undefined;
  readonly integrity: string | undefined;
  readonly matchesLog: boolean | undefined;
  readonly error: string | undefined;
}

/** `sumgate explain`: the verdict on one version with every reason, the log entry and its proof. */
export const explain: Command = {
  name: 'explain',
  summary: 'show the verdict on one package version: every reason, the log entry and its proof',
  usage: `usage: sumgate explain <name>@<version> [--json] [--policy <file>]

Looks <name>@<version> up in the checksum log (proving its inclusion in a signed checkpoint) and
applies the policy as an install would: the verdict, every reason, the log entry (leaf index and
record), the checkpoint it was proven against, the previous version whose install-time code was
compared, and what the first source's metadata says.

  --json           print the same as JSON
  --policy <file>  the policy file (default: sumgate.jsonc at the workspace root)

Exit 0 when an install would accept it, 1 when it would be refused, 2 when it could not be checked.

examples:
  sumgate explain esbuild@0.25.1
  sumgate explain @types/node@20.19.43 --json`,
  async run(argv, io) {
    const args = parseArgs(argv, { json: 'boolean', policy: 'string', help: 'boolean' });
    if (args.flags.help === true) {
      io.stdout(`${this.usage}\n`);
      return 0;
    }
    if (args.positionals.length !== 1) throw new UsageError('give exactly one <name>@<version>');
    const { name, version } = parsePkgSpec(args.positionals[0]);
    const gate = openGate(io, io.cwd, args.flags.policy);
    const exempt = gate.isExempt(name) || gate.policy.mode === 'off';
    const logged = exempt
      ? undefined
      : await proveOne(logClientFor(gate), gate.policy.log?.ingest ?? true, name, version);
    const record = logged !== undefined && 'record' in logged ? logged : undefined;
    const [verdict] = await gate.verifyLocked([{ name, version, integrity: record?.record.integrity }]);
    const source = await sourceFacts(gate, name, version, record);
    const detail = await codeDetail(gate, record);

    if (args.flags.json === true) {
      io.stdout(
        `${JSON.stringify(
          {
            verdict: verdictToJSON(verdict!),
            log:
              logged === undefined
                ? undefined
                : record === undefined
                  ? { url: gate.policy.log?.url, absent: (logged as { absent: string }).absent }
                  : {
                      url: gate.policy.log?.url,
                      leaf: record.index,
                      record: formatRecord(record.record),
                      checkpoint: { origin: record.origin, size: record.checkpointSize },
                      vkeys: gate.policy.log?.vkeys,
                    },
            source,
            widened:
              detail === undefined ? undefined : 'error' in detail ? { error: detail.error } : detail.raw,
            policy: gate.policy.file,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.stdout(render(gate, verdict!, logged, record, source, detail));
    }
    return verdict!.decision === 'refused' ? 1 : 0;
  },
};

async function sourceFacts(
  gate: Gate,
  name: string,
  version: string,
  record: LoggedRecord | undefined,
): Promise<SourceFacts> {
  try {
    const f = await gate.sources.fetchPackument(name);
    const integrity = sha512Of(f.value.versions[version]?.dist?.integrity);
    return {
      source: f.source.name,
      url: f.source.url,
      integrity,
      matchesLog:
        record === undefined || integrity === undefined ? undefined : integrity === record.record.integrity,
      error:
        f.value.versions[version] === undefined ? `${f.source.name} does not list ${version}` : undefined,
    };
  } catch (e) {
    return {
      source: gate.sources.route(name)[0]?.name,
      url: undefined,
      integrity: undefined,
      matchesLog: undefined,
      error: (e as Error).message,
    };
  }
}

function render(
  gate: Gate,
  v: Verdict,
  logged: LoggedRecord | { absent: string } | undefined,
  record: LoggedRecord | undefined,
  source: SourceFacts,
  detail: CodeDetail,
): string {
  const out: string[] = [];
  const pkg = `${v.name}@${v.version}`;
  out.push(
    `${pkg}: ${v.decision}${v.decision === 'refused' ? ' (an install would fail)' : ''}   [mode ${gate.policy.mode}, policy ${gate.policy.file ?? 'default'}]`,
  );
  if (v.problems.length > 0) {
    out.push('reasons:');
    for (const p of v.problems) {
      out.push(`  - ${p.code}: ${p.message}`);
      if (p.fix !== undefined) out.push(`    fix: ${p.fix}`);
    }
  }
  if (v.notes.length > 0) {
    out.push('notes:');
    for (const n of v.notes) out.push(`  - ${n}`);
  }
  out.push(`checksum log: ${gate.policy.log?.url ?? '(none configured)'}`);
  if (logged === undefined) {
    out.push('  not consulted: the package is exempt or sumgate is off');
  } else if (record === undefined) {
    out.push(`  no entry: ${(logged as { absent: string }).absent}`);
  } else {
    out.push(`  entry: leaf ${record.index}; record:`);
    for (const line of formatRecord(record.record).trimEnd().split('\n')) out.push(`    | ${visible(line)}`);
    out.push(
      `  proof: inclusion proven against the checkpoint of ${record.origin}, tree size ${record.checkpointSize}, signed by a pinned key (${(gate.policy.log?.vkeys ?? []).map((k) => k.split('+')[0]).join(', ')})`,
    );
    const w = gate.policy.log?.witnesses;
    if (w !== undefined) out.push(`         cosigned by at least ${w.quorum} of ${w.keys.length} witnesses`);
    out.push('         consistent with every checkpoint this machine saw before');
  }
  const code = v.installCode;
  out.push(
    `install-time code: ${code === undefined ? 'unknown (not in the log)' : code.fingerprint === 'none' ? 'none' : `${code.hooks.join(', ')} (${code.fingerprint})`}`,
  );
  if (detail !== undefined && 'error' in detail) {
    out.push(`  (what the fingerprint covers could not be read from the tarball: ${detail.error})`);
  } else if (detail !== undefined) {
    out.push(
      detail.widened.length === 0
        ? '  fingerprint not widened: every require/import the hooks reach was followed statically'
        : '  fingerprint widened where a require/import could not be followed statically:',
    );
    for (const line of detail.widened) out.push(`    ${line}`);
  }
  if (v.previous !== undefined) {
    const p = v.previous.installCode;
    out.push(
      `previous version compared: ${v.previous.version}: ${p.fingerprint === 'none' ? 'no install-time code' : `${p.hooks.join(', ')} (${p.fingerprint})`}`,
    );
  } else if (code !== undefined && code.fingerprint !== 'none') {
    out.push('previous version compared: none (no earlier version proven, or the code was approved)');
  }
  if (source.source !== undefined) {
    const match =
      source.matchesLog === undefined
        ? ''
        : source.matchesLog
          ? ' (matches the log)'
          : ' (DIFFERS from the log: this source serves other bytes)';
    out.push(
      `source: ${source.source}${source.url === undefined ? '' : ` ${source.url}`}${source.integrity === undefined ? '' : `, metadata integrity ${source.integrity}${match}`}${source.error === undefined ? '' : `; ${source.error}`}`,
    );
  }
  if (
    v.decision === 'refused' &&
    v.problems.some((p) => p.code.startsWith('QUARANTINE') || p.code === 'MANIFEST_CONFUSION')
  ) {
    out.push(`to review and approve the code: sumgate approve ${pkg}`);
  }
  return `${out.join('\n')}\n`;
}
