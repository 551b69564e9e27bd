/**
 * `sumgate log serve --postgres <url>`: the log in PostgreSQL, served over HTTP or HTTPS with the
 * same API and the same operator features as the embedded log (http/logHttpServer.ts: TLS, JSON
 * lines, /healthz, the drain on SIGTERM).
 *
 * - With `--dir <dir>` (the keys from `sumgate log init`): the one sequencer. It creates the schema
 *   on first start, appends, ingests from upstreams, and asks witnesses to cosign.
 * - With `--read-only`: a stateless read frontend. Run as many as needed; each serves tiles,
 *   lookups and batch proofs from the database.
 */
import { startLogHttp } from './http/logHttpServer.js';
import type { ServeLogOptions } from './serve.js';
import { ingestorFor, witnessSubmitterFor } from './serveParts.js';
import { PgLog } from './storage/pgLog.js';
import { PgLogReader } from './storage/pgReader.js';

export interface ServePgLogOptions extends Omit<ServeLogOptions, 'dir' | 'postgres'> {
  /** postgres://user[:password]@host:port/database */
  postgres: string;
  /** The sequencer's key directory (sumgate log init); not needed with readOnly. */
  dir?: string | undefined;
  batchMaxEntries?: number;
  /** Connections in the pool (default 8). */
  maxConnections?: number;
}

export interface PgLogServer {
  url: string;
  vkey: string;
  log: PgLog | PgLogReader;
  /** Requests being answered right now. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function servePgLog(opts: ServePgLogOptions): Promise<PgLogServer> {
  const log =
    opts.readOnly === true
      ? await PgLogReader.open(opts.postgres, {
          checkpointTtlMs: opts.checkpointTtlMs,
          maxConnections: opts.maxConnections,
        })
      : await PgLog.openSequencer({
          dir: requireDir(opts.dir),
          url: opts.postgres,
          batchMaxDelayMs: opts.batchMaxDelayMs,
          batchMaxEntries: opts.batchMaxEntries,
          maxConnections: opts.maxConnections,
          witnesses: witnessSubmitterFor(opts),
        });
  try {
    const sequencer = log instanceof PgLog ? log : undefined;
    const ingestor = sequencer === undefined ? undefined : ingestorFor(sequencer, opts);
    const http = await startLogHttp(
      log,
      {
        ...opts,
        ingestor,
        allowDirectAppend: opts.allowDirectAppend === true && sequencer !== undefined,
        listening: {
          size: (await log.checkpoint()).size,
          backend: 'postgres',
          role: sequencer === undefined ? 'read-only' : 'sequencer',
          upstreams: sequencer === undefined ? [] : (opts.upstreams ?? []),
        },
      },
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

function requireDir(dir: string | undefined): string {
  if (dir === undefined)
    throw new Error('the sequencer needs --dir (its keys); a frontend without keys takes --read-only');
  return dir;
}
