import { readFileSync } from 'node:fs';
import { isSumgateError, parseVerifierKey, verifyTlogProof } from '@sumgate/core';
import { parseArgs, requireString, UsageError } from '../args.js';
import type { Command } from '../io.js';

/** `sumgate proof verify`: for auditors of any C2SP log (Go's sumdb included), offline. */
export const proofVerify: Command = {
  name: 'proof verify',
  summary: 'verify a c2sp.org/tlog-proof of a record against a log key, offline',
  usage: `usage: sumgate proof verify --vkey <vkey> --record <file> <tlog-proof-file>

Checks that <file> (the exact record bytes) is included in the log whose signed checkpoint ends
the tlog-proof, and that the checkpoint is signed by <vkey> (a signed-note verifier key).
Exit 0 when valid, 1 with the reason when not, 2 on bad arguments.

example:
  sumgate proof verify --vkey 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8' \\
    --record go-sumdb-43930254.record go-sumdb-43930254.tlog-proof`,
  async run(argv, io) {
    const args = parseArgs(argv, { vkey: 'string', record: 'string', help: 'boolean' });
    if (args.flags.help === true) {
      io.stdout(`${this.usage}\n`);
      return 0;
    }
    const vkey = requireString(args, 'vkey');
    const recordFile = requireString(args, 'record');
    if (args.positionals.length !== 1) throw new UsageError('give exactly one tlog-proof file');
    const proofFile = args.positionals[0]!;
    const verifier = (() => {
      try {
        return parseVerifierKey(vkey);
      } catch (e) {
        throw new UsageError(`--vkey: ${(e as Error).message}`);
      }
    })();
    const record = readInput(recordFile, '--record');
    const proof = readInput(proofFile, 'the tlog-proof file').toString('utf8');
    try {
      const r = verifyTlogProof(proof, record, verifier);
      io.stdout(
        `valid: the record is leaf ${r.index} of ${r.checkpoint.origin}, tree size ${r.checkpoint.size}, checkpoint signed by ${verifier.name}\n`,
      );
      return 0;
    } catch (e) {
      if (!isSumgateError(e)) throw e;
      io.stderr(`invalid: ${e.message}\n`);
      return 1;
    }
  },
};

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(
      `${what}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
