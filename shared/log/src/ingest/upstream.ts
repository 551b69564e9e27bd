/**
 * Reading an upstream npm registry through the core's HTTP client: the packument at
 * `<registry>/<name>` (the core's packument path, `@scope%2Fname`) and the tarball at
 * `dist.tarball`. Bounded sizes and timeouts; registry credentials are never sent (the log only
 * ingests public packages). Every failure, a cancelled request included, is SOURCE_FAILED: a
 * network fault is retried later, never taken as a fact about the package.
 */
import { type HttpClient, type HttpResponse, NetworkError, packumentPath, SumgateError } from '@sumgate/core';

export interface FetchLimits {
  timeoutMs: number;
  maxPackumentBytes: number;
  maxTarballBytes: number;
}

export const DEFAULT_LIMITS: FetchLimits = {
  timeoutMs: 30_000,
  maxPackumentBytes: 64 << 20,
  maxTarballBytes: 256 << 20,
};

/** The packument URL of `name` on `registry`. */
export function packumentUrl(registry: string, name: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return new URL(packumentPath(name), base).href;
}

/** A GET that returns the body, or undefined on 404/410; throws SOURCE_FAILED otherwise. */
export async function getBytes(
  http: HttpClient,
  url: string,
  limits: { maxBytes: number; timeoutMs: number; signal?: AbortSignal | undefined },
  what: 'packument' | 'tarball',
  accept = what === 'packument' ? 'application/json' : '*/*',
): Promise<Uint8Array | undefined> {
  let res: HttpResponse;
  try {
    res = await http(url, {
      // timeoutMs bounds the whole exchange (as fetch's AbortSignal.timeout did), and any silence.
      timeoutMs: limits.timeoutMs,
      deadlineMs: limits.timeoutMs,
      maxBytes: limits.maxBytes,
      ...(limits.signal === undefined ? {} : { signal: limits.signal }),
      headers: { accept, 'user-agent': 'sumgate-log' },
    });
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    if (e.tooLarge) throw tooBig(url, what, limits.maxBytes);
    throw new SumgateError('SOURCE_FAILED', `fetching the ${what} ${url} failed: ${e.message}`, {
      fix: 'check that the upstream registry is reachable, or configure another one with --upstream',
      cause: e,
    });
  }
  if (res.status === 404 || res.status === 410) return undefined;
  if (res.status < 200 || res.status >= 300) {
    throw new SumgateError('SOURCE_FAILED', `fetching the ${what} ${url} failed: HTTP ${res.status}`, {
      fix: 'retry later, or configure another upstream with --upstream',
    });
  }
  return res.body;
}

function tooBig(url: string, what: string, maxBytes: number): SumgateError {
  return new SumgateError('SOURCE_FAILED', `the ${what} ${url} is larger than ${maxBytes} bytes`, {
    fix: 'raise the limit if this package is legitimately that large',
  });
}
