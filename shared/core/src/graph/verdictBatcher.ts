import type { PackageRef } from '../gate.js';
import type { Verdict } from '../verdict/verdict.js';

type VerifyMany = (refs: readonly PackageRef[]) => Promise<Verdict[]>;

/**
 * Verdicts for packages a package manager resolves one at a time (pnpm's readPackage), decided in
 * batches: the refs asked for within one short window go to the log in one request. One verdict per
 * name@version and integrity per process; a failure (the log unreachable) is never remembered, so
 * the next ask tries again.
 */
export class VerdictBatcher {
  private readonly verdicts = new Map<string, Promise<Verdict>>();
  private pending: Array<{ ref: PackageRef; resolve: (v: Verdict) => void; reject: (e: unknown) => void }> =
    [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly verifyMany: VerifyMany,
    private readonly windowMs = 15,
    private readonly maxBatch = 500,
  ) {}

  verdictFor(ref: PackageRef): Promise<Verdict> {
    const key = `${ref.name}@${ref.version} ${ref.integrity ?? '-'}`;
    let v = this.verdicts.get(key);
    if (v === undefined) {
      v = new Promise<Verdict>((resolve, reject) => {
        this.pending.push({ ref, resolve, reject });
        if (this.pending.length >= this.maxBatch) this.flush();
        else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
      });
      v.catch(() => this.verdicts.delete(key));
      this.verdicts.set(key, v);
    }
    return v;
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.verifyMany(batch.map((b) => b.ref)).then(
      (verdicts) => {
        for (const [i, b] of batch.entries()) b.resolve(verdicts[i]!);
      },
      (e: unknown) => {
        for (const b of batch) b.reject(e);
      },
    );
  }
}
