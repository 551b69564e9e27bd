/**
 * Where the plugin files `sumgate init` installs come from: `--plugin-path`, else the built bundle
 * of a checkout this CLI runs from (<repo>/plugins/...), else the copy an installed CLI ships in
 * its own dist/plugins/ (the CLI's build copies both bundles there), else an installed plugin
 * package beside the CLI or the project.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackageManager } from './detect.js';

interface BundleSpec {
  /** In a sumgate checkout, relative to its root. */
  readonly inRepo: string;
  /** The copy shipped with the CLI, relative to the directory of the CLI's bundled file (dist/). */
  readonly shipped: string;
  /** Relative to a directory that has node_modules. */
  readonly inNodeModules: string;
}

const BUNDLES: Record<PackageManager, BundleSpec> = {
  pnpm: {
    inRepo: 'plugins/pnpm/pnpmfile.cjs',
    shipped: 'plugins/pnpmfile.cjs',
    inNodeModules: 'node_modules/pnpm-plugin-sumgate/pnpmfile.cjs',
  },
  yarn: {
    inRepo: 'plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js',
    shipped: 'plugins/plugin-sumgate.js',
    inNodeModules: 'node_modules/yarn-plugin-sumgate/bundles/@yarnpkg/plugin-sumgate.js',
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

/** The bundle file, or undefined with the places looked at. `cliDir` is where this CLI's code is. */
export function findBundle(
  manager: PackageManager,
  projectRoot: string,
  cliDir: string = path.dirname(fileURLToPath(import.meta.url)),
): { file: string | undefined; looked: string[] } {
  const spec = BUNDLES[manager];
  const looked: string[] = [];
  // A checkout's plugins/ only above this CLI; installed packages beside the CLI or the project.
  const candidates = [
    ...ancestors(cliDir).map((d) => path.join(d, spec.inRepo)),
    path.join(cliDir, spec.shipped),
    ...ancestors(cliDir).map((d) => path.join(d, spec.inNodeModules)),
    ...ancestors(projectRoot).map((d) => path.join(d, spec.inNodeModules)),
  ];
  for (const file of candidates) {
    if (looked.includes(file)) continue;
    looked.push(file);
    if (existsSync(file)) return { file, looked };
  }
  return { file: undefined, looked };
}

/** How to get the bundle when none was found. */
export function bundleHint(): string {
  return 'reinstall the sumgate CLI (its package ships both plugin bundles in dist/plugins/), or in a sumgate checkout run `pnpm run build`';
}
