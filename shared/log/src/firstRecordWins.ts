/**
 * The append rule shared by both sequencers (log.ts: embedded, storage/pgLog.ts: PostgreSQL): the
 * first record per name@version wins forever. An append of a key already logged (or being logged
 * right now) returns its index when the bytes are identical and reports a conflict otherwise;
 * only a new key is queued on the sequencer. Concurrent appends of one key share one lookup and
 * one queued entry.
 */
import type { Sequencer } from './sequencer.js';

/** The stored entry of a key: its leaf index and exact bytes. */
export interface LoggedEntry {
  index: number;
  bytes: Uint8Array;
}

export type AppendOutcome =
  | { index: number; existing: boolean; conflict?: undefined }
  | { index: number; conflict: true };

export class FirstRecordWins {
  private readonly inflight = new Map<string, Promise<LoggedEntry & { added: boolean }>>();

  constructor(
    /** The stored entry of a key, or undefined when it is not in the log. */
    private readonly stored: (key: string) => LoggedEntry | undefined | Promise<LoggedEntry | undefined>,
    private readonly sequencer: Sequencer,
  ) {}

  async append(key: string, bytes: Uint8Array): Promise<AppendOutcome> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return compare(await pending, bytes, false);
    const done = (async () => {
      const logged = await this.stored(key);
      if (logged !== undefined) return { ...logged, added: false };
      return { index: await this.sequencer.enqueue(key, bytes), bytes, added: true };
    })();
    this.inflight.set(key, done);
    try {
      return compare(await done, bytes, true);
    } finally {
      this.inflight.delete(key);
    }
  }
}

function compare(logged: LoggedEntry & { added: boolean }, bytes: Uint8Array, first: boolean): AppendOutcome {
  if (Buffer.compare(logged.bytes, bytes) !== 0) return { index: logged.index, conflict: true };
  return { index: logged.index, existing: !(first && logged.added) };
}
