/**
 * The one sequencer of a log in PostgreSQL (`sumgate log serve --dir <keys> --postgres <url>`).
 *
 * - It holds a session advisory lock for its lifetime: a second sequencer on the same database is
 *   refused, and the lock goes away with a killed process's connection.
 * - Group commit (sequencer.ts): each batch gets contiguous leaf indices, and its leaves (the
 *   name@version index), entry bundles, hash tiles and the signed checkpoint are written in ONE
 *   transaction, fenced on the signed size it started from. The commit is the durability point;
 *   only then is the checkpoint published (after the witness round, when witnesses are configured).
 * - Start time does not depend on the log's size: it reads the checkpoint and the right edge of the
 *   tree (at most one tile per tile level, one bundle) and checks the recomputed root against the
 *   signed one (LOG_MISMATCH otherwise).
 */
import { readFileSync } from 'node:fs';
import {
  decodeEntryBundle,
  EMPTY_TREE_HASH,
  encodeEntryBundle,
  formatCheckpoint,
  type Hash,
  hashEqual,
  neededSubtrees,
  type NpmRecord,
  openCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  proveConsistency,
  recordHash,
  type Signer,
  signNote,
  type SubtreeReader,
  SumgateError,
  TILE_WIDTH,
  toBase64,
  treeHash,
} from '@sumgate/core';
import type { Evidence, Observation } from '../evidence.js';
import type { AppendResult, PublishedCheckpoint } from '../log.js';
import type { AppendableLogView } from '../logView.js';
import { logFile, readLogConfig } from '../logFiles.js';
import { FirstRecordWins, type LoggedEntry, logConflict, recordEntry } from '../firstRecordWins.js';
import { KeyedQueue } from '../keyedQueue.js';
import { type CommitResult, Sequencer, type QueuedEntry } from '../sequencer.js';
import type { WitnessSubmitter } from '../witness/witnessSubmitter.js';
import { connect, PgLogReader, redact } from './pgReader.js';
import { createSchema, readMeta, readStoredCheckpoint, SCHEMA_FORMAT, SEQUENCER_LOCK } from './pgSchema.js';
import { type GrowingTile, TreeEdge } from './pgTiles.js';

export interface OpenPgLogOptions {
  /** The log directory holding log.json, log.skey and log.vkey (sumgate log init). */
  dir: string;
  url: string;
  batchMaxDelayMs?: number;
  batchMaxEntries?: number;
  maxConnections?: number;
  witnesses?: WitnessSubmitter | undefined;
}

/** `npm <escaped> <version> ...` -> recordKey `<escaped>@<version>`, sliced from the text. */
export function keyOfRecordText(text: string): string {
  const sp1 = text.indexOf(' ', 4);
  const sp2 = text.indexOf(' ', sp1 + 1);
  if (!text.startsWith('npm ') || sp1 < 0 || sp2 < 0) throw new Error('Assertion failed: not an npm record');
  return `${text.slice(4, sp1)}@${text.slice(sp1 + 1, sp2)}`;
}

/** The entry bundle still growing at the right edge. */
class GrowingBundle {
  constructor(
    public index: number,
    public entries: Uint8Array[],
  ) {}
}

export class PgLog extends PgLogReader implements AppendableLogView {
  private readonly sequencer: Sequencer;
  private readonly appends: FirstRecordWins;
  private readonly evidenceWrites = new KeyedQueue();
  private published: PublishedCheckpoint;
  private signedSize: number;
  private closed = false;

  private constructor(
    sql: ReturnType<typeof connect>,
    origin: string,
    vkey: string,
    private readonly signer: Signer,
    private readonly lockConn: Awaited<ReturnType<ReturnType<typeof connect>['reserve']>>,
    private readonly edge: TreeEdge,
    private bundle: GrowingBundle,
    published: PublishedCheckpoint,
    signedSize: number,
    private readonly opts: OpenPgLogOptions,
  ) {
    super(sql, origin, vkey, 0);
    this.published = published;
    this.signedSize = signedSize;
    this.cached = { cp: published, at: Number.POSITIVE_INFINITY };
    this.sequencer = new Sequencer((batch) => this.commit(batch), {
      maxDelayMs: opts.batchMaxDelayMs ?? 5,
      maxEntries: opts.batchMaxEntries ?? 8192,
    });
    // No lookup before queueing: the commit checks first record wins in its transaction.
    this.appends = new FirstRecordWins(undefined, this.sequencer);
  }

