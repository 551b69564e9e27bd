/**
 * The files of a witness directory (`sumgate witness init`):
 *
 *   witness.json   {"format": "sumgate-witness/1", "name": "<key name>", "logs": [{"origin", "vkey"}]}
 *   witness.skey   the cosigner key (c2sp.org/tlog-cosignature, type 0x04), mode 0600
 *   witness.vkey   its verifier key, for clients' `log.witnesses.keys`
 *   state/         the latest cosigned checkpoint per log (witnessState.ts)
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCosignerKeyPair, parseVerifierKey, SumgateError } from '@sumgate/core';
import { writeFileAtomic } from '../atomicFile.js';

export const WITNESS_FORMAT = 'sumgate-witness/1';

export interface WitnessLog {
  /** The checkpoint origin line (for Go's sumdb: "go.sum database tree"). */
  origin: string;
  /** The log's signed-note verifier key. */
  vkey: string;
}

export interface WitnessConfig {
  format: string;
  name: string;
  logs: WitnessLog[];
}

export const witnessFile = {
  config: (dir: string) => join(dir, 'witness.json'),
  skey: (dir: string) => join(dir, 'witness.skey'),
  vkey: (dir: string) => join(dir, 'witness.vkey'),
};

export async function initWitness(dir: string, name: string): Promise<{ vkey: string }> {
  mkdirSync(dir, { recursive: true });
  if (existsSync(witnessFile.config(dir))) {
    throw new SumgateError('USAGE', `${dir} already holds a witness`, {
      fix: `serve it with: sumgate witness serve --dir ${dir}`,
    });
  }
  const { skey, vkey } = generateCosignerKeyPair(name);
  await writeFileAtomic(witnessFile.skey(dir), `${skey}\n`, 0o600);
  await writeFileAtomic(witnessFile.vkey(dir), `${vkey}\n`);
  await writeConfig(dir, { format: WITNESS_FORMAT, name, logs: [] });
  return { vkey };
}

export function readWitnessConfig(dir: string): WitnessConfig {
  if (!existsSync(witnessFile.config(dir))) {
    throw new SumgateError('USAGE', `${dir} is not a sumgate witness (no witness.json)`, {
      fix: `create one with: sumgate witness init --dir ${dir} --name <name>`,
    });
  }
  const c = JSON.parse(readFileSync(witnessFile.config(dir), 'utf8')) as Partial<WitnessConfig>;
  if (c.format !== WITNESS_FORMAT || typeof c.name !== 'string' || !Array.isArray(c.logs)) {
    throw new SumgateError('USAGE', `${witnessFile.config(dir)} is not a ${WITNESS_FORMAT} configuration`);
  }
  return { format: c.format, name: c.name, logs: c.logs };
}

async function writeConfig(dir: string, c: WitnessConfig): Promise<void> {
  await writeFileAtomic(witnessFile.config(dir), `${JSON.stringify(c, null, 2)}\n`);
}

/** Trusts a log: its verifier key, and its origin (default: the key's name). */
export async function addWitnessedLog(dir: string, vkey: string, origin?: string): Promise<WitnessLog> {
  const c = readWitnessConfig(dir);
  const entry = { origin: origin ?? parseVerifierKey(vkey).name, vkey };
  parseVerifierKey(vkey);
  if (c.logs.some((l) => l.origin === entry.origin && l.vkey === entry.vkey)) return entry;
  c.logs.push(entry);
  await writeConfig(dir, c);
  return entry;
}
