/**
 * `sumgate log serve`: opens a log directory and serves it over HTTP, or HTTPS with a certificate
 * and key (127.0.0.1 unless told otherwise). With an ops logger, every request and every
 * ingestion is one JSON line (ops/jsonLines.ts). close() drains: the server stops accepting
 * connections, /healthz answers 503 so a load balancer moves away, requests in flight finish
 * (up to drainTimeoutMs, then their connections are cut), and the log is closed last.
 */
import { type NpmRegistryKey, parseNpmKeys, SumgateError } from '@sumgate/core';
import { listen } from './http/listen.js';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createLogHandler } from './http/handler.js';
import { Ingestor } from './ingest/ingestor.js';
import { openLog, type Log } from './log.js';
import { elapsedMs, type OpsLogger } from './ops/jsonLines.js';
import { LoggedIngestor } from './ops/loggedIngestor.js';
import type { PgLogServer } from './servePostgres.js';
import { WitnessSubmitter, type WitnessEndpoint } from './witness/witnessSubmitter.js';

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

function normaliseKeys(keys: unknown): NpmRegistryKey[] | undefined {
  if (keys === undefined) return undefined;
  if (Array.isArray(keys)) return keys as NpmRegistryKey[];
  return parseNpmKeys(keys);
}

const MAX_LOGGED_PATH = 300;

export async function serveLog(opts: ServeLogOptions & { postgres?: undefined }): Promise<LogServer>;
export async function serveLog(opts: ServeLogOptions & { postgres: string }): Promise<PgLogServer>;
export async function serveLog(opts: ServeLogOptions): Promise<LogServer | PgLogServer>;
export async function serveLog(opts: ServeLogOptions): Promise<LogServer | PgLogServer> {
  if (opts.postgres !== undefined) {
    // Loaded only when asked for: the embedded log needs no PostgreSQL driver.
    const { servePgLog } = await import('./servePostgres.js').catch((e: unknown) => {
      throw new SumgateError('USAGE', `--postgres needs the PostgreSQL driver, which is not installed (${(e as Error).message.split('\n')[0]})`, {
        fix: 'install it beside @sumgate/log: npm install postgres@3.4.9 (the sumgate CLI bundles it)',
      });
    });
    return servePgLog({ ...opts, postgres: opts.postgres, dir: opts.readOnly === true ? undefined : opts.dir });
  }
  const witnesses = opts.witnesses === undefined || opts.witnesses.length === 0
    ? undefined
    : new WitnessSubmitter(opts.witnesses, { onRefusal: (url, why) => opts.onError?.(new Error(`witness ${url} gave no cosignature: ${why}`)) });
  const log = await openLog(opts.dir, { ...(opts.batchMaxDelayMs === undefined ? {} : { batchMaxDelayMs: opts.batchMaxDelayMs }), witnesses });
  try {
    const upstreams = opts.upstreams ?? [];
    const ingestorOptions = { upstreams, npmKeys: normaliseKeys(opts.npmKeys), concurrency: opts.ingestConcurrency };
    const ingestor =
      upstreams.length === 0 ? undefined : opts.opsLog === undefined ? new Ingestor(log, ingestorOptions) : new LoggedIngestor(log, ingestorOptions, opts.opsLog);
    let draining = false;
    let inFlight = 0;
    const handler = createLogHandler(log, { ingestor, allowDirectAppend: opts.allowDirectAppend, onError: opts.onError, isDraining: () => draining });
    const serverOptions = { requestTimeout: 300_000, headersTimeout: 30_000, maxHeaderSize: 16 * 1024 };
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      const start = performance.now();
      const written = req.socket.bytesWritten;
      inFlight++;
      // During a drain, answers close their connection so keep-alive clients reconnect elsewhere.
      if (draining) res.setHeader('connection', 'close');
      res.once('close', () => {
        inFlight--;
        opts.opsLog?.('request', {
          method: req.method,
          path: (req.url ?? '/').slice(0, MAX_LOGGED_PATH),
          status: res.statusCode,
          bytes: req.socket.bytesWritten - written, // headers included
          ms: elapsedMs(start),
          remote: req.socket.remoteAddress,
          ...(res.writableFinished ? {} : { aborted: true }),
        });
      });
      handler(req, res);
    };
    const server: Server =
      opts.tls === undefined ? createHttpServer(serverOptions, listener) : createHttpsServer({ ...serverOptions, cert: opts.tls.cert, key: opts.tls.key }, listener);
    const authority = await listen(server, opts.port, opts.host);
    const url = `${opts.tls === undefined ? 'http' : 'https'}://${authority}`;
    opts.opsLog?.('listening', { url, origin: log.origin, size: log.checkpoint().size, tls: opts.tls !== undefined, upstreams });
    let closing: Promise<void> | undefined;
    return {
      url,
      vkey: log.vkey,
      log,
      inFlight: () => inFlight,
      close() {
        closing ??= (async () => {
          draining = true;
          await drain(server, opts.drainTimeoutMs ?? 30_000);
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

/** Stops accepting, lets requests in flight finish, closes idle keep-alive connections as they go idle. */
async function drain(server: Server, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
