import { createHash } from 'node:crypto';
import { sha512Sri } from './sri.js';
import path from 'node:path';
import { readFileOrUndefined, writeFileAtomic } from './cache/atomicFile.js';
import { resolveCacheDir } from './cache/cacheDir.js';
import { FactsCache } from './cache/factsCache.js';
import type { CachedFacts } from './cache/factsCache.js';
import { LogClient } from './client/logClient.js';
import type { LoggedRecord } from './client/logClient.js';
import { SumgateError } from './errors.js';
import { inspectTarballAsync } from './inspect/installCode.js';
import { parseNpmKeys } from './npm/registrySignature.js';
import { findWorkspaceRoot, loadPolicy } from './policy/loadPolicy.js';
import type { NpmKeyPolicy, Policy } from './policy/policy.js';
import { formatRecord, parseRecord } from './record/npmRecord.js';
import type { NpmRecord } from './record/npmRecord.js';
import { Credentials } from './sources/credentials.js';
import { createHttpClient } from './sources/http.js';
import { readNpmrc, tlsOptions } from './sources/npmrc.js';
import type { HttpClient } from './sources/http.js';
import { RejectedBySource, Sources } from './sources/sources.js';
import type { Packument, SourceFailure } from './sources/sources.js';
import { decide } from './verdict/decide.js';
import type { Facts } from './verdict/decide.js';
import { matchesNameGlob } from './verdict/matchers.js';
import { previousVersion } from './verdict/previousVersion.js';
import { isRefused, refusalError } from './verdict/verdict.js';
import type { InstallCodeSummary, Verdict } from './verdict/verdict.js';

export interface GateOptions {
  /** Where the package manager runs; the workspace root and policy are found from here. */
  readonly cwd: string;
  readonly host: 'pnpm' | 'yarn' | 'cli';
  /** The package manager's registry, used as the only source when the policy names none. */
  readonly defaultRegistry?: string | undefined;
  readonly policyFile?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly http?: HttpClient;
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

/**
 * The one entry point the adapters use: policy -> sources -> log -> verdict. Opening it reads and
 * validates the policy (once per process); the network is touched only when a package is not
 * already proven in the shared cache.
 */
export class Gate {
  readonly policy: Policy;
  readonly workspaceRoot: string;
  readonly cacheDir: string;
  readonly sources: Sources;
  private readonly facts: FactsCache;
  private readonly http: HttpClient;
  private readonly say: (line: string) => void;
  private logClient: LogClient | undefined;
  /** Records proven in this process, by name@version. */
  private readonly proven = new Map<string, LoggedRecord>();
  private readonly packuments = new Map<string, Promise<Packument | undefined>>();
  private readonly sourceKeys = new Map<string, Promise<NpmKeyPolicy[]>>();

  private constructor(opts: GateOptions, policy: Policy) {
    const env = opts.env ?? process.env;
    this.policy = policy;
    this.workspaceRoot = findWorkspaceRoot(opts.cwd);
    this.cacheDir = resolveCacheDir({ policyCacheDir: policy.cacheDir, workspaceRoot: this.workspaceRoot, env });
    const npmrc = readNpmrc(this.workspaceRoot, env);
    this.http = opts.http ?? createHttpClient(tlsOptions(npmrc));
    this.sources = new Sources(policy, this.http, Credentials.fromNpmrc(npmrc));
    this.facts = new FactsCache(this.cacheDir);
    this.say = opts.log ?? (() => {});
  }

  static open(opts: GateOptions): Gate {
    const policy = loadPolicy({ cwd: opts.cwd, file: opts.policyFile, defaultRegistry: opts.defaultRegistry, env: opts.env ?? process.env });
    return new Gate(opts, policy);
  }

  get enabled(): boolean {
    return this.policy.mode !== 'off';
  }

  isExempt(name: string): boolean {
    return this.policy.exempt.some((g) => matchesNameGlob(name, g));
  }

