import { SumgateError } from '../errors.js';
import { parseRecord, recordKey } from '../record/npmRecord.js';
import type { NpmRecord } from '../record/npmRecord.js';
import type { HttpClient } from '../sources/http.js';
import {
  checkInclusion,
  proveInclusion,
  recordTextHash,
  TileHashReader,
  tilesForComputation,
} from '../tlog/index.js';
import type { Checkpoint, Hash } from '../tlog/index.js';
import { parseBatchResponse, proofHash, splitHashes } from './batchResponse.js';
import { nodeClientOps } from './clientOps.js';
import type { ClientOps } from './clientOps.js';
import { LogHistory, unreachable } from './logHistory.js';
import { LogRequester } from './logRequester.js';
import { parseLookupResponse } from './lookupResponse.js';
import { PinnedKeys } from './pinnedKeys.js';
import type { TrustedCheckpoint } from './pinnedKeys.js';
import { SharedInclusion } from './sharedInclusion.js';
import { TileAbsentError, TileFetcher } from './tileFetcher.js';
import { parseVersionList, versionListPath } from './versionList.js';
import type { VersionListAnswer } from './versionList.js';

export interface LogClientOptions {
  readonly url: string;
  readonly vkeys: readonly string[];
  readonly witnesses?: { readonly keys: readonly string[]; readonly quorum: number } | undefined;
  /** The budget of one exchange (a lookup of many, waiting for ingestion included); also each request's deadline. */
  readonly timeoutMs: number;
  readonly cacheDir: string;
  readonly http: HttpClient;
  /** Injected I/O (files, clock); `http` above is used for the network unless `ops.http` is given. */
  readonly ops?: Partial<ClientOps> | undefined;
  /** Progress for the user (waiting for a log that is still ingesting). */
  readonly progress?: ((line: string) => void) | undefined;
}

/** A record proven to be in the log, at `index`, under a checkpoint consistent with every one seen before. */
export interface LoggedRecord {
  readonly record: NpmRecord;
  /** The record's exact text (its leaf hash is over these bytes). */
  readonly text: string;
  readonly index: number;
  readonly checkpointSize: number;
  readonly origin: string;
  /** The inclusion proof, leaf to root, under `checkpoint`: what a cache keeps to prove it again. */
  readonly proof: readonly Hash[];
  readonly checkpoint: TrustedCheckpoint;
}

export interface LookupResult {
  readonly found: Map<string, LoggedRecord>;
  readonly missing: ReadonlyArray<{ name: string; version: string; reason: string }>;
}

const BATCH = 2000;
/** How long the log may take to ingest before it answers with what it has (and the client asks again). */
const INGEST_WAIT_MS = 5_000;

/**
 * The client side of the checksum log: verifies signed checkpoints with the pinned keys (and the
 * witness quorum), proves every record's inclusion, and remembers the latest checkpoint per key so
 * that a forked or rolled-back log is caught (a SECURITY error with evidence saved on disk).
 */
export class LogClient {
  readonly keys: PinnedKeys;
  readonly history: LogHistory;
  private readonly requester: LogRequester;
  private readonly ops: ClientOps;
  /** Set when the log answered 404 to POST /proofs: it is a plain Go-shaped log. */
  private batchUnsupported = false;

  constructor(private readonly opts: LogClientOptions) {
    const base = nodeClientOps(opts.ops?.http ?? opts.http);
    this.ops = { ...base, ...opts.ops, http: opts.ops?.http ?? opts.http };
    this.keys = new PinnedKeys(opts.vkeys, opts.witnesses, `checksum log ${opts.url}`);
    this.requester = new LogRequester(opts.url, this.ops.http, opts.timeoutMs, this.ops.now);
    this.history = new LogHistory(this.keys, this.requester, opts.cacheDir, this.ops);
  }

  get url(): string {
    return this.opts.url;
  }

  /**
   * Looks up and proves many name@version at once (one round trip per 2,000), asking the log to
   * ingest unknown ones if `ingest`. A log still ingesting answers with what it has; the client asks
   * again for the rest, with progress, until log.timeoutMs is spent (then LOG_INGESTING).
   */
  async lookupMany(
    pkgs: ReadonlyArray<{ name: string; version: string }>,
    ingest: boolean,
  ): Promise<LookupResult> {
    const found = new Map<string, LoggedRecord>();
    const missing: Array<{ name: string; version: string; reason: string }> = [];
    const budgetEnds = this.ops.now() + this.opts.timeoutMs;
    for (let i = 0; i < pkgs.length; i += BATCH) {
      const r = await this.proveWaiting(pkgs.slice(i, i + BATCH), ingest, budgetEnds, pkgs.length);
      for (const [k, v] of r.found) found.set(k, v);
      missing.push(...r.missing);
    }
    return { found, missing };
  }

