/**
 * The log's HTTP API (README "HTTP API"):
 *
 *   GET  /checkpoint                      c2sp.org/tlog-tiles checkpoint (signed note)
 *   GET  /tile/<L>/<N>[.p/<W>]            c2sp.org/tlog-tiles hash tiles
 *   GET  /tile/entries/<N>[.p/<W>]        c2sp.org/tlog-tiles entry bundles (the record bytes)
 *   GET  /lookup/<name>@<version>         Go sumdb shape: <index>\n<record>\n<signed checkpoint>
 *   POST /proofs                          batch inclusion proofs against one checkpoint (proofBatch.ts)
 *   GET  /proof/consistency/<m>/<n>       RFC 9162 §2.1.4 consistency proof, base64 hashes one per line
 *   GET  /evidence/<name>@<version>       refused conflicting observations (evidence.ts)
 *   GET  /versions/<name>?below=<v>       versions the log knows below v (versionsRoute.ts)
 *   POST /add                             test-only direct append, off unless allowDirectAppend
 *   GET  /healthz                         200 {"ok": true, origin, size} while serving; 503 while shutting
 * down
 *
 * Everything a client sees is bounded by the published checkpoint: tiles, entries and proofs
 * beyond it are 404, never partially written data.
 */
import {
  encodeEntryBundle,
  formatLookupResponse,
  parseRecordKey,
  parseTilePath,
  SumgateError,
  TILE_HEIGHT,
  TILE_WIDTH,
  toBase64,
} from '@sumgate/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ingestor } from '../ingest/ingestor.js';
import type { AppendableLogView, LogView } from '../logView.js';
import { readJson } from './body.js';
import { describeError, HttpError, sendJson, sendText } from './httpError.js';
import { handleProofs } from './proofsRoute.js';
import { serveVersions } from './versionsRoute.js';

export interface LogHandlerOptions {
  /** Ingests unknown versions on lookup and on POST /proofs with "ingest": true. */
  ingestor?: Ingestor | undefined;
  /** Enables POST /add {"records": ["<record text>", ...]} (tests and benchmarks only). */
  allowDirectAppend?: boolean | undefined;
  /** Called with unexpected (500) errors; clients only see a generic message. */
  onError?: ((e: unknown) => void) | undefined;
  /** True once the server is shutting down: /healthz answers 503 so load balancers move away. */
  isDraining?: (() => boolean) | undefined;
}

/** The embedded Log or a PostgreSQL sequencer or read frontend (logView.ts). */
type ServedLog = LogView;

const MAX_URL = 4096;
const MAX_ADD_BODY = 16 << 20;

export function createLogHandler(log: ServedLog, opts: LogHandlerOptions = {}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    route(log, opts, req, res).catch((e: unknown) => {
      const { status, message, internal } = describeError(e);
      if (internal) opts.onError?.(e);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendText(res, status, message, status === 413 ? { connection: 'close' } : {});
    });
  };
}

async function route(
  log: ServedLog,
  opts: LogHandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? '/';
  if (url.length > MAX_URL) throw new HttpError(414, `request path longer than ${MAX_URL} characters`);
  // Paths are used verbatim: lookup keys are already escaped (record-format.md "Names").
  const [path = '/', query = ''] = url.split('?', 2);
  const method = req.method ?? 'GET';
  const get = method === 'GET' || method === 'HEAD';

  if (path === '/checkpoint' && get) {
    // c2sp.org/tlog-tiles: the checkpoint is mutable; clients must not cache it for long.
    sendText(res, 200, (await log.checkpoint()).note, { 'cache-control': 'no-cache' });
    return;
  }
  if (path === '/healthz' && get) {
    const draining = opts.isDraining?.() === true;
    sendJson(res, draining ? 503 : 200, {
      ok: !draining,
      ...(draining ? { draining: true } : {}),
      origin: log.origin,
      size: (await log.checkpoint()).size,
    });
    return;
  }
  if (path.startsWith('/tile/') && get) return serveTile(log, path.slice(1), res);
  if (path.startsWith('/lookup/') && get) return serveLookup(log, opts, path.slice('/lookup/'.length), res);
  if (path === '/proofs' && method === 'POST') return handleProofs(log, opts.ingestor, req, res);
  if (path.startsWith('/proof/consistency/') && get)
    return serveConsistency(log, path.slice('/proof/consistency/'.length), res);
  if (path.startsWith('/evidence/') && get) return serveEvidence(log, path.slice('/evidence/'.length), res);
  if (path.startsWith('/versions/') && get)
    return serveVersions(
      log,
      opts.ingestor,
      path.slice('/versions/'.length),
      new URLSearchParams(query),
      res,
    );
  if (path === '/add' && method === 'POST' && opts.allowDirectAppend === true) return serveAdd(log, req, res);
  if (
    ['/checkpoint', '/healthz', '/proofs', ...(opts.allowDirectAppend === true ? ['/add'] : [])].includes(
      path,
    ) ||
    /^\/(tile|lookup|evidence|proof|versions)\//.test(path)
  ) {
    throw new HttpError(405, `method ${method} not allowed on ${path}`);
  }
  throw new HttpError(404, `no such resource: ${path}`);
}

