import { defineConfig } from 'tsup';

// One self-contained CommonJS file that needs only Node built-ins: it is both the drop-in
// `.pnpmfile.cjs` and the config-dependency plugin's `pnpmfile.cjs` (config dependencies cannot
// have dependencies of their own).
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
});
