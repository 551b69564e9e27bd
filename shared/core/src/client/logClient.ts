import { SumgateError } from '../errors.js';
import { parseRecord, recordKey } from '../record/npmRecord.js';
import type { NpmRecord } from '../record/npmRecord.js';
import type { HttpClient } from '../sources/http.js';
import {
  checkConsistency,
  checkInclusion,
  hashEqual,
  HASH_SIZE,
  openCheckpoint,
  parseCosignerKey,
  parseVerifierKey,
  proveConsistency,
  proveInclusion,
  recordHash,
  TileHashReader,
  tilesForComputation,
  toBase64,
} from '../tlog/index.js';
import type { Checkpoint, Hash, Verifier } from '../tlog/index.js';
import { CheckpointStore } from './checkpointStore.js';
import { parseLookupResponse } from './lookupResponse.js';
import { saveForkEvidence } from './evidence.js';
import { TileFetcher } from './tileFetcher.js';

export interface LogClientOptions {
  readonly url: string;
  readonly vkeys: readonly string[];
  readonly witnesses?: { readonly keys: readonly string[]; readonly quorum: number } | undefined;
  readonly timeoutMs: number;
  readonly cacheDir: string;
  readonly http: HttpClient;
}

/** A record proven to be in the log, at `index`, under a checkpoint of `checkpointSize` consistent with every one seen before. */
export interface LoggedRecord {
  readonly record: NpmRecord;
  readonly index: number;
  readonly checkpointSize: number;
  readonly origin: string;
}

export interface LookupResult {
  readonly found: Map<string, LoggedRecord>;
  readonly missing: ReadonlyArray<{ name: string; version: string; reason: string }>;
}

const BATCH = 2000;

/**
 * The client side of the checksum log: verifies signed checkpoints with the pinned keys (and the
 * witness quorum), proves every record's inclusion, and remembers the latest checkpoint so that a
 * forked or rolled-back log is caught (a SECURITY error with evidence saved on disk).
 */
export class LogClient {
  private readonly verifiers: Verifier[];
  private readonly witnessVerifiers: Verifier[];
  private readonly store: CheckpointStore;
  /** Checkpoint notes merged (or being merged) in this process: concurrent lookups share one merge. */
  private readonly merges = new Map<string, Promise<void>>();
  private mergeTail: Promise<void> = Promise.resolve();
  /** Set when the log answered 404 to POST /proofs: it is a plain Go-shaped log. */
  private batchUnsupported = false;

  constructor(private readonly opts: LogClientOptions) {
    this.verifiers = opts.vkeys.map((k) => parseVerifierKey(k));
    this.witnessVerifiers = (opts.witnesses?.keys ?? []).map((k) => parseCosignerKey(k));
    this.store = new CheckpointStore(opts.cacheDir);
  }

  get url(): string {
    return this.opts.url;
  }

  /** Looks up and proves many name@version at once (one round trip per 2,000), asking the log to ingest unknown ones if `ingest`. */
  async lookupMany(pkgs: ReadonlyArray<{ name: string; version: string }>, ingest: boolean): Promise<LookupResult> {
    const found = new Map<string, LoggedRecord>();
    const missing: Array<{ name: string; version: string; reason: string }> = [];
    for (let i = 0; i < pkgs.length; i += BATCH) {
      const chunk = pkgs.slice(i, i + BATCH);
      const r = await this.proveBatch(chunk, ingest);
      for (const [k, v] of r.found) found.set(k, v);
      missing.push(...r.missing);
    }
    return { found, missing };
  }

