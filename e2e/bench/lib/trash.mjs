// What the benchmark removes between installs (node_modules, a store, a cache) is moved aside here
// and removed only after the run's last timed install, because on this project's VMs removing a big tree
// makes the installs after it pay for the removal, and pausing until that passes costs more:
// - ext4 without a journal does not reuse an inode freed less than 60 s ago (fs/ext4/ialloc.c,
//   recently_deleted: RECENTCY_MIN, 300 s more while its inode table block is dirty) and, for each
//   inode it allocates, scans past every such one, reading its inode block. pnpm 12's warm frozen
//   install (969 packages, about 8,700 new directories and symlinks) took 1.4-1.8 s with 1.8 s of
//   system time when nothing had been removed for a minute, and 3-5 s with 5-8.6 s of system time,
//   slower every run, right after its node_modules was removed (perf: recently_deleted,
//   find_get_block_common, find_inode_bit on top).
// - Waiting that minute out does not help: DAMON (a paddr `pageout` scheme, 128 MB/s) reclaims
//   page cache idle for a few seconds, so the first install after a pause reads the store from disk
//   again (the first run after a 62 s pause was the slowest of its round, 1.7x the others).
// A rename frees no inode and reads nothing, so moving aside costs nothing on the timed path.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

export class Trash {
  #seq = 0;

  /** `dir`: on the same file system as everything moved into it. */
  constructor(dir) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  /** Moves `target` out of the way (nothing is freed yet); a missing one is fine. */
  moveAside(target) {
    try {
      renameSync(target, path.join(this.dir, `${this.#seq++}-${path.basename(target)}`));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }

  /** Removes everything moved aside: after the last timed install of the run (not between package managers). */
  empty() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
