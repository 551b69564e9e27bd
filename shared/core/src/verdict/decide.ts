import { SumgateError } from '../errors.js';
import { verifyRegistrySignature } from '../npm/registrySignature.js';
import type { NpmKeyPolicy, Policy } from '../policy/policy.js';
import type { NpmRecord } from '../record/npmRecord.js';
import { coveringApproval } from './approvalCover.js';
import { comparableCode, v1Note } from './comparableCode.js';
import { humanDuration } from './baseline.js';
import { waitingPeriod } from './waitingPeriod.js';
import type { VersionFacts } from './baseline.js';
import { matchesDeny, matchesNameGlob } from './matchers.js';
import type { Decision, InstallCodeSummary, Verdict } from './verdict.js';

/** What a source's metadata claimed for a version: unauthenticated claims, used only to refuse more. */
export interface SourceMetadata {
  readonly installHooks: readonly string[] | undefined;
  readonly publishedAt: string | undefined;
  /** The source that served the metadata (named when it gave no publish time). */
  readonly source?: string | undefined;
}

/** Everything known about one package version when the decision is made. */
export interface Facts {
  readonly name: string;
  readonly version: string;
  /** The integrity the lockfile (or resolution) expects, if any. */
  readonly integrity: string | undefined;
  /** The record proven in the log, or why there is none. */
  readonly logged:
    | { readonly record: NpmRecord; readonly index: number }
    | { readonly absent: string }
    | undefined;
  /** From the downloaded bytes, when they were downloaded (the fetcher path). */
  readonly bytes?:
    | { readonly integrity: string; readonly installCode: InstallCodeSummary; readonly source: string }
    | undefined;
  /** The previous version and its install code from the log (undefined version: there is none). */
  readonly previous?:
    | { readonly version: string | undefined; readonly installCode: InstallCodeSummary | undefined }
    | undefined;
  /** Versions published between the baseline (`previous`) and this one, oldest first (verdict/baseline.ts). */
  readonly between?: readonly VersionFacts[] | undefined;
  /** What the source's metadata claimed for this version (for manifest confusion and release age). */
  readonly metadata?: SourceMetadata | undefined;
  readonly notes?: readonly string[];
  /** npm registry keys to check recorded signatures with (default: the policy's `npmKeys`). */
  readonly npmKeys?: readonly NpmKeyPolicy[] | undefined;
}

const INSTALL_SCRIPT_HOOKS = ['preinstall', 'install', 'postinstall'];

/**
 * The verdict, a pure function of policy and facts, in a fixed order: mode, denial, exemption, log
 * presence, lockfile vs log, bytes vs log, registry signatures, release age, install-time code.
 */