  private async proveBatch(pkgs: ReadonlyArray<{ name: string; version: string }>, ingest: boolean): Promise<LookupResult> {
    if (this.batchUnsupported) return this.lookupEach(pkgs);
    const body = JSON.stringify({ packages: pkgs.map((p) => `${p.name}@${p.version}`), ingest });
    const res = await this.request('proofs', { method: 'POST', body, headers: { 'content-type': 'application/json' } }, [404]);
    if (res === undefined) {
      // A log without sumgate's batch endpoint (a plain Go-shaped log): one lookup per package.
      this.batchUnsupported = true;
      return this.lookupEach(pkgs);
    }
    const doc = parseBatchResponse(res, this.opts.url);
    const { checkpoint } = await this.verifyCheckpoint(doc.checkpoint);
    const hashes = splitHashes(doc.hashes, this.opts.url);
    const wanted = new Set(pkgs.map((p) => `${p.name}@${p.version}`));
    const found = new Map<string, LoggedRecord>();
    for (const e of doc.entries) {
      const record = parseRecord(e.record);
      const key = `${record.name}@${record.version}`;
      if (!wanted.has(key) || record.name !== e.name || record.version !== e.version) {
        throw new SumgateError('INVALID_PROOF', `checksum log ${this.opts.url} answered for ${e.name}@${e.version} with a record for ${key}`);
      }
      const proof = e.proof.map((i) => hashes[i] ?? badResponse(this.opts.url, 'proof index out of range'));
      try {
        checkInclusion(proof, checkpoint.size, checkpoint.root, e.index, recordHash(Buffer.from(e.record, 'utf8')));
      } catch (err) {
        throw new SumgateError('INVALID_PROOF', `checksum log ${this.opts.url}: the inclusion proof of ${key} (leaf ${e.index}) does not match its signed checkpoint`, {
          pkg: key,
          fix: 'the log or a proxy in front of it is serving bad proofs; report it to the log operator',
          cause: err,
        });
      }
      found.set(key, { record, index: e.index, checkpointSize: checkpoint.size, origin: checkpoint.origin });
    }
    return { found, missing: doc.missing };
  }

  private async lookupEach(pkgs: ReadonlyArray<{ name: string; version: string }>): Promise<LookupResult> {
    const found = new Map<string, LoggedRecord>();
    const missing: Array<{ name: string; version: string; reason: string }> = [];
    for (const p of pkgs) {
      const r = await this.lookupOne(p.name, p.version);
      if (r === undefined) missing.push({ ...p, reason: 'not in the log' });
      else found.set(`${p.name}@${p.version}`, r);
    }
    return { found, missing };
  }

  /**
   * Go's client path: `GET /lookup/<name>@<version>` (index, record, signed checkpoint), then the
   * inclusion proof computed from the log's tiles and checked against the checkpoint. Full tiles
   * used are cached once the proof checks out. Undefined when the log does not have the version.
   */
  async lookupOne(name: string, version: string): Promise<LoggedRecord | undefined> {
    const res = await this.request(`lookup/${recordKey(name, version)}`, {}, [404]);
    if (res === undefined) return undefined;
    const { index, record: text, note } = parseLookupResponse(res.toString('utf8'));
    const record = parseRecord(text);
    if (record.name !== name || record.version !== version) {
      throw new SumgateError('INVALID_PROOF', `checksum log ${this.opts.url} answered a lookup of ${name}@${version} with a record for ${record.name}@${record.version}`);
    }
    const { checkpoint } = await this.verifyCheckpoint(note);
    if (index >= checkpoint.size) throw new SumgateError('INVALID_PROOF', `checksum log ${this.opts.url}: leaf ${index} of ${name}@${version} is beyond its checkpoint (size ${checkpoint.size})`);
    const tiles = new TileFetcher(this.opts.url, checkpoint.origin, this.opts.cacheDir, this.opts.http, this.opts.timeoutMs);
    await tiles.fetchAll(tilesForComputation(checkpoint.size, (read) => proveInclusion(index, checkpoint.size, read)));
    const reader = new TileHashReader(checkpoint.size, (t) => tiles.get(t));
    try {
      checkInclusion(proveInclusion(index, checkpoint.size, reader.read), checkpoint.size, checkpoint.root, index, recordHash(Buffer.from(text, 'utf8')));
    } catch (e) {
      throw new SumgateError('INVALID_PROOF', `checksum log ${this.opts.url}: ${name}@${version} (leaf ${index}) is not proven by the log's tiles under its signed checkpoint`, {
        pkg: `${name}@${version}`, fix: 'the log or a proxy in front of it is serving bad tiles or records; report it to the log operator', cause: e,
      });
    }
    tiles.save();
    return { record, index, checkpointSize: checkpoint.size, origin: checkpoint.origin };
  }

  /** Fetches, verifies and merges the log's current checkpoint. */
  async latest(): Promise<Checkpoint> {
    const res = await this.request('checkpoint', {});
    return (await this.verifyCheckpoint(res.toString('utf8'))).checkpoint;
  }

