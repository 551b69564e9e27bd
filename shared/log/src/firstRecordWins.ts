/**
 * The append rule shared by both sequencers (log.ts: embedded, storage/pgLog.ts: PostgreSQL): the
 * first record per name@version wins forever. An append of a key already logged (or being logged
 * right now) returns its index when the bytes are identical and reports a conflict otherwise;
 * only a new key is queued on the sequencer. Concurrent appends of one key share one lookup and
 * one queued entry.
 *
 * Where the key is looked up: the embedded log passes `stored` (its in-memory index) and only new
 * keys are queued. The PostgreSQL sequencer passes none: every key not in flight is queued, and its
 * commit checks first-record-wins in the batch's own transaction (sequencer.ts, CommitResult).
 */
import { formatRecord, type NpmRecord, parseRecord, SumgateError } from '@sumgate/core';
import { MAX_ENTRY_SIZE } from './frames.js';
import type { LoggedEntry, Sequencer } from './sequencer.js';

export type { LoggedEntry } from './sequencer.js';

export type AppendOutcome =
  | { index: number; existing: boolean; conflict?: undefined }
  | { index: number; conflict: true };

export class FirstRecordWins {
  private readonly inflight = new Map<string, Promise<LoggedEntry & { added: boolean }>>();

  constructor(
    /**
     * The stored entry of a key, or undefined when it is not in the log; no function: the
     * sequencer's commit finds stored keys itself.
     */
    private readonly stored:
      | ((key: string) => LoggedEntry | undefined | Promise<LoggedEntry | undefined>)
      | undefined,
    private readonly sequencer: Sequencer,
  ) {}

  async append(key: string, bytes: Uint8Array): Promise<AppendOutcome> {
    const pending = this.inflight.get(key);
    if (pending !== undefined) return compare(await pending, bytes, false);
    const done = (async () => {
      const logged = this.stored === undefined ? undefined : await this.stored(key);
      if (logged !== undefined) return { ...logged, added: false };
      const s = await this.sequencer.enqueue(key, bytes);
      return s.logged === undefined
        ? { index: s.index, bytes, added: true }
        : { index: s.index, bytes: s.logged, added: false };
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

/**
 * What an append stores: the record's exact text (a given text is validated and kept byte for byte,
 * an NpmRecord is formatted, which validates), its index key (`keyOf` the text: each backend keys
 * its index its own way) and its bytes, refused (MALFORMED_RECORD) when longer than an entry may be.
 */
export function recordEntry(
  record: NpmRecord | string,
  keyOf: (text: string) => string,
): { text: string; key: string; bytes: Buffer } {
  let text: string;
  if (typeof record === 'string') {
    parseRecord(record);
    text = record;
  } else {
    text = formatRecord(record);
  }
  const key = keyOf(text);
  const bytes = Buffer.from(text, 'latin1'); // records are printable ASCII
  if (bytes.length > MAX_ENTRY_SIZE) {
    throw new SumgateError('MALFORMED_RECORD', `record for ${key} is longer than ${MAX_ENTRY_SIZE} bytes`);
  }
  return { text, key, bytes };
}

/** The refusal of a different record for a logged version (its evidence is at /evidence/<key>). */
export function logConflict(text: string, index: number, source: string, key: string): SumgateError {
  const { name, version } = parseRecord(text);
  return new SumgateError(
    'LOG_CONFLICT',
    `${name}@${version} is already in the log (index ${index}) with a different record; the new observation from ${source} was refused and kept as evidence`,
    {
      pkg: `${name}@${version}`,
      fix: `the first record wins forever; compare both at /evidence/${key} and find out which source changed the package`,
      data: { index, key },
    },
  );
}
