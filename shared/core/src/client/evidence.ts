import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { originDirName } from '../cache/cacheDir.js';

/** Saves what proves a log lied: both checkpoints and the failed proof, for the operator and auditors. */
export function saveForkEvidence(cacheDir: string, e: { origin: string; logUrl: string; remembered: string; served: string; proof: string[]; reason: string }): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(cacheDir, 'evidence', `${stamp}-${originDirName(e.origin)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'remembered.checkpoint'), e.remembered);
  writeFileSync(path.join(dir, 'served.checkpoint'), e.served);
  writeFileSync(path.join(dir, 'consistency-proof.txt'), e.proof.join('\n') + (e.proof.length > 0 ? '\n' : ''));
  writeFileSync(
    path.join(dir, 'README.txt'),
    `SECURITY: the checksum log ${e.origin} (${e.logUrl}) served a checkpoint that is not consistent\n` +
      `with one this machine verified earlier. ${e.reason}\n\n` +
      `remembered.checkpoint  the signed checkpoint verified earlier\n` +
      `served.checkpoint      the signed checkpoint the log served now\n` +
      `consistency-proof.txt  the proof computed from the log's tiles (base64 hashes), which failed\n` +
      `Both checkpoints carry the log's valid signature: together they prove the log forked or rolled back.\n`,
  );
  return dir;
}