  /** The log client on this gate's policy, cache and HTTP settings (created on first use). */
  get log(): LogClient {
    const log = this.policy.log;
    if (log === undefined) throw new SumgateError('POLICY_INVALID', `${this.policy.file}: "log" is required unless "mode" is "off"`);
    this.logClient ??= new LogClient({ url: log.url, vkeys: log.vkeys, witnesses: log.witnesses, timeoutMs: log.timeoutMs, cacheDir: this.cacheDir, http: this.http });
    return this.logClient;
  }

  /**
   * Verifies locked packages against the log before anything is downloaded (pnpm's preResolution,
   * Yarn's validateProject, `sumgate audit`): lockfile integrity == logged integrity, and the
   * quarantine rules on the install-time code the log recorded from the real tarball.
   */
  async verifyLocked(pkgs: readonly PackageRef[]): Promise<Verdict[]> {
    if (!this.enabled) return pkgs.map((p) => decide(this.policy, { ...p, integrity: p.integrity, logged: undefined }));
    const checked = pkgs.filter((p) => !this.isExempt(p.name));
    const cached = new Map<string, CachedFacts>();
    const misses: PackageRef[] = [];
    for (const p of checked) {
      const c = this.facts.lookup(p.name, p.version, p.integrity);
      if (c === undefined) misses.push(p);
      else cached.set(key(p), c);
    }
    if (misses.length > 0) {
      this.say(`sumgate: proving ${misses.length} of ${pkgs.length} packages in the checksum log ${this.policy.log?.url ?? ''}`);
    }
    const absent = await this.prove(misses);
    return Promise.all(pkgs.map((p) => {
      const c = cached.get(key(p));
      const logged = c !== undefined ? { record: recordOf(c), index: c.index } : this.provenFor(p, absent);
      return this.decideWith(p, logged, undefined, c);
    }));
  }

  /**
   * verifyLocked + enforce for a whole lockfile, memoised: the exact set of locked packages that
   * fully passed under exactly this policy passes again after one file read (warm frozen installs).
   * Facts never change and decisions are a pure function of policy and facts (a release only gets
   * older), so the memo is as safe as deciding again. Anything refused or warned about is decided
   * again on every run.
   */
  async checkLocked(pkgs: readonly PackageRef[]): Promise<{ count: number; fromMemo: boolean }> {
    const memo = this.lockedMemoFile(pkgs);
    if (readFileOrUndefined(memo) !== undefined) return { count: pkgs.length, fromMemo: true };
    const verdicts = await this.verifyLocked(pkgs);
    this.enforce(verdicts);
    if (verdicts.every((v) => v.problems.length === 0)) writeFileAtomic(memo, `${pkgs.length}\n`);
    return { count: verdicts.length, fromMemo: false };
  }

  private lockedMemoFile(pkgs: readonly PackageRef[]): string {
    const { file: _where, ...policy } = this.policy;
    const h = createHash('sha256').update(JSON.stringify(policy));
    for (const line of pkgs.map((p) => `${p.name}@${p.version} ${p.integrity ?? '-'}`).sort()) h.update(`\n${line}`);
    return path.join(this.cacheDir, 'verified-lockfiles', h.digest('hex'));
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
    let record: NpmRecord | undefined;
    let logged: Facts['logged'];
    let cached: CachedFacts | undefined;
    if (!exempt) {
      // A version proven earlier (any process, same integrity) needs no log round trip.
      cached = this.proven.has(key(p)) ? undefined : this.facts.lookup(p.name, p.version, p.integrity);
      const absent = cached !== undefined || this.proven.has(key(p)) ? new Map<string, string>() : await this.prove([p]);
      logged = cached !== undefined ? { record: recordOf(cached), index: cached.index } : this.provenFor(p, absent);
      if ('absent' in logged) {
        const v = decide(this.policy, { ...p, integrity: p.integrity, logged });
        this.enforce([v]);
      } else {
        record = logged.record;
      }
    }
    const expected = record?.integrity ?? p.integrity;
    const fetched = await this.sources.fetchTarball(p, (bytes, source) => {
      const got = sha512Sri(bytes);
      if (expected !== undefined && expected.startsWith('sha512-') && got !== expected) {
        throw new RejectedBySource(`served ${got}, expected ${expected}`, { expected, got, source: source.name });
      }
      return { bytes, integrity: got };
    }).catch((e: unknown) => {
      throw this.explainSourceFailure(p, e, expected);
    });
    for (const f of fetched.failures) this.say(`sumgate: ${p.name}@${p.version}: source ${f.source} passed over (${f.reason})`);
    const { installCode } = await inspectTarballAsync(fetched.value.bytes, { pkg: `${p.name}@${p.version}` });
    const summary: InstallCodeSummary = { fingerprint: installCode.fingerprint, hooks: installCode.hooks.map((h) => h.hook) };
    const bytes = { integrity: fetched.value.integrity, installCode: summary, source: fetched.source.name };
    const verdict = exempt
      ? decide(this.policy, { ...p, integrity: p.integrity, logged: undefined, bytes })
      : await this.decideWith(p, logged, bytes, cached);
    this.enforce([verdict]);
    return { bytes: fetched.value.bytes, integrity: fetched.value.integrity, source: fetched.source.name, url: fetched.url, verdict, failures: fetched.failures };
  }