/** c2sp.org/tlog-tiles "Merkle Tree" and "Log entries": bytes of a full or partial tile. */
async function serveTile(log: ServedLog, tilePath: string, res: ServerResponse): Promise<void> {
  let t: ReturnType<typeof parseTilePath>;
  try {
    t = parseTilePath(tilePath);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  const first = t.index * TILE_WIDTH;
  const needed = t.entries ? first + t.width : (first + t.width) * TILE_WIDTH ** t.level;
  const size = (await (log.checkpointCovering?.(needed) ?? log.checkpoint())).size;
  // Tile level L holds the hashes of complete subtrees of 256^L leaves: floor(size / 256^L) exist.
  const available = t.entries ? size : Math.floor(size / TILE_WIDTH ** t.level);
  if (first + t.width > available)
    throw new HttpError(404, `${tilePath} is beyond the current tree (size ${size})`);
  const body = t.entries
    ? encodeEntryBundle(await log.readEntries(first, t.width))
    : await log.readStoredHashes(t.level * TILE_HEIGHT, first, t.width);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(body.length),
    // Full tiles never change (c2sp.org/tlog-tiles); a partial tile of a given width never changes
    // either, but is superseded quickly by a wider one.
    'cache-control': t.width === TILE_WIDTH ? 'public, max-age=31536000, immutable' : 'public, max-age=60',
  });
  res.end(body);
}

function parseKey(key: string): { name: string; version: string } {
  try {
    return parseRecordKey(key);
  } catch (e) {
    throw new HttpError(
      400,
      `malformed lookup key ${JSON.stringify(key.slice(0, 300))}: expected <escaped name>@<version>, e.g. @!my-scope/pkg@1.2.3 (${(e as Error).message})`,
    );
  }
}

/** Go's sumdb /lookup shape: `<index>\n<record>\n` (a blank line ends the record) followed by the signed checkpoint covering it. */
async function serveLookup(
  log: ServedLog,
  opts: LogHandlerOptions,
  key: string,
  res: ServerResponse,
): Promise<void> {
  const { name, version } = parseKey(key);
  let found = await log.lookup(key);
  if (found === undefined) {
    if (opts.ingestor === undefined) {
      throw new SumgateError(
        'LOG_ABSENT',
        `${name}@${version} is not in the log (this log has no upstream to ingest from)`,
        {
          pkg: `${name}@${version}`,
        },
      );
    }
    const r = await opts.ingestor.ingest(name, version);
    found = { index: r.index, record: r.record };
  }
  // Read the checkpoint after the entry: appends resolve only once a checkpoint covers them.
  sendText(
    res,
    200,
    formatLookupResponse(
      found.index,
      found.record,
      (await (log.checkpointCovering?.(found.index + 1) ?? log.checkpoint())).note,
    ),
    { 'cache-control': 'no-cache' },
  );
}

async function serveConsistency(log: ServedLog, rest: string, res: ServerResponse): Promise<void> {
  const m = /^(0|[1-9][0-9]{0,15})\/(0|[1-9][0-9]{0,15})$/.exec(rest);
  if (m === null) throw new HttpError(400, 'expected /proof/consistency/<old size>/<new size>');
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (!(a >= 1 && a <= b)) throw new HttpError(400, 'need 1 <= old size <= new size');
  const size = (await (log.checkpointCovering?.(b) ?? log.checkpoint())).size;
  if (b > size) throw new HttpError(404, `tree size ${b} is beyond the current tree (size ${size})`);
  const proof = await log.proveConsistency(a, b);
  sendText(res, 200, proof.map((h) => `${toBase64(h)}\n`).join(''), {
    'cache-control': 'public, max-age=31536000, immutable',
  });
}

async function serveEvidence(log: ServedLog, key: string, res: ServerResponse): Promise<void> {
  const { name, version } = parseKey(key);
  const ev = await log.evidence(key);
  if (ev === undefined)
    throw new HttpError(404, `no conflicting observation of ${name}@${version} is on record`);
  sendJson(res, 200, ev);
}

async function serveAdd(log: ServedLog, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req, MAX_ADD_BODY);
  const records = (body as { records?: unknown }).records;
  if (!Array.isArray(records) || !records.every((r) => typeof r === 'string')) {
    throw new HttpError(400, 'expected {"records": ["<record text>", ...]}');
  }
  if (!('append' in log)) throw new HttpError(405, 'this log server is read-only');
  const writable = log as AppendableLogView;
  const results = await Promise.all(records.map((r: string) => writable.append(r)));
  sendJson(res, 200, { entries: results, checkpoint: (await log.checkpoint()).note });
}
