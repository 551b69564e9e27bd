import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stripJsonComments } from '@sumgate/core';

/**
 * The sha512 integrities `bun.lock` records, by name@version: a package entry is
 * `[ "<name>@<version>", "<registry>", {info}, "sha512-..." ]`. Bun does not give the scanner an
 * integrity, so a locked one is checked against the log (LOG_MISMATCH when they differ). No
 * bun.lock yet (a first install) is an empty map; a bun.lock that is not JSON(C) is an error, not
 * an empty map, so a damaged lockfile is never read as "nothing locked".
 */
export function bunLockIntegrities(projectDir: string): Map<string, string> {
  const file = path.join(projectDir, 'bun.lock');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Map();
  }
  const doc = JSON.parse(stripJsonComments(text)) as { packages?: Record<string, unknown> };
  const out = new Map<string, string>();
  for (const entry of Object.values(doc.packages ?? {})) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
    const integrity = entry.find(
      (x: unknown): x is string => typeof x === 'string' && x.startsWith('sha512-'),
    );
    const at = entry[0].lastIndexOf('@');
    if (integrity === undefined || at <= 0) continue;
    out.set(entry[0], integrity);
  }
  return out;
}
