/**
 * The body of c2sp.org/tlog-witness `POST <prefix>/add-checkpoint`:
 *
 *     old <size>\n
 *     <base64 consistency proof hash>\n    (0 to 63 lines)
 *     \n
 *     <checkpoint note, with its signatures>
 *
 * Attacker-controlled: parsed strictly (sizes without leading zeros, exact 32-byte hashes).
 */
import { fromBase64Hash, type Hash } from '@sumgate/core';

export const MAX_PROOF_LINES = 63;
/** A checkpoint note with many cosignatures stays far below this. */
export const MAX_ADD_CHECKPOINT_BODY = 64 * 1024;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Hash[];
  /** The signed checkpoint note. */
  note: string;
}

export class BadAddCheckpoint extends Error {}

export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const lines = body.split('\n');
  const old = /^old (0|[1-9][0-9]{0,15})$/.exec(lines[0] ?? '');
  if (old === null) throw new BadAddCheckpoint('the body must start with "old <size>"');
  const oldSize = Number(old[1]);
  if (!Number.isSafeInteger(oldSize)) throw new BadAddCheckpoint('old size out of range');
  const proof: Hash[] = [];
  let i = 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    if (proof.length === MAX_PROOF_LINES)
      throw new BadAddCheckpoint(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    try {
      proof.push(fromBase64Hash(lines[i]!));
    } catch {
      throw new BadAddCheckpoint(`proof line ${i} is not a base64 SHA-256 hash`);
    }
  }
  if (i >= lines.length) throw new BadAddCheckpoint('no empty line before the checkpoint');
  const note = lines.slice(i + 1).join('\n');
  if (note === '') throw new BadAddCheckpoint('no checkpoint after the empty line');
  return { oldSize, proof, note };
}
