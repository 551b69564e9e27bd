import { isSumgateError } from '@sumgate/core';
import type { SourceFailure } from '@sumgate/core';

export interface ProxyAnswer {
  readonly status: number;
  /** `{"error": ...}`: the field npm, Yarn 1 and Bun print from a registry's error body. */
  readonly body: {
    readonly error: string;
    readonly code?: string;
    readonly pkg?: string | undefined;
    readonly fix?: string | undefined;
  };
}

/**
 * How the proxy answers a request it cannot serve verified bytes for. The body's `error` carries the
 * code, the cause and the fix on one line, which is what clients print. Could-not-check
 * (tier `unavailable`: the log or every source down) is 503, which clients retry; a package no
 * source has (every source answered 404) is 404, as a registry would say; every refusal is 403
 * (npm prints "forbidden by your security policy" next to it).
 */
export function proxyAnswerFor(e: unknown): ProxyAnswer {
  if (!isSumgateError(e)) {
    return {
      status: 500,
      body: { error: `sumgate proxy internal error: ${(e as Error).message ?? String(e)}` },
    };
  }
  const failures = (e.data.failures ?? []) as SourceFailure[];
  const notFound =
    e.code === 'NO_SOURCE' ||
    (e.code === 'SOURCE_FAILED' && failures.length > 0 && failures.every((f) => f.reason === 'HTTP 404'));
  const status = notFound ? 404 : e.tier === 'unavailable' ? 503 : 403;
  const line = `sumgate ${e.code}: ${e.message}${e.fix === undefined ? '' : ` (fix: ${e.fix})`}`;
  return { status, body: { error: line.replace(/\s*\n\s*/g, ' '), code: e.code, pkg: e.pkg, fix: e.fix } };
}