  static async openSequencer(opts: OpenPgLogOptions): Promise<PgLog> {
    const { origin } = readLogConfig(opts.dir);
    const signer = parseSignerKey(readFileSync(logFile.skey(opts.dir), 'utf8').trim());
    const vkey = readFileSync(logFile.vkey(opts.dir), 'utf8').trim();
    const verifier = parseVerifierKey(vkey);
    if (signer.name !== origin || verifier.name !== origin || signer.keyHash !== verifier.keyHash) {
      throw new SumgateError('USAGE', `the keys in ${opts.dir} do not belong to log ${origin}`, {
        fix: 'restore log.skey and log.vkey from the same sumgate log init',
      });
    }
    const sql = connect(opts.url, opts.maxConnections ?? 8);
    let lockConn: Awaited<ReturnType<typeof sql.reserve>> | undefined;
    try {
      lockConn = await sql.reserve();
      const [got] = await lockConn<
        { ok: boolean }[]
      >`SELECT pg_try_advisory_lock(${SEQUENCER_LOCK}::bigint) AS ok`;
      if (got?.ok !== true) {
        throw new SumgateError('USAGE', `another sequencer already runs on ${redact(opts.url)}`, {
          fix: 'run one sequencer per database; start more readers with --read-only',
        });
      }
      await createSchema(sql);
      await initialise(sql, origin, vkey, signer);
      const meta = (await readMeta(sql))!;
      if (meta.origin !== origin || meta.vkey !== vkey || meta.format !== SCHEMA_FORMAT) {
        throw new SumgateError(
          'USAGE',
          `${redact(opts.url)} holds log ${meta.origin} (${meta.format}), not ${origin} with the key in ${opts.dir}`,
          {
            fix: 'use one database per log',
          },
        );
      }
      const stored = (await readStoredCheckpoint(sql))!;
      const signed = openCheckpoint(stored.signedNote, verifier, undefined, {
        expectOrigin: origin,
      }).checkpoint;
      const served = openCheckpoint(stored.note, verifier, undefined, { expectOrigin: origin }).checkpoint;
      if (signed.size !== stored.signedSize || served.size !== stored.size || served.size > signed.size) {
        throw mismatch(opts.url, 'the checkpoint row disagrees with its signed notes');
      }
      const edge = await TreeEdge.load(signed.size, async (level, index) => {
        const rows = await sql<
          { width: number; hashes: Buffer }[]
        >`SELECT width, hashes FROM sumgate_tile WHERE level = ${level} AND idx = ${index}`;
        if (rows[0] === undefined) throw mismatch(opts.url, `tile ${level}/${index} is missing`);
        return { row: rows[0].hashes, width: rows[0].width };
      });
      const root = signed.size === 0 ? EMPTY_TREE_HASH : treeHash(signed.size, edge.read);
      if (!hashEqual(root, signed.root)) {
        throw mismatch(
          opts.url,
          `the stored tree of size ${signed.size} has root ${toBase64(root)}, the signed checkpoint says ${toBase64(signed.root)}`,
        );
      }
      const bundleIndex = Math.floor(signed.size / TILE_WIDTH);
      const bundleWidth = signed.size % TILE_WIDTH;
      let entries: Uint8Array[] = [];
      if (bundleWidth > 0) {
        const loaded = await new PgBundleLoader(sql).load(bundleIndex);
        if (loaded.length < bundleWidth)
          throw mismatch(
            opts.url,
            `entry bundle ${bundleIndex} holds ${loaded.length} entries, the signed size needs ${bundleWidth}`,
          );
        entries = loaded.slice(0, bundleWidth);
      }
      const log = new PgLog(
        sql,
        origin,
        vkey,
        signer,
        lockConn,
        edge,
        new GrowingBundle(bundleIndex, entries),
        { size: served.size, root: served.root, note: stored.note },
        signed.size,
        opts,
      );
      if (served.size < signed.size || opts.witnesses !== undefined) {
        // Committed but not yet published (a crash during a witness round), or witnesses to ask.
        await log.publish(signed.size, stored.signedNote, signed.root);
      }
      return log;
    } catch (e) {
      lockConn?.release();
      await sql.end({ timeout: 1 });
      throw e;
    }
  }

