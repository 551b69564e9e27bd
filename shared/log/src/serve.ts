/** `sumgate log serve`: opens a log directory and serves it over HTTP (127.0.0.1 unless told otherwise). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseNpmKeys, type NpmRegistryKey } from '../../core/src/npm/registrySignature.js';
import { createLogHandler } from './http/handler.js';
import { Ingestor } from './ingest/ingestor.js';
import { openLog, type Log } from './log.js';
import { servePgLog, type PgLogServer } from './servePostgres.js';
import { WitnessSubmitter, type WitnessEndpoint } from './witness/witnessSubmitter.js';

export interface ServeLogOptions {
  dir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port (see the returned url). */
  port?: number;
  /** Registries to ingest unknown versions from, tried in order. */
  upstreams?: readonly string[];
  /** npm registry keys: a parsed list, or the JSON of `/-/npm/v1/keys`. */
  npmKeys?: readonly NpmRegistryKey[] | unknown;
  batchMaxDelayMs?: number;
  /** Concurrent ingestions (default 8). */
  ingestConcurrency?: number;
  /** Test-only POST /add (default off). */
  allowDirectAppend?: boolean;
  /** Unexpected errors (500s); default: ignored. */
  onError?: (e: unknown) => void;
  /** Store the log in this PostgreSQL database instead of `dir` (servePostgres.ts); `dir` then holds only the keys. */
  postgres?: string | undefined;
  /** With `postgres`: a stateless read frontend (no keys, no appends). */
  readOnly?: boolean | undefined;
  /** With `readOnly`: how long a checkpoint read from the database is served (default 500 ms). */
  checkpointTtlMs?: number | undefined;
  /** c2sp.org/tlog-witness witnesses asked to cosign every new checkpoint. */
  witnesses?: readonly WitnessEndpoint[] | undefined;
}

export interface LogServer {
  url: string;
  vkey: string;
  log: Log;
  close(): Promise<void>;
}

function normaliseKeys(keys: unknown): NpmRegistryKey[] | undefined {
  if (keys === undefined) return undefined;
  if (Array.isArray(keys)) return keys as NpmRegistryKey[];
  return parseNpmKeys(keys);
}

export async function serveLog(opts: ServeLogOptions & { postgres?: undefined }): Promise<LogServer>;
export async function serveLog(opts: ServeLogOptions & { postgres: string }): Promise<PgLogServer>;
export async function serveLog(opts: ServeLogOptions): Promise<LogServer | PgLogServer>;
export async function serveLog(opts: ServeLogOptions): Promise<LogServer | PgLogServer> {
  if (opts.postgres !== undefined) return servePgLog({ ...opts, postgres: opts.postgres, dir: opts.readOnly === true ? undefined : opts.dir });
  const witnesses = opts.witnesses === undefined || opts.witnesses.length === 0
    ? undefined
    : new WitnessSubmitter(opts.witnesses, { onRefusal: (url, why) => opts.onError?.(new Error(`witness ${url} gave no cosignature: ${why}`)) });
  const log = await openLog(opts.dir, { ...(opts.batchMaxDelayMs === undefined ? {} : { batchMaxDelayMs: opts.batchMaxDelayMs }), witnesses });
  try {
    const upstreams = opts.upstreams ?? [];
    const ingestor =
      upstreams.length === 0
        ? undefined
        : new Ingestor(log, { upstreams, npmKeys: normaliseKeys(opts.npmKeys), concurrency: opts.ingestConcurrency });
    const server = createServer(
      { requestTimeout: 300_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 },
      createLogHandler(log, { ingestor, allowDirectAppend: opts.allowDirectAppend, onError: opts.onError }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
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
