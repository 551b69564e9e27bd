/**
 * Group commit: appends are queued and committed in batches (many entries per fsync and per signed
 * checkpoint). A batch starts `maxDelayMs` after the first entry arrives when the sequencer is idle,
 * at once when `maxEntries` are waiting, and right after the previous batch when entries queued up
 * while it was being committed. Each append's promise settles only when its batch's checkpoint is
 * published (or the commit failed).
 */
export interface SequencerOptions {
  maxDelayMs: number;
  maxEntries: number;
}

export interface QueuedEntry {
  readonly key: string;
  readonly bytes: Uint8Array;
}

/** Commits a batch durably and publishes a checkpoint covering it; returns the first leaf index. */
export type CommitBatch = (batch: readonly QueuedEntry[]) => Promise<number>;

interface Waiting extends QueuedEntry {
  resolve(index: number): void;
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

  /** Queues an entry; resolves with its leaf index once a published checkpoint covers it. */
  enqueue(key: string, bytes: Uint8Array): Promise<number> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<number>((resolve, reject) => {
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
      let first: number;
      try {
        first = await this.commit(batch);
      } catch (e) {
        // The storage is in an unknown state: refuse everything until the log is reopened, which
        // recovers from the last published checkpoint.
        this.failure = e;
        for (const w of [...batch, ...this.queue.splice(0)]) w.reject(e);
        return;
      }
      for (const [i, w] of batch.entries()) w.resolve(first + i);
    }
  }

  /** Commits whatever is queued and waits for it. */
  async flush(): Promise<void> {
    if (this.queue.length > 0) this.start();
    while (this.running !== undefined) await this.running;
  }
}
