import { resolveCacheDir } from './cache/cacheDir.js';
import { FactsCache } from './cache/factsCache.js';
import type { CachedFacts, ProvenEntry } from './cache/factsCache.js';
import { nodeClientOps } from './client/clientOps.js';
import type { ClientOps } from './client/clientOps.js';
import { LogClient } from './client/logClient.js';
import type { LoggedRecord } from './client/logClient.js';
import type { TrustedCheckpoint } from './client/pinnedKeys.js';
import { SumgateError } from './errors.js';
import { FactGatherer } from './gate/factGatherer.js';
import { LockedMemo } from './gate/lockedMemo.js';
import { entryOf, keyOf, RecordProver } from './gate/recordProver.js';
import { TarballVerifier } from './gate/tarballVerifier.js';
import { findWorkspaceRoot, loadPolicy } from './policy/loadPolicy.js';
import type { Policy } from './policy/policy.js';
import { Credentials } from './sources/credentials.js';
import { createHttpClient } from './sources/http.js';
import type { HttpClient } from './sources/http.js';
import { readNpmrc, tlsOptions } from './sources/npmrc.js';
import { Sources } from './sources/sources.js';
import type { SourceFailure } from './sources/sources.js';
import { decide } from './verdict/decide.js';
import type { Facts } from './verdict/decide.js';
import { matchesNameGlob } from './verdict/matchers.js';
import { isRefused, refusalError } from './verdict/verdict.js';
import type { Verdict } from './verdict/verdict.js';

export interface GateOptions {
  /** Where the package manager runs; the workspace root and policy are found from here. */
  readonly cwd: string;
  readonly host: 'pnpm' | 'yarn' | 'bun' | 'proxy' | 'cli';
  /** The package manager's registry, used as the only source when the policy names none. */
  readonly defaultRegistry?: string | undefined;
  readonly policyFile?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** The network (sources and log); default node:http(s) with the .npmrc TLS settings. */
  readonly http?: HttpClient;
  /** The cache's file system and the clock (tests inject them; default node:fs and Date.now). */
  readonly ops?: Partial<Omit<ClientOps, 'http'>> | undefined;
  /** Progress and notes for the user (pnpm's logger, Yarn's report, stderr). */
  readonly log?: (line: string) => void;
}

export interface PackageRef {
  readonly name: string;
  readonly version: string;
  /** The integrity the lockfile records (sha512 SRI), if any. */
  readonly integrity?: string | undefined;
  /** The tarball URL the lockfile records (kept as the upstream URL whatever source serves it). */
  readonly tarballUrl?: string | undefined;
}

export interface VerifiedTarball {
  readonly bytes: Buffer;
  readonly integrity: string;
  readonly source: string;
  readonly url: string;
  readonly verdict: Verdict;
  readonly failures: readonly SourceFailure[];
}

type Logged = NonNullable<Facts['logged']>;

/**
 * The one entry point the adapters use: policy -> sources -> log -> verdict. It only wires the
 * parts, each in its own file and testable alone over injected I/O:
 *   - RecordProver (gate/recordProver.ts): records proven from the proof-carrying cache or the log;
 *   - FactGatherer (gate/factGatherer.ts): previous version, metadata and npm keys through the sources;
 *   - TarballVerifier (gate/tarballVerifier.ts): downloads and checks bytes and install-time code;
 *   - LockedMemo (gate/lockedMemo.ts): one file of proof-carrying facts per verified lockfile.
 * Opening it reads and validates the policy (once per process); the network is touched only when a
 * package is not already proven in the cache.
 */
export class Gate {
  readonly policy: Policy;
  readonly workspaceRoot: string;
  readonly cacheDir: string;
  readonly sources: Sources;
  private readonly ops: ClientOps;
  private readonly say: (line: string) => void;
  private readonly prover: RecordProver;
  private readonly gatherer: FactGatherer;
  private readonly tarballs: TarballVerifier;
  private readonly memo: LockedMemo;
  private logClient: LogClient | undefined;

