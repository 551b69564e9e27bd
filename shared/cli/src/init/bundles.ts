/**
 * Where the plugin files `sumgate init` installs come from: `--plugin-path`, else the built bundle
 * beside this CLI (a checkout: <repo>/plugins/...; an install: node_modules/<plugin package>/...).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackageManager } from './detect.js';

const BUNDLES: Record<PackageManager, { inRepo: string; inNodeModules: string; build: string }> = {
  pnpm: { inRepo: 'plugins/pnpm/pnpmfile.cjs', inNodeModules: 'node_modules/pnpm-plugin-sumgate/pnpmfile.cjs', build: 'pnpm run build' },
  yarn: {
    inRepo: 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js',
    inNodeModules: 'node_modules/yarn-plugin-sumgate/bundles/@yarnpkg/plugin-sumgate.js',
    build: 'pnpm run build',
  },
};

function ancestors(dir: string): string[] {
  const out: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    out.push(d);
    const parent = path.dirname(d);
    if (parent === d) return out;
    d = parent;
  }
}

/** The bundle file, or undefined with the places looked at. */
export function findBundle(manager: PackageManager, projectRoot: string): { file: string | undefined; looked: string[] } {
  const spec = BUNDLES[manager];
  const here = path.dirname(fileURLToPath(import.meta.url));
  const looked: string[] = [];
  // A checkout's plugins/ only beside this CLI; installed packages beside the CLI or the project.
  const candidates = [
    ...ancestors(here).flatMap((d) => [path.join(d, spec.inRepo), path.join(d, spec.inNodeModules)]),
    ...ancestors(projectRoot).map((d) => path.join(d, spec.inNodeModules)),
  ];
  for (const file of candidates) {
    if (looked.includes(file)) continue;
    looked.push(file);
    if (existsSync(file)) return { file, looked };
  }
  return { file: undefined, looked };
}

export function buildHint(manager: PackageManager): string {
  return BUNDLES[manager].build;
}
