/**
 * c2sp.org/tlog-proof@v1: an offline-verifiable proof that a record is in a log.
 *
 *     c2sp.org/tlog-proof@v1
 *     [extra <base64>]
 *     index <decimal>
 *     <base64 hash>            (inclusion proof, leaf's sibling first; zero or more lines)
 *     <empty line>
 *     <signed checkpoint note, verbatim>
 */
import { SumgateError } from '../errors.js';
import { decodeBase64Strict, encodeBase64 } from '../base64.js';
import { openCheckpoint, type Checkpoint, type WitnessPolicy } from './checkpoint.js';
import { fromBase64Hash, recordHash, toBase64, type Hash } from './hash.js';
import type { Note, Verifier } from './note.js';
import { checkInclusion } from './proof.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** An inclusion proof in a tree of at most 2^63 leaves has at most 63 hashes. */
const MAX_PROOF_HASHES = 63;

export interface TlogProof {
  /** Unauthenticated application data (c2sp.org/tlog-proof "Format": never trust it implicitly). */
  extra?: Uint8Array;
  index: number;
  proof: Hash[];
  /** The signed checkpoint note, verbatim. */
  checkpointNote: string;
}

export interface VerifyTlogProofOptions {
  witnesses?: WitnessPolicy | undefined;
  expectOrigin?: string | undefined;
}

export interface VerifiedTlogProof {
  checkpoint: Checkpoint;
  index: number;
  note: Note;
  cosigners: string[];
  extra?: Uint8Array;
}

function malformed(why: string): SumgateError {
  return new SumgateError('MALFORMED_PROOF', `malformed tlog-proof: ${why}`);
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Parses a tlog-proof (attacker-controlled: strict, MALFORMED_PROOF). Does not verify anything. */
export function parseTlogProof(text: string): TlogProof {
  let pos = 0;
  const nextLine = (): string => {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) throw malformed('truncated');
    const line = text.slice(pos, nl);
    pos = nl + 1;
    return line;
  };
  if (nextLine() !== TLOG_PROOF_HEADER) throw malformed(`first line must be ${TLOG_PROOF_HEADER}`);
  let line = nextLine();
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    extra = decodeBase64Strict(line.slice('extra '.length));
    if (extra === undefined || extra.length === 0) throw malformed('bad extra data');
    line = nextLine();
  }
  if (!line.startsWith('index ')) throw malformed('missing index line');
  const indexText = line.slice('index '.length);
  if (!DECIMAL.test(indexText)) throw malformed('index must be decimal without leading zeros');
  const index = Number(indexText);
  if (!Number.isSafeInteger(index)) throw malformed('index too large');
  const proof: Hash[] = [];
  for (line = nextLine(); line !== ''; line = nextLine()) {
    if (proof.length === MAX_PROOF_HASHES) throw malformed('too many proof hashes');
    proof.push(fromBase64Hash(line));
  }
  const checkpointNote = text.slice(pos);
  if (checkpointNote === '') throw malformed('missing checkpoint');
  return extra === undefined ? { index, proof, checkpointNote } : { extra, index, proof, checkpointNote };
}

export function formatTlogProof(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0)
    throw new RangeError('index must be a non-negative safe integer');
  const lines = [TLOG_PROOF_HEADER];
  if (p.extra !== undefined) {
    if (p.extra.length === 0) throw new RangeError('extra data must be non-empty');
    lines.push(`extra ${encodeBase64(p.extra)}`);
  }
  lines.push(`index ${p.index}`, ...p.proof.map(toBase64), '');
  return `${lines.join('\n')}\n${p.checkpointNote}`;
}

/**
 * c2sp.org/tlog-proof "Verifying a tlog proof": opens the checkpoint with the log key (and the
 * witness policy, if any), then checks that recordHash(record) is at `index` in that tree.
 */
export function verifyTlogProof(
  text: string,
  record: Uint8Array,
  logVerifier: Verifier,
  options: VerifyTlogProofOptions = {},
): VerifiedTlogProof {
  const parsed = parseTlogProof(text);
  const opened = openCheckpoint(parsed.checkpointNote, logVerifier, options.witnesses, {
    expectOrigin: options.expectOrigin,
  });
  const { checkpoint } = opened;
  checkInclusion(parsed.proof, checkpoint.size, checkpoint.root, parsed.index, recordHash(record));
  const result: VerifiedTlogProof = {
    checkpoint,
    index: parsed.index,
    note: opened.note,
    cosigners: opened.cosigners,
  };
  if (parsed.extra !== undefined) result.extra = parsed.extra;
  return result;
}
