import { defineConfig } from 'tsup';

// One self-contained file: the CLI runs from the checkout or a tarball with only Node.
export default defineConfig({
  entry: { sumgate: 'src/sumgate.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  splitting: false,
  noExternal: [/.*/],
  banner: { js: "import { createRequire as __sumgateCreateRequire } from 'node:module'; const require = __sumgateCreateRequire(import.meta.url);" },
});
