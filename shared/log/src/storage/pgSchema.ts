/**
 * The PostgreSQL schema of a log (Tessera's MySQL storage is the model: sequencing, entry bundles
 * and tiles in one database, one transaction per batch). One database holds one log.
 *
 *   sumgate_meta        origin and verifier key of the log stored here
 *   sumgate_checkpoint  one row: the sequencer's signed size and note (signed_*), and the checkpoint
 *                       readers serve (size, root, note; with witness cosignatures when configured)
 *   sumgate_leaf        the name@version index: key `<escaped name>@<version>` -> leaf index and
 *                       record text (first record wins: the key is the primary key)
 *   sumgate_bundle      c2sp.org/tlog-tiles entry bundles, by bundle index, with their width
 *   sumgate_tile        hash tiles with their internal levels (pgTiles.ts), by (level, index)
 *   sumgate_evidence    refused conflicting observations (evidence.ts), by key
 *
 * A batch's leaves, bundles, tiles and signed checkpoint are written in ONE transaction, so the
 * database never holds a tile or an entry that its signed checkpoint does not cover, and a commit
 * is the durability point (synchronous_commit, PostgreSQL's default).
 */
import type { Sql } from 'postgres';

export const SCHEMA_FORMAT = 'sumgate-log-pg/1';

/** pg_advisory_lock key held by the one sequencer of a database ("sumg" in ASCII). */
export const SEQUENCER_LOCK = 0x73756d67;

export async function createSchema(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    // Serialises concurrent first starts.
    await tx`SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK + 1}::bigint)`;
    await tx`CREATE TABLE IF NOT EXISTS sumgate_meta (
      id int PRIMARY KEY CHECK (id = 1), format text NOT NULL, origin text NOT NULL, vkey text NOT NULL)`;
    await tx`CREATE TABLE IF NOT EXISTS sumgate_checkpoint (
      id int PRIMARY KEY CHECK (id = 1),
      signed_size bigint NOT NULL, signed_note text NOT NULL,
      size bigint NOT NULL, root bytea NOT NULL, note text NOT NULL)`;
    await tx`CREATE TABLE IF NOT EXISTS sumgate_leaf (
      key text COLLATE "C" PRIMARY KEY, idx bigint NOT NULL, record text NOT NULL)`;
    await tx`CREATE TABLE IF NOT EXISTS sumgate_bundle (idx bigint PRIMARY KEY, width int NOT NULL, data bytea NOT NULL)`;
    await tx`CREATE TABLE IF NOT EXISTS sumgate_tile (
      level smallint NOT NULL, idx bigint NOT NULL, width int NOT NULL, hashes bytea NOT NULL, PRIMARY KEY (level, idx))`;
    await tx`CREATE TABLE IF NOT EXISTS sumgate_evidence (key text COLLATE "C" PRIMARY KEY, body text NOT NULL)`;
    // Tiles and bundles are already compressed-looking bytes; storing them uncompressed saves CPU.
    await tx`ALTER TABLE sumgate_tile ALTER COLUMN hashes SET STORAGE EXTERNAL`;
    await tx`ALTER TABLE sumgate_bundle ALTER COLUMN data SET STORAGE EXTERNAL`;
  });
}

export interface StoredCheckpoint {
  signedSize: number;
  signedNote: string;
  size: number;
  root: Uint8Array;
  note: string;
}

export async function readMeta(
  sql: Sql,
): Promise<{ format: string; origin: string; vkey: string } | undefined> {
  const rows = await sql<
    { format: string; origin: string; vkey: string }[]
  >`SELECT format, origin, vkey FROM sumgate_meta WHERE id = 1`;
  return rows[0];
}

export async function readStoredCheckpoint(sql: Sql): Promise<StoredCheckpoint | undefined> {
  const rows = await sql<
    { signed_size: string; signed_note: string; size: string; root: Buffer; note: string }[]
  >`
    SELECT signed_size, signed_note, size, root, note FROM sumgate_checkpoint WHERE id = 1`;
  const r = rows[0];
  if (r === undefined) return undefined;
  return {
    signedSize: Number(r.signed_size),
    signedNote: r.signed_note,
    size: Number(r.size),
    root: r.root,
    note: r.note,
  };
}
