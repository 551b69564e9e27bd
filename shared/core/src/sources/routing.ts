import type { SourcePolicy, Strategy } from '../policy/policy.js';

export function scopeOf(name: string): string | undefined {
  return name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
}

/**
 * The sources to try for a package, in order. Sources that list the package's scope serve it
 * exclusively (per-scope routing); otherwise every source without `scopes` does. With `spread`,
 * the list starts at a source chosen by a stable hash of the name, so packages spread across
 * mirrors deterministically while every other source stays a failover.
 */
export function routeSources(
  name: string,
  sources: readonly SourcePolicy[],
  strategy: Strategy,
): SourcePolicy[] {
  const scope = scopeOf(name);
  const scoped = scope === undefined ? [] : sources.filter((s) => s.scopes?.includes(scope) === true);
  const candidates = scoped.length > 0 ? scoped : sources.filter((s) => s.scopes === undefined);
  if (strategy === 'ordered' || candidates.length < 2) return candidates;
  const start = fnv1a(name) % candidates.length;
  return [...candidates.slice(start), ...candidates.slice(0, start)];
}

/** FNV-1a, 32 bits: stable across processes and machines. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `@scope/name` -> `@scope%2Fname` (registries also accept npm's own `%2f`) in packument paths. */
export function packumentPath(name: string): string {
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

/** The conventional tarball URL of a version at a registry: `<url><name>/-/<basename>-<version>.tgz`. */
export function conventionalTarballUrl(registryUrl: string, name: string, version: string): string {
  const base = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `${registryUrl}${name}/-/${base}-${version}.tgz`;
}
