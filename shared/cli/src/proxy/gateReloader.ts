import { statSync } from 'node:fs';
import { npmrcFiles } from '@sumgate/core';
import type { Gate } from '@sumgate/core';

/**
 * The proxy's Gate, opened again when the policy file or an .npmrc it reads changes (an approval,
 * a new source, a source's token), so a running proxy applies `sumgate approve` on the next
 * request, as a next install would. A policy that no longer loads fails every request with its
 * POLICY_INVALID until it is fixed: the proxy never goes on with the old rules silently.
 */
export class GateReloader {
  private gate: Gate;
  private stamps: Map<string, string>;

  constructor(
    private readonly open: () => Gate,
    private readonly env: NodeJS.ProcessEnv,
    private readonly say: (line: string) => void,
  ) {
    this.gate = open();
    this.stamps = this.stampsOf(this.gate);
  }

  current(): Gate {
    const now = this.stampsOf(this.gate);
    const changed = [...now].filter(([file, stamp]) => this.stamps.get(file) !== stamp).map(([file]) => file);
    if (changed.length === 0) return this.gate;
    const gate = this.open(); // throws POLICY_INVALID / POLICY_MISSING, and is tried again next request
    this.gate = gate;
    this.stamps = this.stampsOf(gate);
    this.say(`sumgate proxy: ${changed.join(', ')} changed; reloaded`);
    return gate;
  }

  private stampsOf(gate: Gate): Map<string, string> {
    const files = [
      ...(gate.policy.file === undefined ? [] : [gate.policy.file]),
      ...npmrcFiles(gate.workspaceRoot, this.env),
    ];
    return new Map(files.map((f) => [f, stampOf(f)]));
  }
}

function stampOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs} ${s.ctimeMs} ${s.size}`;
  } catch {
    return 'missing';
  }
}
