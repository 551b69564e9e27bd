/**
 * The policy: one file at the workspace root (`sumgate.jsonc`), read by the pnpm and Yarn adapters
 * and the CLI. Every key is documented in the README and in `policy.schema.json`.
 */
export type Mode = 'enforce' | 'warn' | 'off';
export type Strategy = 'ordered' | 'spread';

export interface SourcePolicy {
  /** Short name shown in reports: `npmjs`, `corp-mirror`. */
  readonly name: string;
  /** Registry base URL, normalised to end with `/`. */
  readonly url: string;
  /** When set, this source serves only these scopes (`@corp`); otherwise it serves every package. */
  readonly scopes: readonly string[] | undefined;
}

export interface WitnessPolicy {
  /** Cosigner vkeys (c2sp.org/tlog-cosignature). */
  readonly keys: readonly string[];
  /** How many distinct cosigners must have signed a checkpoint (k of n). */
  readonly quorum: number;
}

export interface LogPolicy {
  readonly url: string;
  /** The log's signed-note verifier keys; a checkpoint must carry a valid signature from one. */
  readonly vkeys: readonly string[];
  readonly witnesses: WitnessPolicy | undefined;
  /** Ask the log to ingest versions it has not seen yet (true), or fail on them (false). */
  readonly ingest: boolean;
  /**
   * The time budget of one exchange with the log, waiting for a log that is still ingesting
   * included; every request also fails after a silent socket (idle timeout) or when the budget is spent.
   */
  readonly timeoutMs: number;
}

export interface Approval {
  /** `name@version`, exactly one version. */
  readonly package: string;
  /** The install-time-code fingerprint that was reviewed (`sha256-...`). */
  readonly installCode: string;
  readonly note: string | undefined;
}

/** An allowed exotic dependency (tarball URL, git, a path outside the workspace), pinned. */
export interface ExoticAllowance {
  /** The dependency's name (the alias in package.json). */
  readonly package: string;
  /** The specifier exactly as package.json writes it. */
  readonly spec: string;
  /** A tarball's sha512 SRI: the bytes are pinned. */
  readonly integrity: string | undefined;
  /** A git dependency's full commit (the specifier names it too). */
  readonly commit: string | undefined;
  /** Also allowed below the top level (default: only as a direct dependency of a workspace project). */
  readonly transitive: boolean;
  readonly note: string | undefined;
}

export interface NpmKeyPolicy {
  readonly keyid: string;
  readonly key: string;
  readonly expires: string | null;
}

export interface Policy {
  /** Absolute path of the file this policy came from (undefined for built-in defaults). */
  readonly file: string | undefined;
  readonly mode: Mode;
  readonly sources: readonly SourcePolicy[];
  readonly strategy: Strategy;
  readonly log: LogPolicy | undefined;
  /** Glob patterns of package names that skip the log (private packages), like GONOSUMDB. */
  readonly exempt: readonly string[];
  /** Quarantine versions that add or change install-time code. */
  readonly quarantine: boolean;
  /**
   * `quarantine.baselineDays`: a version's install code is compared with the highest lower version
   * on its track published at least this many days before it (0: the immediately preceding one).
   */
  readonly baselineDays: number;
  /**
   * `quarantine.releaseAfterDays` (0: off): new or changed install-time code that has been public,
   * unchanged, this many days is released instead of held until approved (a waiting period).
   */
  readonly releaseAfterDays: number;
  /** Versions published less than this many minutes ago are refused (0: off). */
  readonly minimumReleaseAgeMinutes: number;
  /** When no source says when a version was published: refuse it (default, fail closed) or allow it with a note. */
  readonly unknownReleaseAge: 'refuse' | 'allow';
  readonly approvals: readonly Approval[];
  /** `name@range` or `name` entries that are never installed. */
  readonly deny: readonly string[];
  /** Tarball-URL, git and out-of-workspace path dependencies that may be installed, each pinned. */
  readonly exotic: readonly ExoticAllowance[];
  /** npm registry signing keys, to verify `dist.signatures` recorded in the log. */
  readonly npmKeys: readonly NpmKeyPolicy[];
  /** Fail packages whose log record carries no registry signature (off by default: mirrors strip them). */
  readonly requireRegistrySignatures: boolean;
  /** Where verdicts, checkpoints and tiles are cached; default `$SUMGATE_CACHE_DIR` or the user cache dir. */
  readonly cacheDir: string | undefined;
  /**
   * `proxy.quarantined`: what `sumgate proxy` does with a version the rules refuse. `refuse` (default):
   * the packument lists it and its tarball is answered with 403 and the refusal (code, cause, fix),
   * so the install stops and says why. `omit`: it is left out of the packument, so a range resolves
   * to the last version that passes (every version of each packument is proven in the log).
   */
  readonly proxyQuarantined: 'refuse' | 'omit';
}

export const POLICY_FILE_NAME = 'sumgate.jsonc';

/** Default `log.timeoutMs`: a first install against a fresh log may wait this long for it to ingest. */
export const DEFAULT_LOG_TIMEOUT_MS = 60_000;

export const DEFAULT_POLICY: Omit<Policy, 'file' | 'sources' | 'log'> = {
  mode: 'enforce',
  strategy: 'ordered',
  exempt: [],
  quarantine: true,
  baselineDays: 7,
  releaseAfterDays: 0,
  minimumReleaseAgeMinutes: 0,
  unknownReleaseAge: 'refuse',
  approvals: [],
  deny: [],
  exotic: [],
  npmKeys: [],
  requireRegistrySignatures: false,
  cacheDir: undefined,
  proxyQuarantined: 'refuse',
};
