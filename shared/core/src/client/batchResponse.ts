import { SumgateError } from '../errors.js';
import { HASH_SIZE } from '../tlog/index.js';
import type { Hash } from '../tlog/index.js';

/** sumgate's POST /proofs answer (shared/log README "POST /proofs"); `pending` when the log is still ingesting. */
export interface BatchResponse {
  checkpoint: string;
  hashes: string;
  entries: Array<{ name: string; version: string; index: number; record: string; proof: number[] }>;
  missing: Array<{ name: string; version: string; reason: string }>;
  pending: Array<{ name: string; version: string }>;
}

function badResponse(url: string, why: string): never {
  throw new SumgateError('MALFORMED_PROOF', `checksum log ${url}: malformed batch proof response (${why})`);
}

const isPkg = (m: unknown): m is { name: string; version: string } =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as { name?: unknown }).name === 'string' &&
  typeof (m as { version?: unknown }).version === 'string';

/** Attacker-controlled: the log's JSON is checked field by field before use. */
export function parseBatchResponse(body: Buffer, url: string): BatchResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    badResponse(url, 'not JSON');
  }
  const d = doc as Partial<BatchResponse>;
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.checkpoint !== 'string' ||
    typeof d.hashes !== 'string' ||
    !Array.isArray(d.entries) ||
    !Array.isArray(d.missing)
  ) {
    badResponse(url, 'missing checkpoint, hashes, entries or missing');
  }
  for (const e of d.entries) {
    if (
      !isPkg(e) ||
      typeof e.record !== 'string' ||
      !Number.isSafeInteger(e.index) ||
      e.index < 0 ||
      !Array.isArray(e.proof) ||
      !e.proof.every((i) => Number.isSafeInteger(i) && i >= 0)
    ) {
      badResponse(url, 'bad entry');
    }
  }
  for (const m of d.missing)
    if (!isPkg(m) || typeof m.reason !== 'string') badResponse(url, 'bad missing entry');
  const pending = d.pending ?? [];
  if (!Array.isArray(pending) || !pending.every(isPkg)) badResponse(url, 'bad pending entry');
  return { checkpoint: d.checkpoint, hashes: d.hashes, entries: d.entries, missing: d.missing, pending };
}

export function splitHashes(b64: string, url: string): Hash[] {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % HASH_SIZE !== 0 || bytes.toString('base64') !== b64)
    badResponse(url, 'hash table is not whole 32-byte hashes');
  const out: Hash[] = [];
  for (let i = 0; i < bytes.length; i += HASH_SIZE) out.push(bytes.subarray(i, i + HASH_SIZE));
  return out;
}

export function proofHash(hashes: readonly Hash[], i: number, url: string): Hash {
  return hashes[i] ?? badResponse(url, 'proof index out of range');
}
