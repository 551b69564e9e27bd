import type { CachedFacts } from '../cache/factsCache.js';
import type { LoggedRecord } from '../client/logClient.js';
import type { VersionListAnswer } from '../client/versionList.js';
import { SumgateError } from '../errors.js';
import { parseNpmKeys } from '../npm/registrySignature.js';
import type { NpmKeyPolicy, Policy } from '../policy/policy.js';
import type { InstallCodeSummary } from '../verdict/verdict.js';
import type { Packument, Sources } from '../sources/sources.js';
import type { SourceMetadata } from '../verdict/decide.js';
import { coveringApproval } from '../verdict/approvalCover.js';
import { establishedBaseline, lowerOnTrack } from '../verdict/baseline.js';
import type { VersionFacts } from '../verdict/baseline.js';
import { entryOf, keyOf } from './recordProver.js';
import type { PackageKey, RecordProver } from './recordProver.js';

/** What the quarantine and release-age rules need about a proven version, besides its record. */
export interface GatheredFacts {
  readonly previous:
    | { readonly version: string | undefined; readonly installCode: InstallCodeSummary | undefined }
    | undefined;
  /** The previous version in its proof-carrying cache form (for the verified-lockfile memo). */
  readonly previousEntry: CachedFacts['previous'];
  readonly metadata: SourceMetadata | undefined;
  readonly npmKeys: readonly NpmKeyPolicy[] | undefined;
  /** Versions between the baseline and this one (verdict/baseline.ts), oldest first. */
  readonly between?: readonly VersionFacts[];
  /** Why the baseline is the preceding version instead of an established one; where the versions walked came from. */
  readonly notes?: readonly string[];
}

/** The log's list of a package's versions below one (LogClient.versionsBelow). */
export type LogVersions = (name: string, below: string) => Promise<VersionListAnswer>;

/**
 * Gathers, through the sources (their routing, credentials, retries and deadlines) and the log,
 * the facts a decision needs: the version's metadata (publish time, claimed install hooks), its
 * previous version and that version's proven install-time code, and npm registry keys. Proven
 * facts are cached with their proofs; a failure is never cached, and a metadata fetch that fails
 * when the decision needs it fails closed with the sources' error (never QUARANTINE_FIRST).
 */
export class FactGatherer {
  private readonly packuments = new Map<string, Promise<{ packument: Packument; source: string }>>();
  private readonly sourceKeys = new Map<string, Promise<NpmKeyPolicy[]>>();
  /** The log's version lists, per process only: a list is the operator's statement, not a proven fact. */
  private readonly logLists = new Map<string, Promise<VersionListAnswer>>();
  private saidUnsupported = false;

  constructor(
    private readonly policy: Policy,
    private readonly sources: Sources,
    private readonly prover: RecordProver,
    private readonly say: (line: string) => void,
    private readonly logVersions: LogVersions,
  ) {}

