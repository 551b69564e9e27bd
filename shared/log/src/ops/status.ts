/**
 * `sumgate log status`: what an operator checks about a log directory, read from its files
 * without opening the log (so it works while `sumgate log serve` has the directory locked).
 * The checkpoint's signature is verified with the directory's own verifier key.
 */
import { isAlive } from '../dirLock.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openCheckpoint, parseVerifierKey, toBase64 } from '@sumgate/core';
import { logFile, readLogConfig } from '../logFiles.js';

export interface LogStatus {
  dir: string;
  origin: string;
  vkey: string;
  /** Entries covered by the last signed checkpoint. */
  size: number;
  /** Root hash of that tree, base64. */
  root: string;
  /** The signed checkpoint, as served at /checkpoint. */
  checkpoint: string;
  /** When the checkpoint file was last replaced (a new checkpoint was published). */
  checkpointTime: string;
  /** Bytes of every file in the directory, evidence/ included. */
  diskBytes: number;
  /** Versions with refused conflicting observations on record (evidence/). */
  evidence: number;
  /** The pid in LOCK, when that process is running (it has the log open). */
  lockedBy: number | undefined;
  /** The pid in a LOCK whose process is gone (the next open takes it over). */
  staleLock: number | undefined;
  /** A key prepared with `sumgate log rotate-key --prepare`, not yet switched to. */
  nextVkey: string | undefined;
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(p) : entry.isFile() ? statSync(p).size : 0;
  }
  return total;
}

export function logStatus(dir: string): LogStatus {
  const { origin } = readLogConfig(dir);
  const vkey = readFileSync(logFile.vkey(dir), 'utf8').trim();
  const note = readFileSync(logFile.checkpoint(dir), 'utf8');
  const { checkpoint } = openCheckpoint(note, parseVerifierKey(vkey), undefined, { expectOrigin: origin });
  const evidenceDir = join(dir, 'evidence');
  const lockFile = join(dir, 'LOCK');
  const pid = existsSync(lockFile) ? Number.parseInt(readFileSync(lockFile, 'utf8').trim(), 10) : Number.NaN;
  const next = join(dir, 'log.vkey.next');
  return {
    dir,
    origin,
    vkey,
    size: checkpoint.size,
    root: toBase64(checkpoint.root),
    checkpoint: note,
    checkpointTime: statSync(logFile.checkpoint(dir)).mtime.toISOString(),
    diskBytes: bytesUnder(dir),
    evidence: existsSync(evidenceDir) ? readdirSync(evidenceDir).length : 0,
    lockedBy: Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined,
    staleLock: Number.isInteger(pid) && pid > 0 && !isAlive(pid) ? pid : undefined,
    nextVkey: existsSync(next) ? readFileSync(next, 'utf8').trim() : undefined,
  };
}

/** Human-readable bytes: 1.5 MiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

export function formatStatus(s: LogStatus): string {
  return [
    `log ${s.origin} in ${s.dir}`,
    `  vkey:        ${s.vkey}`,
    ...(s.nextVkey === undefined
      ? []
      : [
          `  next vkey:   ${s.nextVkey} (prepared; switch with: sumgate log rotate-key --dir ${s.dir} --commit)`,
        ]),
    `  size:        ${s.size} entries`,
    `  root:        ${s.root}`,
    `  checkpoint:  published ${s.checkpointTime}`,
    `  disk:        ${formatBytes(s.diskBytes)}`,
    `  evidence:    ${s.evidence} conflicting observation(s) on record`,
    `  serving:     ${s.lockedBy !== undefined ? `open by pid ${s.lockedBy}` : s.staleLock !== undefined ? `no (stale LOCK of pid ${s.staleLock}, taken over on the next start)` : 'no process has it open'}`,
    '',
    'last checkpoint:',
    ...s.checkpoint
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
    '',
  ].join('\n');
}