  private constructor(opts: GateOptions, policy: Policy) {
    const env = opts.env ?? process.env;
    this.policy = policy;
    this.workspaceRoot = findWorkspaceRoot(opts.cwd);
    this.cacheDir = resolveCacheDir({
      policyCacheDir: policy.cacheDir,
      workspaceRoot: this.workspaceRoot,
      env,
    });
    const npmrc = readNpmrc(this.workspaceRoot, env);
    const http = opts.http ?? createHttpClient(tlsOptions(npmrc));
    this.ops = { ...nodeClientOps(http), ...opts.ops, http };
    this.sources = new Sources(policy, http, Credentials.fromNpmrc(npmrc));
    this.say = opts.log ?? (() => {});
    this.prover = new RecordProver(
      () => this.log,
      new FactsCache(this.cacheDir, this.ops.files, (file, why) =>
        this.say(`sumgate: ignored the facts pack ${file}: ${why}; its facts are proven in the log again`),
      ),
      this.say,
      () => this.policy.log?.ingest ?? true,
    );
    this.gatherer = new FactGatherer(policy, this.sources, this.prover, this.say, (name, below) =>
      this.log.versionsBelow(name, below),
    );
    this.tarballs = new TarballVerifier(policy, this.sources);
    this.memo = new LockedMemo(this.cacheDir, this.ops.files);
  }

  static open(opts: GateOptions): Gate {
    const policy = loadPolicy({
      cwd: opts.cwd,
      file: opts.policyFile,
      defaultRegistry: opts.defaultRegistry,
      env: opts.env ?? process.env,
    });
    return new Gate(opts, policy);
  }

  get enabled(): boolean {
    return this.policy.mode !== 'off';
  }

  isExempt(name: string): boolean {
    return this.policy.exempt.some((g) => matchesNameGlob(name, g));
  }

  /** The log client on this gate's policy, cache and I/O (created on first use). */
  get log(): LogClient {
    const log = this.policy.log;
    if (log === undefined)
      throw new SumgateError(
        'POLICY_INVALID',
        `${this.policy.file}: "log" is required unless "mode" is "off"`,
      );
    this.logClient ??= new LogClient({
      url: log.url,
      vkeys: log.vkeys,
      witnesses: log.witnesses,
      timeoutMs: log.timeoutMs,
      cacheDir: this.cacheDir,
      http: this.ops.http,
      ops: this.ops,
      progress: this.say,
    });
    return this.logClient;
  }

  /**
   * Verifies locked packages against the log before anything is downloaded (pnpm's preResolution,
   * Yarn's validateProject, `sumgate audit`): lockfile integrity == logged integrity, and the
   * quarantine rules on the install-time code the log recorded from the real tarball.
   */
  async verifyLocked(pkgs: readonly PackageRef[]): Promise<Verdict[]> {
    return (await this.checkEach(pkgs)).map((r) => r.verdict);
  }

  private async checkEach(
    pkgs: readonly PackageRef[],
  ): Promise<Array<{ verdict: Verdict; facts: CachedFacts | null }>> {
    if (!this.enabled)
      return pkgs.map((p) => ({
        verdict: decide(this.policy, { ...p, integrity: p.integrity, logged: undefined }),
        facts: null,
      }));
    const checked = pkgs.filter((p) => !this.isExempt(p.name));
    const cached = new Map<string, { logged: LoggedRecord; facts: CachedFacts }>();
    await Promise.all(
      checked.map(async (p) => {
        const c = await this.prover.cached(p);
        if (c !== undefined) cached.set(keyOf(p), c);
      }),
    );
    const misses = checked.filter((p) => !cached.has(keyOf(p)));
    if (misses.length > 0) {
      this.say(
        `sumgate: proving ${misses.length} of ${pkgs.length} packages in the checksum log ${this.policy.log?.url ?? ''}`,
      );
    }
    const absent = await this.prover.prove(misses);
    return Promise.all(
      pkgs.map((p) => {
        if (this.isExempt(p.name))
          return {
            verdict: decide(this.policy, { ...p, integrity: p.integrity, logged: undefined }),
            facts: null,
          };
        const c = cached.get(keyOf(p));
        return this.decideWith(p, this.loggedFor(p, c?.logged, absent), undefined, c?.facts);
      }),
    );
  }

