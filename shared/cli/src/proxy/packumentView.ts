import { conventionalTarballUrl, previousVersion } from '@sumgate/core';
import type { Packument } from '@sumgate/core';

export interface PackumentViewOptions {
  /** The proxy's own base URL (ends with `/`): every tarball URL points here, so every byte is verified. */
  readonly proxyUrl: string;
  /** The sha512 the log proved for versions it already has (version -> SRI): it replaces the source's. */
  readonly logged: ReadonlyMap<string, string>;
  /** Versions left out (policy `proxy.quarantined: "omit"`): ranges resolve to the last version that passes. */
  readonly omit: ReadonlySet<string>;
}

/**
 * The packument a client sees through the proxy: the source's document with every version's
 * `dist.tarball` at the proxy (the conventional `<name>/-/<base>-<version>.tgz` path), the log's
 * integrity where the log has the version (when it differs from the source's, the source's sha1
 * and registry signatures no longer describe the bytes served and are dropped), and omitted
 * versions gone, with dist-tags that named them moved to the highest remaining lower version.
 */
export function packumentView(upstream: Packument, name: string, opts: PackumentViewOptions): Packument {
  const versions: Packument['versions'] = {};
  for (const [version, manifest] of Object.entries(upstream.versions)) {
    if (opts.omit.has(version)) continue;
    const dist = { ...manifest.dist };
    const logged = opts.logged.get(version);
    if (logged !== undefined && logged !== dist.integrity) {
      delete dist.shasum;
      delete dist.signatures;
      dist.integrity = logged;
    }
    dist.tarball = conventionalTarballUrl(opts.proxyUrl, name, version);
    versions[version] = { ...manifest, dist };
  }
  const kept = Object.keys(versions);
  const tags: Record<string, string> = {};
  for (const [tag, version] of Object.entries(upstream['dist-tags'] ?? {})) {
    const target = opts.omit.has(version) ? previousVersion(version, kept) : version;
    if (target !== undefined) tags[tag] = target;
  }
  const time =
    upstream.time === undefined
      ? undefined
      : Object.fromEntries(Object.entries(upstream.time).filter(([k]) => !opts.omit.has(k)));
  return { ...upstream, versions, 'dist-tags': tags, ...(time === undefined ? {} : { time }) };
}
