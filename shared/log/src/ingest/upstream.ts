/**
 * Reading an upstream npm registry: the packument at `<registry>/<name>` (the core's packument
 * path, `@scope%2Fname`) and the tarball at `dist.tarball`. Bounded sizes and timeouts; registry
 * credentials are never sent (the log only ingests public packages).
 *
 * Still on fetch, not the core's HttpClient: with the core's keep-alive agent, an ingestion still
 * running when the log closes holds its upstream connection open, and the core's gate tests
 * (ingestWait.test.ts) then time out tearing down their registry. Moving over needs a way to
 * cancel a request (an AbortSignal in HttpRequest) so Log.close() can stop its ingestions.
 */
import { packumentPath, SumgateError } from '@sumgate/core';

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
  url: string,
  maxBytes: number,
  timeoutMs: number,
  what: string,
  accept = what === 'packument' ? 'application/json' : '*/*',
): Promise<Uint8Array | undefined> {
  let res: Response;
  try {
    res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept, 'user-agent': 'sumgate-log' },
      redirect: 'follow',
    });
  } catch (e) {
    throw new SumgateError('SOURCE_FAILED', `fetching the ${what} ${url} failed: ${(e as Error).message}`, {
      fix: 'check that the upstream registry is reachable, or configure another one with --upstream',
      cause: e,
    });
  }
  if (res.status === 404 || res.status === 410) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new SumgateError('SOURCE_FAILED', `fetching the ${what} ${url} failed: HTTP ${res.status}`, {
      fix: 'retry later, or configure another upstream with --upstream',
    });
  }
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw tooBig(url, what, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > maxBytes) throw tooBig(url, what, maxBytes);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof SumgateError) throw e;
    throw new SumgateError('SOURCE_FAILED', `reading the ${what} ${url} failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return Buffer.concat(chunks);
}

function tooBig(url: string, what: string, maxBytes: number): SumgateError {
  return new SumgateError('SOURCE_FAILED', `the ${what} ${url} is larger than ${maxBytes} bytes`, {
    fix: 'raise the limit if this package is legitimately that large',
  });
}
