import { isSumgateError } from '@sumgate/core';
import type { SumgateCode } from '@sumgate/core';
import { MessageName, ReportError } from '@yarnpkg/core';

/** The Yarn message code (YNxxxx) each sumgate refusal is shown under: the closest built-in meaning. */
const MESSAGE_NAMES: Partial<Record<SumgateCode, MessageName>> = {
  POLICY_INVALID: MessageName.INVALID_CONFIGURATION_VALUE,
  POLICY_MISSING: MessageName.INVALID_CONFIGURATION_VALUE,
  USAGE: MessageName.INVALID_CONFIGURATION_VALUE,
  INTEGRITY_MISMATCH: MessageName.CACHE_CHECKSUM_MISMATCH,
  LOG_MISMATCH: MessageName.CACHE_CHECKSUM_MISMATCH,
  LOG_UNREACHABLE: MessageName.NETWORK_ERROR,
  SOURCE_FAILED: MessageName.NETWORK_ERROR,
  NO_SOURCE: MessageName.FETCH_FAILED,
  QUARANTINE_ADDED: MessageName.FETCH_FAILED,
  QUARANTINE_CHANGED: MessageName.FETCH_FAILED,
  QUARANTINE_FIRST: MessageName.FETCH_FAILED,
  MANIFEST_CONFUSION: MessageName.FETCH_FAILED,
  DENIED: MessageName.FETCH_FAILED,
  TOO_NEW: MessageName.FETCH_FAILED,
  LOG_ABSENT: MessageName.FETCH_FAILED,
};

export function messageNameFor(code: SumgateCode): MessageName {
  return MESSAGE_NAMES[code] ?? MessageName.EXCEPTION;
}

/**
 * A sumgate refusal as Yarn prints it: `YNxxxx: <locator>: sumgate CODE: message` plus the fix,
 * without a stack trace (Yarn prints stacks only for errors that are not ReportErrors).
 */
export function toReportError(e: unknown): unknown {
  if (!isSumgateError(e)) return e;
  const error = new ReportError(messageNameFor(e.code), e.describe());
  error.originalError = e;
  return error;
}

/** Runs `fn`, rethrowing sumgate refusals as ReportErrors. */
export async function reportingSumgateErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toReportError(e);
  }
}
