/**
 * Yarn classic (v1) yarn.lock entries carry `integrity sha512-...` lines; Berry's do not (its
 * `checksum` is of Yarn's own zip, not the npm tarball). name@version -> integrity for v1 files.
 */
import { sha512Of } from '@sumgate/core';

export function yarnClassicIntegrities(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text.includes('__metadata:')) return out;
  let name: string | undefined;
  let version: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S.*:$/.test(line) && !line.startsWith('#')) {
      const first = line.slice(0, -1).split(',')[0]!.trim().replace(/^"|"$/g, '');
      const at = first.lastIndexOf('@');
      name = at > 0 ? first.slice(0, at) : undefined;
      version = undefined;
      continue;
    }
    const v = /^ {2}version "?([^"\s]+)"?$/.exec(line);
    if (v !== null) version = v[1];
    const i = /^ {2}integrity "?([^"]+?)"?$/.exec(line);
    const sri = i === null ? undefined : sha512Of(i[1]);
    if (sri !== undefined && name !== undefined && version !== undefined) out.set(`${name}@${version}`, sri);
  }
  return out;
}
