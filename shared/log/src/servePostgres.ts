/**
 * `sumgate log serve --postgres <url>`: the log in PostgreSQL, served over HTTP (the same API as
 * the embedded log, http/handler.ts).
 *
 * - With `--dir <dir>` (the keys from `sumgate log init`): the one sequencer. It creates the schema
 *   on first start, appends, ingests from upstreams, and asks witnesses to cosign.
 * - With `--read-only`: a stateless read frontend. Run as many as needed; each serves tiles,
 *   lookups and batch proofs from the database.
 */
import { createServer } from 'node:http';
import { listen } from './http/listen.js';
import { type NpmRegistryKey, parseNpmKeys } from '@sumgate/core';
import { createLogHandler } from './http/handler.js';
import { Ingestor } from './ingest/ingestor.js';
import { PgLog } from './storage/pgLog.js';
import { PgLogReader } from './storage/pgReader.js';
import { WitnessSubmitter, type WitnessEndpoint } from './witness/witnessSubmitter.js';

export interface ServePgLogOptions {
  /** postgres://user[:password]@host:port/database */
  postgres: string;
  /** A read-only frontend (no --dir needed). */
  readOnly?: boolean;
  /** The sequencer's key directory (sumgate log init). */
  dir?: string;
  host?: string;
  port?: number;
  upstreams?: readonly string[];
  npmKeys?: readonly NpmRegistryKey[] | unknown;
  witnesses?: readonly WitnessEndpoint[];
  batchMaxDelayMs?: number;
  batchMaxEntries?: number;
  /** Read frontends: how long a checkpoint read from the database is served (default 500 ms). */
  checkpointTtlMs?: number;
  maxConnections?: number;
  ingestConcurrency?: number;
  allowDirectAppend?: boolean;
  onError?: (e: unknown) => void;
}

export interface PgLogServer {
  url: string;
  vkey: string;
  log: PgLog | PgLogReader;
  close(): Promise<void>;
}

export async function servePgLog(opts: ServePgLogOptions): Promise<PgLogServer> {
  const log = opts.readOnly === true
    ? await PgLogReader.open(opts.postgres, { checkpointTtlMs: opts.checkpointTtlMs, maxConnections: opts.maxConnections })
    : await PgLog.openSequencer({
        dir: requireDir(opts.dir),
        url: opts.postgres,
        batchMaxDelayMs: opts.batchMaxDelayMs,
        batchMaxEntries: opts.batchMaxEntries,
        maxConnections: opts.maxConnections,
        witnesses: witnessesOf(opts),
      });
  try {
    const upstreams = log instanceof PgLog ? (opts.upstreams ?? []) : [];
    const keys = opts.npmKeys === undefined || Array.isArray(opts.npmKeys) ? (opts.npmKeys as NpmRegistryKey[] | undefined) : parseNpmKeys(opts.npmKeys);
    const ingestor = upstreams.length === 0 || !(log instanceof PgLog) ? undefined : new Ingestor(log, { upstreams, npmKeys: keys, concurrency: opts.ingestConcurrency });
    const server = createServer(
      { requestTimeout: 300_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 },
      createLogHandler(log, { ingestor, allowDirectAppend: opts.allowDirectAppend === true && log instanceof PgLog, onError: opts.onError }),
    );
    const authority = await listen(server, opts.port, opts.host);
    let closing: Promise<void> | undefined;
    return {
      url: `http://${authority}`,
      vkey: log.vkey,
      log,
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          });
          await log.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await log.close();
    throw e;
  }
}

function requireDir(dir: string | undefined): string {
  if (dir === undefined) throw new Error('the sequencer needs --dir (its keys); a frontend without keys takes --read-only');
  return dir;
}

function witnessesOf(opts: ServePgLogOptions): WitnessSubmitter | undefined {
  if (opts.witnesses === undefined || opts.witnesses.length === 0) return undefined;
  return new WitnessSubmitter(opts.witnesses, { onRefusal: (url, why) => opts.onError?.(new Error(`witness ${url} gave no cosignature: ${why}`)) });
}