  /** Opens a signed checkpoint with the pinned keys and merges it with the remembered one. */
  async verifyCheckpoint(noteText: string): Promise<{ checkpoint: Checkpoint }> {
    const checkpoint = this.open(noteText);
    let merge = this.merges.get(noteText);
    if (merge === undefined) {
      // One merge at a time in a process: concurrent lookups against a growing log would otherwise
      // race each other's compare-and-swap. Other processes are handled by the CAS retries.
      merge = this.mergeTail.then(() => this.mergeLatest(checkpoint, noteText));
      this.mergeTail = merge.catch(() => undefined);
      this.merges.set(noteText, merge);
    }
    await merge;
    return { checkpoint };
  }

  private open(noteText: string): Checkpoint {
    const witnesses = this.opts.witnesses === undefined ? undefined : { verifiers: this.witnessVerifiers, quorum: this.opts.witnesses.quorum };
    let lastError: unknown;
    for (const v of this.verifiers) {
      try {
        return openCheckpoint(noteText, v, witnesses).checkpoint;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError instanceof SumgateError
      ? new SumgateError(lastError.code, `checksum log ${this.opts.url}: ${lastError.message}`, {
          fix: 'check log.vkeys (and log.witnesses) in sumgate.jsonc against the key the log operator published',
          cause: lastError,
        })
      : (lastError as Error);
  }

  /**
   * Go's mergeLatest: a newer checkpoint must extend the remembered one; an older one must be a
   * prefix of it; an equal size must have the same root. Anything else is a fork or a rollback.
   */
  private async mergeLatest(served: Checkpoint, servedNote: string): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const rememberedNote = this.store.read(served.origin);
      if (rememberedNote === undefined) {
        const r = await this.store.compareAndSwap(served.origin, undefined, servedNote);
        if (r.swapped) return;
        continue;
      }
      const remembered = this.open(rememberedNote);
      if (served.size === remembered.size) {
        if (!hashEqual(served.root, remembered.root)) this.fork(rememberedNote, servedNote, [], 'Same tree size, different root hash.');
        return;
      }
      const [older, newer] = served.size < remembered.size ? [served, remembered] : [remembered, served];
      await this.checkExtends(older, newer, newer === served, rememberedNote, servedNote);
      if (served.size < remembered.size) return; // a stale but consistent view: keep the newer one
      const r = await this.store.compareAndSwap(served.origin, rememberedNote, servedNote);
      if (r.swapped) return;
      // another process remembered a different checkpoint meanwhile: check against that one too
    }
    throw new SumgateError('LOG_UNREACHABLE', `could not update the remembered checkpoint of ${served.origin} (too much contention)`, {
      fix: 'retry the install',
    });
  }

  private async checkExtends(older: Checkpoint, newer: Checkpoint, newerIsServed: boolean, rememberedNote: string, servedNote: string): Promise<void> {
    const tiles = new TileFetcher(this.opts.url, newer.origin, this.opts.cacheDir, this.opts.http, this.opts.timeoutMs);
    let proof: Hash[] = [];
    try {
      await tiles.fetchAll(tilesForComputation(newer.size, (read) => proveConsistency(older.size, newer.size, read)));
      const reader = new TileHashReader(newer.size, (t) => tiles.get(t));
      proof = proveConsistency(older.size, newer.size, reader.read);
      checkConsistency(proof, older.size, older.root, newer.size, newer.root);
    } catch (e) {
      const tilesMissing = e instanceof SumgateError && e.code === 'LOG_UNREACHABLE';
      // Missing tiles of the tree just served: the log is unreachable or broken. Missing tiles of a
      // tree it signed earlier: it was rolled back.
      if (tilesMissing && newerIsServed) throw e;
      const why = tilesMissing
        ? `The log no longer serves the tiles of the tree of size ${newer.size} it signed earlier: it was rolled back.`
        : `The tree of size ${older.size} is not a prefix of the tree of size ${newer.size}.`;
      this.fork(rememberedNote, servedNote, proof.map(toBase64), why);
    }
    tiles.save();
  }

