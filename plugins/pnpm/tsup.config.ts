import { copyFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const manifest = JSON.parse(readFileSync(here('package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
};

// One self-contained CommonJS file that needs only Node built-ins: it is both the drop-in
// `.pnpmfile.cjs` and the config-dependency plugin's `pnpmfile.cjs` (config dependencies cannot
// have dependencies of their own). The banner names the version, so a copied `.pnpmfile.cjs`
// says which release it is. The policy's JSON Schema ships beside it: a project using the config
// dependency has it at node_modules/.pnpm-config/pnpm-plugin-sumgate/policy.schema.json.
export default defineConfig({
  entry: { pnpmfile: 'src/pnpmfile.ts' },
  format: ['cjs'],
  outDir: '.',
  outExtension: () => ({ js: '.cjs' }),
  platform: 'node',
  target: 'node20',
  clean: false,
  splitting: false,
  noExternal: [/.*/],
  banner: {
    js: `/*! ${manifest.name} ${manifest.version} (${manifest.license}): sumgate for pnpm 10 and 12, https://www.npmjs.com/package/${manifest.name} */`,
  },
  onSuccess: async () =>
    copyFileSync(here('../../shared/core/policy.schema.json'), here('policy.schema.json')),
});