  private explainSourceFailure(p: PackageRef, e: unknown, expected: string | undefined): unknown {
    if (!(e instanceof SumgateError) || e.code !== 'SOURCE_FAILED') return e;
    const failures = (e.data.failures ?? []) as SourceFailure[];
    const tampered = failures.filter((f) => f.reason.startsWith('served sha512-'));
    if (tampered.length === 0) return e;
    const pkg = `${p.name}@${p.version}`;
    return new SumgateError('INTEGRITY_MISMATCH', `${pkg}: no source served the logged bytes (${expected}); ${failures.map((f) => `${f.source} ${f.reason}`).join('; ')}`, {
      pkg,
      fix: `source(s) ${tampered.map((f) => `"${f.source}"`).join(', ')} serve tampered bytes: remove them from "sources" in ${this.policy.file ?? 'sumgate.jsonc'} or add an honest mirror`,
      data: { expected, failures },
    });
  }

  /** Proves records in the log (batched); returns why each unproven one is absent. */
  private async prove(pkgs: readonly PackageRef[]): Promise<Map<string, string>> {
    const absent = new Map<string, string>();
    const todo = pkgs.filter((p) => !this.proven.has(key(p)));
    if (todo.length === 0) return absent;
    const r = await this.log.lookupMany(todo, this.policy.log?.ingest ?? true);
    for (const [k, v] of r.found) this.proven.set(k, v);
    for (const m of r.missing) absent.set(`${m.name}@${m.version}`, m.reason);
    for (const p of todo) {
      const proven = this.proven.get(key(p));
      // Keyed by the record's own integrity: a caller without one (Yarn) finds it on the next run.
      if (proven !== undefined) this.remember(p, proven);
    }
    return absent;
  }

  private provenFor(p: PackageRef, absent: Map<string, string>): NonNullable<Facts['logged']> {
    const proven = this.proven.get(key(p));
    if (proven !== undefined) return { record: proven.record, index: proven.index };
    return { absent: absent.get(key(p)) ?? 'the log returned no proof for it' };
  }

  /** Caches what was proven about a version (facts only: decisions are re-derived every run). */
  private remember(p: { name: string; version: string }, proof: LoggedRecord, extra?: Pick<CachedFacts, 'previous' | 'metadata'>): void {
    this.facts.set(p.name, p.version, {
      v: 1, record: formatRecord(proof.record), fields: proof.record, index: proof.index, checkpointSize: proof.checkpointSize, origin: proof.origin, ...extra,
    }, extra !== undefined);
  }

