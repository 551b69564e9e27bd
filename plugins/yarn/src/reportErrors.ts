import { errorRow, isSumgateError } from '@sumgate/core';
import type { SumgateCode, YarnMessageKind } from '@sumgate/core';
import { MessageName, ReportError } from '@yarnpkg/core';

/** The Yarn message code (YNxxxx) each kind of sumgate refusal is shown under (the core's error table picks the kind). */
const MESSAGE_NAMES: Readonly<Record<YarnMessageKind, MessageName>> = {
  CACHE_CHECKSUM_MISMATCH: MessageName.CACHE_CHECKSUM_MISMATCH,
  NETWORK_ERROR: MessageName.NETWORK_ERROR,
  FETCH_FAILED: MessageName.FETCH_FAILED,
  INVALID_CONFIGURATION_VALUE: MessageName.INVALID_CONFIGURATION_VALUE,
  EXCEPTION: MessageName.EXCEPTION,
};

export function messageNameFor(code: SumgateCode): MessageName {
  return MESSAGE_NAMES[errorRow(code).yarn];
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
