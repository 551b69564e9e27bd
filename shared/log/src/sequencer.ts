/**
 * Group commit: appends are queued and committed in batches (many entries per fsync and per signed
 * checkpoint). A batch starts `maxDelayMs` after the first entry arrives when the sequencer is idle,
 * at once when `maxEntries` are waiting, and right after the previous batch when entries queued up
 * while it was being committed. Each append's promise settles only when its batch's checkpoint is
 * published (or the commit failed).
 *
 * A backend may also check first-record-wins inside its commit (PostgreSQL does, in the batch's
 * own transaction): entries whose key the storage already holds then get no new index; they are
 * reported in CommitResult.logged and their appends resolve with the stored entry. The new entries
 * still get contiguous indices, in queue order, from CommitResult.first.
 */
export interface SequencerOptions {
  maxDelayMs: number;
  maxEntries: number;
}

export interface QueuedEntry {
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** The stored entry of a key: its leaf index and exact bytes. */
export interface LoggedEntry {
  index: number;
  bytes: Uint8Array;
}

export interface CommitResult {
  /** The leaf index of the batch's first new entry (the others follow in queue order). */
  first: number;
  /** Entries whose key was already stored, by key: they were not appended again. */
  logged?: ReadonlyMap<string, LoggedEntry> | undefined;
}

/** What an enqueued entry became: its new leaf index, or the entry already stored for its key. */
export type Sequenced = { index: number; logged?: undefined } | { index: number; logged: Uint8Array };

/** Commits a batch durably and publishes a checkpoint covering it. */
export type CommitBatch = (batch: readonly QueuedEntry[]) => Promise<CommitResult>;

interface Waiting extends QueuedEntry {
  resolve(s: Sequenced): void;
  reject(e: unknown): void;
}

export class Sequencer {
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly commit: CommitBatch,
    private readonly opts: SequencerOptions,
  ) {}

  /**
   * Queues an entry; resolves with its leaf index once a published checkpoint covers it (or with
   * the stored entry when the commit found its key already logged). One key is queued at most once
   * at a time (FirstRecordWins).
   */
  enqueue(key: string, bytes: Uint8Array): Promise<Sequenced> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<Sequenced>((resolve, reject) => {
      this.queue.push({ key, bytes, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.running !== undefined) return; // the running loop picks the queue up
    if (this.queue.length >= this.opts.maxEntries || this.opts.maxDelayMs <= 0) {
      this.start();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.start(), this.opts.maxDelayMs);
    }
  }

  private start(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running !== undefined) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0 && this.failure === undefined) this.schedule();
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxEntries);
      let done: CommitResult;
      try {
        done = await this.commit(batch);
      } catch (e) {
        // The storage is in an unknown state: refuse everything until the log is reopened, which
        // recovers from the last published checkpoint.
        this.failure = e;
        for (const w of [...batch, ...this.queue.splice(0)]) w.reject(e);
        return;
      }
      let next = done.first;
      for (const w of batch) {
        const logged = done.logged?.get(w.key);
        w.resolve(logged === undefined ? { index: next++ } : { index: logged.index, logged: logged.bytes });
      }
    }
  }

  /** Commits whatever is queued and waits for it. */
  async flush(): Promise<void> {
    if (this.queue.length > 0) this.start();
    while (this.running !== undefined) await this.running;
  }
}
