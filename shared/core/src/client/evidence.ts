import path from 'node:path';
import type { FileOps } from './clientOps.js';
import { noteHashOf } from './pinnedKeys.js';

/**
 * Saves what proves a log lied: both checkpoints and the failed proof, for the operator and auditors.
 * One folder per served checkpoint (named by key and note hash): pnpm's workers and Yarn's steps
 * that meet the same lie add nothing twice.
 */
export function saveForkEvidence(
  cacheDir: string,
  files: FileOps,
  e: {
    keyId: string;
    logUrl: string;
    remembered: string | undefined;
    served: string;
    proof: string[];
    reason: string;
  },
): string {
  const dir = path.join(cacheDir, 'evidence', `${e.keyId}-${noteHashOf(e.served).slice(0, 16)}`);
  files.write(
    path.join(dir, 'remembered.checkpoint'),
    e.remembered ?? '(none: this machine had not verified a checkpoint of this key before)\n',
  );
  files.write(path.join(dir, 'served.checkpoint'), e.served);
  files.write(path.join(dir, 'consistency-proof.txt'), e.proof.join('\n') + (e.proof.length > 0 ? '\n' : ''));
  files.write(
    path.join(dir, 'README.txt'),
    `SECURITY: the checksum log ${e.logUrl} (key ${e.keyId}) served a checkpoint that is not consistent\n` +
      `with what its key signed before. ${e.reason}\n\n` +
      `remembered.checkpoint  the signed checkpoint verified earlier\n` +
      `served.checkpoint      the signed checkpoint the log served now\n` +
      `consistency-proof.txt  the proof computed from the log's tiles (base64 hashes), which failed\n` +
      `Both checkpoints carry the log key's valid signature: together they prove the log forked, rolled back,\n` +
      `or signs a second history under the same key.\n`,
  );
  return dir;
}