export function decide(policy: Policy, facts: Facts, now: Date = new Date()): Verdict {
  const pkg = `${facts.name}@${facts.version}`;
  const problems: SumgateError[] = [];
  const notes: string[] = [...(facts.notes ?? [])];
  const logged = facts.logged !== undefined && 'record' in facts.logged ? facts.logged : undefined;
  const installCode =
    facts.bytes?.installCode ?? (logged === undefined ? undefined : logged.record.installCode);
  const base = {
    name: facts.name,
    version: facts.version,
    integrity: logged?.record.integrity ?? facts.integrity,
    source: facts.bytes?.source,
    logIndex: logged?.index,
    installCode,
    previous:
      facts.previous?.version !== undefined && facts.previous.installCode !== undefined
        ? { version: facts.previous.version, installCode: facts.previous.installCode }
        : undefined,
  };
  const verdict = (decision: Decision): Verdict => ({ ...base, decision, problems, notes });

  if (policy.mode === 'off') return verdict('off');

  const denied = policy.deny.find((d) => matchesDeny(facts.name, facts.version, d));
  if (denied !== undefined) {
    problems.push(
      new SumgateError('DENIED', `${pkg} is denied by the policy entry "${denied}"`, {
        pkg,
        fix: `use another version, or remove "${denied}" from "deny" in ${policy.file ?? 'sumgate.jsonc'}`,
      }),
    );
    return finish(policy, verdict, problems);
  }

  if (policy.exempt.some((g) => matchesNameGlob(facts.name, g))) {
    if (
      facts.bytes !== undefined &&
      facts.integrity !== undefined &&
      facts.bytes.integrity !== facts.integrity
    ) {
      problems.push(integrityMismatch(pkg, facts.integrity, facts.bytes.integrity, facts.bytes.source));
      return finish(policy, verdict, problems);
    }
    notes.push('exempt from the log by policy');
    return verdict('exempt');
  }

  if (logged === undefined) {
    const why =
      facts.logged !== undefined && 'absent' in facts.logged ? facts.logged.absent : 'not looked up';
    problems.push(
      new SumgateError('LOG_ABSENT', `${pkg} is not in the checksum log (${why})`, {
        pkg,
        fix:
          policy.log?.ingest === false
            ? `ask the log operator to ingest it (sumgate log ingest), or set "log.ingest": true in ${policy.file ?? 'sumgate.jsonc'}`
            : 'check that the log can reach an upstream registry that has this version; private packages belong in "exempt"',
      }),
    );
    return finish(policy, verdict, problems);
  }
  const record = logged.record;

  if (facts.integrity !== undefined && facts.integrity !== record.integrity) {
    problems.push(
      new SumgateError(
        'LOG_MISMATCH',
        `${pkg}: the lockfile's integrity ${facts.integrity} disagrees with the checksum log's ${record.integrity} (leaf ${logged.index})`,
        {
          pkg,
          fix: 'the lockfile or the registry it was resolved from served other bytes than everyone else saw: investigate before reinstalling; do not just regenerate the lockfile',
          data: { lockfile: facts.integrity, log: record.integrity, leaf: logged.index },
        },
      ),
    );
    return finish(policy, verdict, problems);
  }

  if (facts.bytes !== undefined) {
    if (facts.bytes.integrity !== record.integrity) {
      problems.push(integrityMismatch(pkg, record.integrity, facts.bytes.integrity, facts.bytes.source));
      return finish(policy, verdict, problems);
    }
    // a v1 record is checked against the v1 fingerprint of the same bytes (comparableCode.ts)
    const fromBytes =
      record.installCode.rules === 1 ? facts.bytes.installCode.v1 : facts.bytes.installCode.fingerprint;
    if (fromBytes !== record.installCode.fingerprint) {
      problems.push(
        new SumgateError(
          'LOG_MISMATCH',
          `${pkg}: install-time code fingerprint ${fromBytes ?? '(not computed)'} from the tarball differs from the log's ${record.installCode.fingerprint}${record.installCode.rules === 1 ? ' (v1 rules)' : ''}`,
          {
            pkg,
            fix: 'the log and this client disagree on the install-code rules: upgrade sumgate or the log, then retry',
          },
        ),
      );
      return finish(policy, verdict, problems);
    }
  }

  checkRegistrySignature(policy, facts.npmKeys ?? policy.npmKeys, record, pkg, problems, notes);

  checkReleaseAge(policy, facts, pkg, now, problems, notes);

  const approved = quarantine(policy, facts, installCode ?? record.installCode, pkg, problems, notes, now);
  if (problems.length > 0) return finish(policy, verdict, problems);
  return verdict(approved ? 'approved' : 'verified');
}

/**
 * The release-age cooldown. A publish time no source gave (abbreviated metadata, a failed metadata
 * fetch, a mirror without `time`) fails closed unless the policy says `unknownReleaseAge: "allow"`.
 */
