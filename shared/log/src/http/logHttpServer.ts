/**
 * The HTTP(S) server in front of any log backend (the embedded Log, the PostgreSQL sequencer or a
 * read frontend): HTTPS with a certificate and key, one JSON line per request (ops/jsonLines.ts),
 * GET /healthz, and a drain on close(): the server stops accepting connections, /healthz answers
 * 503 so a load balancer moves away, requests in flight finish (up to drainTimeoutMs, then their
 * connections are cut), and only then is the log closed.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Ingestor } from '../ingest/ingestor.js';
import type { LogView } from '../logView.js';
import { elapsedMs, type OpsLogger } from '../ops/jsonLines.js';
import { createLogHandler } from './handler.js';
import { listen } from './listen.js';

export interface LogHttpOptions {
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Default 0: an ephemeral port (see the returned url). */
  port?: number | undefined;
  /** Serve HTTPS with this PEM certificate (chain) and private key. */
  tls?: { cert: string | Buffer; key: string | Buffer } | undefined;
  ingestor?: Ingestor | undefined;
  /** Test-only POST /add (default off). */
  allowDirectAppend?: boolean | undefined;
  /** Unexpected errors (500s); default: ignored. */
  onError?: ((e: unknown) => void) | undefined;
  /** One structured line per request; default: none. */
  opsLog?: OpsLogger | undefined;
  /** How long close() waits for requests in flight (default 30 s). */
  drainTimeoutMs?: number | undefined;
  /** Fields of the `listening` line besides url, origin and tls. */
  listening?: Record<string, unknown>;
}

export interface LogHttpServer {
  url: string;
  /** Requests being answered right now. */
  inFlight(): number;
  /** Drains, then runs `closeLog` (once). */
  close(): Promise<void>;
}

const MAX_LOGGED_PATH = 300;

export async function startLogHttp(
  log: LogView,
  opts: LogHttpOptions,
  closeLog: () => Promise<void>,
): Promise<LogHttpServer> {
  let draining = false;
  let inFlight = 0;
  const handler = createLogHandler(log, {
    ingestor: opts.ingestor,
    allowDirectAppend: opts.allowDirectAppend,
    onError: opts.onError,
    isDraining: () => draining,
  });
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
    opts.tls === undefined
      ? createHttpServer(serverOptions, listener)
      : createHttpsServer({ ...serverOptions, cert: opts.tls.cert, key: opts.tls.key }, listener);
  const authority = await listen(server, opts.port, opts.host);
  const url = `${opts.tls === undefined ? 'http' : 'https'}://${authority}`;
  opts.opsLog?.('listening', { url, origin: log.origin, tls: opts.tls !== undefined, ...opts.listening });
  let closing: Promise<void> | undefined;
  return {
    url,
    inFlight: () => inFlight,
    close() {
      closing ??= (async () => {
        draining = true;
        await drain(server, opts.drainTimeoutMs ?? 30_000);
        await closeLog();
      })();
      return closing;
    },
  };
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
