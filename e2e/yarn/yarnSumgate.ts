/**
 * Yarn-side helpers for the sumgate e2e tests: the plugin bundle as users get it, imported into a
 * test project with the real `yarn plugin import`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runYarn } from '../harness/packageManagers.js';
import type { RunResult, RunYarnOptions } from '../harness/packageManagers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The single-file plugin built by `pnpm --filter yarn-plugin-sumgate run build`. */
export function yarnPluginBundle(): string {
  const file = path.join(repoRoot, 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm run build\` first`);
  return file;
}

/** `yarn plugin import <bundle>`: copies it to .yarn/plugins and lists it in .yarnrc.yml. */
export async function importPlugin(opts: RunYarnOptions): Promise<void> {
  const r: RunResult = await runYarn(['plugin', 'import', yarnPluginBundle()], opts);
  if (r.code !== 0) throw new Error(`yarn plugin import failed (${r.code}):\n${r.output}`);
}