  override async checkpoint(): Promise<PublishedCheckpoint> {
    return this.published;
  }

  override async checkpointCovering(): Promise<PublishedCheckpoint> {
    return this.published;
  }

  get size(): number {
    return this.published.size;
  }

  /** Same contract as the embedded Log.append: the first record per name@version wins forever. */
  async append(record: NpmRecord | string, source = 'append'): Promise<AppendResult> {
    if (this.closed) throw new SumgateError('USAGE', 'the log is closed');
    const { text, key, bytes } = recordEntry(record, keyOfRecordText);
    const outcome = await this.appends.append(key, bytes);
    if (outcome.conflict === true) return this.refuse(key, outcome.index, text, source);
    return { index: outcome.index, existing: outcome.existing };
  }

  private async refuse(key: string, index: number, text: string, source: string): Promise<never> {
    await this.evidenceWrites.run(key, async () => {
      const logged = (await this.storedLeaf(key))?.record ?? '';
      const observation: Observation = { record: text, source, observedAt: new Date().toISOString() };
      const ev: Evidence = (await this.evidence(key)) ?? { key, index, logged, observations: [] };
      if (!ev.observations.some((o) => o.record === text) && ev.observations.length < 100) {
        ev.observations.push(observation);
        await this.sql`INSERT INTO sumgate_evidence (key, body) VALUES (${key}, ${JSON.stringify(ev)})
          ON CONFLICT (key) DO UPDATE SET body = EXCLUDED.body`;
      }
    });
    throw logConflict(text, index, source, key);
  }

  /**
   * One transaction per batch; then the witness round and publication. First record wins is checked
   * by the batch's own leaf insert (the key is sumgate_leaf's primary key): appends are queued
   * without a lookup, and a batch holding a key already logged (rare: ingestion looks keys up
   * before it appends; a recheck with a changed record, an identical re-append) fails its insert
   * with a unique violation before anything else of the batch is written. Then the transaction is
   * rolled back, the stored keys are read on the same connection, and the batch is committed again
   * without them, so the new entries keep contiguous indices and the others resolve with the
   * stored entry. The advisory lock makes this connection the only writer.
   */
  private async commit(batch: readonly QueuedEntry[]): Promise<CommitResult> {
    let logged: Map<string, LoggedEntry> | undefined;
    let fresh = batch;
    for (;;) {
      if (fresh.length === 0) return { first: this.signedSize, logged };
      const first = await this.commitNew(fresh);
      if (first !== undefined) return { first, logged };
      const keys = fresh.map((b) => b.key);
      const rows = await this.lockConn<
        { key: string; idx: string; record: string }[]
      >`SELECT key, idx, record FROM sumgate_leaf WHERE key = ANY(${keys}::text[])`;
      if (rows.length === 0) {
        throw new Error('Assertion failed: the leaf insert conflicted but none of its keys is stored');
      }
      logged ??= new Map();
      for (const r of rows)
        logged.set(r.key, { index: Number(r.idx), bytes: Buffer.from(r.record, 'latin1') });
      const known = logged;
      fresh = fresh.filter((b) => !known.has(b.key));
    }
  }