  private async proveWaiting(
    pkgs: ReadonlyArray<{ name: string; version: string }>,
    ingest: boolean,
    budgetEnds: number,
    total: number,
  ): Promise<LookupResult> {
    const found = new Map<string, LoggedRecord>();
    const missing: Array<{ name: string; version: string; reason: string }> = [];
    let todo = pkgs;
    const started = this.ops.now();
    for (;;) {
      const r = await this.proveBatch(todo, ingest, budgetEnds);
      for (const [k, v] of r.found) found.set(k, v);
      missing.push(...r.missing);
      if (r.pending.length === 0) return { found, missing };
      todo = r.pending;
      const waited = Math.round((this.ops.now() - started) / 1000);
      if (this.ops.now() + 500 >= budgetEnds) {
        throw new SumgateError(
          'LOG_INGESTING',
          `checksum log ${this.opts.url} is still ingesting ${todo.length} of ${total} versions after ${waited} s (log.timeoutMs is ${this.opts.timeoutMs}); the log is working, not down`,
          {
            fix: `pre-fill the log on its host with \`sumgate log ingest --dir <log dir> --lockfile <your lockfile> --upstream <registry>\`, or raise "log.timeoutMs" in sumgate.jsonc, then retry`,
            data: { pending: todo.slice(0, 20).map((p) => `${p.name}@${p.version}`), waitedSeconds: waited },
          },
        );
      }
      await this.ops.sleep(250);
      this.opts.progress?.(
        `sumgate: the checksum log is still ingesting ${todo.length} of ${total} versions (waited ${waited} s of ${Math.round(this.opts.timeoutMs / 1000)} s)`,
      );
    }
  }

