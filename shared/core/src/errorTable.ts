/**
 * The one table of error codes: for each code its tier, the CLI's exit code, the log server's HTTP
 * status and the Yarn message kind it is reported under (pnpm prints every code the same way, with
 * its tier). The table is typed over every SumgateCode, so adding a code fails the typecheck until
 * its row says how every host handles it. Hosts read the table; they keep no maps of their own.
 */
import type { SumgateCode } from './errors.js';

/**
 * - security: someone is lying (a forked log, a proof that fails, bytes that disagree with the log).
 * - unavailable: sumgate could not check (network, timeouts, 5xx, a log still ingesting); fail closed, retry.
 * - refused: the policy says no (quarantine, age, denial, not in the log, tampered bytes from a source).
 * - malformed: hostile or broken input, rejected vaguely on purpose (Go sumdb's habit).
 * - config: the user's configuration or local state needs a fix (policy, usage, a corrupt cache file).
 */
export type ErrorTier = 'security' | 'unavailable' | 'refused' | 'malformed' | 'config';

/** The closest built-in Yarn message for a code; the Yarn plugin maps each kind to its MessageName. */
export type YarnMessageKind =
  | 'CACHE_CHECKSUM_MISMATCH'
  | 'NETWORK_ERROR'
  | 'FETCH_FAILED'
  | 'INVALID_CONFIGURATION_VALUE'
  | 'EXCEPTION';

export interface ErrorRow {
  readonly tier: ErrorTier;
  /** `sumgate` CLI exit code: 1 a finding or refusal, 2 could not check or bad usage. */
  readonly exitCode: 1 | 2;
  /** The log server's status when it refuses a request with this code (undefined: it never does; 500). */
  readonly httpStatus: number | undefined;
  readonly yarn: YarnMessageKind;
}

const row = (
  tier: ErrorTier,
  exitCode: 1 | 2,
  httpStatus: number | undefined,
  yarn: YarnMessageKind,
): ErrorRow => ({ tier, exitCode, httpStatus, yarn });

export const ERROR_TABLE: { readonly [C in SumgateCode]: ErrorRow } = {
  MALFORMED_NOTE: row('malformed', 1, 400, 'EXCEPTION'),
  MALFORMED_CHECKPOINT: row('malformed', 1, 400, 'EXCEPTION'),
  MALFORMED_PROOF: row('malformed', 1, 400, 'EXCEPTION'),
  MALFORMED_TILE: row('malformed', 1, 400, 'EXCEPTION'),
  MALFORMED_RECORD: row('malformed', 1, 400, 'EXCEPTION'),
  MALFORMED_TARBALL: row('malformed', 1, 502, 'FETCH_FAILED'),
  BAD_SIGNATURE: row('security', 1, 502, 'EXCEPTION'),
  INVALID_PROOF: row('security', 1, 502, 'EXCEPTION'),
  WITNESS_QUORUM: row('unavailable', 2, 503, 'NETWORK_ERROR'),
  SECURITY_LOG_FORK: row('security', 1, 500, 'EXCEPTION'),
  LOG_UNREACHABLE: row('unavailable', 2, 503, 'NETWORK_ERROR'),
  LOG_INGESTING: row('unavailable', 2, 503, 'NETWORK_ERROR'),
  LOG_ABSENT: row('refused', 1, 404, 'FETCH_FAILED'),
  LOG_CONFLICT: row('refused', 1, 409, 'FETCH_FAILED'),
  INTEGRITY_MISMATCH: row('refused', 1, 502, 'CACHE_CHECKSUM_MISMATCH'),
  LOG_MISMATCH: row('security', 1, 502, 'CACHE_CHECKSUM_MISMATCH'),
  REGISTRY_SIGNATURE: row('refused', 1, 502, 'FETCH_FAILED'),
  SOURCE_FAILED: row('unavailable', 2, 502, 'NETWORK_ERROR'),
  NO_SOURCE: row('config', 2, 404, 'FETCH_FAILED'),
  QUARANTINE_ADDED: row('refused', 1, undefined, 'FETCH_FAILED'),
  QUARANTINE_CHANGED: row('refused', 1, undefined, 'FETCH_FAILED'),
  QUARANTINE_UNCOMPARABLE: row('refused', 1, undefined, 'FETCH_FAILED'),
  QUARANTINE_FIRST: row('refused', 1, undefined, 'FETCH_FAILED'),
  MANIFEST_CONFUSION: row('refused', 1, undefined, 'FETCH_FAILED'),
  DENIED: row('refused', 1, undefined, 'FETCH_FAILED'),
  EXOTIC_SOURCE: row('refused', 1, undefined, 'FETCH_FAILED'),
  EXOTIC_MISMATCH: row('refused', 1, 502, 'CACHE_CHECKSUM_MISMATCH'),
  TOO_NEW: row('refused', 1, undefined, 'FETCH_FAILED'),
  RELEASE_AGE_UNKNOWN: row('refused', 1, undefined, 'FETCH_FAILED'),
  CACHE_CORRUPT: row('config', 2, undefined, 'INVALID_CONFIGURATION_VALUE'),
  POLICY_INVALID: row('config', 2, undefined, 'INVALID_CONFIGURATION_VALUE'),
  POLICY_MISSING: row('config', 2, undefined, 'INVALID_CONFIGURATION_VALUE'),
  USAGE: row('config', 2, 400, 'INVALID_CONFIGURATION_VALUE'),
};

export function errorRow(code: SumgateCode): ErrorRow {
  return ERROR_TABLE[code];
}
