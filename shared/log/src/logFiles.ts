/**
 * The files of a log directory:
 *
 *   log.json       {"format": "sumgate-log/1", "origin": "<origin>"}
 *   log.skey       the Ed25519 signer key (Go note format), mode 0600
 *   log.vkey       the verifier key, for clients' policy files
 *   checkpoint     the latest published signed checkpoint (replaced atomically)
 *   entries.dat    framed entries (frames.ts)            offsets.dat   u64 end offset per entry
 *   level-<k>.dat  stored hashes of tile level k (hashLevels.ts)
 *   evidence/      refused conflicting observations (evidence.ts)
 *   LOCK           pid of the process that has the log open (dirLock.ts)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SumgateError } from '@sumgate/core';

export const LOG_FORMAT = 'sumgate-log/1';

export const logFile = {
  config: (dir: string) => join(dir, 'log.json'),
  skey: (dir: string) => join(dir, 'log.skey'),
  vkey: (dir: string) => join(dir, 'log.vkey'),
  checkpoint: (dir: string) => join(dir, 'checkpoint'),
};

export interface LogConfig {
  format: string;
  origin: string;
}

export function hasLog(dir: string): boolean {
  return existsSync(logFile.config(dir)) || existsSync(logFile.checkpoint(dir));
}

export function readLogConfig(dir: string): LogConfig {
  if (!existsSync(logFile.config(dir))) {
    throw new SumgateError('USAGE', `${dir} is not a sumgate log (no log.json)`, {
      fix: `create one with: sumgate log init --dir ${dir} --origin <name>`,
    });
  }
  const config = JSON.parse(readFileSync(logFile.config(dir), 'utf8')) as Partial<LogConfig>;
  if (config.format !== LOG_FORMAT || typeof config.origin !== 'string') {
    throw new SumgateError('USAGE', `${logFile.config(dir)} is not a ${LOG_FORMAT} configuration`, {
      fix: 'point --dir at a directory created by sumgate log init',
    });
  }
  return { format: config.format, origin: config.origin };
}
