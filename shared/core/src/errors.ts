/**
 * One error type for everything sumgate refuses. Every refusal has a stable code, one human line
 * (package, version, cause), the fix (an exact command or edit where there is one), and structured
 * data for JSON reports. Hosts (pnpm, Yarn, the CLI) decide how to print and exit: the core never
 * calls process.exit. How each code is classified and shown by each host is one row in errorTable.ts.
 */
import { ERROR_TABLE } from './errorTable.js';
import type { ErrorTier } from './errorTable.js';

export type SumgateCode =
  // transparency-log primitives: hostile or malformed input (vague on purpose, like Go's sumdb)
  | 'MALFORMED_NOTE'
  | 'MALFORMED_CHECKPOINT'
  | 'MALFORMED_PROOF'
  | 'MALFORMED_TILE'
  | 'MALFORMED_RECORD'
  | 'MALFORMED_TARBALL'
  | 'BAD_SIGNATURE'
  | 'INVALID_PROOF'
  | 'WITNESS_QUORUM'
  // the log as seen by a client
  | 'SECURITY_LOG_FORK'
  | 'LOG_UNREACHABLE'
  | 'LOG_ABSENT'
  | 'LOG_CONFLICT'
  // bytes and sources
  | 'INTEGRITY_MISMATCH'
  | 'LOG_MISMATCH'
  | 'REGISTRY_SIGNATURE'
  | 'SOURCE_FAILED'
  | 'NO_SOURCE'
  // quarantine and policy decisions
  | 'QUARANTINE_ADDED'
  | 'QUARANTINE_CHANGED'
  | 'QUARANTINE_UNCOMPARABLE'
  | 'QUARANTINE_FIRST'
  | 'MANIFEST_CONFUSION'
  | 'DENIED'
  | 'EXOTIC_SOURCE'
  | 'EXOTIC_MISMATCH'
  | 'TOO_NEW'
  | 'RELEASE_AGE_UNKNOWN'
  // the log still ingesting when the client's budget ran out (not a network fault)
  | 'LOG_INGESTING'
  // configuration and local state
  | 'CACHE_CORRUPT'
  | 'POLICY_INVALID'
  | 'POLICY_MISSING'
  | 'USAGE';

export interface SumgateErrorOptions {
  /** The package the refusal is about, as `name@version`, when there is one. */
  readonly pkg?: string | undefined;
  /** What to do about it: an exact command or edit. */
  readonly fix?: string | undefined;
  /** Structured details for JSON reports (no secrets). */
  readonly data?: Readonly<Record<string, unknown>> | undefined;
  readonly cause?: unknown;
}

export class SumgateError extends Error {
  readonly code: SumgateCode;
  readonly pkg: string | undefined;
  readonly fix: string | undefined;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: SumgateCode, message: string, options: SumgateErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SumgateError';
    this.code = code;
    this.pkg = options.pkg;
    this.fix = options.fix === undefined ? undefined : redactSecrets(options.fix);
    this.data = options.data ?? {};
  }

  /** What kind of failure this is (errorTable.ts): security, unavailable, refused, malformed or config. */
  get tier(): ErrorTier {
    return ERROR_TABLE[this.code].tier;
  }

  /** SECURITY errors mean someone is lying (a forked log, bytes that disagree with the log). */
  get security(): boolean {
    return this.tier === 'security';
  }

  /** The one-line human message plus the fix, as every host prints it. */
  describe(): string {
    const head = `sumgate ${this.code}: ${this.message}`;
    return this.fix === undefined ? head : `${head}\n  fix: ${this.fix}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, pkg: this.pkg, message: this.message, fix: this.fix, ...this.data };
  }
}

export function isSumgateError(e: unknown): e is SumgateError {
  return e instanceof Error && (e as { name?: unknown }).name === 'SumgateError' && 'code' in e;
}

/** Removes credentials from URLs (`https://user:pass@host`) and bearer/basic tokens from text. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1***:***@')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***')
    .replace(/(_authToken\s*=\s*)\S+/g, '$1***');
}