  private async proveBatch(
    pkgs: ReadonlyArray<{ name: string; version: string }>,
    ingest: boolean,
    budgetEnds: number,
  ): Promise<LookupResult & { pending: Array<{ name: string; version: string }> }> {
    if (this.batchUnsupported) return { ...(await this.lookupEach(pkgs)), pending: [] };
    const waitMs = Math.max(0, Math.min(INGEST_WAIT_MS, budgetEnds - this.ops.now() - 1000));
    const body = JSON.stringify({ packages: pkgs.map((p) => `${p.name}@${p.version}`), ingest, waitMs });
    const res = await this.requester.request('proofs', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      absent: [404],
      deadlineAt: budgetEnds,
    });
    if (res === undefined) {
      // A log without sumgate's batch endpoint (a plain Go-shaped log): one lookup per package.
      this.batchUnsupported = true;
      return { ...(await this.lookupEach(pkgs)), pending: [] };
    }
    const doc = parseBatchResponse(res, this.opts.url);
    const trusted = await this.history.accept(doc.checkpoint);
    const { checkpoint } = trusted;
    const hashes = splitHashes(doc.hashes, this.opts.url);
    const wanted = new Set(pkgs.map((p) => `${p.name}@${p.version}`));
    const found = new Map<string, LoggedRecord>();
    // The batch's proofs share their upper levels (one hash list): each interior node is verified once.
    const shared = new SharedInclusion(checkpoint.size, checkpoint.root);
    for (const e of doc.entries) {
      const record = parseRecord(e.record);
      const key = `${record.name}@${record.version}`;
      if (!wanted.has(key) || record.name !== e.name || record.version !== e.version) {
        throw new SumgateError(
          'INVALID_PROOF',
          `checksum log ${this.opts.url} answered for ${e.name}@${e.version} with a record for ${key}`,
        );
      }
      const proof = e.proof.map((i) => proofHash(hashes, i, this.opts.url));
      this.checkLeaf(
        proof,
        shared,
        e.index,
        e.record,
        key,
        'its inclusion proof does not match its signed checkpoint',
      );
      found.set(key, {
        record,
        text: e.record,
        index: e.index,
        checkpointSize: checkpoint.size,
        origin: checkpoint.origin,
        proof,
        checkpoint: trusted,
      });
    }
    const pending = doc.pending.filter(
      (p) => wanted.has(`${p.name}@${p.version}`) && !found.has(`${p.name}@${p.version}`),
    );
    return { found, missing: doc.missing, pending };
  }

  /** Throws INVALID_PROOF naming the package unless the record is at `index` under `inclusion`'s checkpoint. */
  private checkLeaf(
    proof: readonly Hash[],
    inclusion: SharedInclusion,
    index: number,
    text: string,
    key: string,
    why: string,
  ): void {
    try {
      inclusion.check(proof, index, recordTextHash(text));
    } catch (err) {
      throw new SumgateError(
        'INVALID_PROOF',
        `checksum log ${this.opts.url}: ${key} (leaf ${index}): ${why}`,
        {
          pkg: key,
          fix: 'the log or a proxy in front of it is serving bad proofs, tiles or records; report it to the log operator',
          cause: err,
        },
      );
    }
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
    const res = await this.requester.get(`lookup/${recordKey(name, version)}`, { absent: [404] });
    if (res === undefined) return undefined;
    const { index, record: text, note } = parseLookupResponse(res.toString('utf8'));
    const record = parseRecord(text);
    const key = `${name}@${version}`;
    if (record.name !== name || record.version !== version) {
      throw new SumgateError(
        'INVALID_PROOF',
        `checksum log ${this.opts.url} answered a lookup of ${key} with a record for ${record.name}@${record.version}`,
      );
    }
    const trusted = await this.history.accept(note);
    const { checkpoint } = trusted;
    if (index >= checkpoint.size)
      throw new SumgateError(
        'INVALID_PROOF',
        `checksum log ${this.opts.url}: leaf ${index} of ${key} is beyond its checkpoint (size ${checkpoint.size})`,
      );
    const tiles = new TileFetcher(this.requester, this.history.tileDir(trusted.keyId), this.ops.files);
    const needed = tilesForComputation(checkpoint.size, (read) =>
      proveInclusion(index, checkpoint.size, read),
    );
    const prove = (): Hash[] =>
      proveInclusion(index, checkpoint.size, new TileHashReader(checkpoint.size, (t) => tiles.get(t)).read);
    const fetch = async (again: boolean): Promise<void> => {
      try {
        await (again ? tiles.refetchCached(needed) : tiles.fetchAll(needed));
      } catch (e) {
        throw e instanceof TileAbsentError ? unreachable(this.opts.url, e) : e;
      }
    };
    await fetch(false);
    let proof = prove();
    const why = "it is not proven by the log's tiles under its signed checkpoint";
    try {
      checkInclusion(proof, checkpoint.size, checkpoint.root, index, recordTextHash(text));
    } catch {
      if (tiles.usedCache) {
        await fetch(true);
        proof = prove();
      }
      this.checkLeaf(proof, new SharedInclusion(checkpoint.size, checkpoint.root), index, text, key, why);
    }
    tiles.save();
    return {
      record,
      text,
      index,
      checkpointSize: checkpoint.size,
      origin: checkpoint.origin,
      proof,
      checkpoint: trusted,
    };
  }

  /**
   * The log's list of `name`'s versions below `below` on its track (versionList.ts). A log without
   * the endpoint (HTTP 404: older than this client) is `unsupported`; any other failure throws
   * (LOG_UNREACHABLE, fail closed), never an empty list.
   */
  async versionsBelow(name: string, below: string): Promise<VersionListAnswer> {
    const path = versionListPath(name, below);
    const body = await this.requester.get(path, { absent: [404], maxBytes: 1 << 20 });
    if (body === undefined)
      return {
        unsupported: `the checksum log ${this.opts.url} does not list versions (HTTP 404 on GET /versions/: a log older than this client)`,
      };
    return { list: parseVersionList(body, this.opts.url, name, below) };
  }

  /** Fetches, verifies and merges the log's current checkpoint. */
  async latest(): Promise<Checkpoint> {
    const res = await this.requester.get('checkpoint');
    return (await this.history.accept(res.toString('utf8'))).checkpoint;
  }

  /** Opens a signed checkpoint with the pinned keys and merges it with the remembered one. */
  async verifyCheckpoint(noteText: string): Promise<{ checkpoint: Checkpoint; trusted: TrustedCheckpoint }> {
    const trusted = await this.history.accept(noteText);
    return { checkpoint: trusted.checkpoint, trusted };
  }
}
