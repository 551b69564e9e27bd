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
import { recordKey } from '../../core/src/record/npmRecord.js';
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

/** Builds the batch synchronously, so every proof is against the same published checkpoint. */
export function buildProofBatch(log: Log, packages: readonly ProofRequest[]): ProofBatch {
  const cp = log.checkpoint();
  const table = new Map<string, number>();
  const hashes: Buffer[] = [];
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
    const proof = log.proveInclusion(found.index, cp.size).map((h) => {
      const k = Buffer.from(h).toString('latin1');
      let slot = table.get(k);
      if (slot === undefined) {
        slot = hashes.length;
        table.set(k, slot);
        hashes.push(Buffer.from(h));
      }
      return slot;
    });
    entries.push({ name, version, index: found.index, record: found.record, proof });
  }
  return { checkpoint: cp.note, hashes: Buffer.concat(hashes).toString('base64'), entries, missing };
}
