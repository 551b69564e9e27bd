/**
 * What the HTTP API (http/handler.ts) and ingestion need from a log, whichever backend stores it:
 * the embedded Log (log.ts: synchronous reads from local files) or PostgreSQL (storage/pgLog.ts,
 * storage/pgReader.ts: asynchronous reads, any number of read-only frontends). Every method may
 * return a promise; callers await it.
 *
 * Everything returned is bounded by a published checkpoint: a reader never shows an entry, tile or
 * proof beyond the checkpoint it serves.
 */
import type { Hash, NpmRecord } from '@sumgate/core';
import type { Evidence } from './evidence.js';
import type { AppendResult, PublishedCheckpoint } from './log.js';
import type { ProofBatch, ProofRequest } from './proofBatch.js';

type MaybePromise<T> = T | Promise<T>;

export interface LogView {
  readonly origin: string;
  readonly vkey: string;
  /** The checkpoint to serve (with witness cosignatures when the log has witnesses). */
  checkpoint(): MaybePromise<PublishedCheckpoint>;
  /**
   * A checkpoint of at least `size` if one is published (re-reading it if the served one is older),
   * else the current one. Optional: a log whose checkpoint is always current needs none.
   */
  checkpointCovering?(size: number): Promise<PublishedCheckpoint>;
  /** A published record and its index, by recordKey (`<escaped name>@<version>`). */
  lookup(key: string): MaybePromise<{ index: number; record: string } | undefined>;
  lookupIndex(key: string): MaybePromise<number | undefined>;
  /** Versions with published records of an escaped name (record-format.md "Names"), at most `max`. */
  versionsOf(escapedName: string, max: number): MaybePromise<string[]>;
  /** Records [start, start+n), all below the published size. */
  readEntries(start: number, n: number): MaybePromise<Buffer[]>;
  /** Stored hashes [start, start+n) of tree level j (a tile's bytes when j = 8L). */
  readStoredHashes(j: number, start: number, n: number): MaybePromise<Buffer>;
  proveInclusion(index: number, size?: number): MaybePromise<Hash[]>;
  proveConsistency(m: number, n: number): MaybePromise<Hash[]>;
  /** Batch inclusion proofs against one checkpoint (proofBatch.ts). */
  proofBatch(packages: readonly ProofRequest[]): MaybePromise<ProofBatch>;
  evidence(key: string): MaybePromise<Evidence | undefined>;
}

/** A log that can also sequence new entries (the embedded Log, the PostgreSQL sequencer). */
export interface AppendableLogView extends LogView {
  append(record: NpmRecord | string, source?: string): Promise<AppendResult>;
}
