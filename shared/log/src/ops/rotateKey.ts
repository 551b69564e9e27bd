/**
 * Moving a log to a new signing key without breaking its clients (operator guide, "Moving to a
 * new key"). Two steps, with the clients' policy change in between:
 *
 *   1. prepare: a new key pair for the same origin, kept beside the current one
 *      (log.skey.next, mode 0600, and log.vkey.next). Nothing the server signs changes yet.
 *      Clients add the new vkey to "log.vkeys" (they accept a checkpoint signed by any pinned key).
 *   2. commit (server stopped: it takes the directory lock): the current checkpoint is re-signed
 *      with both keys, the new key becomes log.skey/log.vkey, and the old pair is kept as
 *      log.skey.retired-<hash>/log.vkey.retired-<hash> until the operator destroys it. From the next
 *      start on, checkpoints carry only the new key's signature; clients then drop the old vkey.
 *
 * The tree is untouched, so clients' consistency proofs go on from the checkpoint they last saw.
 * A commit interrupted by a crash can be run again: it finishes the steps left.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateKeyPair,
  keyHashHex,
  openCheckpoint,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  SumgateError,
} from '@sumgate/core';
import { writeFileAtomic } from '../atomicFile.js';
import { lockLogDir } from '../dirLock.js';
import { logFile, readLogConfig } from '../logFiles.js';

const next = {
  skey: (dir: string) => join(dir, 'log.skey.next'),
  vkey: (dir: string) => join(dir, 'log.vkey.next'),
};

export async function prepareKeyRotation(dir: string): Promise<{ vkey: string; current: string }> {
  const { origin } = readLogConfig(dir);
  const current = readFileSync(logFile.vkey(dir), 'utf8').trim();
  if (existsSync(next.skey(dir))) {
    throw new SumgateError(
      'USAGE',
      `a new key is already prepared in ${dir}: ${readFileSync(next.vkey(dir), 'utf8').trim()}`,
      {
        fix: `switch to it with: sumgate log rotate-key --dir ${dir} --commit (or delete log.skey.next and log.vkey.next to start over)`,
      },
    );
  }
  const { skey, vkey } = generateKeyPair(origin);
  await writeFileAtomic(next.skey(dir), `${skey}\n`, 0o600);
  await writeFileAtomic(next.vkey(dir), `${vkey}\n`);
  return { vkey, current };
}

export async function commitKeyRotation(dir: string): Promise<{ vkey: string; retired: string | undefined }> {
  const { origin } = readLogConfig(dir);
  if (!existsSync(next.skey(dir)) || !existsSync(next.vkey(dir))) {
    throw new SumgateError('USAGE', `no new key is prepared in ${dir}`, {
      fix: `run: sumgate log rotate-key --dir ${dir} --prepare, and give the new vkey to clients first`,
    });
  }
  const lock = lockLogDir(dir);
  try {
    const newSkey = readFileSync(next.skey(dir), 'utf8').trim();
    const newVkey = readFileSync(next.vkey(dir), 'utf8').trim();
    const newSigner = parseSignerKey(newSkey);
    if (newSigner.name !== origin || newSigner.keyHash !== parseVerifierKey(newVkey).keyHash) {
      throw new SumgateError(
        'USAGE',
        `log.skey.next and log.vkey.next in ${dir} are not one key pair for ${origin}`,
        { fix: 'delete both and prepare again' },
      );
    }
    let retired: string | undefined;
    // A second run after a crash that already replaced log.skey only has the last steps left.
    if (readFileSync(logFile.skey(dir), 'utf8').trim() !== newSkey) {
      const oldSkey = readFileSync(logFile.skey(dir), 'utf8').trim();
      const oldVkey = readFileSync(logFile.vkey(dir), 'utf8').trim();
      const oldSigner = parseSignerKey(oldSkey);
      const oldVerifier = parseVerifierKey(oldVkey);
      const note = readFileSync(logFile.checkpoint(dir), 'utf8');
      openCheckpoint(note, oldVerifier, undefined, { expectOrigin: origin });
      const { text } = openNote(note, [oldVerifier]);
      const hash = keyHashHex(oldSigner.keyHash);
      await writeFileAtomic(join(dir, `log.skey.retired-${hash}`), `${oldSkey}\n`, 0o600);
      await writeFileAtomic(join(dir, `log.vkey.retired-${hash}`), `${oldVkey}\n`);
      // Both signatures: clients pinning either key accept the checkpoint served until the next append.
      await writeFileAtomic(logFile.checkpoint(dir), signNote(text, [newSigner, oldSigner]));
      await writeFileAtomic(logFile.skey(dir), `${newSkey}\n`, 0o600);
      retired = oldVkey;
    }
    await writeFileAtomic(logFile.vkey(dir), `${newVkey}\n`);
    for (const f of [next.skey(dir), next.vkey(dir)]) unlinkSync(f);
    return { vkey: newVkey, retired };
  } finally {
    lock.release();
  }
}