function checkReleaseAge(
  policy: Policy,
  facts: Facts,
  pkg: string,
  now: Date,
  problems: SumgateError[],
  notes: string[],
): void {
  if (policy.minimumReleaseAgeMinutes <= 0) return;
  const file = policy.file ?? 'sumgate.jsonc';
  const publishedAt = facts.metadata?.publishedAt;
  const published = publishedAt === undefined ? Number.NaN : Date.parse(publishedAt);
  if (Number.isNaN(published)) {
    const from =
      facts.metadata?.source === undefined
        ? 'no source answered with its metadata'
        : `source ${facts.metadata.source} gave no publish time for it`;
    if (policy.unknownReleaseAge === 'allow') {
      notes.push(`release age unknown (${from}); allowed by "unknownReleaseAge": "allow"`);
      return;
    }
    problems.push(
      new SumgateError(
        'RELEASE_AGE_UNKNOWN',
        `${pkg}: its publish time is unknown (${from}), so the ${policy.minimumReleaseAgeMinutes}-minute release-age rule cannot pass it`,
        {
          pkg,
          fix: `add a source whose metadata has "time" (the full packument), retry when the source is reachable, or set "unknownReleaseAge": "allow" in ${file}`,
          data: { source: facts.metadata?.source },
        },
      ),
    );
    return;
  }
  const ageMinutes = (now.getTime() - published) / 60_000;
  if (ageMinutes < policy.minimumReleaseAgeMinutes) {
    problems.push(
      new SumgateError(
        'TOO_NEW',
        `${pkg} was published ${Math.max(0, Math.floor(ageMinutes))} minutes ago; the policy wants ${policy.minimumReleaseAgeMinutes}`,
        {
          pkg,
          fix: `wait, pin an older version, or lower "minimumReleaseAgeMinutes" in ${file}`,
        },
      ),
    );
  }
}

function finish(policy: Policy, verdict: (d: Decision) => Verdict, problems: SumgateError[]): Verdict {
  // warn mode: the problems are reported, the install goes on.
  return verdict(policy.mode === 'warn' && problems.length > 0 ? 'verified' : 'refused');
}

function integrityMismatch(pkg: string, expected: string, got: string, source: string): SumgateError {
  return new SumgateError(
    'INTEGRITY_MISMATCH',
    `${pkg}: source ${source} served bytes with ${got}, expected ${expected}`,
    {
      pkg,
      fix: `source "${source}" is serving tampered or wrong bytes: remove or fix it in sumgate.jsonc`,
      data: { expected, got, source },
    },
  );
}

function checkRegistrySignature(
  policy: Policy,
  keys: readonly NpmKeyPolicy[],
  record: NpmRecord,
  pkg: string,
  problems: SumgateError[],
  notes: string[],
): void {
  if (record.signatures.length === 0) {
    if (policy.requireRegistrySignatures) {
      problems.push(
        new SumgateError(
          'REGISTRY_SIGNATURE',
          `${pkg} has no npm registry signature in the log (the source it was ingested from served none)`,
          {
            pkg,
            fix: 'ingest it from a registry that serves dist.signatures, or set "requireRegistrySignatures": false',
          },
        ),
      );
    } else {
      notes.push('no npm registry signature recorded (the source stripped dist.signatures)');
    }
    return;
  }
  if (keys.length === 0) {
    notes.push(
      'registry signature recorded; no npm keys (policy "npmKeys" or the source\'s /-/npm/v1/keys) to check it',
    );
    return;
  }
  try {
    const r = verifyRegistrySignature({
      name: record.name,
      version: record.version,
      integrity: record.integrity,
      signatures: record.signatures,
      keys: [...keys],
    });
    if (r.status === 'valid') notes.push(`npm registry signature valid (${r.keyid})`);
    else if (r.status === 'unknown-key') notes.push(`signed by unknown npm key(s) ${r.keyids.join(', ')}`);
  } catch (e) {
    problems.push(e as SumgateError);
  }
}

/**
 * `; first appeared in 1.0.1, published 2 hours before 1.0.2` when this code (or code other than the
 * baseline's) first showed up in a version published between the baseline and this one.
 */
