/**
 * Reading an upstream npm registry through the core's HTTP client: the packument at
 * `<registry>/<name>` (the core's packument path, `@scope%2Fname`) and the tarball at
 * `dist.tarball`. Bounded sizes and timeouts; registry credentials are never sent (the log only
 * ingests public packages).
 */
import { NetworkError, packumentPath, SumgateError, type HttpClient, type HttpResponse } from '@sumgate/core';

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
export async function getBytes(http: HttpClient, url: string, maxBytes: number, timeoutMs: number, what: 'packument' | 'tarball'): Promise<Uint8Array | undefined> {
  let res: HttpResponse;
  try {
    res = await http(url, {
      timeoutMs,
      maxBytes,
      headers: { accept: what === 'packument' ? 'application/json' : '*/*', 'user-agent': 'sumgate-log' },
    });
  } catch (e) {
    if (!(e instanceof NetworkError)) throw e;
    throw new SumgateError('SOURCE_FAILED', `fetching the ${what} ${url} failed: ${e.message}`, {
      fix: 'check that the upstream registry is reachable, or configure another one with --upstream (raise the limit if the package is legitimately that large)',
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
