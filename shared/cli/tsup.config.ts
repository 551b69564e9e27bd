import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));

/**
 * What an installed CLI ships beside its own file, so `sumgate init` works outside a checkout:
 * both plugin bundles (built first: they are this package's devDependencies, so `pnpm -r run
 * build` orders them before it) and the policy's JSON Schema.
 */
const SHIPPED: ReadonlyArray<readonly [from: string, to: string]> = [
  ['../../plugins/pnpm/pnpmfile.cjs', 'dist/plugins/pnpmfile.cjs'],
  ['../../plugins/yarn/bundles/@yarnpkg/plugin-sumgate.js', 'dist/plugins/plugin-sumgate.js'],
  ['../core/policy.schema.json', 'dist/policy.schema.json'],
];

function copyShipped(): void {
  mkdirSync(here('dist/plugins'), { recursive: true });
  for (const [from, to] of SHIPPED) {
    if (!existsSync(here(from))) {
      throw new Error(
        `${here(from)} is missing: build the plugins first (pnpm run build at the repository root builds them in order)`,
      );
    }
    copyFileSync(here(from), here(to));
  }
}

// One self-contained file: the CLI runs from the checkout or a tarball with only Node.
export default defineConfig({
  entry: { sumgate: 'src/sumgate.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  splitting: false,
  noExternal: [/.*/],
  banner: {
    js: "import { createRequire as __sumgateCreateRequire } from 'node:module'; const require = __sumgateCreateRequire(import.meta.url);",
  },
  onSuccess: async () => copyShipped(),
});
