/**
 * Evidence of a refused tarball: when an upstream serves a version whose tarball the canonical tar
 * reader refuses (MALFORMED_TARBALL: extractors would disagree on its files), the log records
 * nothing for it, and keeps the exact bytes and the reason under
 * `<dir>/evidence/malformed/<key>-<sha256 prefix>.{tgz,json}`, so an operator can show the
 * registry what it served and anyone can rerun the check.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';

export interface MalformedObservation {
  readonly key: string;
  readonly upstream: string;
  readonly tarballUrl: string;
  readonly integrity: string;
  readonly reason: string;
}

/** Writes the tarball and a JSON description; returns the path of the kept tarball. */
export async function keepMalformedTarball(
  logDir: string,
  seen: MalformedObservation,
  tgz: Uint8Array,
): Promise<string> {
  const dir = join(logDir, 'evidence', 'malformed');
  mkdirSync(dir, { recursive: true });
  const base = join(
    dir,
    `${encodeURIComponent(seen.key)}-${createHash('sha256').update(tgz).digest('hex').slice(0, 16)}`,
  );
  await writeFileAtomic(`${base}.tgz`, tgz);
  await writeFileAtomic(
    `${base}.json`,
    `${JSON.stringify({ ...seen, observedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return `${base}.tgz`;
}