  async gather(
    p: PackageKey,
    logged: LoggedRecord,
    installCode: InstallCodeSummary,
    cached: CachedFacts | undefined,
  ): Promise<GatheredFacts> {
    const npmKeys = await this.npmKeysFor(p.name, logged);
    const approved =
      coveringApproval(this.policy.approvals, p.name, p.version, installCode.fingerprint) !== undefined;
    const needPrevious = this.policy.quarantine && installCode.fingerprint !== 'none' && !approved;
    const needMetadata = needPrevious || this.policy.minimumReleaseAgeMinutes > 0;
    if (!needMetadata)
      return { previous: undefined, previousEntry: undefined, metadata: cached?.metadata, npmKeys };

    let previous = cached?.previous === undefined ? undefined : await this.cachedPrevious(p, cached.previous);
    let previousEntry = previous === undefined ? undefined : cached?.previous;
    let metadata = cached?.metadata;
    let between: readonly VersionFacts[] | undefined;
    const notes: string[] = [];
    if (metadata === undefined || (needPrevious && previous === undefined)) {
      const listed = needPrevious ? this.logList(p) : undefined;
      listed?.catch(() => {}); // awaited below; a packument failure first must not leave it unhandled
      const { packument, source } = await this.packument(p.name);
      const v = packument.versions[p.version];
      metadata = {
        installHooks: v === undefined ? undefined : claimedInstallHooks(v),
        publishedAt: packument.time?.[p.version],
        source,
      };
      if (needPrevious) {
        // Publish times only from the log's records (verdict/baseline.ts): a mirror's `time` (its own
        // ingestion dates here) never picks the baseline. A version absent from the log cannot be a
        // proven baseline either way (QUARANTINE_ADDED says so).
        const timeOf = (version: string, record: LoggedRecord['record'] | undefined): string | undefined =>
          record === undefined ? packument.time?.[version] : record.published;
        const proven = new Map<string, LoggedRecord | undefined>();
        const factsOf = async (version: string): Promise<VersionFacts> => {
          const ref = { name: p.name, version };
          // Absent from the log is a fact (QUARANTINE_ADDED says so); a failure to ask is not: it propagates.
          let prevLogged = (await this.prover.cached(ref))?.logged;
          if (prevLogged === undefined) {
            await this.prover.prove([ref]);
            prevLogged = this.prover.get(ref);
          }
          proven.set(version, prevLogged);
          return {
            version,
            publishedAt: timeOf(version, prevLogged?.record),
            installCode: prevLogged?.record.installCode,
          };
        };
        const baseline = await establishedBaseline(
          p.version,
          timeOf(p.version, logged.record),
          lowerOnTrack(p.version, await this.candidates(p, packument, source, listed!, notes)),
          factsOf,
          this.policy.baselineDays,
        );
        between = baseline.between;
        if (baseline.note !== undefined) notes.push(baseline.note);
        const prevLogged = baseline.version === undefined ? undefined : proven.get(baseline.version);
        previous = { version: baseline.version, installCode: prevLogged?.record.installCode };
        previousEntry = {
          version: baseline.version,
          proven: prevLogged === undefined ? undefined : entryOf(prevLogged),
        };
      }
      // The baseline is kept in the facts cache only when the walk went straight to it, without a
      // note: the in-between versions and the notes are not cached, and a rerun without them would
      // lose "first appeared in ..." (and the releaseAfterDays run), or keep a degraded baseline
      // (an older log, missing times) after the cause is gone. Such a version is walked again.
      const settled = (between ?? []).length === 0 && notes.length === 0;
      this.prover.remember(p, logged, { previous: settled ? previousEntry : undefined, metadata });
    }
    return { previous, previousEntry, metadata, npmKeys, between, notes };
  }

  /**
   * The versions the baseline walk may pick from: the union of the log's list and the source's
   * packument, so a mirror cannot hide what the log lists and the log cannot hide what a source
   * lists (each version used is proven by inclusion all the same). A log without the list (an
   * older log) leaves the packument's versions alone, with a note; a failure to ask throws.
   */
  private async candidates(
    p: PackageKey,
    packument: Packument,
    source: string,
    listed: Promise<VersionListAnswer>,
    notes: string[],
  ): Promise<Set<string>> {
    const out = new Set(Object.keys(packument.versions));
    const answer = await listed;
    if ('list' in answer) {
      for (const v of answer.list.versions) out.add(v.version);
      return out;
    }
    notes.push(
      `${answer.unsupported}, so the versions ${keyOf(p)} was compared with come from the packument of the source ${source} only (a mirror that hides versions changes the baseline); upgrade the log server`,
    );
    if (!this.saidUnsupported) {
      this.saidUnsupported = true;
      this.say(`sumgate: ${answer.unsupported}; baselines are walked over the sources' packuments only`);
    }
    return out;
  }