  /** Gathers what the quarantine and release-age rules need (previous version, metadata), then decides. */
  private async decideWith(p: PackageRef, logged: Facts['logged'], bytes: Facts['bytes'], cached: CachedFacts | undefined): Promise<Verdict> {
    if (logged === undefined || !('record' in logged)) return decide(this.policy, { name: p.name, version: p.version, integrity: p.integrity, logged, bytes });
    const record = logged.record;
    const base: Facts = { name: p.name, version: p.version, integrity: p.integrity, logged, bytes, npmKeys: await this.npmKeysFor(p.name, record) };
    const code = bytes?.installCode ?? record.installCode;
    const approved = this.policy.approvals.some((a) => a.package === `${p.name}@${p.version}` && a.installCode === code.fingerprint);
    const needPrevious = this.policy.quarantine && code.fingerprint !== 'none' && !approved;
    const needMetadata = needPrevious || this.policy.minimumReleaseAgeMinutes > 0;
    if (!needMetadata) return decide(this.policy, base);

    let previous = cached?.previous;
    let metadata = cached?.metadata;
    if (metadata === undefined || (needPrevious && previous === undefined)) {
      const packument = await this.packument(p.name);
      const v = packument?.versions[p.version];
      metadata = { installHooks: v === undefined ? undefined : claimedInstallHooks(v), publishedAt: packument?.time?.[p.version] };
      if (needPrevious) {
        const prevVersion = packument === undefined ? undefined : previousVersion(p.version, Object.keys(packument.versions));
        let prevRecord: string | undefined;
        if (prevVersion !== undefined) {
          const ref = { name: p.name, version: prevVersion };
          await this.prove([ref]).catch(() => new Map<string, string>());
          const proven = this.proven.get(key(ref));
          prevRecord = proven === undefined ? undefined : formatRecord(proven.record);
        }
        previous = { version: prevVersion, record: prevRecord };
      }
      const proof = this.proven.get(key(p))
        ?? (cached === undefined ? undefined : { record, index: cached.index, checkpointSize: cached.checkpointSize, origin: cached.origin });
      if (proof !== undefined) this.remember(p, proof, { previous, metadata });
    }
    const prevCode = previous?.record === undefined ? undefined : parseRecord(previous.record).installCode;
    return decide(this.policy, {
      ...base,
      previous: previous === undefined ? undefined : { version: previous.version, installCode: prevCode },
      metadata,
    });
  }

  /**
   * npm registry keys for recorded signatures: the policy's, else those the package's first source
   * serves at `/-/npm/v1/keys` (fetched once, only when a record carries signatures). A source that
   * serves none (mirrors often don't) leaves the signature unchecked, with a note.
   */
  private npmKeysFor(name: string, record: NpmRecord): Promise<NpmKeyPolicy[] | undefined> {
    if (record.signatures.length === 0 || this.policy.npmKeys.length > 0) return Promise.resolve(undefined);
    const source = this.sources.route(name)[0];
    if (source === undefined) return Promise.resolve(undefined);
    let keys = this.sourceKeys.get(source.url);
    if (keys === undefined) {
      keys = this.http(`${source.url}-/npm/v1/keys`, { timeoutMs: 15_000, maxBytes: 1 << 20 }).then(
        (res) => (res.status === 200 ? parseNpmKeys(JSON.parse(res.body.toString('utf8'))) : []),
        () => [],
      ).catch(() => []);
      this.sourceKeys.set(source.url, keys);
    }
    return keys;
  }

  private packument(name: string): Promise<Packument | undefined> {
    let p = this.packuments.get(name);
    if (p === undefined) {
      p = this.sources.fetchPackument(name).then((f) => f.value, (e: unknown) => {
        this.say(`sumgate: could not fetch the metadata of ${name}: ${(e as Error).message}`);
        return undefined;
      });
      this.packuments.set(name, p);
    }
    return p;
  }
}

/** A cached record: its stored fields (parsed strictly when it was proven), else the text parsed again. */
function recordOf(c: CachedFacts): NpmRecord {
  return c.fields ?? parseRecord(c.record);
}

function key(p: { name: string; version: string }): string {
  return `${p.name}@${p.version}`;
}

/** The install hooks a source's metadata claims for a version: undefined when it does not say (abbreviated metadata). */
function claimedInstallHooks(v: Packument['versions'][string]): string[] | undefined {
  if (v.scripts !== undefined && typeof v.scripts === 'object') {
    return ['preinstall', 'install', 'postinstall'].filter((h) => typeof v.scripts?.[h] === 'string' && v.scripts[h] !== '');
  }
  return v.hasInstallScript === true ? undefined : [];
}
