import { createHash } from 'node:crypto';
import path from 'node:path';
import { fromBase64Hash, toBase64 } from '../tlog/index.js';
import type { Hash } from '../tlog/index.js';
import type { FileOps } from './clientOps.js';

/**
 * What this machine remembers of a log, per pinned KEY (not per origin line: a second history under
 * one key must meet the first one's checkpoint, whatever origin it claims). Like Go's
 * `$GOPATH/pkg/sumdb/<name>/latest`, plus the signed checkpoints facts were proven under and the
 * consistency proofs linking each to a newer one, so a cached proof can be checked against the
 * remembered checkpoint without the network. Everything here is checked before use: notes against
 * the pinned keys and their hash, links by recomputing the consistency proof.
 *
 *   logs/<keyId>/latest                the newest verified checkpoint (compare-and-swap under a lock)
 *   logs/<keyId>/checkpoints/<sha256>  signed checkpoints, content-addressed
 *   logs/<keyId>/links/<sha256>        {"to": <sha256>, "proof": [base64...]}: consistency proof to a newer
 * one
 *   logs/<keyId>/tile/...              authenticated full tiles
 */
export class CheckpointStore {
  constructor(
    private readonly cacheDir: string,
    private readonly files: FileOps,
  ) {}

  dir(keyId: string): string {
    return path.join(this.cacheDir, 'logs', keyId);
  }

  file(keyId: string): string {
    return path.join(this.dir(keyId), 'latest');
  }

  read(keyId: string): string | undefined {
    return this.files.read(this.file(keyId))?.toString('utf8');
  }

  /**
   * Replaces the remembered note with `next` if it still equals `expected` (undefined: none yet).
   * Returns the note that is current afterwards, which is `next` on success or whatever another
   * process wrote meanwhile (the caller must then check consistency against that one and retry).
   */
  async compareAndSwap(
    keyId: string,
    expected: string | undefined,
    next: string,
  ): Promise<{ swapped: boolean; current: string }> {
    const file = this.file(keyId);
    return this.files.lock(`${file}.lock`, () => {
      const current = this.read(keyId);
      if (current !== expected) return { swapped: false, current: current ?? next };
      this.files.write(file, next, { durable: true });
      return { swapped: true, current: next };
    });
  }

  /**
   * The checkpoint an earlier sumgate remembered per origin line (`logs/<origin>/latest`), to carry
   * the memory over to the per-key layout; the caller must verify it with the pinned key.
   */
  readLegacy(keyName: string): string | undefined {
    return this.files
      .read(path.join(this.cacheDir, 'logs', encodeURIComponent(keyName), 'latest'))
      ?.toString('utf8');
  }

  /** Keeps a signed checkpoint by its hash (facts refer to it); returns the hash. */
  saveNote(keyId: string, note: string): string {
    const hash = createHash('sha256').update(note).digest('hex');
    this.files.create(path.join(this.dir(keyId), 'checkpoints', hash), note);
    return hash;
  }

  /** The note with this hash, if kept and intact (a file whose bytes do not hash to its name is ignored). */
  readNote(keyId: string, hash: string): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    const note = this.files.read(path.join(this.dir(keyId), 'checkpoints', hash))?.toString('utf8');
    if (note === undefined || createHash('sha256').update(note).digest('hex') !== hash) return undefined;
    return note;
  }

  saveLink(keyId: string, fromHash: string, toHash: string, proof: readonly Hash[]): void {
    this.files.write(
      path.join(this.dir(keyId), 'links', fromHash),
      JSON.stringify({ to: toHash, proof: proof.map(toBase64) }),
    );
  }

  /** A consistency proof from the checkpoint `fromHash` to a newer one; undefined when absent or unreadable. */
  readLink(keyId: string, fromHash: string): { to: string; proof: Hash[] } | undefined {
    const data = this.files.read(path.join(this.dir(keyId), 'links', fromHash));
    if (data === undefined) return undefined;
    try {
      const doc = JSON.parse(data.toString('utf8')) as { to?: unknown; proof?: unknown };
      if (typeof doc.to !== 'string' || !Array.isArray(doc.proof)) return undefined;
      return { to: doc.to, proof: doc.proof.map((h) => fromBase64Hash(String(h))) };
    } catch {
      return undefined;
    }
  }
}
