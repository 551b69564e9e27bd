/**
 * A c2sp.org/tlog-witness witness: it cosigns a log's checkpoint only if it is consistent with the
 * latest checkpoint it cosigned for that log (RFC 6962 consistency proof from that size), so a log
 * cannot show two different trees (a split view) or a smaller one (a rollback) to clients that
 * require this witness's cosignature. Works for any C2SP log whose key it is given, Go's sumdb
 * included (its origin line differs from its key name).
 *
 * Responses follow the spec: 200 cosignature lines; 400 malformed, or old size beyond the
 * checkpoint; 403 no trusted signature; 404 unknown origin; 409 old size is not the witness's
 * (body: its size, text/x.tlog.size) or same size with a different root; 422 the proof fails.
 */
import { readFileSync } from 'node:fs';
import {
  checkConsistency,
  type Checkpoint,
  type CosignatureSigner,
  formatSignatureLine,
  fromBase64Hash,
  hashEqual,
  isSumgateError,
  openCheckpoint,
  parseCosignerSignerKey,
  parseNote,
  parseVerifierKey,
  signCosignature,
  toBase64,
  type Verifier,
} from '@sumgate/core';
import { BadAddCheckpoint, parseAddCheckpoint } from './addCheckpointRequest.js';
import { readWitnessConfig, witnessFile } from './witnessFiles.js';
import { WitnessState } from './witnessState.js';

export interface WitnessResponse {
  status: number;
  contentType: string;
  body: string;
}

const text = (status: number, body: string): WitnessResponse => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: body.endsWith('\n') ? body : `${body}\n`,
});

export class Witness {
  private constructor(
    readonly name: string,
    readonly vkey: string,
    private readonly signer: CosignatureSigner,
    private readonly logs: Map<string, Verifier[]>,
    private readonly state: WitnessState,
    private readonly now: () => number,
  ) {}

  static open(dir: string, opts: { now?: () => number } = {}): Witness {
    const config = readWitnessConfig(dir);
    const signer = parseCosignerSignerKey(readFileSync(witnessFile.skey(dir), 'utf8').trim());
    const vkey = readFileSync(witnessFile.vkey(dir), 'utf8').trim();
    const logs = new Map<string, Verifier[]>();
    for (const l of config.logs)
      logs.set(l.origin, [...(logs.get(l.origin) ?? []), parseVerifierKey(l.vkey)]);
    return new Witness(
      config.name,
      vkey,
      signer,
      logs,
      new WitnessState(dir),
      opts.now ?? (() => Math.floor(Date.now() / 1000)),
    );
  }

  /** The latest cosigned size of a log (0 if none). */
  cosignedSize(origin: string): number {
    return this.state.get(origin)?.size ?? 0;
  }

  async addCheckpoint(body: string): Promise<WitnessResponse> {
    let req: ReturnType<typeof parseAddCheckpoint>;
    try {
      req = parseAddCheckpoint(body);
    } catch (e) {
      if (e instanceof BadAddCheckpoint) return text(400, e.message);
      throw e;
    }
    let noteText: string;
    try {
      noteText = parseNote(req.note).text;
    } catch {
      return text(400, 'malformed checkpoint note');
    }
    const origin = noteText.slice(0, noteText.indexOf('\n'));
    const verifiers = this.logs.get(origin);
    if (verifiers === undefined)
      return text(404, `unknown log origin ${JSON.stringify(origin.slice(0, 200))}`);
    let cp: Checkpoint | undefined;
    for (const v of verifiers) {
      try {
        cp = openCheckpoint(req.note, v, undefined, { expectOrigin: origin }).checkpoint;
        break;
      } catch (e) {
        if (isSumgateError(e) && e.code === 'MALFORMED_CHECKPOINT') return text(400, e.message);
      }
    }
    if (cp === undefined) return text(403, 'no signature from a trusted key of this log');
    if (req.oldSize > cp.size)
      return text(400, `old size ${req.oldSize} is beyond the checkpoint size ${cp.size}`);
    const checkpoint = cp;
    return this.state.exclusive(origin, async () => {
      const last = this.state.get(origin);
      const lastSize = last?.size ?? 0;
      if (req.oldSize !== lastSize)
        return { status: 409, contentType: 'text/x.tlog.size', body: `${lastSize}\n` };
      if (last !== undefined && checkpoint.size === last.size) {
        if (!hashEqual(fromBase64Hash(last.root), checkpoint.root))
          return text(
            409,
            `a different tree of size ${last.size} was already cosigned: refusing a split view`,
          );
      } else if (req.oldSize === 0) {
        if (req.proof.length !== 0) return text(422, 'the consistency proof from size 0 must be empty');
      } else {
        try {
          checkConsistency(
            req.proof,
            last!.size,
            fromBase64Hash(last!.root),
            checkpoint.size,
            checkpoint.root,
          );
        } catch {
          return text(
            422,
            `the consistency proof from size ${last!.size} to ${checkpoint.size} does not verify`,
          );
        }
      }
      if (last === undefined || checkpoint.size !== last.size) {
        await this.state.put(origin, {
          size: checkpoint.size,
          root: toBase64(checkpoint.root),
          note: req.note,
        });
      }
      const sig = signCosignature(noteText, this.signer, this.now());
      return { status: 200, contentType: 'text/plain; charset=utf-8', body: formatSignatureLine(sig) };
    });
  }
}
