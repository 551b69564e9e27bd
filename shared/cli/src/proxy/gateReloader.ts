import { statSync } from 'node:fs';
import type { Gate } from '@sumgate/core';

/**
 * The proxy's Gate, opened again when the policy file changes (an approval, a new source), so a
 * running proxy applies `sumgate approve` on the next request, as a next install would. A policy
 * that no longer loads fails every request with its POLICY_INVALID until it is fixed: the proxy
 * never goes on with the old rules silently.
 */
export class GateReloader {
  private gate: Gate;
  private stamp: string;

  constructor(private readonly open: () => Gate, private readonly say: (line: string) => void) {
    this.gate = open();
    this.stamp = stampOf(this.gate.policy.file);
  }

  current(): Gate {
    const stamp = stampOf(this.gate.policy.file);
    if (stamp === this.stamp) return this.gate;
    const gate = this.open(); // throws POLICY_INVALID / POLICY_MISSING, and is tried again next request
    this.gate = gate;
    this.stamp = stamp;
    this.say(`sumgate proxy: ${gate.policy.file ?? 'the policy'} changed; reloaded`);
    return gate;
  }
}

function stampOf(file: string | undefined): string {
  if (file === undefined) return 'built-in';
  try {
    const s = statSync(file);
    return `${s.mtimeMs} ${s.ctimeMs} ${s.size}`;
  } catch {
    return 'missing';
  }
}
