import { isSemver } from '@sumgate/core';

/** What an npm client asks the proxy for, read from the request path. */
export type ProxyRequest =
  | { readonly kind: 'packument'; readonly name: string }
  | { readonly kind: 'tarball'; readonly name: string; readonly version: string }
  | { readonly kind: 'ping' }
  /** A path shaped like a package request whose name npm would never accept (answered 400, not sent on). */
  | { readonly kind: 'invalid'; readonly reason: string }
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
  const refused = refusedName(name);
  if (refused !== undefined) return { kind: 'invalid', reason: refused };
  const rest = parts.slice(nameParts);
  if (rest.length === 0) return { kind: 'packument', name };
  if (rest.length !== 2 || rest[0] !== '-') return { kind: 'other' };
  const file = rest[1]!;
  const base = scoped ? name.slice(name.indexOf('/') + 1) : name;
  if (!file.startsWith(`${base}-`) || !file.endsWith('.tgz')) return { kind: 'other' };
  const version = file.slice(base.length + 1, -'.tgz'.length);
  return isSemver(version) ? { kind: 'tarball', name, version } : { kind: 'other' };
}

/**
 * What npm's name rules (validate-npm-package-name) refuse and NAME lets through: a name or scope
 * made only of dots (`..`, `@scope/.`), which a source or a cache could read as a path, and an
 * unscoped name starting with `.` or `_`. Refused here, so such a name never reaches the sources or the log.
 */
function refusedName(name: string): string | undefined {
  const segments = name.startsWith('@')
    ? [name.slice(1, name.indexOf('/')), name.slice(name.indexOf('/') + 1)]
    : [name];
  if (segments.some((s) => /^\.+$/.test(s)))
    return `"${name}" is not a package name (a name or scope made only of dots)`;
  if (!name.startsWith('@') && /^[._]/.test(name))
    return `"${name}" is not a package name (npm names cannot start with "." or "_")`;
  return undefined;
}
