/**
 * `sumgate log serve`: opens a log directory (or, with `postgres`, a PostgreSQL database:
 * servePostgres.ts) and serves it over HTTP or HTTPS (http/logHttpServer.ts: TLS, JSON lines,
 * healthz, the drain on close). With an ops logger, every ingestion is also one JSON line.
 */
import { type NpmRegistryKey, SumgateError } from '@sumgate/core';
import { startLogHttp } from './http/logHttpServer.js';
import { openLog, type Log } from './log.js';
import type { OpsLogger } from './ops/jsonLines.js';
import type { PgLogServer } from './servePostgres.js';
import { ingestorFor, witnessSubmitterFor } from './serveParts.js';
import type { WitnessEndpoint } from './witness/witnessSubmitter.js';

export interface ServeLogOptions {
  dir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port (see the returned url). */
  port?: number;
  /** Serve HTTPS with this PEM certificate (chain) and private key. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
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
  /** One structured line per request and per ingestion; default: none. */
  opsLog?: OpsLogger | undefined;
  /** How long close() waits for requests in flight (default 30 s). */
  drainTimeoutMs?: number;
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
  /** Requests being answered right now. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function serveLog(opts: ServeLogOptions & { postgres?: undefined }): Promise<LogServer>;
export async function serveLog(opts: ServeLogOptions & { postgres: string }): Promise<PgLogServer>;
export async function serveLog(opts: ServeLogOptions): Promise<LogServer | PgLogServer>;
export async function serveLog(opts: ServeLogOptions): Promise<LogServer | PgLogServer> {
  if (opts.postgres !== undefined) {
    // Loaded only when asked for: the embedded log needs no PostgreSQL driver.
    const { servePgLog } = await import('./servePostgres.js').catch((e: unknown) => {
      throw new SumgateError(
        'USAGE',
        `--postgres needs the PostgreSQL driver, which is not installed (${(e as Error).message.split('\n')[0]})`,
        {
          fix: 'install it beside @sumgate/log: npm install postgres@3.4.9 (the sumgate CLI bundles it)',
        },
      );
    });
    return servePgLog({
      ...opts,
      postgres: opts.postgres,
      dir: opts.readOnly === true ? undefined : opts.dir,
    });
  }
  const log = await openLog(opts.dir, {
    ...(opts.batchMaxDelayMs === undefined ? {} : { batchMaxDelayMs: opts.batchMaxDelayMs }),
    witnesses: witnessSubmitterFor(opts),
  });
  try {
    const upstreams = opts.upstreams ?? [];
    const ingestor = ingestorFor(log, opts);
    const http = await startLogHttp(
      log,
      { ...opts, ingestor, listening: { size: log.checkpoint().size, upstreams } },
      async () => {
        ingestor?.close(); // after the drain: upstream reads still running let go of their connections
        await log.close();
      },
    );
    return { url: http.url, vkey: log.vkey, log, inFlight: http.inFlight, close: http.close };
  } catch (e) {
    await log.close();
    throw e;
  }
}
