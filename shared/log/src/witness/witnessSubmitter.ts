/**
 * The log's side of c2sp.org/tlog-witness: each new checkpoint is sent to every configured witness
 * (`POST <url>/add-checkpoint`, with a consistency proof from the size that witness last cosigned),
 * and the cosignatures that verify against the configured witness keys are appended to the note
 * the log serves. Witnesses are asked in parallel with a timeout; one that is down, slow or refuses
 * adds no cosignature (clients decide with their quorum), and the log keeps serving.
 *
 * A witness answering 409 tells its latest size (text/x.tlog.size): the log retries once from that
 * size. If that size is beyond the log's, the witness has seen a tree this log no longer has: that
 * is reported (onRefusal), never papered over.
 */
import {
  formatSignatureLine,
  type HttpClient,
  nodeHttpClient,
  type Hash,
  openNote,
  parseCosignerKey,
  toBase64,
  type Verifier,
} from '@sumgate/core';

export interface WitnessEndpoint {
  /** Submission prefix: `<url>/add-checkpoint` is POSTed to. */
  url: string;
  /** The witness's cosigner verifier key (c2sp.org/tlog-cosignature). */
  vkey: string;
}

export interface WitnessSubmitterOptions {
  /** Per request (default 5000 ms). */
  timeoutMs?: number;
  /** Told why a witness gave no cosignature. */
  onRefusal?: (url: string, why: string) => void;
  /** The HTTP client witnesses are asked with (default: the core's node:http(s) client). */
  http?: HttpClient;
}

/** A consistency proof between two sizes of the log (the log's own storage). */
export type ProveConsistency = (m: number, n: number) => Hash[] | Promise<Hash[]>;

interface Witness {
  url: string;
  verifier: Verifier;
  /** The size this witness last cosigned, as far as the log knows (0 until it says otherwise). */
  known: number;
}

export function parseWitnessFlag(v: string): WitnessEndpoint {
  // --witness <url>=<vkey>; the vkey (name+hash+base64) may itself end in "=".
  const at = v.indexOf('=');
  if (at <= 0) throw new Error(`--witness ${JSON.stringify(v)}: expected <url>=<witness vkey>`);
  return { url: v.slice(0, at), vkey: v.slice(at + 1) };
}

export class WitnessSubmitter {
  private readonly witnesses: Witness[];
  private readonly http: HttpClient;

  constructor(
    endpoints: readonly WitnessEndpoint[],
    private readonly opts: WitnessSubmitterOptions = {},
  ) {
    this.http = opts.http ?? nodeHttpClient;
    this.witnesses = endpoints.map((e) => ({
      url: e.url.replace(/\/+$/, ''),
      verifier: parseCosignerKey(e.vkey),
      known: 0,
    }));
  }

  get count(): number {
    return this.witnesses.length;
  }

  /** The signed note with every cosignature obtained appended (the log's own signature first). */
  async cosign(note: string, size: number, prove: ProveConsistency): Promise<string> {
    const lines = await Promise.all(
      this.witnesses.map((w) =>
        this.ask(w, note, size, prove).catch((e: unknown) => this.refused(w, (e as Error).message)),
      ),
    );
    return note + lines.join('');
  }

  private refused(w: Witness, why: string): string {
    this.opts.onRefusal?.(w.url, why);
    return '';
  }

  private async ask(w: Witness, note: string, size: number, prove: ProveConsistency): Promise<string> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const old = w.known <= size ? w.known : 0;
      const proof = old === 0 || old === size ? [] : await prove(old, size);
      const body = `old ${old}\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${note}`;
      const timeoutMs = this.opts.timeoutMs ?? 5000;
      const res = await this.http(`${w.url}/add-checkpoint`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        timeoutMs,
        deadlineMs: timeoutMs,
        maxBytes: 64 << 10,
      });
      const text = res.body.toString('utf8');
      if (res.status === 200) {
        w.known = size;
        return verifiedLines(note, text, w.verifier);
      }
      if (res.status === 409 && (res.headers['content-type'] ?? '').startsWith('text/x.tlog.size')) {
        const theirs = /^(0|[1-9][0-9]{0,15})\n$/.exec(text);
        if (theirs === null) throw new Error('409 with a malformed size body');
        const n = Number(theirs[1]);
        if (n > size)
          throw new Error(
            `the witness has cosigned size ${n}, beyond this log's ${size}: it will not cosign a smaller tree`,
          );
        if (n === old)
          throw new Error(
            `the witness refused size ${size} (409 at its size ${n}: a different tree of the same size)`,
          );
        w.known = n;
        continue;
      }
      throw new Error(`HTTP ${res.status}: ${text.slice(0, 200).trim()}`);
    }
    throw new Error('the witness kept changing its size');
  }
}

/** The response's signature lines that verify as this witness's cosignature on `note`. */
function verifiedLines(note: string, response: string, verifier: Verifier): string {
  if (!response.endsWith('\n')) throw new Error('malformed add-checkpoint response');
  const opened = openNote(note + response, [verifier]);
  const fresh = opened.verified.filter((s) => s.name === verifier.name && s.keyHash === verifier.keyHash);
  if (fresh.length === 0)
    throw new Error('no valid cosignature from the configured witness key in the response');
  return fresh.map((s) => formatSignatureLine(s)).join('');
}
