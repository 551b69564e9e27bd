/**
 * One writer per log directory. The lock file holds the owner's pid; a lock left behind by a killed
 * process (SIGKILL, power loss) is taken over once that pid is no longer alive.
 */
import { openSync, readFileSync, unlinkSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { SumgateError } from '@sumgate/core';

export interface DirLock {
  release(): void;
}

export function lockLogDir(dir: string): DirLock {
  const path = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new SumgateError('USAGE', `the log in ${dir} is already open in process ${owner}`, {
        fix: `stop process ${owner} (only one process may write a log), or delete ${path} if it is stale`,
      });
    }
    unlinkSync(path); // stale: its owner is gone
  }
  throw new SumgateError('USAGE', `could not lock the log in ${dir}`, {
    fix: `delete ${path} if it is stale`,
  });
}

/** Whether a process with this pid exists (EPERM: it does, owned by another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
