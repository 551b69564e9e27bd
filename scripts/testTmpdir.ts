/**
 * Vitest global setup (both projects): the run's temporary files go under one directory made for
 * it. TMPDIR is set before the test workers start, so `os.tmpdir()` in every test file, and the
 * pnpm, Yarn and PostgreSQL processes the tests start, write there; the directory is removed when
 * the run ends, passed or failed. A test that forgets its own clean-up then leaves nothing behind
 * (before this, CI runs on one machine had left over 1,000 directories in /tmp).
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(path.join(os.tmpdir(), 'sumgate-test-'));
  // The throwaway PostgreSQL cluster runs as the `postgres` user: it must be able to pass through.
  chmodSync(root, 0o711);
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
