import { findWorkspaceRoot, Gate, readNpmrc } from '@sumgate/core';
import { GraphGuard } from './graphGuard.js';

/**
 * One Gate (and one graph guard) per process and workspace: pnpm 10 runs hooks in its own process,
 * pnpm 12 in Node workers; either way the policy is read and validated once per process. The root is
 * found from the lockfile dir or `process.cwd()`, never `__dirname` (a pnpm 12 plugin lives in the store).
 */
const gates = new Map<string, Gate>();
const guards = new Map<Gate, GraphGuard>();

export function gateFor(dir: string | undefined, registry?: string): Gate {
  const root = findWorkspaceRoot(dir ?? process.cwd());
  let gate = gates.get(root);
  if (gate === undefined) {
    gate = Gate.open({
      cwd: root,
      host: 'pnpm',
      defaultRegistry: registry ?? defaultRegistry(root),
      log: (line) => console.error(line),
    });
    gates.set(root, gate);
  }
  return gate;
}

export function graphGuardFor(dir: string | undefined): GraphGuard {
  const gate = gateFor(dir);
  let guard = guards.get(gate);
  if (guard === undefined) {
    guard = new GraphGuard(gate);
    guards.set(gate, guard);
  }
  return guard;
}

/** pnpm's registry when the policy names no sources: the environment, then .npmrc (the workspace's over the user's). */
function defaultRegistry(root: string): string {
  // pnpm 12 reads pnpm_config_*, pnpm 10 npm_config_*.
  const fromEnv =
    process.env.pnpm_config_registry ?? process.env.npm_config_registry ?? process.env.NPM_CONFIG_REGISTRY;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return readNpmrc(root).get('registry') || 'https://registry.npmjs.org/';
}
