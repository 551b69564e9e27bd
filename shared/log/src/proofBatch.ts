/**
 * The batch-proof response of POST /proofs: records plus RFC 9162 §2.1.3 inclusion proofs for many
 * packages against ONE signed checkpoint, with the proof hashes deduplicated into one table (the
 * upper levels of the tree are shared by most proofs). Format (README "POST /proofs"):
 *
 *   { "checkpoint": "<signed note>",
 *     "hashes": "<base64 of the concatenated distinct 32-byte hashes>",
 *     "entries": [{ "name", "version", "index", "record", "proof": [<hash table index>, ...] }],
 *     "missing": [{ "name", "version", "reason" }] }
 *
 * proof[] is ordered leaf to root, as c2sp.org/tlog-proof lists inclusion hashes.
 */
import { recordKey } from '@sumgate/core';
import type { Log } from './log.js';

export interface ProofBatchEntry {
  name: string;
  version: string;
  index: number;
  record: string;
  proof: number[];
}

export interface ProofBatch {
  checkpoint: string;
  hashes: string;
  entries: ProofBatchEntry[];
  missing: Array<{ name: string; version: string; reason: string }>;
}

export interface ProofRequest {
  name: string;
  version: string;
  /** Why it is absent, when an ingestion attempt already failed. */
  failure?: string | undefined;
}

/**
 * The batch's one table of distinct proof hashes: `slots(proof)` gives each hash's index in it,
 * adding hashes not seen before; `base64()` is the table as the batch sends it.
 */
export class ProofHashTable {
  private readonly slotOf = new Map<string, number>();
  private readonly hashes: Buffer[] = [];

  slots(proof: readonly Uint8Array[]): number[] {
    return proof.map((h) => {
      const k = Buffer.from(h).toString('latin1');
      let slot = this.slotOf.get(k);
      if (slot === undefined) {
        slot = this.hashes.length;
        this.slotOf.set(k, slot);
        this.hashes.push(Buffer.from(h));
      }
      return slot;
    });
  }

  base64(): string {
    return Buffer.concat(this.hashes).toString('base64');
  }
}

/** Builds the batch synchronously, so every proof is against the same published checkpoint. */
export function buildProofBatch(log: Log, packages: readonly ProofRequest[]): ProofBatch {
  const cp = log.checkpoint();
  const table = new ProofHashTable();
  const entries: ProofBatchEntry[] = [];
  const missing: ProofBatch['missing'] = [];
  const seen = new Set<string>();
  for (const { name, version, failure } of packages) {
    const key = recordKey(name, version);
    if (seen.has(key)) continue;
    seen.add(key);
    const found = log.lookup(key);
    if (found === undefined || found.index >= cp.size) {
      missing.push({ name, version, reason: failure ?? 'not in the log' });
      continue;
    }
    const proof = table.slots(log.proveInclusion(found.index, cp.size));
    entries.push({ name, version, index: found.index, record: found.record, proof });
  }
  return { checkpoint: cp.note, hashes: table.base64(), entries, missing };
}
