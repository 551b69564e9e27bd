import type { CachedFacts, FactsCache, ProvenEntry } from '../cache/factsCache.js';
import type { LogClient, LoggedRecord } from '../client/logClient.js';
import type { TrustedCheckpoint } from '../client/pinnedKeys.js';
import { parseRecord } from '../record/npmRecord.js';
import { SharedInclusion } from '../client/sharedInclusion.js';
import { HASH_SIZE, recordTextHash } from '../tlog/index.js';
import type { Hash } from '../tlog/index.js';

export interface PackageKey {
  readonly name: string;
  readonly version: string;
}

export function keyOf(p: PackageKey): string {
  return `${p.name}@${p.version}`;
}

/** Why a proof-carrying entry was not believed; undefined reason kinds are silent misses. */
export type EntryCheck =
  | { readonly logged: LoggedRecord }
  | { readonly refused: string; readonly quiet: boolean };

/**
 * Proves records: from the proof-carrying facts cache when an entry checks out against the pinned
 * keys and the remembered checkpoint, else from the log (batched). Every cached proof is checked
 * again on every read (a few hashes per package; each checkpoint's signature once per process), so
 * a cache copied between machines, restored by CI or shared with others is safe to use.
 */
export class RecordProver {
  /** Records proven in this process, by name@version. */
  private readonly proven = new Map<string, LoggedRecord>();
  /** Interior nodes already verified under each checkpoint (by note hash): proofs share their upper levels. */
  private readonly shared = new Map<string, SharedInclusion>();

  constructor(
    private readonly log: () => LogClient,
    private readonly facts: FactsCache,
    private readonly say: (line: string) => void,
    private readonly ingest: () => boolean,
  ) {}

  /** A record proven in this process. */
  get(p: PackageKey): LoggedRecord | undefined {
    return this.proven.get(keyOf(p));
  }

  /**
   * The cached facts of name@version whose record has this integrity (any when undefined), with
   * the record proven again from the entry's own proof. A forged, damaged or foreign entry is a
   * miss (said aloud, naming the file), never a fact.
   */
  async cached(
    p: PackageKey & { readonly integrity?: string | undefined },
  ): Promise<{ logged: LoggedRecord; facts: CachedFacts } | undefined> {
    const read = this.facts.read(p.name, p.version);
    if (read === undefined) return undefined;
    if ('corrupt' in read) {
      this.say(
        `sumgate: ignored the cache entry ${read.file} for ${keyOf(p)}: ${read.corrupt}; proving it in the log again (the entry is rewritten)`,
      );
      return undefined;
    }
    const check = await this.checkEntry(read.facts.proven, p);
    if ('refused' in check) {
      if (!check.quiet)
        this.say(
          `sumgate: refused the cache entry ${read.file} for ${keyOf(p)}: ${check.refused}; proving it in the log again (the entry is rewritten)`,
        );
      return undefined;
    }
    if (p.integrity !== undefined && check.logged.record.integrity !== p.integrity) return undefined; // the log decides
    this.proven.set(keyOf(p), check.logged);
    return { logged: check.logged, facts: read.facts };
  }

  /** Checks a proof-carrying entry for name@version: its checkpoint is trusted and the path leads from its record to that root. */
  async checkEntry(e: ProvenEntry, p: PackageKey): Promise<EntryCheck> {
    return this.checkEntryUnder(await this.trustedFor(e), e, p);
  }

  /** The trusted checkpoint an entry names (undefined: not trusted now); once per checkpoint per process. */
  trustedFor(e: ProvenEntry): Promise<TrustedCheckpoint | undefined> {
    return this.log().history.trusted(e.key, e.checkpoint);
  }

  /** The synchronous part of checkEntry, for many entries under one already-trusted checkpoint. */
  checkEntryUnder(trusted: TrustedCheckpoint | undefined, e: ProvenEntry, p: PackageKey): EntryCheck {
    if (trusted === undefined) {
      const pinned = this.log().keys.keyIds.includes(e.key);
      return {
        refused: pinned
          ? 'its checkpoint is missing, not signed by the pinned log key, or cannot be checked against the remembered one now'
          : 'it was proven under another log key than the pinned log.vkeys',
        quiet: !pinned,
      };
    }
    let record: ReturnType<typeof parseRecord>;
    let proof: Hash[];
    try {
      record = parseRecord(e.record);
      proof = splitProof(e.proof);
    } catch (err) {
      return { refused: `its record or proof is malformed (${(err as Error).message})`, quiet: false };
    }
    if (record.name !== p.name || record.version !== p.version)
      return { refused: `it holds the record of ${record.name}@${record.version}`, quiet: false };
    const { checkpoint } = trusted;
    let shared = this.shared.get(trusted.noteHash);
    if (shared === undefined) {
      shared = new SharedInclusion(checkpoint.size, checkpoint.root);
      this.shared.set(trusted.noteHash, shared);
    }
    try {
      shared.check(proof, e.index, recordTextHash(e.record));
    } catch {
      return {
        refused: `its record is not proven under the signed checkpoint of size ${checkpoint.size} it names (a forged or damaged entry)`,
        quiet: false,
      };
    }
    return {
      logged: {
        record,
        text: e.record,
        index: e.index,
        checkpointSize: checkpoint.size,
        origin: checkpoint.origin,
        proof,
        checkpoint: trusted,
      },
    };
  }

  /** Proves records in the log (batched), caches each proven one; returns why each unproven one is absent. */
  async prove(pkgs: readonly PackageKey[]): Promise<Map<string, string>> {
    const absent = new Map<string, string>();
    const todo = pkgs.filter((p) => !this.proven.has(keyOf(p)));
    if (todo.length === 0) return absent;
    const r = await this.log().lookupMany(todo, this.ingest());
    for (const [k, v] of r.found) this.proven.set(k, v);
    for (const m of r.missing) absent.set(`${m.name}@${m.version}`, m.reason);
    for (const p of todo) {
      const proven = this.proven.get(keyOf(p));
      if (proven !== undefined) this.remember(p, proven);
    }
    return absent;
  }

  /** Caches the proof of a version, plus facts gathered about it (only what succeeded). */
  remember(
    p: PackageKey,
    logged: LoggedRecord,
    extra: Pick<CachedFacts, 'previous' | 'metadata'> = {},
  ): void {
    this.facts.write(p.name, p.version, { v: 3, proven: entryOf(logged), ...extra });
  }
}

/** The proof-carrying form of a proven record (its checkpoint note is kept by the log history when accepted). */
export function entryOf(logged: LoggedRecord): ProvenEntry {
  return {
    record: logged.text,
    index: logged.index,
    proof: Buffer.concat(logged.proof).toString('base64'),
    key: logged.checkpoint.keyId,
    checkpoint: logged.checkpoint.noteHash,
  };
}

/** The hashes of a cached proof. Lenient base64 is fine here: whatever bytes come out must still verify. */
function splitProof(b64: string): Hash[] {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % HASH_SIZE !== 0) throw new Error('the proof is not whole 32-byte hashes');
  const out: Hash[] = [];
  for (let i = 0; i < bytes.length; i += HASH_SIZE) out.push(bytes.subarray(i, i + HASH_SIZE));
  return out;
}
