/**
 * What both log servers (serve.ts: embedded, servePostgres.ts: PostgreSQL) build from their options
 * in the same way: the ingestor of unknown versions (one JSON line per ingestion with an ops
 * logger), and the witness submitter that collects cosignatures for every new checkpoint.
 */
import { type NpmRegistryKey, parseNpmKeys } from '@sumgate/core';
import { Ingestor } from './ingest/ingestor.js';
import type { AppendableLogView } from './logView.js';
import type { OpsLogger } from './ops/jsonLines.js';
import { LoggedIngestor } from './ops/loggedIngestor.js';
import { WitnessSubmitter, type WitnessEndpoint } from './witness/witnessSubmitter.js';

export interface IngestorParts {
  upstreams?: readonly string[] | undefined;
  /** npm registry keys: a parsed list, or the JSON of `/-/npm/v1/keys`. */
  npmKeys?: readonly NpmRegistryKey[] | unknown;
  ingestConcurrency?: number | undefined;
  opsLog?: OpsLogger | undefined;
}

/** The ingestor for `log`, or undefined when no upstream is configured. */
export function ingestorFor(log: AppendableLogView, opts: IngestorParts): Ingestor | undefined {
  const upstreams = opts.upstreams ?? [];
  if (upstreams.length === 0) return undefined;
  const keys =
    opts.npmKeys === undefined
      ? undefined
      : Array.isArray(opts.npmKeys)
        ? (opts.npmKeys as NpmRegistryKey[])
        : parseNpmKeys(opts.npmKeys);
  const options = { upstreams, npmKeys: keys, concurrency: opts.ingestConcurrency };
  return opts.opsLog === undefined
    ? new Ingestor(log, options)
    : new LoggedIngestor(log, options, opts.opsLog);
}

/** The witness submitter, or undefined without witnesses; a witness that gives no cosignature is reported to onError. */
export function witnessSubmitterFor(opts: {
  witnesses?: readonly WitnessEndpoint[] | undefined;
  onError?: ((e: unknown) => void) | undefined;
}): WitnessSubmitter | undefined {
  if (opts.witnesses === undefined || opts.witnesses.length === 0) return undefined;
  return new WitnessSubmitter(opts.witnesses, {
    onRefusal: (url, why) => opts.onError?.(new Error(`witness ${url} gave no cosignature: ${why}`)),
  });
}
