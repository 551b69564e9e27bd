/**
 * A stateless read frontend over a log in PostgreSQL (`sumgate log serve --postgres <url>
 * --read-only`): tiles, entry bundles, lookups, consistency and batch inclusion proofs, all read
 * from the database and bounded by the checkpoint it serves. Any number of these can run beside the
 * one sequencer (pgLog.ts); none holds state that grows with the log, so start time is constant.
 *
 * The served checkpoint is re-read from the database at most every `checkpointTtlMs` (c2sp.org/
 * tlog-tiles: a checkpoint may be cached for a few seconds), and at once when a request names
 * something beyond it (an entry committed after the cached checkpoint is served only with a
 * checkpoint that covers it).
 */
import postgres, { type Sql } from 'postgres';
import {
  decodeEntryBundle,
  type Hash,
  neededSubtrees,
  proveConsistency,
  proveInclusion,
  recordKey,
  type SubtreeReader,
  SumgateError,
  TILE_HEIGHT,
  TILE_WIDTH,
} from '@sumgate/core';
import type { Evidence } from '../evidence.js';
import type { PublishedCheckpoint } from '../log.js';
import type { LogView } from '../logView.js';
import type { ProofBatch, ProofBatchEntry, ProofRequest } from '../proofBatch.js';
import { ProofHashTable } from '../proofBatch.js';
import { KeyBatcher } from './keyBatcher.js';
import { LruCache } from './lruCache.js';
import { readMeta, readStoredCheckpoint, SCHEMA_FORMAT } from './pgSchema.js';
import { locateSubtree, subtreeFromRow, truncateRow } from './pgTiles.js';

export interface PgReaderOptions {
  /** How long a read checkpoint is served before it is read again (default 500 ms). */
  checkpointTtlMs?: number;
  /** Connections in the pool (default 8). */
  maxConnections?: number;
}

export interface LeafRow {
  index: number;
  record: string;
}

type TileRow = { row: Buffer; width: number };

export function connect(url: string, max: number): Sql {
  return postgres(url, { max, onnotice: () => undefined, idle_timeout: 0, connect_timeout: 10 });
}