function firstAppearance(facts: Facts, code: InstallCodeSummary): string {
  const between = facts.between ?? [];
  const base = facts.previous?.installCode?.fingerprint;
  const differing = between.filter((b) => b.installCode === undefined || b.installCode.fingerprint !== base);
  if (differing.length === 0) return '';
  const first = between.find((b) => b.installCode?.fingerprint === code.fingerprint) ?? differing[0]!;
  const published = facts.between?.find((b) => b.version === first.version)?.publishedAt;
  const self =
    (facts.logged !== undefined && 'record' in facts.logged ? facts.logged.record.published : undefined) ??
    facts.metadata?.publishedAt;
  const gap =
    published !== undefined &&
    self !== undefined &&
    !Number.isNaN(Date.parse(published)) &&
    !Number.isNaN(Date.parse(self))
      ? `, published ${humanDuration(Date.parse(self) - Date.parse(published))} before ${facts.version}`
      : '';
  const same =
    first.installCode?.fingerprint === code.fingerprint
      ? 'this install-time code first appeared in'
      : 'install-time code changed in';
  const others = differing.filter((b) => b.version !== first.version).map((b) => b.version);
  return `; ${same} ${first.version}${gap}${others.length > 0 ? ` (also changed in ${others.join(', ')})` : ''}`;
}

/** Returns true when an approval let new install-time code through. */
function quarantine(
  policy: Policy,
  facts: Facts,
  code: InstallCodeSummary,
  pkg: string,
  problems: SumgateError[],
  notes: string[],
  now: Date,
): boolean {
  if (code.fingerprint === 'none' || !policy.quarantine) return false;
  const cover = coveringApproval(policy.approvals, facts.name, facts.version, code.fingerprint);
  if (cover !== undefined) {
    notes.push(
      cover.carriedFrom === undefined
        ? `install-time code approved (${code.fingerprint})`
        : `install-time code approved by the approval of ${cover.approval.package}: the same install-time code (${code.fingerprint}), carried forward to later versions`,
    );
    return true;
  }
  const approval = policy.approvals.find((a) => a.package === pkg);
  const held = problems.length;
  const hooks = code.hooks.join(', ');
  const approve = `sumgate approve ${pkg}`;
  const stale =
    approval === undefined ? '' : ` (an approval exists for other install code, ${approval.installCode})`;
  const claimed = facts.metadata?.installHooks;
  if (claimed !== undefined) {
    const hidden = code.hooks.filter(
      (h) => (h === 'node-gyp' ? false : INSTALL_SCRIPT_HOOKS.includes(h)) && !claimed.includes(h),
    );
    if (hidden.length > 0) {
      problems.push(
        new SumgateError(
          'MANIFEST_CONFUSION',
          `${pkg}: the registry metadata shows no ${hidden.join(', ')} script, but the tarball's package.json has one (manifest confusion)`,
          {
            pkg,
            fix: `review the tarball, then ${approve}`,
            data: { metadata: claimed, tarball: code.hooks },
          },
        ),
      );
    }
  }
  const prev = facts.previous;
  const origin = firstAppearance(facts, code);
  if (prev?.version === undefined && (facts.between ?? []).length > 0) {
    problems.push(
      new SumgateError(
        'QUARANTINE_FIRST',
        `${pkg} is quarantined: it has install-time code (${hooks}) and no version published at least ${policy.baselineDays} days before it to compare with${origin}; nothing was run${stale}`,
        {
          pkg,
          fix: approve,
          data: { installCode: code, between: facts.between },
        },
      ),
    );
  } else if (prev?.version === undefined) {
    problems.push(
      new SumgateError(
        'QUARANTINE_FIRST',
        `${pkg} is quarantined: it has install-time code (${hooks}) and no earlier version to compare with; nothing was run${stale}`,
        {
          pkg,
          fix: approve,
          data: { installCode: code },
        },
      ),
    );
  } else if (prev.installCode === undefined) {
    problems.push(
      new SumgateError(
        'QUARANTINE_ADDED',
        `${pkg} is quarantined: it has install-time code (${hooks}) and the install-time code of ${prev.version} could not be proven in the log to compare with; nothing was run${stale}`,
        {
          pkg,
          fix: approve,
          data: { installCode: code, previous: prev },
        },
      ),
    );
  } else if (comparableCode(code, prev.installCode) === undefined) {
    problems.push(
      new SumgateError(
        'QUARANTINE_UNCOMPARABLE',
        `${pkg} is held: the log recorded ${prev.version} under the install-time code rules v1 and ${facts.version} under v2, and the tarball was not downloaded to compute its v1 fingerprint, so whether its install-time code (${hooks}) changed is unknown; nothing was run${stale}`,
        {
          pkg,
          fix: `install so that the tarball is fetched (a fresh store or cache compares it under v1), or review it: ${approve}`,
          data: { installCode: code, previous: prev },
        },
      ),
    );
  } else if (
    comparableCode(code, prev.installCode)!.rules === 1 &&
    comparableCode(code, prev.installCode)!.current !== prev.installCode.fingerprint
  ) {
    problems.push(
      new SumgateError(
        prev.installCode.fingerprint === 'none' ? 'QUARANTINE_ADDED' : 'QUARANTINE_CHANGED',
        `${pkg} is quarantined: its install-time code (${hooks}) ${prev.installCode.fingerprint === 'none' ? `is new since ${prev.version}` : `changed since ${prev.version}`} under the v1 rules the log recorded ${prev.version} with${origin}; nothing was run${stale}`,
        {
          pkg,
          fix: approve,
          data: { installCode: code, previous: prev },
        },
      ),
    );
  } else if (comparableCode(code, prev.installCode)!.rules === 1) {
    notes.push(`install-time code unchanged since ${prev.version} (${v1Note(prev.version)})`);
  } else if (prev.installCode.fingerprint === 'none') {
    problems.push(
      new SumgateError(
        'QUARANTINE_ADDED',
        `${pkg} is quarantined: it adds install-time code (${hooks}) that ${prev.version} did not have${origin}; nothing was run${stale}`,
        {
          pkg,
          fix: approve,
          data: { installCode: code, previous: prev },
        },
      ),
    );
  } else if (prev.installCode.fingerprint !== code.fingerprint) {
    problems.push(
      new SumgateError(
        'QUARANTINE_CHANGED',
        `${pkg} is quarantined: its install-time code (${hooks}) changed since ${prev.version} (${prev.installCode.hooks.join(', ')})${origin}; nothing was run${stale}`,
        {
          pkg,
          fix: approve,
          data: { installCode: code, previous: prev },
        },
      ),
    );
  } else {
    notes.push(`install-time code unchanged since ${prev.version}`);
  }
  releaseAfterWait(policy, facts, code, problems, notes, held, now);
  return false;
}

