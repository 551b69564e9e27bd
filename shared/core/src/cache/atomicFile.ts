import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a file so readers see the old or the new content, never a torn one (tmp + rename).
 * `durable` adds an fsync before the rename, for state that must survive a crash (the remembered
 * checkpoint); cache entries skip it: losing one only means proving that package again.
 */
export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts: { durable?: boolean; mode?: number } = {},
): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w', opts.mode ?? 0o644);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (opts.durable === true) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

const madeDirs = new Set<string>();

/**
 * writeFileAtomic off the main thread (libuv's pool), for cache entries written behind the
 * verdicts: readers see the old or the new content. Directories made once are remembered for the
 * process (one mkdir per shard, not per file); one removed meanwhile is made again.
 */
export async function writeFileAtomicAsync(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, 'w', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dir, { recursive: true });
    handle = await open(tmp, 'w', 0o644);
  }
  try {
    await handle.writeFile(typeof data === 'string' ? Buffer.from(data) : data);
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
}

export function readFileOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Runs `fn` holding an exclusive lock file, shared by every process using the same cache (pnpm
 * workers, Yarn, the CLI). A lock older than `staleMs` is from a dead process and is broken.
 */
export async function withFileLock<T>(
  lockFile: string,
  fn: () => T | Promise<T>,
  staleMs = 30_000,
): Promise<T> {
  mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + staleMs * 2;
  for (;;) {
    try {
      closeSync(openSync(lockFile, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lockFile).mtimeMs > staleMs) rmSync(lockFile, { force: true });
      } catch {
        // the holder released it meanwhile
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${lockFile}`);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
