/**
 * Integrity of each registry package in a pnpm-lock.yaml (v6 and v9): the `resolution:
 * {integrity: ...}` under each key of the top-level `packages:` map. The `name@version` keys
 * themselves come from @sumgate/log's parsePnpmLock; this adds what it leaves out.
 */
import { sha512Of } from '@sumgate/core';

function unquote(s: string): string {
  const t = s.trim();
  return (t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"')) ? t.slice(1, -1) : t;
}

/** `/name@1.0.0(peer@2)`, `'@s/n@1.0.0'` -> `name@1.0.0` (the same normalisation as parsePnpmLock). */
function normaliseKey(raw: string): string {
  let key = unquote(raw);
  if (key.startsWith('/')) key = key.slice(1);
  return key.replace(/\(.*$/, '');
}

export interface PnpmLockedIntegrity {
  readonly integrity: string | undefined;
  readonly tarball: string | undefined;
}

/** name@version -> integrity (sha512 part) and tarball URL, for every `packages:` entry that has them. */
export function pnpmIntegrities(text: string): Map<string, PnpmLockedIntegrity> {
  const out = new Map<string, PnpmLockedIntegrity>();
  let inPackages = false;
  let current: string | undefined;
  let inResolution = false;
  const set = (field: 'integrity' | 'tarball', value: string) => {
    if (current === undefined) return;
    const prev = out.get(current) ?? { integrity: undefined, tarball: undefined };
    out.set(current, { ...prev, [field]: field === 'integrity' ? sha512Of(unquote(value)) : unquote(value) });
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inPackages = line.trimEnd() === 'packages:';
      current = undefined;
      continue;
    }
    if (!inPackages) continue;
    const key = /^ {2}(\S.*):\s*(\{\})?$/.exec(line.trimEnd());
    if (key !== null) {
      current = normaliseKey(key[1]!);
      inResolution = false;
      continue;
    }
    // Inline form: `    resolution: {integrity: sha512-..., tarball: https://...}`
    const inline = /^ {4}resolution:\s*\{(.*)\}\s*$/.exec(line);
    if (inline !== null) {
      inResolution = false;
      for (const part of inline[1]!.split(/,\s*/)) {
        const m = /^\s*(integrity|tarball):\s*(.+?)\s*$/.exec(part);
        if (m !== null) set(m[1] as 'integrity' | 'tarball', m[2]!);
      }
      continue;
    }
    // Block form: `    resolution:` then `      integrity: ...`
    if (/^ {4}resolution:\s*$/.test(line)) {
      inResolution = true;
      continue;
    }
    if (inResolution) {
      const m = /^ {6}(integrity|tarball):\s*(.+?)\s*$/.exec(line);
      if (m !== null) set(m[1] as 'integrity' | 'tarball', m[2]!);
      else if (!/^ {6}/.test(line)) inResolution = false;
    }
  }
  return out;
}