export function notALog(url: string, why: string): SumgateError {
  return new SumgateError('USAGE', `${redact(url)} does not hold a sumgate log: ${why}`, {
    fix: 'start the sequencer first: sumgate log serve --dir <dir> --postgres <url> (it creates the schema)',
  });
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export class PgLogReader implements LogView {
  protected cached: { cp: PublishedCheckpoint; at: number } | undefined;
  private refreshing: Promise<PublishedCheckpoint> | undefined;
  private readonly leaves: KeyBatcher<LeafRow>;
  private readonly fullTiles = new LruCache<Buffer>(4096);

  protected constructor(
    readonly sql: Sql,
    readonly origin: string,
    readonly vkey: string,
    private readonly ttlMs: number,
  ) {
    this.leaves = new KeyBatcher((keys) => this.fetchLeaves(keys));
  }

  static async open(url: string, opts: PgReaderOptions = {}): Promise<PgLogReader> {
    const sql = connect(url, opts.maxConnections ?? 8);
    try {
      const meta = await readMeta(sql).catch((e: unknown) => {
        if ((e as { code?: string }).code === '42P01') return undefined; // no such table
        throw e;
      });
      if (meta === undefined) throw notALog(url, 'no sumgate_meta row');
      if (meta.format !== SCHEMA_FORMAT)
        throw notALog(url, `schema ${meta.format}, expected ${SCHEMA_FORMAT}`);
      const reader = new PgLogReader(sql, meta.origin, meta.vkey, opts.checkpointTtlMs ?? 500);
      await reader.refresh();
      return reader;
    } catch (e) {
      await sql.end({ timeout: 1 });
      throw e;
    }
  }

  /** Re-reads the served checkpoint (coalesced). */
  protected refresh(): Promise<PublishedCheckpoint> {
    this.refreshing ??= (async () => {
      try {
        const s = await readStoredCheckpoint(this.sql);
        if (s === undefined) throw new SumgateError('LOG_MISMATCH', 'the log database has no checkpoint row');
        const cp = { size: s.size, root: s.root, note: s.note };
        // Never go backwards: a reader on a lagging replica keeps the newer checkpoint it served.
        if (this.cached === undefined || cp.size >= this.cached.cp.size) this.cached = { cp, at: Date.now() };
        return this.cached.cp;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async checkpoint(): Promise<PublishedCheckpoint> {
    const c = this.cached;
    if (c !== undefined && Date.now() - c.at < this.ttlMs) return c.cp;
    return this.refresh();
  }

  /** A checkpoint of at least `size` if one is published, else the current one. */
  async checkpointCovering(size: number): Promise<PublishedCheckpoint> {
    const cp = await this.checkpoint();
    return cp.size >= size ? cp : this.refresh();
  }

  private async fetchLeaves(keys: string[]): Promise<Map<string, LeafRow>> {
    const rows = await this.sql<{ key: string; idx: string; record: string }[]>`
      SELECT key, idx, record FROM sumgate_leaf WHERE key = ANY(${keys}::text[])`;
    return new Map(rows.map((r) => [r.key, { index: Number(r.idx), record: r.record }]));
  }

  /** The stored row of a key, published or not (the sequencer's evidence of a conflict). */
  protected storedLeaf(key: string): Promise<LeafRow | undefined> {
    return this.leaves.get(key);
  }

  async lookup(key: string): Promise<LeafRow | undefined> {
    const found = await this.leaves.get(key);
    if (found === undefined) return undefined;
    const cp = await this.checkpointCovering(found.index + 1);
    return found.index < cp.size ? found : undefined;
  }

  /**
   * Published versions of an escaped name, a range scan of the primary key: in the "C" collation
   * every key `<escaped name>@<version>` lies in [`<escaped name>@`, `<escaped name>A`), since no
   * character sorts between '@' and 'A' and an escaped name has neither.
   */
  async versionsOf(escapedName: string, max: number): Promise<string[]> {
    const size = (await this.checkpoint()).size;
    const from = `${escapedName}@`;
    const rows = await this.sql<{ key: string }[]>`
      SELECT key FROM sumgate_leaf WHERE key >= ${from} AND key < ${`${escapedName}A`} AND idx < ${size}
      ORDER BY idx LIMIT ${max}`;
    return rows.map((r) => r.key.slice(from.length));
  }

  async lookupIndex(key: string): Promise<number | undefined> {
    return (await this.lookup(key))?.index;
  }

  private async tileRows(ids: ReadonlyArray<readonly [number, number]>): Promise<Map<string, TileRow>> {
    const out = new Map<string, TileRow>();
    const missing: Array<readonly [number, number]> = [];
    for (const [L, N] of ids) {
      const hit = this.fullTiles.get(`${L}/${N}`);
      if (hit !== undefined) out.set(`${L}/${N}`, { row: hit, width: TILE_WIDTH });
      else missing.push([L, N]);
    }
    if (missing.length > 0) {
      const rows = await this.sql<{ level: number; idx: string; width: number; hashes: Buffer }[]>`
        SELECT t.level, t.idx, t.width, t.hashes FROM sumgate_tile t
        JOIN unnest(${missing.map((m) => m[0])}::int[], ${missing.map((m) => m[1])}::bigint[]) AS w(level, idx)
          ON t.level = w.level AND t.idx = w.idx`;
      for (const r of rows) {
        const id = `${r.level}/${Number(r.idx)}`;
        out.set(id, { row: r.hashes, width: r.width });
        if (r.width === TILE_WIDTH) this.fullTiles.set(id, r.hashes);
      }
    }
    return out;
  }

  /** Fetches the stored hashes of complete subtrees, in as few queries as possible. */
  protected async subtrees(coords: ReadonlyArray<readonly [number, number]>): Promise<SubtreeReader> {
    const ids = new Map<string, readonly [number, number]>();
    for (const [j, k] of coords) {
      const t = locateSubtree(j, k);
      ids.set(`${t.level}/${t.index}`, [t.level, t.index]);
    }
    const rows = await this.tileRows([...ids.values()]);
    return (j, k) => {
      const t = locateSubtree(j, k);
      const r = rows.get(`${t.level}/${t.index}`);
      if (r === undefined || r.width < t.minWidth)
        throw new SumgateError('LOG_MISMATCH', `the log database lacks stored hash (${j}, ${k})`);
      return subtreeFromRow(r.row, r.width, j, k);
    };
  }

  private async withSubtrees<T>(fn: (read: SubtreeReader) => T): Promise<T> {
    return fn(await this.subtrees(neededSubtrees(fn)));
  }

  async readStoredHashes(j: number, start: number, n: number): Promise<Buffer> {
    await this.checkpointCovering(start + n === 0 ? 0 : (start + n) * 2 ** j);
    if (
      j % TILE_HEIGHT === 0 &&
      n > 0 &&
      Math.floor(start / TILE_WIDTH) === Math.floor((start + n - 1) / TILE_WIDTH) &&
      start % TILE_WIDTH === 0
    ) {
      const L = j / TILE_HEIGHT;
      const N = start / TILE_WIDTH;
      const r = (await this.tileRows([[L, N]])).get(`${L}/${N}`);
      if (r === undefined || r.width < n)
        throw new SumgateError('LOG_MISMATCH', `the log database lacks tile ${L}/${N} of width ${n}`);
      return Buffer.from(truncateRow(r.row, r.width, n).subarray(0, n * 32));
    }
    const coords = Array.from({ length: n }, (_, i) => [j, start + i] as const);
    const read = await this.subtrees(coords);
    return Buffer.concat(coords.map(([a, b]) => read(a, b)));
  }

  async readEntries(start: number, n: number): Promise<Buffer[]> {
    if (n === 0) return [];
    const first = Math.floor(start / TILE_WIDTH);
    const last = Math.floor((start + n - 1) / TILE_WIDTH);
    const rows = await this.sql<{ idx: string; width: number; data: Buffer }[]>`
      SELECT idx, width, data FROM sumgate_bundle WHERE idx BETWEEN ${first} AND ${last} ORDER BY idx`;
    const out: Buffer[] = [];
    for (const r of rows) {
      const base = Number(r.idx) * TILE_WIDTH;
      const entries = decodeEntryBundle(r.data, r.width);
      for (let i = 0; i < entries.length; i++) {
        if (base + i >= start && base + i < start + n) out.push(Buffer.from(entries[i]!));
      }
    }
    if (out.length !== n)
      throw new SumgateError('LOG_MISMATCH', `the log database lacks entries [${start}, ${start + n})`);
    return out;
  }

  async proveInclusion(index: number, size?: number): Promise<Hash[]> {
    const n = size ?? (await this.checkpoint()).size;
    if (n > (await this.checkpointCovering(n)).size)
      throw new RangeError('tree size beyond the published checkpoint');
    return this.withSubtrees((read) => proveInclusion(index, n, read));
  }

  async proveConsistency(m: number, n: number): Promise<Hash[]> {
    if (n > (await this.checkpointCovering(n)).size)
      throw new RangeError('tree size beyond the published checkpoint');
    return this.withSubtrees((read) => proveConsistency(m, n, read));
  }

  /** POST /proofs: every proof against one checkpoint, all hashes in one tile query. */
  async proofBatch(packages: readonly ProofRequest[]): Promise<ProofBatch> {
    const cp = await this.checkpoint();
    const seen = new Set<string>();
    const wanted: Array<ProofRequest & { key: string }> = [];
    for (const p of packages) {
      const key = recordKey(p.name, p.version);
      if (!seen.has(key)) {
        seen.add(key);
        wanted.push({ ...p, key });
      }
    }
    const found =
      wanted.length === 0 ? new Map<string, LeafRow>() : await this.fetchLeaves(wanted.map((w) => w.key));
    const proven: Array<{ p: ProofRequest; leaf: LeafRow }> = [];
    const missing: ProofBatch['missing'] = [];
    for (const p of wanted) {
      const leaf = found.get(p.key);
      if (leaf === undefined || leaf.index >= cp.size)
        missing.push({ name: p.name, version: p.version, reason: p.failure ?? 'not in the log' });
      else proven.push({ p, leaf });
    }
    const all = (read: SubtreeReader): Hash[][] =>
      proven.map(({ leaf }) => proveInclusion(leaf.index, cp.size, read));
    const proofs = await this.withSubtrees(all);
    const table = new ProofHashTable();
    const entries: ProofBatchEntry[] = proven.map(({ p, leaf }, i) => ({
      name: p.name,
      version: p.version,
      index: leaf.index,
      record: leaf.record,
      proof: table.slots(proofs[i]!),
    }));
    return { checkpoint: cp.note, hashes: table.base64(), entries, missing };
  }

  async evidence(key: string): Promise<Evidence | undefined> {
    const rows = await this.sql<{ body: string }[]>`SELECT body FROM sumgate_evidence WHERE key = ${key}`;
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].body) as Evidence);
  }

  /** Bytes of the log's tables and indexes (pg_total_relation_size). */
  async diskBytes(): Promise<number> {
    const rows = await this.sql<{ n: string }[]>`
      SELECT sum(pg_total_relation_size(c.oid))::bigint AS n FROM pg_class c
      WHERE c.relname IN ('sumgate_leaf', 'sumgate_bundle', 'sumgate_tile', 'sumgate_checkpoint', 'sumgate_meta', 'sumgate_evidence')`;
    return Number(rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