  /**
   * Commits `batch` (keys not in flight, each once) at the signed size, or returns undefined, with
   * nothing written and nothing changed here, when one of its keys is already stored.
   */
  private async commitNew(batch: readonly QueuedEntry[]): Promise<number | undefined> {
    const first = this.signedSize;
    const size = first + batch.length;
    const { keys, records } = joinLeaves(batch);
    // On the sequencer's own reserved connection (the one holding the advisory lock): a transaction
    // from the pool would queue behind other queries pipelined on the pool's busy connections
    // (postgres.js).
    const c = this.lockConn;
    await c`BEGIN`;
    const edgeMark = this.edge.mark();
    const bundleMark = { bundle: this.bundle, width: this.bundle.entries.length };
    let tiles: GrowingTile[];
    let bundleData: Array<{ idx: number; width: number; data: Buffer }>;
    let root: Hash;
    let note: string;
    try {
      // The fence and the leaf insert go first; the batch's hashes, tiles, bundles and signed
      // checkpoint are computed while they run, and undone if the insert finds a logged key. The
      // rows are inserted in key order (their indices are numbered in queue order before the sort):
      // the primary key index is then walked left to right once instead of at random (at 1M
      // entries 77 -> 59 ms per 10,000-entry insert).
      const started = Promise.all([
        c<{ signed_size: string }[]>`SELECT signed_size FROM sumgate_checkpoint WHERE id = 1 FOR UPDATE`,
        c`INSERT INTO sumgate_leaf (key, idx, record)
          SELECT k, ${first}::bigint + o - 1, r
          FROM unnest(string_to_array(${keys}::text, chr(31)), string_to_array(${records}::text, chr(31)))
            WITH ORDINALITY AS t(k, r, o) ORDER BY k`,
      ]);
      started.catch(() => undefined); // awaited below
      this.edge.appendLeaves(batch.map((b) => recordHash(b.bytes)));
      tiles = this.edge.takeChanged();
      const touched = new Map<number, GrowingBundle>();
      for (const b of batch) {
        if (this.bundle.entries.length === TILE_WIDTH)
          this.bundle = new GrowingBundle(this.bundle.index + 1, []);
        this.bundle.entries.push(b.bytes);
        touched.set(this.bundle.index, this.bundle);
      }
      bundleData = [...touched.values()].map((g) => ({
        idx: g.index,
        width: g.entries.length,
        data: Buffer.from(encodeEntryBundle(g.entries)),
      }));
      root = treeHash(size, this.edge.read);
      note = signNote(formatCheckpoint({ origin: this.origin, size, root, extensions: [] }), [this.signer]);
      let fence: { signed_size: string }[];
      try {
        [fence] = await started;
      } catch (e) {
        if (!isLeafConflict(e)) throw e;
        this.edge.rewind(edgeMark);
        this.bundle = bundleMark.bundle;
        this.bundle.entries.length = bundleMark.width;
        await c`ROLLBACK`;
        return undefined;
      }
      const row = fence[0];
      if (row === undefined || Number(row.signed_size) !== first) {
        throw mismatch(
          this.opts.url,
          `another writer moved the log to size ${row?.signed_size ?? '?'} (this sequencer was at ${first})`,
        );
      }
    } catch (e) {
      // The in-memory edge may be ahead of the database now: the sequencer refuses everything
      // until the log is reopened (sequencer.ts).
      await c`ROLLBACK`.catch(() => undefined);
      throw e;
    }
    const publishNow = this.opts.witnesses === undefined;
    try {
      await Promise.all([
        ...tiles.map(
          (
            t,
          ) => c`INSERT INTO sumgate_tile (level, idx, width, hashes) VALUES (${t.level}, ${t.index}, ${t.width}, ${t.row()})
          ON CONFLICT (level, idx) DO UPDATE SET width = EXCLUDED.width, hashes = EXCLUDED.hashes`,
        ),
        ...bundleData.map(
          (b) => c`INSERT INTO sumgate_bundle (idx, width, data) VALUES (${b.idx}, ${b.width}, ${b.data})
          ON CONFLICT (idx) DO UPDATE SET width = EXCLUDED.width, data = EXCLUDED.data`,
        ),
        publishNow
          ? c`UPDATE sumgate_checkpoint SET signed_size = ${size}, signed_note = ${note}, size = ${size}, root = ${Buffer.from(root)}, note = ${note} WHERE id = 1`
          : c`UPDATE sumgate_checkpoint SET signed_size = ${size}, signed_note = ${note} WHERE id = 1`,
      ]);
      await c`COMMIT`;
    } catch (e) {
      // A lost connection leaves the outcome unknown; the sequencer then refuses everything until
      // the log is reopened from its stored checkpoint.
      await c`ROLLBACK`.catch(() => undefined);
      throw e;
    }
    this.signedSize = size;
    if (publishNow) this.published = { size, root, note };
    else await this.publish(size, note, root);
    this.cached = { cp: this.published, at: Number.POSITIVE_INFINITY };
    return first;
  }

