import { combinedRefusal } from '@sumgate/core';
import type { SumgateError } from '@sumgate/core';

/**
 * Collects the refusals of one resolution so pnpm reports them all at once. pnpm resolves the
 * graph through readPackage calls and stops at the first one that throws; a refused package's call
 * is therefore held (which also keeps pnpm from resolving, fetching or linking below it) until the
 * other calls have gone quiet (1.5 s with no readPackage call: pnpm fetches metadata between them),
 * and then every held call fails with one error naming every refusal.
 */
export class RefusalHold {
  private readonly problems: SumgateError[] = [];
  private readonly keys = new Set<string>();
  private held: Array<(e: unknown) => void> = [];
  private active = 0;
  private lastActivity = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly quietMs = 1500) {}

  /** Wraps one readPackage call's judging, so the hold knows when resolution is still moving. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    this.lastActivity = Date.now();
    try {
      return await work();
    } finally {
      this.active--;
      this.lastActivity = Date.now();
    }
  }

  /** Adds refusals and returns a promise that rejects with all of them once resolution is quiet. */
  refuse(problems: readonly SumgateError[]): Promise<never> {
    for (const p of problems) {
      const key = `${p.code} ${p.message}`;
      if (!this.keys.has(key)) {
        this.keys.add(key);
        this.problems.push(p);
      }
    }
    this.lastActivity = Date.now();
    return new Promise<never>((_, reject) => {
      this.held.push(reject);
      this.timer ??= setInterval(() => this.release(), 50);
    });
  }

  private release(): void {
    if (this.active > 0 || Date.now() - this.lastActivity < this.quietMs) return;
    clearInterval(this.timer);
    this.timer = undefined;
    const error = combinedRefusal(this.problems, new Set(this.problems.map((p) => p.pkg ?? p.message)).size);
    const held = this.held;
    this.held = [];
    for (const reject of held) reject(error);
  }
}