/** The waiting period (waitingPeriod.ts): releases a held version, or says when it will be released. */
function releaseAfterWait(
  policy: Policy,
  facts: Facts,
  code: InstallCodeSummary,
  problems: SumgateError[],
  notes: string[],
  held: number,
  now: Date,
): void {
  const quarantined = problems.slice(held).filter((p) => p.code.startsWith('QUARANTINE_'));
  if (quarantined.length === 0 || problems.slice(held).some((p) => p.code === 'MANIFEST_CONFUSION')) return;
  const self =
    (facts.logged !== undefined && 'record' in facts.logged ? facts.logged.record.published : undefined) ??
    facts.metadata?.publishedAt;
  const wait = waitingPeriod(
    policy.releaseAfterDays,
    code.fingerprint,
    facts.between ?? [],
    { version: facts.version, publishedAt: self },
    now,
  );
  if (wait === undefined) return;
  if (wait.released) {
    problems.splice(held);
    notes.push(
      `${wait.note} (${quarantined.map((p) => p.message.replace(/; nothing was run.*$/, '')).join('; ')})`,
    );
    return;
  }
  for (const p of quarantined) {
    problems[problems.indexOf(p)] = new SumgateError(
      p.code,
      `${p.message}; released on ${wait.until} by "quarantine.releaseAfterDays" if nobody approves it sooner`,
      { pkg: p.pkg, fix: p.fix, data: p.data },
    );
  }
}
