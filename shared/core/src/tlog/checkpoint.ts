/**
 * c2sp.org/tlog-checkpoint: the signed tree head of a log, a signed note whose text is
 *
 *     <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n ...]
 */
import { SumgateError } from '../errors.js';
import { decodeBase64Strict } from '../base64.js';
import { HASH_SIZE, toBase64, type Hash } from './hash.js';
import { keyHashHex, openNote, parseNote, type Note, type Verifier } from './note.js';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
  extensions: string[];
}

/** A k-of-n witness policy (c2sp.org/tlog-proof "Verifying a tlog proof", step 3). */
export interface WitnessPolicy {
  verifiers: Verifier[];
  quorum: number;
}

export interface OpenCheckpointOptions {
  /**
   * The origin line the checkpoint must carry. Not checked by default: Go's sumdb signs with key
   * name `sum.golang.org` but its origin line is `go.sum database tree`.
   */
  expectOrigin?: string | undefined;
}

export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  note: Note;
  /** Names of the witnesses whose cosignatures verified. */
  cosigners: string[];
}

function malformed(why: string): SumgateError {
  return new SumgateError('MALFORMED_CHECKPOINT', `malformed checkpoint: ${why}`);
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Parses checkpoint note text (without signatures); attacker-controlled, so strict. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('text must end in a newline');
  if (/[\u0000-\u0009\u000B-\u001F]/.test(text)) throw malformed('control character');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    throw malformed('expected origin, tree size and root hash lines');
  }
  // c2sp.org/tlog-checkpoint "Note text": at least three non-empty lines; extension lines non-empty.
  if (lines.some((l) => l === '')) throw malformed('empty line');
  if (!DECIMAL.test(sizeLine)) throw malformed('tree size must be decimal without leading zeros');
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw malformed('tree size too large');
  const root = decodeBase64Strict(rootLine);
  if (root === undefined || root.length !== HASH_SIZE)
    throw malformed('root hash must be 32 bytes of base64');
  return { origin, size, root, extensions };
}

export function formatCheckpoint(c: Checkpoint): string {
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new RangeError('checkpoint size must be a safe integer');
  if (c.root.length !== HASH_SIZE) throw new RangeError('checkpoint root must be 32 bytes');
  for (const line of [c.origin, ...c.extensions]) {
    if (line === '' || line.includes('\n'))
      throw new RangeError('checkpoint lines must be non-empty single lines');
  }
  return [c.origin, String(c.size), toBase64(c.root), ...c.extensions].map((l) => `${l}\n`).join('');
}

/**
 * Opens a signed checkpoint: requires the log's signature, verifies every signature from a known
 * witness, and when `witnesses` is given requires at least `quorum` of them (WITNESS_QUORUM).
 */
export function openCheckpoint(
  noteText: string,
  logVerifier: Verifier,
  witnesses?: WitnessPolicy,
  options: OpenCheckpointOptions = {},
): OpenedCheckpoint {
  const witnessVerifiers = witnesses?.verifiers ?? [];
  if (
    witnesses !== undefined &&
    !(
      Number.isInteger(witnesses.quorum) &&
      witnesses.quorum >= 0 &&
      witnesses.quorum <= witnessVerifiers.length
    )
  ) {
    throw new SumgateError(
      'POLICY_INVALID',
      `witness quorum ${witnesses.quorum} is not between 0 and the ${witnessVerifiers.length} witnesses configured`,
      {
        fix: 'set the quorum to at most the number of witness keys in the sumgate policy',
      },
    );
  }
  const opened = openNote(noteText, [logVerifier, ...witnessVerifiers]);
  const logId = `${logVerifier.name}+${keyHashHex(logVerifier.keyHash)}`;
  const signedByLog = opened.verified.some(
    (s) => s.name === logVerifier.name && s.keyHash === logVerifier.keyHash,
  );
  if (!signedByLog) {
    throw new SumgateError('BAD_SIGNATURE', `checkpoint is not signed by the log key ${logId}`, {
      fix: 'check that the configured log key is the key of the log that served this checkpoint',
    });
  }
  const checkpoint = parseCheckpoint(opened.text);
  if (options.expectOrigin !== undefined && checkpoint.origin !== options.expectOrigin) {
    throw malformed(
      `origin ${JSON.stringify(checkpoint.origin)} is not the expected ${JSON.stringify(options.expectOrigin)}`,
    );
  }
  const cosigners: string[] = [];
  for (const w of witnessVerifiers) {
    if (w === logVerifier) continue;
    if (
      opened.verified.some((s) => s.name === w.name && s.keyHash === w.keyHash) &&
      !cosigners.includes(w.name)
    ) {
      cosigners.push(w.name);
    }
  }
  if (witnesses !== undefined && cosigners.length < witnesses.quorum) {
    throw new SumgateError(
      'WITNESS_QUORUM',
      `checkpoint of ${checkpoint.origin} (size ${checkpoint.size}) has ${cosigners.length} of the ${witnesses.quorum} witness cosignatures required`,
      {
        fix: 'retry later (witnesses cosign within seconds to minutes), or lower the witness quorum in the sumgate policy',
        data: { cosigners, quorum: witnesses.quorum },
      },
    );
  }
  return { checkpoint, note: parseNote(noteText), cosigners };
}
