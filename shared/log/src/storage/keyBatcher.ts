/**
 * Coalesces concurrent point lookups into one query (`WHERE key = ANY($1)`): every key asked for
 * in the same turn of the event loop goes into one round trip, up to `maxBatch` keys per query.
 * One database round trip costs far more than an index probe, so this is what lets a frontend on a
 * small machine serve tens of thousands of lookups per second.
 */
export class KeyBatcher<V> {
  private waiting = new Map<string, Array<{ resolve(v: V | undefined): void; reject(e: unknown): void }>>();
  private scheduled = false;

  constructor(
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxBatch = 2000,
  ) {}

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list !== undefined) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.waiting;
    this.waiting = new Map();
    const keys = [...all.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const chunk = keys.slice(i, i + this.maxBatch);
      this.fetch(chunk).then(
        (found) => {
          for (const k of chunk) for (const w of all.get(k)!) w.resolve(found.get(k));
        },
        (e: unknown) => {
          for (const k of chunk) for (const w of all.get(k)!) w.reject(e);
        },
      );
    }
  }
}
