import path from 'node:path';
import { Gate, SumgateError } from '@sumgate/core';
import type { LogClient } from '@sumgate/core';
import type { LoggedRecord } from '@sumgate/core';
import type { Io } from './io.js';

/** Opens the core's Gate for a CLI command: the policy found from `cwd` (or `--policy`), notes to stderr. */
export function openGate(io: Io, cwd: string, policyFlag: string | boolean | string[] | undefined): Gate {
  return Gate.open({
    cwd,
    host: 'cli',
    policyFile: typeof policyFlag === 'string' ? path.resolve(io.cwd, policyFlag) : undefined,
    env: io.env,
    log: (line) => io.stderr(`${line}\n`),
  });
}

/**
 * The gate's own log client (its policy, cache and .npmrc TLS settings): the CLI needs the proven
 * record, leaf index and checkpoint facts, which verdicts do not carry.
 */
export function logClientFor(gate: Gate): LogClient {
  if (gate.policy.log === undefined) {
    throw new SumgateError(
      'POLICY_INVALID',
      `${gate.policy.file ?? 'sumgate.jsonc'}: no "log" configured, so nothing can be proven`,
      {
        fix: 'add "log": {"url": ..., "vkeys": [...]} to the policy (sumgate init writes it)',
      },
    );
  }
  return gate.log;
}

/** Proves one name@version in the log: the record, or why it is absent. */
export async function proveOne(
  client: LogClient,
  ingest: boolean,
  name: string,
  version: string,
): Promise<LoggedRecord | { absent: string }> {
  const r = await client.lookupMany([{ name, version }], ingest);
  const found = r.found.get(`${name}@${version}`);
  if (found !== undefined) return found;
  return {
    absent:
      r.missing.find((m) => m.name === name && m.version === version)?.reason ??
      'the log returned no proof for it',
  };
}