  /**
   * verifyLocked + enforce for a whole lockfile, memoised (see lockfileVerdicts): pnpm's
   * preResolution and afterAllResolved, `sumgate audit`.
   */
  async checkLocked(pkgs: readonly PackageRef[]): Promise<{ count: number; fromMemo: boolean }> {
    const { verdicts, fromMemo } = await this.lockfileVerdicts(pkgs);
    this.enforce(verdicts);
    return { count: verdicts.length, fromMemo };
  }

  /**
   * verifyLocked for a whole lockfile, memoised: the proof-carrying facts of a lockfile that fully
   * passed under exactly this policy and these keys are kept in one file; a warm frozen install
   * reads it, proves every record again from its own proof against the pinned keys and the
   * remembered checkpoint, and decides again (no network). Anything refused or warned about, and
   * any entry that does not check out, goes the full way. Does not enforce (Yarn keeps the verdicts
   * for its fetcher first).
   */
  async lockfileVerdicts(pkgs: readonly PackageRef[]): Promise<{ verdicts: Verdict[]; fromMemo: boolean }> {
    const memoFile = this.enabled ? this.memo.file(this.policy, this.log.keys.fingerprint, pkgs) : undefined;
    const entries = memoFile === undefined ? undefined : this.memo.read(memoFile, pkgs);
    const memoized = entries === undefined ? undefined : await this.verdictsFromMemo(pkgs, entries);
    if (memoized !== undefined) return { verdicts: memoized, fromMemo: true };
    const results = await this.checkEach(pkgs);
    const verdicts = results.map((r) => r.verdict);
    if (memoFile !== undefined && verdicts.every((v) => v.problems.length === 0))
      this.memo.write(
        memoFile,
        pkgs,
        results.map((r) => r.facts),
      );
    return { verdicts, fromMemo: false };
  }

  /** Every package decided again from the memo's checked facts; undefined unless every one checks out and passes cleanly. */
  private async verdictsFromMemo(
    pkgs: readonly PackageRef[],
    entries: ReadonlyArray<CachedFacts | null>,
  ): Promise<Verdict[] | undefined> {
    // The few checkpoints the entries name are trusted first (signature once, consistency with the
    // remembered one); then every entry is checked synchronously: a few hashes per package.
    const trusted = new Map<string, TrustedCheckpoint | undefined>();
    for (const e of entries) {
      for (const proven of [e?.proven, e?.previous?.proven]) {
        if (proven === undefined) continue;
        const k = `${proven.key} ${proven.checkpoint}`;
        if (!trusted.has(k)) trusted.set(k, await this.prover.trustedFor(proven));
      }
    }
    const under = (proven: ProvenEntry) => trusted.get(`${proven.key} ${proven.checkpoint}`);
    const verdicts: Verdict[] = [];
    for (let i = 0; i < pkgs.length; i++) {
      const p = pkgs[i]!;
      const e = entries[i];
      if (this.isExempt(p.name)) {
        verdicts.push(decide(this.policy, { ...p, integrity: p.integrity, logged: undefined }));
        continue;
      }
      if (e === null || e === undefined) return undefined;
      const check = this.prover.checkEntryUnder(under(e.proven), e.proven, p);
      if ('refused' in check) return undefined;
      const { record, index } = check.logged;
      if (p.integrity !== undefined && record.integrity !== p.integrity) return undefined;
      let previous: Facts['previous'];
      if (e.previous !== undefined) {
        if (e.previous.version === undefined) previous = { version: undefined, installCode: undefined };
        else if (e.previous.proven !== undefined) {
          const prev = this.prover.checkEntryUnder(under(e.previous.proven), e.previous.proven, {
            name: p.name,
            version: e.previous.version,
          });
          if ('refused' in prev) return undefined;
          previous = { version: e.previous.version, installCode: prev.logged.record.installCode };
        }
      }
      // Decided without the walk's in-between versions and notes (factGatherer: they are never
      // cached). That cannot loosen a verdict: the memo holds only a lockfile that passed cleanly
      // under this same policy and these keys, the in-between versions only name where code first
      // appeared and move a `releaseAfterDays` start earlier, and without them the start is the
      // later version's own, so a wait that had run out may look unfinished (the full path then
      // decides) but an unfinished one never looks finished.
      const v = decide(this.policy, {
        name: p.name,
        version: p.version,
        integrity: p.integrity,
        logged: { record, index },
        previous,
        metadata: e.metadata,
      });
      if (v.problems.length > 0) return undefined;
      verdicts.push(v);
    }
    return verdicts;
  }

