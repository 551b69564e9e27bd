import path from 'node:path';
import { readFileOrUndefined, withFileLock, writeFileAtomic } from '../cache/atomicFile.js';
import { originDirName } from '../cache/cacheDir.js';

/**
 * The latest verified checkpoint of each log, remembered across runs (like Go's
 * `$GOPATH/pkg/sumdb/<name>/latest`). Updates are a compare-and-swap under a lock shared by every
 * process on the machine, so two concurrent installs cannot overwrite a newer checkpoint with an older one.
 */
export class CheckpointStore {
  constructor(private readonly cacheDir: string) {}

  file(origin: string): string {
    return path.join(this.cacheDir, 'logs', originDirName(origin), 'latest');
  }

  read(origin: string): string | undefined {
    return readFileOrUndefined(this.file(origin))?.toString('utf8');
  }

  /**
   * Replaces the remembered note with `next` if it still equals `expected` (undefined: none yet).
   * Returns the note that is current afterwards, which is `next` on success or whatever another
   * process wrote meanwhile (the caller must then check consistency against that one and retry).
   */
  async compareAndSwap(origin: string, expected: string | undefined, next: string): Promise<{ swapped: boolean; current: string }> {
    const file = this.file(origin);
    return withFileLock(`${file}.lock`, () => {
      const current = this.read(origin);
      if (current !== expected) return { swapped: false, current: current ?? next };
      writeFileAtomic(file, next, { durable: true });
      return { swapped: true, current: next };
    });
  }
}
