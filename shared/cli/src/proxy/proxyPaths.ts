import { isSemver } from '@sumgate/core';

/** What an npm client asks the proxy for, read from the request path. */
export type ProxyRequest =
  | { readonly kind: 'packument'; readonly name: string }
  | { readonly kind: 'tarball'; readonly name: string; readonly version: string }
  | { readonly kind: 'ping' }
  | { readonly kind: 'other' };

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-zA-Z0-9._~-]*$/;

/**
 * Reads a registry request path the way npm clients send it: `/<name>` or `/@scope%2fname` (and
 * `/@scope/name`) for a packument; `/<name>/-/<basename>-<version>.tgz` for a tarball (the path
 * the packuments the proxy serves point at, and the path a lockfile written through it records).
 * Anything else (search, audit, login) is `other`: the proxy serves only what it can verify.
 */
export function parseProxyPath(rawPath: string): ProxyRequest {
  const pathname = rawPath.split('?')[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'other' };
  }
  if (decoded === '/-/ping') return { kind: 'ping' };
  const parts = decoded.replace(/^\/+/, '').split('/');
  const scoped = parts[0]?.startsWith('@') === true;
  const nameParts = scoped ? 2 : 1;
  const name = parts.slice(0, nameParts).join('/');
  if (!NAME.test(name)) return { kind: 'other' };
  const rest = parts.slice(nameParts);
  if (rest.length === 0) return { kind: 'packument', name };
  if (rest.length !== 2 || rest[0] !== '-') return { kind: 'other' };
  const file = rest[1]!;
  const base = scoped ? name.slice(name.indexOf('/') + 1) : name;
  if (!file.startsWith(`${base}-`) || !file.endsWith('.tgz')) return { kind: 'other' };
  const version = file.slice(base.length + 1, -'.tgz'.length);
  return isSemver(version) ? { kind: 'tarball', name, version } : { kind: 'other' };
}