  /** Asks the witnesses to cosign a committed checkpoint, then publishes it (database row first). */
  private async publish(size: number, note: string, root: Uint8Array): Promise<void> {
    const served =
      this.opts.witnesses === undefined
        ? note
        : await this.opts.witnesses.cosign(note, size, (m, n) => this.proveCommitted(m, n));
    await this
      .sql`UPDATE sumgate_checkpoint SET size = ${size}, root = ${Buffer.from(root)}, note = ${served} WHERE id = 1 AND signed_size = ${size}`;
    this.published = { size, root, note: served };
    this.cached = { cp: this.published, at: Number.POSITIVE_INFINITY };
  }

  /** Consistency proofs up to the committed (not necessarily published) size, for witnesses. */
  private async proveCommitted(m: number, n: number): Promise<Hash[]> {
    const fn = (read: SubtreeReader): Hash[] => proveConsistency(m, n, read);
    return fn(await this.subtrees(neededSubtrees(fn)));
  }

  /** Waits for queued appends, then releases the sequencer lock. */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sequencer.flush().catch(() => undefined);
    this.lockConn.release();
    await super.close();
  }
}

/** First start on an empty database: the metadata row and a signed checkpoint of size 0. */
async function initialise(
  sql: ReturnType<typeof connect>,
  origin: string,
  vkey: string,
  signer: Signer,
): Promise<void> {
  const note = signNote(formatCheckpoint({ origin, size: 0, root: EMPTY_TREE_HASH, extensions: [] }), [
    signer,
  ]);
  await sql.begin(async (tx) => {
    await tx`INSERT INTO sumgate_meta (id, format, origin, vkey) VALUES (1, ${SCHEMA_FORMAT}, ${origin}, ${vkey}) ON CONFLICT (id) DO NOTHING`;
    await tx`INSERT INTO sumgate_checkpoint (id, signed_size, signed_note, size, root, note)
      VALUES (1, 0, ${note}, 0, ${Buffer.from(EMPTY_TREE_HASH)}, ${note}) ON CONFLICT (id) DO NOTHING`;
  });
}

class PgBundleLoader {
  constructor(private readonly sql: ReturnType<typeof connect>) {}

  async load(index: number): Promise<Uint8Array[]> {
    const rows = await this.sql<
      { width: number; data: Buffer }[]
    >`SELECT width, data FROM sumgate_bundle WHERE idx = ${index}`;
    if (rows[0] === undefined) return [];
    return decodeEntryBundle(rows[0].data, rows[0].width).map((e) => Buffer.from(e));
  }
}

/**
 * A batch's keys and records, each list as one text joined by U+001F (string_to_array splits them
 * again): both are printable ASCII (records also hold newlines; parseRecord), so the separator
 * cannot occur in them, and one joined text costs less on both sides than a text[] literal, whose
 * every element is quoted and escaped.
 */
function joinLeaves(batch: readonly QueuedEntry[]): { keys: string; records: string } {
  let total = batch.length - 1;
  for (const b of batch) total += b.bytes.byteLength;
  const all = Buffer.allocUnsafe(total);
  let at = 0;
  for (const [i, b] of batch.entries()) {
    if (i > 0) all[at++] = 0x1f;
    all.set(b.bytes, at);
    at += b.bytes.byteLength;
  }
  return { keys: batch.map((b) => b.key).join('\x1f'), records: all.toString('latin1') };
}

/** A unique violation of the leaf table's key: the batch holds a key that is already logged. */
function isLeafConflict(e: unknown): boolean {
  const pg = e as { code?: unknown; constraint_name?: unknown };
  return pg.code === '23505' && pg.constraint_name === 'sumgate_leaf_pkey';
}

function mismatch(url: string, why: string): SumgateError {
  return new SumgateError(
    'LOG_MISMATCH',
    `the log in ${redact(url)} does not match its signed checkpoint: ${why}`,
    {
      fix: 'do not serve this log; restore the database from a backup (every checkpoint it ever published must stay consistent)',
    },
  );
}