  private logList(p: PackageKey): Promise<VersionListAnswer> {
    const key = keyOf(p);
    let list = this.logLists.get(key);
    if (list === undefined) {
      list = this.logVersions(p.name, p.version).catch((e: unknown) => {
        this.logLists.delete(key); // a failure is not remembered, even in this process
        throw inContext(
          e,
          key,
          `${key}: could not get the checksum log's list of its versions, which the install-code rule needs to find its baseline`,
          'check the log server (log.url in sumgate.jsonc)',
        );
      });
      this.logLists.set(key, list);
    }
    return list;
  }

  /** A cached previous version, its record proven again from its own proof (a forged one is re-gathered). */
  private async cachedPrevious(
    p: PackageKey,
    prev: NonNullable<CachedFacts['previous']>,
  ): Promise<GatheredFacts['previous']> {
    if (prev.version === undefined) return { version: undefined, installCode: undefined };
    if (prev.proven === undefined) return undefined; // it was absent from the log then: ask again
    const check = await this.prover.checkEntry(prev.proven, { name: p.name, version: prev.version });
    if ('refused' in check) {
      if (!check.quiet)
        this.say(
          `sumgate: refused the cached previous version of ${keyOf(p)} (${prev.version}): ${check.refused}; gathering it again`,
        );
      return undefined;
    }
    return { version: prev.version, installCode: check.logged.record.installCode };
  }

  private packument(name: string): Promise<{ packument: Packument; source: string }> {
    let p = this.packuments.get(name);
    if (p === undefined) {
      p = this.sources.fetchPackument(name).then(
        (f) => ({ packument: f.value, source: f.source.name }),
        (e: unknown) => {
          this.packuments.delete(name); // a failure is not remembered, even in this process
          throw inContext(
            e,
            e instanceof SumgateError ? e.pkg : undefined,
            `${name}: could not fetch its metadata, which the release-age and install-code rules need`,
            'check the sources in sumgate.jsonc',
          );
        },
      );
      this.packuments.set(name, p);
    }
    return p;
  }

  /**
   * npm registry keys for recorded signatures: the policy's, else those the package's sources
   * serve at `/-/npm/v1/keys` (fetched once, only when a record carries signatures). A source that
   * serves none (mirrors often don't) leaves the signature unchecked, with a note.
   */
  private npmKeysFor(name: string, logged: LoggedRecord): Promise<NpmKeyPolicy[] | undefined> {
    if (logged.record.signatures.length === 0 || this.policy.npmKeys.length > 0)
      return Promise.resolve(undefined);
    const source = this.sources.route(name)[0];
    if (source === undefined) return Promise.resolve(undefined);
    let keys = this.sourceKeys.get(source.url);
    if (keys === undefined) {
      keys = this.sources
        .fetchNpmKeys(name)
        .then((f) => parseNpmKeys(f.value))
        .catch(() => []);
      this.sourceKeys.set(source.url, keys);
    }
    return keys;
  }
}

/**
 * A failure to gather a fact, said in the terms of the rule that needed it: same code and data, the
 * context in front of the cause's message, and a fix that says nothing was decided or cached.
 */
function inContext(e: unknown, pkg: string | undefined, context: string, defaultFix: string): unknown {
  if (!(e instanceof SumgateError)) return e;
  return new SumgateError(e.code, `${context}: ${e.message}`, {
    pkg,
    fix: `${e.fix ?? defaultFix}; nothing was decided or cached, so a retry starts afresh`,
    data: e.data,
    cause: e,
  });
}

/** The install hooks a source's metadata claims for a version: undefined when it does not say (abbreviated metadata). */
function claimedInstallHooks(v: Packument['versions'][string]): string[] | undefined {
  if (v.scripts !== undefined && typeof v.scripts === 'object') {
    return ['preinstall', 'install', 'postinstall'].filter(
      (h) => typeof v.scripts?.[h] === 'string' && v.scripts[h] !== '',
    );
  }
  return v.hasInstallScript === true ? undefined : [];
}
