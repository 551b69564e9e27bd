/** `sumgate log init`: a new key pair and an empty log with a signed checkpoint of size 0. */
import { mkdirSync } from 'node:fs';
import {
  EMPTY_TREE_HASH,
  formatCheckpoint,
  generateKeyPair,
  isValidKeyName,
  parseSignerKey,
  signNote,
  SumgateError,
} from '@sumgate/core';
import { writeFileAtomic } from './atomicFile.js';
import { LOG_FORMAT, hasLog, logFile } from './logFiles.js';

export interface InitLogOptions {
  dir: string;
  /** The checkpoint origin line, also the key name (c2sp.org/tlog-checkpoint), e.g. `log.example.com/npm`. */
  origin: string;
}

export async function initLog(opts: InitLogOptions): Promise<{ vkey: string }> {
  const { dir, origin } = opts;
  if (!isValidKeyName(origin)) {
    throw new SumgateError('USAGE', `invalid log origin ${JSON.stringify(origin)}`, {
      fix: 'use a name without spaces or "+", such as log.example.com/npm',
    });
  }
  mkdirSync(dir, { recursive: true });
  if (hasLog(dir)) {
    throw new SumgateError('USAGE', `${dir} already holds a log`, {
      fix: `serve it with: sumgate log serve --dir ${dir}, or choose an empty directory`,
    });
  }
  const { skey, vkey } = generateKeyPair(origin);
  await writeFileAtomic(logFile.skey(dir), `${skey}\n`, 0o600);
  await writeFileAtomic(logFile.vkey(dir), `${vkey}\n`);
  const empty = formatCheckpoint({ origin, size: 0, root: EMPTY_TREE_HASH, extensions: [] });
  await writeFileAtomic(logFile.checkpoint(dir), signNote(empty, [parseSignerKey(skey)]));
  // log.json last: a directory without it is an interrupted init that can be deleted and redone.
  await writeFileAtomic(logFile.config(dir), `${JSON.stringify({ format: LOG_FORMAT, origin }, null, 2)}\n`);
  return { vkey };
}