  private fork(rememberedNote: string, servedNote: string, proof: string[], reason: string): never {
    const remembered = this.open(rememberedNote);
    const served = this.open(servedNote);
    const dir = saveForkEvidence(this.opts.cacheDir, { origin: served.origin, logUrl: this.opts.url, remembered: rememberedNote, served: servedNote, proof, reason });
    throw new SumgateError(
      'SECURITY_LOG_FORK',
      `SECURITY ERROR: checksum log ${served.origin} (${this.opts.url}) served a checkpoint of size ${served.size} that is inconsistent with the one verified earlier (size ${remembered.size}): the log has forked or been rolled back. ${reason} Evidence saved in ${dir}`,
      {
        fix: `do not install: send ${dir} to the log operator. Only if the log was deliberately reset, delete ${this.store.file(served.origin)} after checking why`,
        data: { origin: served.origin, rememberedSize: remembered.size, servedSize: served.size, evidence: dir },
      },
    );
  }

  private request(pathname: string, req: RequestInit): Promise<Buffer>;
  private request(pathname: string, req: RequestInit, absent: readonly number[]): Promise<Buffer | undefined>;
  /** GETs or POSTs to the log; statuses in `absent` resolve to undefined, any other failure is LOG_UNREACHABLE. */
  private async request(pathname: string, req: RequestInit, absent: readonly number[] = []): Promise<Buffer | undefined> {
    let res;
    try {
      res = await this.opts.http(`${this.opts.url}${pathname}`, { ...req, timeoutMs: this.opts.timeoutMs, maxBytes: 64 * 1024 * 1024 });
    } catch (e) {
      throw new SumgateError('LOG_UNREACHABLE', `checksum log ${this.opts.url} is unreachable: ${(e as Error).message}`, {
        fix: 'start or fix the log (log.url in sumgate.jsonc); installs fail closed until every package is verified',
        cause: e,
      });
    }
    if (absent.includes(res.status)) return undefined;
    if (res.status !== 200) {
      const text = res.body.toString('utf8').slice(0, 300).trim();
      throw new SumgateError('LOG_UNREACHABLE', `checksum log ${this.opts.url}${pathname} answered HTTP ${res.status}${text === '' ? '' : `: ${text}`}`, {
        fix: 'check the log server (log.url in sumgate.jsonc) and retry',
      });
    }
    return res.body;
  }
}

interface RequestInit {
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

interface BatchResponse {
  checkpoint: string;
  hashes: string;
  entries: Array<{ name: string; version: string; index: number; record: string; proof: number[] }>;
  missing: Array<{ name: string; version: string; reason: string }>;
}

function badResponse(url: string, why: string): never {
  throw new SumgateError('MALFORMED_PROOF', `checksum log ${url}: malformed batch proof response (${why})`);
}

/** Attacker-controlled: the log's JSON is checked field by field before use. */
function parseBatchResponse(body: Buffer, url: string): BatchResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    badResponse(url, 'not JSON');
  }
  const d = doc as Partial<BatchResponse>;
  if (typeof d.checkpoint !== 'string' || typeof d.hashes !== 'string' || !Array.isArray(d.entries) || !Array.isArray(d.missing)) {
    badResponse(url, 'missing checkpoint, hashes, entries or missing');
  }
  for (const e of d.entries) {
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || typeof e.version !== 'string' || typeof e.record !== 'string'
      || !Number.isSafeInteger(e.index) || e.index < 0 || !Array.isArray(e.proof) || !e.proof.every((i) => Number.isSafeInteger(i) && i >= 0)) {
      badResponse(url, 'bad entry');
    }
  }
  for (const m of d.missing) {
    if (typeof m !== 'object' || m === null || typeof m.name !== 'string' || typeof m.version !== 'string' || typeof m.reason !== 'string') {
      badResponse(url, 'bad missing entry');
    }
  }
  return d as BatchResponse;
}

function splitHashes(b64: string, url: string): Hash[] {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % HASH_SIZE !== 0 || bytes.toString('base64') !== b64) badResponse(url, 'hash table is not whole 32-byte hashes');
  const out: Hash[] = [];
  for (let i = 0; i < bytes.length; i += HASH_SIZE) out.push(bytes.subarray(i, i + HASH_SIZE));
  return out;
}