  /** Throws one error naming every refused package (enforce mode); prints warnings in warn mode. */
  enforce(verdicts: readonly Verdict[]): void {
    const refused = verdicts.filter(isRefused);
    if (refused.length > 0) throw refusalError(refused);
    for (const v of verdicts) for (const p of v.problems) this.say(`sumgate warning: ${p.message}`);
  }

  /**
   * Downloads a tarball from the routed sources and verifies it before the package manager sees
   * it: sha512 against the log (a source whose bytes differ is passed over), install-time code
   * from the tarball's real package.json, then the verdict. Throws when refused (enforce mode).
   */
  async fetchVerified(p: PackageRef): Promise<VerifiedTarball> {
    const exempt = this.isExempt(p.name) || !this.enabled;
    let logged: Logged | undefined;
    let cachedFacts: CachedFacts | undefined;
    if (!exempt) {
      // A version proven earlier (any process, same integrity) needs no log round trip.
      let proven = this.prover.get(p);
      let absent = new Map<string, string>();
      if (proven === undefined) {
        const c = await this.prover.cached(p);
        cachedFacts = c?.facts;
        proven = c?.logged;
      }
      if (proven === undefined) absent = await this.prover.prove([p]);
      logged = this.loggedFor(p, proven, absent);
      if ('absent' in logged) this.enforce([decide(this.policy, { ...p, integrity: p.integrity, logged })]);
    }
    const record = logged !== undefined && 'record' in logged ? logged.record : undefined;
    const { fetched, installCode } = await this.tarballs.download(p, record?.integrity ?? p.integrity);
    for (const f of fetched.failures)
      this.say(`sumgate: ${keyOf(p)}: source ${f.source} passed over (${f.reason})`);
    const bytes = { integrity: fetched.value.integrity, installCode, source: fetched.source.name };
    const verdict = exempt
      ? decide(this.policy, { ...p, integrity: p.integrity, logged: undefined, bytes })
      : (await this.decideWith(p, logged, bytes, cachedFacts)).verdict;
    this.enforce([verdict]);
    return {
      bytes: fetched.value.bytes,
      integrity: fetched.value.integrity,
      source: fetched.source.name,
      url: fetched.url,
      verdict,
      failures: fetched.failures,
    };
  }

  private loggedFor(p: PackageRef, proven: LoggedRecord | undefined, absent: Map<string, string>): Logged {
    const logged = proven ?? this.prover.get(p);
    if (logged !== undefined) return { record: logged.record, index: logged.index };
    return { absent: absent.get(keyOf(p)) ?? 'the log returned no proof for it' };
  }

  /** Gathers what the quarantine and release-age rules need (previous version, metadata), then decides. */
  private async decideWith(
    p: PackageRef,
    logged: Logged | undefined,
    bytes: Facts['bytes'],
    cached: CachedFacts | undefined,
  ): Promise<{ verdict: Verdict; facts: CachedFacts | null }> {
    const proven = this.prover.get(p);
    if (logged === undefined || !('record' in logged) || proven === undefined) {
      return {
        verdict: decide(this.policy, {
          name: p.name,
          version: p.version,
          integrity: p.integrity,
          logged,
          bytes,
        }),
        facts: null,
      };
    }
    const installCode = bytes?.installCode ?? logged.record.installCode;
    const g = await this.gatherer.gather(p, proven, installCode, cached);
    const verdict = decide(this.policy, {
      name: p.name,
      version: p.version,
      integrity: p.integrity,
      logged,
      bytes,
      npmKeys: g.npmKeys,
      previous: g.previous,
      metadata: g.metadata,
      between: g.between,
      notes: g.notes ?? [],
    });
    return {
      verdict,
      facts: { v: 3, proven: entryOf(proven), previous: g.previousEntry, metadata: g.metadata },
    };
  }
}
