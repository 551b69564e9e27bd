/**
 * A witness's durable memory: for each log origin, the latest checkpoint it cosigned (size, root and
 * the note). One file per origin, `state/<sha256(origin) hex>.json`, replaced atomically (fsync,
 * rename, fsync dir) before the cosignature is returned (c2sp.org/tlog-witness: "The witness MUST
 * persist the new checkpoint before responding"). Check-and-update is serialised per origin, so two
 * concurrent submissions cannot roll the state back.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';

export interface CosignedState {
  size: number;
  /** base64 root hash */
  root: string;
  /** The checkpoint note as submitted (with the log's signature). */
  note: string;
}

export class WitnessState {
  private readonly dir: string;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(witnessDir: string) {
    this.dir = join(witnessDir, 'state');
    mkdirSync(this.dir, { recursive: true });
  }

  private path(origin: string): string {
    return join(this.dir, `${createHash('sha256').update(origin).digest('hex')}.json`);
  }

  get(origin: string): CosignedState | undefined {
    try {
      return JSON.parse(readFileSync(this.path(origin), 'utf8')) as CosignedState;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async put(origin: string, state: CosignedState): Promise<void> {
    await writeFileAtomic(this.path(origin), `${JSON.stringify(state)}\n`);
  }

  /** Runs `fn` with no other `exclusive` call for the same origin in between. */
  exclusive<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(origin) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(origin, tail);
    void tail.then(() => {
      if (this.locks.get(origin) === tail) this.locks.delete(origin);
    });
    return run;
  }
}
