import { createHash } from 'node:crypto';
import { SumgateError } from '../errors.js';
import { keyHashHex, openCheckpoint, parseCosignerKey, parseVerifierKey } from '../tlog/index.js';
import type { Checkpoint, Verifier } from '../tlog/index.js';

/** A checkpoint whose signature verified under one of the pinned log keys (and the witness quorum). */
export interface TrustedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The signed note exactly as served. */
  readonly note: string;
  /** sha256 of the note (hex): how caches refer to it. */
  readonly noteHash: string;
  /** The pinned key that signed it (see `keyIdOf`). */
  readonly keyId: string;
  readonly keyName: string;
}

/**
 * Thrown when a pinned key signed a checkpoint whose origin line is not the key's name: the log is
 * signing another history under the same key (a split view through a new origin line). The log
 * client turns it into SECURITY_LOG_FORK with the note as evidence.
 */
export class ForeignOriginError extends Error {
  constructor(readonly opened: TrustedCheckpoint) {
    super(
      `the log key ${opened.keyName} signed a checkpoint for another origin, ${JSON.stringify(opened.checkpoint.origin)}`,
    );
    this.name = 'ForeignOriginError';
  }
}

function parsePinned(parse: () => Verifier, key: string, where: string): Verifier {
  try {
    return parse();
  } catch (e) {
    throw new SumgateError(
      'POLICY_INVALID',
      `${where}: ${key} in sumgate.jsonc is not a valid key: ${(e as Error).message}`,
      {
        fix: `copy the key exactly as the log operator published it (\`sumgate log init\` prints it; it is also the log's log.vkey file) into ${key}`,
        data: { key },
        cause: e,
      },
    );
  }
}

/** A stable, file-system-safe id of a pinned key: its name and the sha256 of the whole vkey. */
export function keyIdOf(vkey: string, name: string): string {
  return `${encodeURIComponent(name)}+${createHash('sha256').update(vkey.trim()).digest('hex').slice(0, 32)}`;
}

export function noteHashOf(note: string): string {
  return createHash('sha256').update(note).digest('hex');
}

/**
 * The only source of trust: the log's pinned verifier keys (policy `log.vkeys`) and witnesses.
 * A checkpoint is trusted when one pinned key signed it AND its origin is that key's name
 * (c2sp.org/tlog-checkpoint: the origin identifies the log, the key name must equal it). Each
 * distinct note's signatures are checked once per process.
 */
export class PinnedKeys {
  private readonly keys: ReadonlyArray<{ verifier: Verifier; keyId: string }>;
  private readonly witnesses: { verifiers: Verifier[]; quorum: number } | undefined;
  private readonly opened = new Map<string, TrustedCheckpoint>();
  /** sha256 over every pinned key and the witness policy: what caches and memos are bound to. */
  readonly fingerprint: string;

  constructor(
    vkeys: readonly string[],
    witnesses: { readonly keys: readonly string[]; readonly quorum: number } | undefined,
    private readonly where: string,
  ) {
    this.keys = vkeys.map((k, i) => {
      const verifier = parsePinned(() => parseVerifierKey(k), `log.vkeys[${i}]`, where);
      return { verifier, keyId: keyIdOf(k, verifier.name) };
    });
    this.witnesses =
      witnesses === undefined
        ? undefined
        : {
            verifiers: witnesses.keys.map((k, i) =>
              parsePinned(() => parseCosignerKey(k), `log.witnesses.keys[${i}]`, where),
            ),
            quorum: witnesses.quorum,
          };
    this.fingerprint = createHash('sha256')
      .update(JSON.stringify({ vkeys: [...vkeys].map((k) => k.trim()).sort(), witnesses }))
      .digest('hex');
  }

  get keyIds(): string[] {
    return this.keys.map((k) => k.keyId);
  }

  /** Opens a signed checkpoint (attacker-controlled) with the pinned keys; throws ForeignOriginError on an origin that is not the key's name. */
  open(note: string): TrustedCheckpoint {
    const known = this.opened.get(note);
    if (known !== undefined) return known;
    let lastError: unknown;
    for (const { verifier, keyId } of this.keys) {
      let checkpoint: Checkpoint;
      try {
        checkpoint = openCheckpoint(note, verifier, this.witnesses).checkpoint;
      } catch (e) {
        lastError = e;
        continue;
      }
      const trusted: TrustedCheckpoint = {
        checkpoint,
        note,
        noteHash: noteHashOf(note),
        keyId,
        keyName: verifier.name,
      };
      if (checkpoint.origin !== verifier.name) throw new ForeignOriginError(trusted);
      this.opened.set(note, trusted);
      return trusted;
    }
    if (lastError instanceof SumgateError) {
      throw new SumgateError(lastError.code, `${this.where}: ${lastError.message}`, {
        fix:
          lastError.code === 'WITNESS_QUORUM'
            ? lastError.fix
            : `check log.vkeys (and log.witnesses) in sumgate.jsonc against the key the log operator published (pinned: ${this.keys.map((k) => `${k.verifier.name}+${keyHashHex(k.verifier.keyHash)}`).join(', ')})`,
        data: lastError.data,
        cause: lastError,
      });
    }
    throw lastError;
  }
}
